// Bench of offload_flow_hash: vectors (src, dst, proto, sport, dport, hash) from the
// contract's reference (offload_tables::flow_hash::ip4_flow_hash), written by
// hw-rtl/tb/tests/benches.rs. The flows go in back to back or with idle clocks (the
// enable low, another flow at the input), as a pipeline stage that stalls; each hash
// is checked when its flow has moved two enabled clocks on, and must hold while the
// enable is low. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

// Waiver: the bench's clock and bookkeeping are sequential code run at each edge.
/* verilator lint_off BLKSEQ */
module tb;

parameter IDLE_PCT = 30;

logic clk = 0;
always #5 clk = ~clk;

logic        en = 0;
logic [31:0] src = 0, dst = 0;
logic [7:0]  proto = 0;
logic [15:0] sport = 0, dport = 0;
wire  [31:0] hash;

offload_flow_hash dut (.clk(clk), .en(en), .src(src), .dst(dst), .proto(proto), .sport(sport), .dport(dport),
    .hash(hash));

string path;
integer fd, n = 0, checked = 0, errors = 0, seed = 1;
logic [31:0] v_src, v_dst, want;
logic [7:0]  v_proto;
logic [15:0] v_sport, v_dport;
logic [31:0] wants [$];

// vector k's hash is out once it has moved two enabled clocks on
task automatic check(input integer k);
    if (hash !== wants[k]) begin
        errors = errors + 1;
        if (errors <= 10) $display("vector %0d: hash %h, want %h", k, hash, wants[k]);
    end
    checked = checked + 1;
endtask

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE [+seed=N]");
    void'($value$plusargs("seed=%d", seed));
    void'($urandom(seed));
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%h %h %h %h %h %h\n", v_src, v_dst, v_proto, v_sport, v_dport, want) == 6) begin
        // idle clocks: the enable low, a random flow at the input; a hash out holds
        while (($urandom % 100) < IDLE_PCT) begin
            @(negedge clk);
            en = 0;
            {src, dst, proto, sport, dport} = {$urandom, $urandom, 8'($urandom), 16'($urandom), 16'($urandom)};
            @(posedge clk);
            #1;
            if (n >= 2) check(n - 2);
        end
        @(negedge clk);
        en = 1;
        {src, dst, proto, sport, dport} = {v_src, v_dst, v_proto, v_sport, v_dport};
        wants.push_back(want);
        @(posedge clk);
        #1;
        n = n + 1;
        if (n >= 2) check(n - 2);
    end
    // one more enabled clock brings the last vector's hash out
    @(negedge clk);
    en = 1;
    @(posedge clk);
    #1;
    if (n >= 1) check(n - 1);
    $display("offload_flow_hash: %0d vectors, %0d checks, %0d mismatches", n, checked, errors);
    if (n == 0 || errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
/* verilator lint_on BLKSEQ */
