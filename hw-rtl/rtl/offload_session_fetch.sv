// Session lookup engine for a table whose entries live in external memory (HBM/DDR
// behind an AXI4 read port): the tags on chip, one memory read per lookup, many
// lookups in flight, results in key order.
//
// The contract's table (offload-tables session.rs): a key's hash gives a 16-bit tag and
// two candidate buckets b1, b2 = b1 ^ spread(tag) of 8 ways. The NIC's copy keeps at
// most one entry per tag in a pair of buckets (SessionTable::for_nic), so the first way
// whose tag matches is the only candidate: this engine reads that way's entry and
// compares the key (a mismatch is a definite miss), and reads nothing when no tag
// matches (a miss at the cost of the on-chip tag read alone).
//
// On chip: the tag words, 128 bits per bucket, in two banks. spread is odd, so b1 and
// b2 differ in bit 0: one is even, the other odd, and each bank (even buckets, odd
// buckets) is read once per lookup: a simple dual-port memory each (port A: the
// register block's write and read-back, port B: the lookup). 2^BUCKET_BITS * 128 bits
// in all, 16 Mbit at a million sessions (URAM).
//
// Off chip: entry (bucket, way) at byte address (bucket * 8 + way) * 64, one 512-bit
// beat (the 384-bit entry in its low bits). An interconnect interleaves buckets over
// memory channels by the address bits above the way (offload_session_channels).
//
// In flight: up to 2^ROB_BITS lookups, each with a slot of the reorder buffer (its AXI
// ID): responses may come back in any order, results leave in the order keys came.
// At one key per clock the line keeps its rate while 2^ROB_BITS exceeds the memory's
// round trip in clocks plus this engine's own (HASH + 3).
//
//   key ─ hash (4) ─ tag read (1) ─ tag match ─┬─ no candidate: done, a miss
//                                              └─ AR queue ─ memory ─ R ─ key compare ─ done
//   done, in slot order ─ result register ─ m_*
//
// A memory error response (SLVERR, DECERR) answers a miss with m_error set.
//
// A cache of recently read entries (2^CACHE_BITS lines, direct-mapped by slot) answers
// a candidate it holds without a memory read: the few entries every packet of a hot
// flow reads — a NAT address every out2in packet checks, one connection's sessions —
// would otherwise queue on one memory channel. Every change of an entry comes with a
// tag write after it (the driver's order, the management port's fence), so a tag write
// empties the cache; a read issued before one does not fill it (its data may predate
// the change).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_session_fetch #
(
    // log2 buckets (8 ways each); at least 2 (one even, one odd bucket)
    parameter BUCKET_BITS = 17,
    // log2 lookups in flight (reorder-buffer slots, AXI IDs)
    parameter ROB_BITS = 8,
    // log2 lines of the entry cache
    parameter CACHE_BITS = 4
)
(
    input  wire                                 clk,
    input  wire                                 rst,

    // keys; with s_skip no lookup is made (a miss, in order with the rest)
    input  wire                                 s_valid,
    output wire                                 s_ready,
    input  wire [offload_pkg::SKEY_BITS-1:0]    s_key,
    input  wire                                 s_skip,

    // results, one per key in key order: hit, where (for hit bits) and the entry
    output reg                                  m_valid = 0,
    input  wire                                 m_ready,
    output reg                                  m_hit = 0,
    output reg                                  m_error = 0,
    output wire [BUCKET_BITS-1:0]               m_bucket,
    output wire [2:0]                           m_way,
    output wire [offload_pkg::SESS_BITS-1:0]    m_entry,

    // the register block: a bucket's tag word, and its read-back (the clock after)
    input  wire [BUCKET_BITS-1:0]               w_bucket,
    input  wire                                 w_tag_we,
    input  wire [127:0]                         w_tags,
    output wire [127:0]                         rb_tags,

    // AXI4 read master: single-beat 64-byte reads
    output wire                                 m_axi_arvalid,
    input  wire                                 m_axi_arready,
    output wire [BUCKET_BITS+8:0]               m_axi_araddr,
    output wire [ROB_BITS-1:0]                  m_axi_arid,
    output wire [7:0]                           m_axi_arlen,
    output wire [2:0]                           m_axi_arsize,
    output wire [1:0]                           m_axi_arburst,
    input  wire                                 m_axi_rvalid,
    output wire                                 m_axi_rready,
    // Waiver: an entry is the beat's low 384 bits; the rest is padding. rlast is 1 on
    // every beat of a single-beat burst; of rresp, bit 1 tells an error (SLVERR,
    // DECERR) from OKAY and EXOKAY.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [511:0]                         m_axi_rdata,
    input  wire                                 m_axi_rlast,
    input  wire [1:0]                           m_axi_rresp,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [ROB_BITS-1:0]                  m_axi_rid
);

