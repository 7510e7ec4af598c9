// Bench of offload_ingress_fifo: random packets (beats written by
// hw-rtl/tb/tests/benches.rs) pushed with random gaps in s_axis_tvalid and taken with
// random m_axis_tready; every beat out is checked in order (data, keep, last, user and
// the packet length on every beat), a packet must not be offered before its last beat
// is in (store and forward), and every beat must come out. Run by
// `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping (counters, indices into the vectors) are
// sequential code run at each edge, not logic to synthesise.
/* verilator lint_off BLKSEQ */
module tb;

parameter DEPTH_BITS = 3;
// percent of clocks the source offers a beat and the sink takes one
parameter VALID_PCT = 70;
parameter READY_PCT = 60;
localparam DW = 512, KW = 64, UW = 64;

logic clk = 0, rst = 1;
always #5 clk = ~clk;

logic [DW-1:0] s_data = 0;
logic [KW-1:0] s_keep = 0;
logic [UW-1:0] s_user = 0;
logic          s_last = 0, s_valid = 0, m_ready = 0;
wire  [DW-1:0] m_data;
wire  [KW-1:0] m_keep;
wire  [UW-1:0] m_user;
wire  [15:0]   m_len;
wire           m_last, m_valid, s_ready, occupied;

offload_ingress_fifo #(.DATA_WIDTH(DW), .USER_WIDTH(UW), .DEPTH_BITS(DEPTH_BITS)) dut (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_data), .s_axis_tkeep(s_keep), .s_axis_tlast(s_last), .s_axis_tuser(s_user),
    .s_axis_tvalid(s_valid), .s_axis_tready(s_ready),
    .m_axis_tdata(m_data), .m_axis_tkeep(m_keep), .m_axis_tlast(m_last), .m_axis_tuser(m_user),
    .m_axis_len(m_len), .m_axis_tvalid(m_valid), .occupied(occupied), .m_axis_tready(m_ready)
);

// the vectors: every beat, with its packet's number and length
logic [DW-1:0] b_data [$];
logic [KW-1:0] b_keep [$];
logic [UW-1:0] b_user [$];
logic          b_last [$];
logic [15:0]   b_len  [$];
integer        b_pkt  [$];

string path;
integer fd, seed = 1, nbeats = 0, npkts = 0;
integer in_i = 0, out_i = 0, pkts_in = 0, errors = 0, clocks = 0;
logic [DW-1:0] v_data;
logic [KW-1:0] v_keep;
logic [UW-1:0] v_user;
logic          v_last;
logic [15:0]   v_len;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE [+seed=N]");
    void'($value$plusargs("seed=%d", seed));
    void'($urandom(seed));
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%h %h %h %h %h\n", v_data, v_keep, v_last, v_user, v_len) == 5) begin
        b_data.push_back(v_data);
        b_keep.push_back(v_keep);
        b_last.push_back(v_last);
        b_user.push_back(v_user);
        b_len.push_back(v_len);
        b_pkt.push_back(npkts);
        if (v_last) npkts = npkts + 1;
    end
    nbeats = b_data.size();
    if (nbeats == 0) $fatal(1, "no vectors in %s", path);
    repeat (3) @(posedge clk);
    @(negedge clk) rst = 0;
end

task automatic mismatch(input string what);
    errors = errors + 1;
    if (errors <= 10) $display("beat %0d (packet %0d): %s", out_i, b_pkt[out_i], what);
endtask

always @(posedge clk) if (!rst) begin
    clocks = clocks + 1;
    // `occupied`: some beat written and not yet read (before this edge's transfers)
    if (occupied !== (in_i != out_i)) mismatch($sformatf("occupied %b with %0d beats in", occupied, in_i - out_i));
    // what the FIFO offers on this edge (after the edges before it)
    if (m_valid && out_i >= nbeats) begin
        $display("a beat offered after the last one");
        $fatal(1, "FAIL");
    end
    if (m_valid && m_ready) begin
        if (m_data !== b_data[out_i]) mismatch("data");
        if (m_keep !== b_keep[out_i]) mismatch("keep");
        if (m_last !== b_last[out_i]) mismatch("last");
        if (m_user !== b_user[out_i]) mismatch("user");
        if (m_len !== b_len[out_i]) mismatch($sformatf("length %0d, want %0d", m_len, b_len[out_i]));
        if (pkts_in <= b_pkt[out_i]) mismatch("offered before its last beat was in");
        out_i = out_i + 1;
    end
    if (s_valid && s_ready) begin
        if (b_last[in_i]) pkts_in = pkts_in + 1;
        in_i = in_i + 1;
    end
    // the next clock's stimulus: a beat offered stays until taken (AXI-Stream)
    if (!(s_valid && !s_ready)) begin
        if (in_i < nbeats && ($urandom % 100) < VALID_PCT) begin
            s_valid <= 1;
            s_data <= b_data[in_i];
            s_keep <= b_keep[in_i];
            s_last <= b_last[in_i];
            s_user <= b_user[in_i];
        end else begin
            s_valid <= 0;
        end
    end
    m_ready <= ($urandom % 100) < READY_PCT;
    if (out_i == nbeats) begin
        $display("offload_ingress_fifo: %0d packets, %0d beats in %0d clocks, %0d mismatches", npkts, nbeats, clocks, errors);
        if (errors != 0) $fatal(1, "FAIL");
        $display("PASS");
        $finish;
    end
    if (clocks > 100 * nbeats + 1000) begin
        $display("stuck: %0d of %0d beats in, %0d out", in_i, nbeats, out_i);
        $fatal(1, "FAIL");
    end
end

endmodule
/* verilator lint_on BLKSEQ */
