// The bitwise probe of the trainer's fused kernels (pl_attention, pl_cross_entropy): whether a kernel gives the ggml
// ops it replaces bit for bit on this build, on random data, before a graph node is handed to it.
#pragma once

#include "pl_out_prod.h"

#include "ggml.h"
#include "ggml-cpu.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

namespace pl {

// `build` makes the reference ops in a context of `bytes` (plus overheads) and returns their result with a function
// that runs the kernel (after ggml's graph, whose values it may read) and returns its output. The reference graph's
// OUT_PRODs run on the trainer's GEMM, as in training. With `signed_zeros` false, +0 and -0 count as equal (where a
// kernel writes +0 for a product with an exact zero). Memoised per key (one table per call site).
template <typename Key, typename Build>
bool probe_matches(const Key & key, size_t bytes, Build && build, bool signed_zeros = true) {
    static std::mutex mutex;
    static std::map<Key, bool> known;
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = known.find(key); it != known.end()) return it->second;
    ggml_init_params params = { bytes + 24 * ggml_tensor_overhead() + ggml_graph_overhead() + (1 << 20), nullptr, false };
    ggml_context * ctx = ggml_init(params);
    std::pair<ggml_tensor *, std::function<ggml_tensor *()>> made = build(ctx);
    ggml_tensor * ref = made.first;
    ggml_cgraph * gf = ggml_new_graph(ctx);
    ggml_build_forward_expand(gf, ref);
    out_prod_gemm_rewrite(ctx, gf);
    ggml_graph_compute_with_ctx(ctx, gf, 1);
    const ggml_tensor * out = made.second();
    bool same = true;
    const float * x = (const float *) out->data, * y = (const float *) ref->data;
    for (int64_t i = 0; i < ggml_nelements(ref) && same; i++)
        same = signed_zeros ? std::memcmp(x + i, y + i, sizeof(float)) == 0 : (x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])));
    ggml_free(ctx);
    known[key] = same;
    return same;
}

}  // namespace pl
