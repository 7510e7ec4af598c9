// Bench of offload_vxlan_encap: one line of vectors per packet (written by
// hw-rtl/tb/tests/vxlan_encap.rs): the tunnel entry (the contract's, most significant bit
// first), the inner flow's hash and the inner frame's length, and the 50 bytes of outer
// headers software writes for them (sw-fallback's wire::vxlan::outer_headers, byte 0 in
// the low bits). The module is combinational: each vector is driven, and all 400 bits
// out are checked. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

module tb;

logic [159:0] tunnel = 0;
logic [31:0]  flow_hash = 0;
logic [15:0]  inner_len = 0;
wire  [399:0] hdr;

offload_vxlan_encap dut (.tunnel(tunnel), .flow_hash(flow_hash), .inner_len(inner_len), .hdr(hdr));

string path, op, bytes;
integer fd, n = 0, errors = 0;
logic [159:0] v_tunnel;
logic [31:0]  v_hash;
logic [15:0]  v_len;
logic [399:0] v_want;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op != "V") $fatal(1, "unknown vector line %s", op);
        if ($fscanf(fd, "%h %h %h %h\n", v_tunnel, v_hash, v_len, v_want) != 4) $fatal(1, "bad V line %0d", n);
        {tunnel, flow_hash, inner_len} = {v_tunnel, v_hash, v_len};
        #1;
        if (hdr !== v_want) begin
            errors++;
            if (errors <= 10) begin
                bytes = "";
                for (int b = 0; b < 50; b++)
                    if (hdr[8*b +: 8] !== v_want[8*b +: 8])
                        bytes = {bytes, $sformatf(" %0d:%h/%h", b, hdr[8*b +: 8], v_want[8*b +: 8])};
                $display("packet %0d (inner length %0d, hash %h): bytes (got/want)%s", n, v_len, v_hash, bytes);
            end
        end
        n++;
    end
    if (n == 0) $fatal(1, "no vectors in %s", path);
    $display("offload_vxlan_encap: %0d packets, %0d mismatches", n, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
