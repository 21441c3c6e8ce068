// The attention of the training graph on the CPU, where the attention mask leaves its products (causal: about half)
// exact zeros. From the mask a custom op derives per sequence the hull R(q) of each query row's unmasked keys and the
// hull C(k) of the queries that see each key. Then:
//   - softmax(K·Q · scale + mask) is one op that computes only the scores inside R(q): K·Q with tinyBLAS's arithmetic
//     (16-lane FMA sums along k from zero, then _mm512_reduce_add_ps' tree), then ggml's SOFT_MAX on them (its
//     vector exp, its double sum per 16 values); the probabilities outside, ggml's e^-inf, are written as 0;
//   - probabilities·V (MUL_MAT of the softmax) sums, as tinyBLAS, only over the 16-key steps that meet R(q);
//   - the softmax's backward takes its incoming gradient (an OUT_PROD of V and the output's gradient) into one op:
//     that product as the OUT_PROD GEMM sums it, then ggml's SOFT_MAX_BACK on it (dot as ggml_vec_dot_f32), both over
//     R(q) only (with T a multiple of 64; otherwise that OUT_PROD skips outside R(q) and ggml's op stays);
//   - the OUT_PRODs of dK, dQ and dV run on the OUT_PROD GEMM with the matching skip (pl_out_prod.h).
// A probe per shape checks each fused op against the ops it replaces first. Skipped terms are exact zeros, so the
// loss, the logits and every gradient keep their bits (a test compares them with and without these kernels).
// PERSIAN_LORA_TRAINER_ATTENTION=0 in the environment turns them off.
#pragma once

#include "pl_out_prod.h"

#include "ggml.h"

#include <unordered_map>

namespace pl {

struct attention_plan {
    ggml_tensor * ranges = nullptr;                                  // the mask's ranges, a root the graph must hold
    int           products = 0;                                      // forward ops rewritten
    std::unordered_map<const ggml_tensor *, out_prod_plan> out_prods; // the backward OUT_PRODs and their skips
};

// Rewrites the attention products of `gf` (CPU backend, AVX-512 builds; otherwise an empty plan). Rebuild the graph
// with plan.ranges as a root when plan.ranges is set, then hand plan.out_prods to out_prod_gemm_rewrite.
attention_plan attention_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
