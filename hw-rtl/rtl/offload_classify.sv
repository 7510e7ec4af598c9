// The classify segment: a packet from the arbiter to its flow after NAT. Three parts of
// fixed latency, each advancing while the next can take its packet, joined where they
// wait for session lookups (offload_session_wait, as long as the memory takes):
//
//   c0        parse (ip4-input), the rx interface read, the NAT-address key into its
//             session lookup
//   c1        the parse and the interface entry; then the wait for the lookup
//   ca        interface checks, NAT's keys and the input ACL's reflexive session key
//             into their lookups, the input ACL's rule match (its stage A)
//   cb1       the checks' and the rule match's results; then the wait for the lookups
//   cb        session match, NAT's rewrite of the flow, the input ACL's verdict
//   c3        the output register: the flow after NAT, punt or drop so far
//
// Session lookups: one offload_session_fetch per key (tags on chip, one copy each,
// written through the session table's management port; entries in external memory
// behind each engine's AXI4 read port m_axi_*[k]). What the stages decide, and in which
// order, is software's (hw-rtl/README.md).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_classify #
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
    parameter FIB_BITS = 1,
    parameter VXLAN_BITS = 3,
    parameter CW = offload_ctx::W,
    parameter IF_W = offload_pkg::IF_BITS,
    parameter SESS_W = offload_pkg::SESS_BITS
)
(
    input  wire                          clk,
    input  wire                          rst,

    // from the arbiter (the context's beat and arbiter fields; the rest zero)
    input  wire [CW-1:0]                 s_ctx,
    input  wire                          s_valid,
    output wire                          s_ready,

    output wire [CW-1:0]                 m_ctx,
    output wire                          m_valid,
    input  wire                          m_ready,

    // configuration
    input  wire                          enabled,      // CONTROL.ENABLE
    input  wire                          partial,      // CONTROL.SESSIONS_PARTIAL
    input  wire                          nat_enabled,
    input  wire [N_PORTS*16-1:0]         port_map,
    input  wire [(2**VXLAN_BITS)*160-1:0] vxlan,
    input  wire [(2**RULE_BITS)*176-1:0] rules,
    input  wire [(2**ACL_BITS)*48-1:0]   acls,
    input  wire [(2**ACL_LIST_BITS)*32-1:0] lists,

    // table writes (the interface table) and their read-back
    input  wire [7:0]                    tbl_sel,
    // Waiver: the index is checked whole by the register block; the tables use its low bits.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0]                   tbl_index,
    input  wire                          tw,
    input  wire [511:0]                  tw_data,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [IF_W-1:0]               if_rb,

    // the session tags (offload_session_mgmt): every engine's copy, engine 0's read-back
    input  wire [SESS_BUCKET_BITS-1:0]   tag_bucket,
    input  wire                          tag_we,
    input  wire [127:0]                  tag_data,
    output wire [127:0]                  tag_rb,

    // the engines' AXI4 read ports (engine k at k * width), entries in external memory
    output wire [3:0]                    m_axi_arvalid,
    input  wire [3:0]                    m_axi_arready,
    output wire [4*(SESS_BUCKET_BITS+9)-1:0] m_axi_araddr,
    output wire [4*SESS_ROB_BITS-1:0]    m_axi_arid,
    output wire [4*8-1:0]                m_axi_arlen,
    output wire [4*3-1:0]                m_axi_arsize,
    output wire [4*2-1:0]                m_axi_arburst,
    input  wire [3:0]                    m_axi_rvalid,
    output wire [3:0]                    m_axi_rready,
    input  wire [4*512-1:0]              m_axi_rdata,
    input  wire [3:0]                    m_axi_rlast,
    input  wire [4*2-1:0]                m_axi_rresp,
    input  wire [4*SESS_ROB_BITS-1:0]    m_axi_rid,
    // lookups the memory answered with an error (pulses), for SESS_MEM_ERRORS
    output wire [3:0]                    mem_errors,

    // session hits to record (NAT, the input ACL), as the packet leaves c2
    output wire [1:0]                    hit_set,
    output wire [2*SESS_BUCKET_BITS-1:0] hit_bucket,
    output wire [2*3-1:0]                hit_way,

    // events for the counters: a packet taken from a wire (c0), NAT's lookup (c2)
    output wire                          ev_rx,
    output wire [3:0]                    ev_rx_port,
    output wire                          ev_nat,
    output wire                          ev_nat_hit,

    output wire                          busy
);

