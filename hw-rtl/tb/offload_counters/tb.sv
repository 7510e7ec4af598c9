// Bench of offload_counters: one line of vectors per clock (written by
// hw-rtl/tb/tests/benches.rs): the events of that clock (a packet in and its port, two
// lookups with their tables and hits, a packet out with its destination and reason, a
// clear), then lines `C address value`: what each counter register must read after
// the last clock (offload-tables regs.rs CNT_*). Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter N_PORTS = 2;

logic clk = 0, rst = 1;
always #5 clk = ~clk;

logic        clear = 0, rx = 0, out = 0;
logic [3:0]  rx_port = 0, out_dest = 0;
logic [1:0]  lk = 0, lk_hit = 0;
logic [9:0]  lk_table = 0;
logic [5:0]  out_reason = 0;
logic [15:0] rd_addr = 0;
wire         rd_sel;
wire  [31:0] rd_data;

offload_counters #(.N_PORTS(N_PORTS)) dut (
    .clk(clk), .rst(rst), .clear(clear), .rx(rx), .rx_port(rx_port), .lk(lk), .lk_hit(lk_hit),
    .lk_table(lk_table), .out(out), .out_dest(out_dest), .out_reason(out_reason),
    .rd_addr(rd_addr), .rd_sel(rd_sel), .rd_data(rd_data)
);

string path, op;
integer fd, clocks = 0, reads = 0, errors = 0;
logic        v_clear, v_rx, v_out;
logic [3:0]  v_rx_port, v_out_dest;
logic [1:0]  v_lk, v_lk_hit;
logic [9:0]  v_lk_table;
logic [5:0]  v_reason;
logic [15:0] v_addr;
logic [31:0] v_value;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    repeat (2) @(posedge clk);
    @(negedge clk) rst = 0;
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op == "E") begin
            if ($fscanf(fd, "%h %h %h %h %h %h %h %h %h\n", v_clear, v_rx, v_rx_port, v_lk, v_lk_hit, v_lk_table,
                    v_out, v_out_dest, v_reason) != 9) $fatal(1, "bad E line");
            clear = v_clear;
            rx = v_rx;
            rx_port = v_rx_port;
            lk = v_lk;
            lk_hit = v_lk_hit;
            lk_table = v_lk_table;
            out = v_out;
            out_dest = v_out_dest;
            out_reason = v_reason;
            @(negedge clk);
            clocks++;
        end else if (op == "C") begin
            if ($fscanf(fd, "%h %h\n", v_addr, v_value) != 2) $fatal(1, "bad C line");
            {clear, rx, out, lk} = 0;
            rd_addr = v_addr;
            #1;
            if (!rd_sel || rd_data !== v_value) begin
                errors++;
                if (errors <= 10) $display("counter at %h: %0d (sel %b), want %0d", v_addr, rd_data, rd_sel, v_value);
            end
            reads++;
        end else begin
            $fatal(1, "unknown vector line %s", op);
        end
    end
    if (reads == 0) $fatal(1, "no counters to check in %s", path);
    $display("offload_counters: %0d clocks, %0d counters read, %0d mismatches", clocks, reads, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
