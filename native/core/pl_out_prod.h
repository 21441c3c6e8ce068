// OUT_PROD on the CPU as a packed GEMM (a ggml custom op). ggml's autodiff sends every gradient of a product through
// OUT_PROD, and its CPU kernel is a row-by-row multiply-add that re-dequantizes a quantized first source for every
// output row; this one runs the same product, dst[i, j] = Σ_k a[i, k] · b[j, k] (broadcast over dims 2 and 3 as ggml's),
// as C = P·Q with Q = a's rows dequantized once per tile into F32 panels and P = b gathered from any strides, on a
// register-blocked FMA micro-kernel. Each output element is summed by one thread in k order, so results do not
// depend on the thread count.
#pragma once

#include "ggml.h"

namespace pl {

// True when out_prod(a, b) can run on the GEMM: a of a type ggml can dequantize, with contiguous rows; b F32.
bool out_prod_gemm_supported(const ggml_tensor * a, const ggml_tensor * b);

// Rewrites in place every supported OUT_PROD node of `gf` into the GEMM custom op (CPU backend only); returns how
// many nodes changed. Sources and shapes stay as they were, so the graph needs no rebuild.
int out_prod_gemm_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
