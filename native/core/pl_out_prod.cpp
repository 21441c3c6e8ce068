// OUT_PROD as a packed GEMM on the CPU (see pl_out_prod.h).
//
// In GEMM terms, for one (i2, i3) slice: C[j][i] = Σ_k P[j][k] · Q[k][i], with C = dst (row j contiguous in i),
// Q[k] = row k of a (dequantized), P[j][k] = b[j, k] at any strides. The output is cut into tiles of JB × IB;
// a thread owns whole tiles. Per tile and per block of KC values of k, Q is packed into NR-wide column panels and P
// into MR-tall row panels, then an MR × NR register tile of C is accumulated per panel pair (BLIS-style).
#include "pl_out_prod.h"
#include "pl_graph_rewrite.h"
#include "pl_amx.h"
#include "pl_panel.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace pl {
namespace {

// The vector type of the micro-kernel: VL floats; MR rows of two vectors each stay in registers.
#if defined(__AVX512F__)
constexpr int VL = 16, MR = 12;
using vf = __m512;
inline vf vzero() { return _mm512_setzero_ps(); }
inline vf vload(const float * p) { return _mm512_loadu_ps(p); }
inline void vstore(float * p, vf v) { _mm512_storeu_ps(p, v); }
inline vf vbcast(float x) { return _mm512_set1_ps(x); }
inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int VL = 8, MR = 6;
using vf = __m256;
inline vf vzero() { return _mm256_setzero_ps(); }
inline vf vload(const float * p) { return _mm256_loadu_ps(p); }
inline void vstore(float * p, vf v) { _mm256_storeu_ps(p, v); }
inline vf vbcast(float x) { return _mm256_set1_ps(x); }
inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
#elif defined(__ARM_NEON) && defined(__aarch64__)
constexpr int VL = 4, MR = 8;
using vf = float32x4_t;
inline vf vzero() { return vdupq_n_f32(0.0f); }
inline vf vload(const float * p) { return vld1q_f32(p); }
inline void vstore(float * p, vf v) { vst1q_f32(p, v); }
inline vf vbcast(float x) { return vdupq_n_f32(x); }
inline vf vfma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }
#else
constexpr int VL = 4, MR = 4;
struct vf { float v[VL]; };
inline vf vzero() { return {}; }
inline vf vload(const float * p) { vf r; std::memcpy(r.v, p, sizeof(r.v)); return r; }
inline void vstore(float * p, vf v) { std::memcpy(p, v.v, sizeof(v.v)); }
inline vf vbcast(float x) { vf r; for (float & e : r.v) e = x; return r; }
inline vf vfma(vf a, vf b, vf c) { for (int i = 0; i < VL; i++) c.v[i] = __builtin_fmaf(a.v[i], b.v[i], c.v[i]); return c; }
#endif

constexpr int NR = 2 * VL;        // columns of the register tile
constexpr int64_t KC = 256;       // k values per packed block
constexpr int64_t IB = 256;       // tile width (a multiple of NR and of every quant block size)
constexpr int64_t JB = (256 + MR - 1) / MR * MR;   // tile height, a multiple of MR

// c[r·ldc + x] = (accumulate ? c : 0) + Σ_k p[k·MR + r] · q[k·NR + x] for r < MR, x < NR, summed in k order.
inline void micro_kernel(int64_t kc, const float * p, const float * q, float * c, int64_t ldc, bool accumulate) {
    vf acc[MR][2];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
        acc[r][0] = accumulate ? vload(c + r * ldc) : vzero();
        acc[r][1] = accumulate ? vload(c + r * ldc + VL) : vzero();
    }
    for (int64_t k = 0; k < kc; k++, p += MR, q += NR) {
        const vf b0 = vload(q), b1 = vload(q + VL);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            const vf a = vbcast(p[r]);
            acc[r][0] = vfma(a, b0, acc[r][0]);
            acc[r][1] = vfma(a, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
        vstore(c + r * ldc, acc[r][0]);
        vstore(c + r * ldc + VL, acc[r][1]);
    }
}

