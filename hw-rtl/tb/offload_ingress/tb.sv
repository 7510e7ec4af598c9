// Bench of offload_ingress: packets (written by hw-rtl/tb/tests/ingress.rs) for every
// input (0..N_PORTS-1 the wire ports, N_PORTS inject, N_PORTS+1 the loop port), each
// with its length, side band and beats:
//   P input len user stash nbeats, then nbeats beats (data, byte 0 lowest; keep; last)
// (user: the inject tuser, or the loop port's metadata; stash: the loop port's 50 bytes;
// both 0 on a wire port's packet). Every input offers its packets' beats with random
// gaps (a beat offered stays until taken; the bytes keep leaves out, and everything on an
// idle input, random); the inject tuser is the packet's on every beat, the loop port's
// rc_wuser {stash, metadata} on a packet's first beat only (offload_output's contract),
// random on the others; m_ready is random.
// Checked every clock: each beat out is its input's next (kept bytes, keep, last, m_len
// the packet's length on every beat, m_input; m_user of inject and loop-port packets and
// m_stash of loop-port packets on the first beat), so every packet comes out once, in
// order per input; a packet comes out only once all of it is in (store and forward), and
// whole: m_valid stays high, m_sop low and m_input the same until its last beat. At a
// packet boundary m_valid is high exactly when some input holds a whole packet, the loop
// port goes first, and the others round-robin (the input after the last one granted).
// `pending` is high while any beat waits (a whole packet or part of one) and low while
// every FIFO is empty; after a loop-port packet the round robin goes on after the wire
// or inject input it last granted (this bench found both wrong, and checks them).
// Offers withdrawn or changed before m_ready (m_* is not documented as AXI-Stream) are
// counted only.
// Plusargs: +vectors=FILE [+seed=N] [+valid_pct=P] [+loop_pct=P (the loop port's; default
// valid_pct)] [+ready_pct=P].
// Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter N_PORTS = 2;
parameter FIFO_BITS = 5;
// percent of clocks an input offers a beat it has, and m_ready is high (+valid_pct, +ready_pct)
parameter VALID_PCT = 70;
parameter READY_PCT = 60;
localparam NI = N_PORTS + 1;          // round-robin inputs: wire ports, inject
localparam NA = N_PORTS + 2;          // and the loop port
localparam INJ = N_PORTS, LOOP = N_PORTS + 1;

logic clk = 0, rst = 1;
always #5 clk = ~clk;

// each input's offer (wire ports, inject, loop port)
logic          i_valid [NA];
logic [511:0]  i_data  [NA];
logic [63:0]   i_keep  [NA];
logic          i_last  [NA];
logic [63:0]   inj_user = 0;
logic [463:0]  rc_user = 0;
wire  [NA-1:0] i_ready;
logic          m_ready = 0;

wire [N_PORTS*512-1:0] rx_data;
wire [N_PORTS*64-1:0]  rx_keep;
wire [N_PORTS-1:0]     rx_last, rx_valid;
genvar g;
generate
    for (g = 0; g < N_PORTS; g = g + 1) begin : rx
        assign rx_data[512*g +: 512] = i_data[g];
        assign rx_keep[64*g +: 64] = i_keep[g];
        assign rx_last[g] = i_last[g];
        assign rx_valid[g] = i_valid[g];
    end
endgenerate

wire [511:0] m_data;
wire [63:0]  m_keep, m_user;
wire         m_last, m_sop, m_valid, pending;
wire [3:0]   m_input;
wire [15:0]  m_len;
wire [399:0] m_stash;

