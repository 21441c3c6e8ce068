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

// True when this build has the BF16 variant (AVX512_BF16): both operands rounded to BF16 (nearest even) per tile,
// products summed in F32 by the CPU's BF16 dot products, two values of k per step. Not ggml's numbers.
bool out_prod_gemm_bf16_available();

// Rewrites in place every supported OUT_PROD node of `gf` into the GEMM custom op (CPU backend only); nodes for which
// `bf16` returns true take the BF16 variant when the build has it. Returns how many nodes changed. Sources and shapes
// stay as they were, so the graph needs no rebuild.
int out_prod_gemm_rewrite(ggml_context * ctx, ggml_cgraph * gf, const std::function<bool(const ggml_tensor *)> & bf16 = nullptr);

}  // namespace pl
