// MUL_MAT of an F16 weight by F32 activations on AVX-512 (a pair of ggml custom ops, CPU only).
//
// ggml rounds the activations to F16 and runs llamafile's tinyBLAS, which converts both operands from F16 again in
// every step of its inner loop (two conversions for every four fused multiply-adds), for each output a 16-lane
// fused multiply-add over k in steps of 16 and one horizontal sum. This kernel keeps that arithmetic exactly (the
// activations rounded by ggml's own F16 converter, the same lane sums in the same order, the same horizontal sum) on
// operands converted once: the activations when packed, each block of weight rows once for all tokens. A probe per
// shape checks that the result is bitwise ggml's and leaves ggml's op where it is not so.
#pragma once

#include "ggml.h"

namespace pl {

// Rewrites every such MUL_MAT of `gf` into a packing node (the activations rounded through F16, as F32) and the
// product; returns how many products changed. The packing nodes are new: rebuild the graph when > 0. Does nothing
// (returns 0) on a CPU without AVX-512 (pl_cpu_features.h).
int f16_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