localparam [3:0] IN_RECIRC = offload_util::in_loop(N_PORTS);
localparam [7:0] PUNT_EXC = offload_pkg::PUNT_EXCEPTION[7:0];
localparam SB = SESS_BUCKET_BITS;

reg [CW-1:0] c0, c1, cb1, c3;
reg v0 = 0, v1 = 0, vb1 = 0, v3 = 0;
// the three parts' advance: each while the wait (or the output) after it takes its
// packet and the engines take the keys it puts in
wire [CW-1:0] ca, cb;
wire va, vb, wait_a_ready, wait_b_ready, wait_a_busy, wait_b_busy;
wire ext_key_ready, ab_keys_ready;
wire en1 = (!v1 || wait_a_ready) && (!v0 || ext_key_ready);
wire en2 = (!vb1 || wait_b_ready) && (!va || ab_keys_ready);
wire en3 = !v3 || m_ready;
assign s_ready = en1;
assign m_ctx = c3;
assign m_valid = v3;
assign busy = v0 || v1 || wait_a_busy || vb1 || wait_b_busy || v3;
reg [CW-1:0] c1_out, cb1_out;

// ---- c0: parse
wire [15:0] s0_sw, s0_sport, s0_dport, s0_ic, s0_tlen;
wire s0_direct, s0_exc, s0_l4;
wire [7:0] s0_proto, s0_tcpf, s0_ttl;
wire [31:0] s0_src, s0_dst;
wire [6:0] s0_l4o;
wire [63:0] meta0 = c0[`CTX_META];
offload_parse #(.N_PORTS(N_PORTS)) parse (
    .data(c0[`CTX_DATA]), .len(c0[`CTX_LEN]), .in(c0[`CTX_IN]), .meta(meta0), .port_map(port_map),
    .sw_if_index(s0_sw), .direct(s0_direct), .exception(s0_exc), .proto(s0_proto), .src(s0_src), .dst(s0_dst),
    .sport(s0_sport), .dport(s0_dport), .icmp(s0_ic), .tcp_flags(s0_tcpf), .ttl(s0_ttl), .ip_len(s0_tlen),
    .l4_offset(s0_l4o), .l4_valid(s0_l4));
// the outer packet of an encap: its tunnel's load-balance and encap FIB
wire s0_outer = c0[`CTX_IN] == IN_RECIRC && meta0[offload_util::LM_OUTER];
// Waiver: tunnel entries are read whole; the outer packet uses two of their fields.
/* verilator lint_off UNUSEDSIGNAL */
wire [159:0] s0_tun = vxlan[160*meta0[offload_util::LM_TUNNEL +: VXLAN_BITS] +: 160];
/* verilator lint_on UNUSEDSIGNAL */

// the rx interface (read at c0, the entry at c1)
wire [IF_W-1:0] ife1;
offload_ram #(.W(IF_W), .ADDR_BITS(IF_BITS), .REPLICAS(1)) if_ram (
    .clk(clk), .a_we(offload_util::table_write(tw, tbl_sel, offload_pkg::TBL_INTERFACE)), .a_addr(tbl_index[IF_BITS-1:0]),
    .a_wdata(tw_data[IF_W-1:0]), .a_rdata(if_rb), .b_en(en1), .b_addr(s0_sw[IF_BITS-1:0]), .b_rdata(ife1));

always @* begin
    c1_out = c1;
    c1_out[`CTX_IFE] = ife1;
end

