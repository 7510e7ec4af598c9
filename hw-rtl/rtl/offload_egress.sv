// The egress segment: from the route's adjacency to where the packet goes, and the
// bytes it goes with. Fixed latency, three stage registers (e1..e3, the packet
// context of offload_ctx), advancing together while the output (a skid buffer) is
// ready; the input (e0) is the skid buffer before it, read as the packet enters:
//
//   e0  the tx interface and the tunnel interface read, the output ACL's and the BVI
//       L2 input ACL's session keys into their lookups; vxlan4-input's tunnel lookup
//   e1  those sessions' match, both ACLs' rule match (stage A); l2-input's L2 FIB
//       lookup, the bridge member's interface read
//   e2  the ACLs' verdicts, the decision (offload_decision), the header rewrite and the
//       VXLAN outer headers
//   e3  the output register: the destination in CTX_IN, the punt or loop-port
//       metadata in CTX_META, the headers to put in front in CTX_STASH

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_egress #
(
    parameter N_PORTS = 2,
    parameter IF_BITS = 4,
    parameter ACL_LIST_BITS = 4,
    parameter ACL_BITS = 4,
    parameter RULE_BITS = 5,
    parameter ACL_MAX_LISTS = 4,
    parameter SESS_BUCKET_BITS = 11,
    parameter L2FIB_BITS = 5,
    parameter VXLAN_BITS = 3,
    parameter VXLAN_DECAP = 1,
    parameter CW = offload_ctx::W,
    parameter IF_W = offload_pkg::IF_BITS
)
(
    input  wire                          clk,
    input  wire                          rst,

    input  wire [CW-1:0]                 s_ctx,
    input  wire                          s_valid,
    output wire                          s_ready,

    output wire [CW-1:0]                 m_ctx,
    output wire                          m_valid,
    input  wire                          m_ready,

    // configuration
    input  wire                          partial,
    input  wire                          nat_enabled,
    input  wire [(2**VXLAN_BITS)*160-1:0] vxlan,
    input  wire [(2**L2FIB_BITS)*128-1:0] l2fib,
    input  wire [(2**RULE_BITS)*176-1:0] rules,
    input  wire [(2**ACL_BITS)*48-1:0]   acls,
    input  wire [(2**ACL_LIST_BITS)*32-1:0] lists,

    // table writes (the interface table, the session table)
    input  wire [7:0]                    tbl_sel,
    // Waiver: the index is checked whole by the register block; the tables use its low bits.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0]                   tbl_index,
    input  wire                          tw,
    input  wire [511:0]                  tw_data,
    /* verilator lint_on UNUSEDSIGNAL */

    // session hits to record (the output ACL, the BVI's L2 input ACL), as the packet leaves e1
    output wire [1:0]                    hit_set,
    output wire [2*SESS_BUCKET_BITS-1:0] hit_bucket,
    output wire [2*3-1:0]                hit_way,

    output wire                          busy
);

localparam SB = SESS_BUCKET_BITS;
localparam SESS_W = offload_pkg::SESS_BITS;

reg [CW-1:0] e1, e2, e3;
reg v1 = 0, v2 = 0, v3 = 0;
wire en = !v3 || m_ready;
assign s_ready = en;
assign m_ctx = e3;
assign m_valid = v3;
assign busy = v1 || v2 || v3;

