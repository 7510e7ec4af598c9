// Bench of offload_session_lookup with its on-chip store (offload_session_store), joined
// by their request/response stream: the vectors (written by hw-rtl/tb/tests/benches.rs
// from the contract's SessionTable) are table writes and lookups in order:
//   W bucket way entry      an entry write (a deletion writes zeroes)
//   T bucket tags           a bucket's tag word
//   L key hit bucket way entry   a lookup and what software's lookup finds
// Lookups go in back to back, one per clock (the engine is pipelined), with random
// idle clocks between them (the enable low, a random key at its input); each result
// is checked after its key's LATENCY-th enabled clock and on every clock it must hold.
// Before a write the lookups in flight finish (software's vectors are in order). On a
// miss only `hit` and the zero entry are checked. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter BUCKET_BITS = 4;
parameter IDLE_PCT = 40;
localparam SB = BUCKET_BITS;
localparam W = offload_pkg::SESS_BITS;
localparam LATENCY = offload_util::SESSION_LOOKUP_LATENCY;
localparam MAX = 1 << 16;

logic clk = 0;
always #5 clk = ~clk;

logic [SB-1:0]  w_bucket = 0;
logic [2:0]     w_way = 0;
logic           w_entry_we = 0, w_tag_we = 0, en = 0;
logic [W-1:0]   w_data = 0;
logic [127:0]   key = 0;
wire  [W-1:0]   rb_entry, entry;
wire  [127:0]   rb_tags;
wire            hit;
wire  [SB-1:0]  hit_bucket;
wire  [2:0]     hit_way;

wire            req_valid, rsp_valid;
wire  [SB-1:0]  req_b1, req_b2;
wire  [15:0]    req_tag;
wire  [255:0]   rsp_tags;
wire  [8*2*W-1:0] rsp_ways;

offload_session_lookup #(.BUCKET_BITS(SB)) dut (
    .clk(clk), .en(en), .key(key),
    .m_req_valid(req_valid), .m_req_b1(req_b1), .m_req_b2(req_b2), .m_req_tag(req_tag),
    .s_rsp_valid(rsp_valid), .s_rsp_tags(rsp_tags), .s_rsp_ways(rsp_ways),
    .hit(hit), .hit_bucket(hit_bucket), .hit_way(hit_way), .entry(entry)
);

offload_session_store #(.BUCKET_BITS(SB)) store (
    .clk(clk), .w_bucket(w_bucket), .w_way(w_way), .w_entry_we(w_entry_we), .w_tag_we(w_tag_we),
    .w_data(w_data), .rb_entry(rb_entry), .rb_tags(rb_tags),
    .s_req_valid(req_valid), .s_req_b1(req_b1), .s_req_b2(req_b2), .s_req_tag(req_tag),
    .m_rsp_valid(rsp_valid), .m_rsp_tags(rsp_tags), .m_rsp_ways(rsp_ways)
);

string path, op;
integer fd, lookups = 0, hits = 0, errors = 0, idle, i, in_flight = 0;
logic [SB-1:0] v_bucket;
logic [2:0]    v_way;
logic [W-1:0]  v_entry;
logic [127:0]  v_tags, v_key;
logic          v_hit;
// each lookup's key and what software found, by its number
logic [127:0]  l_key [0:MAX-1];
logic          l_hit [0:MAX-1];
logic [SB-1:0] l_bucket [0:MAX-1];
logic [2:0]    l_way [0:MAX-1];
logic [W-1:0]  l_entry [0:MAX-1];
// the lookup that entered i + 1 enabled clocks ago (-1: none tracked)
integer age [0:LATENCY];

task automatic check(input integer l, input string when);
    if (hit !== l_hit[l] || entry !== (l_hit[l] ? l_entry[l] : {W{1'b0}})
            || (l_hit[l] && (hit_bucket !== l_bucket[l] || hit_way !== l_way[l]))) begin
        errors = errors + 1;
        if (errors <= 10) $display("lookup %0d (%s): key %h: hit %b bucket %0d way %0d, want %b %0d %0d%s", l, when,
            l_key[l], hit, hit_bucket, hit_way, l_hit[l], l_bucket[l], l_way[l],
            entry !== (l_hit[l] ? l_entry[l] : {W{1'b0}}) ? ", entry differs" : "");
    end
endtask

// One clock of the engine: `go` enters lookup `l` (or, l < 0, an untracked random
// key) with the enable high; else the enable is low. Checks the result due.
task automatic tick(input logic go, input integer l);
    @(negedge clk);
    w_entry_we = 0;
    w_tag_we = 0;
    en = go;
    key = go && l >= 0 ? l_key[l] : {$urandom, $urandom, $urandom, $urandom};
    @(posedge clk);
    #1;
    if (go) begin
        if (age[LATENCY-1] >= 0) in_flight = in_flight - 1;
        for (i = LATENCY; i > 0; i = i - 1) age[i] = age[i-1];
        age[0] = l;
        if (l >= 0) in_flight = in_flight + 1;
    end
    if (age[LATENCY-1] >= 0) check(age[LATENCY-1], go ? "due" : "held");
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE [+seed=N]");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    for (i = 0; i <= LATENCY; i = i + 1) age[i] = -1;
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op != "L") begin
            // the lookups in flight finish first (untracked keys behind them)
            while (in_flight > 0) tick(1, -1);
            tick(1, -1);
        end
        if (op == "W") begin
            if ($fscanf(fd, "%h %h %h\n", v_bucket, v_way, v_entry) != 3) $fatal(1, "bad W line");
            w_bucket = v_bucket;
            w_way = v_way;
            w_data = v_entry;
            w_entry_we = 1;
            @(posedge clk);
            #1;
            // the read-back the clock after: the entry just written
            @(negedge clk);
            w_entry_we = 0;
            @(posedge clk);
            #1;
            if (rb_entry !== v_entry) begin
                errors = errors + 1;
                if (errors <= 10) $display("read-back of bucket %0d way %0d differs", v_bucket, v_way);
            end
        end else if (op == "T") begin
            if ($fscanf(fd, "%h %h\n", v_bucket, v_tags) != 2) $fatal(1, "bad T line");
            w_bucket = v_bucket;
            w_data = {{(W-128){1'b0}}, v_tags};
            w_tag_we = 1;
            @(posedge clk);
            #1;
            @(negedge clk);
            w_tag_we = 0;
            @(posedge clk);
            #1;
            if (rb_tags !== v_tags) begin
                errors = errors + 1;
                if (errors <= 10) $display("read-back of bucket %0d's tags differs", v_bucket);
            end
        end else if (op == "L") begin
            if ($fscanf(fd, "%h %h %h %h %h\n", v_key, v_hit, v_bucket, v_way, v_entry) != 5) $fatal(1, "bad L line");
            if (lookups >= MAX) $fatal(1, "too many lookups");
            l_key[lookups] = v_key;
            l_hit[lookups] = v_hit;
            l_bucket[lookups] = v_bucket;
            l_way[lookups] = v_way;
            l_entry[lookups] = v_entry;
            // idle clocks before it: the enable low, another key at the input
            idle = ($urandom % 100) < IDLE_PCT ? 1 + $urandom % 3 : 0;
            repeat (idle) tick(0, -1);
            tick(1, lookups);
            lookups = lookups + 1;
            hits = hits + (v_hit ? 1 : 0);
        end else begin
            $fatal(1, "unknown vector line %s", op);
        end
    end
    while (in_flight > 0) tick(1, -1);
    if (lookups == 0) $fatal(1, "no lookups in %s", path);
    $display("offload_session_lookup: %0d lookups (%0d hits), %0d mismatches", lookups, hits, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
