// A segment's session lookups: NK engines (offload_session_fetch) side by side, key k
// into engine k, each with its own copy of the tags (written together from the
// management port) and its own AXI4 read port. Every field of engine k sits at k times
// its width in the packed ports. Engine 0's tag copy answers the read-back.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_session_engines #
(
    parameter NK = 1,
    parameter BUCKET_BITS = 11,
    parameter ROB_BITS = 8
)
(
    input  wire                                    clk,
    input  wire                                    rst,

    input  wire [NK-1:0]                           s_valid,
    output wire [NK-1:0]                           s_ready,
    input  wire [NK*128-1:0]                       s_key,
    input  wire [NK-1:0]                           s_skip,

    output wire [NK-1:0]                           m_valid,
    input  wire [NK-1:0]                           m_ready,
    output wire [NK-1:0]                           m_hit,
    output wire [NK-1:0]                           m_error,
    output wire [NK*BUCKET_BITS-1:0]               m_bucket,
    output wire [NK*3-1:0]                         m_way,
    output wire [NK*offload_pkg::SESS_BITS-1:0]    m_entry,
    // an answer taken that the memory gave with an error (a pulse per engine)
    output wire [NK-1:0]                           m_error_taken,

    input  wire [BUCKET_BITS-1:0]                  tag_bucket,
    input  wire                                    tag_we,
    input  wire [127:0]                            tag_data,
    output wire [127:0]                            tag_rb,

    output wire [NK-1:0]                           m_axi_arvalid,
    input  wire [NK-1:0]                           m_axi_arready,
    output wire [NK*(BUCKET_BITS+9)-1:0]           m_axi_araddr,
    output wire [NK*ROB_BITS-1:0]                  m_axi_arid,
    output wire [NK*8-1:0]                         m_axi_arlen,
    output wire [NK*3-1:0]                         m_axi_arsize,
    output wire [NK*2-1:0]                         m_axi_arburst,
    input  wire [NK-1:0]                           m_axi_rvalid,
    output wire [NK-1:0]                           m_axi_rready,
    input  wire [NK*512-1:0]                       m_axi_rdata,
    input  wire [NK-1:0]                           m_axi_rlast,
    input  wire [NK*2-1:0]                         m_axi_rresp,
    input  wire [NK*ROB_BITS-1:0]                  m_axi_rid
);

localparam SB = BUCKET_BITS;
localparam W = offload_pkg::SESS_BITS;
localparam AW = BUCKET_BITS + 9;

// Waiver: the other engines' tag copies are not read back.
/* verilator lint_off UNUSEDSIGNAL */
wire [NK*128-1:0] rb_tags;
/* verilator lint_on UNUSEDSIGNAL */
assign tag_rb = rb_tags[127:0];
assign m_error_taken = m_valid & m_ready & m_error;

genvar k;
generate
    for (k = 0; k < NK; k = k + 1) begin : engine
        offload_session_fetch #(.BUCKET_BITS(SB), .ROB_BITS(ROB_BITS)) lookup (
            .clk(clk), .rst(rst),
            .s_valid(s_valid[k]), .s_ready(s_ready[k]), .s_key(s_key[128*k +: 128]), .s_skip(s_skip[k]),
            .m_valid(m_valid[k]), .m_ready(m_ready[k]), .m_hit(m_hit[k]), .m_error(m_error[k]),
            .m_bucket(m_bucket[SB*k +: SB]), .m_way(m_way[3*k +: 3]), .m_entry(m_entry[W*k +: W]),
            .w_bucket(tag_bucket), .w_tag_we(tag_we), .w_tags(tag_data), .rb_tags(rb_tags[128*k +: 128]),
            .m_axi_arvalid(m_axi_arvalid[k]), .m_axi_arready(m_axi_arready[k]), .m_axi_araddr(m_axi_araddr[AW*k +: AW]),
            .m_axi_arid(m_axi_arid[ROB_BITS*k +: ROB_BITS]), .m_axi_arlen(m_axi_arlen[8*k +: 8]),
            .m_axi_arsize(m_axi_arsize[3*k +: 3]), .m_axi_arburst(m_axi_arburst[2*k +: 2]),
            .m_axi_rvalid(m_axi_rvalid[k]), .m_axi_rready(m_axi_rready[k]), .m_axi_rdata(m_axi_rdata[512*k +: 512]),
            .m_axi_rlast(m_axi_rlast[k]), .m_axi_rresp(m_axi_rresp[2*k +: 2]), .m_axi_rid(m_axi_rid[ROB_BITS*k +: ROB_BITS]));
    end
endgenerate

endmodule

`resetall