localparam SB = BUCKET_BITS;
localparam W = offload_pkg::SESS_BITS;
localparam KW = offload_pkg::SKEY_BITS;
localparam WAYS = offload_pkg::SESSION_WAYS;
localparam D = 1 << ROB_BITS;
localparam HASH = offload_util::SESSION_LOOKUP_LATENCY - 1;   // offload_session_hash's clocks

initial begin
    if (SB < 2 || WAYS != 8 || KW != 128 || ROB_BITS < 1) begin
        $error("Error: offload_session_fetch needs BUCKET_BITS >= 2, 8 ways, 128-bit keys (instance %m)");
        $finish;
    end
end

// ---- slots: keys take them in order at `tail`, results leave them at `head`
reg [ROB_BITS:0] head = 0, tail = 0;
reg m_cached = 0;   // the result's entry came from the cache
wire accept = s_valid && s_ready;
assign s_ready = !rst && (tail - head) != (ROB_BITS+1)'(D);
always @(posedge clk) begin
    if (rst) tail <= 0;
    else if (accept) tail <= tail + 1'b1;
end

// ---- hash: HASH clocks, the key and its slot beside it
wire [15:0] tag;
wire [SB-1:0] b1, b2;
offload_session_hash #(.BUCKET_BITS(SB)) hash (.clk(clk), .en(1'b1), .key(s_key), .tag(tag), .b1(b1), .b2(b2));
reg [HASH:0] h_valid = 0;               // h_*[i]: the key i + 1 clocks after it entered
reg [HASH:0] h_skip = 0;
reg [KW-1:0] h_key [0:HASH];
reg [ROB_BITS-1:0] h_slot [0:HASH];
integer d;
always @(posedge clk) begin
    h_valid <= {h_valid[HASH-1:0], accept};
    h_skip <= {h_skip[HASH-1:0], s_skip};
    h_key[0] <= s_key;
    h_slot[0] <= tail[ROB_BITS-1:0];
    for (d = 1; d <= HASH; d = d + 1) begin
        h_key[d] <= h_key[d-1];
        h_slot[d] <= h_slot[d-1];
    end
    if (rst) h_valid <= 0;
end

