// Bench of offload_realign: packets (written by hw-rtl/tb/tests/benches.rs) with a mode
// (0 pass, 1 insert the stash, 2 strip HDR bytes), the stash, their beats in and the
// beats that must come out (the frame with the stash in front, or without its first
// HDR bytes, cut into 64-byte beats). Beats are offered with random gaps and taken with
// random ready; every beat out is checked in order (kept bytes, keep, last). Run by
// `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter HDR = 50;
parameter VALID_PCT = 70;
parameter READY_PCT = 60;

logic clk = 0, rst = 1;
always #5 clk = ~clk;

logic [1:0]       mode = 0;
logic [8*HDR-1:0] stash = 0;
logic [511:0]     in_data = 0;
logic [63:0]      in_keep = 0;
logic             in_last = 0, in_sop = 0, in_valid = 0, ready = 0;
wire              hold, out_beat, out_last;
wire  [511:0]     out_data;
wire  [63:0]      out_keep;
wire              take = in_valid && ready && !hold;

offload_realign #(.HDR(HDR)) dut (
    .clk(clk), .rst(rst), .mode(mode), .stash(stash),
    .in_data(in_data), .in_keep(in_keep), .in_last(in_last), .in_sop(in_sop), .take(take), .hold(hold),
    .out_data(out_data), .out_keep(out_keep), .out_last(out_last), .out_beat(out_beat), .out_ready(ready)
);

// the vectors: beats in (with their packet's mode and stash), beats out
logic [511:0]     i_data [$];
logic [63:0]      i_keep [$];
logic             i_last [$], i_sop [$];
logic [1:0]       i_mode [$];
logic [8*HDR-1:0] i_stash [$];
logic [511:0]     o_data [$];
logic [63:0]      o_keep [$];
logic             o_last [$];

string path, op;
integer fd, nin, nout, k, seed = 1, npkts = 0, in_i = 0, out_i = 0, errors = 0, clocks = 0;
logic [1:0]       v_mode;
logic [8*HDR-1:0] v_stash;
logic [511:0]     v_data;
logic [63:0]      v_keep;
logic             v_last;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE [+seed=N]");
    void'($value$plusargs("seed=%d", seed));
    void'($urandom(seed));
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s %h %h %d %d\n", op, v_mode, v_stash, nin, nout) == 5) begin
        if (op != "P") $fatal(1, "bad vector line %s", op);
        for (k = 0; k < nin; k++) begin
            if ($fscanf(fd, "%h %h %h\n", v_data, v_keep, v_last) != 3) $fatal(1, "bad beat in");
            i_data.push_back(v_data);
            i_keep.push_back(v_keep);
            i_last.push_back(v_last);
            i_sop.push_back(k == 0);
            i_mode.push_back(v_mode);
            i_stash.push_back(v_stash);
        end
        for (k = 0; k < nout; k++) begin
            if ($fscanf(fd, "%h %h %h\n", v_data, v_keep, v_last) != 3) $fatal(1, "bad beat out");
            o_data.push_back(tb_beats::kept(v_data, v_keep));
            o_keep.push_back(v_keep);
            o_last.push_back(v_last);
        end
        npkts++;
    end
    if (npkts == 0) $fatal(1, "no vectors in %s", path);
    repeat (3) @(posedge clk);
    @(negedge clk) rst = 0;
end

task automatic check_out();
    if (out_i >= o_data.size()) begin
        $display("a beat out beyond the expected ones");
        $fatal(1, "FAIL");
    end
    if (tb_beats::kept(out_data, out_keep) !== o_data[out_i] || out_keep !== o_keep[out_i] || out_last !== o_last[out_i]) begin
        errors++;
        if (errors <= 10) $display("beat out %0d: keep %h last %b, want keep %h last %b%s", out_i, out_keep, out_last,
            o_keep[out_i], o_last[out_i], tb_beats::kept(out_data, out_keep) !== o_data[out_i] ? ", data differs" : "");
    end
    out_i++;
endtask

always @(posedge clk) if (!rst) begin
    clocks++;
    // this clock's transfers
    if (hold && ready) check_out();
    else if (take) begin
        if (out_beat) check_out();
        in_i++;
    end
    // the next clock's offer: a beat offered stays until taken
    if (!(in_valid && !take)) begin
        if (in_i < i_data.size() && ($urandom % 100) < VALID_PCT) begin
            in_valid <= 1;
            in_data <= i_data[in_i];
            in_keep <= i_keep[in_i];
            in_last <= i_last[in_i];
            in_sop <= i_sop[in_i];
            mode <= i_mode[in_i];
            stash <= i_stash[in_i];
        end else begin
            in_valid <= 0;
        end
    end
    ready <= ($urandom % 100) < READY_PCT;
    if (out_i == o_data.size() && in_i == i_data.size() && !hold) begin
        $display("offload_realign: %0d packets, %0d beats in, %0d out in %0d clocks, %0d mismatches", npkts,
            i_data.size(), o_data.size(), clocks, errors);
        if (errors != 0) $fatal(1, "FAIL");
        $display("PASS");
        $finish;
    end
    if (clocks > 100 * i_data.size() + 1000) begin
        $display("stuck: %0d of %0d beats in, %0d of %0d out", in_i, i_data.size(), out_i, o_data.size());
        $fatal(1, "FAIL");
    end
end

endmodule
/* verilator lint_on BLKSEQ */
