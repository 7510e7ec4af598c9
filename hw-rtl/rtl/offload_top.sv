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
// Forwarded here: IPv4 with up to 8 bytes of options, unfragmented (TCP, UDP, ICMP, others
// without ports) on an L3 interface, through the input ACL (rules matched in parallel,
// reflexive sessions), NAT44 session hits (endpoint-independent and -dependent keys;
// inside-outside interfaces choose out2in for NAT addresses, which are session-table
// entries), the 16-8-8 trie, ECMP buckets by VPP's flow hash, an adjacency rewrite
// with TTL decrement, the output ACL, then out of:
// - an uplink (a wire port);
// - a host interface (a pod's TAP): to the punt port, rewritten, as PuntReason HostTx;
// - a BVI: l2-input there (the BVI's input ACL, the L2 FIB on the adjacency's MACs)
//   and l2-fwd to a VXLAN tunnel (encap), a TAP member (HostTx) or an uplink member.
// VXLAN encap (vxlan4-encap): s10 builds the 50 bytes of outer headers (source port
// from the inner flow's hash), the loop port puts them in front and the outer packet
// makes a second pass as the tunnel's: its load-balance (no LPM), rewrite, output ACL
// and NAT as the uplink's output feature (the in2out lookup ran at s1 on the tunnel's
// encap FIB; s10 checks the uplink's FIB). A punt from that pass carries the VXLAN
// frame and META.RESUME = VXLAN_OUTER: software resumes at the tunnel's load-balance.
//
// VXLAN decap (vxlan4-input, l2-input, l2-fwd to the BVI): a packet whose route is
// LOCAL, UDP to 4789 without a checksum, the I flag set, a tunnel by (local, remote,
// VNI) (s8), an L2 FIB hit on the BVI in the tunnel's bridge domain, unicast, from a
// source the FIB holds statically or in a bridge domain that does not learn (s9), goes
// to the loop port (s10/s11) with its 50 outer bytes stripped (and stashed in the loop
// port's side band) and re-enters the pipeline as ip4-input on the BVI: two pipeline
// slots per packet. If that second pass punts, the stash is put back in front and the
// punt carries the original frame and ingress, with META.SECOND_PASS set. Other L2
// outcomes (miss, flood, learning: PuntReason L2Miss; a member other than the BVI)
// punt from the first pass. Only first passes encapsulate or decapsulate.
//
// Dropped here, counted per DropReason: ACL deny / no match, no route, MTU exceeded.
// TCP packets that change a session's state (SYN/FIN/RST on NAT, flags a reflexive ACL
// session has not seen from that side) go to software (TcpState), which keeps TCP state.
// Everything else goes to the punt port unmodified, with a PuntReason code, for the
// software path. Session hits set hit bits the driver reads for aging.
//
// Tables are written whole (atomically) from the staging registers of the register
// block (offload-tables/src/regs.rs), into memories an FPGA has: each table read by the
// stages is an offload_ram (two ports: the register block's write and read-back, one
// pipeline read), replicated once per stage that reads it per packet; the session table
// lives in the session lookup engines (offload_session_lookup), one copy per key looked
// up (six). Tables compared whole or read without a clock's wait (ACLs, L2 FIB, VXLAN
// tunnels, the port map) and the counters and hit bits (several updates per clock) are
// flip-flops.

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

localparam [3:0] IN_INJECT = 4'(N_PORTS);
localparam [3:0] IN_RECIRC = 4'(N_PORTS + 1);
localparam [7:0] PUNT_L2_MISS = offload_pkg::PUNT_L2_MISS[7:0];
localparam NS = 12;                   // pipeline registers s0..s11
localparam WAYS = offload_pkg::SESSION_WAYS;
localparam SB = SESS_BUCKET_BITS;
localparam L1_BITS = FIB_BITS + 16;
localparam GE_BITS = GROUP_BITS + 8;
localparam SESS_W = offload_pkg::SESS_BITS;
localparam IF_W = offload_pkg::IF_BITS;
localparam [7:0] PUNT_NAT_MISS = offload_pkg::PUNT_NAT_SESSION_MISS[7:0];
localparam [7:0] PUNT_GLEAN = offload_pkg::PUNT_GLEAN[7:0];
localparam [7:0] PUNT_LOCAL = offload_pkg::PUNT_LOCAL[7:0];
localparam [7:0] PUNT_EXC = offload_pkg::PUNT_EXCEPTION[7:0];
localparam [7:0] PUNT_ACL_MISS = offload_pkg::PUNT_ACL_SESSION_MISS[7:0];
localparam [3:0] DEST_DROP = 4'(N_PORTS + 1);   // output "port" of dropped packets
localparam [3:0] DEST_RECIRC = 4'(N_PORTS + 2); // output "port" of packets sent round again
localparam [7:0] PUNT_HOST_TX = offload_pkg::PUNT_HOST_TX[7:0];
localparam [7:0] PUNT_TCP_STATE = offload_pkg::PUNT_TCP_STATE[7:0];
// loop-port metadata (internal): [15:0] the sw_if_index to enter as, [31:16] and [39:32]
// the first pass's ingress sw_if_index and port, [40] the pass: 0 = decapsulated (ip4-input
// on the BVI), 1 = encapsulated (the VXLAN outer packet), [55:48] the tunnel (pass 1)
localparam LM_OUTER = 40;
localparam LM_TUNNEL = 48;

// ---------------------------------------------------------------- helpers

function [15:0] be16(input [511:0] d, input integer i);
    be16 = {d[8*i +: 8], d[8*(i+1) +: 8]};
endfunction

function [31:0] be32(input [511:0] d, input integer i);
    be32 = {d[8*i +: 8], d[8*(i+1) +: 8], d[8*(i+2) +: 8], d[8*(i+3) +: 8]};
endfunction

function [15:0] fold16(input [31:0] x);
    reg [31:0] y;
    begin
        y = {16'd0, x[15:0]} + {16'd0, x[31:16]};
        y = {16'd0, y[15:0]} + {16'd0, y[31:16]};
        fold16 = y[15:0];
    end
endfunction

// csum_delta::apply
function [15:0] csum_apply(input [15:0] c, input [15:0] delta);
    csum_apply = ~fold16({16'd0, ~c} + {16'd0, delta});
endfunction