// ---- tag read: the even candidate from bank 0, the odd one from bank 1 (h_*[HASH-1]
// is the key whose tag and buckets the hash shows now)
wire t_in = h_valid[HASH-1];
wire b1_odd = b1[0];
wire [SB-2:0] even_addr = b1_odd ? b2[SB-1:1] : b1[SB-1:1];
wire [SB-2:0] odd_addr = b1_odd ? b1[SB-1:1] : b2[SB-1:1];
wire [127:0] even_tags, odd_tags, rb_even, rb_odd;
offload_ram #(.W(128), .ADDR_BITS(SB-1)) tags_even (
    .clk(clk), .a_we(w_tag_we && !w_bucket[0]), .a_addr(w_bucket[SB-1:1]), .a_wdata(w_tags), .a_rdata(rb_even),
    .b_en(1'b1), .b_addr(even_addr), .b_rdata(even_tags));
offload_ram #(.W(128), .ADDR_BITS(SB-1)) tags_odd (
    .clk(clk), .a_we(w_tag_we && w_bucket[0]), .a_addr(w_bucket[SB-1:1]), .a_wdata(w_tags), .a_rdata(rb_odd),
    .b_en(1'b1), .b_addr(odd_addr), .b_rdata(odd_tags));
reg rb_odd_q = 0;
always @(posedge clk) rb_odd_q <= w_bucket[0];
assign rb_tags = rb_odd_q ? rb_odd : rb_even;

reg t_valid = 0, t_skip = 0, t_b1_odd = 0;
reg [15:0] t_tag = 0;
reg [SB-1:0] t_b1 = 0, t_b2 = 0;
always @(posedge clk) begin
    t_valid <= t_in && !rst;
    t_skip <= h_skip[HASH-1];
    t_b1_odd <= b1_odd;
    t_tag <= tag;
    t_b1 <= b1;
    t_b2 <= b2;
end
wire [KW-1:0] t_key = h_key[HASH];
wire [ROB_BITS-1:0] t_slot = h_slot[HASH];

// ---- tag match: the first way, bucket 1's before bucket 2's, whose tag is the key's
wire [255:0] pair = t_b1_odd ? {even_tags, odd_tags} : {odd_tags, even_tags};  // b1's low
reg cand;
reg cand_second;
reg [2:0] cand_way;
integer b, w;
always @* begin
    cand = 1'b0;
    cand_second = 1'b0;
    cand_way = 3'd0;
    for (b = 1; b >= 0; b = b - 1) begin
        for (w = WAYS - 1; w >= 0; w = w - 1) begin
            if (pair[128*b + 16*w +: 16] == t_tag) begin
                cand = 1'b1;
                cand_second = b == 1;
                cand_way = 3'(w);
            end
        end
    end
end
wire [SB-1:0] cand_bucket = cand_second ? t_b2 : t_b1;
wire [SB+2:0] cand_slot = {cand_bucket, cand_way};

// ---- the entry cache: lines by the slot's low bits; `gen` counts tag writes (mod 256:
// far more than can happen during one read's round trip)
localparam C = 1 << CACHE_BITS;
reg [C-1:0] c_valid = 0;
reg [SB+2:0] c_slot [0:C-1];
reg [W-1:0] c_entry [0:C-1];
reg [7:0] gen = 0;
wire [CACHE_BITS-1:0] c_idx = cand_slot[CACHE_BITS-1:0];
wire cached = c_valid[c_idx] && c_slot[c_idx] == cand_slot;
wire from_cache = t_valid && !t_skip && cand && cached;
wire read_needed = t_valid && !t_skip && cand && !cached;
wire cache_key_hit = c_entry[c_idx][offload_pkg::SESS_KEY_LSB +: KW] == t_key;

// the key, where its candidate is and the tag writes so far, by slot: compared and
// cached at the response; where, given out with the result
wire [KW-1:0] slot_key;
wire [SB+2:0] slot_where, out_where;
wire [7:0] slot_gen;
// Waiver: port A of these slot memories only writes; the read-back is not used.
/* verilator lint_off UNUSEDSIGNAL */
wire [KW+SB+3+8-1:0] key_rb_unused;
wire [SB+2:0] where_rb_unused;
/* verilator lint_on UNUSEDSIGNAL */
wire [ROB_BITS-1:0] r_id;
wire pop;
offload_ram #(.W(KW+SB+3+8), .ADDR_BITS(ROB_BITS)) keys (
    .clk(clk), .a_we(read_needed), .a_addr(t_slot), .a_wdata({gen, cand_slot, t_key}), .a_rdata(key_rb_unused),
    .b_en(1'b1), .b_addr(r_id), .b_rdata({slot_gen, slot_where, slot_key}));
offload_ram #(.W(SB+3), .ADDR_BITS(ROB_BITS)) where (
    .clk(clk), .a_we(t_valid), .a_addr(t_slot), .a_wdata({cand_bucket, cand_way}), .a_rdata(where_rb_unused),
    .b_en(pop), .b_addr(head[ROB_BITS-1:0]), .b_rdata(out_where));

// ---- read requests, in a queue as deep as the slots (it can never overflow)
wire arq_full, arq_empty;
wire [SB+2:0] arq_way;
wire [ROB_BITS-1:0] arq_slot;
offload_fifo #(.W(SB+3+ROB_BITS), .DEPTH_BITS(ROB_BITS)) arq (
    .clk(clk), .rst(rst),
    .push(read_needed), .push_data({cand_bucket, cand_way, t_slot}), .full(arq_full),
    .pop(m_axi_arvalid && m_axi_arready), .empty(arq_empty), .head({arq_way, arq_slot}));
assign m_axi_arvalid = !arq_empty;
assign m_axi_araddr = {arq_way, 6'd0};
assign m_axi_arid = arq_slot;
assign m_axi_arlen = 8'd0;
assign m_axi_arsize = 3'd6;     // 64 bytes
assign m_axi_arburst = 2'b01;   // INCR

// ---- responses: always taken (their slot waits for them); the key is read by ID,
// then compared
assign m_axi_rready = 1'b1;
reg r_valid = 0, r_err = 0;
reg [W-1:0] r_entry = 0;
reg [ROB_BITS-1:0] r_slot = 0;
assign r_id = m_axi_rid;
always @(posedge clk) begin
    r_valid <= m_axi_rvalid && !rst;
    r_err <= m_axi_rresp[1];
    r_entry <= m_axi_rdata[W-1:0];
    r_slot <= m_axi_rid;
end
wire r_hit = !r_err && r_entry[offload_pkg::SESS_KEY_LSB +: KW] == slot_key;
// Waiver: port A of the entry memory only writes.
/* verilator lint_off UNUSEDSIGNAL */
wire [W-1:0] entry_rb_unused;
/* verilator lint_on UNUSEDSIGNAL */
wire [W-1:0] out_entry;
offload_ram #(.W(W), .ADDR_BITS(ROB_BITS)) entries (
    .clk(clk), .a_we(r_valid), .a_addr(r_slot), .a_wdata(r_entry), .a_rdata(entry_rb_unused),
    .b_en(pop), .b_addr(head[ROB_BITS-1:0]), .b_rdata(out_entry));
// the answers the cache gave, by slot (a second memory: the first's write port is the
// responses')
// Waiver: port A only writes.
/* verilator lint_off UNUSEDSIGNAL */
wire [W-1:0] cached_rb_unused;
/* verilator lint_on UNUSEDSIGNAL */
wire [W-1:0] out_cached;
offload_ram #(.W(W), .ADDR_BITS(ROB_BITS)) cache_answers (
    .clk(clk), .a_we(from_cache), .a_addr(t_slot), .a_wdata(c_entry[c_idx]), .a_rdata(cached_rb_unused),
    .b_en(pop), .b_addr(head[ROB_BITS-1:0]), .b_rdata(out_cached));