offload_ingress #(.N_PORTS(N_PORTS), .FIFO_BITS(FIFO_BITS)) dut (
    .clk(clk), .rst(rst),
    .s_axis_rx_tdata(rx_data), .s_axis_rx_tkeep(rx_keep), .s_axis_rx_tlast(rx_last), .s_axis_rx_tvalid(rx_valid),
    .s_axis_rx_tready(i_ready[N_PORTS-1:0]),
    .s_axis_inj_tdata(i_data[INJ]), .s_axis_inj_tkeep(i_keep[INJ]), .s_axis_inj_tlast(i_last[INJ]),
    .s_axis_inj_tuser(inj_user), .s_axis_inj_tvalid(i_valid[INJ]), .s_axis_inj_tready(i_ready[INJ]),
    .rc_wdata(i_data[LOOP]), .rc_wkeep(i_keep[LOOP]), .rc_wlast(i_last[LOOP]), .rc_wuser(rc_user),
    .rc_wvalid(i_valid[LOOP]), .rc_wready(i_ready[LOOP]),
    .m_data(m_data), .m_keep(m_keep), .m_last(m_last), .m_sop(m_sop), .m_input(m_input), .m_user(m_user),
    .m_len(m_len), .m_stash(m_stash), .m_valid(m_valid), .m_ready(m_ready), .pending(pending)
);

// the vectors: every beat in file order; every packet with its input, length, side band,
// first beat, beat count and the next packet of its input (-1: none)
logic [511:0] b_data [$];
logic [63:0]  b_keep [$];
logic         b_last [$];
integer       p_in [$], p_first [$], p_nb [$], p_next [$];
logic [15:0]  p_len [$];
logic [63:0]  p_user [$];
logic [399:0] p_stash [$];

// per input: the packet (-1: none left) and beat being offered, the packet and beat due
// out next, packets wholly in, packets wholly out, beats held, packets in the vectors
integer drv_pkt [NA], drv_beat [NA], snk_pkt [NA], snk_beat [NA];
integer n_in [NA], n_out [NA], held [NA], max_held [NA], n_pkts [NA], tail [NA];

string path, op;
integer fd, nb, k, p, q, mi, pk, bi, want, seed = 1, valid_pct = VALID_PCT, loop_pct, ready_pct = READY_PCT;
integer npkts = 0, pkts_out = 0, beats_out = 0, errors = 0, clocks = 0, buffered;
integer last_rr = 0;           // the last wire or inject input granted (the round robin's pointer)
logic   last_loop = 0;         // the last packet granted was the loop port's
logic   in_pkt = 0;            // inside a packet: its input
integer cur = 0;
integer loop_first = 0, rr_grants = 0, rr_after_loop = 0, offer_changed = 0;
integer in_stalls = 0;
logic   prev_offer = 0;        // the last clock offered a packet's first beat that was not taken
logic [3:0] prev_input = 0;
logic [NA-1:0] avail;
logic         v_last;
logic [3:0]   v_in;
logic [15:0]  v_len;
logic [63:0]  v_user, v_keep;
logic [399:0] v_stash;
logic [511:0] v_data;


function automatic [463:0] rand464();
    for (int i = 0; i < 14; i++) rand464[32*i +: 32] = $urandom;
    rand464[463:448] = 16'($urandom);
endfunction

// the round robin's choice among the wire and inject inputs holding a whole packet: the
// first after `last`
function automatic integer rr_next(input integer last, input [NA-1:0] av);
    for (int j = 1; j <= NI; j++) if (av[(last + j) % NI]) return (last + j) % NI;
    return -1;
endfunction

