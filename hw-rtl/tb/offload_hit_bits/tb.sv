// Bench of offload_hit_bits: one line of vectors per clock (written by
// hw-rtl/tb/tests/hit_bits.rs from a plain bit-array model):
//   C set buckets ways word clear rdata
// each source's set, bucket and way (packed, source 0 lowest; a source not setting holds
// a random bucket and way), the driver's word and clear, and what the word must read in
// that clock, before its edge (with clear, the value read and cleared: a set in the same
// clock must still be there the next time the word is read). Checked clock by clock.
// Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter SB = 5;
parameter N_SOURCES = 4;

logic clk = 0;
always #5 clk = ~clk;

logic [N_SOURCES-1:0]    set = 0;
logic [N_SOURCES*SB-1:0] set_bucket = 0;
logic [N_SOURCES*3-1:0]  set_way = 0;
logic [SB-3:0]           word = 0;
logic                    clear = 0;
wire  [31:0]             rdata;

offload_hit_bits #(.SB(SB), .WAYS(8), .N_SOURCES(N_SOURCES)) dut (
    .clk(clk), .set(set), .set_bucket(set_bucket), .set_way(set_way),
    .word(word), .clear(clear), .rdata(rdata)
);

string path, op;
integer fd, clocks = 0, sets = 0, clears = 0, errors = 0, k;
logic [N_SOURCES-1:0]    v_set;
logic [N_SOURCES*SB-1:0] v_bucket;
logic [N_SOURCES*3-1:0]  v_way;
logic [SB-3:0]           v_word;
logic                    v_clear;
logic [31:0]             v_rdata;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op != "C") $fatal(1, "unknown vector line %s", op);
        if ($fscanf(fd, "%h %h %h %h %h %h\n", v_set, v_bucket, v_way, v_word, v_clear, v_rdata) != 6)
            $fatal(1, "bad C line");
        @(negedge clk);
        set = v_set;
        set_bucket = v_bucket;
        set_way = v_way;
        word = v_word;
        clear = v_clear;
        #1;
        if (rdata !== v_rdata) begin
            errors++;
            if (errors <= 10) $display("clock %0d: word %0d reads %h, want %h%s", clocks, v_word, rdata, v_rdata,
                v_clear ? " (read and cleared)" : "");
        end
        clocks++;
        clears += v_clear ? 1 : 0;
        for (k = 0; k < N_SOURCES; k++) sets += v_set[k] ? 1 : 0;
    end
    if (clocks == 0) $fatal(1, "no clocks in %s", path);
    $display("offload_hit_bits: %0d clocks, %0d sets, %0d words cleared, %0d mismatches", clocks, sets, clears, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
