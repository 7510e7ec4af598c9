// The egress segment: from the route's adjacency to where the packet goes, and the
// bytes it goes with. Two parts of fixed latency, each advancing while the next can
// take its packet, joined where they wait for the session lookups
// (offload_session_wait); the input (e0) is the skid buffer before it, read as the
// packet enters:
//
//   e0        the tx interface read, the output ACL's and the BVI L2 input ACL's
//             session keys into their lookups (offload_session_fetch, entries in
//             external memory behind each engine's AXI4 read port)
//   e1        the tx interface's entry; then the wait for the lookups
//   ea        those sessions' match; vxlan4-input's tunnel lookup, its interface read
//   eb        both ACLs' rule match (stage A); l2-input's L2 FIB lookup, the bridge
//             member's interface read
//   ec        the ACLs' verdicts, the decision (offload_decision), the header rewrite
//             and the VXLAN outer headers
//   ed        the output register: the destination in CTX_IN, the punt or loop-port
//             metadata in CTX_META, the headers to put in front in CTX_STASH

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
    // log2 session lookups in flight per engine
    parameter SESS_ROB_BITS = 8,
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

    // table writes (the interface table)
    input  wire [7:0]                    tbl_sel,
    // Waiver: the index is checked whole by the register block; the tables use its low bits.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0]                   tbl_index,
    input  wire                          tw,
    input  wire [511:0]                  tw_data,
    /* verilator lint_on UNUSEDSIGNAL */

    // the session tags (offload_session_mgmt): every engine's copy
    input  wire [SESS_BUCKET_BITS-1:0]   tag_bucket,
    input  wire                          tag_we,
    input  wire [127:0]                  tag_data,

    // the engines' AXI4 read ports (engine k at k * width)
    output wire [1:0]                    m_axi_arvalid,
    input  wire [1:0]                    m_axi_arready,
    output wire [2*(SESS_BUCKET_BITS+9)-1:0] m_axi_araddr,
    output wire [2*SESS_ROB_BITS-1:0]    m_axi_arid,
    output wire [2*8-1:0]                m_axi_arlen,
    output wire [2*3-1:0]                m_axi_arsize,
    output wire [2*2-1:0]                m_axi_arburst,
    input  wire [1:0]                    m_axi_rvalid,
    output wire [1:0]                    m_axi_rready,
    input  wire [2*512-1:0]              m_axi_rdata,
    input  wire [1:0]                    m_axi_rlast,
    input  wire [2*2-1:0]                m_axi_rresp,
    input  wire [2*SESS_ROB_BITS-1:0]    m_axi_rid,
    // lookups the memory answered with an error (pulses), for SESS_MEM_ERRORS
    output wire [1:0]                    mem_errors,

    // session hits to record (the output ACL, the BVI's L2 input ACL), as the packet leaves e1
    output wire [1:0]                    hit_set,
    output wire [2*SESS_BUCKET_BITS-1:0] hit_bucket,
    output wire [2*3-1:0]                hit_way,

    output wire                          busy
);

localparam SB = SESS_BUCKET_BITS;
localparam SESS_W = offload_pkg::SESS_BITS;

