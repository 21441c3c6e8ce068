// MUL_MAT of a Q8_0 weight by F32 activations on AVX-512 VNNI (a pair of ggml custom ops, CPU only).
//
// ggml quantizes the activations to Q8_0 and runs llamafile's tinyBLAS on 256-bit vectors, which spends two sign
// flips, a shuffle and a conversion around every 32-value integer dot product. This kernel keeps that arithmetic
// exactly (the same Q8_0 activations from ggml's own quantizer, the same exact integer block sums, the same
// fused multiply-add per block and lane of fp16(d_w)·fp16(d_x), the same final 8-lane sum), on 512-bit vectors
// that hold two tokens' lanes: activations offset by +128 turn the signed product into one unsigned VNNI dot whose
// offset is pre-subtracted. Every output element is summed by one thread, so the result is bitwise ggml's; a probe
// per shape checks that on random data and leaves ggml's op where it is not so.
#pragma once

#include "ggml.h"

namespace pl {

// Rewrites every such MUL_MAT of `gf` into a packing node (the quantized activations, pairs of tokens interleaved)
// and the product; returns how many products changed. The packing nodes are new: rebuild the graph when > 0.
// Does nothing (returns 0) on a CPU without AVX-512 VNNI (pl_cpu_features.h).
int q8_0_matmul_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