// the cache: filled by a response issued since the last tag write, emptied by one
always @(posedge clk) begin
    if (r_valid && !r_err && slot_gen == gen && !w_tag_we) begin
        c_valid[slot_where[CACHE_BITS-1:0]] <= 1'b1;
        c_slot[slot_where[CACHE_BITS-1:0]] <= slot_where;
        c_entry[slot_where[CACHE_BITS-1:0]] <= r_entry;
    end
    if (w_tag_we || rst) begin
        c_valid <= 0;
        gen <= gen + 1'b1;
    end
end

// ---- done bits by slot: set without a read at the tag match, or at the response
reg [D-1:0] done = 0, hit = 0, err = 0, src_cache = 0;
always @(posedge clk) begin
    if (t_valid && !read_needed) begin
        done[t_slot] <= 1'b1;
        hit[t_slot] <= from_cache && cache_key_hit;
        err[t_slot] <= 1'b0;
        src_cache[t_slot] <= 1'b1;
    end
    if (r_valid) begin
        done[r_slot] <= 1'b1;
        hit[r_slot] <= r_hit;
        err[r_slot] <= r_err;
        src_cache[r_slot] <= 1'b0;
    end
    if (pop) done[head[ROB_BITS-1:0]] <= 1'b0;
    if (rst) done <= 0;
end

// ---- results in slot order: the head's memories are read as it leaves
assign pop = done[head[ROB_BITS-1:0]] && (!m_valid || m_ready);
always @(posedge clk) begin
    if (pop) begin
        head <= head + 1'b1;
        m_hit <= hit[head[ROB_BITS-1:0]];
        m_error <= err[head[ROB_BITS-1:0]];
        m_cached <= src_cache[head[ROB_BITS-1:0]];
    end
    if (pop) m_valid <= 1'b1;
    else if (m_ready) m_valid <= 1'b0;
    if (rst) begin
        head <= 0;
        m_valid <= 1'b0;
    end
end
assign m_bucket = out_where[3 +: SB];
assign m_way = out_where[2:0];
assign m_entry = !m_hit ? {W{1'b0}} : m_cached ? out_cached : out_entry;

// Waiver: arq_full is never seen high (as many queue places as slots); kept for the
// queue's own check.
/* verilator lint_off UNUSEDSIGNAL */
wire unused = arq_full;
/* verilator lint_on UNUSEDSIGNAL */

endmodule

`resetall
