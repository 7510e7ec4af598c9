// Bench of offload_acl: random rule tables and flows from hw-rtl/tb/tests/benches.rs,
// the expected verdict from the contract's reference classifier
// (sw_fallback::acl::classify_reference: first matching rule of the interface's ACLs in
// order). Each flow is presented in stage A and its verdict checked after the clock
// edge that moves it to stage B: match and action when the lists are inside the
// tables, `unsure` (the top then punts) when they are not. Run by
// `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

module tb;

parameter RULE_BITS = 5;
parameter ACL_BITS = 4;
parameter LIST_BITS = 4;
parameter MAX_LISTS = 4;
localparam RW = (2**RULE_BITS) * 176, AW = (2**ACL_BITS) * 48, LW = (2**LIST_BITS) * 32;

logic clk = 0;
logic [RW-1:0] rules = 0;
logic [AW-1:0] acls = 0;
logic [LW-1:0] lists = 0;
logic [31:0] src = 0, dst = 0;
logic [7:0]  proto = 0, tcp_flags = 0;
logic [15:0] sport = 0, dport = 0, list_start = 0, list_count = 0;
logic        l4_valid = 0;
wire         match, unsure;
wire  [7:0]  action;

offload_acl #(.RULE_BITS(RULE_BITS), .ACL_BITS(ACL_BITS), .LIST_BITS(LIST_BITS), .MAX_LISTS(MAX_LISTS)) dut (
    .clk(clk), .adv(1'b1), .rules(rules), .acls(acls), .lists(lists),
    .src(src), .dst(dst), .proto(proto), .sport(sport), .dport(dport), .tcp_flags(tcp_flags),
    .l4_valid(l4_valid), .list_start(list_start), .list_count(list_count),
    .match(match), .action(action), .unsure(unsure)
);

string path, tag;
integer fd, n = 0, tables = 0, errors = 0, unsure_seen = 0, matched = 0;
logic [31:0] v_src, v_dst;
logic [7:0]  v_proto, v_flags, v_action;
logic [15:0] v_sport, v_dport, v_start, v_count;
logic        v_l4, v_match, v_unsure;
logic [RW-1:0] v_rules;
logic [AW-1:0] v_acls;
logic [LW-1:0] v_lists;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    // T <rules> <acls> <lists>: new tables; F <flow> <list> <expected verdict>: a flow
    while ($fscanf(fd, "%s", tag) == 1) begin
        if (tag == "T") begin
            if ($fscanf(fd, "%h %h %h\n", v_rules, v_acls, v_lists) != 3) $fatal(1, "bad table line");
            {rules, acls, lists} = {v_rules, v_acls, v_lists};
            tables = tables + 1;
        end else if (tag == "F") begin
            if ($fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h\n", v_src, v_dst, v_proto, v_sport, v_dport,
                        v_flags, v_l4, v_start, v_count, v_match, v_action, v_unsure) != 12)
                $fatal(1, "bad flow line %0d", n);
            {src, dst, proto, sport, dport, tcp_flags, l4_valid, list_start, list_count} =
                {v_src, v_dst, v_proto, v_sport, v_dport, v_flags, v_l4, v_start, v_count};
            #1 clk = 1;
            #1 clk = 0;
            if (unsure !== v_unsure || (!v_unsure && (match !== v_match || (v_match && action !== v_action)))) begin
                errors = errors + 1;
                if (errors <= 10)
                    $display("flow %0d (tables %0d): match %b action %h unsure %b, want %b %h %b", n, tables,
                             match, action, unsure, v_match, v_action, v_unsure);
            end
            unsure_seen = unsure_seen + (v_unsure ? 1 : 0);
            matched = matched + (v_match ? 1 : 0);
            n = n + 1;
        end else begin
            $fatal(1, "unknown line tag '%s'", tag);
        end
    end
    $display("offload_acl: %0d flows over %0d tables (%0d matched, %0d unsure), %0d mismatches",
             n, tables, matched, unsure_seen, errors);
    if (n == 0 || errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
