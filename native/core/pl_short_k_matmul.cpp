// Short-K MUL_MAT on the CPU (see pl_short_k_matmul.h). Built with -ffp-contract=off (CMakeLists.txt): the rounded
// multiply-then-add steps must stay two operations.
#include "pl_short_k_matmul.h"
#include "pl_graph_rewrite.h"

#include "ggml-cpu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

namespace pl {
namespace {

constexpr int64_t MAX_K = 64;    // longer sums go to ggml's tiled GEMM anyway
constexpr int64_t ROWS  = 64;    // output rows (dst elements along dim 0) per block, vectorised

// The fused form's settings (static storage: a custom op's userdata outlives its graph).
struct lora_add {
    int64_t n_mul_add;
    float   scale;
};

// dst[i, j] = Σ_k a[i, k] · b[j, k] for 2-D F32 a [K, M], b [K, N] with contiguous rows; n_mul_add in userdata.
// With `add` (the fused form), dst[i, j] = src[2][i, j] + scale · that sum instead; with `threshold` (a dropout
// mask, pl_dropout.h), 1 where the sum's fractional part is below *threshold, else 0.
void short_k_run(ggml_tensor * dst, int ith, int nth, int64_t n_mul_add, const lora_add * add, const float * threshold = nullptr) {
    const ggml_tensor * a = dst->src[0], * b = dst->src[1], * addend = add ? dst->src[2] : nullptr;
    const int64_t K = a->ne[0], M = a->ne[1], N = b->ne[1];
    float at[MAX_K * ROWS];      // a's block transposed: at[k][r]
    float s[ROWS];
    for (int64_t i0 = ith * ROWS; i0 < M; i0 += nth * ROWS) {
        const int64_t rows = std::min(ROWS, M - i0);
        for (int64_t r = 0; r < rows; r++) {
            const float * row = (const float *) ((const char *) a->data + (i0 + r) * a->nb[1]);
            for (int64_t k = 0; k < K; k++) at[k * ROWS + r] = row[k];
        }
        for (int64_t j = 0; j < N; j++) {
            const float * y = (const float *) ((const char *) b->data + j * b->nb[1]);
            for (int64_t r = 0; r < ROWS; r++) s[r] = 0.0f;
            for (int64_t k = 0; k < n_mul_add; k++) {
                const float yk = y[k], * x = at + k * ROWS;
                for (int64_t r = 0; r < ROWS; r++) s[r] = s[r] + x[r] * yk;
            }
            for (int64_t k = n_mul_add; k < K; k++) {
                const float yk = y[k], * x = at + k * ROWS;
                for (int64_t r = 0; r < ROWS; r++) s[r] = std::fma(x[r], yk, s[r]);
            }
            float * out = (float *) ((char *) dst->data + j * dst->nb[1]) + i0;
            if (threshold) {   // STEP(SCALE_BIAS(h - FLOOR(h), -1, t)): exact, every value a multiple of 1/2048
                for (int64_t r = 0; r < rows; r++) out[r] = *threshold - (s[r] - std::floor(s[r])) > 0.0f ? 1.0f : 0.0f;
                continue;
            }
            if (!addend) {
                std::memcpy(out, s, (size_t) rows * sizeof(float));
                continue;
            }
            const float * yr = (const float *) ((const char *) addend->data + j * addend->nb[1]) + i0;
            for (int64_t r = 0; r < rows; r++) out[r] = yr[r] + s[r] * add->scale;   // SCALE, then ADD: two roundings
        }
    }
}

void short_k_compute(ggml_tensor * dst, int ith, int nth, void * userdata) {
    short_k_run(dst, ith, nth, (int64_t) (intptr_t) userdata, nullptr);
}

void lora_add_compute(ggml_tensor * dst, int ith, int nth, void * userdata) {
    const lora_add * add = (const lora_add *) userdata;
    short_k_run(dst, ith, nth, add->n_mul_add, add);
}

// The sums of a dropout mask are integers over 1024 below 2^14: exact in any order, so no split is probed.
void dropout_mask_compute(ggml_tensor * dst, int ith, int nth, void * userdata) {
    short_k_run(dst, ith, nth, 0, nullptr, (const float *) userdata);
}

bool candidate(const ggml_tensor * node) {
    const ggml_tensor * a = node->src[0], * b = node->src[1];
    return node->op == GGML_OP_MUL_MAT && node->type == GGML_TYPE_F32 && a->type == GGML_TYPE_F32 &&
           b->type == GGML_TYPE_F32 && a->ne[0] <= MAX_K && ggml_is_contiguous(a) && ggml_is_contiguous(b) &&
           ggml_is_contiguous(node) && a->ne[2] == 1 && a->ne[3] == 1 && b->ne[2] == 1 && b->ne[3] == 1;
}

// How many leading products ggml's own MUL_MAT rounds before adding, for a [K, M] × [K, N] product on this build:
// the split under which this kernel matches ggml bitwise on random data, or -1 when none does. N only matters to
// ggml's choice of kernel through N < 2, so the probe uses min(N, 8) columns.
int64_t probe_mul_add_split(int64_t K, int64_t M, int64_t N) {
    static std::mutex mutex;
    static std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> known;
    const int64_t n = std::min<int64_t>(N, 8);
    std::lock_guard<std::mutex> lock(mutex);
    const auto key = std::make_tuple(K, M, n);
    if (auto it = known.find(key); it != known.end()) return it->second;

    const size_t bytes = (size_t) (K * M + K * n + 2 * M * n) * sizeof(float) + 8 * ggml_tensor_overhead() + ggml_graph_overhead() + 65536;
    ggml_init_params params = { bytes, nullptr, false };
    ggml_context * ctx = ggml_init(params);
    ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, K, M);
    ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, K, n);
    uint64_t state = 0x9E3779B97F4A7C15ull;
    for (ggml_tensor * t : { a, b }) {
        float * d = (float *) t->data;
        for (int64_t i = 0; i < ggml_nelements(t); i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            const double u = (double) (state >> 11) / 9007199254740992.0;    // [0, 1)
            d[i] = (float) ((u - 0.5) * std::ldexp(1.0, (int) ((state >> 3) % 9) - 4));  // signs and a spread of scales
        }
    }
    ggml_tensor * ref = ggml_mul_mat(ctx, a, b);
    ggml_cgraph * gf = ggml_new_graph(ctx);
    ggml_build_forward_expand(gf, ref);
    ggml_graph_compute_with_ctx(ctx, gf, 1);
    ggml_tensor * out = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, M, n);
    out->src[0] = a;
    out->src[1] = b;
    int64_t found = -1;
    const int64_t splits[] = { K / 8 * 8, K / 16 * 16, K / 4 * 4, 0, K };
    for (int64_t split : splits) {
        short_k_compute(out, 0, 1, (void *) (intptr_t) split);
        if (std::memcmp(out->data, ref->data, ggml_nbytes(ref)) == 0) { found = split; break; }
    }
    ggml_free(ctx);
    known[key] = found;
    return found;
}

}  // namespace

