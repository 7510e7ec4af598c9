// Bench of offload_session_fetch: the engine against an AXI4 read memory modelled here
// (entries at (bucket * 8 + way) * 64, a latency drawn per request, responses in any
// order among those due, a bound on requests in flight, error responses on request).
// The vectors (hw-rtl/tb/tests/session_fetch.rs, from the contract's SessionTable) are:
//   E bucket way entry        the memory's entry (what the driver wrote there)
//   T bucket tags             a bucket's tag word, through the register port (read back)
//   P valid% ready% lat_min lat_max in_flight error‰ min_rate‰
//                             the phase of the lookups that follow
//   L key skip hit bucket way entry   a lookup and what software's lookup finds
// Each phase's lookups run to completion before the next line's writes. Results must
// come in key order; a read the memory answered with an error must be a miss with
// m_error. With min_rate set, keys accepted per clock over the phase must reach it.
// Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter BUCKET_BITS = 6;
parameter ROB_BITS = 4;
localparam SB = BUCKET_BITS;
localparam W = offload_pkg::SESS_BITS;
localparam D = 1 << ROB_BITS;
localparam MAX = 1 << 16;      // lookups per phase
localparam Q = 512;            // the memory's request slots

logic clk = 0;
always #5 clk = ~clk;

logic           rst = 1;
logic           s_valid = 0, s_skip = 0, m_ready = 0;
logic [127:0]   s_key = 0;
wire            s_ready, m_valid, m_hit, m_error;
wire  [SB-1:0]  m_bucket;
wire  [2:0]     m_way;
wire  [W-1:0]   m_entry;
logic [SB-1:0]  w_bucket = 0;
logic           w_tag_we = 0;
logic [127:0]   w_tags = 0;
wire  [127:0]   rb_tags;
wire            arvalid, rready;
logic           arready = 0, rvalid = 0;
wire  [SB+8:0]  araddr;
wire  [ROB_BITS-1:0] arid;
wire  [7:0]     arlen;
wire  [2:0]     arsize;
wire  [1:0]     arburst;
logic [511:0]   rdata = 0;
logic [ROB_BITS-1:0] rid = 0;
logic [1:0]     rresp = 0;

offload_session_fetch #(.BUCKET_BITS(SB), .ROB_BITS(ROB_BITS)) dut (
    .clk(clk), .rst(rst),
    .s_valid(s_valid), .s_ready(s_ready), .s_key(s_key), .s_skip(s_skip),
    .m_valid(m_valid), .m_ready(m_ready), .m_hit(m_hit), .m_error(m_error), .m_bucket(m_bucket),
    .m_way(m_way), .m_entry(m_entry),
    .w_bucket(w_bucket), .w_tag_we(w_tag_we), .w_tags(w_tags), .rb_tags(rb_tags),
    .m_axi_arvalid(arvalid), .m_axi_arready(arready), .m_axi_araddr(araddr), .m_axi_arid(arid),
    .m_axi_arlen(arlen), .m_axi_arsize(arsize), .m_axi_arburst(arburst),
    .m_axi_rvalid(rvalid), .m_axi_rready(rready), .m_axi_rdata(rdata), .m_axi_rlast(1'b1),
    .m_axi_rresp(rresp), .m_axi_rid(rid)
);

// ---- the memory
logic [W-1:0] mem [0:2**(SB+3)-1];
logic         q_busy [0:Q-1];
logic [SB+2:0] q_slot [0:Q-1];
logic [ROB_BITS-1:0] q_id [0:Q-1];
integer       q_due [0:Q-1];
logic         q_err [0:Q-1];
integer       outstanding = 0, presented = -1;