reg [CW-1:0] e1, eb, ec, ed;
reg v1 = 0, vb = 0, vc = 0, vd = 0;
// the two parts' advance: e0..e1 while the wait takes the packet and the engines its
// keys, ea..ed while the output is ready
wire wait_ready, keys_ready, va, wait_busy;
wire en1 = (!v1 || wait_ready) && (!s_valid || keys_ready);
wire en2 = !vd || m_ready;
assign s_ready = en1;
assign m_ctx = ed;
assign m_valid = vd;
assign busy = v1 || wait_busy || vb || vc || vd;
reg [CW-1:0] e1_out;
wire [CW-1:0] ea;

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
wire [NK-1:0] sk_ready, r_valid, r_ready, r_hit, sk_hit;
wire [NK*SB-1:0] r_bucket, w_bucket;
wire [NK*3-1:0] r_way, w_way;
wire [NK*SESS_W-1:0] r_entry, w_entry;
// Waiver: an engine's memory error answers a miss (software decides); the tags'
// read-back is the classifier's engines'.
/* verilator lint_off UNUSEDSIGNAL */
wire [NK-1:0] r_error;
wire [127:0] rb_tags_unused;
/* verilator lint_on UNUSEDSIGNAL */
wire [NK-1:0] sk_in = {NK{s_valid && en1}};
wire [NK-1:0] sk_skip = {NK{!s_ctx[`CTX_SOP]}};
offload_session_engines #(.NK(NK), .BUCKET_BITS(SB), .ROB_BITS(SESS_ROB_BITS)) lookups (
    .clk(clk), .rst(rst),
    .s_valid(sk_in), .s_ready(sk_ready), .s_key(sk_key), .s_skip(sk_skip),
    .m_valid(r_valid), .m_ready(r_ready), .m_hit(r_hit), .m_error(r_error), .m_bucket(r_bucket), .m_way(r_way),
    .m_entry(r_entry), .m_error_taken(mem_errors), .tag_bucket(tag_bucket), .tag_we(tag_we), .tag_data(tag_data), .tag_rb(rb_tags_unused),
    .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready), .m_axi_araddr(m_axi_araddr), .m_axi_arid(m_axi_arid),
    .m_axi_arlen(m_axi_arlen), .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst),
    .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready), .m_axi_rdata(m_axi_rdata), .m_axi_rlast(m_axi_rlast),
    .m_axi_rresp(m_axi_rresp), .m_axi_rid(m_axi_rid));
genvar gk;
assign keys_ready = &sk_ready;

// the wait: e1 -> ea with both answers
offload_session_wait #(.CW(CW), .NK(NK), .SB(SB), .DEPTH_BITS(SESS_ROB_BITS)) wait_a (
    .clk(clk), .rst(rst), .s_ctx(e1_out), .s_valid(v1 && (!s_valid || keys_ready)), .s_ready(wait_ready),
    .r_valid(r_valid), .r_ready(r_ready), .r_hit(r_hit), .r_bucket(r_bucket), .r_way(r_way), .r_entry(r_entry),
    .m_ctx(ea), .m_valid(va), .m_ready(en2), .m_hit(sk_hit), .m_bucket(w_bucket), .m_way(w_way), .m_entry(w_entry),
    .busy(wait_busy));
wire [SB-1:0] sk_bucket [0:NK-1];
wire [2:0] sk_way [0:NK-1];
// Waiver: of a reflexive ACL session's entry the TCP flags seen are used.
/* verilator lint_off UNUSEDSIGNAL */
wire [SESS_W-1:0] sk_entry [0:NK-1];
/* verilator lint_on UNUSEDSIGNAL */
generate
    for (gk = 0; gk < NK; gk = gk + 1) begin : answer
        assign sk_bucket[gk] = w_bucket[SB*gk +: SB];
        assign sk_way[gk] = w_way[3*gk +: 3];
        assign sk_entry[gk] = w_entry[SESS_W*gk +: SESS_W];
    end
endgenerate

// the tx interface's entry joins the context at e1
wire [IF_W-1:0] tx_if1;
always @* begin
    e1_out = e1;
    e1_out[`CTX_TXIF] = tx_if1;
end

// ---- ea..ec: vxlan4-input (LOCAL routes: the tunnel at ea, its interface read) and
// l2-input (at eb: on the BVI or the tunnel's interface, the L2 FIB, the bridge member's
// interface read); the answers at ec
// Waiver: the sw_if_index's low bits address the interface table (the range is checked);
// the beat, the adjacency and the tx interface are read in part (the VNI, MACs, flags).
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] vx_sw_a, l2_sw_b;
wire [511:0] data_a = ea[`CTX_DATA], data_b = eb[`CTX_DATA];
wire [191:0] adj_b = eb[`CTX_ADJ];
wire [IF_W-1:0] tx_if_a = ea[`CTX_TXIF];
/* verilator lint_on UNUSEDSIGNAL */
wire [IF_W-1:0] tx_if_b = eb[`CTX_TXIF], vx_if_b;
// Waiver: the bridge member's entry is read whole; the decision uses some of its fields.
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] member_if_c;
/* verilator lint_on UNUSEDSIGNAL */
// a route into a bridge: its BVI (not a LOCAL route, whose tx interface is no output)
function automatic bvi_route(input loc, input [15:0] tx_if_flags);
    bvi_route = !loc && (tx_if_flags & offload_pkg::IF_FLAG_BVI[15:0]) != 16'd0;
endfunction
wire bvi_a = bvi_route(ea[`CTX_LOC], tx_if_a[offload_pkg::IF_FLAGS_LSB +: 16]);
wire bvi_b = bvi_route(eb[`CTX_LOC], tx_if_b[offload_pkg::IF_FLAGS_LSB +: 16]);
wire [15:0] vx_sw_c, l2_sw_c;
wire vx_hit_c, vx_ain_c, l2_hit_c, l2_dgrp_c, l2_srcok_c, l2_range_c;
wire [7:0] l2_flags_c;
offload_l2_lookup #(.IF_BITS(IF_BITS), .L2FIB_BITS(L2FIB_BITS), .VXLAN_BITS(VXLAN_BITS)) l2_lookup (
    .clk(clk), .en(en2), .vxlan(vxlan), .l2fib(l2fib),
    .s8_src(ea[`CTX_SRC]), .s8_dst(ea[`CTX_DST]), .s8_vni({data_a[8*46 +: 8], data_a[8*47 +: 8], data_a[8*48 +: 8]}),
    .s8_tunnel_sw(vx_sw_a),
    .s9_bvi(bvi_b), .s9_bvi_if(tx_if_b), .s9_tunnel_if(vx_if_b),
    .s9_adj_macs(adj_b[offload_pkg::ADJ_REWRITE_LSB +: 96]), .s9_inner_macs(data_b[8*50 +: 96]),
    .s9_member_sw(l2_sw_b),
    .tunnel_hit(vx_hit_c), .tunnel_sw(vx_sw_c), .tunnel_acl_in(vx_ain_c), .l2_hit(l2_hit_c), .l2_group(l2_dgrp_c),
    .l2_src_ok(l2_srcok_c), .l2_sw(l2_sw_c), .l2_flags(l2_flags_c), .l2_in_range(l2_range_c));

// the interface table: the tx interface (read at e0, as the first part advances), the
// tunnel's (at ea) and the bridge member (at eb, as the second does); one copy per read,
// the classifier's copy answers the read-back
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] if_rb_unused, if_tx_rb_unused;
/* verilator lint_on UNUSEDSIGNAL */
wire if_we = offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_INTERFACE);
offload_ram #(.W(IF_W), .ADDR_BITS(IF_BITS), .REPLICAS(1)) if_tx_ram (
    .clk(clk), .a_we(if_we), .a_addr(tbl_index[IF_BITS-1:0]), .a_wdata(tw_data[IF_W-1:0]), .a_rdata(if_tx_rb_unused),
    .b_en(en1), .b_addr(tx_sw0[IF_BITS-1:0]), .b_rdata(tx_if1));
offload_ram #(.W(IF_W), .ADDR_BITS(IF_BITS), .REPLICAS(2)) if_ram (
    .clk(clk), .a_we(if_we), .a_addr(tbl_index[IF_BITS-1:0]), .a_wdata(tw_data[IF_W-1:0]), .a_rdata(if_rb_unused),
    .b_en(en2), .b_addr({l2_sw_b[IF_BITS-1:0], vx_sw_a[IF_BITS-1:0]}), .b_rdata({member_if_c, vx_if_b}));

// ---- eb..ec: the output ACL and the BVI's L2 input ACL (stage A at eb on the flow
// after NAT with the tx interface's lists, the verdicts at ec)
wire [15:0] ic_b = eb[`CTX_IC];
wire [7:0] proto_b = eb[`CTX_PROTO];
wire acl_l4_b = eb[`CTX_L4] || eb[`CTX_LEN] >= {9'd0, eb[`CTX_L4O]} + 16'd8;
wire [15:0] acl_sport_b = offload_util::acl_port(proto_b, ic_b[15:8], eb[`CTX_SPORT]);
wire [15:0] acl_dport_b = offload_util::acl_port(proto_b, ic_b[7:0], eb[`CTX_DPORT]);
wire [1:0] acl_match, acl_unsure;
wire [15:0] acl_action;
genvar ga;
generate
    for (ga = 0; ga < 2; ga = ga + 1) begin : acl
        // 0: the output ACL (the tx interface's output lists), 1: the BVI's input lists
        localparam LSB_START = ga == 0 ? offload_pkg::IF_ACL_OUT_START_LSB : offload_pkg::IF_ACL_IN_START_LSB;
        localparam LSB_COUNT = ga == 0 ? offload_pkg::IF_ACL_OUT_COUNT_LSB : offload_pkg::IF_ACL_IN_COUNT_LSB;
        offload_acl #(.RULE_BITS(RULE_BITS), .ACL_BITS(ACL_BITS), .LIST_BITS(ACL_LIST_BITS), .MAX_LISTS(ACL_MAX_LISTS)) acl (
            .clk(clk), .adv(en2), .rules(rules), .acls(acls), .lists(lists),
            .src(eb[`CTX_SRC]), .dst(eb[`CTX_DST]), .proto(proto_b), .sport(acl_sport_b), .dport(acl_dport_b),
            .tcp_flags(eb[`CTX_TCPF]), .l4_valid(acl_l4_b),
            .list_start(tx_if_b[LSB_START +: 16]), .list_count(tx_if_b[LSB_COUNT +: 16]),
            .match(acl_match[ga]), .action(acl_action[8*ga +: 8]), .unsure(acl_unsure[ga]));
    end
endgenerate

// ---- ea: the ACL sessions' answers. Hits to record, and TCP packets with a state flag
// a reflexive session has not seen from that side: software must see those (PuntReason
// TcpState).
wire [7:0] proto_a = ea[`CTX_PROTO], tcpf_a = ea[`CTX_TCPF];
wire tcp_a = proto_a == 8'd6 && ea[`CTX_L4];
wire aout_used_a = tx_if_a[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16] != 16'd0 && sk_hit[K_AOUT];
wire abvi_used_a = bvi_a && tx_if_a[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0 && sk_hit[K_ABVI];
wire tcpst_a = tcp_a && ((aout_used_a && offload_util::acl_new_flags(sk_entry[K_AOUT][offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b1, tcpf_a))
    || (abvi_used_a && offload_util::acl_new_flags(sk_entry[K_ABVI][offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b0, tcpf_a)));
wire rec_a = en2 && va && ea[`CTX_SOP] && !ea[`CTX_PUNT];
assign hit_set = {rec_a && abvi_used_a, rec_a && aout_used_a};
assign hit_bucket = {sk_bucket[K_ABVI], sk_bucket[K_AOUT]};
assign hit_way = {sk_way[K_ABVI], sk_way[K_AOUT]};

// ---- ec: the decision, the rewrite, the VXLAN outer headers
// Waiver: a tunnel entry is read whole (the decision and the encap use some of its
// fields), by the low bits of the member's tunnel index (the decision checks its range);
// of ICMP type and code the rewrite reads the type.
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] member_tunnel = member_if_c[offload_pkg::IF_VXLAN_TUNNEL_LSB +: 16];
wire [159:0] tun2 = vxlan[160*member_tunnel[VXLAN_BITS-1:0] +: 160];
wire [15:0] ic2 = ec[`CTX_IC];
/* verilator lint_on UNUSEDSIGNAL */
wire [511:0] data2 = ec[`CTX_DATA];
wire [63:0] meta2 = ec[`CTX_META];
wire [SESS_W-1:0] sess2 = ec[`CTX_SESS];
wire [3:0] dest2;
wire [63:0] tuser2;
wire fwd2, nat_src2, nat_dst2, decap2, encap2, put_back2;
offload_decision #(.N_PORTS(N_PORTS), .IF_BITS(IF_BITS), .VXLAN_BITS(VXLAN_BITS), .VXLAN_DECAP(VXLAN_DECAP)) decision (
    .in(ec[`CTX_IN]), .meta(meta2), .sw_if_index(ec[`CTX_SW]), .punt(ec[`CTX_PUNT]), .drop(ec[`CTX_DROP]),
    .reason(ec[`CTX_REASON]), .hits(ec[`CTX_HITS]), .direct(ec[`CTX_DIRECT]), .outer(ec[`CTX_OUTER]),
    .tcp_state(ec[`CTX_TCPST]), .nat_hit(ec[`CTX_NHIT]), .nat_flags(sess2[offload_pkg::SESS_FLAGS_LSB +: 16]),
    .fib(ec[`CTX_FIB]), .ip_len(ec[`CTX_IPLEN]), .len(ec[`CTX_LEN]), .l4_offset(ec[`CTX_L4O]),
    .proto(ec[`CTX_PROTO]), .l4_valid(ec[`CTX_L4]), .dport(ec[`CTX_DPORT]), .local_route(ec[`CTX_LOC]),
    .udp_csum(offload_util::be16(data2, 40)), .vxlan_i_flag(data2[8*42 + 3]),
    .adj(ec[`CTX_ADJ]), .tx_if(ec[`CTX_TXIF]), .member_if(member_if_c), .member_tunnel(tun2),
    .nat_enabled(nat_enabled), .partial(partial),
    .aout_hit(ec[`CTX_AOHIT]), .aout_match(acl_match[0]), .aout_action(acl_action[7:0]), .aout_unsure(acl_unsure[0]),
    .abvi_hit(ec[`CTX_ABHIT]), .abvi_match(acl_match[1]), .abvi_action(acl_action[15:8]), .abvi_unsure(acl_unsure[1]),
    .tunnel_hit(vx_hit_c), .tunnel_sw(vx_sw_c), .tunnel_acl_in(vx_ain_c), .l2_hit(l2_hit_c), .l2_group(l2_dgrp_c),
    .l2_src_ok(l2_srcok_c), .l2_sw(l2_sw_c), .l2_flags(l2_flags_c), .l2_in_range(l2_range_c),
    .dest(dest2), .tuser(tuser2), .rewrite(fwd2), .nat_src(nat_src2), .nat_dst(nat_dst2),
    .decap(decap2), .encap(encap2), .second_punt(put_back2));
wire [511:0] rewritten2;
offload_rewrite rewrite (
    .data(data2), .nat_src(nat_src2), .nat_dst(nat_dst2), .entry(sess2), .adj(ec[`CTX_ADJ]),
    .proto(ec[`CTX_PROTO]), .icmp_type(ic2[15:8]), .ttl(ec[`CTX_TTL]), .l4_offset(ec[`CTX_L4O]), .out(rewritten2));
wire [399:0] encap_hdr2;
offload_vxlan_encap vxlan_encap (.tunnel(tun2), .flow_hash(ec[`CTX_HASH]), .inner_len(ec[`CTX_LEN]), .hdr(encap_hdr2));

always @(posedge clk) begin
    if (en1) begin
        v1 <= s_valid;
        e1 <= s_ctx;
    end
    if (en2) begin
        vb <= va;
        vc <= vb;
        vd <= vc;

        // ea -> eb: the ACL sessions' answers
        eb <= ea;
        eb[`CTX_AOHIT] <= sk_hit[K_AOUT];
        eb[`CTX_ABHIT] <= sk_hit[K_ABVI];
        eb[`CTX_TCPST] <= ea[`CTX_TCPST] || tcpst_a;

        ec <= eb;

        // ec -> ed: the output register (only a packet's first beat holds headers to
        // rewrite; the output stage takes the destination and metadata from it)
        ed <= ec;
        ed[`CTX_DATA] <= fwd2 && ec[`CTX_SOP] ? rewritten2 : data2;
        ed[`CTX_IN] <= dest2;
        ed[`CTX_META] <= tuser2;
        ed[`CTX_STASH] <= decap2 ? data2[0 +: 400] : encap2 ? encap_hdr2 : ec[`CTX_STASH];
        ed[`CTX_PUT_BACK] <= put_back2;
    end
    if (rst) begin
        v1 <= 1'b0;
        vb <= 1'b0;
        vc <= 1'b0;
        vd <= 1'b0;
    end
end

endmodule

`resetall
