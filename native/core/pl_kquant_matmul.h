// MUL_MAT of a Q4_K or Q6_K weight by F32 activations on AVX-512 VNNI (a pair of ggml custom ops, CPU only).
//
// ggml quantizes the activations to Q8_K and runs one 256-bit dot product per weight row and token, unpacking the
// row's nibbles and scales again for every token. This kernel keeps that arithmetic exactly: the same Q8_K activations
// from ggml's own quantizer, the same exact integer sums per super-block and lane (scale × 4-value products, Q4_K's
// min term from the block sums, Q6_K's -32 offset from them), the same fused multiply-add per super-block and lane of
// d_x·fp16(d_w), the same final sums. It unpacks each weight super-block once for several tokens, and holds two tokens'
// lanes in each 512-bit vector (one vpmaddubsw and one vpdpwssd per 64 products). Every output element is summed by
// one thread, so the result is bitwise ggml's; a probe per shape checks that and leaves ggml's op where it is not so.
#pragma once

#include "ggml.h"

namespace pl {

// Rewrites every such MUL_MAT of `gf` into a packing node (the Q8_K activations, pairs of tokens interleaved) and the
// product; returns how many products changed. The packing nodes are new: rebuild the graph when > 0. Does nothing
// (returns 0) on a CPU without AVX-512 BW and VNNI (pl_cpu_features.h).
int kquant_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