#if defined(__AVX512BF16__)
constexpr bool BF16_GEMM = true;
// The micro-kernel on BF16 pairs along k (AVX512_BF16 dot products, F32 sums): p[kk·MR + r] holds p at k = 2kk, 2kk+1
// of row r, q[kk·NR + x] those of column x.
inline void micro_kernel_bf16(int64_t kp, const uint32_t * p, const uint32_t * q, float * c, int64_t ldc, bool accumulate) {
    __m512 acc[MR][2];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
        acc[r][0] = accumulate ? _mm512_loadu_ps(c + r * ldc) : _mm512_setzero_ps();
        acc[r][1] = accumulate ? _mm512_loadu_ps(c + r * ldc + VL) : _mm512_setzero_ps();
    }
    for (int64_t kk = 0; kk < kp; kk++, p += MR, q += NR) {
        const __m512bh b0 = (__m512bh) _mm512_loadu_si512(q), b1 = (__m512bh) _mm512_loadu_si512(q + VL);
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            const __m512bh a = (__m512bh) _mm512_set1_epi32((int) p[r]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], a, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], a, b1);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
        _mm512_storeu_ps(c + r * ldc, acc[r][0]);
        _mm512_storeu_ps(c + r * ldc + VL, acc[r][1]);
    }
}
#else
constexpr bool BF16_GEMM = false;
#endif

#if defined(__AVX512F__)
// d[k·MR + r] = row r of b at k (rows `sj` bytes apart, k contiguous) for k in [ka, kb) in steps of 16, four rows at a
// time: interleaved into 128-bit groups (r, r+1, r+2, r+3 at one k), each stored in place. Returns the first k left.
inline int64_t pack_rows_transposed(const char * src, size_t sj, int64_t ka, int64_t kb, float * d) {
    int64_t k = ka;
    for (; k + 16 <= kb; k += 16)
        for (int g = 0; g < MR / 4; g++) {
            __m512 r[4];
            for (int x = 0; x < 4; x++) r[x] = _mm512_loadu_ps((const float *) (src + (4 * g + x) * sj) + k);
            const __m512 lo01 = _mm512_unpacklo_ps(r[0], r[1]), hi01 = _mm512_unpackhi_ps(r[0], r[1]);
            const __m512 lo23 = _mm512_unpacklo_ps(r[2], r[3]), hi23 = _mm512_unpackhi_ps(r[2], r[3]);
            // per 128-bit block b: c[0] holds k = 4b, c[1] 4b + 1, c[2] 4b + 2, c[3] 4b + 3
            const __m512 c[4] = { _mm512_shuffle_ps(lo01, lo23, 0x44), _mm512_shuffle_ps(lo01, lo23, 0xEE),
                                  _mm512_shuffle_ps(hi01, hi23, 0x44), _mm512_shuffle_ps(hi01, hi23, 0xEE) };
            float * out = d + k * MR + 4 * g;
            for (int x = 0; x < 4; x++) {
                _mm_storeu_ps(out + (0 + x) * MR, _mm512_castps512_ps128(c[x]));
                _mm_storeu_ps(out + (4 + x) * MR, _mm512_extractf32x4_ps(c[x], 1));
                _mm_storeu_ps(out + (8 + x) * MR, _mm512_extractf32x4_ps(c[x], 2));
                _mm_storeu_ps(out + (12 + x) * MR, _mm512_extractf32x4_ps(c[x], 3));
            }
        }
    return k;
}
#endif

struct scratch {
    std::vector<float> q, p, row;
    std::vector<uint32_t> qb, pb;   // the BF16 variant's pair panels
    float tile[MR * NR];
};

