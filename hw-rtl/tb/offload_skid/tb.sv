// Bench of offload_skid: numbered beats through the skid buffer in phases (written by
// hw-rtl/tb/tests/skid.rs), each phase N clocks with the input valid and the output
// ready at given percentages (0..100, random per clock). Checked every clock: the beats
// leave in order, none lost or doubled, a beat offered stays until taken (the input
// side holds it while s_ready is low, as AXI-Stream), m_valid holds until m_ready, and
// in a phase with both at 100% one beat leaves every clock once it is full (no bubble).
// `busy` is high exactly while a beat is inside. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

localparam W = 32;

logic clk = 0, rst = 1;
always #5 clk = ~clk;

logic [W-1:0] s_data = 0;
logic s_valid = 0, m_ready = 0;
wire  s_ready, m_valid, busy;
wire  [W-1:0] m_data;

offload_skid #(.W(W)) dut (.clk(clk), .rst(rst), .s_data(s_data), .s_valid(s_valid), .s_ready(s_ready),
    .m_data(m_data), .m_valid(m_valid), .m_ready(m_ready), .busy(busy));

string path;
integer fd, clocks, valid_pct, ready_pct, errors = 0, sent = 0, got = 0, phases = 0, full_run = 0;
logic held_valid = 0;
logic [W-1:0] held_data = 0;

task automatic fail(input string what);
    errors = errors + 1;
    if (errors <= 10) $display("beat %0d: %s", got, what);
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    repeat (2) @(posedge clk);
    @(negedge clk) rst = 0;
    while ($fscanf(fd, "P %d %d %d\n", clocks, valid_pct, ready_pct) == 3) begin
        phases = phases + 1;
        full_run = 0;
        repeat (clocks) begin
            // the stimulus for the next edge: a beat offered stays until taken
            @(negedge clk);
            if (!(s_valid && !s_ready)) begin
                s_valid = ($urandom % 100) < valid_pct;
                s_data = sent;
            end
            m_ready = ($urandom % 100) < ready_pct;
            @(posedge clk);
            // the transfers of this edge
            if (m_valid && m_ready) begin
                if (m_data !== W'(got)) fail($sformatf("out %0d, want %0d", m_data, got));
                got = got + 1;
                full_run = full_run + 1;
            end else begin
                if (valid_pct == 100 && ready_pct == 100 && sent > got + 2) fail("a bubble with both sides always on");
                full_run = 0;
            end
            if (held_valid && !(m_valid && m_data === held_data)) fail("m_valid or m_data changed before m_ready");
            held_valid = m_valid && !m_ready;
            held_data = m_data;
            if (s_valid && s_ready) sent = sent + 1;
            #1;
            if (busy !== (sent != got)) fail($sformatf("busy %b with %0d beats inside", busy, sent - got));
        end
    end
    // drain
    @(negedge clk);
    s_valid = 0;
    m_ready = 1;
    repeat (4) begin
        @(posedge clk);
        if (m_valid) begin
            if (m_data !== W'(got)) fail($sformatf("out %0d, want %0d", m_data, got));
            got = got + 1;
        end
    end
    if (got != sent) fail($sformatf("%0d beats in, %0d out", sent, got));
    $display("offload_skid: %0d phases, %0d beats, %0d mismatches", phases, got, errors);
    if (phases == 0 || errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