// ---- ca: interface checks
// Waiver: the interface entry is read whole; the checks, NAT and the ACL use some fields.
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] ifa = ca[`CTX_IFE];
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] if1_flags = ifa[offload_pkg::IF_FLAGS_LSB +: 16];
wire [7:0]  if1_kind = ifa[offload_pkg::IF_KIND_LSB +: 8];
wire [3:0]  in1 = ca[`CTX_IN];
wire [15:0] sw1 = ca[`CTX_SW];
wire [31:0] src1 = ca[`CTX_SRC], dst1 = ca[`CTX_DST];
wire [15:0] sport1 = ca[`CTX_SPORT], dport1 = ca[`CTX_DPORT], ic1 = ca[`CTX_IC];
wire [7:0]  proto1 = ca[`CTX_PROTO];
// (l2-fwd hands the loop port's packets to ip4-input on the BVI, past receive's checks)
wire if1_loop = in1 == IN_RECIRC;
wire if1_bad = if1_kind == 8'd0 || ((if1_flags & offload_pkg::IF_FLAG_UP[15:0]) == 16'd0 && !if1_loop)
    || ((if1_flags & offload_pkg::IF_FLAG_L2[15:0]) != 16'd0 && !if1_loop)
    || (sw1 >> IF_BITS) != 16'd0;

// ---- c0..cb: NAT (the keys at c0 and ca, the answers at ca and cb)
wire s1_ext, s1_nat, s1_natbad;
wire [15:0] fib1;
wire [127:0] key_ext, key0, key1;
wire nat0_hit, nat1_hit, s2_hit;
wire [SESS_W-1:0] nat0_e, nat1_e, s2_entry;
wire [31:0] s2_src, s2_dst;
wire [15:0] s2_sport, s2_dport;
// Waiver: of ICMP type and code, NAT reads the type.
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] ic2 = cb[`CTX_IC];
/* verilator lint_on UNUSEDSIGNAL */
offload_nat nat (
    .nat_enabled(nat_enabled), .partial(partial),
    .s0_dst(s0_dst), .s0_key_ext(key_ext),
    .s1_ext(s1_ext), .s1_if_flags(if1_flags), .s1_if_fib(ifa[offload_pkg::IF_FIB_INDEX_LSB +: 16]),
    .s1_outer(ca[`CTX_OUTER]), .s1_outer_fib(ca[`CTX_OFIB]), .s1_src(src1), .s1_dst(dst1), .s1_sport(sport1),
    .s1_dport(dport1), .s1_proto(proto1), .s1_icmp_type(ic1[15:8]), .s1_l4_valid(ca[`CTX_L4]),
    .s1_fib(fib1), .s1_key0(key0), .s1_key1(key1), .s1_lookup(s1_nat), .s1_software(s1_natbad),
    .s2_lookup(cb[`CTX_NAT]), .s2_outer(cb[`CTX_OUTER]), .s2_hit0(nat0_hit), .s2_entry0(nat0_e),
    .s2_hit1(nat1_hit), .s2_entry1(nat1_e), .s2_src(cb[`CTX_SRC]), .s2_dst(cb[`CTX_DST]),
    .s2_sport(cb[`CTX_SPORT]), .s2_dport(cb[`CTX_DPORT]), .s2_proto(cb[`CTX_PROTO]), .s2_icmp_type(ic2[15:8]),
    .s2_hit(s2_hit), .s2_entry(s2_entry), .s2_new_src(s2_src), .s2_new_dst(s2_dst), .s2_new_sport(s2_sport),
    .s2_new_dport(s2_dport));

// reflexive ACL session of the input ACL: the packet's flow as it is (acl.rs session_key)
wire [127:0] key_ain = offload_util::skey(src1, dst1, sport1, dport1, proto1,
    offload_pkg::SESSION_KIND_ACL[7:0], sw1);

// session lookups: the NAT address (in at c0, answered at ca), NAT's two keys and the
// input ACL's session (in at ca, answered at cb); a packet's later beats look nothing up
localparam NK = 4;
localparam K_EXT = 0, K_NAT0 = 1, K_NAT1 = 2, K_AIN = 3;
wire [NK*128-1:0] sk_key = {key_ain, key1, key0, key_ext};
wire [NK-1:0] sk_in = {{3{va && en2}}, v0 && en1};
wire [NK-1:0] sk_skip = {{3{!ca[`CTX_SOP]}}, !c0[`CTX_SOP]};
wire [NK-1:0] sk_ready, r_valid, r_ready, r_hit;
wire [NK*SB-1:0] r_bucket;
wire [NK*3-1:0] r_way;
wire [NK*SESS_W-1:0] r_entry;
// Waiver: an engine's memory error answers a miss, which software then decides; it is
// counted where the answer is taken (mem_errors).
/* verilator lint_off UNUSEDSIGNAL */
wire [NK-1:0] r_error;
/* verilator lint_on UNUSEDSIGNAL */
offload_session_engines #(.NK(NK), .BUCKET_BITS(SB), .ROB_BITS(SESS_ROB_BITS)) lookups (
    .clk(clk), .rst(rst),
    .s_valid(sk_in), .s_ready(sk_ready), .s_key(sk_key), .s_skip(sk_skip),
    .m_valid(r_valid), .m_ready(r_ready), .m_hit(r_hit), .m_error(r_error), .m_bucket(r_bucket), .m_way(r_way),
    .m_entry(r_entry), .m_error_taken(mem_errors), .tag_bucket(tag_bucket), .tag_we(tag_we), .tag_data(tag_data), .tag_rb(tag_rb),
    .m_axi_arvalid(m_axi_arvalid), .m_axi_arready(m_axi_arready), .m_axi_araddr(m_axi_araddr), .m_axi_arid(m_axi_arid),
    .m_axi_arlen(m_axi_arlen), .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst),
    .m_axi_rvalid(m_axi_rvalid), .m_axi_rready(m_axi_rready), .m_axi_rdata(m_axi_rdata), .m_axi_rlast(m_axi_rlast),
    .m_axi_rresp(m_axi_rresp), .m_axi_rid(m_axi_rid));
