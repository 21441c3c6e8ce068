// The attention products on the mask's ranges (see pl_attention.h).
#define PL_TIER PL_TIER_AVX512
#include "pl_attention.h"
#include "pl_graph_rewrite.h"
#include "pl_probe.h"

#include "ggml-cpu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

#include "pl_cpu_features.h"

#if PL_CPU_DISPATCH
#include <immintrin.h>
#endif

PL_TARGET_BEGIN(PL_ISA_AVX512)
#include "pl_ggml_vec.h"
#if PL_AVX512
#define PL_ATTENTION_AVX512 1
#include <immintrin.h>
#endif

namespace pl {

#if PL_ATTENTION_AVX512
namespace {

constexpr int64_t KN = 16;   // tinyBLAS's step along k: one vector

// dst I32 [T, 4, B] from the mask src[0] [Tk, Tq, 1, B]: per sequence the rows R lo, R hi (query q's unmasked keys)
// and C lo, C hi (the queries that see key k), hi exclusive; an empty hull is [0, 0).
void ranges_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * mask = dst->src[0];
    const int64_t Tk = mask->ne[0], Tq = mask->ne[1], T = dst->ne[0];
    for (int64_t b = ith; b < dst->ne[2]; b += nth) {
        int32_t * rlo = (int32_t *) ((char *) dst->data + b * dst->nb[2]), * rhi = rlo + T, * clo = rhi + T, * chi = clo + T;
        std::fill(rlo, rlo + 4 * T, 0);
        std::fill(clo, clo + Tk, (int32_t) Tq);
        for (int64_t q = 0; q < Tq; q++) {
            const float * row = (const float *) ((const char *) mask->data + q * mask->nb[1] + b * mask->nb[3]);
            int64_t lo = Tk, hi = 0;
            for (int64_t k = 0; k < Tk; k++) {
                if (row[k] == -INFINITY) continue;
                lo = std::min(lo, k);
                hi = k + 1;
                clo[k] = std::min<int32_t>(clo[k], (int32_t) q);
                chi[k] = (int32_t) q + 1;
            }
            if (lo < hi) {
                rlo[q] = (int32_t) lo;
                rhi[q] = (int32_t) hi;
            }
        }
        for (int64_t k = 0; k < Tk; k++)
            if (clo[k] >= chi[k]) clo[k] = chi[k] = 0;
    }
}

// One vector whose lane l is _mm512_reduce_add_ps(x[l]) bit for bit: GCC's tree (lanes i + 8, then i + 4, then i + 2,
// then i + 1) run on 16 vectors at once. After the four stages lane 4t + s holds the sum of the input in position
// t + 4s, so x[l] enters at position 4 · (l % 4) + l / 4.
inline __m512 reduce16(const __m512 * x) {
    __m512 in[16], b[8], c[4], d[2];
    for (int n = 0; n < 16; n++) in[n] = x[4 * (n % 4) + n / 4];
    for (int p = 0; p < 8; p++)
        b[p] = _mm512_add_ps(_mm512_shuffle_f32x4(in[2 * p], in[2 * p + 1], 0x44), _mm512_shuffle_f32x4(in[2 * p], in[2 * p + 1], 0xEE));
    for (int q = 0; q < 4; q++)
        c[q] = _mm512_add_ps(_mm512_shuffle_f32x4(b[2 * q], b[2 * q + 1], 0x88), _mm512_shuffle_f32x4(b[2 * q], b[2 * q + 1], 0xDD));
    for (int u = 0; u < 2; u++)
        d[u] = _mm512_add_ps(_mm512_shuffle_ps(c[2 * u], c[2 * u + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(c[2 * u], c[2 * u + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    return _mm512_add_ps(_mm512_shuffle_ps(d[0], d[1], _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(d[0], d[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// The slice (i2, i3) of a MUL_MAT dst = a × b with a broadcast over dims 2, 3 as ggml's; null ranges = no mask.
struct slice {
    const char * a, * b;
    float * d;
    const int32_t * ranges;
    int64_t stride;   // of the ranges' rows
};

slice slice_of(const ggml_tensor * dst, const ggml_tensor * r, int64_t i2, int64_t i3) {
    const ggml_tensor * a = dst->src[0], * b = dst->src[1];
    return { (const char *) a->data + (i2 / (dst->ne[2] / a->ne[2])) * a->nb[2] + (i3 / (dst->ne[3] / a->ne[3])) * a->nb[3],
             (const char *) b->data + i2 * b->nb[2] + i3 * b->nb[3],
             (float *) ((char *) dst->data + i2 * dst->nb[2] + i3 * dst->nb[3]),
             r ? (const int32_t *) ((const char *) r->data + i3 * r->nb[2]) : nullptr, r ? r->ne[0] : 0 };
}

// Query row q's keys [lo, hi) rounded out to whole steps of KN (within [0, K)); all of them without ranges.
void key_range(const slice & s, int64_t q, int64_t K, int64_t & lo, int64_t & hi) {
    lo = 0;
    hi = K;
    if (!s.ranges) return;
    lo = s.ranges[q] / KN * KN;
    hi = std::min<int64_t>(K, (s.ranges[s.stride + q] + KN - 1) / KN * KN);
    if (s.ranges[q] >= s.ranges[s.stride + q]) lo = hi = 0;
}

// Tasks (slice, block of rows) in the order snake-dealt to threads: with work growing along the rows (causal), each
// thread gets blocks from both ends.
template <typename F>
void for_tasks(int64_t n_slices, int64_t n_blocks, int ith, int nth, F && f) {
    const int64_t n = n_slices * n_blocks;
    for (int64_t t = 0; t < n; t++) {
        const int64_t lane = t % (2 * nth);
        if (lane != ith && lane != 2 * nth - 1 - ith) continue;
        f(t / n_blocks, t % n_blocks);
    }
}

// The softmax scale travels in the custom op's userdata pointer (its bits).
void * scale_userdata(float scale) {
    uint32_t bits;
    std::memcpy(&bits, &scale, sizeof(bits));
    return (void *) (uintptr_t) bits;
}

float userdata_scale(void * userdata) {
    const uint32_t bits = (uint32_t) (uintptr_t) userdata;
    float scale;
    std::memcpy(&scale, &bits, sizeof(scale));
    return scale;
}

// softmax(K·Q · scale + mask) in one op: dst [Tk, Tq, H, B] from a (keys [D, Tk], rows contiguous), b (queries
// [D, Tq], contiguous), the mask src[2] and its ranges src[3]. Per query row, the scores of the 16-key blocks that meet
// R(q) (tinyBLAS's sums: for each block of QB rows, a block of 16 keys serves every row from L1), then ggml's
// SOFT_MAX on them: w = s · scale + mask, the max, e^(w - max) by ggml_v_expf summed per 16 values in double, times
// the float of 1 / sum. The blocks outside hold e^-inf = 0 in ggml's row and add 0 to its sum: written as 0 here.
constexpr int64_t QB = 32;

void kq_softmax_compute(ggml_tensor * dst, int ith, int nth, void * userdata) {
    const ggml_tensor * a = dst->src[0], * b = dst->src[1], * mask = dst->src[2];
    const int64_t D = a->ne[0], Tk = dst->ne[0], Tq = dst->ne[1], ne2 = dst->ne[2];
    const int64_t n_qb = (Tq + QB - 1) / QB;
    const __m512 scale = _mm512_set1_ps(userdata_scale(userdata));
    for_tasks(ne2 * dst->ne[3], n_qb, ith, nth, [&](int64_t sl, int64_t qb) {
        const int64_t i3 = sl / ne2;
        const slice s = slice_of(dst, dst->src[3], sl % ne2, i3);
        const int64_t q0 = qb * QB, q1 = std::min(Tq, q0 + QB);
        int64_t lo[QB], hi[QB], k_min = Tk, k_max = 0;
        for (int64_t q = q0; q < q1; q++) {
            key_range(s, q, Tk, lo[q - q0], hi[q - q0]);
            if (lo[q - q0] < hi[q - q0]) {
                k_min = std::min(k_min, lo[q - q0]);
                k_max = std::max(k_max, hi[q - q0]);
            }
        }
        for (int64_t k0 = k_min; k0 < k_max; k0 += KN) {
            const float * keys[KN];
            for (int e = 0; e < KN; e++) keys[e] = (const float *) (s.a + (k0 + e) * a->nb[1]);
            for (int64_t q = q0; q < q1; q++) {
                if (k0 < lo[q - q0] || k0 >= hi[q - q0]) continue;
                const float * qr = (const float *) (s.b + q * b->nb[1]);
                __m512 acc[KN];
                for (int e = 0; e < KN; e++) acc[e] = _mm512_setzero_ps();
                for (int64_t c = 0; c < D; c += KN) {
                    const __m512 qv = _mm512_loadu_ps(qr + c);
                    for (int e = 0; e < KN; e++) acc[e] = _mm512_fmadd_ps(_mm512_loadu_ps(keys[e] + c), qv, acc[e]);
                }
                _mm512_storeu_ps((float *) ((char *) s.d + q * dst->nb[1]) + k0, reduce16(acc));
            }
        }
        for (int64_t q = q0; q < q1; q++) {
            float * row = (float *) ((char *) s.d + q * dst->nb[1]);
            const float * m = (const float *) ((const char *) mask->data + q * mask->nb[1] + (i3 % mask->ne[3]) * mask->nb[3]);
            const int64_t l = lo[q - q0], h = hi[q - q0];
            std::fill(row, row + l, 0.0f);
            std::fill(row + h, row + Tk, 0.0f);
            if (l >= h) continue;
            __m512 vmax = _mm512_set1_ps(-INFINITY);
            for (int64_t k = l; k < h; k += KN) {
                const __m512 w = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(row + k), scale), _mm512_loadu_ps(m + k));
                _mm512_storeu_ps(row + k, w);
                vmax = _mm512_max_ps(vmax, w);
            }
            const __m512 max = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
            double sum = 0.0;
            for (int64_t k = l; k < h; k += KN) {
                const __m512 e = ggml_expf16(_mm512_sub_ps(_mm512_loadu_ps(row + k), max));
                _mm512_storeu_ps(row + k, e);
                sum += (double) _mm512_reduce_add_ps(e);
            }
            const __m512 inv = _mm512_set1_ps((float) (1.0 / sum));
            for (int64_t k = l; k < h; k += KN) _mm512_storeu_ps(row + k, _mm512_mul_ps(_mm512_loadu_ps(row + k), inv));
        }
    });
}

// probabilities·V: dst [D, Tq, H, B] = a (V transposed [Tk, D], rows contiguous) × b (probabilities [Tk, Tq],
// contiguous); per tile of RM values of D × RN query rows the sum runs over the 16-key steps that meet the rows' R(q).
constexpr int RM = 4, RN = 6;
constexpr int64_t PB = 4 * RN;   // query rows per task

template <int N>
void pv_tile(const slice & s, const ggml_tensor * dst, int64_t i, int64_t q, int64_t k0, int64_t k1) {
    const ggml_tensor * a = dst->src[0], * b = dst->src[1];
    __m512 acc[N][RM];
    for (int j = 0; j < N; j++)
        for (int r = 0; r < RM; r++) acc[j][r] = _mm512_setzero_ps();
    const float * ar[RM], * br[N];
    for (int r = 0; r < RM; r++) ar[r] = (const float *) (s.a + (i + r) * a->nb[1]);
    for (int j = 0; j < N; j++) br[j] = (const float *) (s.b + (q + j) * b->nb[1]);
    for (int64_t l = k0; l < k1; l += KN) {
        __m512 av[RM];
        for (int r = 0; r < RM; r++) av[r] = _mm512_loadu_ps(ar[r] + l);
        for (int j = 0; j < N; j++) {
            const __m512 bv = _mm512_loadu_ps(br[j] + l);
            for (int r = 0; r < RM; r++) acc[j][r] = _mm512_fmadd_ps(av[r], bv, acc[j][r]);
        }
    }
    for (int j = 0; j < N; j++)
        for (int r = 0; r < RM; r++) ((float *) ((char *) s.d + (q + j) * dst->nb[1]))[i + r] = _mm512_reduce_add_ps(acc[j][r]);
}

void pv_compute(ggml_tensor * dst, int ith, int nth, void *) {
    const int64_t D = dst->ne[0], Tq = dst->ne[1], Tk = dst->src[0]->ne[0], ne2 = dst->ne[2];
    const int64_t n_pb = (Tq + PB - 1) / PB;
    for_tasks(ne2 * dst->ne[3], n_pb, ith, nth, [&](int64_t sl, int64_t pb) {
        const slice s = slice_of(dst, dst->src[2], sl % ne2, sl / ne2);
        for (int64_t q = pb * PB, q_end = std::min(Tq, q + PB); q < q_end; q += RN) {
            const int n = (int) std::min<int64_t>(RN, q_end - q);
            int64_t k0 = Tk, k1 = 0;
            for (int j = 0; j < n; j++) {
                int64_t lo, hi;
                key_range(s, q + j, Tk, lo, hi);
                if (lo < hi) {
                    k0 = std::min(k0, lo);
                    k1 = std::max(k1, hi);
                }
            }
            if (k0 >= k1) k0 = k1 = 0;   // rows that see no key: sums of nothing, +0 as tinyBLAS's over zeros
            for (int64_t i = 0; i < D; i += RM) {
                switch (n) {
                    case 6: pv_tile<6>(s, dst, i, q, k0, k1); break;
                    case 5: pv_tile<5>(s, dst, i, q, k0, k1); break;
                    case 4: pv_tile<4>(s, dst, i, q, k0, k1); break;
                    case 3: pv_tile<3>(s, dst, i, q, k0, k1); break;
                    case 2: pv_tile<2>(s, dst, i, q, k0, k1); break;
                    default: pv_tile<1>(s, dst, i, q, k0, k1); break;
                }
            }
        }
    });
}

// The softmax's backward with its incoming gradient in one op: dst [Tk, Tq, H, B] = SOFT_MAX_BACK(dy, y) where dy =
// OUT_PROD(a, b), a = V transposed [Tk, D] (keys contiguous), b [Tq, D] (D contiguous), y = the probabilities src[2],
// ranges src[3], scale in userdata. Per query row only the 16-key steps that meet R(q): dy as the OUT_PROD GEMM sums
// it (FMAs along D from zero, in order), then ggml's row: dot(y, dy) as ggml_vec_dot_f32 (4 accumulators over
// 64-value steps, reduced (0+2, 1+3), then 0+1, then _mm512_reduce_add_ps), dx = (dy - dot) · y · scale. Tk is a
// multiple of 64 (no leftovers in the dot); y is an exact 0 outside the steps, so they add nothing; dx there is 0.
constexpr int64_t QG = 4;   // query rows per task, one register row each

void softmax_back_compute(ggml_tensor * dst, int ith, int nth, void * userdata) {
    const ggml_tensor * a = dst->src[0], * b = dst->src[1], * y = dst->src[2];
    const int64_t Tk = dst->ne[0], Tq = dst->ne[1], D = a->ne[1], ne2 = dst->ne[2];
    const __m512 scale = _mm512_set1_ps(userdata_scale(userdata));
    thread_local std::vector<float> dy_rows;
    dy_rows.resize((size_t) (QG * Tk));
    for_tasks(ne2 * dst->ne[3], (Tq + QG - 1) / QG, ith, nth, [&](int64_t sl, int64_t qg) {
        const int64_t i2 = sl % ne2, i3 = sl / ne2;
        const slice s = slice_of(dst, dst->src[3], i2, i3);
        const int64_t q0 = qg * QG, n = std::min(QG, Tq - q0);
        int64_t lo[QG] = {}, hi[QG] = {}, k_min = Tk, k_max = 0;
        for (int64_t r = 0; r < n; r++) {
            key_range(s, q0 + r, Tk, lo[r], hi[r]);
            if (lo[r] < hi[r]) {
                k_min = std::min(k_min, lo[r]);
                k_max = std::max(k_max, hi[r]);
            }
        }
        // dy for the group's rows over the union of their steps, 4 steps (64 keys) at a time
        const float * g[QG];
        for (int64_t r = 0; r < QG; r++) g[r] = (const float *) (s.b + std::min(q0 + r, Tq - 1) * b->nb[0]);
        for (int64_t k0 = k_min; k0 < k_max; k0 += 4 * KN) {
            const int nc = (int) std::min<int64_t>(4, (k_max - k0) / KN);
            __m512 acc[QG][4];
            for (int r = 0; r < QG; r++)
                for (int c = 0; c < 4; c++) acc[r][c] = _mm512_setzero_ps();
            for (int64_t d = 0; d < D; d++) {
                const float * ar = (const float *) (s.a + d * a->nb[1]) + k0;
                __m512 av[4];
                for (int c = 0; c < 4; c++) av[c] = c < nc ? _mm512_loadu_ps(ar + c * KN) : _mm512_setzero_ps();
                for (int r = 0; r < QG; r++) {
                    const __m512 gv = _mm512_set1_ps(g[r][d]);   // b's D values are contiguous (checked at rewrite)
                    for (int c = 0; c < 4; c++) acc[r][c] = _mm512_fmadd_ps(gv, av[c], acc[r][c]);
                }
            }
            for (int r = 0; r < QG; r++)
                for (int c = 0; c < nc; c++) _mm512_storeu_ps(dy_rows.data() + r * Tk + k0 + c * KN, acc[r][c]);
        }
        for (int64_t r = 0; r < n; r++) {
            float * dx = (float *) ((char *) s.d + (q0 + r) * dst->nb[1]);
            const float * yr = (const float *) ((const char *) y->data + (q0 + r) * y->nb[1] + i2 * y->nb[2] + i3 * y->nb[3]);
            const float * dyr = dy_rows.data() + r * Tk;
            std::fill(dx, dx + lo[r], 0.0f);
            std::fill(dx + hi[r], dx + Tk, 0.0f);
            if (lo[r] >= hi[r]) continue;
            __m512 sum[4] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
            for (int64_t k = lo[r]; k < hi[r]; k += KN)
                sum[(k / KN) % 4] = _mm512_fmadd_ps(_mm512_loadu_ps(yr + k), _mm512_loadu_ps(dyr + k), sum[(k / KN) % 4]);
            sum[0] = _mm512_add_ps(sum[0], sum[2]);
            sum[1] = _mm512_add_ps(sum[1], sum[3]);
            sum[0] = _mm512_add_ps(sum[0], sum[1]);
            const float dot = (float) (double) _mm512_reduce_add_ps(sum[0]);
            const __m512 minus_dot = _mm512_set1_ps(-dot);
            for (int64_t k = lo[r]; k < hi[r]; k += KN) {
                const __m512 v = _mm512_mul_ps(_mm512_add_ps(_mm512_loadu_ps(dyr + k), minus_dot), _mm512_loadu_ps(yr + k));
                _mm512_storeu_ps(dx + k, _mm512_mul_ps(v, scale));
            }
        }
    });
}

// Probe data: uniform values in [-1, 1) from an LCG.
void fill_random(ggml_tensor * t, uint64_t & state) {
    float * d = (float *) t->data;
    for (int64_t i = 0; i < ggml_nelements(t); i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        d[i] = (float) ((double) (state >> 11) / 4503599627370496.0 - 1.0);
    }
}

// probabilities·V against ggml's MUL_MAT for a [K, M] × b [K, N]: min(M, 64) rows, min(N, 13) columns (tinyBLAS's
// sums do not depend on the tile; 13 reaches partial tiles).
bool pv_matches_ggml(int64_t K, int64_t M, int64_t N) {
    const int64_t m = std::min<int64_t>(M, 64), n = std::min<int64_t>(N, 13);
    return probe_matches(std::make_tuple(K, m, n), (size_t) (K * m + K * n + 2 * m * n) * sizeof(float), [&](ggml_context * ctx) {
        uint64_t state = 0x9E3779B97F4A7C15ull;
        ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, K, m), * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, K, n);
        fill_random(a, state);
        fill_random(b, state);
        ggml_tensor * out = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, m, n);
        out->src[0] = a;
        out->src[1] = b;
        return std::make_pair(ggml_mul_mat(ctx, a, b), std::function<ggml_tensor *()>([=] { pv_compute(out, 0, 1, nullptr); return out; }));
    });
}

// A probe mask [Tk, n] that leaves each query a different hull, with whole and partial 16-key blocks masked at
// both ends, and its ranges.
std::pair<ggml_tensor *, ggml_tensor *> probe_mask(ggml_context * ctx, int64_t Tk, int64_t n) {
    ggml_tensor * mask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, Tk, n);
    for (int64_t j = 0; j < n; j++)
        for (int64_t x = 0; x < Tk; x++) {
            const int64_t hi = std::max<int64_t>(1, Tk * (j + 1) / n), lo = j % 3 == 2 ? hi / 3 : 0;
            ((float *) mask->data)[j * Tk + x] = x >= lo && x < hi ? 0.0f : -INFINITY;
        }
    ggml_tensor * ranges = ggml_new_tensor_3d(ctx, GGML_TYPE_I32, Tk, 4, 1);
    ranges->src[0] = mask;
    ranges_compute(ranges, 0, 1, nullptr);
    return { mask, ranges };
}

// softmax(K·Q) against ggml's MUL_MAT + SOFT_MAX for keys [D, Tk] and min(Tq, 40) queries, scaled as in the graph.
bool kq_softmax_matches_ggml(int64_t D, int64_t Tk, int64_t Tq, float scale) {
    const int64_t n = std::min<int64_t>(Tq, 40);
    const size_t bytes = (size_t) (D * Tk + D * n + 4 * Tk * n + 4 * Tk) * sizeof(float);   // k, q, mask, K·Q, its softmax, ranges, ours
    return probe_matches(std::make_tuple(D, Tk, n, scale), bytes, [&](ggml_context * ctx) {
        uint64_t state = 0x2545F4914F6CDD1Dull;
        ggml_tensor * k = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, D, Tk), * q = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, D, n);
        fill_random(k, state);
        fill_random(q, state);
        for (float * v = (float *) q->data; v < (float *) q->data + D * n; v++) *v *= 4.0f;   // scores of a few units
        auto [mask, ranges] = probe_mask(ctx, Tk, n);
        ggml_tensor * out = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, Tk, n);
        out->src[0] = k;
        out->src[1] = q;
        out->src[2] = mask;
        out->src[3] = ranges;
        ggml_tensor * ref = ggml_soft_max_ext(ctx, ggml_mul_mat(ctx, k, q), mask, scale, 0.0f);
        return std::make_pair(ref, std::function<ggml_tensor *()>([=] { kq_softmax_compute(out, 0, 1, scale_userdata(scale)); return out; }));
    });
}

// The softmax's backward against the trainer's OUT_PROD GEMM + ggml's SOFT_MAX_BACK for V transposed [Tk, D] and
// min(Tq, 40) queries. ggml writes y · (dy - dot) · scale = ±0 where y = 0 and this kernel +0; the sign of a zero
// that only ever multiplies or adds to sums cannot change a gradient, so the probe counts them equal.
bool softmax_back_matches_ggml(int64_t Tk, int64_t D, int64_t Tq, float scale) {
    const int64_t n = std::min<int64_t>(Tq, 40);
    const size_t bytes = (size_t) (D * Tk + D * n + 6 * Tk * n + 4 * Tk) * sizeof(float);
    return probe_matches(std::make_tuple(Tk, D, n, scale), bytes, [&](ggml_context * ctx) {
        uint64_t state = 0x853C49E6748FEA9Bull;
        ggml_tensor * vt = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, Tk, D), * g = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, D, n);
        ggml_tensor * scores = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, Tk, n);
        for (ggml_tensor * t : { vt, g, scores }) fill_random(t, state);
        auto [mask, ranges] = probe_mask(ctx, Tk, n);
        ggml_tensor * y = ggml_soft_max_ext(ctx, scores, mask, 1.0f, 0.0f);
        ggml_tensor * gt = ggml_transpose(ctx, g);
        ggml_tensor * out = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, Tk, n);
        out->src[0] = vt;
        out->src[1] = gt;
        out->src[2] = y;
        out->src[3] = ranges;
        ggml_tensor * ref = ggml_soft_max_ext_back(ctx, ggml_out_prod(ctx, vt, gt), y, scale, 0.0f);
        return std::make_pair(ref, std::function<ggml_tensor *()>([=] { softmax_back_compute(out, 0, 1, scale_userdata(scale)); return out; }));
    }, false);
}

