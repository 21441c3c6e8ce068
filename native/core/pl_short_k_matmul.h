// MUL_MAT with few summed values on the CPU (a ggml custom op): LoRA's B·u sums over K = rank values per output.
// ggml runs it as one vec_dot call per output element (its tiled GEMM wants K a multiple of the vector width), and the
// call costs more than the 8 or 16 products. This kernel keeps ggml's arithmetic exactly: per output, from +0, the
// first `n_mul_add` products are rounded and added in k order, the rest fused (what the compiled vec_dot leftover
// loop does); it vectorises across output rows instead of along k. A probe per shape checks on random data that the
// result is bitwise ggml's (the split depends on the compiler and the CPU) and leaves ggml's op where it is not.
// LoRA's forward adds the product, scaled, to the base projection: y + s·(B·u) takes three passes over [out, N] in
// ggml (MUL_MAT, SCALE, ADD); the fused form computes each output's product and then, as ggml, rounds s times it and
// rounds its sum with y, in one pass.
#pragma once

#include "ggml.h"

namespace pl {

// Rewrites in place every F32 MUL_MAT of `gf` whose product this kernel reproduces bitwise (CPU backend only);
// returns how many nodes changed. Sources and shapes stay as they were.
int short_k_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf);

// Rewrites in place every ADD(y, SCALE(MUL_MAT(B, u), s)) of `gf` whose product the kernel reproduces and whose
// product and scaling have no other reader into the fused op; returns how many changed. The product and scale nodes
// are left unread: rebuild the graph when > 0 (before short_k_matmul_rewrite, which takes the remaining products).
int short_k_lora_add_rewrite(ggml_context * ctx, ggml_cgraph * gf);

// Rewrites in place every LoRA dropout mask of `gf` (pl_dropout.h: STEP(SCALE_BIAS(h − FLOOR(h), −1, t)) over the
// product h = MUL_MAT(R, C)) into one pass of this kernel over R and C; returns how many changed. The product and
// its element-wise ops are left unread: rebuild the graph when > 0.
int short_k_dropout_mask_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
