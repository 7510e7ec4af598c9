// Bench of offload_flow_hash: vectors (src, dst, proto, sport, dport, hash) from the
// contract's reference (offload_tables::flow_hash::ip4_flow_hash), written by
// hw-rtl/tb/tests/benches.rs; every output checked. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

module tb;

logic [31:0] src = 0, dst = 0;
logic [7:0]  proto = 0;
logic [15:0] sport = 0, dport = 0;
wire  [31:0] hash;

offload_flow_hash dut (.src(src), .dst(dst), .proto(proto), .sport(sport), .dport(dport), .hash(hash));

string path;
integer fd, n = 0, errors = 0;
logic [31:0] v_src, v_dst, want;
logic [7:0]  v_proto;
logic [15:0] v_sport, v_dport;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%h %h %h %h %h %h\n", v_src, v_dst, v_proto, v_sport, v_dport, want) == 6) begin
        {src, dst, proto, sport, dport} = {v_src, v_dst, v_proto, v_sport, v_dport};
        #1;
        if (hash !== want) begin
            errors = errors + 1;
            if (errors <= 10)
                $display("vector %0d: %h %h %h %h %h: hash %h, want %h", n, src, dst, proto, sport, dport, hash, want);
        end
        n = n + 1;
    end
    $display("offload_flow_hash: %0d vectors, %0d mismatches", n, errors);
    if (n == 0 || errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
