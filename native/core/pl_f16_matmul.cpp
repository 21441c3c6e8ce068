// F16 × F32 MUL_MAT on AVX-512 with tinyBLAS's arithmetic (see pl_f16_matmul.h).
#define PL_TIER PL_TIER_AVX512
#include "pl_f16_matmul.h"
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

PL_TARGET_BEGIN(PL_ISA_AVX512)
#if PL_AVX512
#define PL_F16_AVX512 1
#include <immintrin.h>
#endif

namespace pl {

#if PL_F16_AVX512
namespace {

constexpr int64_t KN = 16;   // tinyBLAS's step along k: one 512-bit vector of F32
constexpr int64_t RB = 32;   // weight rows converted at a time (a thread task)
constexpr int RM = 4, RN = 6;  // register tile: 4 rows × 6 tokens, as tinyBLAS's

int64_t packed_words(int64_t K, int64_t N) { return K * N / 2; }

// dst (F16 pairs in I32 words; K is a multiple of 16, [N][K]) = the activations src[0] [K, N] rounded to F16 by ggml's converter.
void pack_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * x = dst->src[0];
    const int64_t K = x->ne[0], N = x->ne[1];
    const ggml_from_float_t to_f16 = ggml_get_type_traits_cpu(GGML_TYPE_F16)->from_float;
    for (int64_t j = ith; j < N; j += nth) to_f16((const float *) ((const char *) x->data + j * x->nb[1]), (ggml_fp16_t *) dst->data + j * K, K);
}

// c[j·ldc + i] = tinyBLAS's sum for RM rows of the F32 panel a (row stride K) and the N ≤ RN F16 tokens of b (row
// stride K).
template <int N>
void tile(const float * a, const ggml_fp16_t * b, int64_t K, float * c, int64_t ldc) {
    __m512 acc[N][RM];
    for (int j = 0; j < N; j++)
        for (int i = 0; i < RM; i++) acc[j][i] = _mm512_setzero_ps();
    for (int64_t l = 0; l < K; l += KN) {
        __m512 av[RM];
        for (int i = 0; i < RM; i++) av[i] = _mm512_loadu_ps(a + i * K + l);
        for (int j = 0; j < N; j++) {
            const __m512 bv = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (b + j * K + l)));
            for (int i = 0; i < RM; i++) acc[j][i] = _mm512_fmadd_ps(av[i], bv, acc[j][i]);
        }
    }
    for (int j = 0; j < N; j++)
        for (int i = 0; i < RM; i++) c[j * ldc + i] = _mm512_reduce_add_ps(acc[j][i]);
}

// dst [M, N] = src[0] (F16 [K, M]) × the packed activations src[1].
void gemm_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * w = dst->src[0];
    const ggml_fp16_t * x = (const ggml_fp16_t *) dst->src[1]->data;
    const int64_t K = w->ne[0], M = w->ne[1], N = dst->ne[1];
    const int64_t ldc = (int64_t) (dst->nb[1] / sizeof(float));
    thread_local std::vector<float> panel;
    panel.resize((size_t) (RB * K));
    for (int64_t i0 = ith * RB; i0 < M; i0 += nth * RB) {
        const int64_t rows = std::min(RB, M - i0);
        for (int64_t r = 0; r < rows; r++) {
            const ggml_fp16_t * src = (const ggml_fp16_t *) ((const char *) w->data + (i0 + r) * w->nb[1]);
            for (int64_t k = 0; k < K; k += KN)
                _mm512_storeu_ps(panel.data() + r * K + k, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (src + k))));
        }
        for (int64_t j = 0; j < N; j += RN)
            for (int64_t i = 0; i < rows; i += RM) {
                const float * a = panel.data() + i * K;
                const ggml_fp16_t * b = x + j * K;
                float * c = (float *) dst->data + j * ldc + i0 + i;
                switch (std::min<int64_t>(RN, N - j)) {
                    case 6: tile<6>(a, b, K, c, ldc); break;
                    case 5: tile<5>(a, b, K, c, ldc); break;
                    case 4: tile<4>(a, b, K, c, ldc); break;
                    case 3: tile<3>(a, b, K, c, ldc); break;
                    case 2: tile<2>(a, b, K, c, ldc); break;
                    default: tile<1>(a, b, K, c, ldc); break;
                }
            }
    }
}

const matmul_kernel kernel = { GGML_TYPE_F16, pack_compute, gemm_compute, packed_words, KN, RM };

}  // namespace
PL_TARGET_END

int f16_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf) { return cpu().avx512 ? matmul_kernel_rewrite(kernel, ctx, gf) : 0; }

#else
PL_TARGET_END

int f16_matmul_rewrite(ggml_context *, ggml_cgraph *) { return 0; }

#endif

}  // namespace pl
