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
    delete m->top;
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
    t->clk = 1;
    t->eval();
#if OFFLOAD_WAVES
    if (m->fst) m->fst->dump(m->t++);
#endif
}

}
