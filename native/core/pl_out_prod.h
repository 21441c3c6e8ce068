// OUT_PROD on the CPU as a packed GEMM (a ggml custom op). ggml's autodiff sends every gradient of a product through
// OUT_PROD, and its CPU kernel is a row-by-row multiply-add that re-dequantizes a quantized first source for every
// output row; this one runs the same product, dst[i, j] = Σ_k a[i, k] · b[j, k] (broadcast over dims 2 and 3 as ggml's),
// as C = P·Q with Q = a's rows dequantized once per tile into F32 panels and P = b gathered from any strides, on a
// register-blocked FMA micro-kernel. Each output element is summed by one thread in k order, so results do not
// depend on the thread count.
#pragma once

#include "ggml.h"

#include <functional>

namespace pl {

// True when out_prod(a, b) can run on the GEMM: a of a type ggml can dequantize, with contiguous rows; b F32.
bool out_prod_gemm_supported(const ggml_tensor * a, const ggml_tensor * b);

// True when this CPU runs the BF16 variant (AVX512_BF16): both operands rounded to BF16 (nearest even) per tile,
// products summed in F32 by the CPU's BF16 dot products, two values of k per step. Not ggml's numbers.
bool out_prod_gemm_bf16_available();

// Exact zeros of an attention product that the GEMM may skip, read from the attention mask's ranges (pl_attention.h:
// per query row q the hull R(q) of its unmasked keys, per key column k the hull C(k) of the queries that see it).
// Skipped products are exact zeros, so every computed output keeps its bits.
enum out_prod_skip {
    SKIP_NONE,
    SKIP_OUTPUT_R,     // dst[i, j] only for i in R(j); zero elsewhere (the probabilities' gradient)
    SKIP_K_ROW_R,      // Σ over k in R(j) only (b's zeros, row j a query)
    SKIP_K_ROW_C,      // Σ over k in C(j) only (b's zeros, row j a key)
    SKIP_K_COL_C,      // Σ over k in C(i) only (a's zeros, column i a key)
};

// How one OUT_PROD node runs: the BF16 variant (where the build has it), or the F32 GEMM with a skip and the ranges
// tensor it reads (src[2] of the custom op). The two are exclusive.
struct out_prod_plan {
    bool           bf16 = false;
    out_prod_skip  skip = SKIP_NONE;
    ggml_tensor *  ranges = nullptr;
};

// Rewrites in place every supported OUT_PROD node of `gf` into the GEMM custom op (CPU backend only), each as `plan`
// says (all F32 without skips when null). Returns how many nodes changed. The sources and shapes stay as they were and
// a ranges tensor is already computed by an earlier node, so the graph needs no rebuild.
int out_prod_gemm_rewrite(ggml_context * ctx, ggml_cgraph * gf, const std::function<out_prod_plan(const ggml_tensor *)> & plan = nullptr);

}  // namespace pl
