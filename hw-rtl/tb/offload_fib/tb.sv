// Bench of offload_fib: the vectors (written by hw-rtl/tb/tests/fib.rs from the contract's
// trie, LpmBuilder / Lpm::lookup, its tables and flow hash) are, in order:
//   W sel index count data   a register-block write of `count` entries from `index`, each
//                            `data` (the entry's bits; the bench puts garbage above them)
//   R sel index data         a read-back through rb_data: what it must be
//   P fib dst src proto sport dport outer outer_lb level
//     found lb_bad hash bucket_bad kind adj_bad adj
//                            a packet entering s2, and what the module must answer for it:
//                            s5_found and s5_hash (level >= 1), s5_lb_bad (>= 2),
//                            s6_bucket_bad (>= 3), s7_dpo_kind (>= 4), s7_adj_bad (>= 5),
//                            s8_adj (6): only what software goes on to use.
// The bench keeps each packet's fields per stage, as the top's stage registers do, and
// feeds each port from the stage it belongs to (s2_fib, s2_dst_hi from the packet in s2;
// s3_* from the one in s3; s4_dst_lo from s4; s6_hash, the hash software computed, from
// s6). Each `en` moves every packet one stage (random bubbles enter s2 between packets);
// between `en` clocks, random idle clocks (`en` low, the s2..s4 inputs random): the
// outputs must hold. Before table writes and reads the pipeline drains; during writes
// `en` toggles with bubbles. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter FIB_BITS = 1;
parameter GROUP_BITS = 4;
parameter LB_BITS = 4;
parameter BUCKET_BITS = 6;
parameter ADJ_BITS = 4;
parameter IDLE_PCT = 40;
parameter BUBBLE_PCT = 25;

logic clk = 0;
always #5 clk = ~clk;

logic                en = 0, tw = 0, s3_outer = 0;
logic [7:0]          tbl_sel = 0, s3_proto = 0;
logic [31:0]         tbl_index = 0, s3_dst = 0, s3_outer_lb = 0, s3_src = 0, s6_hash = 0;
logic [511:0]        tw_data = 0;
logic [FIB_BITS-1:0] s2_fib = 0;
logic [15:0]         s2_dst_hi = 0, s3_sport = 0, s3_dport = 0;
logic [7:0]          s4_dst_lo = 0;
wire  [511:0]        rb_data;
wire                 s5_found, s5_lb_bad, s6_bucket_bad, s7_adj_bad;
wire  [31:0]         s5_hash;
wire  [3:0]          s7_dpo_kind;
wire  [191:0]        s8_adj;

offload_fib #(.FIB_BITS(FIB_BITS), .GROUP_BITS(GROUP_BITS), .LB_BITS(LB_BITS), .BUCKET_BITS(BUCKET_BITS),
    .ADJ_BITS(ADJ_BITS)) dut (
    .clk(clk), .en(en), .tbl_sel(tbl_sel), .tbl_index(tbl_index), .tw(tw), .tw_data(tw_data), .rb_data(rb_data),
    .s2_fib(s2_fib), .s2_dst_hi(s2_dst_hi), .s3_dst(s3_dst), .s3_outer(s3_outer), .s3_outer_lb(s3_outer_lb),
    .s3_src(s3_src), .s3_proto(s3_proto), .s3_sport(s3_sport), .s3_dport(s3_dport), .s4_dst_lo(s4_dst_lo),
    .s5_found(s5_found), .s5_lb_bad(s5_lb_bad), .s5_hash(s5_hash), .s6_hash(s6_hash),
    .s6_bucket_bad(s6_bucket_bad), .s7_dpo_kind(s7_dpo_kind), .s7_adj_bad(s7_adj_bad), .s8_adj(s8_adj)
);

// the packet in each stage (s2..s8): its inputs and what it must get; level 0 is a bubble
integer              st_n     [2:8];   // the packet's number, for messages
integer              st_level [2:8];
logic [FIB_BITS-1:0] st_fib   [2:8];
logic [31:0]         st_dst   [2:8], st_src [2:8], st_olb [2:8], st_hash [2:8];
logic [7:0]          st_proto [2:8];
logic [15:0]         st_sport [2:8], st_dport [2:8];
logic                st_outer [2:8], st_found [2:8], st_lbbad [2:8], st_bktbad [2:8], st_adjbad [2:8];
logic [3:0]          st_kind  [2:8];
logic [191:0]        st_adj   [2:8];

