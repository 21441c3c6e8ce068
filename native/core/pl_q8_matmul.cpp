// Q8_0 × F32 MUL_MAT on AVX-512 VNNI (see pl_q8_matmul.h).
#include "pl_q8_matmul.h"

#include "ggml-cpu.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#if defined(__AVX512F__) && defined(__AVX512VNNI__) && defined(__F16C__)
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

bool candidate(const ggml_tensor * node) {
    if (node->op != GGML_OP_MUL_MAT || node->type != GGML_TYPE_F32 || !ggml_is_contiguous(node)) return false;
    const ggml_tensor * w = node->src[0], * x = node->src[1];
    return w->type == GGML_TYPE_Q8_0 && w->ne[0] % QK == 0 && w->nb[0] == sizeof(q8_block) && w->ne[2] == 1 && w->ne[3] == 1 &&
           x->type == GGML_TYPE_F32 && ggml_is_contiguous(x) && x->ne[1] >= 2 && x->ne[2] == 1 && x->ne[3] == 1;
}

ggml_tensor * pack_node(ggml_context * ctx, ggml_tensor * x) {
    ggml_tensor * args[1] = { x };
    const int64_t words = n_pairs(x->ne[1]) * (x->ne[0] / QK) * (int64_t) (sizeof(pair_block) / sizeof(int32_t));
    return ggml_custom_4d(ctx, GGML_TYPE_I32, words, 1, 1, 1, args, 1, pack_compute, GGML_N_TASKS_MAX, nullptr);
}

// Whether this kernel gives ggml's MUL_MAT bitwise for Q8_0 weights [K, M] and activations [K, N] on this build, on
// random data of min(M, 67) rows and min(N, 9) tokens (ggml's kernel choice for Q8_0 does not depend on M, nor on N
// beyond N < 2; odd sizes reach the edge tiles).
bool probe_matches(int64_t K, int64_t M, int64_t N) {
    static std::mutex mutex;
    static std::map<std::tuple<int64_t, int64_t, int64_t>, bool> known;
    const int64_t m = std::min<int64_t>(M, 67), n = std::min<int64_t>(N, 9);
    std::lock_guard<std::mutex> lock(mutex);
    const auto key = std::make_tuple(K, m, n);
    if (auto it = known.find(key); it != known.end()) return it->second;

    const size_t bytes = (size_t) (K * m * 6 + K * n * 12 + 4 * m * n) * sizeof(float) + 16 * ggml_tensor_overhead() + ggml_graph_overhead() + (1 << 20);
    ggml_init_params params = { bytes, nullptr, false };
    ggml_context * ctx = ggml_init(params);
    ggml_tensor * wf = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, K, m);
    ggml_tensor * x = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, K, n);
    uint64_t state = 0x2545F4914F6CDD1Dull;
    for (ggml_tensor * t : { wf, x }) {
        float * d = (float *) t->data;
        for (int64_t i = 0; i < ggml_nelements(t); i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            d[i] = (float) ((double) (state >> 11) / 9007199254740992.0 - 0.5) * (float) (1 + (state >> 5) % 7);
        }
    }
    ggml_tensor * w = ggml_new_tensor_2d(ctx, GGML_TYPE_Q8_0, K, m);
    ggml_quantize_chunk(GGML_TYPE_Q8_0, (const float *) wf->data, w->data, 0, m, K, nullptr);
    ggml_tensor * ref = ggml_mul_mat(ctx, w, x);
    ggml_cgraph * gf = ggml_new_graph(ctx);
    ggml_build_forward_expand(gf, ref);
    ggml_graph_compute_with_ctx(ctx, gf, 1);
    ggml_tensor * packed = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_pairs(n) * (K / QK) * (int64_t) (sizeof(pair_block) / sizeof(int32_t)));
    packed->src[0] = x;
    pack_compute(packed, 0, 1, nullptr);
    ggml_tensor * out = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, m, n);
    out->src[0] = w;
    out->src[1] = packed;
    gemm_compute(out, 0, 1, nullptr);
    const bool same = std::memcmp(out->data, ref->data, ggml_nbytes(ref)) == 0;
    ggml_free(ctx);
    known[key] = same;
    return same;
}

}  // namespace

int q8_0_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf) {
    int changed = 0;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (!candidate(node) || !probe_matches(node->src[0]->ne[0], node->src[0]->ne[1], node->src[1]->ne[1])) continue;
        ggml_tensor * args[2] = { node->src[0], pack_node(ctx, node->src[1]) };
        const ggml_tensor * op = ggml_custom_4d(ctx, GGML_TYPE_F32, node->ne[0], node->ne[1], node->ne[2], node->ne[3], args, 2,
                                                gemm_compute, GGML_N_TASKS_MAX, nullptr);
        node->op = op->op;
        std::memcpy(node->op_params, op->op_params, sizeof(node->op_params));
        node->src[1] = args[1];
        changed++;
    }
    return changed;
}

#else

int q8_0_matmul_rewrite(ggml_context *, ggml_cgraph *) { return 0; }

#endif

}  // namespace pl