bool enabled() {
    const char * v = std::getenv("PERSIAN_LORA_TRAINER_ATTENTION");
    return !(v && std::strcmp(v, "0") == 0);
}

// The F32 MUL_MAT shapes tinyBLAS takes (so ggml's sums are the ones reproduced): a's rows contiguous, b contiguous,
// K a multiple of 16, M of 4, N ≥ 2.
bool tinyblas_shape(const ggml_tensor * mm) {
    const ggml_tensor * a = mm->src[0], * b = mm->src[1];
    return mm->type == GGML_TYPE_F32 && a->type == GGML_TYPE_F32 && b->type == GGML_TYPE_F32 && ggml_is_contiguous(mm) &&
           a->nb[0] == sizeof(float) && ggml_is_contiguous(b) && a->ne[0] % KN == 0 && a->ne[1] % 4 == 0 && b->ne[1] >= 2;
}

}  // namespace
PL_TARGET_END

attention_plan attention_rewrite(ggml_context * ctx, ggml_cgraph * gf) {
    attention_plan plan;
    if (!cpu().avx512 || !enabled()) return plan;
    const int n = ggml_graph_n_nodes(gf);
    const auto readers = graph_readers(gf);
    std::map<const ggml_tensor *, ggml_tensor *> ranges_of;   // per mask
    auto ranges_for = [&](ggml_tensor * mask) {
        ggml_tensor *& r = ranges_of[mask];
        if (!r) {
            ggml_tensor * args[1] = { mask };
            r = ggml_custom_4d(ctx, GGML_TYPE_I32, mask->ne[0], 4, mask->ne[3], 1, args, 1, ranges_compute, GGML_N_TASKS_MAX, nullptr);
            plan.ranges = r;
        }
        return r;
    };
    for (int i = 0; i < n; i++) {
        ggml_tensor * sm = ggml_graph_node(gf, i);
        if (sm->op != GGML_OP_SOFT_MAX) continue;
        ggml_tensor * kq = sm->src[0], * mask = sm->src[1];
        float max_bias;
        std::memcpy(&max_bias, (const float *) sm->op_params + 1, sizeof(float));
        if (!mask || mask->type != GGML_TYPE_F32 || sm->src[2] || max_bias != 0.0f || kq->ne[0] != kq->ne[1] ||
            mask->ne[0] != kq->ne[0] || mask->ne[1] != kq->ne[1] || mask->ne[2] != 1 || mask->ne[3] != kq->ne[3] ||
            mask->nb[0] != sizeof(float) || sm->type != GGML_TYPE_F32 || !ggml_is_contiguous(sm)) {
            continue;
        }
        ggml_tensor * ranges = ranges_for(mask);
        // softmax(K·Q): the SOFT_MAX node becomes the fused op; K·Q, read by nothing else, leaves the graph
        float scale;
        std::memcpy(&scale, sm->op_params, sizeof(float));
        if (kq->op == GGML_OP_MUL_MAT && read_once(readers, kq) && tinyblas_shape(kq) && kq->ne[0] % KN == 0 &&
            kq_softmax_matches_ggml(kq->src[0]->ne[0], kq->ne[0], kq->ne[1], scale)) {
            make_custom_op(ctx, sm, { kq->src[0], kq->src[1], mask, ranges }, kq_softmax_compute, scale_userdata(scale));
            plan.products++;
        }
        for (int k = 0; k < n; k++) {
            ggml_tensor * node = ggml_graph_node(gf, k);
            if (node->op == GGML_OP_MUL_MAT && node->src[1] == sm && tinyblas_shape(node) &&
                pv_matches_ggml(node->src[0]->ne[0], node->ne[0], node->ne[1])) {
                make_custom_op(ctx, node, { node->src[0], node->src[1], ranges }, pv_compute);   // probabilities·V
                plan.products++;
            } else if (node->op == GGML_OP_OUT_PROD && node->src[0] == sm) {
                plan.out_prods[node] = { false, SKIP_K_COL_C, ranges };   // dV
            } else if (node->op == GGML_OP_SOFT_MAX_BACK && node->src[1] == sm) {
                ggml_tensor * dp = node->src[0];   // d(probabilities), read by this SOFT_MAX_BACK only
                float back[2];
                std::memcpy(back, node->op_params, sizeof(back));
                if (dp->op == GGML_OP_OUT_PROD && read_once(readers, dp)) {
                    const ggml_tensor * va = dp->src[0], * gb = dp->src[1];
                    if (back[1] == 0.0f && va->type == GGML_TYPE_F32 && gb->type == GGML_TYPE_F32 && va->nb[0] == sizeof(float) &&
                        gb->nb[1] == sizeof(float) && va->ne[0] % (4 * KN) == 0 && ggml_is_contiguous(node) &&
                        softmax_back_matches_ggml(va->ne[0], va->ne[1], dp->ne[1], back[0])) {
                        // the SOFT_MAX_BACK node becomes the fused op; the OUT_PROD leaves the graph
                        make_custom_op(ctx, node, { dp->src[0], dp->src[1], sm, ranges }, softmax_back_compute, scale_userdata(back[0]));
                        plan.products++;
                    } else {
                        plan.out_prods[dp] = { false, SKIP_OUTPUT_R, ranges };
                    }
                }
                for (int u = 0; u < n; u++) {
                    ggml_tensor * user = ggml_graph_node(gf, u);
                    if (user->op != GGML_OP_OUT_PROD) continue;
                    if (user->src[1] == node) plan.out_prods[user] = { false, SKIP_K_ROW_C, ranges };   // dK
                    if (user->src[1]->op == GGML_OP_TRANSPOSE && user->src[1]->src[0] == node)
                        plan.out_prods[user] = { false, SKIP_K_ROW_R, ranges };                         // dQ
                }
            }
        }
    }
    return plan;
}

#else
PL_TARGET_END

attention_plan attention_rewrite(ggml_context *, ggml_cgraph *) { return {}; }

#endif

}  // namespace pl
