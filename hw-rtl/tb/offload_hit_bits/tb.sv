// Bench of offload_hit_bits: vector lines (written by hw-rtl/tb/tests/hit_bits.rs from
// a model of the contract, two banks of a bit per slot), one clock each:
//   S set buckets ways          sources setting bits
//   F set buckets ways          the same, and a flip (retire the current bank)
//   R group data set buckets ways
//                               the same, and a read of group `group` of the retired bank,
//                               which must answer `data` (512 bits) and clear it
// each source's set, bucket and way packed, source 0 lowest. As the register block
// does, the bench starts no flip or read while a read is under way (it waits, without
// sets, until the answer is in); sets go on while a read runs. Run by
// `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter SB = 8;
parameter N_SOURCES = 4;

logic clk = 0;
always #5 clk = ~clk;

logic [N_SOURCES-1:0]    set = 0;
logic [N_SOURCES*SB-1:0] set_bucket = 0;
logic [N_SOURCES*3-1:0]  set_way = 0;
logic                    flip = 0;
logic                    rd_valid = 0;
logic [SB-7:0]           rd_index = 0;
wire                     rb_valid;
wire  [511:0]            rb_data;
wire  [31:0]             flips;

offload_hit_bits #(.SB(SB), .WAYS(8), .N_SOURCES(N_SOURCES)) dut (
    .clk(clk), .rst(1'b0), .set(set), .set_bucket(set_bucket), .set_way(set_way),
    .flip(flip), .flips(flips), .rd_valid(rd_valid), .rd_index(rd_index), .rb_valid(rb_valid), .rb_data(rb_data)
);

string path, op;
integer fd, clocks = 0, sets = 0, reads = 0, nflips = 0, errors = 0, k;
logic [N_SOURCES-1:0]    v_set;
logic [N_SOURCES*SB-1:0] v_bucket;
logic [N_SOURCES*3-1:0]  v_way;
logic [SB-7:0]           v_group;
logic [511:0]            v_data;
logic [511:0]            want;
logic                    reading = 0;

// checks an answer at the clock edge it is valid
always @(posedge clk) begin
    if (rb_valid) begin
        if (!reading) begin
            errors++;
            $display("clock %0d: an answer nobody asked for", clocks);
        end else if (rb_data !== want) begin
            errors++;
            if (errors <= 10) $display("clock %0d: group %0d reads %h, want %h", clocks, rd_index, rb_data, want);
        end
        reading = 0;
    end
end

task automatic idle_until_answered();
    while (reading) begin
        @(negedge clk);
        set = 0;
        flip = 0;
        rd_valid = 0;
        clocks++;
    end
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op == "R") begin
            if ($fscanf(fd, "%h %h", v_group, v_data) != 2) $fatal(1, "bad R line");
        end else if (op != "S" && op != "F") $fatal(1, "unknown vector line %s", op);
        if ($fscanf(fd, "%h %h %h\n", v_set, v_bucket, v_way) != 3) $fatal(1, "bad %s line", op);
        if (op != "S") idle_until_answered();
        @(negedge clk);
        set = v_set;
        set_bucket = v_bucket;
        set_way = v_way;
        flip = op == "F";
        rd_valid = op == "R";
        if (op == "R") begin
            rd_index = v_group;
            want = v_data;
            reading = 1;
            reads++;
        end
        nflips += op == "F" ? 1 : 0;
        clocks++;
        for (k = 0; k < N_SOURCES; k++) sets += v_set[k] ? 1 : 0;
    end
    idle_until_answered();
    @(negedge clk);
    if (clocks == 0) $fatal(1, "no clocks in %s", path);
    if (flips !== 32'(nflips)) begin
        errors++;
        $display("flips reads %0d, want %0d", flips, nflips);
    end
    $display("offload_hit_bits: %0d clocks, %0d sets, %0d flips, %0d groups read, %0d mismatches",
        clocks, sets, nflips, reads, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
