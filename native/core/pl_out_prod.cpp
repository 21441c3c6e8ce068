// OUT_PROD as a packed GEMM on the CPU (see pl_out_prod.h).
//
// In GEMM terms, for one (i2, i3) slice: C[j][i] = Σ_k P[j][k] · Q[k][i], with C = dst (row j contiguous in i),
// Q[k] = row k of a (dequantized), P[j][k] = b[j, k] at any strides. The output is cut into tiles of JB × IB;
// a thread owns whole tiles. Per tile and per block of KC values of k, Q is packed into NR-wide column panels and P
// into MR-tall row panels, then an MR × NR register tile of C is accumulated per panel pair (BLIS-style).
// The body is pl_out_prod_gemm.inc, compiled here for the build's own flags and in pl_out_prod_<isa>.cpp for each
// x86-64 tier; the node's op is the best tier this CPU runs (pl_cpu_features.h).
#include "pl_out_prod.h"
#include "pl_out_prod_tiers.h"
#include "pl_graph_rewrite.h"
#include "pl_amx.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "pl_cpu_features.h"

#if PL_AVX2
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

PL_INTRINSICS_BEGIN
#include "pl_panel.h"

namespace pl {

namespace out_prod_base {
#include "pl_out_prod_gemm.inc"
}  // namespace out_prod_base
PL_INTRINSICS_END

namespace {

// The best tier of the GEMM for this CPU, and whether it has the BF16 micro-kernel.
struct gemm_tier { ggml_custom_op_t compute; bool bf16; };

gemm_tier best_tier() {
#if PL_CPU_DISPATCH
    if (cpu().avx512_bf16) return { out_prod_avx512_bf16::compute, true };
    if (cpu().avx512) return { out_prod_avx512::compute, false };
    if (cpu().avx2) return { out_prod_avx2::compute, false };
    return { out_prod_base::compute, false };
#elif PL_AVX512_BF16
    return { out_prod_base::compute, true };
#else
    return { out_prod_base::compute, false };
#endif
}

const gemm_tier & tier() {
    static const gemm_tier t = best_tier();
    return t;
}

}  // namespace

bool out_prod_gemm_supported(const ggml_tensor * a, const ggml_tensor * b) {
    if (b->type != GGML_TYPE_F32 || a->nb[0] != ggml_type_size(a->type)) return false;
    if (a->type != GGML_TYPE_F32 && (ggml_get_type_traits(a->type)->to_float == nullptr || a->ne[0] % ggml_blck_size(a->type) != 0)) return false;
    return true;
}

bool out_prod_gemm_bf16_available() { return tier().bf16; }

int out_prod_gemm_rewrite(ggml_context * ctx, ggml_cgraph * gf, const std::function<out_prod_plan(const ggml_tensor *)> & plan) {
    int changed = 0;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op != GGML_OP_OUT_PROD || node->type != GGML_TYPE_F32 || !ggml_is_contiguous(node) ||
            !out_prod_gemm_supported(node->src[0], node->src[1])) {
            continue;
        }
        out_prod_plan p = plan ? plan(node) : out_prod_plan{};
        if (!tier().bf16) p.bf16 = false;
        if (p.bf16 || !p.ranges) p.skip = SKIP_NONE;
        const out_prod_tiers::gemm_config * config = p.bf16 ? &out_prod_tiers::configs[5] : &out_prod_tiers::configs[p.skip];
        if (p.skip == SKIP_NONE) make_custom_op(ctx, node, { node->src[0], node->src[1] }, tier().compute, (void *) config);
        else make_custom_op(ctx, node, { node->src[0], node->src[1], p.ranges }, tier().compute, (void *) config);
        changed++;
    }
    return changed;
}

}  // namespace pl
