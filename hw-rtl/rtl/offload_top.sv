// The offload pipeline: N_PORTS wire inputs, an inject input from the host and the loop
// port, arbitrated one packet at a time into a match-action pipeline of 512-bit beats
// in three segments, each of fixed latency, joined by skid buffers (valid/ready):
//
//   ingress   the arbiter (offload_ingress)
//   classify  parse, the rx interface, NAT and the input ACL (offload_classify)
//   route     ip4-lookup and load-balance to an adjacency (offload_route)
//   egress    the tx interface, the output and BVI ACLs, the L2 FIB and VXLAN, the
//             decision, the rewrite and the encap (offload_egress)
//   output    a wire port, the punt port, the loop port or a drop (offload_output)
//
// What it forwards, drops and punts, and how VXLAN's two passes go through the loop
// port: hw-rtl/README.md. This top holds the tables several segments read, the register
// block, the counters and the hit bits, and wires them to the segments.
//
// The session table's entries live in external memory (HBM or DDR): each session
// lookup engine reads them through its own AXI4 read port (m_axi_sess_*, N_LOOKUPS of
// them, for a memory interconnect or the HBM's switch to spread over channels), the
// management port (m_axi_mgmt_*) writes them and reads them back for the driver. Byte
// address of entry (bucket, way): (bucket * 8 + way) * 64 in the session region.

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
    // log2 session lookups in flight per lookup engine (cover the memory's round trip)
    parameter SESS_ROB_BITS = 8,
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
    output wire [31:0]                 reg_rdata,

    // session lookups' AXI4 read ports (lookup k's fields at k * width): classify's
    // four (NAT address, NAT in2out, NAT out2in, input ACL), egress's two (output ACL,
    // BVI input ACL); single-beat 64-byte reads, IDs the engines' slots
    output wire [N_LOOKUPS-1:0]                    m_axi_sess_arvalid,
    input  wire [N_LOOKUPS-1:0]                    m_axi_sess_arready,
    output wire [N_LOOKUPS*(SESS_BUCKET_BITS+9)-1:0] m_axi_sess_araddr,
    output wire [N_LOOKUPS*SESS_ROB_BITS-1:0]      m_axi_sess_arid,
    output wire [N_LOOKUPS*8-1:0]                  m_axi_sess_arlen,
    output wire [N_LOOKUPS*3-1:0]                  m_axi_sess_arsize,
    output wire [N_LOOKUPS*2-1:0]                  m_axi_sess_arburst,
    input  wire [N_LOOKUPS-1:0]                    m_axi_sess_rvalid,
    output wire [N_LOOKUPS-1:0]                    m_axi_sess_rready,
    input  wire [N_LOOKUPS*512-1:0]                m_axi_sess_rdata,
    input  wire [N_LOOKUPS-1:0]                    m_axi_sess_rlast,
    input  wire [N_LOOKUPS*2-1:0]                  m_axi_sess_rresp,
    input  wire [N_LOOKUPS*SESS_ROB_BITS-1:0]      m_axi_sess_rid,

    // the session table's management port: entry writes (posted) and read-back
    output wire                        m_axi_mgmt_awvalid,
    input  wire                        m_axi_mgmt_awready,
    output wire [SESS_BUCKET_BITS+8:0] m_axi_mgmt_awaddr,
    output wire [7:0]                  m_axi_mgmt_awlen,
    output wire [2:0]                  m_axi_mgmt_awsize,
    output wire [1:0]                  m_axi_mgmt_awburst,
    output wire                        m_axi_mgmt_wvalid,
    input  wire                        m_axi_mgmt_wready,
    output wire [511:0]                m_axi_mgmt_wdata,
    output wire [63:0]                 m_axi_mgmt_wstrb,
    output wire                        m_axi_mgmt_wlast,
    input  wire                        m_axi_mgmt_bvalid,
    output wire                        m_axi_mgmt_bready,
    input  wire [1:0]                  m_axi_mgmt_bresp,
    output wire                        m_axi_mgmt_arvalid,
    input  wire                        m_axi_mgmt_arready,
    output wire [SESS_BUCKET_BITS+8:0] m_axi_mgmt_araddr,
    output wire [7:0]                  m_axi_mgmt_arlen,
    output wire [2:0]                  m_axi_mgmt_arsize,
    output wire [1:0]                  m_axi_mgmt_arburst,
    input  wire                        m_axi_mgmt_rvalid,
    output wire                        m_axi_mgmt_rready,
    input  wire [511:0]                m_axi_mgmt_rdata,
    input  wire                        m_axi_mgmt_rlast,
    input  wire [1:0]                  m_axi_mgmt_rresp
);

