// The offload pipeline: N_PORTS wire inputs and an inject input, arbitrated one
// packet at a time into a fixed-latency match-action pipeline of 512-bit beats:
//
//   s0 parse, port map, interface read,    s6 bucket read
//      NAT-address session reads           s7 adjacency read
//   s1 checks, NAT + ACL-in keys, session  s8 tx interface read, ACL-out and BVI ACL
//      reads, ACL-in rule match (stage A)     keys, session reads; tunnel (decap)
//   s2 session match, ACL-in verdict, NAT  s9 ACL-out and BVI ACL session match and
//      rewrite of the flow, L1 read           rule match (stage A), L2 FIB
//   s3 trie level 2                        s10 verdicts, decision, header rewrite,
//   s4 trie level 3 read                       VXLAN outer headers
//   s5 trie level 3, flow hash, LB read    s11 output (wire, punt, loop port or drop)
//
// What it forwards, drops and punts, and how VXLAN's two passes go through the loop
// port: hw-rtl/README.md. The engines are modules of their own (hw-rtl/rtl/files.txt
// lists them); this top holds the stages' packet context and wires the engines to it.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_top #
(
    // wire ports
    parameter N_PORTS = 2,
    // log2 entries: interfaces
    parameter IF_BITS = 4,
    // log2 entries: ACL lists, ACLs, ACL rules (rules are matched all in parallel)
    parameter ACL_LIST_BITS = 4,
    parameter ACL_BITS = 4,
    parameter RULE_BITS = 5,
    // longest ACL list (per interface and direction) classified in hardware; longer: punt
    parameter ACL_MAX_LISTS = 4,
    // log2 session buckets (WAYS entries each)
    parameter SESS_BUCKET_BITS = 11,
    // log2 FIBs in the trie (each FIB has 65536 first-level entries)
    parameter FIB_BITS = 1,
    // log2 trie groups (256 entries each)
    parameter GROUP_BITS = 5,
    // log2 entries: load-balances, buckets, adjacencies, L2 FIB, VXLAN tunnels
    parameter LB_BITS = 5,
    parameter BUCKET_BITS = 7,
    parameter ADJ_BITS = 5,
    parameter L2FIB_BITS = 5,
    parameter VXLAN_BITS = 3,
    // log2 ingress FIFO depth in beats (longest packet: 2**FIFO_BITS beats)
    parameter FIFO_BITS = 5,
    // VXLAN decap to the BVI in the NIC (1), or punt every VXLAN packet (0)
    parameter VXLAN_DECAP = 1
)
(
    input  wire                        clk,
    input  wire                        rst,

    // wire inputs
    input  wire [N_PORTS*512-1:0]      s_axis_rx_tdata,
    input  wire [N_PORTS*64-1:0]       s_axis_rx_tkeep,
    input  wire [N_PORTS-1:0]          s_axis_rx_tlast,
    input  wire [N_PORTS-1:0]          s_axis_rx_tvalid,
    output wire [N_PORTS-1:0]          s_axis_rx_tready,

    // inject from the host (tuser: regs::meta, on every beat)
    input  wire [511:0]                s_axis_inj_tdata,
    input  wire [63:0]                 s_axis_inj_tkeep,
    input  wire                        s_axis_inj_tlast,
    input  wire [63:0]                 s_axis_inj_tuser,
    input  wire                        s_axis_inj_tvalid,
    output wire                        s_axis_inj_tready,

    // wire outputs
    output wire [N_PORTS*512-1:0]      m_axis_tx_tdata,
    output wire [N_PORTS*64-1:0]       m_axis_tx_tkeep,
    output wire [N_PORTS-1:0]          m_axis_tx_tlast,
    output wire [N_PORTS-1:0]          m_axis_tx_tvalid,
    input  wire [N_PORTS-1:0]          m_axis_tx_tready,

    // punt to the host (tuser: regs::meta, on every beat)
    output wire [511:0]                m_axis_punt_tdata,
    output wire [63:0]                 m_axis_punt_tkeep,
    output wire                        m_axis_punt_tlast,
    output wire [63:0]                 m_axis_punt_tuser,
    output wire                        m_axis_punt_tvalid,
    input  wire                        m_axis_punt_tready,

    // register interface: one access per clock, read data valid the clock after
    input  wire [15:0]                 reg_addr,
    input  wire [31:0]                 reg_wdata,
    input  wire                        reg_wr,
    input  wire                        reg_rd,
    output wire [31:0]                 reg_rdata
);

initial begin
    if (N_PORTS < 1 || N_PORTS > 8) begin
        $error("Error: N_PORTS must be 1..8 (instance %m)");
        $finish;
    end
    if (BUCKET_BITS < LB_BITS || SESS_BUCKET_BITS < 2 || IF_BITS > 12) begin
        $error("Error: table size parameters out of range (instance %m)");
        $finish;
    end
end

localparam [3:0] IN_RECIRC = offload_util::in_loop(N_PORTS);
localparam NS = 12;                   // pipeline registers s0..s11
localparam WAYS = offload_pkg::SESSION_WAYS;
localparam SB = SESS_BUCKET_BITS;
localparam SESS_W = offload_pkg::SESS_BITS;
localparam IF_W = offload_pkg::IF_BITS;
localparam [7:0] PUNT_NAT_MISS = offload_pkg::PUNT_NAT_SESSION_MISS[7:0];
localparam [7:0] PUNT_EXC = offload_pkg::PUNT_EXCEPTION[7:0];

// ---------------------------------------------------------------- registers, tables

wire [31:0] control_reg;
wire [7:0]  tbl_sel_reg;
// Waiver: the index is checked whole by the register block; the tables use its low bits.
/* verilator lint_off UNUSEDSIGNAL */
wire [31:0] tbl_index_reg;
/* verilator lint_on UNUSEDSIGNAL */
wire        tw;               // a checked table write (or delete: a write of zeroes) this clock
// Waiver: the staging block is as wide as the widest entry of any size; no table uses all 512 bits.
/* verilator lint_off UNUSEDSIGNAL */
wire [511:0] tw_data;
/* verilator lint_on UNUSEDSIGNAL */
function tw_to(input [31:0] t);
    tw_to = offload_util::table_write(tw, tbl_sel_reg, t);
endfunction

