// Q8_0 × F32 MUL_MAT on AVX-512 VNNI (see pl_q8_matmul.h).
#define PL_TIER PL_TIER_AVX512_VNNI
#include "pl_q8_matmul.h"
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
#define PL_Q8_VNNI 1
#include <immintrin.h>
#endif

namespace pl {

#if PL_Q8_VNNI
namespace {

constexpr int64_t QK = 32;
struct q8_block { uint16_t d; int8_t qs[QK]; };     // ggml's block_q8_0
// One block of two tokens j, j+1: their 32 quantized values side by side, per 4-value lane -128·Σ (the offset
// that u = w + 128 adds to the unsigned dot product), and their scales, each repeated over its 8 lanes.
struct pair_block { int8_t qs[2 * QK]; int32_t corr[16]; float d[16]; };
static_assert(sizeof(q8_block) == 34 && sizeof(pair_block) == 192, "block layouts");

constexpr int64_t ROWS = 32;     // weight rows per thread task
constexpr int64_t PAIRS = 4;     // token pairs per cache block

int64_t n_pairs(int64_t N) { return (N + 1) / 2; }

// dst (I32, pair_block array) = the F32 activations src[0] [K, N], quantized by ggml's Q8_0 quantizer.
void pack_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * x = dst->src[0];
    const int64_t K = x->ne[0], N = x->ne[1], nb = K / QK;
    const ggml_from_float_t quantize = ggml_get_type_traits_cpu(GGML_TYPE_Q8_0)->from_float;
    thread_local std::vector<q8_block> row;
    row.resize((size_t) nb);
    pair_block * out = (pair_block *) dst->data;
    for (int64_t jp = ith; jp < n_pairs(N); jp += nth) {
        for (int h = 0; h < 2; h++) {
            const int64_t j = 2 * jp + h;
            if (j < N) quantize((const float *) ((const char *) x->data + j * x->nb[1]), row.data(), K);
            else std::memset(row.data(), 0, row.size() * sizeof(q8_block));
            for (int64_t l = 0; l < nb; l++) {
                pair_block & p = out[jp * nb + l];
                std::memcpy(p.qs + h * QK, row[l].qs, QK);
                const float d = _cvtsh_ss(row[l].d);
                for (int m = 0; m < 8; m++) {
                    const int8_t * q = row[l].qs + 4 * m;
                    p.corr[8 * h + m] = -128 * (q[0] + q[1] + q[2] + q[3]);
                    p.d[8 * h + m] = d;
                }
            }
        }
    }
}

// tinyBLAS's final sum of 8 lanes, ((x0+x4)+(x2+x6)) + ((x1+x5)+(x3+x7)), for both halves of v at once.
inline __m512 lane_sums(__m512 v) {
    v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0xB1));
    v = _mm512_add_ps(v, _mm512_permute_ps(v, 0x4E));
    return _mm512_add_ps(v, _mm512_permute_ps(v, 0xB1));
}

// c[j·ldc + r] for RM weight rows from `a` and the 2·RP tokens of RP pairs from `b` (cols of them valid).
template <int RM, int RP>
void tile(const char * a, size_t lda, const pair_block * b, int64_t nb, float * c, int64_t ldc, int64_t cols) {
    __m512 acc[RM][RP];
    for (int r = 0; r < RM; r++)
        for (int p = 0; p < RP; p++) acc[r][p] = _mm512_setzero_ps();
    const __m512i offset = _mm512_set1_epi8((char) 0x80);
    for (int64_t l = 0; l < nb; l++) {
        __m512i u[RM];
        __m512 da[RM];
        for (int r = 0; r < RM; r++) {
            const q8_block * w = (const q8_block *) (a + r * lda) + l;
            u[r] = _mm512_xor_si512(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *) w->qs)), offset);
            da[r] = _mm512_set1_ps(_cvtsh_ss(w->d));
        }
        for (int p = 0; p < RP; p++) {
            const pair_block & x = b[p * nb + l];
            const __m512i s = _mm512_loadu_si512(x.qs), corr = _mm512_loadu_si512(x.corr);
            const __m512 dx = _mm512_loadu_ps(x.d);
            for (int r = 0; r < RM; r++) {
                const __m512 sums = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(corr, u[r], s));
                acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(da[r], dx), sums, acc[r][p]);
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

template <int RM>
void tile_rows(const char * a, size_t lda, const pair_block * b, int64_t nb, float * c, int64_t ldc, int64_t pairs, int64_t cols) {
    switch (pairs) {
        case 4: tile<RM, 4>(a, lda, b, nb, c, ldc, cols); break;
        case 3: tile<RM, 3>(a, lda, b, nb, c, ldc, cols); break;
        case 2: tile<RM, 2>(a, lda, b, nb, c, ldc, cols); break;
        default: tile<RM, 1>(a, lda, b, nb, c, ldc, cols); break;
    }
}

// dst [M, N] = src[0] (Q8_0 [K, M]) × the packed activations src[1].
void gemm_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * w = dst->src[0];
    const pair_block * packed = (const pair_block *) dst->src[1]->data;
    const int64_t K = w->ne[0], M = w->ne[1], N = dst->ne[1], nb = K / QK, NP = n_pairs(N);
    const int64_t ldc = (int64_t) (dst->nb[1] / sizeof(float));
    for (int64_t i0 = ith * ROWS; i0 < M; i0 += nth * ROWS) {
        const int64_t i1 = std::min(M, i0 + ROWS);
        for (int64_t p0 = 0; p0 < NP; p0 += PAIRS) {
            const int64_t p1 = std::min(NP, p0 + PAIRS);
            for (int64_t i = i0; i < i1; i += 4) {
                const char * a = (const char *) w->data + i * w->nb[1];
                for (int64_t p = p0; p < p1; p += 4) {
                    const int64_t pairs = std::min<int64_t>(4, p1 - p), cols = std::min<int64_t>(2 * pairs, N - 2 * p);
                    float * c = (float *) dst->data + 2 * p * ldc + i;
                    switch (std::min<int64_t>(4, i1 - i)) {
                        case 4: tile_rows<4>(a, w->nb[1], packed + p * nb, nb, c, ldc, pairs, cols); break;
                        case 3: tile_rows<3>(a, w->nb[1], packed + p * nb, nb, c, ldc, pairs, cols); break;
                        case 2: tile_rows<2>(a, w->nb[1], packed + p * nb, nb, c, ldc, pairs, cols); break;
                        default: tile_rows<1>(a, w->nb[1], packed + p * nb, nb, c, ldc, pairs, cols); break;
                    }
                }
            }
        }
    }
}

int64_t packed_words(int64_t K, int64_t N) { return n_pairs(N) * (K / QK) * (int64_t) (sizeof(pair_block) / sizeof(int32_t)); }

const matmul_kernel kernel = { GGML_TYPE_Q8_0, pack_compute, gemm_compute, packed_words, QK, 1 };

}  // namespace
PL_TARGET_END

int q8_0_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf) { return cpu().avx512_vnni ? matmul_kernel_rewrite(kernel, ctx, gf) : 0; }

#else
PL_TARGET_END

int q8_0_matmul_rewrite(ggml_context *, ggml_cgraph *) { return 0; }

#endif

}  // namespace pl
