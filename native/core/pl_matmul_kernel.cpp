// Candidate check, bitwise probe and graph rewrite shared by the quantized MUL_MAT kernels (see pl_matmul_kernel.h).
#include "pl_matmul_kernel.h"
#include "pl_graph_rewrite.h"

#include "ggml-cpu.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

namespace pl {

bool matmul_kernel_candidate(const matmul_kernel & k, const ggml_tensor * node) {
    if (node->op != GGML_OP_MUL_MAT || node->type != GGML_TYPE_F32 || !ggml_is_contiguous(node)) return false;
    const ggml_tensor * w = node->src[0], * x = node->src[1];
    return w->type == k.weight_type && w->ne[0] % k.block == 0 && w->ne[1] % k.row_multiple == 0 && ggml_is_contiguous(w) && w->ne[2] == 1 && w->ne[3] == 1 &&
           x->type == GGML_TYPE_F32 && ggml_is_contiguous(x) && x->ne[1] >= 2 && x->ne[2] == 1 && x->ne[3] == 1;
}

bool matmul_kernel_matches(const matmul_kernel & k, int64_t K, int64_t M, int64_t N) {
    static std::mutex mutex;
    static std::map<std::tuple<int, int64_t, int64_t, int64_t>, bool> known;
    const int64_t m = M <= 67 ? M : 67 / k.row_multiple * k.row_multiple, n = std::min<int64_t>(N, 9);
    std::lock_guard<std::mutex> lock(mutex);
    const auto key = std::make_tuple((int) k.weight_type, K, m, n);
    if (auto it = known.find(key); it != known.end()) return it->second;

    const size_t bytes = (size_t) (K * m * 6 + K * n * 6 + 4 * m * n) * sizeof(float) + (size_t) k.packed_words(K, n) * sizeof(int32_t) +
                         16 * ggml_tensor_overhead() + ggml_graph_overhead() + (1 << 20);
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
    ggml_tensor * w = ggml_new_tensor_2d(ctx, k.weight_type, K, m);
    ggml_quantize_chunk(k.weight_type, (const float *) wf->data, w->data, 0, m, K, nullptr);
    ggml_tensor * ref = ggml_mul_mat(ctx, w, x);
    ggml_cgraph * gf = ggml_new_graph(ctx);
    ggml_build_forward_expand(gf, ref);
    ggml_graph_compute_with_ctx(ctx, gf, 1);
    ggml_tensor * packed = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, k.packed_words(K, n));
    packed->src[0] = x;
    k.pack(packed, 0, 1, nullptr);
    ggml_tensor * out = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, m, n);
    out->src[0] = w;
    out->src[1] = packed;
    k.gemm(out, 0, 1, nullptr);
    const bool same = std::memcmp(out->data, ref->data, ggml_nbytes(ref)) == 0;
    ggml_free(ctx);
    known[key] = same;
    return same;
}

int matmul_kernel_rewrite(const matmul_kernel & k, ggml_context * ctx, ggml_cgraph * gf) {
    int changed = 0;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (!matmul_kernel_candidate(k, node) || !matmul_kernel_matches(k, node->src[0]->ne[0], node->src[0]->ne[1], node->src[1]->ne[1])) continue;
        ggml_tensor * pack_args[1] = { node->src[1] };
        ggml_tensor * packed = ggml_custom_4d(ctx, GGML_TYPE_I32, k.packed_words(node->src[1]->ne[0], node->src[1]->ne[1]), 1, 1, 1,
                                              pack_args, 1, k.pack, GGML_N_TASKS_MAX, nullptr);
        make_custom_op(ctx, node, { node->src[0], packed }, k.gemm);
        changed++;
    }
    return changed;
}

}  // namespace pl
