// Vectorised CROSS_ENTROPY_LOSS forward (see pl_cross_entropy.h).
#define PL_TIER PL_TIER_AVX512
#include "pl_cross_entropy.h"
#include "pl_graph_rewrite.h"
#include "pl_probe.h"

#include "ggml-cpu.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "pl_cpu_features.h"

#if PL_CPU_DISPATCH
#include <immintrin.h>
#endif

PL_TARGET_BEGIN(PL_ISA_AVX512)
#include "pl_ggml_vec.h"
#if PL_AVX512
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

// The largest of the n values at z (exact in any order).
inline float row_max(const float * z, int64_t n) {
    __m512 vmax = _mm512_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(z + i));
    float max = _mm512_reduce_max_ps(vmax);
    for (; i < n; i++) max = std::max(max, z[i]);
    return max;
}

// dst [rows] = Σ_i t_i · (z_i - max - log Σ_j exp(z_j - max)) per row of src[0] (logits z) and src[1] (targets t).
void rows_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * z = dst->src[0], * t = dst->src[1];
    const int64_t nc = z->ne[0], nr = ggml_nrows(z);
    for (int64_t r = ith; r < nr; r += nth) {
        const float * zr = (const float *) ((const char *) z->data + r * z->nb[1]);
        const float * tr = (const float *) ((const char *) t->data + r * t->nb[1]);
        const float max = row_max(zr, nc);
        const __m512 vm = _mm512_set1_ps(max);
        int64_t i;
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

// ggml's CROSS_ENTROPY_LOSS_BACK, dst = (softmax(z) - t) · grad / rows, with its arithmetic (ggml_vec_max_f32, then
// ggml_vec_soft_max_f32: ggml_v_expf per 16 logits summed in double, libm's expf for a tail; times the float of
// 1 / sum; minus t; times grad / rows, each step rounded) in one pass per row, which stays in L2 between its steps;
// ggml's kernel makes five passes over the [V, rows] tensors.
void back_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * grad = dst->src[0], * z = dst->src[1], * t = dst->src[2];
    const int64_t nc = z->ne[0], nr = ggml_nrows(z);
    const float d_by_nr = ((const float *) grad->data)[0] / (float) nr;
    for (int64_t r = ith; r < nr; r += nth) {
        const float * zr = (const float *) ((const char *) z->data + r * z->nb[1]);
        const float * tr = (const float *) ((const char *) t->data + r * t->nb[1]);
        float * out = (float *) ((char *) dst->data + r * dst->nb[1]);
        const float max = row_max(zr, nc);
        const __m512 vm = _mm512_set1_ps(max);
        int64_t i;
        double sum = 0.0;
        for (i = 0; i + 16 <= nc; i += 16) {
            const __m512 e = ggml_expf16(_mm512_sub_ps(_mm512_loadu_ps(zr + i), vm));
            _mm512_storeu_ps(out + i, e);
            sum += (double) _mm512_reduce_add_ps(e);
        }
        for (; i < nc; i++) {
            out[i] = expf(zr[i] - max);
            sum += (double) out[i];
        }
        const float inv = (float) (1.0 / sum);
        const __m512 vinv = _mm512_set1_ps(inv), vd = _mm512_set1_ps(d_by_nr);
        for (i = 0; i + 16 <= nc; i += 16)
            _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(_mm512_loadu_ps(out + i), vinv), _mm512_loadu_ps(tr + i)), vd));
        for (; i < nc; i++) out[i] = (out[i] * inv - tr[i]) * d_by_nr;
    }
}

// Whether back_compute gives ggml's CROSS_ENTROPY_LOSS_BACK bitwise for rows of nc logits on this build: 3 random
// rows (logits of a few units, targets spread over a few classes), memoised per nc.
bool back_matches_ggml(int64_t nc) {
    const int64_t rows = 3;
    return probe_matches(nc, (size_t) (5 * nc * rows + 16) * sizeof(float), [&](ggml_context * ctx) {
        ggml_tensor * grad = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 1);
        ggml_tensor * z = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, nc, rows), * t = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, nc, rows);
        ((float *) grad->data)[0] = 0.75f;
        uint64_t state = 0x2545F4914F6CDD1Dull;
        for (int64_t i = 0; i < nc * rows; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            ((float *) z->data)[i] = (float) ((double) (state >> 11) / 9007199254740992.0 - 0.5) * 12.0f;
            ((float *) t->data)[i] = (state >> 7) % 97 == 0 ? 0.25f : 0.0f;
        }
        ggml_tensor * out = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, nc, rows);
        out->src[0] = grad;
        out->src[1] = z;
        out->src[2] = t;
        return std::make_pair(ggml_cross_entropy_loss_back(ctx, grad, z, t),
                              std::function<ggml_tensor *()>([=] { back_compute(out, 0, 1, nullptr); return out; }));
    });
}

}  // namespace
PL_TARGET_END

int cross_entropy_rewrite(ggml_context * ctx, ggml_cgraph * gf) {
    if (!cpu().avx512) return 0;
    int changed = 0;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op != GGML_OP_CROSS_ENTROPY_LOSS || node->type != GGML_TYPE_F32) continue;
        ggml_tensor * z = node->src[0], * t = node->src[1];
        if (z->type != GGML_TYPE_F32 || t->type != GGML_TYPE_F32 || z->nb[0] != sizeof(float) || t->nb[0] != sizeof(float)) continue;
        ggml_tensor * args[2] = { z, t };
        ggml_tensor * rows = ggml_custom_4d(ctx, GGML_TYPE_F32, ggml_nrows(z), 1, 1, 1, args, 2, rows_compute, GGML_N_TASKS_MAX, nullptr);
        make_custom_op(ctx, node, { rows }, sum_compute);
        changed++;
    }
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op != GGML_OP_CROSS_ENTROPY_LOSS_BACK || node->type != GGML_TYPE_F32 || !ggml_is_contiguous(node)) continue;
        const ggml_tensor * z = node->src[1], * t = node->src[2];
        if (z->type != GGML_TYPE_F32 || t->type != GGML_TYPE_F32 || !ggml_is_contiguous(z) || !ggml_is_contiguous(t) ||
            !back_matches_ggml(z->ne[0])) {
            continue;
        }
        make_custom_op(ctx, node, { node->src[0], node->src[1], node->src[2] }, back_compute);
        changed++;
    }
    return changed;
}

#else
PL_TARGET_END

int cross_entropy_rewrite(ggml_context *, ggml_cgraph *) { return 0; }

#endif

}  // namespace pl
