// OUT_PROD on AMX BF16 tiles and the OS permission they need (see pl_amx.h).
#define PL_TIER PL_TIER_AVX512_BF16
#include "pl_amx.h"

#include "pl_cpu_features.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#if PL_CPU_DISPATCH
#include <immintrin.h>
#endif

// The tiles need AVX512_BF16 besides AMX (CMakeLists.txt gives this file -mamx-tile -mamx-bf16 where GCC has them).
PL_TARGET_BEGIN(PL_ISA_AVX512_BF16)
#include "pl_panel.h"

#if defined(__AMX_TILE__) && defined(__AMX_BF16__) && PL_AVX512_BF16 && defined(__linux__) && defined(__x86_64__)
#define PL_AMX 1
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace pl {

#if PL_AMX
namespace {

constexpr long ARCH_REQ_XCOMP_PERM = 0x1023;
constexpr long XFEATURE_XTILEDATA = 18;

// Tiles 0-3: the 2 × 2 blocks of C; 4, 5: the two A tiles; 6, 7: the two B tiles; all 16 rows of 64 bytes.
struct alignas(64) tile_config {
    uint8_t  palette_id, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t  rows[16];
};
static_assert(sizeof(tile_config) == 64, "LDTILECFG's 64-byte operand");

// Loads the tile configuration on the calling thread; amx_bf16_end releases the tile state.
void amx_bf16_begin() {
    static const tile_config config = [] {
        tile_config c;
        std::memset(&c, 0, sizeof(c));
        c.palette_id = 1;
        for (int t = 0; t < 8; t++) c.colsb[t] = 64, c.rows[t] = 16;
        return c;
    }();
    // GCC 12's _tile_loadconfig tells the compiler it reads 8 bytes only: make sure all 64 are stored first.
    __asm__ __volatile__("" ::: "memory");
    _tile_loadconfig(&config);
}

void amx_bf16_end() { _tile_release(); }

// A 32 × 32 F32 block c (row stride ldc bytes), zeroed first unless `accumulate`, plus Σ over nkt steps of A · B: per
// step, A = two 16-row tiles a0 + 256·kt and a1 + 256·kt (16 rows of 16 BF16 pairs each, contiguous), and B = 16 rows
// of 32 BF16 pairs at b + kt·16·ldb (row stride ldb bytes): c[r][x] += Σ a[r][kk] · b[kk][x] over the two values of
// each pair, F32 sums (the hardware's round-to-nearest-even, denormals flushed).
void amx_bf16_block32(int64_t nkt, const uint32_t * a0, const uint32_t * a1, const uint32_t * b, size_t ldb, float * c, size_t ldc, bool accumulate) {
    char * c0 = (char *) c;
    if (accumulate) {
        _tile_loadd(0, c0, ldc);
        _tile_loadd(1, c0 + 64, ldc);
        _tile_loadd(2, c0 + 16 * ldc, ldc);
        _tile_loadd(3, c0 + 16 * ldc + 64, ldc);
    } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
    }
    for (int64_t kt = 0; kt < nkt; kt++) {
        const char * bk = (const char *) b + kt * 16 * ldb;
        _tile_loadd(4, a0 + 256 * kt, 64);
        _tile_loadd(5, a1 + 256 * kt, 64);
        _tile_loadd(6, bk, ldb);
        _tile_loadd(7, bk + 64, ldb);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, c0, ldc);
    _tile_stored(1, c0 + 64, ldc);
    _tile_stored(2, c0 + 16 * ldc, ldc);
    _tile_stored(3, c0 + 16 * ldc + 64, ldc);
}

constexpr int64_t NR = 32;    // columns of a Q panel: two B tiles of 16
constexpr int64_t IB = 256;   // columns per block (a multiple of NR and of every quant block size)
constexpr int64_t KC = 256;   // k values per block
constexpr int VL = 16;

struct scratch {
    std::vector<uint32_t> qb;       // Q: NR-column panels of BF16 pairs along k
    std::vector<uint32_t> pa;       // P: tiles of 16 rows × 16 pairs
    std::vector<float> row;         // two rows of Q dequantized
    std::vector<float> prow;        // one row of P gathered from strided b
    float block[32 * 32];           // a partial block of C
};

constexpr int64_t JA = 512;   // rows of P per AMX pass (P rounded once per pass and block of k, for all its columns)

// One row block [j0, j0 + nj) of P for k in [k0, k0 + kc): BF16 tiles of 16 rows × 16 pairs, [group][kt][row][pair],
// zero past nj and past kc.
void amx_pack_p(scratch & s, const char * b_base, size_t b_sj, size_t b_sk, int64_t j0, int64_t nj, int64_t k0, int64_t kc, int64_t nkt) {
    const int64_t n_groups = (nj + 31) / 32 * 2;
    s.pa.resize((size_t) (n_groups * nkt * 256));
    for (int64_t g = 0; g < n_groups; g++)
        for (int64_t r = 0; r < 16; r++) {
            uint32_t * d = s.pa.data() + g * nkt * 256 + r * 16;
            if (16 * g + r >= nj) {
                for (int64_t kt = 0; kt < nkt; kt++) std::memset(d + kt * 256, 0, 64);
                continue;
            }
            const char * src = b_base + k0 * b_sk + (j0 + 16 * g + r) * b_sj;
            const float * row = (const float *) src;
            if (b_sk != sizeof(float)) {
                for (int64_t k = 0; k < kc; k++) s.prow[(size_t) k] = *(const float *) (src + k * b_sk);
                row = s.prow.data();
            }
            for (int64_t kt = 0; kt < nkt; kt++) {
                const int64_t k = 32 * kt, n_lo = std::clamp<int64_t>(kc - k, 0, 16), n_hi = std::clamp<int64_t>(kc - k - 16, 0, 16);
                const __m512 lo = _mm512_maskz_loadu_ps((__mmask16) ((1u << n_lo) - 1u), row + std::min(k, kc));
                const __m512 hi = _mm512_maskz_loadu_ps((__mmask16) ((1u << n_hi) - 1u), row + std::min(k + 16, kc));
                _mm512_storeu_si512(d + kt * 256, (__m512i) _mm512_cvtne2ps_pbh(hi, lo));
            }
        }
}

// Columns [i0, i0 + ni) of a's rows k0 .. k0 + kc, dequantized a pair of rows at a time and rounded into panels of
// NR columns × kp16 BF16 pairs (zero past ni and past kc).
void amx_pack_q(scratch & s, const ggml_tensor * a, const char * a_base, int64_t i0, int64_t ni, int64_t k0, int64_t kc, int64_t kp16) {
    static_assert(NR == 32, "a Q panel is two B tiles of 16 columns");
    const ggml_to_float_t to_float = a->type == GGML_TYPE_F32 ? nullptr : ggml_get_type_traits(a->type)->to_float;
    const int64_t n_panels = (ni + NR - 1) / NR, width = n_panels * NR;
    const size_t  offset = (size_t) (i0 / ggml_blck_size(a->type)) * ggml_type_size(a->type);
    s.qb.resize((size_t) (n_panels * kp16 * NR));
    s.row.resize((size_t) (2 * width));
    float * lo = s.row.data(), * hi = lo + width;
    for (int64_t kk = 0; kk < kp16; kk++) {
        for (int h = 0; h < 2; h++) {
            float * d = h ? hi : lo;
            const int64_t k = 2 * kk + h;
            if (k >= kc) {
                std::fill(d, d + width, 0.0f);
                continue;
            }
            const char * row = a_base + (k0 + k) * a->nb[1] + offset;
            if (to_float) to_panel(a->type, to_float, row, d, ni);
            else std::memcpy(d, row, (size_t) ni * sizeof(float));
            std::fill(d + ni, d + width, 0.0f);
        }
        for (int64_t pn = 0; pn < n_panels; pn++) {
            uint32_t * d = s.qb.data() + (pn * kp16 + kk) * NR;
            bf16_pairs16(lo + pn * NR, hi + pn * NR, d, VL);
            bf16_pairs16(lo + pn * NR + VL, hi + pn * NR + VL, d + VL, VL);
        }
    }
}

// The BF16 variant on AMX tiles (pl_amx.h). A thread owns column blocks of IB values of i when they split evenly
// between the threads (else an equal share of the rows, all columns): per row block of up to JA rows and block of KC values of k, P is
// rounded once, then each of its column blocks' Q, and C gets 32 × 32 blocks (partial ones through s.block). Each
// output is still summed by one thread, so results do not depend on the thread count.
void amx_out_prod_compute(ggml_tensor * dst, int ith, int nth, scratch & s) {
    const ggml_tensor * a = dst->src[0], * b = dst->src[1];
    const int64_t I = dst->ne[0], J = dst->ne[1], K = a->ne[1], ne2 = dst->ne[2], ne3 = dst->ne[3];
    const int64_t r2 = ne2 / a->ne[2], r3 = ne3 / a->ne[3], n_ib = (I + IB - 1) / IB;
    const int64_t ldc = (int64_t) (dst->nb[1] / sizeof(float));
    const bool by_columns = n_ib % nth == 0;   // else rows, so that threads get equal shares
    const int64_t rows_per_thread = by_columns ? J : ((J + nth - 1) / nth + 31) / 32 * 32;
    const int64_t jt0 = by_columns ? 0 : std::min(J, ith * rows_per_thread), jt1 = std::min(J, jt0 + rows_per_thread);
    s.prow.resize((size_t) KC);
    amx_bf16_begin();
    for (int64_t i23 = 0; i23 < ne2 * ne3; i23++) {
        const int64_t i2 = i23 % ne2, i3 = i23 / ne2;
        const char * a_base = (const char *) a->data + (i2 / r2) * a->nb[2] + (i3 / r3) * a->nb[3];
        const char * b_base = (const char *) b->data + i2 * b->nb[2] + i3 * b->nb[3];
        float *      d_base = (float *) ((char *) dst->data + i2 * dst->nb[2] + i3 * dst->nb[3]);
        for (int64_t j0 = jt0; j0 < jt1; j0 += JA) {
            const int64_t nj = std::min(JA, jt1 - j0);
            for (int64_t k0 = 0; k0 < K; k0 += KC) {
                const int64_t kc = std::min(KC, K - k0), kp16 = ((kc + 1) / 2 + 15) / 16 * 16, nkt = kp16 / 16;
                amx_pack_p(s, b_base, b->nb[0], b->nb[1], j0, nj, k0, kc, nkt);
                for (int64_t ib = by_columns ? ith : 0; ib < n_ib; ib += by_columns ? nth : 1) {
                    const int64_t i0 = ib * IB, ni = std::min(IB, I - i0), n_panels = (ni + NR - 1) / NR;
                    amx_pack_q(s, a, a_base, i0, ni, k0, kc, kp16);
                    for (int64_t pn = 0; pn < n_panels; pn++) {
                        const int64_t w = std::min<int64_t>(NR, ni - pn * NR);
                        for (int64_t g2 = 0; 32 * g2 < nj; g2++) {
                            const int64_t h = std::min<int64_t>(32, nj - 32 * g2);
                            const uint32_t * a0 = s.pa.data() + 2 * g2 * nkt * 256, * a1 = a0 + nkt * 256;
                            const uint32_t * q = s.qb.data() + pn * kp16 * NR;
                            float * c = d_base + (j0 + 32 * g2) * ldc + i0 + pn * NR;
                            if (w == 32 && h == 32) {
                                amx_bf16_block32(nkt, a0, a1, q, NR * sizeof(uint32_t), c, (size_t) ldc * sizeof(float), k0 > 0);
                                continue;
                            }
                            if (k0 > 0)
                                for (int64_t r = 0; r < h; r++) std::memcpy(s.block + r * 32, c + r * ldc, (size_t) w * sizeof(float));
                            amx_bf16_block32(nkt, a0, a1, q, NR * sizeof(uint32_t), s.block, 32 * sizeof(float), k0 > 0);
                            for (int64_t r = 0; r < h; r++) std::memcpy(c + r * ldc, s.block + r * 32, (size_t) w * sizeof(float));
                        }
                    }
                }
            }
        }
    }
    amx_bf16_end();
}

}  // namespace
PL_TARGET_END

bool amx_bf16_usable() {
    static const bool usable = [] {
        if (!cpu().avx512_bf16) return false;
        const char * off = std::getenv("PERSIAN_LORA_TRAINER_AMX");
        if (off && std::strcmp(off, "0") == 0) return false;
        return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
    }();
    return usable;
}

void amx_out_prod_bf16(ggml_tensor * dst, int ith, int nth) {
    thread_local scratch s;
    amx_out_prod_compute(dst, ith, nth, s);
}

#else
PL_TARGET_END

bool amx_bf16_usable() { return false; }
void amx_out_prod_bf16(ggml_tensor *, int, int) {}

#endif

}  // namespace pl
