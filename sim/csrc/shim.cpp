// Thin C ABI over the Verilated model: one fused call per clock.
#include "Voffload_top.h"
#include "verilated.h"
#include <cstdint>
#include <cstring>
#if OFFLOAD_WAVES
#include "verilated_fst_c.h"
#endif
#if OFFLOAD_COVERAGE
#include "verilated_cov.h"
#endif

#define NP 2
// session lookups' AXI read ports (offload_top N_LOOKUPS); the address and ID widths
// come from the build (sim/build.rs passes the RTL's parameters)
#define NL 6
#define SESS_ADDR_W (SESS_BUCKET_BITS + 9)

// Bit fields of a Verilated port of any width (an integer, or VlWide for > 64 bits).
template <class T>
static inline uint64_t get_bits(const T& v, int lsb, int w) {
    return (uint64_t(v) >> lsb) & (w >= 64 ? ~0ull : ((1ull << w) - 1));
}
template <std::size_t N>
static inline uint64_t get_bits(const VlWide<N>& v, int lsb, int w) {
    uint64_t r = 0;
    for (int i = 0; i < w; i++) r |= uint64_t((v[(lsb + i) / 32] >> ((lsb + i) % 32)) & 1) << i;
    return r;
}
template <class T>
static inline void set_bits(T& v, int lsb, int w, uint64_t x) {
    uint64_t m = (w >= 64 ? ~0ull : ((1ull << w) - 1)) << lsb;
    v = T((uint64_t(v) & ~m) | ((x << lsb) & m));
}
template <std::size_t N>
static inline void set_bits(VlWide<N>& v, int lsb, int w, uint64_t x) {
    for (int i = 0; i < w; i++) {
        uint32_t bit = 1u << ((lsb + i) % 32);
        if ((x >> i) & 1) v[(lsb + i) / 32] |= bit;
        else v[(lsb + i) / 32] &= ~bit;
    }
}