task automatic fail(input string what);
    errors++;
    if (errors <= 10) $display("clock %0d: %s", clocks, what);
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path))
        $fatal(1, "usage: +vectors=FILE [+seed=N] [+valid_pct=P] [+loop_pct=P] [+ready_pct=P]");
    void'($value$plusargs("seed=%d", seed));
    void'($value$plusargs("valid_pct=%d", valid_pct));
    loop_pct = valid_pct;
    void'($value$plusargs("loop_pct=%d", loop_pct));
    void'($value$plusargs("ready_pct=%d", ready_pct));
    void'($urandom(seed));
    for (p = 0; p < NA; p++) begin
        drv_pkt[p] = -1;
        drv_beat[p] = 0;
        snk_beat[p] = 0;
        n_in[p] = 0;
        n_out[p] = 0;
        held[p] = 0;
        max_held[p] = 0;
        n_pkts[p] = 0;
        tail[p] = -1;
        i_valid[p] = 0;
        i_data[p] = 0;
        i_keep[p] = 0;
        i_last[p] = 0;
    end
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s %h %h %h %h %d\n", op, v_in, v_len, v_user, v_stash, nb) == 6) begin
        if (op != "P") $fatal(1, "bad vector line %s", op);
        if ({28'd0, v_in} >= NA || nb < 1) $fatal(1, "bad packet: input %0d, %0d beats", v_in, nb);
        p_in.push_back(int'(v_in));
        p_len.push_back(v_len);
        p_user.push_back(v_user);
        p_stash.push_back(v_stash);
        p_first.push_back(b_data.size());
        p_nb.push_back(nb);
        p_next.push_back(-1);
        q = int'(v_in);
        if (tail[q] >= 0) p_next[tail[q]] = npkts;
        else drv_pkt[q] = npkts;
        tail[q] = npkts;
        n_pkts[q]++;
        for (k = 0; k < nb; k++) begin
            if ($fscanf(fd, "%h %h %h\n", v_data, v_keep, v_last) != 3) $fatal(1, "bad beat");
            if (v_last !== (k == nb - 1)) $fatal(1, "packet %0d: last on beat %0d of %0d", npkts, k, nb);
            b_data.push_back(v_data);
            b_keep.push_back(v_keep);
            b_last.push_back(v_last);
        end
        npkts++;
    end
    if (npkts == 0) $fatal(1, "no vectors in %s", path);
    for (p = 0; p < NA; p++) snk_pkt[p] = drv_pkt[p];
    repeat (3) @(posedge clk);
    @(negedge clk) rst = 0;
end

always @(posedge clk) if (!rst) begin
    clocks++;
    // what sits in the FIFOs after the edges before this one
    buffered = 0;
    for (p = 0; p < NA; p++) begin
        buffered += held[p];
        avail[p] = n_in[p] > n_out[p];
    end
    if (avail != 0 && !pending) fail("pending low while a whole packet waits");
    if (buffered == 0 && pending) fail("pending high with every FIFO empty");
    if (buffered != 0 && avail == 0 && !pending)
        fail($sformatf("pending low while %0d beats of packets not yet whole wait", buffered));

    // the arbiter's offer
    mi = int'(m_input);
    if (!in_pkt) begin
        if (m_valid !== (avail != 0))
            fail($sformatf("m_valid %b at a packet boundary, whole packets waiting at inputs %b", m_valid, avail));
        if (m_valid) begin
            if (!m_sop) fail("m_sop low on a packet's first beat");
            want = avail[LOOP] ? LOOP : rr_next(last_rr, avail);
            if (mi >= NA || !avail[mi]) begin
                fail($sformatf("offers input %0d, which holds no whole packet (inputs %b do)", m_input, avail));
            end else if ({28'd0, m_input} != want) begin
                if (want == LOOP) fail($sformatf("offers input %0d before the loop port's packet", m_input));
                else fail($sformatf("offers input %0d, the round robin's turn is input %0d (last granted %0d%s, %s %b)",
                    m_input, want, last_rr, last_loop ? ", then the loop port" : "", "whole packets at", avail));
            end
            if (prev_offer && m_input != prev_input) offer_changed++;
        end else if (prev_offer) begin
            offer_changed++;
        end
    end else begin
        if (!m_valid) fail($sformatf("m_valid low inside input %0d's packet", cur));
        if (m_valid && m_sop) fail("m_sop high inside a packet");
        if (m_valid && mi != cur) fail($sformatf("input %0d's beat inside input %0d's packet", m_input, cur));
    end
    prev_offer = !in_pkt && m_valid && !m_ready;
    prev_input = m_input;

    // the beat out
    if (m_valid && m_ready && (in_pkt || mi < NA && avail[mi])) begin
        q = in_pkt ? cur : mi;
        pk = snk_pkt[q];
        bi = p_first[pk] + snk_beat[q];
        if (tb_beats::kept(m_data, m_keep) !== tb_beats::kept(b_data[bi], b_keep[bi]) || m_keep !== b_keep[bi] || m_last !== b_last[bi]
                || m_len !== p_len[pk])
            fail($sformatf("input %0d packet %0d beat %0d: keep %h last %b len %0d, want keep %h last %b len %0d%s",
                q, n_out[q], snk_beat[q], m_keep, m_last, m_len, b_keep[bi], b_last[bi], p_len[pk],
                tb_beats::kept(m_data, m_keep) !== tb_beats::kept(b_data[bi], b_keep[bi]) ? ", data differs" : ""));
        if (!in_pkt && (q == INJ || q == LOOP) && m_user !== p_user[pk])
            fail($sformatf("input %0d packet %0d: m_user %h, want %h", q, n_out[q], m_user, p_user[pk]));
        if (!in_pkt && q == LOOP && m_stash !== p_stash[pk])
            fail($sformatf("loop port packet %0d: m_stash %h, want %h", n_out[q], m_stash, p_stash[pk]));
        if (!in_pkt) begin
            if (q == LOOP) begin
                if (avail != (NA'(1) << LOOP)) loop_first++;
            end else begin
                rr_grants++;
                if (last_loop) rr_after_loop++;
                last_rr = q;
            end
            last_loop = q == LOOP;
        end
        held[q]--;
        beats_out++;
        if (b_last[bi]) begin
            n_out[q]++;
            snk_pkt[q] = p_next[pk];
            snk_beat[q] = 0;
            in_pkt = 0;
            pkts_out++;
        end else begin
            snk_beat[q]++;
            in_pkt = 1;
            cur = q;
        end
    end

    // the inputs' transfers, and their next offers (a beat offered stays until taken)
    for (p = 0; p < NA; p++) begin
        if (i_valid[p] && i_ready[p]) begin
            bi = p_first[drv_pkt[p]] + drv_beat[p];
            held[p]++;
            if (held[p] > max_held[p]) max_held[p] = held[p];
            if (b_last[bi]) begin
                n_in[p]++;
                drv_pkt[p] = p_next[drv_pkt[p]];
                drv_beat[p] = 0;
            end else begin
                drv_beat[p]++;
            end
        end
        if (i_valid[p] && !i_ready[p]) begin
            in_stalls++;
        end else if (drv_pkt[p] >= 0 && ($urandom % 100) < (p == LOOP ? loop_pct : valid_pct)) begin
            bi = p_first[drv_pkt[p]] + drv_beat[p];
            i_valid[p] <= 1;
            i_data[p] <= tb_beats::garbage(b_data[bi], b_keep[bi]);
            i_keep[p] <= b_keep[bi];
            i_last[p] <= b_last[bi];
            if (p == INJ) inj_user <= p_user[drv_pkt[p]];
            if (p == LOOP) rc_user <= drv_beat[p] == 0 ? {p_stash[drv_pkt[p]], p_user[drv_pkt[p]]} : rand464();
        end else begin
            // nothing offered: anything on the lines
            i_valid[p] <= 0;
            i_data[p] <= tb_beats::rand512();
            i_keep[p] <= {$urandom, $urandom};
            i_last[p] <= 1'($urandom);
            if (p == INJ) inj_user <= {$urandom, $urandom};
            if (p == LOOP) rc_user <= rand464();
        end
    end
    m_ready <= ($urandom % 100) < ready_pct;

    if (pkts_out == npkts) begin
        $display("offload_ingress: %0d packets (%0d beats) in %0d clocks, %0d mismatches", npkts, beats_out, clocks,
            errors);
        for (p = 0; p < NA; p++)
            $display("  input %0d%s: %0d packets, at most %0d beats held", p, p == INJ ? " (inject)" : p == LOOP
                ? " (loop port)" : "", n_pkts[p], max_held[p]);
        $display("  loop port first over waiting packets %0d times; %0d round-robin grants, %0d %s", loop_first,
            rr_grants, rr_after_loop, "right after a loop-port packet");
        $display("  input stalls %0d; offers withdrawn or changed before m_ready %0d", in_stalls, offer_changed);
        if (errors != 0) $fatal(1, "FAIL");
        $display("PASS");
        $finish;
    end
    if (clocks > 100 * b_data.size() + 1000) begin
        $display("stuck: %0d of %0d packets out", pkts_out, npkts);
        for (p = 0; p < NA; p++) $display("  input %0d: %0d of %0d packets in, %0d out, %0d beats held", p, n_in[p],
            n_pkts[p], n_out[p], held[p]);
        $fatal(1, "FAIL");
    end
end

endmodule
/* verilator lint_on BLKSEQ */
