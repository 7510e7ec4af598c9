// Bench of offload_session_hash: vectors (key, tag, b1, b2) from the contract's
// reference (offload_tables::session: hash_key, tag_of, buckets_of), written by
// hw-rtl/tb/tests/benches.rs. The keys go in back to back, the enable low on random
// clocks (another key at the input then); each key's outputs are checked after its
// fourth enabled clock, and again on every clock they must hold. Run by
// `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter BUCKET_BITS = 11;
parameter IDLE_PCT = 30;
localparam LATENCY = 4;
localparam MAX = 1 << 16;

logic clk = 0;
always #5 clk = ~clk;

logic en = 0;
logic [127:0] key = 0;
wire  [15:0]  tag;
wire  [BUCKET_BITS-1:0] b1, b2;

offload_session_hash #(.BUCKET_BITS(BUCKET_BITS)) dut (.clk(clk), .en(en), .key(key), .tag(tag), .b1(b1), .b2(b2));

string path;
integer fd, n = 0, entered = 0, checked = 0, errors = 0, i;
logic [127:0] keys [0:MAX-1];
logic [15:0] want_tag [0:MAX-1];
logic [31:0] want_b1 [0:MAX-1], want_b2 [0:MAX-1];
logic [127:0] k;
logic [15:0] t;
logic [31:0] w1, w2;
// the vector whose outputs are due: entered[enabled clocks ago]
integer age [0:LATENCY];

task automatic check(input integer v);
    if (tag !== want_tag[v] || {{(32-BUCKET_BITS){1'b0}}, b1} !== want_b1[v] || {{(32-BUCKET_BITS){1'b0}}, b2} !== want_b2[v]) begin
        errors = errors + 1;
        if (errors <= 10)
            $display("vector %0d: key %h: tag %h b1 %h b2 %h, want %h %h %h", v, keys[v], tag, b1, b2,
                want_tag[v], want_b1[v], want_b2[v]);
    end
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    // (read into plain variables: Verilator's $fscanf does not fill wide array elements)
    while (n < MAX && $fscanf(fd, "%h %h %h %h\n", k, t, w1, w2) == 4) begin
        keys[n] = k;
        want_tag[n] = t;
        want_b1[n] = w1;
        want_b2[n] = w2;
        n = n + 1;
    end
    for (i = 0; i <= LATENCY; i = i + 1) age[i] = -1;
    // until the last vector's outputs are checked
    while (checked < n) begin
        @(negedge clk);
        en = ($urandom % 100) >= IDLE_PCT;
        key = entered < n && en ? keys[entered] : {$urandom, $urandom, $urandom, $urandom};
        @(posedge clk);
        #1;
        if (en) begin
            for (i = LATENCY; i > 0; i = i - 1) age[i] = age[i-1];
            age[0] = entered < n ? entered : -1;
            if (entered < n) entered = entered + 1;
        end
        // the key that entered LATENCY enabled clocks ago (age[LATENCY - 1]) is out
        if (age[LATENCY-1] >= 0) begin
            check(age[LATENCY-1]);
            if (en) checked = checked + 1;
        end
    end
    $display("offload_session_hash: %0d vectors, %0d mismatches", n, errors);
    if (n == 0 || errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