// software holds session entries the NIC lacks: an absent entry proves nothing
wire partial = (control_reg & offload_pkg::REG_CONTROL_SESSIONS_PARTIAL) != 0;
// entries per table, at the contract's table numbers (offload_pkg TBL_*), for the
// register block's checks and CAP_* registers
function automatic [32*offload_pkg::TABLE_COUNT-1:0] capacities();
    capacities = 0;
    capacities[32*offload_pkg::TBL_GLOBAL +: 32] = 32'd1;
    capacities[32*offload_pkg::TBL_INTERFACE +: 32] = 32'(2**IF_BITS);
    capacities[32*offload_pkg::TBL_ACL_LIST +: 32] = 32'(2**ACL_LIST_BITS);
    capacities[32*offload_pkg::TBL_ACL +: 32] = 32'(2**ACL_BITS);
    capacities[32*offload_pkg::TBL_ACL_RULE +: 32] = 32'(2**RULE_BITS);
    capacities[32*offload_pkg::TBL_SESSION +: 32] = 32'(WAYS * 2**SB);
    capacities[32*offload_pkg::TBL_SESSION_TAG +: 32] = 32'(2**SB);
    capacities[32*offload_pkg::TBL_LPM_L1 +: 32] = 32'(2**(FIB_BITS + 16));
    capacities[32*offload_pkg::TBL_LPM_GROUP +: 32] = 32'(2**(GROUP_BITS + 8));
    capacities[32*offload_pkg::TBL_LOAD_BALANCE +: 32] = 32'(2**LB_BITS);
    capacities[32*offload_pkg::TBL_BUCKET +: 32] = 32'(2**BUCKET_BITS);
    capacities[32*offload_pkg::TBL_ADJACENCY +: 32] = 32'(2**ADJ_BITS);
    capacities[32*offload_pkg::TBL_L2FIB +: 32] = 32'(2**L2FIB_BITS);
    capacities[32*offload_pkg::TBL_VXLAN_TUNNEL +: 32] = 32'(2**VXLAN_BITS);
    capacities[32*offload_pkg::TBL_PORT_MAP +: 32] = 32'(N_PORTS);
endfunction
localparam [32*offload_pkg::TABLE_COUNT-1:0] CAPACITY = capacities();

// Waiver: of the global entry the NIC uses the NAT switch.
/* verilator lint_off UNUSEDSIGNAL */
wire [offload_pkg::GLOBAL_BITS-1:0] global_entry;
/* verilator lint_on UNUSEDSIGNAL */
wire [(2**ACL_LIST_BITS)*32-1:0] lists_flat;
wire [(2**ACL_BITS)*48-1:0] acls_flat;
wire [(2**RULE_BITS)*176-1:0] rules_flat;
wire [(2**L2FIB_BITS)*128-1:0] l2fib_flat;
wire [(2**VXLAN_BITS)*160-1:0] vxlan_flat;
wire [N_PORTS*16-1:0] port_map_flat;
wire [511:0] ff_rb, fib_rb;
offload_ff_tables #(.N_PORTS(N_PORTS), .ACL_LIST_BITS(ACL_LIST_BITS), .ACL_BITS(ACL_BITS), .RULE_BITS(RULE_BITS),
    .L2FIB_BITS(L2FIB_BITS), .VXLAN_BITS(VXLAN_BITS)) ff_tables (
    .clk(clk), .tbl_sel(tbl_sel_reg), .tbl_index(tbl_index_reg), .tw(tw), .tw_data(tw_data), .rb_data(ff_rb),
    .global_entry(global_entry), .lists(lists_flat), .acls(acls_flat), .rules(rules_flat), .l2fib(l2fib_flat),
    .vxlan(vxlan_flat), .port_map(port_map_flat));
wire nat_en = global_entry[offload_pkg::GLOBAL_NAT_ENABLED_LSB +: 8] != 8'd0;

