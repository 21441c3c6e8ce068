// Q4_K and Q6_K × F32 MUL_MAT on AVX-512 VNNI (see pl_kquant_matmul.h).
#define PL_TIER PL_TIER_AVX512_VNNI
#include "pl_kquant_matmul.h"
#include "pl_matmul_kernel.h"

#include "ggml-cpu.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pl_cpu_features.h"

#if PL_CPU_DISPATCH
#include <immintrin.h>
#endif

PL_TARGET_BEGIN(PL_ISA_AVX512_VNNI)
#if PL_AVX512_VNNI
#define PL_KQ_AVX512 1
#include <immintrin.h>
#endif

namespace pl {

#if PL_KQ_AVX512
namespace {

constexpr int64_t QK_K = 256;
struct q8k_block { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; };                                   // ggml's block_q8_K
struct q4k_block { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[QK_K / 2]; };                            // block_q4_K
struct q6k_block { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; };     // block_q6_K
static_assert(sizeof(q8k_block) == 292 && sizeof(q4k_block) == 144 && sizeof(q6k_block) == 210, "block layouts");

// One super-block of two tokens j, j+1: each 32-value chunk of token j beside the same chunk of token j+1; per token
// its 16 block sums (Q6_K's offset term), the 8 sums of adjacent pairs of them (Q4_K's min term), its scale over 8
// lanes and minus its scale over 4 lanes.
struct pair_block {
    int8_t  qs[8][64];
    int16_t bsums[32];
    int16_t q8s[16];
    float   d[16];
    float   neg_d[8];
};
static_assert(sizeof(pair_block) == 704, "pair block layout");

constexpr int64_t ROWS = 32;     // weight rows per thread task
constexpr int64_t PAIRS = 4;     // token pairs per cache block

int64_t n_pairs(int64_t N) { return (N + 1) / 2; }
int64_t packed_words(int64_t K, int64_t N) { return n_pairs(N) * (K / QK_K) * (int64_t) (sizeof(pair_block) / sizeof(int32_t)); }

// dst (I32, pair_block array) = the F32 activations src[0] [K, N], quantized by ggml's Q8_K quantizer.
void pack_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * x = dst->src[0];
    const int64_t K = x->ne[0], N = x->ne[1], nb = K / QK_K;
    const ggml_from_float_t quantize = ggml_get_type_traits_cpu(GGML_TYPE_Q8_K)->from_float;
    thread_local std::vector<q8k_block> row;
    row.resize((size_t) nb);
    pair_block * out = (pair_block *) dst->data;
    for (int64_t jp = ith; jp < n_pairs(N); jp += nth) {
        for (int h = 0; h < 2; h++) {
            const int64_t j = 2 * jp + h;
            if (j < N) quantize((const float *) ((const char *) x->data + j * x->nb[1]), row.data(), K);
            else std::memset(row.data(), 0, row.size() * sizeof(q8k_block));
            for (int64_t l = 0; l < nb; l++) {
                pair_block & p = out[jp * nb + l];
                const q8k_block & b = row[l];
                for (int c = 0; c < 8; c++) std::memcpy(p.qs[c] + 32 * h, b.qs + 32 * c, 32);
                for (int t = 0; t < 16; t++) p.bsums[16 * h + t] = b.bsums[t];
                for (int t = 0; t < 8; t++) p.q8s[8 * h + t] = (int16_t) (b.bsums[2 * t] + b.bsums[2 * t + 1]);
                for (int m = 0; m < 8; m++) p.d[8 * h + m] = b.d;
                for (int m = 0; m < 4; m++) p.neg_d[4 * h + m] = -b.d;
            }
        }
    }
}

// ggml's hsum_float_8, ((x0+x4)+(x2+x6)) + ((x1+x5)+(x3+x7)), for both halves of v at once (lanes 0 and 8).
inline __m512 lane_sums(__m512 v) {
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0xB1));
    v = _mm512_add_ps(v, _mm512_permute_ps(v, 0x4E));
    return _mm512_add_ps(v, _mm512_permute_ps(v, 0xB1));
}

inline __m512i broadcast_32(const uint8_t * p) { return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *) p)); }