// A node's variant (its userdata): BF16, or F32 with a skip whose ranges are src[2].
struct gemm_config {
    bool          bf16;
    out_prod_skip skip;
};
constexpr gemm_config configs[] = {
    { false, SKIP_NONE }, { false, SKIP_OUTPUT_R }, { false, SKIP_K_ROW_R }, { false, SKIP_K_ROW_C }, { false, SKIP_K_COL_C }, { true, SKIP_NONE },
};

// The k values [kl, kh) a register tile of rows [j, j + h) and columns [i, i + w) sums over, as its skip allows; false
// where the whole tile is zero. `ranges` points at the slice's four rows (R lo, R hi, C lo, C hi), each `stride` long.
bool tile_k_range(out_prod_skip skip, const int32_t * ranges, int64_t stride, int64_t j, int64_t h, int64_t i, int64_t w,
                  int64_t K, int64_t & kl, int64_t & kh) {
    kl = 0;
    kh = K;
    if (skip == SKIP_NONE) return true;
    if (skip == SKIP_OUTPUT_R) {
        for (int64_t r = j; r < j + h; r++)
            if (std::max<int64_t>(ranges[r], i) < std::min<int64_t>(ranges[stride + r], i + w)) return true;
        return false;
    }
    const bool by_col = skip == SKIP_K_COL_C;
    const int32_t * lo = ranges + (skip == SKIP_K_ROW_R ? 0 : 2) * stride, * hi = lo + stride;
    kl = K;
    kh = 0;
    for (int64_t x = by_col ? i : j, end = by_col ? i + w : j + h; x < end; x++)
        if (lo[x] < hi[x]) {
            kl = std::min<int64_t>(kl, lo[x]);
            kh = std::max<int64_t>(kh, hi[x]);
        }
    return kl < kh;
}