// Register read-back (addressed by TBL_INDEX every clock; the memories' port A is
// registered already, the command's clock reads it). The NAT lookup's copy of the
// session table answers for the session table.
wire [IF_W-1:0] if_rb;
wire [SESS_W-1:0] sess_rb;
wire [127:0] tag_rb;
reg [511:0] rb_data;
always @* begin
    case ({24'd0, tbl_sel_reg})
        offload_pkg::TBL_INTERFACE: rb_data = {{(512-IF_W){1'b0}}, if_rb};
        offload_pkg::TBL_SESSION: rb_data = {{(512-SESS_W){1'b0}}, sess_rb};
        offload_pkg::TBL_SESSION_TAG: rb_data = {384'd0, tag_rb};
        default: rb_data = ff_rb | fib_rb;
    endcase
end

reg  adv;     // the pipeline advances (the output stage takes its beat, or holds none)

// hit bits: NAT and input ACL at s2, output and BVI ACL at s9
localparam NH = 4;
wire [SB-3:0] hit_idx_reg;
wire hit_clr;
wire [31:0] hit_rdata;
wire [NH-1:0] hit_set;
wire [NH*SB-1:0] hit_bucket;
wire [NH*3-1:0] hit_way;
offload_hit_bits #(.SB(SB), .WAYS(WAYS), .N_SOURCES(NH)) hit_bits (
    .clk(clk), .set(hit_set), .set_bucket(hit_bucket), .set_way(hit_way),
    .word(hit_idx_reg), .clear(hit_clr), .rdata(hit_rdata));

// ---------------------------------------------------------------- ingress

// the loop port's write side (offload_output's realigner)
wire [511:0] rc_wdata;
wire [63:0]  rc_wkeep;
wire         rc_wlast;
wire [463:0] rc_wuser;    // loop-port metadata, then the stashed outer headers
wire         rc_wvalid;
wire         rc_wready;
// the arbiter's stream into s0 (taken when the pipeline advances)
wire [511:0] in_data;
wire [63:0]  in_keep;
wire         in_last, in_sop, in_valid, in_pending;
wire [3:0]   in_input;
wire [63:0]  in_user;
wire [15:0]  in_len;
wire [399:0] in_stash;
offload_ingress #(.N_PORTS(N_PORTS), .FIFO_BITS(FIFO_BITS)) ingress (
    .clk(clk), .rst(rst),
    .s_axis_rx_tdata(s_axis_rx_tdata), .s_axis_rx_tkeep(s_axis_rx_tkeep), .s_axis_rx_tlast(s_axis_rx_tlast),
    .s_axis_rx_tvalid(s_axis_rx_tvalid), .s_axis_rx_tready(s_axis_rx_tready),
    .s_axis_inj_tdata(s_axis_inj_tdata), .s_axis_inj_tkeep(s_axis_inj_tkeep), .s_axis_inj_tlast(s_axis_inj_tlast),
    .s_axis_inj_tuser(s_axis_inj_tuser), .s_axis_inj_tvalid(s_axis_inj_tvalid), .s_axis_inj_tready(s_axis_inj_tready),
    .rc_wdata(rc_wdata), .rc_wkeep(rc_wkeep), .rc_wlast(rc_wlast), .rc_wuser(rc_wuser), .rc_wvalid(rc_wvalid),
    .rc_wready(rc_wready),
    .m_data(in_data), .m_keep(in_keep), .m_last(in_last), .m_sop(in_sop), .m_input(in_input), .m_user(in_user),
    .m_len(in_len), .m_stash(in_stash), .m_valid(in_valid), .m_ready(adv), .pending(in_pending));

// ---------------------------------------------------------------- pipeline state

// beat
reg          p_valid [0:NS-1];
reg [511:0]  p_data  [0:NS-1];
reg [63:0]   p_keep  [0:NS-1];
reg          p_last  [0:NS-1];
reg          p_sop   [0:NS-1];
// packet context (meaningful on the first beat)
reg [3:0]    p_in    [0:NS-1];   // the input; at s11 the destination
reg [63:0]   p_meta  [0:NS-1];   // inject and loop-port metadata; at s11 the punt or loop tuser
reg [15:0]   p_len   [0:NS-1];
reg [15:0]   p_iplen [0:NS-1];   // the IPv4 total length (the frame may carry padding)
reg [15:0]   p_sw    [0:NS-1];
reg          p_punt  [0:NS-1];
reg [7:0]    p_reason[0:NS-1];
reg [15:0]   p_hits  [0:NS-1];
reg          p_direct[0:NS-1];
reg [7:0]    p_proto [0:NS-1];
reg [31:0]   p_src   [0:NS-1];
reg [31:0]   p_dst   [0:NS-1];
reg [15:0]   p_sport [0:NS-1];
reg [15:0]   p_dport [0:NS-1];
reg [7:0]    p_ttl   [0:NS-1];
reg          p_l4    [0:NS-1];   // TCP, UDP or ICMP with a valid header
reg [15:0]   p_fib   [0:NS-1];
reg          p_nat   [0:NS-1];   // NAT lookup done (s2 on)
reg          p_tcpst [0:NS-1];   // TCP state change: software must see it (s3 on, s10)
reg [15:0]   p_ic    [0:NS-1];   // ICMP type and code (0 unless ICMP)
reg [6:0]    p_l4o   [0:NS-1];   // the L4 header's offset in the frame (34 without options)
reg          p_outer [0:NS-1];   // the VXLAN outer packet of an encap (loop-port pass)
reg [31:0]   p_olb   [0:NS-1];   // its tunnel's load-balance (s1..s3)
reg          p_nhit  [0:NS-1];
reg [SESS_W-1:0] p_sess [0:NS-1];
reg [31:0]   p_hash  [0:NS-1];
reg [191:0]  p_adj   [0:NS-1];
reg [IF_W-1:0] p_ife [0:NS-1];
reg          p_drop  [0:NS-1];   // dropped (p_punt set too: stop), p_reason holds the DropReason
reg [7:0]    p_tcpf  [0:NS-1];   // TCP flags (0 unless TCP)
reg          p_aohit [0:NS-1];   // output ACL reflexive session hit (s10)
reg          p_abhit [0:NS-1];   // the BVI's L2 input ACL: reflexive session hit (s10)
reg [IF_W-1:0] p_txif [0:NS-1];  // tx interface entry (s10)
reg          p_loc   [0:NS-1];   // the route is LOCAL (s8 on): a VXLAN decap candidate
reg [399:0]  p_stash [0:NS-1];   // loop-port packets: the outer headers stripped (s11: to strip)
reg          pre11;              // s11: the punt of a second pass, the stash to put back

// the interface table: s0 the rx interface, s8 the tx interface and the tunnel's, s9 the
// bridge member (one copy each)
wire [IF_W-1:0] if_rd1, if_rd9, vx_if9;
// Waiver: the bridge member's entry is read whole; the decision uses some of its fields.
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] l2_if10;
/* verilator lint_on UNUSEDSIGNAL */

// ---- s0: parse
wire [15:0] s0_sw, s0_sport, s0_dport, s0_ic, s0_tlen;
wire s0_direct, s0_exc, s0_l4;
wire [7:0] s0_proto, s0_tcpf, s0_ttl;
wire [31:0] s0_src, s0_dst;
wire [6:0] s0_l4o;
offload_parse #(.N_PORTS(N_PORTS)) parse (
    .data(p_data[0]), .len(p_len[0]), .in(p_in[0]), .meta(p_meta[0]), .port_map(port_map_flat),
    .sw_if_index(s0_sw), .direct(s0_direct), .exception(s0_exc), .proto(s0_proto), .src(s0_src), .dst(s0_dst),
    .sport(s0_sport), .dport(s0_dport), .icmp(s0_ic), .tcp_flags(s0_tcpf), .ttl(s0_ttl), .ip_len(s0_tlen),
    .l4_offset(s0_l4o), .l4_valid(s0_l4));
// the outer packet of an encap: its tunnel's load-balance and encap FIB
wire s0_outer = p_in[0] == IN_RECIRC && p_meta[0][offload_util::LM_OUTER];
// Waiver: tunnel entries are read whole; each stage uses some of their fields.
/* verilator lint_off UNUSEDSIGNAL */
wire [159:0] s0_tun = vxlan_flat[160*p_meta[0][offload_util::LM_TUNNEL +: VXLAN_BITS] +: 160];
/* verilator lint_on UNUSEDSIGNAL */

// ---- s1: interface checks
wire [IF_W-1:0] ife1 = if_rd1;
wire [15:0] if1_flags = ife1[offload_pkg::IF_FLAGS_LSB +: 16];
wire [7:0]  if1_kind = ife1[offload_pkg::IF_KIND_LSB +: 8];
// (l2-fwd hands the loop port's packets to ip4-input on the BVI, past receive's checks)
wire if1_loop = p_in[1] == IN_RECIRC;
wire if1_bad = if1_kind == 8'd0 || ((if1_flags & offload_pkg::IF_FLAG_UP[15:0]) == 16'd0 && !if1_loop)
    || ((if1_flags & offload_pkg::IF_FLAG_L2[15:0]) != 16'd0 && !if1_loop)
    || (p_sw[1] >> IF_BITS) != 16'd0;

// ---- s0..s2: NAT (the keys at s0 and s1, the answers at s2)
reg [15:0] ofib1;        // the outer packet's encap FIB (s1)
wire s1_ext, s1_nat, s1_natbad;
wire [15:0] fib1;
wire [127:0] key_ext, key0, key1;
wire nat0_hit, nat1_hit, s2_hit;
wire [SESS_W-1:0] nat0_e, nat1_e, s2_entry;
wire [31:0] s2_src, s2_dst;
wire [15:0] s2_sport, s2_dport;
offload_nat nat (
    .nat_enabled(nat_en), .partial(partial),
    .s0_dst(s0_dst), .s0_key_ext(key_ext),
    .s1_ext(s1_ext), .s1_if_flags(if1_flags), .s1_if_fib(ife1[offload_pkg::IF_FIB_INDEX_LSB +: 16]),
    .s1_outer(p_outer[1]), .s1_outer_fib(ofib1), .s1_src(p_src[1]), .s1_dst(p_dst[1]), .s1_sport(p_sport[1]),
    .s1_dport(p_dport[1]), .s1_proto(p_proto[1]), .s1_icmp_type(p_ic[1][15:8]), .s1_l4_valid(p_l4[1]),
    .s1_fib(fib1), .s1_key0(key0), .s1_key1(key1), .s1_lookup(s1_nat), .s1_software(s1_natbad),
    .s2_lookup(p_nat[2]), .s2_outer(p_outer[2]), .s2_hit0(nat0_hit), .s2_entry0(nat0_e), .s2_hit1(nat1_hit),
    .s2_entry1(nat1_e), .s2_src(p_src[2]), .s2_dst(p_dst[2]), .s2_sport(p_sport[2]), .s2_dport(p_dport[2]),
    .s2_proto(p_proto[2]), .s2_icmp_type(p_ic[2][15:8]),
    .s2_hit(s2_hit), .s2_entry(s2_entry), .s2_new_src(s2_src), .s2_new_dst(s2_dst), .s2_new_sport(s2_sport),
    .s2_new_dport(s2_dport));

`define OFFLOAD_KEY offload_util::skey
// reflexive ACL session of the input ACL: the packet's flow as it is (acl.rs session_key)
wire [127:0] key_ain = `OFFLOAD_KEY(p_src[1], p_dst[1], p_sport[1], p_dport[1], p_proto[1],
    offload_pkg::SESSION_KIND_ACL[7:0], p_sw[1]);
// s8: the output ACL's session key, on the tx interface, the flow swapped
wire [191:0] adj_rd8;
wire [15:0] tx_sw8 = adj_rd8[offload_pkg::ADJ_SW_IF_INDEX_LSB +: 16];
wire [127:0] key_aout = `OFFLOAD_KEY(p_dst[8], p_src[8], p_dport[8], p_sport[8], p_proto[8],
    offload_pkg::SESSION_KIND_ACL[7:0], tx_sw8);
// s8: the reflexive session of the BVI's L2 input ACL (a route into the bridge), the
// flow as it is, on the BVI
wire [127:0] key_abvi = `OFFLOAD_KEY(p_src[8], p_dst[8], p_sport[8], p_dport[8], p_proto[8],
    offload_pkg::SESSION_KIND_ACL[7:0], tx_sw8);
`undef OFFLOAD_KEY

// Session lookups: one engine per key (offload_session_lookup), each with its own store
// (offload_session_store: a copy of the session table), all written together by the
// register block; the first NAT key's store answers the driver's read-back. In at s0
// (NAT address), s1 (NAT's keys, the input ACL's session) and s8 (the output and BVI
// ACL's sessions), results a stage later.
localparam NK = 6;
localparam K_EXT = 0, K_NAT0 = 1, K_NAT1 = 2, K_AIN = 3, K_AOUT = 4, K_ABVI = 5;
wire [NK*128-1:0] sk_key = {key_abvi, key_aout, key_ain, key1, key0, key_ext};
wire [NK-1:0] sk_hit;
wire [SB-1:0] sk_bucket [0:NK-1];
wire [2:0] sk_way [0:NK-1];
// Waiver: of a reflexive ACL session's entry the TCP flags seen are used; of the NAT
// address entry only the hit. The read-back is the first NAT key's store's.
/* verilator lint_off UNUSEDSIGNAL */
wire [SESS_W-1:0] sk_entry [0:NK-1];
wire [SESS_W-1:0] sk_rb_entry [0:NK-1];
wire [127:0] sk_rb_tags [0:NK-1];
/* verilator lint_on UNUSEDSIGNAL */
// (an entry's index is bucket * WAYS + way, a tag word's the bucket)
wire [SB-1:0] sess_w_bucket = {24'd0, tbl_sel_reg} == offload_pkg::TBL_SESSION_TAG
    ? tbl_index_reg[SB-1:0] : tbl_index_reg[SB+2:3];
genvar gk;
generate
    for (gk = 0; gk < NK; gk = gk + 1) begin : session
        wire req_valid, rsp_valid;
        wire [SB-1:0] req_b1, req_b2;
        wire [15:0] req_tag;
        wire [255:0] rsp_tags;
        wire [WAYS*2*SESS_W-1:0] rsp_ways;
        offload_session_lookup #(.BUCKET_BITS(SB)) lookup (
            .clk(clk), .en(adv), .key(sk_key[128*gk +: 128]),
            .m_req_valid(req_valid), .m_req_b1(req_b1), .m_req_b2(req_b2), .m_req_tag(req_tag),
            .s_rsp_valid(rsp_valid), .s_rsp_tags(rsp_tags), .s_rsp_ways(rsp_ways),
            .hit(sk_hit[gk]), .hit_bucket(sk_bucket[gk]), .hit_way(sk_way[gk]), .entry(sk_entry[gk]));
        offload_session_store #(.BUCKET_BITS(SB)) store (
            .clk(clk), .w_bucket(sess_w_bucket), .w_way(tbl_index_reg[2:0]),
            .w_entry_we(tw_to(offload_pkg::TBL_SESSION)), .w_tag_we(tw_to(offload_pkg::TBL_SESSION_TAG)),
            .w_data(tw_data[SESS_W-1:0]), .rb_entry(sk_rb_entry[gk]), .rb_tags(sk_rb_tags[gk]),
            .s_req_valid(req_valid), .s_req_b1(req_b1), .s_req_b2(req_b2), .s_req_tag(req_tag),
            .m_rsp_valid(rsp_valid), .m_rsp_tags(rsp_tags), .m_rsp_ways(rsp_ways));
    end
endgenerate
assign sess_rb = sk_rb_entry[K_NAT0];
assign tag_rb = sk_rb_tags[K_NAT0];
assign s1_ext = sk_hit[K_EXT];
assign nat0_hit = sk_hit[K_NAT0];
assign nat1_hit = sk_hit[K_NAT1];
assign nat0_e = sk_entry[K_NAT0];
assign nat1_e = sk_entry[K_NAT1];
wire s2_ain_hit = sk_hit[K_AIN], s9_aout_hit = sk_hit[K_AOUT], s9_abvi_hit = sk_hit[K_ABVI];

// VPP's acl l4_valid: the L4 identifiers could be read, i.e. 8 bytes after the IPv4
// header in the frame (padding counts); TCP, UDP and ICMP with short headers never get
// here (they punt). Other protocols match rules naming them on ports 0.
wire acl_l4_1 = p_l4[1] || p_len[1] >= {9'd0, p_l4o[1]} + 16'd8;
wire acl_l4_9 = p_l4[9] || p_len[9] >= {9'd0, p_l4o[9]} + 16'd8;
wire [15:0] acl_sport1 = offload_util::acl_port(p_proto[1], p_ic[1][15:8], p_sport[1]);
wire [15:0] acl_dport1 = offload_util::acl_port(p_proto[1], p_ic[1][7:0], p_dport[1]);
wire [15:0] acl_sport9 = offload_util::acl_port(p_proto[9], p_ic[9][15:8], p_sport[9]);
wire [15:0] acl_dport9 = offload_util::acl_port(p_proto[9], p_ic[9][7:0], p_dport[9]);
`define OFFLOAD_ACL offload_acl #(.RULE_BITS(RULE_BITS), .ACL_BITS(ACL_BITS), .LIST_BITS(ACL_LIST_BITS), \
    .MAX_LISTS(ACL_MAX_LISTS))

// input ACL: stage A at s1 (the flow before NAT), verdict at s2
wire ain_match, ain_unsure;
wire [7:0] ain_action;
`OFFLOAD_ACL acl_in (
    .clk(clk), .adv(adv), .rules(rules_flat), .acls(acls_flat), .lists(lists_flat),
    .src(p_src[1]), .dst(p_dst[1]), .proto(p_proto[1]), .sport(acl_sport1), .dport(acl_dport1),
    .tcp_flags(p_tcpf[1]), .l4_valid(acl_l4_1),
    .list_start(ife1[offload_pkg::IF_ACL_IN_START_LSB +: 16]), .list_count(ife1[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16]),
    .match(ain_match), .action(ain_action), .unsure(ain_unsure));

// output ACL: stage A at s9 (the flow after NAT, the tx interface's list), verdict at s10
wire aout_match, aout_unsure;
wire [7:0] aout_action;
`OFFLOAD_ACL acl_out (
    .clk(clk), .adv(adv), .rules(rules_flat), .acls(acls_flat), .lists(lists_flat),
    .src(p_src[9]), .dst(p_dst[9]), .proto(p_proto[9]), .sport(acl_sport9), .dport(acl_dport9),
    .tcp_flags(p_tcpf[9]), .l4_valid(acl_l4_9),
    .list_start(if_rd9[offload_pkg::IF_ACL_OUT_START_LSB +: 16]),
    .list_count(if_rd9[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16]),
    .match(aout_match), .action(aout_action), .unsure(aout_unsure));

// the BVI's L2 input ACL (acl-plugin-in-ip4-l2) for a route into the bridge: stage A at
// s9 (the flow after NAT, the tx interface's input list), verdict at s10
wire abvi_match, abvi_unsure;
wire [7:0] abvi_action;
`OFFLOAD_ACL acl_bvi (
    .clk(clk), .adv(adv), .rules(rules_flat), .acls(acls_flat), .lists(lists_flat),
    .src(p_src[9]), .dst(p_dst[9]), .proto(p_proto[9]), .sport(acl_sport9), .dport(acl_dport9),
    .tcp_flags(p_tcpf[9]), .l4_valid(acl_l4_9),
    .list_start(if_rd9[offload_pkg::IF_ACL_IN_START_LSB +: 16]),
    .list_count(if_rd9[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16]),
    .match(abvi_match), .action(abvi_action), .unsure(abvi_unsure));
`undef OFFLOAD_ACL

// ---- s2: the input ACL's verdict
wire s2_ain_on = p_ife[2][offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0 && !p_outer[2];
wire [1:0] s2_ain = s2_ain_on ? offload_util::acl_verdict(s2_ain_hit, ain_match, ain_action, ain_unsure, partial)
    : offload_util::ACL_PASS;

// Hits to record, and TCP packets that change the state of a session they hit: SYN,
// FIN or RST on a NAT session, a state flag a reflexive ACL session has not seen from
// that side. Software must see those (PuntReason TcpState).
wire bvi9 = !p_loc[9] && (if_rd9[offload_pkg::IF_FLAGS_LSB +: 16] & offload_pkg::IF_FLAG_BVI[15:0]) != 16'd0;
wire s2_tcp = p_proto[2] == 8'd6 && p_l4[2];
wire s2_nat_used = p_nat[2] && s2_hit;
wire s2_ain_used = s2_ain_on && s2_ain_hit;
wire s2_tcpst = s2_tcp && ((s2_nat_used && (p_tcpf[2] & offload_pkg::TCP_CONTROL_FLAGS[7:0]) != 8'd0)
    || (s2_ain_used && offload_util::acl_new_flags(sk_entry[K_AIN][offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b0, p_tcpf[2])));
wire s9_tcp = p_proto[9] == 8'd6 && p_l4[9];
wire s9_aout_used = if_rd9[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16] != 16'd0 && s9_aout_hit;
wire s9_abvi_used = bvi9 && if_rd9[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0 && s9_abvi_hit;
wire s9_tcpst = s9_tcp && ((s9_aout_used && offload_util::acl_new_flags(sk_entry[K_AOUT][offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b1, p_tcpf[9]))
    || (s9_abvi_used && offload_util::acl_new_flags(sk_entry[K_ABVI][offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b0, p_tcpf[9])));
wire s2_rec = adv && p_valid[2] && p_sop[2] && !p_punt[2];
wire s9_rec = adv && p_valid[9] && p_sop[9] && !p_punt[9];
assign hit_set = {s9_rec && s9_abvi_used, s9_rec && s9_aout_used, s2_rec && s2_ain_used, s2_rec && s2_nat_used};
assign hit_bucket = {sk_bucket[K_ABVI], sk_bucket[K_AOUT], sk_bucket[K_AIN], sk_bucket[nat0_hit ? K_NAT0 : K_NAT1]};
assign hit_way = {sk_way[K_ABVI], sk_way[K_AOUT], sk_way[K_AIN], sk_way[nat0_hit ? K_NAT0 : K_NAT1]};

// ---- s2..s8: FIB (flow hash of the flow after NAT, for TCP and UDP its ports)
wire s3_ports = p_l4[3] && (p_proto[3] == 8'd6 || p_proto[3] == 8'd17);
wire s5_found, s5_lb_bad, s6_bucket_bad, s7_adj_bad;
wire [31:0] s5_hash;
wire [3:0] s7_kind;
offload_fib #(.FIB_BITS(FIB_BITS), .GROUP_BITS(GROUP_BITS), .LB_BITS(LB_BITS), .BUCKET_BITS(BUCKET_BITS),
    .ADJ_BITS(ADJ_BITS)) fib (
    .clk(clk), .en(adv),
    .tbl_sel(tbl_sel_reg), .tbl_index(tbl_index_reg), .tw(tw), .tw_data(tw_data), .rb_data(fib_rb),
    .s2_fib(p_fib[2][FIB_BITS-1:0]), .s2_dst_hi(s2_dst[31:16]), .s3_dst(p_dst[3]), .s3_outer(p_outer[3]), .s3_outer_lb(p_olb[3]),
    .s3_src(p_src[3]), .s3_proto(p_proto[3]), .s3_sport(s3_ports ? p_sport[3] : 16'd0),
    .s3_dport(s3_ports ? p_dport[3] : 16'd0), .s4_dst_lo(p_dst[4][7:0]),
    .s5_found(s5_found), .s5_lb_bad(s5_lb_bad), .s5_hash(s5_hash), .s6_hash(p_hash[6]),
    .s6_bucket_bad(s6_bucket_bad), .s7_dpo_kind(s7_kind), .s7_adj_bad(s7_adj_bad), .s8_adj(adj_rd8));

// ---- s8..s10: vxlan4-input and l2-input (the tunnel for LOCAL routes, the L2 FIB)
// Waiver: the sw_if_index's low bits address the interface table (the range is checked).
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] s8_vx_sw, s9_l2_sw;
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] vx_sw10, l2_sw10;
wire vx_hit10, vx_ain10, l2_hit10, l2_dgrp10, l2_srcok10, l2_range10;
wire [7:0] l2_flags10;
offload_l2_lookup #(.IF_BITS(IF_BITS), .L2FIB_BITS(L2FIB_BITS), .VXLAN_BITS(VXLAN_BITS)) l2_lookup (
    .clk(clk), .en(adv), .vxlan(vxlan_flat), .l2fib(l2fib_flat),
    .s8_src(p_src[8]), .s8_dst(p_dst[8]), .s8_vni({p_data[8][8*46 +: 8], p_data[8][8*47 +: 8], p_data[8][8*48 +: 8]}),
    .s8_tunnel_sw(s8_vx_sw),
    .s9_bvi(bvi9), .s9_bvi_if(if_rd9), .s9_tunnel_if(vx_if9),
    .s9_adj_macs(p_adj[9][offload_pkg::ADJ_REWRITE_LSB +: 96]), .s9_inner_macs(p_data[9][8*50 +: 96]),
    .s9_member_sw(s9_l2_sw),
    .tunnel_hit(vx_hit10), .tunnel_sw(vx_sw10), .tunnel_acl_in(vx_ain10), .l2_hit(l2_hit10), .l2_group(l2_dgrp10),
    .l2_src_ok(l2_srcok10), .l2_sw(l2_sw10), .l2_flags(l2_flags10), .l2_in_range(l2_range10));

offload_ram #(.W(IF_W), .ADDR_BITS(IF_BITS), .REPLICAS(4)) if_ram (
    .clk(clk), .a_we(tw_to(offload_pkg::TBL_INTERFACE)), .a_addr(tbl_index_reg[IF_BITS-1:0]),
    .a_wdata(tw_data[IF_W-1:0]), .a_rdata(if_rb), .b_en(adv),
    .b_addr({s9_l2_sw[IF_BITS-1:0], s8_vx_sw[IF_BITS-1:0], tx_sw8[IF_BITS-1:0], s0_sw[IF_BITS-1:0]}),
    .b_rdata({l2_if10, vx_if9, if_rd9, if_rd1}));

// ---- s10: decision, rewrite, VXLAN outer headers
// Waiver: a tunnel entry is read whole (the decision and the encap use some of its fields),
// by the low bits of the member's tunnel index (the decision checks its range).
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] mb_tunnel = l2_if10[offload_pkg::IF_VXLAN_TUNNEL_LSB +: 16];
wire [159:0] tun10 = vxlan_flat[160*mb_tunnel[VXLAN_BITS-1:0] +: 160];
/* verilator lint_on UNUSEDSIGNAL */
wire [3:0] s10_dest;
wire [63:0] s10_tuser;
wire s10_fwd, s10_nat_src, s10_nat_dst, s10_decap, s10_encap, s10_put_back;
offload_decision #(.N_PORTS(N_PORTS), .IF_BITS(IF_BITS), .VXLAN_BITS(VXLAN_BITS), .VXLAN_DECAP(VXLAN_DECAP)) decision (
    .in(p_in[10]), .meta(p_meta[10]), .sw_if_index(p_sw[10]), .punt(p_punt[10]), .drop(p_drop[10]),
    .reason(p_reason[10]), .hits(p_hits[10]), .direct(p_direct[10]), .outer(p_outer[10]), .tcp_state(p_tcpst[10]),
    .nat_hit(p_nhit[10]), .nat_flags(p_sess[10][offload_pkg::SESS_FLAGS_LSB +: 16]), .fib(p_fib[10]),
    .ip_len(p_iplen[10]), .len(p_len[10]), .l4_offset(p_l4o[10]), .proto(p_proto[10]), .l4_valid(p_l4[10]),
    .dport(p_dport[10]), .local_route(p_loc[10]), .udp_csum(offload_util::be16(p_data[10], 40)),
    .vxlan_i_flag(p_data[10][8*42 + 3]),
    .adj(p_adj[10]), .tx_if(p_txif[10]), .member_if(l2_if10), .member_tunnel(tun10),
    .nat_enabled(nat_en), .partial(partial),
    .aout_hit(p_aohit[10]), .aout_match(aout_match), .aout_action(aout_action), .aout_unsure(aout_unsure),
    .abvi_hit(p_abhit[10]), .abvi_match(abvi_match), .abvi_action(abvi_action), .abvi_unsure(abvi_unsure),
    .tunnel_hit(vx_hit10), .tunnel_sw(vx_sw10), .tunnel_acl_in(vx_ain10), .l2_hit(l2_hit10), .l2_group(l2_dgrp10),
    .l2_src_ok(l2_srcok10), .l2_sw(l2_sw10), .l2_flags(l2_flags10), .l2_in_range(l2_range10),
    .dest(s10_dest), .tuser(s10_tuser), .rewrite(s10_fwd), .nat_src(s10_nat_src), .nat_dst(s10_nat_dst),
    .decap(s10_decap), .encap(s10_encap), .second_punt(s10_put_back));
wire [511:0] s10_data;
offload_rewrite rewrite (
    .data(p_data[10]), .nat_src(s10_nat_src), .nat_dst(s10_nat_dst), .entry(p_sess[10]), .adj(p_adj[10]),
    .proto(p_proto[10]), .icmp_type(p_ic[10][15:8]), .ttl(p_ttl[10]), .l4_offset(p_l4o[10]), .out(s10_data));
wire [399:0] enc_hdr;
offload_vxlan_encap vxlan_encap (.tunnel(tun10), .flow_hash(p_hash[10]), .inner_len(p_len[10]), .hdr(enc_hdr));

// ---- s11: output
wire out_ready, out_busy;
always @* adv = !p_valid[NS-1] || out_ready;
offload_output #(.N_PORTS(N_PORTS)) out (
    .clk(clk), .rst(rst),
    .valid(p_valid[NS-1]), .data(p_data[NS-1]), .keep(p_keep[NS-1]), .last(p_last[NS-1]), .sop(p_sop[NS-1]),
    .dest(p_in[NS-1]), .meta(p_meta[NS-1]), .stash(p_stash[NS-1]), .put_back(pre11), .ready(out_ready),
    .busy(out_busy),
    .m_axis_tx_tdata(m_axis_tx_tdata), .m_axis_tx_tkeep(m_axis_tx_tkeep), .m_axis_tx_tlast(m_axis_tx_tlast),
    .m_axis_tx_tvalid(m_axis_tx_tvalid), .m_axis_tx_tready(m_axis_tx_tready),
    .m_axis_punt_tdata(m_axis_punt_tdata), .m_axis_punt_tkeep(m_axis_punt_tkeep), .m_axis_punt_tlast(m_axis_punt_tlast),
    .m_axis_punt_tuser(m_axis_punt_tuser), .m_axis_punt_tvalid(m_axis_punt_tvalid), .m_axis_punt_tready(m_axis_punt_tready),
    .rc_wdata(rc_wdata), .rc_wkeep(rc_wkeep), .rc_wlast(rc_wlast), .rc_wuser(rc_wuser), .rc_wvalid(rc_wvalid),
    .rc_wready(rc_wready));
wire out_fire = p_valid[NS-1] && out_ready;

// ---------------------------------------------------------------- pipeline advance

integer s;
always @(posedge clk) begin
    if (adv) begin
        // default: everything moves one stage
        for (s = 1; s < NS; s = s + 1) begin
            p_valid[s] <= p_valid[s-1];
            p_data[s] <= p_data[s-1];
            p_keep[s] <= p_keep[s-1];
            p_last[s] <= p_last[s-1];
            p_sop[s] <= p_sop[s-1];
            p_in[s] <= p_in[s-1];
            p_meta[s] <= p_meta[s-1];
            p_len[s] <= p_len[s-1];
            p_iplen[s] <= p_iplen[s-1];
            p_sw[s] <= p_sw[s-1];
            p_punt[s] <= p_punt[s-1];
            p_reason[s] <= p_reason[s-1];
            p_hits[s] <= p_hits[s-1];
            p_direct[s] <= p_direct[s-1];
            p_proto[s] <= p_proto[s-1];
            p_src[s] <= p_src[s-1];
            p_dst[s] <= p_dst[s-1];
            p_sport[s] <= p_sport[s-1];
            p_dport[s] <= p_dport[s-1];
            p_ttl[s] <= p_ttl[s-1];
            p_l4[s] <= p_l4[s-1];
            p_fib[s] <= p_fib[s-1];
            p_nat[s] <= p_nat[s-1];
            p_outer[s] <= p_outer[s-1];
            p_tcpst[s] <= p_tcpst[s-1];
            p_ic[s] <= p_ic[s-1];
            p_l4o[s] <= p_l4o[s-1];
            p_olb[s] <= p_olb[s-1];
            p_nhit[s] <= p_nhit[s-1];
            p_sess[s] <= p_sess[s-1];
            p_hash[s] <= p_hash[s-1];
            p_adj[s] <= p_adj[s-1];
            p_ife[s] <= p_ife[s-1];
            p_drop[s] <= p_drop[s-1];
            p_tcpf[s] <= p_tcpf[s-1];
            p_aohit[s] <= p_aohit[s-1];
            p_abhit[s] <= p_abhit[s-1];
            p_txif[s] <= p_txif[s-1];
            p_loc[s] <= p_loc[s-1];
            p_stash[s] <= p_stash[s-1];
        end

        // s0 <- arbiter
        p_valid[0] <= in_valid;
        p_data[0] <= in_data;
        p_keep[0] <= in_keep;
        p_last[0] <= in_last;
        p_sop[0] <= in_sop;
        p_in[0] <= in_input;
        p_meta[0] <= in_user;
        p_len[0] <= in_len;
        p_stash[0] <= in_stash;

        // s0 -> s1: parse results, interface read
        p_sw[1] <= s0_sw;
        p_direct[1] <= s0_direct;
        p_punt[1] <= s0_exc || (control_reg & offload_pkg::REG_CONTROL_ENABLE) == 0;
        p_reason[1] <= PUNT_EXC;
        p_drop[1] <= 1'b0;
        p_tcpf[1] <= s0_tcpf;
        p_hits[1] <= 16'd0;
        p_proto[1] <= s0_proto;
        p_src[1] <= s0_src;
        p_dst[1] <= s0_dst;
        p_sport[1] <= s0_sport;
        p_dport[1] <= s0_dport;
        p_ic[1] <= s0_ic;
        p_l4o[1] <= s0_l4o;
        p_ttl[1] <= s0_ttl;
        p_iplen[1] <= s0_tlen;
        p_l4[1] <= s0_l4;
        p_loc[1] <= 1'b0;
        p_outer[1] <= s0_outer;
        p_olb[1] <= s0_tun[offload_pkg::VXLAN_OUTER_LB_LSB +: 32];
        ofib1 <= s0_tun[offload_pkg::VXLAN_ENCAP_FIB_INDEX_LSB +: 16];

        // s1 -> s2: interface checks, session reads
        p_ife[2] <= ife1;
        p_fib[2] <= fib1;
        if (!p_punt[1] && (if1_bad || s1_natbad)) begin
            p_punt[2] <= 1'b1;
        end
        p_hits[2] <= p_hits[1] | (if1_bad ? 16'd0 : 16'd1 << offload_pkg::TBL_INTERFACE);
        p_nat[2] <= s1_nat;

        // s2 -> s3: NAT result, L1 read
        // (the outer packet's lookup is NAT as an output feature: a pass entry, the input
        // side's decision, is no session there)
        p_nhit[3] <= p_nat[2] && s2_hit && !(p_outer[2] && s2_entry[offload_pkg::SESS_SESSION_INDEX_LSB +: 32] == offload_pkg::NAT_PASS_SESSION);
        p_tcpst[3] <= s2_tcpst;
        p_sess[3] <= s2_entry;
        p_src[3] <= s2_src;
        p_dst[3] <= s2_dst;
        p_sport[3] <= s2_sport;
        p_dport[3] <= s2_dport;
        if (!p_punt[2] && p_nat[2] && !s2_hit && !p_outer[2]) begin
            p_punt[3] <= 1'b1;
            p_reason[3] <= PUNT_NAT_MISS;
        end
        p_hits[3] <= p_hits[2] | ((p_nat[2] && s2_hit) ? 16'd1 << offload_pkg::TBL_SESSION : 16'd0);
        if (!p_punt[2] && p_fib[2] >= 16'(2**FIB_BITS) && !p_outer[2]) begin
            p_punt[3] <= 1'b1;
            p_reason[3] <= PUNT_EXC;
        end
        // the input ACL runs before NAT and routing: its verdict wins
        if (!p_punt[2] && s2_ain != offload_util::ACL_PASS) begin
            p_punt[3] <= 1'b1;
            p_drop[3] <= s2_ain == offload_util::ACL_DROP;
            p_reason[3] <= offload_util::acl_reason(s2_ain, ain_match);
        end

        // s5 -> s6
        p_hash[6] <= s5_hash;
        if (!p_punt[5] && !s5_found && !p_tcpst[5]) begin
            // ip4-lookup without a route: dropped, as software does (unless software must
            // see the packet's TCP flags first)
            p_punt[6] <= 1'b1;
            p_drop[6] <= 1'b1;
            p_reason[6] <= offload_pkg::DROP_NO_ROUTE[7:0];
        end else if (!p_punt[5] && (!s5_found || s5_lb_bad)) begin
            p_punt[6] <= 1'b1;
            p_reason[6] <= PUNT_EXC;
        end
        p_hits[6] <= p_hits[5] | (s5_found ? 16'd1 << offload_pkg::TBL_LPM_L1 : 16'd0);
        // s6 -> s7
        if (!p_punt[6] && s6_bucket_bad) begin
            p_punt[7] <= 1'b1;
            p_reason[7] <= PUNT_EXC;
        end
        // s7 -> s8
        p_loc[8] <= !p_punt[7] && s7_kind == offload_pkg::DPO_LOCAL[3:0];
        if (!p_punt[7] && s7_kind == offload_pkg::DPO_DROP[3:0] && !p_tcpst[7]) begin
            // a drop route (VPP's special entries, a subnet's network and broadcast
            // addresses, a route with no usable path): dropped, as software does
            p_punt[8] <= 1'b1;
            p_drop[8] <= 1'b1;
            p_reason[8] <= offload_pkg::DROP_DROP_ROUTE[7:0];
        end else if (!p_punt[7] && (s7_kind != offload_pkg::DPO_ADJACENCY[3:0] || s7_adj_bad)) begin
            p_punt[8] <= 1'b1;
            p_reason[8] <= s7_kind == offload_pkg::DPO_GLEAN[3:0] ? offload_pkg::PUNT_GLEAN[7:0]
                : s7_kind == offload_pkg::DPO_LOCAL[3:0] ? offload_pkg::PUNT_LOCAL[7:0] : PUNT_EXC;
        end
        // s8 -> s9
        p_adj[9] <= adj_rd8;
        // s9 -> s10
        p_aohit[10] <= s9_aout_hit;
        p_abhit[10] <= s9_abvi_hit;
        p_tcpst[10] <= p_tcpst[9] || s9_tcpst;
        p_txif[10] <= if_rd9;

        // s10 -> s11: the output register; p_in holds the destination, p_meta the tuser
        p_data[11] <= s10_fwd ? s10_data : p_data[10];
        p_in[11] <= s10_dest;
        p_meta[11] <= s10_tuser;
        p_stash[11] <= s10_decap ? p_data[10][0 +: 400] : s10_encap ? enc_hdr : p_stash[10];
        pre11 <= s10_put_back;
    end
    if (rst) begin
        for (s = 0; s < NS; s = s + 1) p_valid[s] <= 1'b0;
    end
end

// ---------------------------------------------------------------- counters, registers

// STATUS.BUSY: a packet is in an input FIFO, a pipeline stage or a realigner
reg busy;
integer bi;
always @* begin
    busy = in_pending || out_busy;
    for (bi = 0; bi < NS; bi = bi + 1) busy = busy || p_valid[bi];
end

wire cnt_sel, cnt_clear;
wire [31:0] cnt_rdata;
offload_counters #(.N_PORTS(N_PORTS)) counters (
    .clk(clk), .rst(rst), .clear(cnt_clear),
    // (packets from the loop port are second passes: not counted)
    .rx(adv && p_valid[0] && p_sop[0] && p_in[0] != IN_RECIRC), .rx_port(p_in[0]),
    // NAT's session lookups (s2, counted as they leave it) and the LPM (s5)
    .lk({adv && p_valid[5] && p_sop[5] && !p_punt[5] && !p_outer[5],
         adv && p_valid[2] && p_sop[2] && !p_punt[2] && p_nat[2]}),
    .lk_hit({s5_found, s2_hit}),
    .lk_table({5'(offload_pkg::TBL_LPM_L1), 5'(offload_pkg::TBL_SESSION)}),
    .out(out_fire && p_sop[NS-1]), .out_dest(p_in[NS-1]),
    .out_reason(p_meta[NS-1][offload_pkg::META_REASON_LSB +: 6]),
    .rd_addr(reg_addr), .rd_sel(cnt_sel), .rd_data(cnt_rdata));

offload_regs #(.SB(SB), .N_PORTS(N_PORTS), .CAPACITY(CAPACITY)) regs (
    .clk(clk), .rst(rst),
    .reg_addr(reg_addr), .reg_wdata(reg_wdata), .reg_wr(reg_wr), .reg_rd(reg_rd), .reg_rdata(reg_rdata),
    .control(control_reg), .tbl_sel(tbl_sel_reg), .tbl_index(tbl_index_reg), .tw(tw), .tw_data(tw_data),
    .hit_index(hit_idx_reg), .hit_clr(hit_clr), .clear_counters(cnt_clear),
    .busy(busy), .hit_rdata(hit_rdata), .rb_data(rb_data), .cnt_sel(cnt_sel), .cnt_rdata(cnt_rdata));

endmodule

`resetall
