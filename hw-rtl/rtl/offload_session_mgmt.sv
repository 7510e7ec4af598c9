// The session table's management port: the register block's commands on the session
// entries (in external memory, behind this module's AXI4 master) and on the tag words
// (on chip, one copy in every lookup engine, offload_session_fetch), run in order from
// a queue:
//   entry write/delete   an AXI write (AW and W, one 64-byte beat), posted: the queue
//                        moves on when the memory took it, the B response is counted
//   entry read           waits until every write before it was answered (B), then an
//                        AXI read; its data to the register block (rb_valid)
//   tag write/delete     waits until every entry write before it was answered, then
//                        writes every engine's copy in one clock: a lookup that matches
//                        the new tag finds the entry written before it
//   tag read             engine copy 0's word, the clock after
// The register block refuses a command while the queue is full (TBL_STATUS BUSY) and
// says PENDING while a read is under way. An error response (SLVERR, DECERR) to a write
// or a read is counted (m_errors); a read answered with an error reads as zeroes.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_session_mgmt #
(
    // log2 buckets (8 ways each)
    parameter BUCKET_BITS = 11,
    // log2 queued commands
    parameter QUEUE_BITS = 4,
    // log2 entry writes in flight (B responses outstanding)
    parameter WRITES_BITS = 5
)
(
    input  wire                                 clk,
    input  wire                                 rst,

    // a checked command: on the tag words (tag) or the entries, read or write (a
    // delete writes zeroes); index: the slot (bucket * 8 + way) or the bucket
    input  wire                                 s_valid,
    output wire                                 s_ready,
    input  wire                                 s_tag,
    input  wire                                 s_read,
    input  wire [BUCKET_BITS+2:0]               s_index,
    input  wire [offload_pkg::SESS_BITS-1:0]    s_data,

    // a read's answer (a pulse); busy: commands queued or writes unanswered
    output reg                                  rb_valid = 0,
    output reg  [offload_pkg::SESS_BITS-1:0]    rb_data = 0,
    output wire                                 busy,
    output reg  [31:0]                          m_errors = 0,

    // the engines' tag ports: address, write, and copy 0's read-back (the clock after)
    output wire [BUCKET_BITS-1:0]               tag_bucket,
    output wire                                 tag_we,
    output wire [127:0]                         tag_data,
    input  wire [127:0]                         tag_rb,

    // AXI4 master: single-beat 64-byte writes and reads of entries
    output wire                                 m_axi_awvalid,
    input  wire                                 m_axi_awready,
    output wire [BUCKET_BITS+8:0]               m_axi_awaddr,
    output wire [7:0]                           m_axi_awlen,
    output wire [2:0]                           m_axi_awsize,
    output wire [1:0]                           m_axi_awburst,
    output wire                                 m_axi_wvalid,
    input  wire                                 m_axi_wready,
    output wire [511:0]                         m_axi_wdata,
    output wire [63:0]                          m_axi_wstrb,
    output wire                                 m_axi_wlast,
    input  wire                                 m_axi_bvalid,
    output wire                                 m_axi_bready,
    // Waiver: of a response, bit 1 tells an error from OKAY and EXOKAY; rlast is 1 on
    // a single-beat burst; an entry is the beat's low bits.
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [1:0]                           m_axi_bresp,
    output wire                                 m_axi_arvalid,
    input  wire                                 m_axi_arready,
    output wire [BUCKET_BITS+8:0]               m_axi_araddr,
    output wire [7:0]                           m_axi_arlen,
    output wire [2:0]                           m_axi_arsize,
    output wire [1:0]                           m_axi_arburst,
    input  wire                                 m_axi_rvalid,
    output wire                                 m_axi_rready,
    input  wire [511:0]                         m_axi_rdata,
    input  wire                                 m_axi_rlast,
    input  wire [1:0]                           m_axi_rresp
    /* verilator lint_on UNUSEDSIGNAL */
);

localparam SB = BUCKET_BITS;
localparam W = offload_pkg::SESS_BITS;
localparam QW = 2 + SB + 3 + W;