void out_prod_gemm_compute(ggml_tensor * dst, int ith, int nth, void * userdata) {
    const ggml_tensor * a = dst->src[0], * b = dst->src[1], * ranges = dst->src[2];
    const gemm_config & config = *(const gemm_config *) userdata;
    const size_t  a_sk = a->nb[1], b_sj = b->nb[0], b_sk = b->nb[1];
    const int64_t I = dst->ne[0], J = dst->ne[1], K = a->ne[1], ne2 = dst->ne[2], ne3 = dst->ne[3];
    const int64_t r2 = ne2 / a->ne[2], r3 = ne3 / a->ne[3];
    // Tiles of at most JB rows, as even as MR allows (512 tokens: 2 tiles, not 252 + 252 + 8, each repacking Q).
    const int64_t n_jb = (J + JB - 1) / JB, jbs = ((J + n_jb - 1) / n_jb + MR - 1) / MR * MR;
    const int64_t n_ib = (I + IB - 1) / IB, n_tiles = n_ib * n_jb * ne2 * ne3;
    const ggml_to_float_t to_float = a->type == GGML_TYPE_F32 ? nullptr : ggml_get_type_traits(a->type)->to_float;
    const int64_t blck = ggml_blck_size(a->type);
    const size_t  tsize = ggml_type_size(a->type);
    const bool    panel_blocks = to_float && NR % blck == 0;

    thread_local scratch s;
    s.q.resize((size_t) (KC * IB));
    s.row.resize((size_t) IB);
    s.p.resize((size_t) (JB * KC));
#if defined(__AVX512BF16__)
    const bool bf16 = config.bf16;
    const bool amx = bf16 && amx_bf16_usable();
    if (bf16) {
        s.qb.resize((size_t) (KC / 2 * IB));
        s.pb.resize((size_t) (JB * KC / 2));
    }
    if (amx) {
        amx_out_prod_bf16(dst, ith, nth);
        return;
    }
#endif

    // Each thread takes a contiguous run of tiles, ib fastest, so that runs of tiles share their rows: per block of k,
    // P is packed once for the run, then each tile's Q.
    const int64_t per = n_tiles / nth, extra = n_tiles % nth;
    const int64_t t_begin = ith * per + std::min<int64_t>(ith, extra), t_end = t_begin + per + (ith < extra ? 1 : 0);
    const int64_t ldc = (int64_t) (dst->nb[1] / sizeof(float));
    for (int64_t g = t_begin; g < t_end;) {
        const int64_t g_end = std::min(t_end, (g / n_ib + 1) * n_ib);
        const int64_t jb = (g / n_ib) % n_jb, i23 = g / (n_ib * n_jb), i2 = i23 % ne2, i3 = i23 / ne2;
        const int64_t j0 = jb * jbs, nj = std::min(jbs, J - j0), n_rowp = (nj + MR - 1) / MR;
        const char * a_base = (const char *) a->data + (i2 / r2) * a->nb[2] + (i3 / r3) * a->nb[3];
        const char * b_base = (const char *) b->data + i2 * b->nb[2] + i3 * b->nb[3];
        char *       d_base = (char *) dst->data + i2 * dst->nb[2] + i3 * dst->nb[3];
        const int32_t * r_base = ranges ? (const int32_t *) ((const char *) ranges->data + i3 * ranges->nb[2]) : nullptr;
        const int64_t r_stride = ranges ? ranges->ne[0] : 0;
        for (int64_t k0 = 0; k0 < K; k0 += KC) {
            const int64_t kc = std::min(KC, K - k0);
            // P: b[j, k] for j in [j0, j0 + nj), into panels p[rowpanel][k][MR] (zero past nj).
            // A skip along k by rows packs only the k values the panel's rows sum over.
            const bool row_skip = config.skip == SKIP_K_ROW_R || config.skip == SKIP_K_ROW_C;
            for (int64_t rp = 0; rp < n_rowp; rp++) {
                float * d = s.p.data() + rp * kc * MR;
                const int64_t jr = j0 + rp * MR, h = std::min<int64_t>(MR, J - jr);
                int64_t ka = 0, kb = kc;
                if (row_skip) {
                    int64_t kl, kh;
                    if (!tile_k_range(config.skip, r_base, r_stride, jr, h, 0, 0, K, kl, kh)) continue;
                    ka = std::clamp<int64_t>(kl - k0, 0, kc);
                    kb = std::clamp<int64_t>(kh - k0, 0, kc);
                }
                if (h < MR) std::fill(d, d + kc * MR, 0.0f);
                const char * src = b_base + k0 * b_sk + jr * b_sj;
                // walk b along its shorter stride innermost (a transposed b reads MR neighbouring floats per k)
                if (b_sj == sizeof(float) && h == MR) {
                    for (int64_t k = ka; k < kb; k++) std::memcpy(d + k * MR, src + k * b_sk, MR * sizeof(float));   // inlined
                } else if (b_sj == sizeof(float)) {
                    for (int64_t k = ka; k < kb; k++) std::memcpy(d + k * MR, src + k * b_sk, (size_t) h * sizeof(float));
                } else if (b_sj < b_sk) {
                    for (int64_t k = ka; k < kb; k++)
                        for (int64_t r = 0; r < h; r++) d[k * MR + r] = *(const float *) (src + k * b_sk + r * b_sj);
                } else {
                    int64_t k = ka;
#if defined(__AVX512F__)
                    if (b_sk == sizeof(float) && h == MR) k = pack_rows_transposed(src, b_sj, ka, kb, d);
#endif
                    for (int64_t r = 0; r < h; r++)
                        for (int64_t kk = k; kk < kb; kk++) d[kk * MR + r] = *(const float *) (src + kk * b_sk + r * b_sj);
                }
            }
#if defined(__AVX512BF16__)
            // BF16: the F32 panels rounded into pairs along k (a zero past an odd kc), then the BF16 micro-kernel.
            const int64_t kp = (kc + 1) / 2;
            static const float zeros[NR] = {};
            if (bf16)
                for (int64_t rp = 0; rp < n_rowp; rp++)
                    for (int64_t kk = 0; kk < kp; kk++) {
                        const float * lo = s.p.data() + rp * kc * MR + 2 * kk * MR, * hi = 2 * kk + 1 < kc ? lo + MR : zeros;
                        bf16_pairs16(lo, hi, s.pb.data() + (rp * kp + kk) * MR, MR);
                    }
#endif
            for (int64_t t = g; t < g_end; t++) {
                const int64_t ib = t % n_ib, i0 = ib * IB, ni = std::min(IB, I - i0), n_panels = (ni + NR - 1) / NR;
                // Q: rows k of a, columns [i0, i0 + ni), dequantized (or copied) into NR-wide panels q[panel][k][NR], each
                // contiguous so that the micro-kernel streams it from L1 (a row stride of a power of two kilobytes would
                // map a panel read in place onto a few L1 sets); zero past ni up to the last panel's edge.
                // A skip along k by columns packs only the k values each panel's columns sum over.
                int64_t q_lo[IB / NR], q_hi[IB / NR];
                for (int64_t pn = 0; pn < n_panels; pn++) {
                    q_lo[pn] = 0;
                    q_hi[pn] = kc;
                    int64_t kl, kh;
                    if (config.skip != SKIP_K_COL_C) continue;
                    if (!tile_k_range(config.skip, r_base, r_stride, 0, 0, i0 + pn * NR, std::min<int64_t>(NR, ni - pn * NR), K, kl, kh)) {
                        q_lo[pn] = q_hi[pn] = 0;
                        continue;
                    }
                    q_lo[pn] = std::clamp<int64_t>(kl - k0, 0, kc);
                    q_hi[pn] = std::clamp<int64_t>(kh - k0, 0, kc);
                }
                for (int64_t k = 0; k < kc; k++) {
                    const char * row = a_base + (k0 + k) * a_sk;
                    const float * src = (const float *) row + i0;
                    if (panel_blocks) {
                        // whole quant blocks per panel: dequantized straight into it
                        for (int64_t pn = 0; pn < n_panels; pn++) {
                            float * d = s.q.data() + (pn * kc + k) * NR;
                            const int64_t w = std::min<int64_t>(NR, ni - pn * NR);
                            to_panel(a->type, to_float, row + (size_t) ((i0 + pn * NR) / blck) * tsize, d, w);
                            if (w < NR) std::fill(d + w, d + NR, 0.0f);
                        }
                        continue;
                    }
                    if (to_float) {
                        to_float(row + (size_t) (i0 / blck) * tsize, s.row.data(), ni);
                        src = s.row.data();
                    }
                    for (int64_t pn = 0; pn < n_panels; pn++) {
                        if (k < q_lo[pn] || k >= q_hi[pn]) continue;
                        float * d = s.q.data() + (pn * kc + k) * NR;
                        const int64_t w = std::min<int64_t>(NR, ni - pn * NR);
                        if (w == NR) {
                            std::memcpy(d, src + pn * NR, NR * sizeof(float));   // inlined
                            continue;
                        }
                        std::memcpy(d, src + pn * NR, (size_t) w * sizeof(float));
                        std::fill(d + w, d + NR, 0.0f);
                    }
                }
#if defined(__AVX512BF16__)
                if (bf16)
                    for (int64_t pn = 0; pn < n_panels; pn++)
                        for (int64_t kk = 0; kk < kp; kk++) {
                            const float * lo = s.q.data() + (pn * kc + 2 * kk) * NR, * hi = 2 * kk + 1 < kc ? lo + NR : zeros;
                            uint32_t * d = s.qb.data() + (pn * kp + kk) * NR;
                            bf16_pairs16(lo, hi, d, VL);
                            bf16_pairs16(lo + VL, hi + VL, d + VL, VL);
                        }
                // k values [k0 + off, k0 + off + len) of the block; the BF16 variant (never with a skip) takes all of it
                auto kernel = [&](int64_t pn, int64_t rp, float * c, int64_t ld, int64_t off, int64_t len, bool accumulate) {
                    if (bf16) micro_kernel_bf16(kp, s.pb.data() + rp * kp * MR, s.qb.data() + pn * kp * NR, c, ld, accumulate);
                    else micro_kernel(len, s.p.data() + (rp * kc + off) * MR, s.q.data() + (pn * kc + off) * NR, c, ld, accumulate);
                };
#else
                auto kernel = [&](int64_t pn, int64_t rp, float * c, int64_t ld, int64_t off, int64_t len, bool accumulate) {
                    micro_kernel(len, s.p.data() + (rp * kc + off) * MR, s.q.data() + (pn * kc + off) * NR, c, ld, accumulate);
                };
#endif
                for (int64_t pn = 0; pn < n_panels; pn++) {
                    const int64_t w = std::min<int64_t>(NR, ni - pn * NR);
                    for (int64_t rp = 0; rp < n_rowp; rp++) {
                        const int64_t h = std::min<int64_t>(MR, nj - rp * MR);
                        float * c = (float *) (d_base) + (j0 + rp * MR) * ldc + i0 + pn * NR;
                        // The tile's k range: written at the block holding kl (from zero), added to at later blocks;
                        // a tile with nothing to sum is zeroed at the first block.
                        int64_t kl, kh;
                        if (!tile_k_range(config.skip, r_base, r_stride, j0 + rp * MR, h, i0 + pn * NR, w, K, kl, kh)) {
                            if (k0 == 0)
                                for (int64_t r = 0; r < h; r++) std::memset(c + r * ldc, 0, (size_t) w * sizeof(float));
                            continue;
                        }
                        const int64_t ks = std::max(kl, k0), ke = std::min(kh, k0 + kc);
                        if (ks >= ke) continue;
                        const bool accumulate = kl < k0;
                        if (w == NR && h == MR) {
                            kernel(pn, rp, c, ldc, ks - k0, ke - ks, accumulate);
                            continue;
                        }
                        // A partial register tile: through the scratch tile, copying only the valid part back.
                        for (int64_t r = 0; r < h; r++) std::memcpy(s.tile + r * NR, c + r * ldc, (size_t) w * sizeof(float));
                        kernel(pn, rp, s.tile, NR, ks - k0, ke - ks, accumulate);
                        for (int64_t r = 0; r < h; r++) std::memcpy(c + r * ldc, s.tile + r * NR, (size_t) w * sizeof(float));
                    }
                }
            }
        }
        g = g_end;
    }
}

}  // namespace

