// MUL_MAT with few summed values on the CPU (a ggml custom op): LoRA's B·u sums over K = rank values per output.
// ggml runs it as one vec_dot call per output element (its tiled GEMM wants K a multiple of the vector width), and the
// call costs more than the 8 or 16 products. This kernel keeps ggml's arithmetic exactly: per output, from +0, the
// first `n_mul_add` products are rounded and added in k order, the rest fused (what the compiled vec_dot leftover
// loop does); it vectorises across output rows instead of along k. A probe per shape checks on random data that the
// result is bitwise ggml's (the split depends on the compiler and the CPU) and leaves ggml's op where it is not.
#pragma once

#include "ggml.h"

namespace pl {

// Rewrites in place every F32 MUL_MAT of `gf` whose product this kernel reproduces bitwise (CPU backend only);
// returns how many nodes changed. Sources and shapes stay as they were.
int short_k_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
