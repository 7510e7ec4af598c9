// Bench of offload_rewrite: one line of vectors per packet (written by
// hw-rtl/tb/tests/rewrite.rs): NAT's source and destination rewrite enables, the
// protocol, ICMP type, TTL and L4 offset as the parser gives them, the session entry and
// the adjacency (the contract's entries, most significant bit first), the packet's first
// beat, and the beat software makes of it (sw-fallback's nat::apply, then ip4-rewrite's
// TTL decrement and L2 header). The module is combinational: each vector is driven, and
// all 512 bits out are checked. Run by `cargo test -p rtl-benches`.

`timescale 1ns / 1ps
`default_nettype none

module tb;

logic         nat_src = 0, nat_dst = 0;
logic [383:0] entry = 0;
logic [191:0] adj = 0;
logic [7:0]   proto = 0, icmp_type = 0, ttl = 0;
logic [6:0]   l4_offset = 0;
logic [511:0] data = 0;
wire  [511:0] out;

offload_rewrite dut (
    .data(data), .nat_src(nat_src), .nat_dst(nat_dst), .entry(entry), .adj(adj), .proto(proto),
    .icmp_type(icmp_type), .ttl(ttl), .l4_offset(l4_offset), .out(out)
);

string path, op, bytes;
integer fd, n = 0, nat = 0, errors = 0;
logic         v_src, v_dst;
logic [7:0]   v_proto, v_icmp, v_ttl;
logic [6:0]   v_l4o;
logic [383:0] v_entry;
logic [191:0] v_adj;
logic [511:0] v_data, v_want;

initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %s", path);
    while ($fscanf(fd, "%s", op) == 1) begin
        if (op != "R") $fatal(1, "unknown vector line %s", op);
        if ($fscanf(fd, "%h %h %h %h %h %h %h %h %h %h\n", v_src, v_dst, v_proto, v_icmp, v_ttl, v_l4o, v_entry,
                v_adj, v_data, v_want) != 10) $fatal(1, "bad R line %0d", n);
        {nat_src, nat_dst, proto, icmp_type, ttl, l4_offset} = {v_src, v_dst, v_proto, v_icmp, v_ttl, v_l4o};
        {entry, adj, data} = {v_entry, v_adj, v_data};
        #1;
        if (out !== v_want) begin
            errors++;
            if (errors <= 10) begin
                bytes = "";
                for (int b = 0; b < 64; b++)
                    if (out[8*b +: 8] !== v_want[8*b +: 8])
                        bytes = {bytes, $sformatf(" %0d:%h/%h", b, out[8*b +: 8], v_want[8*b +: 8])};
                $display("packet %0d (nat %b%b, proto %0d, icmp type %0d, ttl %0d): bytes (got/want)%s", n, v_src,
                    v_dst, v_proto, v_icmp, v_ttl, bytes);
            end
        end
        n++;
        nat += (v_src || v_dst) ? 1 : 0;
    end
    if (n == 0) $fatal(1, "no vectors in %s", path);
    $display("offload_rewrite: %0d packets (%0d with NAT), %0d mismatches", n, nat, errors);
    if (errors != 0) $fatal(1, "FAIL");
    $display("PASS");
    $finish;
end

endmodule
