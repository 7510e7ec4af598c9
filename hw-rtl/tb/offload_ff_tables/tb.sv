// Bench of offload_ff_tables: one line of vectors per clock (written by
// hw-rtl/tb/tests/ff_tables.rs from a model of the tables: the entries written where):
//   S sel index tw data rb global lists acls rules l2fib vxlan port_map
// the register block's table port in that clock (TBL_SELECT, TBL_INDEX, tw, tw_data: a
// write, a delete as a write of zeroes, or no write; any table number, held here or not),
// then what must show once its edge has passed: the read-back of entry `index` of table
// `sel` (rb_data: the whole entry, 0 above it; 0 for a table not held here) and every
// flat output (each entry's matched fields, entry 0 lowest). Checked clock by clock.
// Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter N_PORTS = 2;
parameter ACL_LIST_BITS = 4;
parameter ACL_BITS = 4;
parameter RULE_BITS = 5;
parameter L2FIB_BITS = 5;
parameter VXLAN_BITS = 3;
localparam GW = offload_pkg::GLOBAL_BITS;
localparam LW = (2**ACL_LIST_BITS)*32, AW = (2**ACL_BITS)*48, RW = (2**RULE_BITS)*176;
localparam FW = (2**L2FIB_BITS)*128, VW = (2**VXLAN_BITS)*160, PW = N_PORTS*16;
// the widest output (for the mismatch report)
localparam M1 = GW > LW ? GW : LW, M2 = M1 > AW ? M1 : AW, M3 = M2 > RW ? M2 : RW, M4 = M3 > FW ? M3 : FW;
localparam M5 = M4 > VW ? M4 : VW, MW = M5 > PW ? M5 : PW;

logic clk = 0;
always #5 clk = ~clk;

logic [7:0]   tbl_sel = 0;
logic [31:0]  tbl_index = 0;
logic         tw = 0;
logic [511:0] tw_data = 0;
wire  [511:0] rb_data;
wire  [GW-1:0] global_entry;
wire  [LW-1:0] lists;
wire  [AW-1:0] acls;
wire  [RW-1:0] rules;
wire  [FW-1:0] l2fib;
wire  [VW-1:0] vxlan;
wire  [PW-1:0] port_map;

offload_ff_tables #(.N_PORTS(N_PORTS), .ACL_LIST_BITS(ACL_LIST_BITS), .ACL_BITS(ACL_BITS), .RULE_BITS(RULE_BITS),
    .L2FIB_BITS(L2FIB_BITS), .VXLAN_BITS(VXLAN_BITS)) dut (
    .clk(clk), .tbl_sel(tbl_sel), .tbl_index(tbl_index), .tw(tw), .tw_data(tw_data), .rb_data(rb_data),
    .global_entry(global_entry), .lists(lists), .acls(acls), .rules(rules), .l2fib(l2fib), .vxlan(vxlan),
    .port_map(port_map)
);

string path, op;
integer fd, clocks = 0, writes = 0, errors = 0;
logic [511:0] v_data, v_rb;
logic [7:0]   v_sel;
logic [31:0]  v_index;
logic         v_tw;
// this line's expectations, checked at the next falling edge
logic [GW-1:0] e_global;
logic [LW-1:0] e_lists;
logic [AW-1:0] e_acls;
logic [RW-1:0] e_rules;
logic [FW-1:0] e_l2fib;
logic [VW-1:0] e_vxlan;
logic [PW-1:0] e_port_map;

// an output against its expectation: the first entry (of `w` bits) that differs
task automatic check(input string what, input [MW-1:0] got, input [MW-1:0] want, input integer w);
    integer b;
    if (got === want) return;
    errors++;
    for (b = 0; b < MW && got[b] === want[b]; b++) ;
    if (errors <= 10)
        $display("clock %0d (table %0d index %0d, tw %b): %s entry %0d differs from bit %0d of it (got bit %b)",
            clocks, tbl_sel, tbl_index, tw, what, b / w, b % w, got[b]);
endtask

task automatic check_all();
    if (rb_data !== v_rb) begin
        errors++;
        if (errors <= 10) $display("clock %0d (table %0d index %0d, tw %b): read back %h, want %h", clocks, tbl_sel,
            tbl_index, tw, rb_data, v_rb);
    end
    check("global_entry", MW'(global_entry), MW'(e_global), GW);
    check("lists", MW'(lists), MW'(e_lists), 32);
    check("acls", MW'(acls), MW'(e_acls), 48);
    check("rules", MW'(rules), MW'(e_rules), 176);
    check("l2fib", MW'(l2fib), MW'(e_l2fib), 128);
    check("vxlan", MW'(vxlan), MW'(e_vxlan), 160);
    check("port_map", MW'(port_map), MW'(e_port_map), 16);
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op != "S") $fatal(1, "unknown vector line %s", op);
        @(negedge clk);
        // the last line's clock has had its edge
        if (clocks != 0) check_all();
        if ($fscanf(fd, "%h %h %h %h %h %h %h %h %h %h %h %h\n", v_sel, v_index, v_tw, v_data, v_rb, e_global,
                e_lists, e_acls, e_rules, e_l2fib, e_vxlan, e_port_map) != 12)
            $fatal(1, "bad S line");
        tbl_sel = v_sel;
        tbl_index = v_index;
        tw = v_tw;
        tw_data = v_data;
        clocks++;
        writes += v_tw ? 1 : 0;
    end
    if (clocks == 0) $fatal(1, "no clocks in %s", path);
    @(negedge clk);
    check_all();
    $display("offload_ff_tables: %0d clocks, %0d writes and deletes, %0d mismatches", clocks, writes, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