// ---- the queue
wire q_empty, q_full;
wire [QW-1:0] q_head;
wire q_pop;
offload_fifo #(.W(QW), .DEPTH_BITS(QUEUE_BITS)) queue (
    .clk(clk), .rst(rst), .push(s_valid && s_ready), .push_data({s_tag, s_read, s_index, s_data}), .full(q_full),
    .pop(q_pop), .empty(q_empty), .head(q_head));
assign s_ready = !q_full && !rst;
wire h_tag = q_head[QW-1];
wire h_read = q_head[QW-2];
wire [SB+2:0] h_index = q_head[W +: SB+3];
wire [W-1:0] h_data = q_head[W-1:0];

// ---- writes in flight (AW and W taken, B not yet)
reg [WRITES_BITS:0] in_flight = 0;
wire b_done = m_axi_bvalid && m_axi_bready;
wire drained = in_flight == 0;

// the head's progress: AW and W taken (a write), AR taken (a read), the tag read's clock
reg aw_done = 0, w_done = 0, ar_done = 0, tag_rd = 0;
wire h_entry_write = !q_empty && !h_tag && !h_read;
wire h_entry_read = !q_empty && !h_tag && h_read;
wire h_tag_write = !q_empty && h_tag && !h_read;
wire h_tag_read = !q_empty && h_tag && h_read;
wire room = in_flight != (WRITES_BITS+1)'(2**WRITES_BITS);

assign m_axi_awvalid = h_entry_write && !aw_done && room;
assign m_axi_wvalid = h_entry_write && !w_done && room;
assign m_axi_awaddr = {h_index, 6'd0};
assign m_axi_awlen = 8'd0;
assign m_axi_awsize = 3'd6;
assign m_axi_awburst = 2'b01;
assign m_axi_wdata = {{(512-W){1'b0}}, h_data};
assign m_axi_wstrb = {64{1'b1}};
assign m_axi_wlast = 1'b1;
assign m_axi_bready = 1'b1;
wire aw_now = aw_done || (m_axi_awvalid && m_axi_awready);
wire w_now = w_done || (m_axi_wvalid && m_axi_wready);
wire write_taken = h_entry_write && aw_now && w_now;

assign m_axi_arvalid = h_entry_read && !ar_done && drained;
assign m_axi_araddr = {h_index, 6'd0};
assign m_axi_arlen = 8'd0;
assign m_axi_arsize = 3'd6;
assign m_axi_arburst = 2'b01;
assign m_axi_rready = 1'b1;
wire read_back = h_entry_read && ar_done && m_axi_rvalid;

assign tag_bucket = h_index[SB-1:0];
assign tag_we = h_tag_write && drained;
assign tag_data = h_data[127:0];

assign q_pop = write_taken || read_back || tag_we || (h_tag_read && tag_rd);
assign busy = !q_empty || !drained;

always @(posedge clk) begin
    rb_valid <= 1'b0;
    if (write_taken) begin
        aw_done <= 1'b0;
        w_done <= 1'b0;
    end else if (h_entry_write) begin
        aw_done <= aw_now;
        w_done <= w_now;
    end
    case ({write_taken, b_done})
        2'b10: in_flight <= in_flight + 1'b1;
        2'b01: in_flight <= in_flight - 1'b1;
        default: ;
    endcase
    if (m_axi_arvalid && m_axi_arready) ar_done <= 1'b1;
    if (read_back) begin
        ar_done <= 1'b0;
        rb_valid <= 1'b1;
        rb_data <= m_axi_rresp[1] ? {W{1'b0}} : m_axi_rdata[W-1:0];
    end
    tag_rd <= h_tag_read && !tag_rd;
    if (h_tag_read && tag_rd) begin
        rb_valid <= 1'b1;
        rb_data <= {{(W-128){1'b0}}, tag_rb};
    end
    if ((b_done && m_axi_bresp[1]) || (read_back && m_axi_rresp[1])) m_errors <= m_errors + 1'b1;
    if (rst) begin
        aw_done <= 1'b0;
        w_done <= 1'b0;
        ar_done <= 1'b0;
        tag_rd <= 1'b0;
        in_flight <= 0;
        rb_valid <= 1'b0;
    end
end

endmodule

`resetall
