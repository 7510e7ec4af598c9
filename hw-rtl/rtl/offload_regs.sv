// The register block (offload-tables regs.rs): identity and capability registers,
// CONTROL, STATUS, NOW, HIT_EPOCH (retire the hit-bit bank), and
// the table access of the staging words: TBL_SEL and TBL_INDEX name an entry, the
// TBL_DATA words hold it, TBL_CMD writes, deletes (writes zeroes) or reads it whole in
// one clock, after checking the table and the index (TBL_STATUS). Counters are read
// through `cnt_*` (offload_counters), the tables' read-back through `rb_data`.
//
// The session table (entries and tag words) is not written here but through its
// management port (offload_session_mgmt, `ext_*`): its commands are queued there, a
// full queue refuses one (TBL_STATUS BUSY), and a read says PENDING until its data
// lands in the staging words. So does a read of the hit bits (offload_hit_bits, `hb_*`),
// which are read only.
//
// One access per clock; read data is registered (valid the clock after `reg_rd`).

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_regs #
(
    parameter N_PORTS = 2,
    // session lookup engines and lookups in flight per engine (SESS_* registers)
    parameter SESS_LOOKUPS = 6,
    parameter SESS_IN_FLIGHT = 256,
    // entries per table: table t's at bits 32t +: 32
    parameter [32*offload_pkg::TABLE_COUNT-1:0] CAPACITY = 0
)
(
    input  wire         clk,
    input  wire         rst,

    input  wire [15:0]  reg_addr,
    input  wire [31:0]  reg_wdata,
    input  wire         reg_wr,
    input  wire         reg_rd,
    output reg  [31:0]  reg_rdata,

    output reg  [31:0]  control,
    output reg  [7:0]   tbl_sel,
    output reg  [31:0]  tbl_index,
    // a checked table write (or delete) this clock, of the entry `tw_data`
    output wire         tw,
    output wire [511:0] tw_data,
    output wire         hit_flip,         // HIT_EPOCH written: retire the hit-bit bank
    output wire         clear_counters,

    input  wire         busy,             // STATUS.BUSY
    input  wire [31:0]  hit_flips,        // HIT_EPOCH's value
    // a read of the hit bits: group tbl_index, its 512 bits when hb_rb_valid
    output wire         hb_read,
    input  wire         hb_rb_valid,
    input  wire [511:0] hb_rb_data,
    input  wire [511:0] rb_data,          // entry tbl_index of table tbl_sel, the clock after
    input  wire         cnt_sel,          // reg_addr is a counter's
    input  wire [31:0]  cnt_rdata,
    // the session table's commands (tag: its tag words; read, else write or delete)
    output wire         ext_valid,
    input  wire         ext_ready,
    output wire         ext_tag,
    output wire         ext_read,
    output wire [offload_pkg::SESS_BITS-1:0] ext_data,
    input  wire         ext_rb_valid,
    input  wire [offload_pkg::SESS_BITS-1:0] ext_rb_data,
    input  wire [31:0]  sess_mem_errors
);

initial begin
    control = 0;
    tbl_sel = 0;
    tbl_index = 0;
end

reg [31:0]  now_reg = 0;
reg [31:0]  tbl_status_reg = 0;
reg [511:0] staging_reg = 0;
reg         rd_cmd_reg = 0;

function [31:0] capacity(input [31:0] t);
    capacity = t < offload_pkg::TABLE_COUNT ? CAPACITY[32*t +: 32] : 32'd0;
endfunction

