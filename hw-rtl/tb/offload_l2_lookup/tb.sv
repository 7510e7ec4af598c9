// Bench of offload_l2_lookup: the vectors (written by hw-rtl/tb/tests/l2_lookup.rs from a
// model of software's maps) are table contents and pipeline clocks in order:
//   T vxlan l2fib      the flat tunnel and L2 FIB tables (entry 0 lowest), held until the next
//   E src dst vni bvi bvi_if tunnel_if adj_macs inner_macs
//     s8_tunnel_sw s9_member_sw
//     tunnel_hit tunnel_sw tunnel_acl_in l2_hit l2_group l2_src_ok l2_sw l2_flags l2_in_range
// An E line is one clock with `en` high: s8's and s9's inputs (two different packets),
// what the combinational s8_tunnel_sw and s9_member_sw must be in that clock, and what
// s10 must hold after its edge: the tunnel results of the s8 inputs of the E line before
// (registered twice), the L2 results of this line's s9 inputs (registered once). Between
// E lines, random idle clocks (`en` low, random inputs): s10 must hold. Run by
// `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter IF_BITS = 4;
parameter L2FIB_BITS = 4;
parameter VXLAN_BITS = 3;
parameter IDLE_PCT = 40;
localparam IF_W = offload_pkg::IF_BITS;
localparam VW = (2**VXLAN_BITS)*160;
localparam FW = (2**L2FIB_BITS)*128;

logic clk = 0;
always #5 clk = ~clk;

logic            en = 0, s9_bvi = 0;
logic [VW-1:0]   vxlan = 0;
logic [FW-1:0]   l2fib = 0;
logic [31:0]     s8_src = 0, s8_dst = 0;
logic [23:0]     s8_vni = 0;
logic [IF_W-1:0] s9_bvi_if = 0, s9_tunnel_if = 0;
logic [95:0]     s9_adj_macs = 0, s9_inner_macs = 0;
wire  [15:0]     s8_tunnel_sw, s9_member_sw, tunnel_sw, l2_sw;
wire             tunnel_hit, tunnel_acl_in, l2_hit, l2_group, l2_src_ok, l2_in_range;
wire  [7:0]      l2_flags;

offload_l2_lookup #(.IF_BITS(IF_BITS), .L2FIB_BITS(L2FIB_BITS), .VXLAN_BITS(VXLAN_BITS)) dut (
    .clk(clk), .en(en), .vxlan(vxlan), .l2fib(l2fib),
    .s8_src(s8_src), .s8_dst(s8_dst), .s8_vni(s8_vni), .s8_tunnel_sw(s8_tunnel_sw),
    .s9_bvi(s9_bvi), .s9_bvi_if(s9_bvi_if), .s9_tunnel_if(s9_tunnel_if),
    .s9_adj_macs(s9_adj_macs), .s9_inner_macs(s9_inner_macs), .s9_member_sw(s9_member_sw),
    .tunnel_hit(tunnel_hit), .tunnel_sw(tunnel_sw), .tunnel_acl_in(tunnel_acl_in), .l2_hit(l2_hit),
    .l2_group(l2_group), .l2_src_ok(l2_src_ok), .l2_sw(l2_sw), .l2_flags(l2_flags), .l2_in_range(l2_in_range)
);

string path, op;
integer fd, clocks = 0, tables = 0, tunnel_hits = 0, l2_hits = 0, errors = 0, idle, k;
logic [VW-1:0]   v_vxlan;
logic [FW-1:0]   v_l2fib;
logic [31:0]     v_src, v_dst;
logic [23:0]     v_vni;
logic            v_bvi;
logic [IF_W-1:0] v_bvi_if, v_tunnel_if;
logic [95:0]     v_adj, v_inner;
logic [15:0]     v_s8_sw, v_s9_sw, v_tunnel_sw, v_l2_sw;
logic            v_tunnel_hit, v_acl_in, v_l2_hit, v_group, v_src_ok, v_in_range;
logic [7:0]      v_flags;

