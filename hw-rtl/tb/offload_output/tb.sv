// Bench of offload_output: frames (written by hw-rtl/tb/tests/output.rs) with their
// destination (0..N_PORTS-1 the wire ports, then the punt port, a drop, the loop port),
// put_back, metadata and stash, their beats in and the beats the destination must get:
//   F dest put_back meta stash nin nout, then nin beats in and nout beats out
// (a beat: data, byte 0 lowest; keep; last). Beats are offered with random gaps (a beat
// offered stays until taken; dest, meta, stash and put_back are random on beats other than
// the first, and so are the bytes keep leaves out) and every output takes with random
// ready. Every beat out is checked in order on its port (kept bytes, keep, last; the punt
// port's tuser and the loop port's wuser on a packet's first beat); no port may send a
// beat it does not owe, the wire and punt ports hold a beat until it is taken
// (AXI-Stream), and `ready` is the chosen port's (a drop's: 1), or low while `busy`.
// Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter N_PORTS = 2;
parameter VALID_PCT = 70;
parameter READY_PCT = 60;
localparam N_OUT = N_PORTS + 3;   // the destinations, by their code (a drop's, N_PORTS + 1, stays empty)
localparam PUNT = N_PORTS, LOOP = N_PORTS + 2;
localparam OB = $clog2(N_OUT);    // bits of a destination's index
localparam NQ = 2**OB;            // (every OB-bit index inside: Verilator 5.006 miscompiles a
                                  // range-checked index into an array of queues)

logic clk = 0, rst = 1;
always #5 clk = ~clk;

logic                 in_valid = 0, in_last = 0, in_sop = 0, put_back = 0;
logic [511:0]         in_data = 0;
logic [63:0]          in_keep = 0, meta = 0;
logic [3:0]           dest = 0;
logic [399:0]         stash = 0;
logic [N_PORTS-1:0]   tx_ready = 0;
logic                 punt_ready = 0, rc_ready = 0;
wire                  ready, busy;
wire [N_PORTS*512-1:0] tx_data;
wire [N_PORTS*64-1:0]  tx_keep;
wire [N_PORTS-1:0]     tx_last, tx_valid;
wire [511:0]          punt_data, rc_data;
wire [63:0]           punt_keep, punt_user, rc_keep;
wire                  punt_last, punt_valid, rc_last, rc_valid;
wire [463:0]          rc_user;

offload_output #(.N_PORTS(N_PORTS)) dut (
    .clk(clk), .rst(rst),
    .valid(in_valid), .data(in_data), .keep(in_keep), .last(in_last), .sop(in_sop), .dest(dest), .meta(meta),
    .stash(stash), .put_back(put_back), .ready(ready), .busy(busy),
    .m_axis_tx_tdata(tx_data), .m_axis_tx_tkeep(tx_keep), .m_axis_tx_tlast(tx_last), .m_axis_tx_tvalid(tx_valid),
    .m_axis_tx_tready(tx_ready),
    .m_axis_punt_tdata(punt_data), .m_axis_punt_tkeep(punt_keep), .m_axis_punt_tlast(punt_last),
    .m_axis_punt_tuser(punt_user), .m_axis_punt_tvalid(punt_valid), .m_axis_punt_tready(punt_ready),
    .rc_wdata(rc_data), .rc_wkeep(rc_keep), .rc_wlast(rc_last), .rc_wuser(rc_user), .rc_wvalid(rc_valid),
    .rc_wready(rc_ready)
);

// the beats in (with their packet's first-beat fields) and, per destination, the beats out
logic [511:0] i_data [$];
logic [63:0]  i_keep [$], i_meta [$];
logic         i_last [$], i_sop [$], i_put_back [$];
logic [3:0]   i_dest [$];
logic [399:0] i_stash [$];
logic [511:0] o_data [NQ][$];
logic [63:0]  o_keep [NQ][$];
logic         o_last [NQ][$], o_first [NQ][$];
logic [463:0] o_user [NQ][$];
integer       o_seen [NQ];
integer       o_total [NQ];

string path, op;
integer fd, nin, nout, k, p, seed = 1, npkts = 0, in_i = 0, errors = 0, clocks = 0, n_out = 0;
logic [3:0]   v_dest;
logic [OB-1:0] od;
logic         v_put_back, v_last;
logic [63:0]  v_meta, v_keep;
logic [399:0] v_stash;
logic [511:0] v_data;
// the AXI-Stream ports' offers left waiting at the last edge (wire ports, then the punt port)
logic         w_pend [N_PORTS+1];
logic [511:0] w_data [N_PORTS+1];
logic [63:0]  w_keep [N_PORTS+1], w_user [N_PORTS+1];
logic         w_last [N_PORTS+1];