string path, op;
integer fd, k, s, seed = 1, n_pkts = 0, n_writes = 0, n_reads = 0, clocks = 0, errors = 0, idle;
integer v_level, v_count;
logic [7:0]   v_sel, v_proto;
logic [31:0]  v_index, v_dst, v_src, v_olb, v_hash;
logic [511:0] v_data;
logic [FIB_BITS-1:0] v_fib;
logic [15:0]  v_sport, v_dport;
logic         v_outer, v_found, v_lbbad, v_bktbad, v_adjbad;
logic [3:0]   v_kind;
logic [191:0] v_adj;


// the bits of an entry of table t (the rest of tw_data is not the module's)
function automatic integer entry_bits(input [7:0] t);
    case ({24'd0, t})
        offload_pkg::TBL_LPM_L1: entry_bits = offload_pkg::TBL_LPM_L1_BITS;
        offload_pkg::TBL_LPM_GROUP: entry_bits = offload_pkg::TBL_LPM_GROUP_BITS;
        offload_pkg::TBL_LOAD_BALANCE: entry_bits = offload_pkg::TBL_LOAD_BALANCE_BITS;
        offload_pkg::TBL_BUCKET: entry_bits = offload_pkg::TBL_BUCKET_BITS;
        offload_pkg::TBL_ADJACENCY: entry_bits = offload_pkg::TBL_ADJACENCY_BITS;
        default: entry_bits = 0;
    endcase
endfunction

task automatic bubble_into_s2();
    st_n[2] = -1;
    st_level[2] = 0;
    st_fib[2] = FIB_BITS'($urandom);
    st_dst[2] = $urandom;
    st_src[2] = $urandom;
    st_olb[2] = $urandom;
    st_hash[2] = $urandom;
    st_proto[2] = 8'($urandom);
    st_sport[2] = 16'($urandom);
    st_dport[2] = 16'($urandom);
    st_outer[2] = 1'($urandom);
endtask

// this clock's inputs from the stages' packets (en) or at random (idle: nothing may move;
// s6_hash is the top's s6 register, which holds)
task automatic drive(input logic move);
    en = move;
    if (move) begin
        s2_fib = st_fib[2];
        s2_dst_hi = st_dst[2][31:16];
        s3_dst = st_dst[3];
        s3_outer = st_outer[3];
        s3_outer_lb = st_olb[3];
        s3_src = st_src[3];
        s3_proto = st_proto[3];
        s3_sport = st_sport[3];
        s3_dport = st_dport[3];
        s4_dst_lo = st_dst[4][7:0];
    end else begin
        s2_fib = FIB_BITS'($urandom);
        s2_dst_hi = 16'($urandom);
        s3_dst = $urandom;
        s3_outer = 1'($urandom);
        s3_outer_lb = $urandom;
        s3_src = $urandom;
        s3_proto = 8'($urandom);
        s3_sport = 16'($urandom);
        s3_dport = 16'($urandom);
        s4_dst_lo = 8'($urandom);
    end
    s6_hash = st_hash[6];
endtask

task automatic fail(input string what, input integer n);
    errors++;
    if (errors <= 10) $display("clock %0d, packet %0d: %s", clocks, n, what);
endtask

// the outputs for the packets in s5..s8, as far as each one's level says
task automatic check(input string when);
    if (st_level[5] >= 1 && (s5_found !== st_found[5] || s5_hash !== st_hash[5]))
        fail($sformatf("s5 (%s) found %b hash %h, want %b %h", when, s5_found, s5_hash, st_found[5], st_hash[5]), st_n[5]);
    if (st_level[5] >= 2 && s5_lb_bad !== st_lbbad[5])
        fail($sformatf("s5 (%s) lb_bad %b, want %b", when, s5_lb_bad, st_lbbad[5]), st_n[5]);
    if (st_level[6] >= 3 && s6_bucket_bad !== st_bktbad[6])
        fail($sformatf("s6 (%s) bucket_bad %b, want %b", when, s6_bucket_bad, st_bktbad[6]), st_n[6]);
    if (st_level[7] >= 4 && s7_dpo_kind !== st_kind[7])
        fail($sformatf("s7 (%s) dpo kind %0d, want %0d", when, s7_dpo_kind, st_kind[7]), st_n[7]);
    if (st_level[7] >= 5 && s7_adj_bad !== st_adjbad[7])
        fail($sformatf("s7 (%s) adj_bad %b, want %b", when, s7_adj_bad, st_adjbad[7]), st_n[7]);
    if (st_level[8] >= 6 && s8_adj !== st_adj[8])
        fail($sformatf("s8 (%s) adjacency %h, want %h", when, s8_adj, st_adj[8]), st_n[8]);
endtask

// one `en` clock (after random idle clocks): every packet moves a stage; the next one (or
// a bubble) enters s2
task automatic advance(input logic next);
    idle = ($urandom % 100) < IDLE_PCT ? 1 + $urandom % 3 : 0;
    repeat (idle) begin
        @(negedge clk);
        drive(0);
        #1;
        check("idle");
        @(posedge clk);
        clocks++;
    end
    @(negedge clk);
    drive(1);
    #1;
    check("en");
    @(posedge clk);
    clocks++;
    for (s = 8; s > 2; s--) begin
        st_n[s] = st_n[s-1];
        st_level[s] = st_level[s-1];
        st_fib[s] = st_fib[s-1];
        st_dst[s] = st_dst[s-1];
        st_src[s] = st_src[s-1];
        st_olb[s] = st_olb[s-1];
        st_hash[s] = st_hash[s-1];
        st_proto[s] = st_proto[s-1];
        st_sport[s] = st_sport[s-1];
        st_dport[s] = st_dport[s-1];
        st_outer[s] = st_outer[s-1];
        st_found[s] = st_found[s-1];
        st_lbbad[s] = st_lbbad[s-1];
        st_bktbad[s] = st_bktbad[s-1];
        st_kind[s] = st_kind[s-1];
        st_adjbad[s] = st_adjbad[s-1];
        st_adj[s] = st_adj[s-1];
    end
    if (next) begin
        st_n[2] = n_pkts;
        st_level[2] = v_level;
        st_fib[2] = v_fib;
        st_dst[2] = v_dst;
        st_src[2] = v_src;
        st_olb[2] = v_olb;
        st_hash[2] = v_hash;
        st_proto[2] = v_proto;
        st_sport[2] = v_sport;
        st_dport[2] = v_dport;
        st_outer[2] = v_outer;
        st_found[2] = v_found;
        st_lbbad[2] = v_lbbad;
        st_bktbad[2] = v_bktbad;
        st_kind[2] = v_kind;
        st_adjbad[2] = v_adjbad;
        st_adj[2] = v_adj;
    end else begin
        bubble_into_s2();
    end
endtask

// until every packet has left s8
task automatic drain();
    while (st_level[2] != 0 || st_level[3] != 0 || st_level[4] != 0 || st_level[5] != 0 || st_level[6] != 0
           || st_level[7] != 0 || st_level[8] != 0)
        advance(0);
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE [+seed=N]");
    void'($value$plusargs("seed=%d", seed));
    void'($urandom(seed));
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    for (s = 2; s <= 8; s++) begin
        bubble_into_s2();
        st_n[s] = st_n[2];
        st_level[s] = 0;
        st_hash[s] = st_hash[2];
    end
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op == "W") begin
            if ($fscanf(fd, "%h %h %d %h\n", v_sel, v_index, v_count, v_data) != 4) $fatal(1, "bad W line");
            drain();
            for (k = 0; k < v_count; k++) begin
                @(negedge clk);
                // the pipeline moves bubbles meanwhile
                drive(1'($urandom));
                tw = 1;
                tbl_sel = v_sel;
                tbl_index = v_index + k;
                tw_data = v_data | (tb_beats::rand512() << entry_bits(v_sel));
                @(posedge clk);
                clocks++;
                if (en) bubble_into_s2();
            end
            @(negedge clk);
            tw = 0;
            tw_data = tb_beats::rand512();
            n_writes += v_count;
        end else if (op == "R") begin
            if ($fscanf(fd, "%h %h %h\n", v_sel, v_index, v_data) != 3) $fatal(1, "bad R line");
            drain();
            @(negedge clk);
            en = 0;
            tw = 0;
            tbl_sel = v_sel;
            tbl_index = v_index;
            @(posedge clk);
            clocks++;
            #1;
            if (rb_data !== v_data) fail($sformatf("read-back of table %0d entry %0d: %h, want %h", v_sel, v_index,
                rb_data, v_data), -1);
            n_reads++;
        end else if (op == "P") begin
            if ($fscanf(fd, "%h %h %h %h %h %h %h %h %d %h %h %h %h %h %h %h\n", v_fib, v_dst, v_src, v_proto, v_sport,
                    v_dport, v_outer, v_olb, v_level, v_found, v_lbbad, v_hash, v_bktbad, v_kind, v_adjbad, v_adj) != 16)
                $fatal(1, "bad P line");
            while (($urandom % 100) < BUBBLE_PCT) advance(0);
            advance(1);
            n_pkts++;
        end else begin
            $fatal(1, "unknown vector line %s", op);
        end
    end
    drain();
    if (n_pkts == 0) $fatal(1, "no packets in %s", path);
    $display("offload_fib: %0d entries written, %0d read back, %0d packets in %0d clocks, %0d mismatches", n_writes,
        n_reads, n_pkts, clocks, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