// s10, all outputs in one word, and what it must be
wire  [45:0] s10 = {tunnel_hit, tunnel_sw, tunnel_acl_in, l2_hit, l2_group, l2_src_ok, l2_sw, l2_flags, l2_in_range};
logic [45:0] v_s10;

task automatic check_s10(input string when);
    if (s10 !== v_s10) begin
        errors++;
        if (errors <= 10) $display("clock %0d (%s): s10 tunnel %b sw %0d acl_in %b, l2 hit %b group %b src_ok %b sw %0d flags %h in_range %b; want tunnel %b sw %0d acl_in %b, l2 hit %b group %b src_ok %b sw %0d flags %h in_range %b",
            clocks, when, tunnel_hit, tunnel_sw, tunnel_acl_in, l2_hit, l2_group, l2_src_ok, l2_sw, l2_flags, l2_in_range,
            v_tunnel_hit, v_tunnel_sw, v_acl_in, v_l2_hit, v_group, v_src_ok, v_l2_sw, v_flags, v_in_range);
    end
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op == "T") begin
            if ($fscanf(fd, "%h %h\n", v_vxlan, v_l2fib) != 2) $fatal(1, "bad T line");
            @(negedge clk);
            en = 0;
            vxlan = v_vxlan;
            l2fib = v_l2fib;
            tables++;
        end else if (op == "E") begin
            if ($fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h %h\n", v_src, v_dst, v_vni, v_bvi,
                    v_bvi_if, v_tunnel_if, v_adj, v_inner, v_s8_sw, v_s9_sw, v_tunnel_hit, v_tunnel_sw, v_acl_in,
                    v_l2_hit, v_group, v_src_ok, v_l2_sw, v_flags, v_in_range) != 19) $fatal(1, "bad E line");
            v_s10 = {v_tunnel_hit, v_tunnel_sw, v_acl_in, v_l2_hit, v_group, v_src_ok, v_l2_sw, v_flags, v_in_range};
            @(negedge clk);
            en = 1;
            s8_src = v_src;
            s8_dst = v_dst;
            s8_vni = v_vni;
            s9_bvi = v_bvi;
            s9_bvi_if = v_bvi_if;
            s9_tunnel_if = v_tunnel_if;
            s9_adj_macs = v_adj;
            s9_inner_macs = v_inner;
            #1;
            if (s8_tunnel_sw !== v_s8_sw || s9_member_sw !== v_s9_sw) begin
                errors++;
                if (errors <= 10) $display("clock %0d: s8_tunnel_sw %0d s9_member_sw %0d, want %0d %0d", clocks,
                    s8_tunnel_sw, s9_member_sw, v_s8_sw, v_s9_sw);
            end
            @(posedge clk);
            #1;
            check_s10("after its clock");
            // idle clocks: `en` low, other inputs; s10 holds
            idle = ($urandom % 100) < IDLE_PCT ? 1 + $urandom % 3 : 0;
            repeat (idle) begin
                @(negedge clk);
                en = 0;
                s8_src = $urandom;
                s8_dst = $urandom;
                s8_vni = 24'($urandom);
                s9_bvi = 1'($urandom);
                for (k = 0; k < IF_W / 32; k++) begin
                    s9_bvi_if[32*k +: 32] = $urandom;
                    s9_tunnel_if[32*k +: 32] = $urandom;
                end
                s9_adj_macs = {$urandom, $urandom, $urandom};
                s9_inner_macs = {$urandom, $urandom, $urandom};
                @(posedge clk);
                #1;
                check_s10("held");
            end
            clocks++;
            tunnel_hits += v_tunnel_hit ? 1 : 0;
            l2_hits += v_l2_hit ? 1 : 0;
        end else begin
            $fatal(1, "unknown vector line %s", op);
        end
    end
    if (clocks == 0) $fatal(1, "no clocks in %s", path);
    $display("offload_l2_lookup: %0d tables, %0d clocks (%0d tunnel hits, %0d L2 hits), %0d mismatches", tables,
        clocks, tunnel_hits, l2_hits, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
