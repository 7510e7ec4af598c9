// Bench of offload_session_hash: vectors (key, tag, b1, b2) from the contract's
// reference (offload_tables::session: hash_key, tag_of, buckets_of), written by
// hw-rtl/tb/tests/benches.rs; every output checked. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

module tb;

parameter BUCKET_BITS = 11;

logic [127:0] key = 0;
wire  [15:0]  tag;
wire  [BUCKET_BITS-1:0] b1, b2;

offload_session_hash #(.BUCKET_BITS(BUCKET_BITS)) dut (.key(key), .tag(tag), .b1(b1), .b2(b2));

string path;
integer fd, n = 0, errors = 0;
logic [127:0] k;
logic [15:0] want_tag;
logic [31:0] want_b1, want_b2;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%h %h %h %h\n", k, want_tag, want_b1, want_b2) == 4) begin
        key = k;
        #1;
        if (tag !== want_tag || {{(32-BUCKET_BITS){1'b0}}, b1} !== want_b1 || {{(32-BUCKET_BITS){1'b0}}, b2} !== want_b2) begin
            errors = errors + 1;
            if (errors <= 10)
                $display("vector %0d: key %h: tag %h b1 %h b2 %h, want %h %h %h", n, k, tag, b1, b2, want_tag, want_b1, want_b2);
        end
        n = n + 1;
    end
    $display("offload_session_hash: %0d vectors, %0d mismatches", n, errors);
    if (n == 0 || errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