function automatic [399:0] rand400();
    for (int i = 0; i < 13; i++) rand400[32*i +: 32] = $urandom;
endfunction

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE [+seed=N]");
    void'($value$plusargs("seed=%d", seed));
    void'($urandom(seed));
    for (p = 0; p < N_OUT; p++) begin
        o_seen[p] = 0;
        o_total[p] = 0;
    end
    for (p = 0; p <= N_PORTS; p++) w_pend[p] = 0;
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s %h %h %h %h %d %d\n", op, v_dest, v_put_back, v_meta, v_stash, nin, nout) == 7) begin
        if (op != "F") $fatal(1, "bad vector line %s", op);
        if ({28'd0, v_dest} >= N_OUT) $fatal(1, "bad destination %0d", v_dest);
        od = OB'(v_dest);
        for (k = 0; k < nin; k++) begin
            if ($fscanf(fd, "%h %h %h\n", v_data, v_keep, v_last) != 3) $fatal(1, "bad beat in");
            i_data.push_back(v_data);
            i_keep.push_back(v_keep);
            i_last.push_back(v_last);
            i_sop.push_back(k == 0);
            i_dest.push_back(v_dest);
            i_meta.push_back(v_meta);
            i_stash.push_back(v_stash);
            i_put_back.push_back(v_put_back);
        end
        for (k = 0; k < nout; k++) begin
            if ($fscanf(fd, "%h %h %h\n", v_data, v_keep, v_last) != 3) $fatal(1, "bad beat out");
            o_data[od].push_back(tb_beats::kept(v_data, v_keep));
            o_keep[od].push_back(v_keep);
            o_last[od].push_back(v_last);
            o_first[od].push_back(k == 0);
            o_user[od].push_back({28'd0, v_dest} == LOOP ? {v_stash, v_meta} : {400'd0, v_meta});
        end
        o_total[od] += nout;
        npkts++;
    end
    if (npkts == 0) $fatal(1, "no vectors in %s", path);
    repeat (3) @(posedge clk);
    @(negedge clk) rst = 0;
end

task automatic check_out(input integer port, input [511:0] d, input [63:0] keep, input last, input [463:0] user);
    logic [463:0] want_user;
    logic [OB-1:0] q;
    q = OB'(port);
    if (o_data[q].size() == 0) begin
        $display("clock %0d: a beat out of port %0d beyond the %0d it owes", clocks, port, o_seen[q]);
        $fatal(1, "FAIL");
    end
    // (the punt port's tuser is 64 bits; the wire ports have none)
    want_user = port == LOOP ? o_user[q][0] : port == PUNT ? {400'd0, o_user[q][0][63:0]} : 464'd0;
    if (tb_beats::kept(d, keep) !== o_data[q][0] || keep !== o_keep[q][0] || last !== o_last[q][0]
            || (o_first[q][0] && user !== want_user)) begin
        errors++;
        if (errors <= 10) $display("clock %0d: beat %0d out of port %0d: keep %h last %b, want keep %h last %b%s%s",
            clocks, o_seen[q], port, keep, last, o_keep[q][0], o_last[q][0],
            tb_beats::kept(d, keep) !== o_data[q][0] ? ", data differs" : "",
            o_first[q][0] && user !== want_user ? $sformatf(", user %h want %h", user, want_user) : "");
    end
    void'(o_data[q].pop_front());
    void'(o_keep[q].pop_front());
    void'(o_last[q].pop_front());
    void'(o_first[q].pop_front());
    void'(o_user[q].pop_front());
    o_seen[q]++;
    n_out++;
endtask

// an AXI-Stream port's offer: once valid, it stays, unchanged, until taken
task automatic check_held(input integer port, input v, input r, input [511:0] d, input [63:0] keep, input last,
                          input [63:0] user);
    if (w_pend[port] && (!v || tb_beats::kept(d, keep) !== tb_beats::kept(w_data[port], w_keep[port]) || keep !== w_keep[port]
            || last !== w_last[port] || (port == PUNT && user !== w_user[port]))) begin
        errors++;
        if (errors <= 10) $display("clock %0d: port %0d changed or withdrew a beat not taken", clocks, port);
    end
    w_pend[port] = v && !r;
    w_data[port] = d;
    w_keep[port] = keep;
    w_last[port] = last;
    w_user[port] = user;
endtask

wire take = in_valid && ready;
logic done, want_ready;

always @(posedge clk) if (!rst) begin
    clocks++;
    // this clock's transfers
    for (p = 0; p < N_PORTS; p++) begin
        check_held(p, tx_valid[p], tx_ready[p], tx_data[512*p +: 512], tx_keep[64*p +: 64], tx_last[p], 64'd0);
        if (tx_valid[p] && tx_ready[p]) check_out(p, tx_data[512*p +: 512], tx_keep[64*p +: 64], tx_last[p], 464'd0);
    end
    check_held(PUNT, punt_valid, punt_ready, punt_data, punt_keep, punt_last, punt_user);
    if (punt_valid && punt_ready) check_out(PUNT, punt_data, punt_keep, punt_last, {400'd0, punt_user});
    if (rc_valid && rc_ready) check_out(LOOP, rc_data, rc_keep, rc_last, rc_user);
    // ready: the chosen port's (a drop's: always), unless a realigner owes a tail (busy)
    if (in_valid) begin
        want_ready = i_dest[in_i] == 4'(PUNT) ? punt_ready : i_dest[in_i] == 4'(LOOP) ? rc_ready
            : i_dest[in_i] < 4'(N_PORTS) ? |(tx_ready & (N_PORTS'(1) << i_dest[in_i])) : 1'b1;
        if (ready && !want_ready || !busy && ready != want_ready) begin
            errors++;
            if (errors <= 10) $display("clock %0d: ready %b for a beat to %0d whose port's ready is %b (busy %b)",
                clocks, ready, i_dest[in_i], want_ready, busy);
        end
    end
    if (take) in_i++;
    // the next clock's offer: a beat offered stays until taken
    if (!(in_valid && !take)) begin
        if (in_i < i_data.size() && ($urandom % 100) < VALID_PCT) begin
            in_valid <= 1;
            in_data <= tb_beats::garbage(i_data[in_i], i_keep[in_i]);
            in_keep <= i_keep[in_i];
            in_last <= i_last[in_i];
            in_sop <= i_sop[in_i];
            // the first beat's fields; on the others, anything
            dest <= i_sop[in_i] ? i_dest[in_i] : 4'($urandom);
            meta <= i_sop[in_i] ? i_meta[in_i] : {$urandom, $urandom};
            stash <= i_sop[in_i] ? i_stash[in_i] : rand400();
            put_back <= i_sop[in_i] ? i_put_back[in_i] : 1'($urandom);
        end else begin
            // nothing offered: anything on the lines
            in_valid <= 0;
            in_data <= {16{$urandom}};
            in_keep <= {$urandom, $urandom};
            in_last <= 1'($urandom);
            in_sop <= 1'($urandom);
            dest <= 4'($urandom);
            meta <= {$urandom, $urandom};
            stash <= rand400();
            put_back <= 1'($urandom);
        end
    end
    for (p = 0; p < N_PORTS; p++) tx_ready[p] <= ($urandom % 100) < READY_PCT;
    punt_ready <= ($urandom % 100) < READY_PCT;
    rc_ready <= ($urandom % 100) < READY_PCT;
    done = in_i == i_data.size() && !busy;
    for (p = 0; p < N_OUT; p++) if (o_data[p].size() != 0) done = 0;
    if (done) begin
        $display("offload_output: %0d packets, %0d beats in, %0d out (wire %0d %0d, punt %0d, loop %0d) in %0d clocks, %0d mismatches",
            npkts, i_data.size(), n_out, o_seen[0], N_PORTS > 1 ? o_seen[1] : 0, o_seen[PUNT], o_seen[LOOP], clocks,
            errors);
        if (errors != 0) $fatal(1, "FAIL");
        $display("PASS");
        $finish;
    end
    if (clocks > 100 * i_data.size() + 1000) begin
        $display("stuck: %0d of %0d beats in; beats out owed per port:", in_i, i_data.size());
        for (p = 0; p < N_OUT; p++) $display("  port %0d: %0d of %0d", p, o_seen[p], o_total[p]);
        $fatal(1, "FAIL");
    end
end

endmodule
/* verilator lint_on BLKSEQ */
