// A table memory as an FPGA has it: block RAM or UltraRAM with two ports, both read
// synchronously (data the clock after the address).
//
// Port A belongs to the register block: it writes entries and reads one back (for the
// driver's read command) at the same address. Port B is a pipeline read, enabled by the
// stage's advance. A table that REPLICAS stages read per packet is kept as REPLICAS
// copies, each written by port A and read by its own port B: replicated, never
// multi-ported (only copy 0 answers port A's reads).
//
// Simulation starts the memory zeroed, as FPGA block RAM powers up.

`resetall
`timescale 1ns / 1ps
`default_nettype none

module offload_ram #
(
    // entry width in bits
    parameter W = 32,
    // log2 entries
    parameter ADDR_BITS = 4,
    // pipeline read ports (copies)
    parameter REPLICAS = 1
)
(
    input  wire                          clk,

    // port A: the register block
    input  wire                          a_we,
    input  wire [ADDR_BITS-1:0]          a_addr,
    input  wire [W-1:0]                  a_wdata,
    output reg  [W-1:0]                  a_rdata,

    // port B: pipeline reads, copy r at b_addr[r]
    input  wire                          b_en,
    input  wire [REPLICAS*ADDR_BITS-1:0] b_addr,
    output wire [REPLICAS*W-1:0]         b_rdata
);

initial begin
    if (W < 1 || ADDR_BITS < 1 || REPLICAS < 1) begin
        $error("Error: offload_ram needs W, ADDR_BITS and REPLICAS >= 1 (instance %m)");
        $finish;
    end
end

genvar r;
generate
    for (r = 0; r < REPLICAS; r = r + 1) begin : copy
        reg [W-1:0] mem [0:2**ADDR_BITS-1];
        reg [W-1:0] q = 0;
`ifndef SYNTHESIS
        integer k;
        initial for (k = 0; k < 2**ADDR_BITS; k = k + 1) mem[k] = 0;
`endif
        always @(posedge clk) begin
            if (a_we) mem[a_addr] <= a_wdata;
            if (b_en) q <= mem[b_addr[r*ADDR_BITS +: ADDR_BITS]];
        end
        assign b_rdata[r*W +: W] = q;
        if (r == 0) begin : readback
            // read-first: a read in the clock of a write returns the old entry
            always @(posedge clk) a_rdata <= mem[a_addr];
        end
    end
endgenerate

endmodule

`resetall