wire is_cmd = reg_wr && reg_addr == offload_pkg::REG_TBL_CMD[15:0];
wire cmd_write = is_cmd && reg_wdata == offload_pkg::REG_CMD_WRITE;
wire cmd_read = is_cmd && reg_wdata == offload_pkg::REG_CMD_READ;
wire cmd_delete = is_cmd && reg_wdata == offload_pkg::REG_CMD_DELETE;
wire sel_ok = {24'd0, tbl_sel} < offload_pkg::TABLE_COUNT;
wire idx_ok = tbl_index < capacity({24'd0, tbl_sel});
wire in_staging = reg_addr >= offload_pkg::REG_TBL_DATA[15:0]
    && reg_addr < 16'(offload_pkg::REG_TBL_DATA + 4 * offload_pkg::REG_STAGING_WORDS);

// the session table's commands go to its management port; while one of its reads is
// under way no command runs
wire ext_table = {24'd0, tbl_sel} == offload_pkg::TBL_SESSION || {24'd0, tbl_sel} == offload_pkg::TBL_SESSION_TAG;
wire hb_table = {24'd0, tbl_sel} == offload_pkg::TBL_HIT_BITS;
reg ext_wait = 0;   // a read queued (session table or hit bits), its data not yet in the staging words
assign tw = (cmd_write || cmd_delete) && sel_ok && idx_ok && !ext_table && !hb_table && !ext_wait;
assign hb_read = cmd_read && sel_ok && idx_ok && hb_table && !ext_wait;
assign tw_data = cmd_delete ? 512'd0 : staging_reg;
wire ext_cmd = (cmd_write || cmd_delete || cmd_read) && sel_ok && idx_ok && ext_table && !ext_wait;
assign ext_valid = ext_cmd;
assign ext_tag = {24'd0, tbl_sel} == offload_pkg::TBL_SESSION_TAG;
assign ext_read = cmd_read;
assign ext_data = cmd_delete ? {offload_pkg::SESS_BITS{1'b0}} : staging_reg[offload_pkg::SESS_BITS-1:0];
assign hit_flip = reg_wr && reg_addr == offload_pkg::REG_HIT_EPOCH[15:0];
assign clear_counters = reg_wr && reg_addr == offload_pkg::REG_CONTROL[15:0]
    && (reg_wdata & offload_pkg::REG_CONTROL_CLEAR_COUNTERS) != 0;

always @(posedge clk) begin
    rd_cmd_reg <= cmd_read && sel_ok && idx_ok && !ext_table && !hb_table && !ext_wait;
    if (rd_cmd_reg) staging_reg <= rb_data;
    if ((ext_cmd && ext_ready && cmd_read) || hb_read) ext_wait <= 1'b1;
    if (ext_rb_valid || hb_rb_valid) begin
        staging_reg <= ext_rb_valid ? {{(512-offload_pkg::SESS_BITS){1'b0}}, ext_rb_data} : hb_rb_data;
        ext_wait <= 1'b0;
        tbl_status_reg <= offload_pkg::REG_TBL_STATUS_OK;
    end
    if (reg_wr) begin
        case (reg_addr)
            offload_pkg::REG_CONTROL[15:0]: control <= reg_wdata
                & (offload_pkg::REG_CONTROL_ENABLE | offload_pkg::REG_CONTROL_SESSIONS_PARTIAL);
            offload_pkg::REG_NOW[15:0]: now_reg <= reg_wdata;
            offload_pkg::REG_TBL_SEL[15:0]: tbl_sel <= reg_wdata[7:0];
            offload_pkg::REG_TBL_INDEX[15:0]: tbl_index <= reg_wdata;
            default: if (in_staging) staging_reg[32*reg_addr[5:2] +: 32] <= reg_wdata;
        endcase
    end
    if (is_cmd && ext_wait) begin
        // a session read under way: the command is not run, the status stays PENDING
    end else if (is_cmd && ext_table && sel_ok && idx_ok && (cmd_write || cmd_read || cmd_delete)) begin
        tbl_status_reg <= !ext_ready ? offload_pkg::REG_TBL_STATUS_BUSY
            : cmd_read ? offload_pkg::REG_TBL_STATUS_PENDING : offload_pkg::REG_TBL_STATUS_OK;
    end else if (is_cmd && hb_table && sel_ok && idx_ok) begin
        // the hit bits are read only
        tbl_status_reg <= cmd_read ? offload_pkg::REG_TBL_STATUS_PENDING : offload_pkg::REG_TBL_STATUS_BAD_CMD;
    end else if (is_cmd) begin
        tbl_status_reg <= !sel_ok ? offload_pkg::REG_TBL_STATUS_BAD_TABLE
            : !idx_ok ? offload_pkg::REG_TBL_STATUS_BAD_INDEX
            : (cmd_write || cmd_read || cmd_delete) ? offload_pkg::REG_TBL_STATUS_OK
            : offload_pkg::REG_TBL_STATUS_BAD_CMD;
    end
    if (reg_rd) begin
        reg_rdata <= 32'd0;
        case (reg_addr)
            offload_pkg::REG_ID[15:0]: reg_rdata <= offload_pkg::REG_ID_VALUE;
            offload_pkg::REG_VERSION[15:0]: reg_rdata <= offload_pkg::REG_VERSION_VALUE;
            offload_pkg::REG_NEXT_PTR[15:0]: reg_rdata <= 32'd0;
            offload_pkg::REG_N_TABLES[15:0]: reg_rdata <= offload_pkg::TABLE_COUNT;
            offload_pkg::REG_CONTROL[15:0]: reg_rdata <= control;
            offload_pkg::REG_STATUS[15:0]: reg_rdata <= busy ? offload_pkg::REG_STATUS_BUSY : 32'd0;
            offload_pkg::REG_NOW[15:0]: reg_rdata <= now_reg;
            offload_pkg::REG_N_PORTS[15:0]: reg_rdata <= N_PORTS;
            offload_pkg::REG_SESS_MEM[15:0]: reg_rdata <= offload_pkg::REG_SESS_MEM_EXTERNAL;
            offload_pkg::REG_SESS_LOOKUP_PORTS[15:0]: reg_rdata <= SESS_LOOKUPS;
            offload_pkg::REG_SESS_IN_FLIGHT[15:0]: reg_rdata <= SESS_IN_FLIGHT;
            offload_pkg::REG_SESS_ENTRY_STRIDE[15:0]: reg_rdata <= 32'd64;
            offload_pkg::REG_SESS_MEM_ERRORS[15:0]: reg_rdata <= sess_mem_errors;
            offload_pkg::REG_HIT_EPOCH[15:0]: reg_rdata <= hit_flips;
            offload_pkg::REG_TBL_SEL[15:0]: reg_rdata <= {24'd0, tbl_sel};
            offload_pkg::REG_TBL_INDEX[15:0]: reg_rdata <= tbl_index;
            offload_pkg::REG_TBL_STATUS[15:0]: reg_rdata <= tbl_status_reg;
            default: begin
                if (reg_addr >= offload_pkg::REG_CAP_BASE[15:0] && reg_addr < offload_pkg::REG_TBL_SEL[15:0]) begin
                    reg_rdata <= capacity({26'd0, reg_addr[7:2]} - offload_pkg::REG_CAP_BASE / 4);
                end
                if (in_staging) reg_rdata <= staging_reg[32*reg_addr[5:2] +: 32];
                if (cnt_sel) reg_rdata <= cnt_rdata;
            end
        endcase
    end
    if (rst) begin
        control <= 0;
        ext_wait <= 1'b0;
    end
end

endmodule

`resetall