// session lookup engines (classify's four, egress's two): the read ports above
localparam N_LOOKUPS = 6;

initial begin
    if (N_PORTS < 1 || N_PORTS > 8) begin
        $error("Error: N_PORTS must be 1..8 (instance %m)");
        $finish;
    end
    if (offload_ctx::IFE_W != offload_pkg::IF_BITS || offload_ctx::TXIF_W != offload_pkg::IF_BITS
            || offload_ctx::SESS_W != offload_pkg::SESS_BITS || offload_ctx::ADJ_W != offload_pkg::TBL_ADJACENCY_BITS) begin
        $error("Error: offload_ctx's entry widths differ from the contract's (offload_pkg) (instance %m)");
        $finish;
    end
    if (BUCKET_BITS < LB_BITS || SESS_BUCKET_BITS < 2 || IF_BITS > 12) begin
        $error("Error: table size parameters out of range (instance %m)");
        $finish;
    end
end

localparam WAYS = offload_pkg::SESSION_WAYS;
localparam SB = SESS_BUCKET_BITS;
localparam SESS_W = offload_pkg::SESS_BITS;
localparam IF_W = offload_pkg::IF_BITS;

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
    capacities[32*offload_pkg::TBL_HIT_BITS +: 32] = 32'(WAYS * 2**SB / 512);
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
// registered already, the command's clock reads it). The session table answers through
// its management port.
reg [511:0] rb_data;
always @* begin
    case ({24'd0, tbl_sel_reg})
        offload_pkg::TBL_INTERFACE: rb_data = {{(512-IF_W){1'b0}}, if_rb};
        default: rb_data = ff_rb | fib_rb;
    endcase
end

// the session table's management port: entries in external memory, tags in the engines
wire ext_valid, ext_ready, ext_tag, ext_read, ext_rb_valid, mgmt_busy;
wire [SESS_W-1:0] ext_data, ext_rb_data;
wire [SB-1:0] tag_bucket;
wire tag_we;
wire [127:0] tag_data, tag_rb;
wire [31:0] mgmt_errors;
offload_session_mgmt #(.BUCKET_BITS(SB)) sessions (
    .clk(clk), .rst(rst),
    .s_valid(ext_valid), .s_ready(ext_ready), .s_tag(ext_tag), .s_read(ext_read),
    .s_index(ext_tag ? {3'd0, tbl_index_reg[SB-1:0]} : tbl_index_reg[SB+2:0]), .s_data(ext_data),
    .rb_valid(ext_rb_valid), .rb_data(ext_rb_data), .busy(mgmt_busy), .m_errors(mgmt_errors),
    .tag_bucket(tag_bucket), .tag_we(tag_we), .tag_data(tag_data), .tag_rb(tag_rb),
    .m_axi_awvalid(m_axi_mgmt_awvalid), .m_axi_awready(m_axi_mgmt_awready), .m_axi_awaddr(m_axi_mgmt_awaddr),
    .m_axi_awlen(m_axi_mgmt_awlen), .m_axi_awsize(m_axi_mgmt_awsize), .m_axi_awburst(m_axi_mgmt_awburst),
    .m_axi_wvalid(m_axi_mgmt_wvalid), .m_axi_wready(m_axi_mgmt_wready), .m_axi_wdata(m_axi_mgmt_wdata),
    .m_axi_wstrb(m_axi_mgmt_wstrb), .m_axi_wlast(m_axi_mgmt_wlast),
    .m_axi_bvalid(m_axi_mgmt_bvalid), .m_axi_bready(m_axi_mgmt_bready), .m_axi_bresp(m_axi_mgmt_bresp),
    .m_axi_arvalid(m_axi_mgmt_arvalid), .m_axi_arready(m_axi_mgmt_arready), .m_axi_araddr(m_axi_mgmt_araddr),
    .m_axi_arlen(m_axi_mgmt_arlen), .m_axi_arsize(m_axi_mgmt_arsize), .m_axi_arburst(m_axi_mgmt_arburst),
    .m_axi_rvalid(m_axi_mgmt_rvalid), .m_axi_rready(m_axi_mgmt_rready), .m_axi_rdata(m_axi_mgmt_rdata),
    .m_axi_rlast(m_axi_mgmt_rlast), .m_axi_rresp(m_axi_mgmt_rresp));

// hit bits: NAT and the input ACL (classify), the output and the BVI's L2 input ACL (egress)
localparam NH = 4;
wire hit_flip, hb_read, hb_rb_valid;
wire [31:0] hit_flips;
wire [511:0] hb_rb_data;
wire [NH-1:0] hit_set;
wire [NH*SB-1:0] hit_bucket;
wire [NH*3-1:0] hit_way;
offload_hit_bits #(.SB(SB), .WAYS(WAYS), .N_SOURCES(NH)) hit_bits (
    .clk(clk), .set(hit_set), .set_bucket(hit_bucket), .set_way(hit_way),
    .rst(rst), .flip(hit_flip), .flips(hit_flips),
    .rd_valid(hb_read), .rd_index(tbl_index_reg[SB-7:0]), .rb_valid(hb_rb_valid), .rb_data(hb_rb_data));

// ---------------------------------------------------------------- the pipeline
//
// ingress -> classify -> skid -> route -> skid -> egress -> skid -> output
//
// Each segment has a fixed latency inside and valid/ready at its edges; the skid
// buffers register both directions, so no stall reaches further than one segment in a
// clock. The context between them: offload_ctx.

localparam CW = offload_ctx::W;

// the loop port's write side (offload_output's realigner)
wire [511:0] rc_wdata;
wire [63:0]  rc_wkeep;
wire         rc_wlast;
wire [463:0] rc_wuser;    // loop-port metadata, then the stashed outer headers
wire         rc_wvalid;
wire         rc_wready;
// the arbiter's stream into classify
wire [511:0] in_data;
wire [63:0]  in_keep;
wire         in_last, in_sop, in_valid, in_ready, in_pending;
wire [3:0]   in_input;
wire [63:0]  in_user;
wire [15:0]  in_len;
wire [399:0] in_stash;
// The loop port's FIFO holds every beat the pipeline can hold (segments' stages and skid
// buffers: 32; the session waits' queues: three of 2^SESS_ROB_BITS) twice (each beat may
// be a packet that the encap's outer headers make one beat longer) and two longest
// packets (offload_ingress says why that never fills).
localparam PIPELINE_BEATS = 3 * 2**SESS_ROB_BITS + 32;
localparam LOOP_FIFO_BITS = $clog2(2 * 2**FIFO_BITS + 2 * PIPELINE_BEATS);
offload_ingress #(.N_PORTS(N_PORTS), .FIFO_BITS(FIFO_BITS), .LOOP_FIFO_BITS(LOOP_FIFO_BITS)) ingress (
    .clk(clk), .rst(rst),
    .s_axis_rx_tdata(s_axis_rx_tdata), .s_axis_rx_tkeep(s_axis_rx_tkeep), .s_axis_rx_tlast(s_axis_rx_tlast),
    .s_axis_rx_tvalid(s_axis_rx_tvalid), .s_axis_rx_tready(s_axis_rx_tready),
    .s_axis_inj_tdata(s_axis_inj_tdata), .s_axis_inj_tkeep(s_axis_inj_tkeep), .s_axis_inj_tlast(s_axis_inj_tlast),
    .s_axis_inj_tuser(s_axis_inj_tuser), .s_axis_inj_tvalid(s_axis_inj_tvalid), .s_axis_inj_tready(s_axis_inj_tready),
    .rc_wdata(rc_wdata), .rc_wkeep(rc_wkeep), .rc_wlast(rc_wlast), .rc_wuser(rc_wuser), .rc_wvalid(rc_wvalid),
    .rc_wready(rc_wready),
    .m_data(in_data), .m_keep(in_keep), .m_last(in_last), .m_sop(in_sop), .m_input(in_input), .m_user(in_user),
    .m_len(in_len), .m_stash(in_stash), .m_valid(in_valid), .m_ready(in_ready), .pending(in_pending));
reg [CW-1:0] in_ctx;
always @* begin
    in_ctx = {CW{1'b0}};
    in_ctx[`CTX_DATA] = in_data;
    in_ctx[`CTX_KEEP] = in_keep;
    in_ctx[`CTX_LAST] = in_last;
    in_ctx[`CTX_SOP] = in_sop;
    in_ctx[`CTX_IN] = in_input;
    in_ctx[`CTX_META] = in_user;
    in_ctx[`CTX_LEN] = in_len;
    in_ctx[`CTX_STASH] = in_stash;
end

// the segments and the skid buffers between them: [0] classify -> route,
// [1] route -> egress, [2] egress -> output
wire [CW-1:0] seg_ctx [0:2], skid_ctx [0:2];
wire [2:0] seg_valid, seg_ready, skid_valid, skid_ready, skid_busy;
genvar gs;
generate
    for (gs = 0; gs < 3; gs = gs + 1) begin : skid
        offload_skid #(.W(CW)) buffer (
            .clk(clk), .rst(rst), .s_data(seg_ctx[gs]), .s_valid(seg_valid[gs]), .s_ready(seg_ready[gs]),
            .m_data(skid_ctx[gs]), .m_valid(skid_valid[gs]), .m_ready(skid_ready[gs]), .busy(skid_busy[gs]));
    end
endgenerate

wire enabled = (control_reg & offload_pkg::REG_CONTROL_ENABLE) != 0;
wire [IF_W-1:0] if_rb;
// SESS_MEM_ERRORS: the lookups' error answers (up to six a clock) and the management port's
wire [N_LOOKUPS-1:0] lookup_errors;
reg [31:0] lookup_error_count = 0;
always @(posedge clk) begin
    if (rst) lookup_error_count <= 0;
    else lookup_error_count <= lookup_error_count + 32'($countones(lookup_errors));
end
wire ev_rx, ev_nat, ev_nat_hit, ev_lpm, ev_lpm_hit;
wire [3:0] ev_rx_port;
wire classify_busy, route_busy, egress_busy;
offload_classify #(.N_PORTS(N_PORTS), .IF_BITS(IF_BITS), .ACL_LIST_BITS(ACL_LIST_BITS), .ACL_BITS(ACL_BITS),
    .RULE_BITS(RULE_BITS), .ACL_MAX_LISTS(ACL_MAX_LISTS), .SESS_BUCKET_BITS(SB), .SESS_ROB_BITS(SESS_ROB_BITS),
    .FIB_BITS(FIB_BITS), .VXLAN_BITS(VXLAN_BITS)) classify (
    .clk(clk), .rst(rst),
    .s_ctx(in_ctx), .s_valid(in_valid), .s_ready(in_ready),
    .m_ctx(seg_ctx[0]), .m_valid(seg_valid[0]), .m_ready(seg_ready[0]),
    .enabled(enabled), .partial(partial), .nat_enabled(nat_en), .port_map(port_map_flat), .vxlan(vxlan_flat),
    .rules(rules_flat), .acls(acls_flat), .lists(lists_flat),
    .tbl_sel(tbl_sel_reg), .tbl_index(tbl_index_reg), .tw(tw), .tw_data(tw_data),
    .if_rb(if_rb), .tag_bucket(tag_bucket), .tag_we(tag_we), .tag_data(tag_data), .tag_rb(tag_rb),
    .mem_errors(lookup_errors[3:0]),
    .m_axi_arvalid(m_axi_sess_arvalid[0 +: 4]), .m_axi_arready(m_axi_sess_arready[0 +: 4]),
    .m_axi_araddr(m_axi_sess_araddr[(SESS_BUCKET_BITS+9)*0 +: (SESS_BUCKET_BITS+9)*4]), .m_axi_arid(m_axi_sess_arid[SESS_ROB_BITS*0 +: SESS_ROB_BITS*4]),
    .m_axi_arlen(m_axi_sess_arlen[8*0 +: 8*4]), .m_axi_arsize(m_axi_sess_arsize[3*0 +: 3*4]),
    .m_axi_arburst(m_axi_sess_arburst[2*0 +: 2*4]), .m_axi_rvalid(m_axi_sess_rvalid[0 +: 4]),
    .m_axi_rready(m_axi_sess_rready[0 +: 4]), .m_axi_rdata(m_axi_sess_rdata[512*0 +: 512*4]),
    .m_axi_rlast(m_axi_sess_rlast[0 +: 4]), .m_axi_rresp(m_axi_sess_rresp[2*0 +: 2*4]),
    .m_axi_rid(m_axi_sess_rid[SESS_ROB_BITS*0 +: SESS_ROB_BITS*4]),
    .hit_set(hit_set[1:0]), .hit_bucket(hit_bucket[0 +: 2*SB]), .hit_way(hit_way[0 +: 6]),
    .ev_rx(ev_rx), .ev_rx_port(ev_rx_port), .ev_nat(ev_nat), .ev_nat_hit(ev_nat_hit), .busy(classify_busy));

offload_route #(.FIB_BITS(FIB_BITS), .GROUP_BITS(GROUP_BITS), .LB_BITS(LB_BITS), .BUCKET_BITS(BUCKET_BITS),
    .ADJ_BITS(ADJ_BITS)) route (
    .clk(clk), .rst(rst),
    .s_ctx(skid_ctx[0]), .s_valid(skid_valid[0]), .s_ready(skid_ready[0]),
    .m_ctx(seg_ctx[1]), .m_valid(seg_valid[1]), .m_ready(seg_ready[1]),
    .tbl_sel(tbl_sel_reg), .tbl_index(tbl_index_reg), .tw(tw), .tw_data(tw_data), .rb_data(fib_rb),
    .ev_lpm(ev_lpm), .ev_lpm_hit(ev_lpm_hit), .busy(route_busy));

offload_egress #(.N_PORTS(N_PORTS), .IF_BITS(IF_BITS), .ACL_LIST_BITS(ACL_LIST_BITS), .ACL_BITS(ACL_BITS),
    .RULE_BITS(RULE_BITS), .ACL_MAX_LISTS(ACL_MAX_LISTS), .SESS_BUCKET_BITS(SB), .SESS_ROB_BITS(SESS_ROB_BITS),
    .L2FIB_BITS(L2FIB_BITS), .VXLAN_BITS(VXLAN_BITS), .VXLAN_DECAP(VXLAN_DECAP)) egress (
    .clk(clk), .rst(rst),
    .s_ctx(skid_ctx[1]), .s_valid(skid_valid[1]), .s_ready(skid_ready[1]),
    .m_ctx(seg_ctx[2]), .m_valid(seg_valid[2]), .m_ready(seg_ready[2]),
    .partial(partial), .nat_enabled(nat_en), .vxlan(vxlan_flat), .l2fib(l2fib_flat),
    .rules(rules_flat), .acls(acls_flat), .lists(lists_flat),
    .tbl_sel(tbl_sel_reg), .tbl_index(tbl_index_reg), .tw(tw), .tw_data(tw_data),
    .tag_bucket(tag_bucket), .tag_we(tag_we), .tag_data(tag_data), .mem_errors(lookup_errors[5:4]),
    .m_axi_arvalid(m_axi_sess_arvalid[4 +: 2]), .m_axi_arready(m_axi_sess_arready[4 +: 2]),
    .m_axi_araddr(m_axi_sess_araddr[(SESS_BUCKET_BITS+9)*4 +: (SESS_BUCKET_BITS+9)*2]), .m_axi_arid(m_axi_sess_arid[SESS_ROB_BITS*4 +: SESS_ROB_BITS*2]),
    .m_axi_arlen(m_axi_sess_arlen[8*4 +: 8*2]), .m_axi_arsize(m_axi_sess_arsize[3*4 +: 3*2]),
    .m_axi_arburst(m_axi_sess_arburst[2*4 +: 2*2]), .m_axi_rvalid(m_axi_sess_rvalid[4 +: 2]),
    .m_axi_rready(m_axi_sess_rready[4 +: 2]), .m_axi_rdata(m_axi_sess_rdata[512*4 +: 512*2]),
    .m_axi_rlast(m_axi_sess_rlast[4 +: 2]), .m_axi_rresp(m_axi_sess_rresp[2*4 +: 2*2]),
    .m_axi_rid(m_axi_sess_rid[SESS_ROB_BITS*4 +: SESS_ROB_BITS*2]),
    .hit_set(hit_set[3:2]), .hit_bucket(hit_bucket[2*SB +: 2*SB]), .hit_way(hit_way[6 +: 6]),
    .busy(egress_busy));

// ---- output: the destination in CTX_IN, the punt or loop-port tuser in CTX_META
wire [CW-1:0] out_ctx = skid_ctx[2];
wire out_busy;
offload_output #(.N_PORTS(N_PORTS)) out (
    .clk(clk), .rst(rst),
    .valid(skid_valid[2]), .data(out_ctx[`CTX_DATA]), .keep(out_ctx[`CTX_KEEP]), .last(out_ctx[`CTX_LAST]),
    .sop(out_ctx[`CTX_SOP]), .dest(out_ctx[`CTX_IN]), .meta(out_ctx[`CTX_META]), .stash(out_ctx[`CTX_STASH]),
    .put_back(out_ctx[`CTX_PUT_BACK]), .ready(skid_ready[2]), .busy(out_busy),
    .m_axis_tx_tdata(m_axis_tx_tdata), .m_axis_tx_tkeep(m_axis_tx_tkeep), .m_axis_tx_tlast(m_axis_tx_tlast),
    .m_axis_tx_tvalid(m_axis_tx_tvalid), .m_axis_tx_tready(m_axis_tx_tready),
    .m_axis_punt_tdata(m_axis_punt_tdata), .m_axis_punt_tkeep(m_axis_punt_tkeep), .m_axis_punt_tlast(m_axis_punt_tlast),
    .m_axis_punt_tuser(m_axis_punt_tuser), .m_axis_punt_tvalid(m_axis_punt_tvalid), .m_axis_punt_tready(m_axis_punt_tready),
    .rc_wdata(rc_wdata), .rc_wkeep(rc_wkeep), .rc_wlast(rc_wlast), .rc_wuser(rc_wuser), .rc_wvalid(rc_wvalid),
    .rc_wready(rc_wready));
// Waiver: of the punt metadata the counters read the reason.
/* verilator lint_off UNUSEDSIGNAL */
wire [63:0] out_meta = out_ctx[`CTX_META];
/* verilator lint_on UNUSEDSIGNAL */

// ---------------------------------------------------------------- counters, registers

// STATUS.BUSY: a packet is in an input FIFO, a segment, a skid buffer or a realigner,
// or a session table command is queued or unanswered
wire busy = in_pending || classify_busy || route_busy || egress_busy || skid_busy != 3'd0 || out_busy || mgmt_busy;

wire cnt_sel, cnt_clear;
wire [31:0] cnt_rdata;
offload_counters #(.N_PORTS(N_PORTS)) counters (
    .clk(clk), .rst(rst), .clear(cnt_clear),
    // (packets from the loop port are second passes: not counted)
    .rx(ev_rx), .rx_port(ev_rx_port),
    // NAT's session lookups and the LPM's
    .lk({ev_lpm, ev_nat}), .lk_hit({ev_lpm_hit, ev_nat_hit}),
    .lk_table({5'(offload_pkg::TBL_LPM_L1), 5'(offload_pkg::TBL_SESSION)}),
    .out(skid_valid[2] && skid_ready[2] && out_ctx[`CTX_SOP]), .out_dest(out_ctx[`CTX_IN]),
    .out_reason(out_meta[offload_pkg::META_REASON_LSB +: 6]),
    .rd_addr(reg_addr), .rd_sel(cnt_sel), .rd_data(cnt_rdata));

offload_regs #(.N_PORTS(N_PORTS), .SESS_LOOKUPS(N_LOOKUPS), .SESS_IN_FLIGHT(2**SESS_ROB_BITS),
    .CAPACITY(CAPACITY)) regs (
    .clk(clk), .rst(rst),
    .reg_addr(reg_addr), .reg_wdata(reg_wdata), .reg_wr(reg_wr), .reg_rd(reg_rd), .reg_rdata(reg_rdata),
    .control(control_reg), .tbl_sel(tbl_sel_reg), .tbl_index(tbl_index_reg), .tw(tw), .tw_data(tw_data),
    .hit_flip(hit_flip), .clear_counters(cnt_clear),
    .busy(busy), .hit_flips(hit_flips), .hb_read(hb_read), .hb_rb_valid(hb_rb_valid), .hb_rb_data(hb_rb_data),
    .rb_data(rb_data), .cnt_sel(cnt_sel), .cnt_rdata(cnt_rdata),
    .ext_valid(ext_valid), .ext_ready(ext_ready), .ext_tag(ext_tag), .ext_read(ext_read), .ext_data(ext_data),
    .ext_rb_valid(ext_rb_valid), .ext_rb_data(ext_rb_data), .sess_mem_errors(lookup_error_count + mgmt_errors));

endmodule

`resetall
