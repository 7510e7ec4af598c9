// ACL classifier: first matching rule of an interface's ACL list, as
// sw-fallback/src/acl.rs `AclMatcher::classify` (VPP acl-plugin semantics).
//
// Every rule of the rule table is compared with the packet in parallel (the rules
// are flip-flops, a small TCAM); the interface's list (up to MAX_LISTS ACLs) turns
// into one rule-index range per list position, and a priority encoder picks the
// first list position with a match and the lowest matching rule in it. Two stages:
//
//   A (inputs, combinational; registered when adv): rule match bits, list ranges
//   B (outputs, combinational from the A registers): verdict
//
// A list longer than MAX_LISTS, or indices outside the tables, give `unsure`: the
// pipeline punts the packet to software.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_acl #
(
    // log2 entries of the rule, ACL and ACL list tables
    parameter RULE_BITS = 5,
    parameter ACL_BITS = 4,
    parameter LIST_BITS = 4,
    // longest ACL list per interface and direction matched in hardware
    parameter MAX_LISTS = 4
)
(
    input  wire                              clk,
    input  wire                              adv,

    // the tables (rule fields [175:0] of offload_pkg RULE_*, ACL and list entries)
    input  wire [(2**RULE_BITS)*176-1:0]     rules,
    input  wire [(2**ACL_BITS)*48-1:0]       acls,
    input  wire [(2**LIST_BITS)*32-1:0]      lists,

    // stage A: the packet's flow and the interface's list
    input  wire [31:0]                       src,
    input  wire [31:0]                       dst,
    input  wire [7:0]                        proto,
    input  wire [15:0]                       sport,
    input  wire [15:0]                       dport,
    input  wire [7:0]                        tcp_flags,
    input  wire                              l4_valid,
    input  wire [15:0]                       list_start,
    input  wire [15:0]                       list_count,

    // stage B: verdict
    output reg                               match,
    output reg  [7:0]                        action,
    output wire                              unsure
);

localparam NR = 2**RULE_BITS;

initial begin
    if (MAX_LISTS < 1 || MAX_LISTS > 16 || RULE_BITS > 12) begin
        $error("Error: ACL parameters out of range (instance %m)");
        $finish;
    end
end

function [31:0] prefix_mask(input [7:0] len);
    if (len == 8'd0) prefix_mask = 32'd0;
    else if (len >= 8'd32) prefix_mask = 32'hffff_ffff;
    else prefix_mask = ~(32'hffff_ffff >> len[4:0]);
endfunction

// ---- stage A
reg [NR-1:0] hit_a;
reg [NR-1:0] in_a [0:MAX_LISTS-1];
reg          unsure_a;
integer r, j;
// Waiver: the action byte of a rule is read by the priority stage, not the compare.
/* verilator lint_off UNUSEDSIGNAL */
reg [175:0] ru;
/* verilator lint_on UNUSEDSIGNAL */
reg [31:0]  li, ai, rs, rc;
always @* begin
    for (r = 0; r < NR; r = r + 1) begin
        ru = rules[176*r +: 176];
        hit_a[r] = ((src ^ ru[offload_pkg::RULE_SRC_LSB +: 32]) & prefix_mask(ru[offload_pkg::RULE_SRC_LEN_LSB +: 8])) == 32'd0
            && ((dst ^ ru[offload_pkg::RULE_DST_LSB +: 32]) & prefix_mask(ru[offload_pkg::RULE_DST_LEN_LSB +: 8])) == 32'd0
            && (ru[offload_pkg::RULE_PROTO_LSB +: 8] == 8'd0
                || (ru[offload_pkg::RULE_PROTO_LSB +: 8] == proto
                    // a rule naming a protocol needs the L4 identifiers (VPP's l4_valid)
                    && (l4_valid
                        && (ru[offload_pkg::RULE_SPORT_LO_LSB +: 16] <= sport
                            && sport <= ru[offload_pkg::RULE_SPORT_HI_LSB +: 16]
                            && ru[offload_pkg::RULE_DPORT_LO_LSB +: 16] <= dport
                            && dport <= ru[offload_pkg::RULE_DPORT_HI_LSB +: 16]
                            // the TCP flags only count for TCP (VPP: tcp_flags_valid)
                            && (proto != 8'd6 || (tcp_flags & ru[offload_pkg::RULE_TCP_FLAGS_MASK_LSB +: 8])
                                == ru[offload_pkg::RULE_TCP_FLAGS_VALUE_LSB +: 8])))));
    end
    unsure_a = list_count > 16'(MAX_LISTS);
    for (j = 0; j < MAX_LISTS; j = j + 1) begin
        li = {16'd0, list_start} + j;
        ai = lists[32*(li[LIST_BITS-1:0]) +: 32];
        rs = acls[48*(ai[ACL_BITS-1:0]) +: 32];
        rc = {16'd0, acls[48*(ai[ACL_BITS-1:0]) + 32 +: 16]};
        in_a[j] = {NR{1'b0}};
        if (j < list_count) begin
            if (li >= 32'(2**LIST_BITS) || ai >= 32'(2**ACL_BITS) || rs + rc > 32'(NR)) unsure_a = 1'b1;
            for (r = 0; r < NR; r = r + 1) begin
                in_a[j][r] = 32'(r) >= rs && 32'(r) < rs + rc;
            end
        end
    end
end

// first matching rule of each list position: its action (the rule is read in stage
// A only, so a rule rewritten between the stages cannot mix old and new)
reg [NR-1:0] cand_a;
reg [MAX_LISTS-1:0] any_a;
reg [7:0]    act_a [0:MAX_LISTS-1];
always @* begin
    for (j = 0; j < MAX_LISTS; j = j + 1) begin
        cand_a = hit_a & in_a[j];
        any_a[j] = cand_a != {NR{1'b0}};
        act_a[j] = 8'd0;
        for (r = NR - 1; r >= 0; r = r - 1) begin
            if (cand_a[r]) act_a[j] = rules[176*r + offload_pkg::RULE_ACTION_LSB +: 8];
        end
    end
end

// ---- A -> B
reg [MAX_LISTS-1:0] any_b;
reg [7:0]    act_b [0:MAX_LISTS-1];
reg          unsure_b;
always @(posedge clk) begin
    if (adv) begin
        any_b <= any_a;
        for (j = 0; j < MAX_LISTS; j = j + 1) act_b[j] <= act_a[j];
        unsure_b <= unsure_a;
    end
end
assign unsure = unsure_b;

// ---- stage B: the first list position with a match
always @* begin
    match = 1'b0;
    action = 8'd0;
    for (j = MAX_LISTS - 1; j >= 0; j = j - 1) begin
        if (any_b[j]) begin
            match = 1'b1;
            action = act_b[j];
        end
    end
end

endmodule

`resetall