// ---- the phase
integer p_valid = 100, p_ready = 100, p_lat_min = 1, p_lat_max = 1, p_in_flight = 1, p_err = 0, p_rate = 0;
logic [127:0]  l_key [0:MAX-1];
logic          l_skip [0:MAX-1], l_hit [0:MAX-1], l_err [0:MAX-1];
logic [SB-1:0] l_bucket [0:MAX-1];
logic [2:0]    l_way [0:MAX-1];
logic [W-1:0]  l_entry [0:MAX-1];
integer        n = 0;            // lookups of the phase
integer        slot_owner [0:D-1];   // the lookup (of the phase) in each slot
integer        accepted = 0;         // keys since reset: the engine's next slot is accepted % D
integer        now = 0;
integer        errors = 0, phase = 0, total = 0, total_reads = 0, total_errs = 0;

string path, op;
integer fd, i, k;
logic [SB-1:0] v_bucket;
logic [2:0]    v_way;
logic [W-1:0]  v_entry;
logic [127:0]  v_tags, v_key;
logic          v_skip, v_hit;

// Runs the phase's n lookups to their last result.
task automatic run_phase();
    integer sent = 0, got = 0, reads = 0, errs = 0, hits = 0, idle = 0;
    integer first_acc = -1, last_acc = -1;
    logic acc, outh, arh, rh;
    integer pick, due_n;
    while (got < n) begin
        @(negedge clk);
        s_valid = sent < n && ($urandom % 100) < p_valid;
        s_key = s_valid ? l_key[sent] : {$urandom, $urandom, $urandom, $urandom};
        s_skip = s_valid ? l_skip[sent] : 1'($urandom);
        m_ready = ($urandom % 100) < p_ready;
        arready = outstanding < p_in_flight;
        // a response: one of those due, chosen at random (any order is AXI's right
        // between IDs), held until taken
        if (presented < 0) begin
            due_n = 0;
            pick = -1;
            for (k = 0; k < Q; k = k + 1) begin
                if (q_busy[k] && q_due[k] <= now) begin
                    due_n = due_n + 1;
                    if ($urandom % due_n == 0) pick = k;
                end
            end
            presented = pick;
        end
        rvalid = presented >= 0;
        if (presented >= 0) begin
            rid = q_id[presented];
            rdata = {{(512-W){1'b0}}, mem[q_slot[presented]]};
            rresp = q_err[presented] ? 2'b10 : 2'b00;
        end
        #1;
        acc = s_valid && s_ready;
        outh = m_valid && m_ready;
        arh = arvalid && arready;
        rh = rvalid && rready;
        if (arh && (arlen != 0 || arsize != 3'd6 || arburst != 2'b01 || araddr[5:0] != 0)) begin
            errors = errors + 1;
            $display("read request not a single aligned 64-byte beat: len %0d size %0d burst %0d addr %h", arlen, arsize, arburst, araddr);
        end
        if (outh) begin
            if (m_hit !== (l_hit[got] && !l_err[got]) || m_error !== l_err[got]
                    || m_entry !== (m_hit ? l_entry[got] : {W{1'b0}})
                    || (m_hit && (m_bucket !== l_bucket[got] || m_way !== l_way[got]))) begin
                errors = errors + 1;
                if (errors <= 10) $display("phase %0d lookup %0d: key %h: hit %b error %b bucket %0d way %0d, want %b %b %0d %0d%s",
                    phase, got, l_key[got], m_hit, m_error, m_bucket, m_way, l_hit[got] && !l_err[got], l_err[got],
                    l_bucket[got], l_way[got], m_entry !== (m_hit ? l_entry[got] : {W{1'b0}}) ? ", entry differs" : "");
            end
            hits = hits + (m_hit ? 1 : 0);
        end
        @(posedge clk);
        now = now + 1;
        if (acc) begin
            slot_owner[accepted % D] = sent;
            accepted = accepted + 1;
            if (first_acc < 0) first_acc = now;
            last_acc = now;
            sent = sent + 1;
        end
        if (outh) got = got + 1;
        if (arh) begin
            for (k = 0; k < Q && q_busy[k]; k = k + 1) begin end
            if (k == Q) $fatal(1, "the memory model's request slots are full");
            q_busy[k] = 1;
            q_slot[k] = araddr[SB+8:6];
            q_id[k] = arid;
            q_due[k] = now + p_lat_min + (p_lat_max > p_lat_min ? $urandom % (p_lat_max - p_lat_min + 1) : 0) - 1;
            q_err[k] = ($urandom % 1000) < p_err;
            if (q_err[k]) begin
                l_err[slot_owner[arid]] = 1;
                errs = errs + 1;
            end
            outstanding = outstanding + 1;
            reads = reads + 1;
        end
        if (rh) begin
            q_busy[presented] = 0;
            presented = -1;
            outstanding = outstanding - 1;
        end
        idle = acc || outh || arh || rh ? 0 : idle + 1;
        if (idle > 10_000) $fatal(1, "phase %0d: no progress for 10000 clocks (%0d of %0d results)", phase, got, n);
    end
    s_valid = 0;
    $display("phase %0d: %0d lookups (%0d hits, %0d reads, %0d error responses) at latency %0d..%0d, %0d in flight: %0d.%03d keys per clock",
        phase, n, hits, reads, errs, p_lat_min, p_lat_max, p_in_flight,
        (n - 1) * 1000 / (last_acc - first_acc + 1) / 1000, (n - 1) * 1000 / (last_acc - first_acc + 1) % 1000);
    if (p_rate > 0 && (n - 1) * 1000 / (last_acc - first_acc + 1) < p_rate) begin
        errors = errors + 1;
        $display("phase %0d: %0d keys in %0d clocks, below %0d per thousand clocks", phase, n, last_acc - first_acc + 1, p_rate);
    end
    total = total + n;
    total_reads = total_reads + reads;
    total_errs = total_errs + errs;
    n = 0;
    phase = phase + 1;
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    for (i = 0; i < 2**(SB+3); i = i + 1) mem[i] = 0;
    for (i = 0; i < Q; i = i + 1) q_busy[i] = 0;
    repeat (3) @(posedge clk);
    @(negedge clk);
    rst = 0;
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op != "L" && n > 0) run_phase();
        if (op == "E") begin
            if ($fscanf(fd, "%h %h %h\n", v_bucket, v_way, v_entry) != 3) $fatal(1, "bad E line");
            mem[{v_bucket, v_way}] = v_entry;
        end else if (op == "T") begin
            if ($fscanf(fd, "%h %h\n", v_bucket, v_tags) != 2) $fatal(1, "bad T line");
            @(negedge clk);
            w_bucket = v_bucket;
            w_tags = v_tags;
            w_tag_we = 1;
            @(negedge clk);
            w_tag_we = 0;
            @(posedge clk);
            #1;
            if (rb_tags !== v_tags) begin
                errors = errors + 1;
                if (errors <= 10) $display("read-back of bucket %0d's tags: %h, want %h", v_bucket, rb_tags, v_tags);
            end
        end else if (op == "P") begin
            if ($fscanf(fd, "%d %d %d %d %d %d %d\n", p_valid, p_ready, p_lat_min, p_lat_max, p_in_flight, p_err, p_rate) != 7)
                $fatal(1, "bad P line");
            if (p_in_flight > Q || p_lat_min < 1 || p_lat_max < p_lat_min) $fatal(1, "bad phase");
        end else if (op == "L") begin
            if ($fscanf(fd, "%h %h %h %h %h %h\n", v_key, v_skip, v_hit, v_bucket, v_way, v_entry) != 6) $fatal(1, "bad L line");
            if (n >= MAX) $fatal(1, "too many lookups in a phase");
            l_key[n] = v_key;
            l_skip[n] = v_skip;
            l_hit[n] = v_hit;
            l_err[n] = 0;
            l_bucket[n] = v_bucket;
            l_way[n] = v_way;
            l_entry[n] = v_entry;
            n = n + 1;
        end else begin
            $fatal(1, "unknown vector line %s", op);
        end
    end
    if (n > 0) run_phase();
    if (total == 0) $fatal(1, "no lookups in %s", path);
    $display("offload_session_fetch: %0d lookups in %0d phases, %0d memory reads, %0d error responses, %0d mismatches",
        total, phase, total_reads, total_errs, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