// ---- e0: the tx interface, the ACL sessions' keys, the tunnel
// Waiver: the beat and the adjacency are read in part (the tx interface, MACs, the VNI).
/* verilator lint_off UNUSEDSIGNAL */
wire [191:0] adj0 = s_ctx[`CTX_ADJ];
wire [15:0] tx_sw0 = adj0[offload_pkg::ADJ_SW_IF_INDEX_LSB +: 16];
wire [31:0] src0 = s_ctx[`CTX_SRC], dst0 = s_ctx[`CTX_DST];
wire [15:0] sport0 = s_ctx[`CTX_SPORT], dport0 = s_ctx[`CTX_DPORT];
wire [7:0] proto0 = s_ctx[`CTX_PROTO];
wire [511:0] data0 = s_ctx[`CTX_DATA];
/* verilator lint_on UNUSEDSIGNAL */
// the output ACL's reflexive session: on the tx interface, the flow swapped; the BVI's
// L2 input ACL's (a route into the bridge): the flow as it is, on the BVI
wire [127:0] key_aout = offload_util::skey(dst0, src0, dport0, sport0, proto0, offload_pkg::SESSION_KIND_ACL[7:0], tx_sw0);
wire [127:0] key_abvi = offload_util::skey(src0, dst0, sport0, dport0, proto0, offload_pkg::SESSION_KIND_ACL[7:0], tx_sw0);

localparam NK = 2;
localparam K_AOUT = 0, K_ABVI = 1;
wire [NK*128-1:0] sk_key = {key_abvi, key_aout};
wire [NK-1:0] sk_hit;
wire [SB-1:0] sk_bucket [0:NK-1];
wire [2:0] sk_way [0:NK-1];
// Waiver: of a reflexive ACL session's entry the TCP flags seen are used; the read-back
// is the classifier's.
/* verilator lint_off UNUSEDSIGNAL */
wire [SESS_W-1:0] sk_entry [0:NK-1];
wire [SESS_W-1:0] sk_rb_entry [0:NK-1];
wire [127:0] sk_rb_tags [0:NK-1];
/* verilator lint_on UNUSEDSIGNAL */
genvar gk;
generate
    for (gk = 0; gk < NK; gk = gk + 1) begin : session
        offload_session #(.BUCKET_BITS(SB)) lookup (
            .clk(clk), .en(en), .key(sk_key[128*gk +: 128]),
            .tbl_sel(tbl_sel), .tbl_index(tbl_index), .tw(tw), .tw_data(tw_data),
            .rb_entry(sk_rb_entry[gk]), .rb_tags(sk_rb_tags[gk]),
            .hit(sk_hit[gk]), .hit_bucket(sk_bucket[gk]), .hit_way(sk_way[gk]), .entry(sk_entry[gk]));
    end
endgenerate

// vxlan4-input (LOCAL routes) and l2-input
// Waiver: the sw_if_index's low bits address the interface table (the range is checked).
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] vx_sw0, l2_sw1;
/* verilator lint_on UNUSEDSIGNAL */
wire [IF_W-1:0] tx_if1, vx_if1;
// Waiver: the bridge member's entry is read whole; the decision uses some of its fields.
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] member_if2;
/* verilator lint_on UNUSEDSIGNAL */
wire bvi1 = !e1[`CTX_LOC] && (tx_if1[offload_pkg::IF_FLAGS_LSB +: 16] & offload_pkg::IF_FLAG_BVI[15:0]) != 16'd0;
/* verilator lint_off UNUSEDSIGNAL */
wire [191:0] adj1 = e1[`CTX_ADJ];
wire [511:0] data1 = e1[`CTX_DATA];
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] vx_sw2, l2_sw2;
wire vx_hit2, vx_ain2, l2_hit2, l2_dgrp2, l2_srcok2, l2_range2;
wire [7:0] l2_flags2;
offload_l2_lookup #(.IF_BITS(IF_BITS), .L2FIB_BITS(L2FIB_BITS), .VXLAN_BITS(VXLAN_BITS)) l2_lookup (
    .clk(clk), .en(en), .vxlan(vxlan), .l2fib(l2fib),
    .s8_src(src0), .s8_dst(dst0), .s8_vni({data0[8*46 +: 8], data0[8*47 +: 8], data0[8*48 +: 8]}),
    .s8_tunnel_sw(vx_sw0),
    .s9_bvi(bvi1), .s9_bvi_if(tx_if1), .s9_tunnel_if(vx_if1),
    .s9_adj_macs(adj1[offload_pkg::ADJ_REWRITE_LSB +: 96]), .s9_inner_macs(data1[8*50 +: 96]),
    .s9_member_sw(l2_sw1),
    .tunnel_hit(vx_hit2), .tunnel_sw(vx_sw2), .tunnel_acl_in(vx_ain2), .l2_hit(l2_hit2), .l2_group(l2_dgrp2),
    .l2_src_ok(l2_srcok2), .l2_sw(l2_sw2), .l2_flags(l2_flags2), .l2_in_range(l2_range2));

// the interface table: the tx interface and the tunnel's (read at e0), the bridge member
// (read at e1); one copy per read, the classifier's copy answers the read-back
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] if_rb_unused;
/* verilator lint_on UNUSEDSIGNAL */
offload_ram #(.W(IF_W), .ADDR_BITS(IF_BITS), .REPLICAS(3)) if_ram (
    .clk(clk), .a_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_INTERFACE)),
    .a_addr(tbl_index[IF_BITS-1:0]), .a_wdata(tw_data[IF_W-1:0]), .a_rdata(if_rb_unused), .b_en(en),
    .b_addr({l2_sw1[IF_BITS-1:0], vx_sw0[IF_BITS-1:0], tx_sw0[IF_BITS-1:0]}),
    .b_rdata({member_if2, vx_if1, tx_if1}));