genvar gk;
assign ext_key_ready = sk_ready[K_EXT];
assign ab_keys_ready = &sk_ready[K_AIN:K_NAT0];

// the waits: c1 -> ca with the NAT address's answer, cb1 -> cb with the other three
wire ext_hit;
// Waiver: of the NAT address's answer only the hit is used.
/* verilator lint_off UNUSEDSIGNAL */
wire [SB-1:0] ext_bucket;
wire [2:0] ext_way;
wire [SESS_W-1:0] ext_entry;
/* verilator lint_on UNUSEDSIGNAL */
offload_session_wait #(.CW(CW), .NK(1), .SB(SB), .DEPTH_BITS(SESS_ROB_BITS)) wait_a (
    .clk(clk), .rst(rst), .s_ctx(c1_out), .s_valid(v1 && (!v0 || ext_key_ready)), .s_ready(wait_a_ready),
    .r_valid(r_valid[K_EXT]), .r_ready(r_ready[K_EXT]), .r_hit(r_hit[K_EXT]), .r_bucket(r_bucket[SB*K_EXT +: SB]),
    .r_way(r_way[3*K_EXT +: 3]), .r_entry(r_entry[SESS_W*K_EXT +: SESS_W]),
    .m_ctx(ca), .m_valid(va), .m_ready(en2), .m_hit(ext_hit), .m_bucket(ext_bucket), .m_way(ext_way),
    .m_entry(ext_entry), .busy(wait_a_busy));
wire [2:0] b_hit;
wire [3*SB-1:0] b_bucket;
wire [3*3-1:0] b_way;
wire [3*SESS_W-1:0] b_entry;
offload_session_wait #(.CW(CW), .NK(3), .SB(SB), .DEPTH_BITS(SESS_ROB_BITS)) wait_b (
    .clk(clk), .rst(rst), .s_ctx(cb1_out), .s_valid(vb1 && (!va || ab_keys_ready)), .s_ready(wait_b_ready),
    .r_valid(r_valid[K_AIN:K_NAT0]), .r_ready(r_ready[K_AIN:K_NAT0]), .r_hit(r_hit[K_AIN:K_NAT0]),
    .r_bucket(r_bucket[SB*K_NAT0 +: 3*SB]), .r_way(r_way[3*K_NAT0 +: 9]), .r_entry(r_entry[SESS_W*K_NAT0 +: 3*SESS_W]),
    .m_ctx(cb), .m_valid(vb), .m_ready(en3), .m_hit(b_hit), .m_bucket(b_bucket), .m_way(b_way), .m_entry(b_entry),
    .busy(wait_b_busy));
// the answers by key (b_*: NAT0, NAT1, AIN)
wire [SB-1:0] sk_bucket [0:NK-1];
wire [2:0] sk_way [0:NK-1];
// Waiver: of the reflexive ACL session's entry the TCP flags seen are used.
/* verilator lint_off UNUSEDSIGNAL */
wire [SESS_W-1:0] sk_entry [0:NK-1];
/* verilator lint_on UNUSEDSIGNAL */
generate
    for (gk = K_NAT0; gk < NK; gk = gk + 1) begin : answer
        assign sk_bucket[gk] = b_bucket[SB*(gk-K_NAT0) +: SB];
        assign sk_way[gk] = b_way[3*(gk-K_NAT0) +: 3];
        assign sk_entry[gk] = b_entry[SESS_W*(gk-K_NAT0) +: SESS_W];
    end
