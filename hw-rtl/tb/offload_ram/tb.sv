// Bench of offload_ram: one line of vectors per clock (written by
// hw-rtl/tb/tests/benches.rs from a plain array model): port A's write enable, address
// and data, port B's enable and one address per copy, and what the outputs must hold
// after that clock's edge (port A's read-back, every copy's port B). Checked clock by
// clock. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter W = 16;
parameter ADDR_BITS = 4;
parameter REPLICAS = 2;

logic clk = 0;
always #5 clk = ~clk;

logic                          a_we = 0, b_en = 0;
logic [ADDR_BITS-1:0]          a_addr = 0;
logic [W-1:0]                  a_wdata = 0;
logic [REPLICAS*ADDR_BITS-1:0] b_addr = 0;
wire  [W-1:0]                  a_rdata;
wire  [REPLICAS*W-1:0]         b_rdata;

offload_ram #(.W(W), .ADDR_BITS(ADDR_BITS), .REPLICAS(REPLICAS)) dut (
    .clk(clk), .a_we(a_we), .a_addr(a_addr), .a_wdata(a_wdata), .a_rdata(a_rdata),
    .b_en(b_en), .b_addr(b_addr), .b_rdata(b_rdata)
);

string path;
integer fd, n = 0, errors = 0;
logic                          v_we, v_en;
logic [ADDR_BITS-1:0]          v_addr;
logic [W-1:0]                  v_wdata, v_a;
logic [REPLICAS*ADDR_BITS-1:0] v_baddr;
logic [REPLICAS*W-1:0]         v_b;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%h %h %h %h %h %h %h\n", v_we, v_addr, v_wdata, v_en, v_baddr, v_a, v_b) == 7) begin
        @(negedge clk);
        a_we = v_we;
        a_addr = v_addr;
        a_wdata = v_wdata;
        b_en = v_en;
        b_addr = v_baddr;
        @(posedge clk);
        #1;
        // port A's read-back is checked from the second clock on (it has no reset)
        if ((n > 0 && a_rdata !== v_a) || b_rdata !== v_b) begin
            errors = errors + 1;
            if (errors <= 10) $display("clock %0d: port A %h (want %h), port B %h (want %h)", n, a_rdata, v_a, b_rdata, v_b);
        end
        n = n + 1;
    end
    if (n == 0) $fatal(1, "no vectors in %s", path);
    $display("offload_ram: %0d clocks, %0d mismatches", n, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