// Q4_K: c[j·ldc + r] for RM weight rows from `a` and the 2·RP tokens of RP pairs from `b` (cols of them valid), as
// ggml_vec_dot_q4_K_q8_K's AVX2 path sums them.
template <int RM, int RP>
struct q4k_tile {
    static void run(const char * a, size_t lda, const pair_block * b, int64_t nb, float * c, int64_t ldc, int64_t cols) {
        __m512 acc[RM][RP];
        __m256 acc_m[RM][RP];
        for (int r = 0; r < RM; r++)
            for (int p = 0; p < RP; p++) acc[r][p] = _mm512_setzero_ps(), acc_m[r][p] = _mm256_setzero_ps();
        const __m512i m4 = _mm512_set1_epi8(0xF);
        for (int64_t l = 0; l < nb; l++) {
            const q4k_block * w[RM];
            uint8_t sc[RM][16];   // 8 scales, then 8 mins (ggml's utmp)
            __m512 da[RM];
            __m256 dmin[RM];
            __m256i mins[RM];
            for (int r = 0; r < RM; r++) {
                w[r] = (const q4k_block *) (a + r * lda) + l;
                uint32_t u[4];
                std::memcpy(u, w[r]->scales, 12);
                u[3] = ((u[2] >> 4) & 0x0f0f0f0f) | (((u[1] >> 6) & 0x03030303) << 4);
                const uint32_t aux = u[1] & 0x3f3f3f3f;
                u[1] = (u[2] & 0x0f0f0f0f) | (((u[0] >> 6) & 0x03030303) << 4);
                u[2] = aux;
                u[0] &= 0x3f3f3f3f;
                std::memcpy(sc[r], u, 16);
                da[r] = _mm512_set1_ps(_cvtsh_ss(w[r]->d));
                dmin[r] = _mm256_set1_ps(_cvtsh_ss(w[r]->dmin));
                mins[r] = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *) (sc[r] + 8))));
            }
            __m512i sumi[RM][RP];
            for (int r = 0; r < RM; r++)
                for (int p = 0; p < RP; p++) sumi[r][p] = _mm512_setzero_si512();
            for (int j = 0; j < 4; j++) {
                __m512i lo[RM], hi[RM], s_lo[RM], s_hi[RM];
                for (int r = 0; r < RM; r++) {
                    const __m512i bits = broadcast_32(w[r]->qs + 32 * j);
                    lo[r] = _mm512_and_si512(bits, m4);
                    hi[r] = _mm512_and_si512(_mm512_srli_epi16(bits, 4), m4);
                    s_lo[r] = _mm512_set1_epi16(sc[r][2 * j]);
                    s_hi[r] = _mm512_set1_epi16(sc[r][2 * j + 1]);
                }
                for (int p = 0; p < RP; p++) {
                    const __m512i x_lo = _mm512_loadu_si512(b[p * nb + l].qs[2 * j]);
                    const __m512i x_hi = _mm512_loadu_si512(b[p * nb + l].qs[2 * j + 1]);
                    for (int r = 0; r < RM; r++) {
                        sumi[r][p] = _mm512_dpwssd_epi32(sumi[r][p], _mm512_maddubs_epi16(lo[r], x_lo), s_lo[r]);
                        sumi[r][p] = _mm512_dpwssd_epi32(sumi[r][p], _mm512_maddubs_epi16(hi[r], x_hi), s_hi[r]);
                    }
                }
            }
            for (int p = 0; p < RP; p++) {
                const pair_block & x = b[p * nb + l];
                const __m512 dx = _mm512_loadu_ps(x.d);
                const __m256 neg_dx = _mm256_loadu_ps(x.neg_d);
                const __m256i q8s = _mm256_loadu_si256((const __m256i *) x.q8s);
                for (int r = 0; r < RM; r++) {
                    acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(dx, da[r]), _mm512_cvtepi32_ps(sumi[r][p]), acc[r][p]);
                    const __m256i prod = _mm256_madd_epi16(mins[r], q8s);
                    acc_m[r][p] = _mm256_fmadd_ps(_mm256_mul_ps(neg_dx, dmin[r]), _mm256_cvtepi32_ps(prod), acc_m[r][p]);
                }
            }
        }
        for (int r = 0; r < RM; r++)
            for (int p = 0; p < RP; p++) {
                const __m512 v = lane_sums(acc[r][p]);
                __m256 m = acc_m[r][p];
                m = _mm256_add_ps(m, _mm256_permute_ps(m, 0x4E));
                m = _mm256_add_ps(m, _mm256_permute_ps(m, 0xB1));
                c[(2 * p) * ldc + r] = _mm512_cvtss_f32(v) + _mm256_cvtss_f32(m);
                if (2 * p + 1 < cols) c[(2 * p + 1) * ldc + r] = _mm_cvtss_f32(_mm512_extractf32x4_ps(v, 2)) + _mm_cvtss_f32(_mm256_extractf128_ps(m, 1));
            }
    }
};

