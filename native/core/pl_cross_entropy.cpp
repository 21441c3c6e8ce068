// Vectorised CROSS_ENTROPY_LOSS forward (see pl_cross_entropy.h).
#include "pl_cross_entropy.h"

#include <cmath>
#include <cstring>

#if defined(__AVX512F__)
#define PL_CE_AVX512 1
#include <immintrin.h>
#endif

namespace pl {

#if PL_CE_AVX512
namespace {

// e^x for 16 lanes (Cephes' expf: x = n·ln2 + r with ln2 in two parts, a degree-6 polynomial of r, then · 2^n;
// about 1 ulp on the range used here, x ≤ 0; below -87.3 it flushes towards 0 as expf does).
inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-103.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

// dst [rows] = Σ_i t_i · (z_i - max - log Σ_j exp(z_j - max)) per row of src[0] (logits z) and src[1] (targets t).
void rows_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * z = dst->src[0], * t = dst->src[1];
    const int64_t nc = z->ne[0], nr = ggml_nrows(z);
    for (int64_t r = ith; r < nr; r += nth) {
        const float * zr = (const float *) ((const char *) z->data + r * z->nb[1]);
        const float * tr = (const float *) ((const char *) t->data + r * t->nb[1]);
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        int64_t i = 0;
        for (; i + 16 <= nc; i += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(zr + i));
        float max = _mm512_reduce_max_ps(vmax);
        for (int64_t k = i; k < nc; k++) max = std::fmax(max, zr[k]);
        const __m512 vm = _mm512_set1_ps(max);
        __m512d sum_lo = _mm512_setzero_pd(), sum_hi = _mm512_setzero_pd();
        __m512 dot = _mm512_setzero_ps(), tsum = _mm512_setzero_ps();
        for (i = 0; i + 16 <= nc; i += 16) {
            const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(zr + i), vm), tv = _mm512_loadu_ps(tr + i);
            const __m512 e = exp16(d);
            sum_lo = _mm512_add_pd(sum_lo, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
            sum_hi = _mm512_add_pd(sum_hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
            dot = _mm512_fmadd_ps(tv, d, dot);
            tsum = _mm512_add_ps(tsum, tv);
        }
        double sum = _mm512_reduce_add_pd(_mm512_add_pd(sum_lo, sum_hi));
        double dots = _mm512_reduce_add_ps(dot), tsums = _mm512_reduce_add_ps(tsum);
        for (; i < nc; i++) {
            const float d = zr[i] - max;
            sum += (double) std::exp(d);
            dots += (double) tr[i] * d;
            tsums += tr[i];
        }
        ((float *) dst->data)[r] = (float) (dots - std::log(sum) * tsums);
    }
}

// dst (scalar) = -(1/rows) · Σ src[0], in double, by one thread.
void sum_compute(ggml_tensor * dst, int ith, int, void *) {
    if (ith != 0) return;
    const ggml_tensor * rows = dst->src[0];
    double s = 0.0;
    for (int64_t r = 0; r < rows->ne[0]; r++) s += ((const float *) rows->data)[r];
    ((float *) dst->data)[0] = (float) (-s / (double) rows->ne[0]);
}

}  // namespace

int cross_entropy_rewrite(ggml_context * ctx, ggml_cgraph * gf) {
    int changed = 0;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op != GGML_OP_CROSS_ENTROPY_LOSS || node->type != GGML_TYPE_F32) continue;
        ggml_tensor * z = node->src[0], * t = node->src[1];
        if (z->type != GGML_TYPE_F32 || t->type != GGML_TYPE_F32 || z->nb[0] != sizeof(float) || t->nb[0] != sizeof(float)) continue;
        ggml_tensor * args[2] = { z, t };
        ggml_tensor * rows = ggml_custom_4d(ctx, GGML_TYPE_F32, ggml_nrows(z), 1, 1, 1, args, 2, rows_compute, GGML_N_TASKS_MAX, nullptr);
        ggml_tensor * sum_args[1] = { rows };
        const ggml_tensor * op = ggml_custom_4d(ctx, GGML_TYPE_F32, 1, 1, 1, 1, sum_args, 1, sum_compute, 1, nullptr);
        node->op = op->op;
        std::memcpy(node->op_params, op->op_params, sizeof(node->op_params));
        node->src[0] = rows;
        node->src[1] = nullptr;
        changed++;
    }
    return changed;
}

#else

int cross_entropy_rewrite(ggml_context *, ggml_cgraph *) { return 0; }

#endif

}  // namespace pl