// ---- e1..e2: the output ACL and the BVI's L2 input ACL (stage A at e1 on the flow
// after NAT with the tx interface's lists, the verdicts at e2)
wire [15:0] ic1 = e1[`CTX_IC];
wire [7:0] proto1 = e1[`CTX_PROTO];
wire acl_l4_1 = e1[`CTX_L4] || e1[`CTX_LEN] >= {9'd0, e1[`CTX_L4O]} + 16'd8;
wire [15:0] acl_sport1 = offload_util::acl_port(proto1, ic1[15:8], e1[`CTX_SPORT]);
wire [15:0] acl_dport1 = offload_util::acl_port(proto1, ic1[7:0], e1[`CTX_DPORT]);
wire [1:0] acl_match, acl_unsure;
wire [15:0] acl_action;
genvar ga;
generate
    for (ga = 0; ga < 2; ga = ga + 1) begin : acl
        // 0: the output ACL (the tx interface's output lists), 1: the BVI's input lists
        localparam LSB_START = ga == 0 ? offload_pkg::IF_ACL_OUT_START_LSB : offload_pkg::IF_ACL_IN_START_LSB;
        localparam LSB_COUNT = ga == 0 ? offload_pkg::IF_ACL_OUT_COUNT_LSB : offload_pkg::IF_ACL_IN_COUNT_LSB;
        offload_acl #(.RULE_BITS(RULE_BITS), .ACL_BITS(ACL_BITS), .LIST_BITS(ACL_LIST_BITS), .MAX_LISTS(ACL_MAX_LISTS)) acl (
            .clk(clk), .adv(en), .rules(rules), .acls(acls), .lists(lists),
            .src(e1[`CTX_SRC]), .dst(e1[`CTX_DST]), .proto(proto1), .sport(acl_sport1), .dport(acl_dport1),
            .tcp_flags(e1[`CTX_TCPF]), .l4_valid(acl_l4_1),
            .list_start(tx_if1[LSB_START +: 16]), .list_count(tx_if1[LSB_COUNT +: 16]),
            .match(acl_match[ga]), .action(acl_action[8*ga +: 8]), .unsure(acl_unsure[ga]));
    end
endgenerate

// Hits to record, and TCP packets with a state flag a reflexive session has not seen
// from that side: software must see those (PuntReason TcpState).
wire s1_tcp = proto1 == 8'd6 && e1[`CTX_L4];
wire [7:0] tcpf1 = e1[`CTX_TCPF];
wire s1_aout_used = tx_if1[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16] != 16'd0 && sk_hit[K_AOUT];
wire s1_abvi_used = bvi1 && tx_if1[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0 && sk_hit[K_ABVI];
wire s1_tcpst = s1_tcp && ((s1_aout_used && offload_util::acl_new_flags(sk_entry[K_AOUT][offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b1, tcpf1))
    || (s1_abvi_used && offload_util::acl_new_flags(sk_entry[K_ABVI][offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b0, tcpf1)));
wire s1_rec = en && v1 && e1[`CTX_SOP] && !e1[`CTX_PUNT];
assign hit_set = {s1_rec && s1_abvi_used, s1_rec && s1_aout_used};
assign hit_bucket = {sk_bucket[K_ABVI], sk_bucket[K_AOUT]};
assign hit_way = {sk_way[K_ABVI], sk_way[K_AOUT]};

// ---- e2: the decision, the rewrite, the VXLAN outer headers
// Waiver: a tunnel entry is read whole (the decision and the encap use some of its
// fields), by the low bits of the member's tunnel index (the decision checks its range);
// of ICMP type and code the rewrite reads the type.
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] member_tunnel = member_if2[offload_pkg::IF_VXLAN_TUNNEL_LSB +: 16];
wire [159:0] tun2 = vxlan[160*member_tunnel[VXLAN_BITS-1:0] +: 160];
wire [15:0] ic2 = e2[`CTX_IC];
/* verilator lint_on UNUSEDSIGNAL */
wire [511:0] data2 = e2[`CTX_DATA];
wire [63:0] meta2 = e2[`CTX_META];
wire [SESS_W-1:0] sess2 = e2[`CTX_SESS];
wire [3:0] dest2;
wire [63:0] tuser2;
wire fwd2, nat_src2, nat_dst2, decap2, encap2, put_back2;
offload_decision #(.N_PORTS(N_PORTS), .IF_BITS(IF_BITS), .VXLAN_BITS(VXLAN_BITS), .VXLAN_DECAP(VXLAN_DECAP)) decision (
    .in(e2[`CTX_IN]), .meta(meta2), .sw_if_index(e2[`CTX_SW]), .punt(e2[`CTX_PUNT]), .drop(e2[`CTX_DROP]),
    .reason(e2[`CTX_REASON]), .hits(e2[`CTX_HITS]), .direct(e2[`CTX_DIRECT]), .outer(e2[`CTX_OUTER]),
    .tcp_state(e2[`CTX_TCPST]), .nat_hit(e2[`CTX_NHIT]), .nat_flags(sess2[offload_pkg::SESS_FLAGS_LSB +: 16]),
    .fib(e2[`CTX_FIB]), .ip_len(e2[`CTX_IPLEN]), .len(e2[`CTX_LEN]), .l4_offset(e2[`CTX_L4O]),
    .proto(e2[`CTX_PROTO]), .l4_valid(e2[`CTX_L4]), .dport(e2[`CTX_DPORT]), .local_route(e2[`CTX_LOC]),
    .udp_csum(offload_util::be16(data2, 40)), .vxlan_i_flag(data2[8*42 + 3]),
    .adj(e2[`CTX_ADJ]), .tx_if(e2[`CTX_TXIF]), .member_if(member_if2), .member_tunnel(tun2),
    .nat_enabled(nat_enabled), .partial(partial),
    .aout_hit(e2[`CTX_AOHIT]), .aout_match(acl_match[0]), .aout_action(acl_action[7:0]), .aout_unsure(acl_unsure[0]),
    .abvi_hit(e2[`CTX_ABHIT]), .abvi_match(acl_match[1]), .abvi_action(acl_action[15:8]), .abvi_unsure(acl_unsure[1]),
    .tunnel_hit(vx_hit2), .tunnel_sw(vx_sw2), .tunnel_acl_in(vx_ain2), .l2_hit(l2_hit2), .l2_group(l2_dgrp2),
    .l2_src_ok(l2_srcok2), .l2_sw(l2_sw2), .l2_flags(l2_flags2), .l2_in_range(l2_range2),
    .dest(dest2), .tuser(tuser2), .rewrite(fwd2), .nat_src(nat_src2), .nat_dst(nat_dst2),
    .decap(decap2), .encap(encap2), .second_punt(put_back2));
wire [511:0] rewritten2;
offload_rewrite rewrite (
    .data(data2), .nat_src(nat_src2), .nat_dst(nat_dst2), .entry(sess2), .adj(e2[`CTX_ADJ]),
    .proto(e2[`CTX_PROTO]), .icmp_type(ic2[15:8]), .ttl(e2[`CTX_TTL]), .l4_offset(e2[`CTX_L4O]), .out(rewritten2));
wire [399:0] encap_hdr2;
offload_vxlan_encap vxlan_encap (.tunnel(tun2), .flow_hash(e2[`CTX_HASH]), .inner_len(e2[`CTX_LEN]), .hdr(encap_hdr2));

always @(posedge clk) begin
    if (en) begin
        v1 <= s_valid;
        v2 <= v1;
        v3 <= v2;
        e1 <= s_ctx;

        // e1 -> e2: the ACL sessions' answers, the tx interface
        e2 <= e1;
        e2[`CTX_AOHIT] <= sk_hit[K_AOUT];
        e2[`CTX_ABHIT] <= sk_hit[K_ABVI];
        e2[`CTX_TCPST] <= e1[`CTX_TCPST] || s1_tcpst;
        e2[`CTX_TXIF] <= tx_if1;

        // e2 -> e3: the output register (only a packet's first beat holds headers to
        // rewrite; the output stage takes the destination and metadata from it)
        e3 <= e2;
        e3[`CTX_DATA] <= fwd2 && e2[`CTX_SOP] ? rewritten2 : data2;
        e3[`CTX_IN] <= dest2;
        e3[`CTX_META] <= tuser2;
        e3[`CTX_STASH] <= decap2 ? data2[0 +: 400] : encap2 ? encap_hdr2 : e2[`CTX_STASH];
        e3[`CTX_PUT_BACK] <= put_back2;
    end
    if (rst) begin
        v1 <= 1'b0;
        v2 <= 1'b0;
        v3 <= 1'b0;
    end
end

endmodule

`resetall