endgenerate
assign sk_bucket[K_EXT] = ext_bucket;
assign sk_way[K_EXT] = ext_way;
assign sk_entry[K_EXT] = ext_entry;
assign s1_ext = ext_hit;
assign nat0_hit = b_hit[K_NAT0-K_NAT0];
assign nat1_hit = b_hit[K_NAT1-K_NAT0];
assign nat0_e = sk_entry[K_NAT0];
assign nat1_e = sk_entry[K_NAT1];
wire s2_ain_hit = b_hit[K_AIN-K_NAT0];

// ---- ca..cb: the input ACL (stage A at ca on the flow before NAT, its match into the
// context at cb1, the verdict with the reflexive session's answer at cb)
// VPP's acl l4_valid: the L4 identifiers could be read, i.e. 8 bytes after the IPv4
// header in the frame (padding counts); TCP, UDP and ICMP with short headers never get
// here (they punt). Other protocols match rules naming them on ports 0.
wire acl_l4_1 = ca[`CTX_L4] || ca[`CTX_LEN] >= {9'd0, ca[`CTX_L4O]} + 16'd8;
wire ain_match, ain_unsure;
wire [7:0] ain_action;
offload_acl #(.RULE_BITS(RULE_BITS), .ACL_BITS(ACL_BITS), .LIST_BITS(ACL_LIST_BITS), .MAX_LISTS(ACL_MAX_LISTS)) acl_in (
    .clk(clk), .adv(en2), .rules(rules), .acls(acls), .lists(lists),
    .src(src1), .dst(dst1), .proto(proto1), .sport(offload_util::acl_port(proto1, ic1[15:8], sport1)),
    .dport(offload_util::acl_port(proto1, ic1[7:0], dport1)), .tcp_flags(ca[`CTX_TCPF]), .l4_valid(acl_l4_1),
    .list_start(ifa[offload_pkg::IF_ACL_IN_START_LSB +: 16]), .list_count(ifa[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16]),
    .match(ain_match), .action(ain_action), .unsure(ain_unsure));
always @* begin
    cb1_out = cb1;
    cb1_out[`CTX_AIN_MATCH] = ain_match;
    cb1_out[`CTX_AIN_UNSURE] = ain_unsure;
    cb1_out[`CTX_AIN_ACTION] = ain_action;
end
wire s2_ain_on = cb[`CTX_AIN_ON];
wire s2_ain_match = cb[`CTX_AIN_MATCH];
wire [1:0] s2_ain = s2_ain_on ? offload_util::acl_verdict(s2_ain_hit, s2_ain_match, cb[`CTX_AIN_ACTION],
    cb[`CTX_AIN_UNSURE], partial) : offload_util::ACL_PASS;

// Hits to record, and TCP packets that change the state of a session they hit: SYN,
// FIN or RST on a NAT session, a state flag the reflexive ACL session has not seen from
// that side. Software must see those (PuntReason TcpState).
wire s2_tcp = cb[`CTX_PROTO] == 8'd6 && cb[`CTX_L4];
wire [7:0] tcpf2 = cb[`CTX_TCPF];
wire s2_nat_used = cb[`CTX_NAT] && s2_hit;
wire s2_ain_used = s2_ain_on && s2_ain_hit;
wire s2_tcpst = s2_tcp && ((s2_nat_used && (tcpf2 & offload_pkg::TCP_CONTROL_FLAGS[7:0]) != 8'd0)
    || (s2_ain_used && offload_util::acl_new_flags(sk_entry[K_AIN][offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b0, tcpf2)));
wire s2_rec = en3 && vb && cb[`CTX_SOP] && !cb[`CTX_PUNT];
assign hit_set = {s2_rec && s2_ain_used, s2_rec && s2_nat_used};
assign hit_bucket = {sk_bucket[K_AIN], sk_bucket[nat0_hit ? K_NAT0 : K_NAT1]};
assign hit_way = {sk_way[K_AIN], sk_way[nat0_hit ? K_NAT0 : K_NAT1]};

assign ev_rx = en1 && v0 && c0[`CTX_SOP] && c0[`CTX_IN] != IN_RECIRC;
assign ev_rx_port = c0[`CTX_IN];
assign ev_nat = en3 && vb && cb[`CTX_SOP] && !cb[`CTX_PUNT] && cb[`CTX_NAT];
assign ev_nat_hit = s2_hit;

// ---- the stage registers
always @(posedge clk) begin
    if (en1) begin
        v0 <= s_valid;
        c0 <= s_ctx;
        v1 <= v0;

        // c0 -> c1: what the parser found
        c1 <= c0;
        c1[`CTX_SW] <= s0_sw;
        c1[`CTX_DIRECT] <= s0_direct;
        c1[`CTX_PUNT] <= s0_exc || !enabled;
        c1[`CTX_REASON] <= PUNT_EXC;
        c1[`CTX_DROP] <= 1'b0;
        c1[`CTX_TCPF] <= s0_tcpf;
        c1[`CTX_HITS] <= 16'd0;
        c1[`CTX_TCPST] <= 1'b0;
        c1[`CTX_PROTO] <= s0_proto;
        c1[`CTX_SRC] <= s0_src;
        c1[`CTX_DST] <= s0_dst;
        c1[`CTX_SPORT] <= s0_sport;
        c1[`CTX_DPORT] <= s0_dport;
        c1[`CTX_IC] <= s0_ic;
        c1[`CTX_L4O] <= s0_l4o;
        c1[`CTX_TTL] <= s0_ttl;
        c1[`CTX_IPLEN] <= s0_tlen;
        c1[`CTX_L4] <= s0_l4;
        c1[`CTX_OUTER] <= s0_outer;
        c1[`CTX_OLB] <= s0_tun[offload_pkg::VXLAN_OUTER_LB_LSB +: 32];
        c1[`CTX_OFIB] <= s0_tun[offload_pkg::VXLAN_ENCAP_FIB_INDEX_LSB +: 16];
    end

    if (en2) begin
        vb1 <= va;

        // ca -> cb1: interface checks; NAT's and the input ACL's lookups are under way
        cb1 <= ca;
        cb1[`CTX_FIB] <= fib1;
        cb1[`CTX_AIN_ON] <= ifa[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0 && !ca[`CTX_OUTER];
        if (!ca[`CTX_PUNT] && (if1_bad || s1_natbad)) cb1[`CTX_PUNT] <= 1'b1;
        cb1[`CTX_HITS] <= ca[`CTX_HITS] | (if1_bad ? 16'd0 : 16'd1 << offload_pkg::TBL_INTERFACE);
        cb1[`CTX_NAT] <= s1_nat;
    end

    if (en3) begin
        v3 <= vb;

        // cb -> c3: NAT's answer (the flow after NAT) and the input ACL's verdict
        // (the outer packet's lookup is NAT as an output feature: a pass entry, the input
        // side's decision, is no session there)
        c3 <= cb;
        c3[`CTX_NHIT] <= cb[`CTX_NAT] && s2_hit && !(cb[`CTX_OUTER]
            && s2_entry[offload_pkg::SESS_SESSION_INDEX_LSB +: 32] == offload_pkg::NAT_PASS_SESSION);
        c3[`CTX_TCPST] <= s2_tcpst;
        c3[`CTX_SESS] <= s2_entry;
        c3[`CTX_SRC] <= s2_src;
        c3[`CTX_DST] <= s2_dst;
        c3[`CTX_SPORT] <= s2_sport;
        c3[`CTX_DPORT] <= s2_dport;
        c3[`CTX_HITS] <= cb[`CTX_HITS] | (s2_nat_used ? 16'd1 << offload_pkg::TBL_SESSION : 16'd0);
        if (!cb[`CTX_PUNT]) begin
            // the input ACL runs before NAT and routing: its verdict wins
            if (s2_ain != offload_util::ACL_PASS) begin
                c3[`CTX_PUNT] <= 1'b1;
                c3[`CTX_DROP] <= s2_ain == offload_util::ACL_DROP;
                c3[`CTX_REASON] <= offload_util::acl_reason(s2_ain, s2_ain_match);
            end else if (cb[`CTX_FIB] >= 16'(2**FIB_BITS) && !cb[`CTX_OUTER]) begin
                c3[`CTX_PUNT] <= 1'b1;
                c3[`CTX_REASON] <= PUNT_EXC;
            end else if (cb[`CTX_NAT] && !s2_hit && !cb[`CTX_OUTER]) begin
                c3[`CTX_PUNT] <= 1'b1;
                c3[`CTX_REASON] <= offload_pkg::PUNT_NAT_SESSION_MISS[7:0];
            end
        end
    end
    if (rst) begin
        v0 <= 1'b0;
        v1 <= 1'b0;
        vb1 <= 1'b0;
        v3 <= 1'b0;
    end
end

endmodule

`resetall