// Q6_K: as q4k_tile, summed as ggml_vec_dot_q6_K_q8_K's AVX2 path sums them.
template <int RM, int RP>
struct q6k_tile {
    static void run(const char * a, size_t lda, const pair_block * b, int64_t nb, float * c, int64_t ldc, int64_t cols) {
        __m512 acc[RM][RP];
        for (int r = 0; r < RM; r++)
            for (int p = 0; p < RP; p++) acc[r][p] = _mm512_setzero_ps();
        const __m512i m15 = _mm512_set1_epi8(15), m3 = _mm512_set1_epi8(3), m12 = _mm512_set1_epi8(12), m48 = _mm512_set1_epi8(48),
                      m192 = _mm512_set1_epi8((char) 0xC0);
        for (int64_t l = 0; l < nb; l++) {
            const q6k_block * w[RM];
            __m512 da[RM];
            __m512i scales[RM];   // the 16 scales as int16, in both 256-bit halves
            for (int r = 0; r < RM; r++) {
                w[r] = (const q6k_block *) (a + r * lda) + l;
                da[r] = _mm512_set1_ps(_cvtsh_ss(w[r]->d));
                scales[r] = _mm512_broadcast_i64x4(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) w[r]->scales)));
            }
            __m512i sumi[RM][RP];
            for (int r = 0; r < RM; r++)
                for (int p = 0; p < RP; p++) sumi[r][p] = _mm512_setzero_si512();
            for (int j = 0; j < 2; j++) {
                __m512i bits1[RM], bits2[RM], bits_h[RM];
                for (int r = 0; r < RM; r++) {
                    bits1[r] = broadcast_32(w[r]->ql + 64 * j);
                    bits2[r] = broadcast_32(w[r]->ql + 64 * j + 32);
                    bits_h[r] = broadcast_32(w[r]->qh + 32 * j);
                }
                for (int k = 0; k < 4; k++) {
                    // Chunk 4j + k: 32 values whose two halves take scales 2(4j + k) and 2(4j + k) + 1.
                    const int s = 2 * (4 * j + k);
                    const __m512i index = _mm512_broadcast_i64x4(_mm256_set_m128i(_mm_set1_epi16((short) (s + 1)), _mm_set1_epi16((short) s)));
                    __m512i q[RM], sc[RM];
                    for (int r = 0; r < RM; r++) {
                        switch (k) {
                            case 0: q[r] = _mm512_or_si512(_mm512_and_si512(bits1[r], m15), _mm512_slli_epi16(_mm512_and_si512(bits_h[r], m3), 4)); break;
                            case 1: q[r] = _mm512_or_si512(_mm512_and_si512(bits2[r], m15), _mm512_slli_epi16(_mm512_and_si512(bits_h[r], m12), 2)); break;
                            case 2: q[r] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(bits1[r], 4), m15), _mm512_and_si512(bits_h[r], m48)); break;
                            default: q[r] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(bits2[r], 4), m15), _mm512_srli_epi16(_mm512_and_si512(bits_h[r], m192), 2)); break;
                        }
                        sc[r] = _mm512_permutexvar_epi16(index, scales[r]);
                    }
                    for (int p = 0; p < RP; p++) {
                        const __m512i x = _mm512_loadu_si512(b[p * nb + l].qs[4 * j + k]);
                        for (int r = 0; r < RM; r++) sumi[r][p] = _mm512_dpwssd_epi32(sumi[r][p], _mm512_maddubs_epi16(q[r], x), sc[r]);
                    }
                }
            }
            for (int p = 0; p < RP; p++) {
                const pair_block & x = b[p * nb + l];
                const __m512 dx = _mm512_loadu_ps(x.d);
                const __m512i bsums = _mm512_loadu_si512(x.bsums);
                for (int r = 0; r < RM; r++) {
                    const __m512i offset = _mm512_slli_epi32(_mm512_madd_epi16(bsums, scales[r]), 5);
                    const __m512i s = _mm512_sub_epi32(sumi[r][p], offset);
                    acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(dx, da[r]), _mm512_cvtepi32_ps(s), acc[r][p]);
                }
            }
        }
        for (int r = 0; r < RM; r++)
            for (int p = 0; p < RP; p++) {
                const __m512 v = lane_sums(acc[r][p]);
                c[(2 * p) * ldc + r] = _mm512_cvtss_f32(v);
                if (2 * p + 1 < cols) c[(2 * p + 1) * ldc + r] = _mm_cvtss_f32(_mm512_extractf32x4_ps(v, 2));
            }
    }
};