int short_k_lora_add_rewrite(ggml_context * ctx, ggml_cgraph * gf) {
    static std::mutex mutex;
    static std::map<std::pair<int64_t, uint32_t>, lora_add> settings;
    const int n = ggml_graph_n_nodes(gf);
    const auto readers = graph_readers(gf);
    int changed = 0;
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op != GGML_OP_ADD || node->type != GGML_TYPE_F32 || !ggml_is_contiguous(node)) continue;
        for (int side = 0; side < 2; side++) {
            ggml_tensor * sc = node->src[side], * y = node->src[1 - side];
            if (sc->op != GGML_OP_SCALE || !read_once(readers, sc) || sc->type != GGML_TYPE_F32) continue;
            float params[2];
            std::memcpy(params, sc->op_params, sizeof(params));
            ggml_tensor * mm = sc->src[0];
            if (params[1] != 0.0f || !candidate(mm) || !read_once(readers, mm) || y->type != GGML_TYPE_F32 || !ggml_is_contiguous(y) ||
                !ggml_are_same_shape(y, node) || !ggml_are_same_shape(mm, node)) {
                continue;
            }
            const int64_t split = probe_mul_add_split(mm->src[0]->ne[0], mm->src[0]->ne[1], mm->src[1]->ne[1]);
            if (split < 0) continue;
            uint32_t bits;
            std::memcpy(&bits, &params[0], sizeof(bits));
            const lora_add * add;
            {
                std::lock_guard<std::mutex> lock(mutex);
                add = &settings.emplace(std::make_pair(split, bits), lora_add{ split, params[0] }).first->second;
            }
            make_custom_op(ctx, node, { mm->src[0], mm->src[1], y }, lora_add_compute, (void *) add);
            changed++;
            break;
        }
    }
    return changed;
}

int short_k_dropout_mask_rewrite(ggml_context * ctx, ggml_cgraph * gf) {
    static std::mutex mutex;
    static std::map<uint32_t, float> thresholds;   // userdata outlives the graph: one stored value per threshold
    int changed = 0;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op != GGML_OP_UNARY || ggml_get_unary_op(node) != GGML_UNARY_OP_STEP) continue;
        ggml_tensor * sc = node->src[0], * frac = sc->src[0];
        if (sc->op != GGML_OP_SCALE || !frac || frac->op != GGML_OP_SUB) continue;
        ggml_tensor * h = frac->src[0], * fl = frac->src[1];
        float params[2];
        std::memcpy(params, sc->op_params, sizeof(params));
        if (params[0] != -1.0f || fl->op != GGML_OP_UNARY || ggml_get_unary_op(fl) != GGML_UNARY_OP_FLOOR || fl->src[0] != h ||
            !candidate(h) || !ggml_are_same_shape(h, node) || !ggml_is_contiguous(node)) {
            continue;
        }
        uint32_t bits;
        std::memcpy(&bits, &params[1], sizeof(bits));
        const float * threshold;
        {
            std::lock_guard<std::mutex> lock(mutex);
            threshold = &thresholds.emplace(bits, params[1]).first->second;
        }
        make_custom_op(ctx, node, { h->src[0], h->src[1] }, dropout_mask_compute, (void *) threshold);
        changed++;
    }
    return changed;
}

int short_k_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf) {
    int changed = 0;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (!candidate(node)) continue;
        const int64_t split = probe_mul_add_split(node->src[0]->ne[0], node->src[0]->ne[1], node->src[1]->ne[1]);
        if (split < 0) continue;
        make_custom_op(ctx, node, { node->src[0], node->src[1] }, short_k_compute, (void *) (intptr_t) split);
        changed++;
    }
    return changed;
}

}  // namespace pl