extern "C" {

struct offload_in {
    uint32_t rx_data[NP][16];
    uint64_t rx_keep[NP];
    uint8_t rx_last[NP];
    uint8_t rx_valid[NP];
    uint32_t inj_data[16];
    uint64_t inj_keep;
    uint64_t inj_user;
    uint8_t inj_last;
    uint8_t inj_valid;
    uint8_t tx_ready[NP];
    uint8_t punt_ready;
    uint8_t reg_wr;
    uint8_t reg_rd;
    uint8_t rst;
    uint16_t reg_addr;
    uint32_t reg_wdata;
    // the memory's side of the session AXI ports: read responses per lookup port, the
    // management port's write response and read response (ready signals are always 1:
    // the memory model queues what it is given)
    uint32_t sess_rdata[NL][16];
    uint16_t sess_rid[NL];
    uint8_t sess_rvalid[NL];
    uint8_t sess_rresp[NL];
    uint32_t mgmt_rdata[16];
    uint8_t mgmt_rvalid;
    uint8_t mgmt_rresp;
    uint8_t mgmt_bvalid;
    uint8_t mgmt_bresp;
};

struct offload_out {
    uint32_t tx_data[NP][16];
    uint64_t tx_keep[NP];
    uint8_t tx_last[NP];
    uint8_t tx_valid[NP];
    uint8_t rx_ready[NP];
    uint8_t inj_ready;
    uint8_t punt_last;
    uint32_t punt_data[16];
    uint64_t punt_keep;
    uint64_t punt_user;
    uint8_t punt_valid;
    uint32_t reg_rdata;
    // the core's side: read requests per lookup port, the management port's write and
    // read requests, and whether each port takes its response this clock
    uint64_t sess_araddr[NL];
    uint16_t sess_arid[NL];
    uint8_t sess_arvalid[NL];
    uint8_t sess_rready[NL];
    uint64_t mgmt_awaddr;
    uint64_t mgmt_araddr;
    uint32_t mgmt_wdata[16];
    uint8_t mgmt_awvalid;
    uint8_t mgmt_wvalid;
    uint8_t mgmt_arvalid;
    uint8_t mgmt_rready;
    uint8_t mgmt_bready;
};

struct offload_model {
    VerilatedContext ctx;
    Voffload_top* top;
#if OFFLOAD_WAVES
    // the waveform, when one was opened (`offload_waves_open`); time in half clocks
    VerilatedFstC* fst = nullptr;
    uint64_t t = 0;
#endif
};

// The sizes of the structs above, which sim/src/sys.rs mirrors (checked when a model opens).
void offload_abi_sizes(uint64_t* in_size, uint64_t* out_size) {
    *in_size = sizeof(offload_in);
    *out_size = sizeof(offload_out);
}

void* offload_new(void) {
    offload_model* m = new offload_model;
    m->top = new Voffload_top(&m->ctx, "top");
    m->top->clk = 0;
    m->top->rst = 1;
    m->top->eval();
    return m;
}

// Opens an FST waveform of everything from now on (built with OFFLOAD_WAVES; else -1).
int offload_waves_open(void* p, const char* path) {
#if OFFLOAD_WAVES
    offload_model* m = static_cast<offload_model*>(p);
    if (m->fst) return -2;
    m->ctx.traceEverOn(true);
    m->fst = new VerilatedFstC;
    m->top->trace(m->fst, 99);
    m->fst->open(path);
    return m->fst->isOpen() ? 0 : -3;
#else
    (void)p;
    (void)path;
    return -1;
#endif
}

// Writes the line and toggle coverage counted so far (built with OFFLOAD_COVERAGE; else -1).
int offload_coverage_write(void* p, const char* path) {
#if OFFLOAD_COVERAGE
    static_cast<offload_model*>(p)->ctx.coveragep()->write(path);
    return 0;
#else
    (void)p;
    (void)path;
    return -1;
#endif
}

void offload_free(void* p) {
    offload_model* m = static_cast<offload_model*>(p);
#if OFFLOAD_WAVES
    if (m->fst) {
        m->fst->close();
        delete m->fst;
    }
#endif
    m->top->final();
    // Verilator 5.006's ~VerilatedScope erases the scope from the thread's *current*
    // context (Verilated::threadContextp), which is the context constructed last on this
    // thread: another model's, possibly freed already. Make it this model's own.
    Verilated::threadContextp(&m->ctx);
    delete m->top;
    Verilated::threadContextp(nullptr);
    delete m;
}

void offload_tick(void* p, const offload_in* in, offload_out* out) {
    Voffload_top* t = static_cast<offload_model*>(p)->top;
    for (int i = 0; i < NP; i++) {
        for (int w = 0; w < 16; w++) t->s_axis_rx_tdata[i * 16 + w] = in->rx_data[i][w];
        t->s_axis_rx_tkeep[i * 2] = (uint32_t)in->rx_keep[i];
        t->s_axis_rx_tkeep[i * 2 + 1] = (uint32_t)(in->rx_keep[i] >> 32);
    }
    t->s_axis_rx_tlast = (in->rx_last[0] & 1) | ((in->rx_last[1] & 1) << 1);
    t->s_axis_rx_tvalid = (in->rx_valid[0] & 1) | ((in->rx_valid[1] & 1) << 1);
    for (int w = 0; w < 16; w++) t->s_axis_inj_tdata[w] = in->inj_data[w];
    t->s_axis_inj_tkeep = in->inj_keep;
    t->s_axis_inj_tuser = in->inj_user;
    t->s_axis_inj_tlast = in->inj_last;
    t->s_axis_inj_tvalid = in->inj_valid;
    t->m_axis_tx_tready = (in->tx_ready[0] & 1) | ((in->tx_ready[1] & 1) << 1);
    t->m_axis_punt_tready = in->punt_ready;
    t->reg_addr = in->reg_addr;
    t->reg_wdata = in->reg_wdata;
    t->reg_wr = in->reg_wr;
    t->reg_rd = in->reg_rd;
    t->rst = in->rst;
    for (int k = 0; k < NL; k++) {
        for (int w = 0; w < 16; w++) t->m_axi_sess_rdata[k * 16 + w] = in->sess_rdata[k][w];
        set_bits(t->m_axi_sess_rid, k * SESS_ROB_BITS, SESS_ROB_BITS, in->sess_rid[k]);
        set_bits(t->m_axi_sess_rvalid, k, 1, in->sess_rvalid[k]);
        set_bits(t->m_axi_sess_rresp, 2 * k, 2, in->sess_rresp[k]);
    }
    t->m_axi_sess_arready = (1u << NL) - 1;
    t->m_axi_sess_rlast = (1u << NL) - 1;
    for (int w = 0; w < 16; w++) t->m_axi_mgmt_rdata[w] = in->mgmt_rdata[w];
    t->m_axi_mgmt_rvalid = in->mgmt_rvalid;
    t->m_axi_mgmt_rresp = in->mgmt_rresp;
    t->m_axi_mgmt_rlast = 1;
    t->m_axi_mgmt_bvalid = in->mgmt_bvalid;
    t->m_axi_mgmt_bresp = in->mgmt_bresp;
    t->m_axi_mgmt_awready = 1;
    t->m_axi_mgmt_wready = 1;
    t->m_axi_mgmt_arready = 1;
    t->clk = 0;
    t->eval();
#if OFFLOAD_WAVES
    offload_model* m = static_cast<offload_model*>(p);
    if (m->fst) m->fst->dump(m->t++);
#endif
    // sample: what the rising edge below will transfer
    for (int i = 0; i < NP; i++) {
        for (int w = 0; w < 16; w++) out->tx_data[i][w] = t->m_axis_tx_tdata[i * 16 + w];
        out->tx_keep[i] = (uint64_t)t->m_axis_tx_tkeep[i * 2] | ((uint64_t)t->m_axis_tx_tkeep[i * 2 + 1] << 32);
        out->tx_last[i] = (t->m_axis_tx_tlast >> i) & 1;
        out->tx_valid[i] = (t->m_axis_tx_tvalid >> i) & 1;
        out->rx_ready[i] = (t->s_axis_rx_tready >> i) & 1;
    }
    out->inj_ready = t->s_axis_inj_tready;
    for (int w = 0; w < 16; w++) out->punt_data[w] = t->m_axis_punt_tdata[w];
    out->punt_keep = t->m_axis_punt_tkeep;
    out->punt_user = t->m_axis_punt_tuser;
    out->punt_last = t->m_axis_punt_tlast;
    out->punt_valid = t->m_axis_punt_tvalid;
    out->reg_rdata = t->reg_rdata;
    for (int k = 0; k < NL; k++) {
        out->sess_arvalid[k] = get_bits(t->m_axi_sess_arvalid, k, 1);
        out->sess_araddr[k] = get_bits(t->m_axi_sess_araddr, k * SESS_ADDR_W, SESS_ADDR_W);
        out->sess_arid[k] = get_bits(t->m_axi_sess_arid, k * SESS_ROB_BITS, SESS_ROB_BITS);
        out->sess_rready[k] = get_bits(t->m_axi_sess_rready, k, 1);
    }
    out->mgmt_awvalid = t->m_axi_mgmt_awvalid;
    out->mgmt_awaddr = t->m_axi_mgmt_awaddr;
    out->mgmt_wvalid = t->m_axi_mgmt_wvalid;
    for (int w = 0; w < 16; w++) out->mgmt_wdata[w] = t->m_axi_mgmt_wdata[w];
    out->mgmt_arvalid = t->m_axi_mgmt_arvalid;
    out->mgmt_araddr = t->m_axi_mgmt_araddr;
    out->mgmt_rready = t->m_axi_mgmt_rready;
    out->mgmt_bready = t->m_axi_mgmt_bready;
    t->clk = 1;
    t->eval();
#if OFFLOAD_WAVES
    if (m->fst) m->fst->dump(m->t++);
#endif
}

}