template <template <int, int> class Tile, int RM>
void tile_rows(const char * a, size_t lda, const pair_block * b, int64_t nb, float * c, int64_t ldc, int64_t pairs, int64_t cols) {
    switch (pairs) {
        case 4: Tile<RM, 4>::run(a, lda, b, nb, c, ldc, cols); break;
        case 3: Tile<RM, 3>::run(a, lda, b, nb, c, ldc, cols); break;
        case 2: Tile<RM, 2>::run(a, lda, b, nb, c, ldc, cols); break;
        default: Tile<RM, 1>::run(a, lda, b, nb, c, ldc, cols); break;
    }
}

// dst [M, N] = src[0] (the K-quant weight [K, M]) × the packed activations src[1].
template <template <int, int> class Tile>
void gemm_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * w = dst->src[0];
    const pair_block * packed = (const pair_block *) dst->src[1]->data;
    const int64_t K = w->ne[0], M = w->ne[1], N = dst->ne[1], nb = K / QK_K, NP = n_pairs(N);
    const int64_t ldc = (int64_t) (dst->nb[1] / sizeof(float));
    for (int64_t i0 = ith * ROWS; i0 < M; i0 += nth * ROWS) {
        const int64_t i1 = std::min(M, i0 + ROWS);
        for (int64_t p = 0; p < NP; p += PAIRS) {
            const int64_t pairs = std::min<int64_t>(PAIRS, NP - p), cols = std::min<int64_t>(2 * pairs, N - 2 * p);
            for (int64_t i = i0; i < i1; i += 2) {
                const char * a = (const char *) w->data + i * w->nb[1];
                float * c = (float *) dst->data + 2 * p * ldc + i;
                if (i1 - i >= 2) tile_rows<Tile, 2>(a, w->nb[1], packed + p * nb, nb, c, ldc, pairs, cols);
                else tile_rows<Tile, 1>(a, w->nb[1], packed + p * nb, nb, c, ldc, pairs, cols);
            }
        }
    }
}

const matmul_kernel q4_k_kernel = { GGML_TYPE_Q4_K, pack_compute, gemm_compute<q4k_tile>, packed_words, QK_K, 1 };
const matmul_kernel q6_k_kernel = { GGML_TYPE_Q6_K, pack_compute, gemm_compute<q6k_tile>, packed_words, QK_K, 1 };

}  // namespace
PL_TARGET_END

int kquant_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf) {
    if (!cpu().avx512_vnni) return 0;
    return matmul_kernel_rewrite(q4_k_kernel, ctx, gf) + matmul_kernel_rewrite(q6_k_kernel, ctx, gf);
}

#else
PL_TARGET_END

int kquant_matmul_rewrite(ggml_context *, ggml_cgraph *) { return 0; }

#endif

}  // namespace pl