// checksum::update16
function [15:0] csum_update16(input [15:0] c, input [15:0] old, input [15:0] nw);
    csum_update16 = ~fold16({16'd0, ~c} + {16'd0, ~old} + {16'd0, nw});
endfunction

// ---------------------------------------------------------------- registers

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
    capacities[32*offload_pkg::TBL_LPM_L1 +: 32] = 32'(2**L1_BITS);
    capacities[32*offload_pkg::TBL_LPM_GROUP +: 32] = 32'(2**GE_BITS);
    capacities[32*offload_pkg::TBL_LOAD_BALANCE +: 32] = 32'(2**LB_BITS);
    capacities[32*offload_pkg::TBL_BUCKET +: 32] = 32'(2**BUCKET_BITS);
    capacities[32*offload_pkg::TBL_ADJACENCY +: 32] = 32'(2**ADJ_BITS);
    capacities[32*offload_pkg::TBL_L2FIB +: 32] = 32'(2**L2FIB_BITS);
    capacities[32*offload_pkg::TBL_VXLAN_TUNNEL +: 32] = 32'(2**VXLAN_BITS);
    capacities[32*offload_pkg::TBL_PORT_MAP +: 32] = 32'(N_PORTS);
endfunction
localparam [32*offload_pkg::TABLE_COUNT-1:0] CAPACITY = capacities();
function tw_to(input [31:0] t);
    tw_to = tw && {24'd0, tbl_sel_reg} == t;
endfunction

// ---------------------------------------------------------------- memories

reg [offload_pkg::GLOBAL_BITS-1:0] global_reg = 0;
// ACL tables as flip-flops, every entry visible to the classifiers at once: the fields
// the classifiers match are kept flat (so no clock rebuilds a wide vector from an
// array), the rest of each entry (indices for read-back) beside them.
reg [(2**ACL_LIST_BITS)*32-1:0] lists_flat = 0;
reg [(2**ACL_BITS)*48-1:0]      acls_flat = 0;
reg [15:0]      acl_rest [0:2**ACL_BITS-1];
reg [(2**RULE_BITS)*176-1:0]    rules_flat = 0;
reg [79:0]      rule_rest [0:2**RULE_BITS-1];
// L2 FIB, VXLAN tunnels and the port map as flip-flops too: small tables compared
// whole (a CAM) or read without a clock's wait.
reg [(2**L2FIB_BITS)*128-1:0]   l2fib_flat = 0;
reg [(2**VXLAN_BITS)*160-1:0]   vxlan_flat = 0;
reg [N_PORTS*16-1:0]            port_map_flat = 0;

// Zeroed memories for simulation; on the FPGA block RAM powers up zeroed (and the
// loops over 128k trie entries would only slow down Yosys's frontend).
`ifndef SYNTHESIS
integer ii;
initial begin
    for (ii = 0; ii < 2**ACL_BITS; ii = ii + 1) acl_rest[ii] = 0;
    for (ii = 0; ii < 2**RULE_BITS; ii = ii + 1) rule_rest[ii] = 0;
end
`endif

always @(posedge clk) begin
    if (tw_to(offload_pkg::TBL_GLOBAL)) global_reg <= tw_data[offload_pkg::GLOBAL_BITS-1:0];
    if (tw_to(offload_pkg::TBL_ACL_LIST)) lists_flat[32*tbl_index_reg[ACL_LIST_BITS-1:0] +: 32] <= tw_data[31:0];
    if (tw_to(offload_pkg::TBL_ACL)) begin
        acls_flat[48*tbl_index_reg[ACL_BITS-1:0] +: 48] <= tw_data[47:0];
        acl_rest[tbl_index_reg[ACL_BITS-1:0]] <= tw_data[63:48];
    end
    if (tw_to(offload_pkg::TBL_ACL_RULE)) begin
        rules_flat[176*tbl_index_reg[RULE_BITS-1:0] +: 176] <= tw_data[175:0];
        rule_rest[tbl_index_reg[RULE_BITS-1:0]] <= tw_data[255:176];
    end
    if (tw_to(offload_pkg::TBL_L2FIB)) l2fib_flat[128*tbl_index_reg[L2FIB_BITS-1:0] +: 128] <= tw_data[127:0];
    if (tw_to(offload_pkg::TBL_VXLAN_TUNNEL)) vxlan_flat[160*tbl_index_reg[VXLAN_BITS-1:0] +: 160] <= tw_data[159:0];
    if (tw_to(offload_pkg::TBL_PORT_MAP)) port_map_flat[16*(32'(tbl_index_reg[2:0]) % N_PORTS) +: 16] <= tw_data[15:0];
end

reg  adv;

// Hit bits (HIT_INDEX / HIT_DATA): a bit per slot, set when a packet uses the entry
// (NAT at s2, input ACL at s2, output and BVI ACL at s9), read and cleared by the driver
// for aging. Word i covers buckets 4i..4i+3: bit 8b + w is way w of bucket 4i + b.
// Flip-flops: four sources set bits in one clock, which no block RAM port count allows.
wire [SB-3:0] hit_idx_reg;
wire hit_clr;
localparam NH = 4;                             // hit sources
reg  [NH-1:0] hit_set;
reg  [SB-1:0] hit_b [0:NH-1];
reg  [2:0]    hit_w [0:NH-1];
wire [3:0] hit_word [0:WAYS-1];

genvar gw;
generate
    for (gw = 0; gw < WAYS; gw = gw + 1) begin : way
        reg [2**SB-1:0] hb = 0;
        integer k;
        always @(posedge clk) begin
            // read-and-clear first, so that a hit in the same clock is kept
            if (hit_clr) begin
                for (k = 0; k < 4; k = k + 1) hb[{hit_idx_reg, 2'(k)}] <= 1'b0;
            end
            for (k = 0; k < NH; k = k + 1) begin
                if (hit_set[k] && hit_w[k] == gw) hb[hit_b[k]] <= 1'b1;
            end
        end
        assign hit_word[gw] = hb[{hit_idx_reg, 2'd0} +: 4];
    end
endgenerate
reg [31:0] hit_rdata;
integer hi;
always @* begin
    for (hi = 0; hi < 32; hi = hi + 1) hit_rdata[hi] = hit_word[hi % 8][hi / 8];
end

// Register read-back ports (addressed by TBL_INDEX every clock).
// (port A of the table memories, instantiated below the stages, reads at TBL_INDEX)
wire [IF_W-1:0] if_rb;
wire [SESS_W-1:0] sess_rb;   // (the NAT lookup's copy, way TBL_INDEX[2:0])
wire [127:0] tag_rb;
wire [31:0] l1_rb, grp_rb, bkt_rb;
wire [63:0] lb_rb;
wire [191:0] adj_rb;
reg [511:0] rb_data;
// (combinational: the memories' port A is registered already; the command's clock reads it)
always @* begin
    case ({24'd0, tbl_sel_reg})
        offload_pkg::TBL_GLOBAL: rb_data = {192'd0, global_reg};
        offload_pkg::TBL_INTERFACE: rb_data = {{(512-IF_W){1'b0}}, if_rb};
        offload_pkg::TBL_ACL_LIST: rb_data = {480'd0, lists_flat[32*tbl_index_reg[ACL_LIST_BITS-1:0] +: 32]};
        offload_pkg::TBL_ACL: rb_data = {448'd0, acl_rest[tbl_index_reg[ACL_BITS-1:0]],
                                          acls_flat[48*tbl_index_reg[ACL_BITS-1:0] +: 48]};
        offload_pkg::TBL_ACL_RULE: rb_data = {256'd0, rule_rest[tbl_index_reg[RULE_BITS-1:0]],
                                               rules_flat[176*tbl_index_reg[RULE_BITS-1:0] +: 176]};
        offload_pkg::TBL_SESSION: rb_data = {{(512-SESS_W){1'b0}}, sess_rb};
        offload_pkg::TBL_SESSION_TAG: rb_data = {384'd0, tag_rb};
        offload_pkg::TBL_LPM_L1: rb_data = {480'd0, l1_rb};
        offload_pkg::TBL_LPM_GROUP: rb_data = {480'd0, grp_rb};
        offload_pkg::TBL_LOAD_BALANCE: rb_data = {448'd0, lb_rb};
        offload_pkg::TBL_BUCKET: rb_data = {480'd0, bkt_rb};
        offload_pkg::TBL_ADJACENCY: rb_data = {320'd0, adj_rb};
        offload_pkg::TBL_L2FIB: rb_data = {384'd0, l2fib_flat[128*tbl_index_reg[L2FIB_BITS-1:0] +: 128]};
        offload_pkg::TBL_VXLAN_TUNNEL: rb_data = {352'd0, vxlan_flat[160*tbl_index_reg[VXLAN_BITS-1:0] +: 160]};
        offload_pkg::TBL_PORT_MAP: rb_data = {496'd0, port_map_flat[16*(32'(tbl_index_reg[2:0]) % N_PORTS) +: 16]};
        default: rb_data = 512'd0;
    endcase
end

// ---------------------------------------------------------------- ingress

// the loop port's write side (the realigner below the output stage)
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
reg [3:0]    p_in    [0:NS-1];
reg [63:0]   p_meta  [0:NS-1];
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
reg [31:0]   p_lpm   [0:NS-1];
reg [31:0]   p_hash  [0:NS-1];
reg [31:0]   p_dpo   [0:NS-1];
reg [191:0]  p_adj   [0:NS-1];
reg [IF_W-1:0] p_ife [0:NS-1];
reg          p_drop  [0:NS-1];   // dropped (p_punt set too: stop), p_reason holds the DropReason
reg [7:0]    p_tcpf  [0:NS-1];   // TCP flags (0 unless TCP)
reg          p_aohit [0:NS-1];   // output ACL reflexive session hit (s10)
reg [IF_W-1:0] p_txif [0:NS-1];  // tx interface entry (s10)
reg          p_loc   [0:NS-1];   // the route is LOCAL (s8 on): a VXLAN decap candidate
reg [399:0]  p_stash [0:NS-1];   // loop-port packets: the outer headers stripped (s11: to strip)
reg          pre11;              // s11: the punt of a second pass, the stash to put back

// read data registered at a stage boundary
// (the table memories' port B outputs: offload_ram instances below the stages)
wire [IF_W-1:0] if_rd1, if_rd9, vx_if9;
wire [31:0] l1_rd3, grp_rd4, grp_rd5;
// Waiver: entries are read whole; a stage uses only some of their fields.
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] l2_if10;      // the L2 FIB hit's interface (the bridge member)
wire [63:0] lb_rd6;
/* verilator lint_on UNUSEDSIGNAL */
wire [31:0] bkt_rd7;
wire [191:0] adj_rd8;


// ---- s0: parse
wire [511:0] d0 = p_data[0];
wire [15:0] s0_ethertype = be16(d0, 12);
wire [7:0]  s0_vihl = d0[8*14 +: 8];
wire [15:0] s0_tlen = be16(d0, 16);
wire [15:0] s0_frag = be16(d0, 20);
wire [7:0]  s0_ttl = d0[8*22 +: 8];
wire [7:0]  s0_proto = d0[8*23 +: 8];
// IPv4 options: VPP's ip4-input sends every header with options to ip4-options, which
// forwards none of them (software counts the drop, or delivers IGMP router alerts):
// the NIC takes 20-byte headers only and punts the rest
localparam [3:0] MAX_IHL = 4'd5;
wire [3:0]  s0_ihlw = s0_vihl[3:0];
wire [15:0] s0_ihl = {10'd0, s0_ihlw, 2'b00};
wire [6:0]  s0_l4o = 7'd14 + {1'b0, s0_ihlw, 2'b00};   // the L4 header's offset in the frame
reg  [31:0] s0_sum;
integer si;
always @* begin
    s0_sum = 0;
    for (si = 0; si < 2 * MAX_IHL; si = si + 1) begin
        if (si < 2 * {28'd0, s0_ihlw}) s0_sum = s0_sum + {16'd0, be16(d0, 14 + 2*si)};
    end
end
wire [15:0] s0_l4len = s0_tlen - s0_ihl;
wire [7:0]  s0_doff = {2'd0, d0[8*({25'd0, s0_l4o} + 12) + 4 +: 4], 2'd0};
wire [15:0] s0_ulen = be16(d0, {25'd0, s0_l4o} + 4);
// A frame may be longer than its IPv4 packet (Ethernet padding of a short packet): as in
// VPP's ip4-input it is accepted (the IP length must fit), and the trailing bytes stay
// with the packet to its output, or inside a VXLAN encapsulation
wire s0_ipok = p_len[0] >= 16'd34 && s0_ethertype == 16'h0800 && s0_vihl[7:4] == 4'd4
    && s0_ihlw >= 4'd5 && s0_ihlw <= MAX_IHL && s0_tlen >= s0_ihl
    && s0_tlen <= p_len[0] - 16'd14 && fold16(s0_sum) == 16'hffff
    && (s0_frag & 16'h3fff) == 16'd0 && s0_ttl > 8'd1;
// Multicast destinations go to VPP's ip4-mfib, not the unicast FIB: software takes them
wire s0_mcast = s0_vihl[7:4] == 4'd4 && d0[8*30 + 4 +: 4] == 4'he;
wire s0_tcp = s0_proto == 8'd6 && s0_l4len >= 16'd20 && s0_doff >= 8'd20 && {8'd0, s0_doff} <= s0_l4len;
wire s0_udp = s0_proto == 8'd17 && s0_l4len >= 16'd8 && s0_ulen >= 16'd8 && s0_ulen <= s0_l4len;
// ICMP: type and code (the ACLs' "ports"), and for echo request and reply the
// identifier (NAT's port, both ways); other protocols are routed without ports
wire s0_icmp = s0_proto == 8'd1 && s0_l4len >= 16'd8;
wire [7:0]  s0_itype = d0[8*{25'd0, s0_l4o} +: 8];
wire s0_echo = s0_icmp && (s0_itype == 8'd0 || s0_itype == 8'd8);
wire [15:0] s0_ident = be16(d0, {25'd0, s0_l4o} + 4);
wire s0_l4bad = (s0_proto == 8'd6 && !s0_tcp) || (s0_proto == 8'd17 && !s0_udp) || (s0_proto == 8'd1 && !s0_icmp);
wire [7:0]  s0_tcpf = s0_tcp ? d0[8*({25'd0, s0_l4o} + 13) +: 8] : 8'd0;
wire s0_inject = p_in[0] == IN_INJECT;
// inject and loop-port packets enter as the sw_if_index of their metadata
wire [15:0] s0_sw = (s0_inject || p_in[0] == IN_RECIRC) ? p_meta[0][offload_pkg::META_SW_IF_INDEX_LSB +: 16]
    : port_map_flat[16*(32'(p_in[0][2:0]) % N_PORTS) +: 16];
wire s0_direct = s0_inject && p_meta[0][offload_pkg::META_DIRECT_LSB];
// the outer packet of an encap: its tunnel's load-balance and encap FIB
wire s0_outer = p_in[0] == IN_RECIRC && p_meta[0][LM_OUTER];
// Waiver: tunnel entries are read whole; each stage uses some of their fields.
/* verilator lint_off UNUSEDSIGNAL */
wire [159:0] s0_tun = vxlan_flat[160*p_meta[0][LM_TUNNEL +: VXLAN_BITS] +: 160];
/* verilator lint_on UNUSEDSIGNAL */
// A session key with every field at the contract's position (offload_pkg SKEY_*), so a
// layout change in offload-tables moves the RTL's keys with it.
function [offload_pkg::SKEY_BITS-1:0] skey(input [31:0] src, input [31:0] dst, input [15:0] sport,
                                           input [15:0] dport, input [7:0] proto, input [7:0] kind,
                                           input [15:0] scope);
    skey = {offload_pkg::SKEY_BITS{1'b0}};
    skey[offload_pkg::SKEY_SRC_LSB +: offload_pkg::SKEY_SRC_W] = src;
    skey[offload_pkg::SKEY_DST_LSB +: offload_pkg::SKEY_DST_W] = dst;
    skey[offload_pkg::SKEY_SPORT_LSB +: offload_pkg::SKEY_SPORT_W] = sport;
    skey[offload_pkg::SKEY_DPORT_LSB +: offload_pkg::SKEY_DPORT_W] = dport;
    skey[offload_pkg::SKEY_PROTO_LSB +: offload_pkg::SKEY_PROTO_W] = proto;
    skey[offload_pkg::SKEY_KIND_LSB +: offload_pkg::SKEY_KIND_W] = kind;
    skey[offload_pkg::SKEY_SCOPE_LSB +: offload_pkg::SKEY_SCOPE_W] = scope;
endfunction

// Is the destination a NAT address? (an inside-outside interface sends it to out2in)
wire [127:0] key_ext = skey(32'd0, be32(d0, 30), 16'd0, 16'd0, 8'd0, offload_pkg::SESSION_KIND_NAT_EXTERNAL[7:0], 16'd0);
reg [15:0] ofib1;
wire s1_ext;
// Session lookups: one engine per key, each with its own copy of the session table
// (offload_session_lookup), written together by the register block. The NAT lookup's
// copy answers the driver's read-back.
wire we_sess = tw_to(offload_pkg::TBL_SESSION);
wire we_tag = tw_to(offload_pkg::TBL_SESSION_TAG);
// Waiver: the other copies' read-back is left unconnected (synthesis removes those ports).
/* verilator lint_off PINCONNECTEMPTY */
// (an entry's index is bucket * WAYS + way, a tag word's the bucket)
wire [SB-1:0] sess_w_bucket = {24'd0, tbl_sel_reg} == offload_pkg::TBL_SESSION_TAG
    ? tbl_index_reg[SB-1:0] : tbl_index_reg[SB+2:3];
`define OFFLOAD_SESSION_WRITES \
    .clk(clk), .w_bucket(sess_w_bucket), .w_way(tbl_index_reg[2:0]), .w_entry_we(we_sess), \
    .w_tag_we(we_tag), .w_data(tw_data[SESS_W-1:0]), .en(adv)
offload_session_lookup #(.BUCKET_BITS(SB)) lookup_ext (`OFFLOAD_SESSION_WRITES,
    .rb_entry(), .rb_tags(), .key(key_ext), .hit(s1_ext), .hit_bucket(), .hit_way(), .entry());

// ---- s1: interface checks, NAT keys
wire [IF_W-1:0] ife1 = if_rd1;
wire [15:0] if1_flags = ife1[offload_pkg::IF_FLAGS_LSB +: 16];
wire [7:0]  if1_kind = ife1[offload_pkg::IF_KIND_LSB +: 8];
// (l2-fwd hands the loop port's packets to ip4-input on the BVI, past receive's checks)
wire if1_loop = p_in[1] == IN_RECIRC;
wire if1_bad = if1_kind == 8'd0 || ((if1_flags & offload_pkg::IF_FLAG_UP[15:0]) == 16'd0 && !if1_loop)
    || ((if1_flags & offload_pkg::IF_FLAG_L2[15:0]) != 16'd0 && !if1_loop)
    || (p_sw[1] >> IF_BITS) != 16'd0;
wire nat_en = global_reg[offload_pkg::GLOBAL_NAT_ENABLED_LSB +: 8] != 8'd0;
wire if1_in = (if1_flags & offload_pkg::IF_FLAG_NAT_INSIDE[15:0]) != 16'd0;
wire if1_out = (if1_flags & offload_pkg::IF_FLAG_NAT_OUTSIDE[15:0]) != 16'd0;
// The outer packet of an encap looks up in2out keys on the tunnel's encap FIB: NAT as
// the output feature of the uplink it will leave by, used (and its FIB checked) at s10.
wire outer1 = p_outer[1];
wire s1_nat = nat_en && (outer1 || if1_in || if1_out);
wire [15:0] fib1 = outer1 ? ofib1 : ife1[offload_pkg::IF_FIB_INDEX_LSB +: 16];
// nat44-out2in, or in2out; an inside-outside interface chooses out2in for a NAT address
wire if1_o2i = !outer1 && if1_out && (!if1_in || s1_ext);
// the NAT address entries may be among those the NIC could not hold
// ICMP other than echo (errors quote a packet NAT translates too) is software's
wire s1_icmp_other = p_proto[1] == 8'd1 && p_ic[1][15:8] != 8'd0 && p_ic[1][15:8] != 8'd8;
wire s1_natbad = !outer1 && s1_nat && (!p_l4[1] || s1_icmp_other || (if1_in && if1_out && !s1_ext && partial));
wire [7:0] kind_ed = if1_o2i ? offload_pkg::SESSION_KIND_NAT_OUT2IN_ED[7:0] : offload_pkg::SESSION_KIND_NAT_IN2OUT_ED[7:0];
wire [127:0] key_ed = skey(p_src[1], p_dst[1], p_sport[1], p_dport[1], p_proto[1], kind_ed, fib1);
wire [127:0] key_simple = if1_o2i
    ? skey(32'd0, p_dst[1], 16'd0, p_dport[1], p_proto[1], offload_pkg::SESSION_KIND_NAT_OUT2IN[7:0], fib1)
    : skey(p_src[1], 32'd0, p_sport[1], 16'd0, p_proto[1], offload_pkg::SESSION_KIND_NAT_IN2OUT[7:0], fib1);
// software's probe order: out2in tries the ED key first, in2out the simple key first
wire [127:0] key0 = if1_o2i ? key_ed : key_simple;
wire [127:0] key1 = if1_o2i ? key_simple : key_ed;
wire nat0_hit, nat1_hit;
wire [SB-1:0] nat0_b, nat1_b;
wire [2:0] nat0_w, nat1_w;
wire [SESS_W-1:0] nat0_e, nat1_e;
offload_session_lookup #(.BUCKET_BITS(SB)) lookup_nat0 (`OFFLOAD_SESSION_WRITES,
    .rb_entry(sess_rb), .rb_tags(tag_rb), .key(key0),
    .hit(nat0_hit), .hit_bucket(nat0_b), .hit_way(nat0_w), .entry(nat0_e));
offload_session_lookup #(.BUCKET_BITS(SB)) lookup_nat1 (`OFFLOAD_SESSION_WRITES,
    .rb_entry(), .rb_tags(), .key(key1), .hit(nat1_hit), .hit_bucket(nat1_b), .hit_way(nat1_w), .entry(nat1_e));
// reflexive ACL session of the input ACL: the packet's flow as it is (acl.rs session_key)
wire [127:0] key_ain = skey(p_src[1], p_dst[1], p_sport[1], p_dport[1], p_proto[1],
    offload_pkg::SESSION_KIND_ACL[7:0], p_sw[1]);
wire s2_ain_hit;
wire [SB-1:0] s2_ain_b;
wire [2:0] s2_ain_w;
// Waiver: of a reflexive ACL session's entry the TCP flags seen are used.
/* verilator lint_off UNUSEDSIGNAL */
wire [SESS_W-1:0] s2_ain_e;
/* verilator lint_on UNUSEDSIGNAL */
offload_session_lookup #(.BUCKET_BITS(SB)) lookup_ain (`OFFLOAD_SESSION_WRITES,
    .rb_entry(), .rb_tags(), .key(key_ain), .hit(s2_ain_hit), .hit_bucket(s2_ain_b), .hit_way(s2_ain_w), .entry(s2_ain_e));
// s8: the output ACL's session key, on the tx interface, the flow swapped
wire [15:0] tx_sw8 = adj_rd8[offload_pkg::ADJ_SW_IF_INDEX_LSB +: 16];
wire [127:0] key_aout = skey(p_dst[8], p_src[8], p_dport[8], p_sport[8], p_proto[8],
    offload_pkg::SESSION_KIND_ACL[7:0], tx_sw8);
wire s9_aout_hit;
wire [SB-1:0] s9_aout_b;
wire [2:0] s9_aout_w;
// Waiver: of a reflexive ACL session's entry the TCP flags seen are used.
/* verilator lint_off UNUSEDSIGNAL */
wire [SESS_W-1:0] s9_aout_e;
/* verilator lint_on UNUSEDSIGNAL */
offload_session_lookup #(.BUCKET_BITS(SB)) lookup_aout (`OFFLOAD_SESSION_WRITES,
    .rb_entry(), .rb_tags(), .key(key_aout), .hit(s9_aout_hit), .hit_bucket(s9_aout_b), .hit_way(s9_aout_w), .entry(s9_aout_e));
// s8: the reflexive session of the BVI's L2 input ACL (a route into the bridge), the
// flow as it is, on the BVI
wire [127:0] key_abvi = skey(p_src[8], p_dst[8], p_sport[8], p_dport[8], p_proto[8],
    offload_pkg::SESSION_KIND_ACL[7:0], tx_sw8);
wire s9_abvi_hit;
wire [SB-1:0] s9_abvi_b;
wire [2:0] s9_abvi_w;
// Waiver: of a reflexive ACL session's entry the TCP flags seen are used.
/* verilator lint_off UNUSEDSIGNAL */
wire [SESS_W-1:0] s9_abvi_e;
/* verilator lint_on UNUSEDSIGNAL */
offload_session_lookup #(.BUCKET_BITS(SB)) lookup_abvi (`OFFLOAD_SESSION_WRITES,
    .rb_entry(), .rb_tags(), .key(key_abvi), .hit(s9_abvi_hit), .hit_bucket(s9_abvi_b), .hit_way(s9_abvi_w), .entry(s9_abvi_e));
`undef OFFLOAD_SESSION_WRITES
/* verilator lint_on PINCONNECTEMPTY */

// An ACL "port": the ICMP type (or code), else the L4 port.
function [15:0] acl_port(input [7:0] proto, input [7:0] icmp, input [15:0] port);
    acl_port = proto == 8'd1 ? {8'd0, icmp} : port;
endfunction

// VPP's acl l4_valid: the L4 identifiers could be read, i.e. 8 bytes after the IPv4
// header in the frame (padding counts); TCP, UDP and ICMP with short headers never get
// here (they punt). Other protocols match rules naming them on ports 0.
wire acl_l4_1 = p_l4[1] || p_len[1] >= {9'd0, p_l4o[1]} + 16'd8;
wire acl_l4_9 = p_l4[9] || p_len[9] >= {9'd0, p_l4o[9]} + 16'd8;

// input ACL: stage A at s1 (the flow before NAT), verdict at s2
wire ain_match, ain_unsure;
wire [7:0] ain_action;
offload_acl #(.RULE_BITS(RULE_BITS), .ACL_BITS(ACL_BITS), .LIST_BITS(ACL_LIST_BITS), .MAX_LISTS(ACL_MAX_LISTS))
acl_in (
    .clk(clk), .adv(adv), .rules(rules_flat), .acls(acls_flat), .lists(lists_flat),
    .src(p_src[1]), .dst(p_dst[1]), .proto(p_proto[1]), .sport(acl_port(p_proto[1], p_ic[1][15:8], p_sport[1])),
    .dport(acl_port(p_proto[1], p_ic[1][7:0], p_dport[1])),
    .tcp_flags(p_tcpf[1]), .l4_valid(acl_l4_1),
    .list_start(ife1[offload_pkg::IF_ACL_IN_START_LSB +: 16]), .list_count(ife1[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16]),
    .match(ain_match), .action(ain_action), .unsure(ain_unsure)
);

// output ACL: stage A at s9 (the flow after NAT, the tx interface's list), verdict at s10
wire aout_match, aout_unsure;
wire [7:0] aout_action;
offload_acl #(.RULE_BITS(RULE_BITS), .ACL_BITS(ACL_BITS), .LIST_BITS(ACL_LIST_BITS), .MAX_LISTS(ACL_MAX_LISTS))
acl_out (
    .clk(clk), .adv(adv), .rules(rules_flat), .acls(acls_flat), .lists(lists_flat),
    .src(p_src[9]), .dst(p_dst[9]), .proto(p_proto[9]), .sport(acl_port(p_proto[9], p_ic[9][15:8], p_sport[9])),
    .dport(acl_port(p_proto[9], p_ic[9][7:0], p_dport[9])),
    .tcp_flags(p_tcpf[9]), .l4_valid(acl_l4_9),
    .list_start(if_rd9[offload_pkg::IF_ACL_OUT_START_LSB +: 16]),
    .list_count(if_rd9[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16]),
    .match(aout_match), .action(aout_action), .unsure(aout_unsure)
);

// the BVI's L2 input ACL (acl-plugin-in-ip4-l2) for a route into the bridge: stage A at
// s9 (the flow after NAT, the tx interface's input list), verdict at s10
wire abvi_match, abvi_unsure;
wire [7:0] abvi_action;
offload_acl #(.RULE_BITS(RULE_BITS), .ACL_BITS(ACL_BITS), .LIST_BITS(ACL_LIST_BITS), .MAX_LISTS(ACL_MAX_LISTS))
acl_bvi (
    .clk(clk), .adv(adv), .rules(rules_flat), .acls(acls_flat), .lists(lists_flat),
    .src(p_src[9]), .dst(p_dst[9]), .proto(p_proto[9]), .sport(acl_port(p_proto[9], p_ic[9][15:8], p_sport[9])),
    .dport(acl_port(p_proto[9], p_ic[9][7:0], p_dport[9])),
    .tcp_flags(p_tcpf[9]), .l4_valid(acl_l4_9),
    .list_start(if_rd9[offload_pkg::IF_ACL_IN_START_LSB +: 16]),
    .list_count(if_rd9[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16]),
    .match(abvi_match), .action(abvi_action), .unsure(abvi_unsure)
);

// An ACL verdict as the acl-plugin node decides it: a session hit permits; else the
// first rule: permit passes, permit+reflect needs a session (software creates it:
// punt), anything else denies; no rule denies. While software holds sessions the NIC
// lacks (CONTROL.SESSIONS_PARTIAL), a session miss that would deny punts instead.
function [1:0] acl_verdict(input sess_hit, input match, input [7:0] action, input unsure, input part);
    reg permit, reflect;
    begin
        permit = match && action == offload_pkg::ACL_ACTION_PERMIT[7:0];
        reflect = match && action == offload_pkg::ACL_ACTION_PERMIT_REFLECT[7:0];
        if (unsure) acl_verdict = 2'd3;                       // punt: exception
        else if (sess_hit || permit) acl_verdict = 2'd0;      // pass
        else if (reflect || part) acl_verdict = 2'd1;         // punt: session miss
        else acl_verdict = 2'd2;                              // drop
    end
endfunction
// The reason a verdict other than pass gives: the DropReason of a drop (a denying rule,
// or none matched), the PuntReason of a punt.
function [7:0] acl_reason(input [1:0] verdict, input match);
    acl_reason = verdict == 2'd2 ? (match ? offload_pkg::DROP_ACL_DENY[7:0] : offload_pkg::DROP_ACL_NO_MATCH[7:0])
        : verdict == 2'd1 ? PUNT_ACL_MISS : PUNT_EXC;
endfunction

// ---- s2: session match, NAT rewrite of the flow, trie level 1
// NAT: software's probe order, the first key's hit before the second's
wire s2_hit = nat0_hit || nat1_hit;
wire [SESS_W-1:0] s2_entry = nat0_hit ? nat0_e : nat1_e;
wire [SB-1:0] s2_hit_b = nat0_hit ? nat0_b : nat1_b;
wire [2:0] s2_hit_w = nat0_hit ? nat0_w : nat1_w;
// a TCP packet's flags that a session has not seen from this side and that change its state
function acl_new_flags(input [15:0] seen, input output_side, input [7:0] tcp_flags);
    acl_new_flags = (tcp_flags & offload_pkg::TCP_STATE_FLAGS[7:0] & ~(output_side ? seen[15:8] : seen[7:0])) != 8'd0;
endfunction
wire s2_ain_on = p_ife[2][offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0 && !p_outer[2];
wire [1:0] s2_ain = s2_ain_on ? acl_verdict(s2_ain_hit, ain_match, ain_action, ain_unsure, partial) : 2'd0;
wire [7:0] s2_ain_reason = acl_reason(s2_ain, ain_match);
wire [15:0] s2_sflags = s2_entry[offload_pkg::SESS_FLAGS_LSB +: 16];
// (the outer packet's NAT applies after the output ACL: at s10, from the entry)
wire s2_rw_src = p_nat[2] && s2_hit && !p_outer[2] && (s2_sflags & offload_pkg::SESS_FLAG_REWRITE_SRC[15:0]) != 0;
wire s2_rw_dst = p_nat[2] && s2_hit && !p_outer[2] && (s2_sflags & offload_pkg::SESS_FLAG_REWRITE_DST[15:0]) != 0;
wire [31:0] s2_src = s2_rw_src ? s2_entry[offload_pkg::SESS_NEW_SRC_LSB +: 32] : p_src[2];
wire [31:0] s2_dst = s2_rw_dst ? s2_entry[offload_pkg::SESS_NEW_DST_LSB +: 32] : p_dst[2];
// ICMP echo: the identifier moves from the side that moved (the source's when both did)
// and is then both "ports"; other ICMP keeps its ports (zero)
wire s2_echo = p_proto[2] == 8'd1 && (p_ic[2][15:8] == 8'd0 || p_ic[2][15:8] == 8'd8);
wire [15:0] s2_id = s2_rw_src ? s2_entry[offload_pkg::SESS_NEW_SPORT_LSB +: 16] : s2_entry[offload_pkg::SESS_NEW_DPORT_LSB +: 16];
wire [15:0] s2_sport = p_proto[2] == 8'd1 ? (s2_echo && (s2_rw_src || s2_rw_dst) ? s2_id : p_sport[2])
    : s2_rw_src ? s2_entry[offload_pkg::SESS_NEW_SPORT_LSB +: 16] : p_sport[2];
wire [15:0] s2_dport = p_proto[2] == 8'd1 ? (s2_echo && (s2_rw_src || s2_rw_dst) ? s2_id : p_dport[2])
    : s2_rw_dst ? s2_entry[offload_pkg::SESS_NEW_DPORT_LSB +: 16] : p_dport[2];

// Hits to record, and TCP packets that change the state of a session they hit: SYN,
// FIN or RST on a NAT session, a state flag a reflexive ACL session has not seen from
// that side. Software must see those (PuntReason TcpState).
wire s2_tcp = p_proto[2] == 8'd6 && p_l4[2];
wire s2_nat_used = p_nat[2] && s2_hit;
wire s2_ain_used = s2_ain_on && s2_ain_hit;
wire s2_tcpst = s2_tcp && ((s2_nat_used && (p_tcpf[2] & offload_pkg::TCP_CONTROL_FLAGS[7:0]) != 8'd0)
    || (s2_ain_used && acl_new_flags(s2_ain_e[offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b0, p_tcpf[2])));
wire s9_tcp = p_proto[9] == 8'd6 && p_l4[9];
wire s9_aout_used = if_rd9[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16] != 16'd0 && s9_aout_hit;
wire s9_abvi_used = bvi9 && if_rd9[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0 && s9_abvi_hit;
wire s9_tcpst = s9_tcp && ((s9_aout_used && acl_new_flags(s9_aout_e[offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b1, p_tcpf[9]))
    || (s9_abvi_used && acl_new_flags(s9_abvi_e[offload_pkg::SESS_TCP_FLAGS_SEEN_LSB +: 16], 1'b0, p_tcpf[9])));
wire s2_rec = adv && p_valid[2] && p_sop[2] && !p_punt[2];
wire s9_rec = adv && p_valid[9] && p_sop[9] && !p_punt[9];
always @* begin
    hit_set[0] = s2_rec && s2_nat_used;
    hit_b[0] = s2_hit_b;
    hit_w[0] = s2_hit_w;
    hit_set[1] = s2_rec && s2_ain_used;
    hit_b[1] = s2_ain_b;
    hit_w[1] = s2_ain_w;
    hit_set[2] = s9_rec && s9_aout_used;
    hit_b[2] = s9_aout_b;
    hit_w[2] = s9_aout_w;
    hit_set[3] = s9_rec && s9_abvi_used;
    hit_b[3] = s9_abvi_b;
    hit_w[3] = s9_abvi_w;
end

// ---- s3..s5: trie
wire s4_grp = p_lpm[4][30];
wire [31:0] s4_e = s4_grp ? grp_rd4 : p_lpm[4];
wire s5_grp = p_lpm[5][30];
/* verilator lint_off UNUSEDSIGNAL */ // trie entry: flags and the 24-bit value only
wire [31:0] s5_e = s5_grp ? grp_rd5 : p_lpm[5];
/* verilator lint_on UNUSEDSIGNAL */
wire s5_found = s5_e[31] && !s5_e[30];
wire [31:0] s5_hash;
// flow_hash::hashes_ports, of the flow after NAT (s3 on): in at s3, the hash at s5
wire s3_ports = p_l4[3] && (p_proto[3] == 8'd6 || p_proto[3] == 8'd17);
offload_flow_hash fh (.clk(clk), .en(adv), .src(p_src[3]), .dst(p_dst[3]), .proto(p_proto[3]),
    .sport(s3_ports ? p_sport[3] : 16'd0), .dport(s3_ports ? p_dport[3] : 16'd0), .hash(s5_hash));

// ---- s6: bucket
wire [15:0] s6_nb = lb_rd6[offload_pkg::LB_N_BUCKETS_LSB +: 16];
wire [31:0] s6_h = s6_nb > 16'd1 ? p_hash[6] : 32'd0;
wire [31:0] s6_bucket = lb_rd6[offload_pkg::LB_BUCKET_START_LSB +: 32] + (s6_h & ({16'd0, s6_nb} - 32'd1));

// ---- s7: dpo
wire [3:0]  s7_kind = bkt_rd7[31:28];
wire [27:0] s7_index = bkt_rd7[27:0];

// ---- s9: output ACL session match (stage A of the output classifier runs here)


// ---- s8..s10: vxlan4-input and l2-input of the tunnel, for LOCAL routes (decap)
// s8: the tunnel by (local = dst, remote = src, VNI) on the flow after NAT; software's
// map keeps the last of equal keys, so the last match wins. Slot 0 (sw_if_index 0) is empty.
reg        s8_vx_hit;
reg [15:0] s8_vx_sw;
integer vi;
wire [31:0] s8_vni = {8'd0, p_data[8][8*46 +: 8], p_data[8][8*47 +: 8], p_data[8][8*48 +: 8]};
always @* begin
    s8_vx_hit = 1'b0;
    s8_vx_sw = 16'd0;
    for (vi = 0; vi < 2**VXLAN_BITS; vi = vi + 1) begin
        if (vxlan_flat[160*vi + offload_pkg::VXLAN_SW_IF_INDEX_LSB +: 16] != 16'd0
                && vxlan_flat[160*vi + offload_pkg::VXLAN_SRC_LSB +: 32] == p_dst[8]
                && vxlan_flat[160*vi + offload_pkg::VXLAN_DST_LSB +: 32] == p_src[8]
                && vxlan_flat[160*vi + offload_pkg::VXLAN_VNI_LSB +: 32] == s8_vni) begin
            s8_vx_hit = 1'b1;
            s8_vx_sw = vxlan_flat[160*vi + offload_pkg::VXLAN_SW_IF_INDEX_LSB +: 16];
        end
    end
end
reg            vx_hit9, vx_hit10;
reg [15:0]     vx_sw9, vx_sw10;
// Waiver: the tunnel interface's entry is read whole; l2-input uses its bridge domain and input ACL.
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_on UNUSEDSIGNAL */
reg            vx_ain10;
// s9: l2-input on the tunnel interface (decap: the inner frame's MACs), or on the BVI a
// route leaves by (encap: the adjacency's MACs): the L2 FIB by (bridge domain, MAC),
// exact match over all entries (software's map keeps the last of equal keys); the source
// MAC too: where the bridge domain learns, a source the FIB does not hold statically is
// one software may learn (punt).
wire bvi9 = !p_loc[9] && (if_rd9[offload_pkg::IF_FLAGS_LSB +: 16] & offload_pkg::IF_FLAG_BVI[15:0]) != 16'd0;
// Waiver: l2-input reads the bridge domain and its flags of the interface entry.
/* verilator lint_off UNUSEDSIGNAL */
wire [IF_W-1:0] l2if9 = bvi9 ? if_rd9 : vx_if9;
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] s9_bd = l2if9[offload_pkg::IF_BD_INDEX_LSB +: 16];
wire [47:0] s9_dmac = bvi9 ? p_adj[9][offload_pkg::ADJ_REWRITE_LSB +: 48] : p_data[9][8*50 +: 48];
wire [47:0] s9_smac = bvi9 ? p_adj[9][offload_pkg::ADJ_REWRITE_LSB + 48 +: 48] : p_data[9][8*56 +: 48];
wire s9_learn = (l2if9[offload_pkg::IF_BD_FLAGS_LSB +: 8] & offload_pkg::BD_FLAG_LEARN[7:0]) != 8'd0;
reg        s9_l2_hit, s9_src_known;
reg [15:0] s9_l2_sw;
reg [7:0]  s9_l2_flags;
integer li;
always @* begin
    s9_l2_hit = 1'b0;
    s9_src_known = 1'b0;
    s9_l2_sw = 16'd0;
    s9_l2_flags = 8'd0;
    for (li = 0; li < 2**L2FIB_BITS; li = li + 1) begin
        if (l2fib_flat[128*li + offload_pkg::L2FIB_SW_IF_INDEX_LSB +: 16] != 16'd0
                && l2fib_flat[128*li + offload_pkg::L2FIB_BD_INDEX_LSB +: 16] == s9_bd) begin
            if (l2fib_flat[128*li + offload_pkg::L2FIB_MAC_LSB +: 48] == s9_dmac) begin
                s9_l2_hit = 1'b1;
                s9_l2_sw = l2fib_flat[128*li + offload_pkg::L2FIB_SW_IF_INDEX_LSB +: 16];
                s9_l2_flags = l2fib_flat[128*li + offload_pkg::L2FIB_FLAGS_LSB +: 8];
            end
            if (l2fib_flat[128*li + offload_pkg::L2FIB_MAC_LSB +: 48] == s9_smac) s9_src_known = 1'b1;
        end
    end
end
reg        l2_hit10, l2_srcok10, l2_dgrp10, l2_range10;
reg [15:0] l2_sw10;
reg [7:0]  l2_flags10;
reg        p_abhit10;        // the BVI's L2 input ACL: reflexive session hit
// Waiver: the bridge member's entry is read whole; l2-output uses kind, flags, port, output ACL, tunnel.
/* verilator lint_off UNUSEDSIGNAL */
/* verilator lint_on UNUSEDSIGNAL */
// s10: what vxlan4-input accepts (UDP to 4789 without a checksum to verify, the I flag,
// an inner Ethernet header, a tunnel, no L2 input ACL on it); the first pass only
wire s10_vx = VXLAN_DECAP != 0 && p_loc[10] && p_in[10] != IN_RECIRC
    && p_proto[10] == 8'd17 && p_l4[10] && p_l4o[10] == 7'd34 && p_dport[10] == 16'd4789 && be16(p_data[10], 40) == 16'd0
    && p_len[10] >= 16'd64 && p_data[10][8*42 + 3] && vx_hit10 && !vx_ain10;
// a packet to one of the node's tunnels, whether the NIC takes it or not (then it is
// vxlan4-input's work in software, not ip4-local's)
wire s10_vxtun = p_loc[10] && p_proto[10] == 8'd17 && p_l4[10] && p_dport[10] == 16'd4789 && vx_hit10;
// l2-fwd to a known unicast destination from a known source (no learning)
wire s10_l2ok = l2_hit10 && !l2_dgrp10 && l2_srcok10;
// to the BVI: ip4-input there, on the loop port (members: software, for now)
wire s10_decap = s10_vx && s10_l2ok && l2_range10 && l2_sw10 != vx_sw10
    && (l2_flags10 & offload_pkg::L2FIB_FLAG_BVI[7:0]) != 8'd0;

// ---- s10: decision and rewrite
// Waiver: whole entries (adjacency, tx interface) in, some fields used; tx_sw's low bits
// index the interface table, its high bits are only range-checked.
/* verilator lint_off UNUSEDSIGNAL */
wire [191:0] adj9 = p_adj[10];
wire [IF_W-1:0] txif = p_txif[10];
wire [15:0] tx_sw = adj9[offload_pkg::ADJ_SW_IF_INDEX_LSB +: 16];
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] tx_flags = txif[offload_pkg::IF_FLAGS_LSB +: 16];
wire [7:0]  tx_kind = txif[offload_pkg::IF_KIND_LSB +: 8];
wire [7:0]  tx_port = txif[offload_pkg::IF_PORT_LSB +: 8];
wire tx_range_bad = (tx_sw >> IF_BITS) != 16'd0;
wire tx_up = (tx_flags & offload_pkg::IF_FLAG_UP[15:0]) != 16'd0;
wire tx_bvi = (tx_flags & offload_pkg::IF_FLAG_BVI[15:0]) != 16'd0;
wire tx_natout = (tx_flags & offload_pkg::IF_FLAG_NAT_OUTPUT_FEATURE[15:0]) != 16'd0 && nat_en;
wire tx_uplink = tx_kind == offload_pkg::IF_KIND_UPLINK[7:0] && {8'd0, tx_port} < N_PORTS;
// a host interface (a pod's TAP, a loopback that is no BVI): the NIC hands the frame over
wire tx_host = (tx_kind == offload_pkg::IF_KIND_TAP[7:0] || tx_kind == offload_pkg::IF_KIND_LOOPBACK[7:0]) && !tx_bvi;
wire outer10 = p_outer[10];
wire first10 = p_in[10] != IN_RECIRC;
// ip4-rewrite's MTU check (before the output features), on the IPv4 length as VPP's: the
// packet is fragmented or answered with ICMP "fragmentation needed" by software
wire mtu_bad = p_iplen[10] > adj9[offload_pkg::ADJ_MTU_LSB +: 16];
wire s10_aout_on = txif[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16] != 16'd0;
wire [1:0] s10_aout = s10_aout_on ? acl_verdict(p_aohit[10], aout_match, aout_action, aout_unsure, partial) : 2'd0;
// NAT as the output feature: on the outer packet only, by its lookup at s1 on the encap FIB
wire natout_fib_ok = txif[offload_pkg::IF_FIB_INDEX_LSB +: 16] == p_fib[10];
// the BVI's bridge: its L2 input ACL, and the member the L2 FIB names
wire s10_abvi_on = txif[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0;
wire [1:0] s10_abvi = s10_abvi_on ? acl_verdict(p_abhit10, abvi_match, abvi_action, abvi_unsure, partial) : 2'd0;
wire [15:0] mb_flags = l2_if10[offload_pkg::IF_FLAGS_LSB +: 16];
wire [7:0]  mb_kind = l2_if10[offload_pkg::IF_KIND_LSB +: 8];
wire [7:0]  mb_port = l2_if10[offload_pkg::IF_PORT_LSB +: 8];
wire [15:0] mb_tunnel = l2_if10[offload_pkg::IF_VXLAN_TUNNEL_LSB +: 16];
wire mb_ok = (mb_flags & offload_pkg::IF_FLAG_UP[15:0]) != 16'd0
    && l2_if10[offload_pkg::IF_ACL_OUT_COUNT_LSB +: 16] == 16'd0 && l2_range10 && l2_sw10 != tx_sw;
/* verilator lint_off UNUSEDSIGNAL */
wire [159:0] tun10 = vxlan_flat[160*mb_tunnel[VXLAN_BITS-1:0] +: 160];
/* verilator lint_on UNUSEDSIGNAL */
wire mb_vxlan = mb_kind == offload_pkg::IF_KIND_VXLAN[7:0] && mb_tunnel < 16'(2**VXLAN_BITS)
    && tun10[offload_pkg::VXLAN_SW_IF_INDEX_LSB +: 16] == l2_sw10;
wire mb_host = mb_kind == offload_pkg::IF_KIND_TAP[7:0];
wire mb_uplink = mb_kind == offload_pkg::IF_KIND_UPLINK[7:0] && {8'd0, mb_port} < N_PORTS;
reg [511:0] s10_data;
reg [15:0] c_ip, c_l4;
// Waiver: the session entry is carried whole; the rewrite uses its flags, fields and deltas.
/* verilator lint_off UNUSEDSIGNAL */
wire [SESS_W-1:0] e9 = p_sess[10];
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] e9_flags = e9[offload_pkg::SESS_FLAGS_LSB +: 16];
wire e9_on = p_nhit[10] && (!outer10 || tx_natout);
wire [31:0] l4o10 = {25'd0, p_l4o[10]};
wire e9_src = e9_on && (e9_flags & offload_pkg::SESS_FLAG_REWRITE_SRC[15:0]) != 0;
wire e9_dst = e9_on && (e9_flags & offload_pkg::SESS_FLAG_REWRITE_DST[15:0]) != 0;
wire [31:0] e9_nsrc = e9[offload_pkg::SESS_NEW_SRC_LSB +: 32];
wire [31:0] e9_ndst = e9[offload_pkg::SESS_NEW_DST_LSB +: 32];
wire [15:0] e9_nsport = e9[offload_pkg::SESS_NEW_SPORT_LSB +: 16];
wire [15:0] e9_ndport = e9[offload_pkg::SESS_NEW_DPORT_LSB +: 16];
always @* begin
    s10_data = p_data[10];
    c_ip = be16(s10_data, 24);
    if (e9_src || e9_dst) begin
        // nat::apply: addresses, ports, both checksums by the entry's deltas
        if (e9_src) begin
            s10_data[8*26 +: 32] = {e9_nsrc[7:0], e9_nsrc[15:8], e9_nsrc[23:16], e9_nsrc[31:24]};
            if (p_proto[10] != 8'd1) s10_data[8*l4o10 +: 16] = {e9_nsport[7:0], e9_nsport[15:8]};
        end
        if (e9_dst) begin
            s10_data[8*30 +: 32] = {e9_ndst[7:0], e9_ndst[15:8], e9_ndst[23:16], e9_ndst[31:24]};
            if (p_proto[10] != 8'd1) s10_data[8*(l4o10 + 2) +: 16] = {e9_ndport[7:0], e9_ndport[15:8]};
        end
        c_ip = csum_apply(c_ip, e9[offload_pkg::SESS_IP_DELTA_LSB +: 16]);
        c_l4 = 16'd0;
        if (p_proto[10] == 8'd6) begin
            c_l4 = csum_apply(be16(s10_data, l4o10 + 16), e9[offload_pkg::SESS_L4_DELTA_LSB +: 16]);
            s10_data[8*(l4o10 + 16) +: 16] = {c_l4[7:0], c_l4[15:8]};
        end else if (p_proto[10] == 8'd17) begin
            c_l4 = be16(s10_data, l4o10 + 6);
            if (c_l4 != 16'd0) begin
                c_l4 = csum_apply(c_l4, e9[offload_pkg::SESS_L4_DELTA_LSB +: 16]);
                if (c_l4 == 16'd0) c_l4 = 16'hffff;
            end
            s10_data[8*(l4o10 + 6) +: 16] = {c_l4[7:0], c_l4[15:8]};
        end else if (p_proto[10] == 8'd1 && (p_ic[10][15:8] == 8'd0 || p_ic[10][15:8] == 8'd8)) begin
            // ICMP echo: the identifier from the side that moved, and the checksum
            s10_data[8*(l4o10 + 4) +: 16] = e9_src ? {e9_nsport[7:0], e9_nsport[15:8]} : {e9_ndport[7:0], e9_ndport[15:8]};
            c_l4 = csum_apply(be16(s10_data, l4o10 + 2), e9[offload_pkg::SESS_L4_DELTA_LSB +: 16]);
            s10_data[8*(l4o10 + 2) +: 16] = {c_l4[7:0], c_l4[15:8]};
        end
    end else begin
        c_l4 = 16'd0;
    end
    // ip4-rewrite: TTL and its incremental checksum, then the L2 header
    c_ip = csum_update16(c_ip, {p_ttl[10], p_proto[10]}, {p_ttl[10] - 8'd1, p_proto[10]});
    s10_data[8*22 +: 8] = p_ttl[10] - 8'd1;
    s10_data[8*24 +: 16] = {c_ip[7:0], c_ip[15:8]};
    s10_data[0 +: 112] = adj9[offload_pkg::ADJ_REWRITE_LSB +: 112];
end

// vxlan4-encap: the 50 bytes of outer headers (the loop port puts them in front): zero
// MACs, IPv4 from the tunnel with TTL 254, UDP from the inner flow's hash to 4789
// without a checksum, VXLAN with the I flag and the VNI
wire [31:0] enc_src = tun10[offload_pkg::VXLAN_SRC_LSB +: 32];
wire [31:0] enc_dst = tun10[offload_pkg::VXLAN_DST_LSB +: 32];
wire [23:0] enc_vni = tun10[offload_pkg::VXLAN_VNI_LSB +: 24];
wire [15:0] enc_iplen = p_len[10] + 16'd36;
wire [15:0] enc_ulen = p_len[10] + 16'd16;
wire [15:0] enc_sport = {p_hash[10][7:0], p_hash[10][15:8]};   // flow_hash::vxlan_src_port
wire [15:0] enc_csum = ~fold16({16'd0, 16'h4500} + {16'd0, enc_iplen} + {16'd0, 16'hfe11}
    + {16'd0, enc_src[31:16]} + {16'd0, enc_src[15:0]} + {16'd0, enc_dst[31:16]} + {16'd0, enc_dst[15:0]});
reg [399:0] enc_hdr;
always @* begin
    enc_hdr = 400'd0;
    enc_hdr[8*12 +: 16] = 16'h0008;
    enc_hdr[8*14 +: 16] = 16'h0045;
    enc_hdr[8*16 +: 16] = {enc_iplen[7:0], enc_iplen[15:8]};
    enc_hdr[8*22 +: 16] = 16'h11fe;
    enc_hdr[8*24 +: 16] = {enc_csum[7:0], enc_csum[15:8]};
    enc_hdr[8*26 +: 32] = {enc_src[7:0], enc_src[15:8], enc_src[23:16], enc_src[31:24]};
    enc_hdr[8*30 +: 32] = {enc_dst[7:0], enc_dst[15:8], enc_dst[23:16], enc_dst[31:24]};
    enc_hdr[8*34 +: 16] = {enc_sport[7:0], enc_sport[15:8]};
    enc_hdr[8*36 +: 16] = 16'hb512;
    enc_hdr[8*38 +: 16] = {enc_ulen[7:0], enc_ulen[15:8]};
    enc_hdr[8*42 +: 8] = 8'h08;
    enc_hdr[8*46 +: 24] = {enc_vni[7:0], enc_vni[15:8], enc_vni[23:16]};
end

// In software's order: earlier stops, the MTU check, the output ACL, NAT as output
// feature, the interface's output: a wire, a host interface, or a BVI's bridge domain
// (l2-input there: learning, the L2 input ACL, l2-fwd to a tunnel (encap), a host
// interface or a wire). What the NIC does not do goes to software.
localparam [2:0] K_PUNT = 3'd0, K_DROP = 3'd1, K_WIRE = 3'd2, K_HOST = 3'd3, K_ENCAP = 3'd4;
reg [2:0] s10_kind;
reg [7:0] s10_reason;
reg [3:0] s10_wport;
reg [15:0] s10_host_sw;
always @* begin
    s10_kind = K_PUNT;
    s10_reason = PUNT_EXC;
    s10_wport = tx_port[3:0];
    s10_host_sw = tx_sw;
    if (p_tcpst[10]) begin
        s10_reason = PUNT_TCP_STATE;
    end else if (mtu_bad) begin
        s10_reason = PUNT_EXC;
    end else if (s10_aout != 2'd0) begin
        s10_kind = s10_aout == 2'd2 ? K_DROP : K_PUNT;
        s10_reason = acl_reason(s10_aout, aout_match);
    end else if (tx_natout && !outer10 && !e9_src) begin
        // NAT as this interface's output feature on a packet the input side did not
        // translate: software's (a packet the input side translated by a session is that
        // session's reply flow seen from outside, which the output feature lets pass)
        s10_reason = PUNT_EXC;
    end else if (tx_natout && outer10 && !natout_fib_ok) begin
        s10_reason = PUNT_EXC;
    end else if (tx_natout && !p_nhit[10]) begin
        s10_reason = PUNT_NAT_MISS;
    end else if (!tx_up) begin
        s10_reason = PUNT_EXC;
    end else if (tx_uplink && !tx_bvi) begin
        s10_kind = K_WIRE;
    end else if (tx_host) begin
        s10_kind = K_HOST;
    end else if (tx_bvi && first10) begin
        if (!l2_srcok10) begin
            s10_reason = PUNT_L2_MISS;
        end else if (s10_abvi != 2'd0) begin
            s10_kind = s10_abvi == 2'd2 ? K_DROP : K_PUNT;
            s10_reason = acl_reason(s10_abvi, abvi_match);
        end else if (!l2_hit10 || l2_dgrp10) begin
            s10_reason = PUNT_L2_MISS;
        end else if (!mb_ok) begin
            s10_reason = PUNT_EXC;
        end else if (mb_vxlan && p_l4o[10] == 7'd34) begin
            // (with options, VPP's inner flow hash reads the option bytes as ports)
            s10_kind = K_ENCAP;
        end else if (mb_host) begin
            s10_kind = K_HOST;
            s10_host_sw = l2_sw10;
        end else if (mb_uplink) begin
            s10_kind = K_WIRE;
            s10_wport = mb_port[3:0];
        end
    end
end
reg [3:0] s10_dest;
reg [7:0] s10_why;
reg       s10_fwd;
always @* begin
    s10_fwd = 1'b0;
    s10_why = p_reason[10];
    if (p_direct[10]) begin
        s10_dest = 4'({24'd0, p_meta[10][offload_pkg::META_OUT_PORT_LSB +: 8]} % N_PORTS);
    end else if (s10_decap) begin
        s10_dest = DEST_RECIRC;
    end else if (p_punt[10]) begin
        s10_dest = p_drop[10] ? DEST_DROP : 4'(N_PORTS);
        // a tunnel's packet the NIC did not decapsulate is no ip4-local work: a learning
        // or unknown destination in the bridge, or a member the NIC does not serve
        if (s10_vx && !s10_l2ok) s10_why = PUNT_L2_MISS;
        else if (s10_vx || s10_vxtun) s10_why = PUNT_EXC;
    end else if (tx_range_bad) begin
        s10_dest = 4'(N_PORTS);
        s10_why = PUNT_EXC;
    end else begin
        s10_why = s10_kind == K_HOST ? PUNT_HOST_TX : s10_reason;
        s10_fwd = s10_kind == K_WIRE || s10_kind == K_HOST || s10_kind == K_ENCAP;
        s10_dest = s10_kind == K_DROP ? DEST_DROP : s10_kind == K_WIRE ? s10_wport
            : s10_kind == K_ENCAP ? DEST_RECIRC : 4'(N_PORTS);
    end
end
wire s10_encap = !p_direct[10] && !s10_decap && !p_punt[10] && !tx_range_bad && s10_kind == K_ENCAP;
wire s10_host = !p_direct[10] && !s10_decap && !p_punt[10] && !tx_range_bad && s10_kind == K_HOST;
wire [7:0] s10_port = p_in[10] == IN_INJECT ? offload_pkg::META_INJECT_PORT[7:0] : {4'd0, p_in[10]};
// Metadata. To the loop port (LM_*): the interface the packet re-enters as (the BVI after
// decap, the tunnel after encap), the ingress interface and port. A punt from the
// decapsulated pass names the first pass's ingress (the frame is put back as it came in);
// one from the outer pass says where software resumes (the tunnel's ip4-load-balance); a
// frame for a host interface names that interface.
// Punt metadata with every field at the contract's position (offload_pkg META_*).
function [63:0] punt_meta(input [15:0] sw_if_index, input [7:0] reason, input [7:0] port, input [15:0] hits,
                          input second_pass, input [1:0] resume);
    punt_meta = 64'd0;
    punt_meta[offload_pkg::META_SW_IF_INDEX_LSB +: offload_pkg::META_SW_IF_INDEX_W] = sw_if_index;
    punt_meta[offload_pkg::META_REASON_LSB +: offload_pkg::META_REASON_W] = reason;
    punt_meta[offload_pkg::META_PORT_LSB +: offload_pkg::META_PORT_W] = port;
    punt_meta[offload_pkg::META_HITS_LSB +: offload_pkg::META_HITS_W] = hits;
    punt_meta[offload_pkg::META_SECOND_PASS_LSB] = second_pass;
    punt_meta[offload_pkg::META_RESUME_LSB +: offload_pkg::META_RESUME_W] = resume;
endfunction
wire s10_second = p_in[10] == IN_RECIRC && !outer10;
wire [7:0] s10_in_port = first10 ? s10_port : p_meta[10][32 +: 8];
wire [63:0] s10_tuser = s10_decap ? {24'd0, s10_port, p_sw[10], l2_sw10}
    : s10_encap ? {8'd0, 8'(mb_tunnel), 7'd0, 1'b1, s10_port, p_sw[10], l2_sw10}
    : s10_host ? punt_meta(s10_host_sw, PUNT_HOST_TX, s10_in_port, p_hits[10], 1'b0, 2'd0)
    : s10_second ? punt_meta(p_meta[10][16 +: 16], s10_why, p_meta[10][32 +: 8], p_hits[10], 1'b1, 2'd0)
    : outer10 ? punt_meta(p_sw[10], s10_why, s10_in_port, p_hits[10], 1'b0, offload_pkg::META_RESUME_VXLAN_OUTER[1:0])
    : punt_meta(p_sw[10], s10_why, s10_port, p_hits[10], 1'b0, 2'd0);

// ---- s11: output
reg [3:0]  dest_reg = 0;     // destination of the packet being sent
reg [63:0] tuser_reg = 0;
wire [3:0] out_dest = p_sop[NS-1] ? p_in[NS-1] : dest_reg;   // s11 keeps the destination in p_in
wire rc_ready;
wire pp_hold;                // the punt port owes the put-back packet's last beat
wire out_ready = !pp_hold && (out_dest == DEST_DROP ? 1'b1 : out_dest == DEST_RECIRC ? rc_ready
    : out_dest == 4'(N_PORTS) ? m_axis_punt_tready : m_axis_tx_tready[out_dest[2:0] % N_PORTS]);
wire out_fire = p_valid[NS-1] && out_ready;
always @* adv = !p_valid[NS-1] || out_ready;

genvar go;
generate
    for (go = 0; go < N_PORTS; go = go + 1) begin : txo
        assign m_axis_tx_tdata[512*go +: 512] = p_data[NS-1];
        assign m_axis_tx_tkeep[64*go +: 64] = p_keep[NS-1];
        assign m_axis_tx_tlast[go] = p_last[NS-1];
        assign m_axis_tx_tvalid[go] = p_valid[NS-1] && out_dest == go && !pp_hold;
    end
endgenerate
// A punt from the second pass puts the stashed 50 bytes back in front (the frame as it
// came in); other punts leave as they are.
localparam [1:0] RA_PASS = 2'd0, RA_INSERT = 2'd1, RA_STRIP = 2'd2;   // offload_realign's modes
wire [511:0] pp_data;
wire [63:0]  pp_keep;
wire         pp_last;
wire punt_fire = out_fire && out_dest == 4'(N_PORTS);
// Waiver: every beat the punt port takes makes a beat out (only a strip skips one).
/* verilator lint_off PINCONNECTEMPTY */
offload_realign #(.HDR(50)) punt_realign (
    .clk(clk), .rst(rst), .mode(pre11 ? RA_INSERT : RA_PASS), .stash(p_stash[NS-1]),
    .in_data(p_data[NS-1]), .in_keep(p_keep[NS-1]), .in_last(p_last[NS-1]), .in_sop(p_sop[NS-1]),
    .take(punt_fire), .hold(pp_hold),
    .out_data(pp_data), .out_keep(pp_keep), .out_last(pp_last), .out_beat(), .out_ready(m_axis_punt_tready));
/* verilator lint_on PINCONNECTEMPTY */
assign m_axis_punt_tdata = pp_data;
assign m_axis_punt_tkeep = pp_keep;
assign m_axis_punt_tlast = pp_last;
assign m_axis_punt_tuser = p_sop[NS-1] && !pp_hold ? p_meta[NS-1] : tuser_reg;
assign m_axis_punt_tvalid = pp_hold || (p_valid[NS-1] && out_dest == 4'(N_PORTS));

// The loop port's writer, realigning beats as it writes: a decapsulated packet (LM_OUTER
// clear) without its 50 bytes of outer Ethernet/IPv4/UDP/VXLAN headers, an encapsulated
// one with the 50 bytes of the stash in front. The first beat written carries the
// packet's metadata and stash.
reg [463:0] rc_user_reg = 0;     // the packet's loop-port metadata and stash
wire rc_hold;                    // the last beat's tail is still to write
wire rc_beat;
wire rc_fire = out_fire && out_dest == DEST_RECIRC;
assign rc_ready = rc_wready && !rc_hold;
offload_realign #(.HDR(50)) loop_realign (
    .clk(clk), .rst(rst), .mode(p_meta[NS-1][LM_OUTER] ? RA_INSERT : RA_STRIP), .stash(p_stash[NS-1]),
    .in_data(p_data[NS-1]), .in_keep(p_keep[NS-1]), .in_last(p_last[NS-1]), .in_sop(p_sop[NS-1]),
    .take(rc_fire), .hold(rc_hold),
    .out_data(rc_wdata), .out_keep(rc_wkeep), .out_last(rc_wlast), .out_beat(rc_beat), .out_ready(rc_wready));
assign rc_wvalid = rc_hold || (rc_fire && rc_beat);
assign rc_wuser = p_sop[NS-1] && !rc_hold ? {p_stash[NS-1], p_meta[NS-1]} : rc_user_reg;
always @(posedge clk) begin
    if (rc_fire && p_sop[NS-1]) rc_user_reg <= {p_stash[NS-1], p_meta[NS-1]};
end

// ---------------------------------------------------------------- table memories

// Each is written and read back by port A at TBL_INDEX (the register block) and read by
// the stages through port B, one copy per stage that reads it (offload_ram).
wire we_if = tw_to(offload_pkg::TBL_INTERFACE);
wire we_l1 = tw_to(offload_pkg::TBL_LPM_L1);
wire we_grp = tw_to(offload_pkg::TBL_LPM_GROUP);
wire we_lb = tw_to(offload_pkg::TBL_LOAD_BALANCE);
wire we_bkt = tw_to(offload_pkg::TBL_BUCKET);
wire we_adj = tw_to(offload_pkg::TBL_ADJACENCY);

offload_ram #(.W(IF_W), .ADDR_BITS(IF_BITS), .REPLICAS(4)) if_ram (
    .clk(clk), .a_we(we_if), .a_addr(tbl_index_reg[IF_BITS-1:0]),
    .a_wdata(tw_data[IF_W-1:0]), .a_rdata(if_rb), .b_en(adv),
    // s0 the rx interface, s8 the tx interface and the tunnel's, s9 the bridge member
    .b_addr({s9_l2_sw[IF_BITS-1:0], s8_vx_sw[IF_BITS-1:0],
             adj_rd8[offload_pkg::ADJ_SW_IF_INDEX_LSB +: IF_BITS], s0_sw[IF_BITS-1:0]}),
    .b_rdata({l2_if10, vx_if9, if_rd9, if_rd1}));

offload_ram #(.W(32), .ADDR_BITS(L1_BITS), .REPLICAS(1)) l1_ram (
    .clk(clk), .a_we(we_l1), .a_addr(tbl_index_reg[L1_BITS-1:0]),
    .a_wdata(tw_data[31:0]), .a_rdata(l1_rb), .b_en(adv),
    .b_addr({p_fib[2][FIB_BITS-1:0], s2_dst[31:16]}), .b_rdata(l1_rd3));

offload_ram #(.W(32), .ADDR_BITS(GE_BITS), .REPLICAS(2)) grp_ram (
    .clk(clk), .a_we(we_grp), .a_addr(tbl_index_reg[GE_BITS-1:0]),
    .a_wdata(tw_data[31:0]), .a_rdata(grp_rb), .b_en(adv),
    // trie levels 2 (s3) and 3 (s4)
    .b_addr({s4_e[GROUP_BITS-1:0], p_dst[4][7:0], l1_rd3[GROUP_BITS-1:0], p_dst[3][15:8]}),
    .b_rdata({grp_rd5, grp_rd4}));

offload_ram #(.W(64), .ADDR_BITS(LB_BITS), .REPLICAS(1)) lb_ram (
    .clk(clk), .a_we(we_lb), .a_addr(tbl_index_reg[LB_BITS-1:0]),
    .a_wdata(tw_data[63:0]), .a_rdata(lb_rb), .b_en(adv),
    .b_addr(s5_e[LB_BITS-1:0]), .b_rdata(lb_rd6));

offload_ram #(.W(32), .ADDR_BITS(BUCKET_BITS), .REPLICAS(1)) bkt_ram (
    .clk(clk), .a_we(we_bkt), .a_addr(tbl_index_reg[BUCKET_BITS-1:0]),
    .a_wdata(tw_data[31:0]), .a_rdata(bkt_rb), .b_en(adv),
    .b_addr(s6_bucket[BUCKET_BITS-1:0]), .b_rdata(bkt_rd7));

offload_ram #(.W(192), .ADDR_BITS(ADJ_BITS), .REPLICAS(1)) adj_ram (
    .clk(clk), .a_we(we_adj), .a_addr(tbl_index_reg[ADJ_BITS-1:0]),
    .a_wdata(tw_data[191:0]), .a_rdata(adj_rb), .b_en(adv),
    .b_addr(s7_index[ADJ_BITS-1:0]), .b_rdata(adj_rd8));

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
            p_lpm[s] <= p_lpm[s-1];
            p_hash[s] <= p_hash[s-1];
            p_dpo[s] <= p_dpo[s-1];
            p_adj[s] <= p_adj[s-1];
            p_ife[s] <= p_ife[s-1];
            p_drop[s] <= p_drop[s-1];
            p_tcpf[s] <= p_tcpf[s-1];
            p_aohit[s] <= p_aohit[s-1];
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
        p_punt[1] <= !s0_ipok || s0_mcast || s0_l4bad || (control_reg & offload_pkg::REG_CONTROL_ENABLE) == 0;
        p_reason[1] <= PUNT_EXC;
        p_drop[1] <= 1'b0;
        p_tcpf[1] <= s0_tcpf;
        p_hits[1] <= 16'd0;
        p_proto[1] <= s0_proto;
        p_src[1] <= be32(d0, 26);
        p_dst[1] <= be32(d0, 30);
        p_sport[1] <= (s0_tcp || s0_udp) ? be16(d0, {25'd0, s0_l4o}) : s0_echo ? s0_ident : 16'd0;
        p_dport[1] <= (s0_tcp || s0_udp) ? be16(d0, {25'd0, s0_l4o} + 2) : s0_echo ? s0_ident : 16'd0;
        p_ic[1] <= s0_icmp ? be16(d0, {25'd0, s0_l4o}) : 16'd0;
        p_l4o[1] <= s0_l4o;
        p_ttl[1] <= s0_ttl;
        p_iplen[1] <= s0_tlen;
        p_l4[1] <= s0_tcp || s0_udp || s0_icmp;
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
        p_nat[2] <= s1_nat && !s1_natbad && p_l4[1];

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
        if (!p_punt[2] && s2_ain != 2'd0) begin
            p_punt[3] <= 1'b1;
            p_drop[3] <= s2_ain == 2'd2;
            p_reason[3] <= s2_ain_reason;
        end

        // s3 -> s4 (the outer packet of an encap: its tunnel's load-balance, found)
        p_lpm[4] <= !p_outer[3] ? l1_rd3
            : {2'b10, 6'd0, p_olb[3] < 32'(2**LB_BITS) ? p_olb[3][23:0] : 24'hffffff};
        // s4 -> s5
        p_lpm[5] <= s4_e;
        // s5 -> s6
        p_hash[6] <= s5_hash;
        if (!p_punt[5] && !s5_found && !p_tcpst[5]) begin
            // ip4-lookup without a route: dropped, as software does (unless software must
            // see the packet's TCP flags first)
            p_punt[6] <= 1'b1;
            p_drop[6] <= 1'b1;
            p_reason[6] <= offload_pkg::DROP_NO_ROUTE[7:0];
        end else if (!p_punt[5] && (!s5_found || s5_e[23:0] >= 24'(2**LB_BITS))) begin
            p_punt[6] <= 1'b1;
            p_reason[6] <= PUNT_EXC;
        end
        p_hits[6] <= p_hits[5] | (s5_found ? 16'd1 << offload_pkg::TBL_LPM_L1 : 16'd0);
        // s6 -> s7
        if (!p_punt[6] && s6_bucket >= 32'(2**BUCKET_BITS)) begin
            p_punt[7] <= 1'b1;
            p_reason[7] <= PUNT_EXC;
        end
        // s7 -> s8
        p_dpo[8] <= bkt_rd7;
        p_loc[8] <= !p_punt[7] && s7_kind == offload_pkg::DPO_LOCAL[3:0];
        if (!p_punt[7] && s7_kind == offload_pkg::DPO_DROP[3:0] && !p_tcpst[7]) begin
            // a drop route (VPP's special entries, a subnet's network and broadcast
            // addresses, a route with no usable path): dropped, as software does
            p_punt[8] <= 1'b1;
            p_drop[8] <= 1'b1;
            p_reason[8] <= offload_pkg::DROP_DROP_ROUTE[7:0];
        end else if (!p_punt[7] && (s7_kind != offload_pkg::DPO_ADJACENCY[3:0] || s7_index >= 28'(2**ADJ_BITS))) begin
            p_punt[8] <= 1'b1;
            p_reason[8] <= s7_kind == offload_pkg::DPO_GLEAN[3:0] ? PUNT_GLEAN
                : s7_kind == offload_pkg::DPO_LOCAL[3:0] ? PUNT_LOCAL : PUNT_EXC;
        end
        // s8 -> s9
        p_adj[9] <= adj_rd8;
        vx_hit9 <= s8_vx_hit && s8_vx_sw < 16'(2**IF_BITS);
        vx_sw9 <= s8_vx_sw;
        // s9 -> s10
        p_aohit[10] <= s9_aout_hit;
        p_tcpst[10] <= p_tcpst[9] || s9_tcpst;
        p_abhit10 <= s9_abvi_hit;
        p_txif[10] <= if_rd9;
        vx_hit10 <= vx_hit9;
        vx_sw10 <= vx_sw9;
        vx_ain10 <= vx_if9[offload_pkg::IF_ACL_IN_COUNT_LSB +: 16] != 16'd0;
        l2_hit10 <= s9_l2_hit;
        l2_dgrp10 <= s9_dmac[0];
        // (l2-learn learns any source but all-zero, group-bit ones included)
        l2_srcok10 <= s9_smac == 48'd0 || s9_src_known || !s9_learn;
        l2_sw10 <= s9_l2_sw;
        l2_flags10 <= s9_l2_flags;
        l2_range10 <= s9_l2_sw < 16'(2**IF_BITS);

        // s10 -> s11: the output register; p_in holds the destination, p_meta the punt tuser
        p_data[11] <= s10_fwd ? s10_data : p_data[10];
        p_in[11] <= s10_dest;
        p_meta[11] <= s10_tuser;
        p_stash[11] <= s10_decap ? p_data[10][0 +: 400] : s10_encap ? enc_hdr : p_stash[10];
        pre11 <= s10_second && s10_dest == 4'(N_PORTS) && !s10_host;
    end
    if (out_fire && p_sop[NS-1]) begin
        dest_reg <= p_in[NS-1];
        tuser_reg <= p_meta[NS-1];
    end
    if (rst) begin
        for (s = 0; s < NS; s = s + 1) p_valid[s] <= 1'b0;
    end
end

// ---------------------------------------------------------------- counters, registers

// STATUS.BUSY: a packet is in an input FIFO or a pipeline stage
reg busy;
integer bi;
always @* begin
    busy = in_pending || rc_hold || pp_hold;
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
