// Shared plumbing of the trainer's quantized MUL_MAT kernels (pl_q8_matmul, pl_kquant_matmul): a kernel is a pair of
// ggml custom ops, a packing node over the F32 activations and the product of the weight by that packing; a probe per
// shape checks on random data that the pair gives ggml's MUL_MAT bit for bit before a graph node is handed to it.
#pragma once

#include "ggml.h"

#include <cstdint>

namespace pl {

struct matmul_kernel {
    ggml_type        weight_type;
    ggml_custom_op_t pack;                            // dst (I32 words) = the packed activations src[0] [K, N]
    ggml_custom_op_t gemm;                            // dst [M, N] F32 = src[0] (weight [K, M]) × src[1] (the packing)
    int64_t       (* packed_words)(int64_t K, int64_t N);
    int64_t          block;                           // K must be a multiple of this (the weight type's block size)
    int64_t          row_multiple;                    // M must be a multiple of this (where ggml's kernel choice needs it)
};

// Whether `node` is a MUL_MAT the kernel takes: a contiguous 2-D weight of its type and shape multiples, contiguous 2-D
// F32 activations of at least 2 tokens, an F32 contiguous result.
bool matmul_kernel_candidate(const matmul_kernel & k, const ggml_tensor * node);

// Whether the kernel gives ggml's MUL_MAT bitwise for a weight [K, M] and activations [K, N] on this build, on random
// data of min(M, 67) rows (rounded down to the row multiple) and min(N, 9) tokens (ggml's kernel choice for these types
// does not depend on M beyond that multiple, nor on N beyond N < 2; odd sizes reach the edge tiles). Memoised per
// weight type and shape.
bool matmul_kernel_matches(const matmul_kernel & k, int64_t K, int64_t M, int64_t N);

// Rewrites every candidate MUL_MAT of `gf` that the probe passes into the packing node and the product; returns how
// many products changed. The packing nodes are new: rebuild the graph when > 0.
int matmul_kernel_rewrite(const matmul_kernel & k, ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