bool out_prod_gemm_supported(const ggml_tensor * a, const ggml_tensor * b) {
    if (b->type != GGML_TYPE_F32 || a->nb[0] != ggml_type_size(a->type)) return false;
    if (a->type != GGML_TYPE_F32 && (ggml_get_type_traits(a->type)->to_float == nullptr || a->ne[0] % ggml_blck_size(a->type) != 0)) return false;
    return true;
}

bool out_prod_gemm_bf16_available() { return BF16_GEMM; }

int out_prod_gemm_rewrite(ggml_context * ctx, ggml_cgraph * gf, const std::function<out_prod_plan(const ggml_tensor *)> & plan) {
    int changed = 0;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op != GGML_OP_OUT_PROD || node->type != GGML_TYPE_F32 || !ggml_is_contiguous(node) ||
            !out_prod_gemm_supported(node->src[0], node->src[1])) {
            continue;
        }
        out_prod_plan p = plan ? plan(node) : out_prod_plan{};
        if (!BF16_GEMM) p.bf16 = false;
        if (p.bf16 || !p.ranges) p.skip = SKIP_NONE;
        const gemm_config * config = p.bf16 ? &configs[5] : &configs[p.skip];
        if (p.skip == SKIP_NONE) make_custom_op(ctx, node, { node->src[0], node->src[1] }, out_prod_gemm_compute, (void *) config);
        else make_custom_op(ctx, node, { node->src[0], node->src[1], p.ranges }, out_prod_gemm_compute, (void *) config);
        changed++;
    }
    return changed;
}

}  // namespace pl
