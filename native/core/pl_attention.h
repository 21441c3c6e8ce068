// The attention products of the training graph on the CPU, where the attention mask leaves them (causal: about half)
// exact zeros. From the mask a custom op derives per sequence the hull R(q) of each query row's unmasked keys and the
// hull C(k) of the queries that see each key. Then:
//   - K·Q (MUL_MAT into SOFT_MAX) computes only the scores inside R(q) and writes 0 elsewhere, where the mask's -inf
//     sets them to -inf anyway; its only reader is that SOFT_MAX;
//   - probabilities·V (MUL_MAT of SOFT_MAX) sums only over keys in R(q), whose probabilities are exact zeros elsewhere;
//   - the four OUT_PRODs of their backward run on the OUT_PROD GEMM with the matching skip (pl_out_prod.h).
// The two forward products keep tinyBLAS's arithmetic (16-lane FMA sums along k from zero, then _mm512_reduce_add_ps'
// tree); a probe per shape checks bit-equality with ggml's MUL_MAT first. Skipped terms are exact zeros, so the loss,
// the logits and every gradient keep their bits (a test compares them with and without these kernels).
// PERSIAN_LORA_TRAINER_ATTENTION=0 in the environment turns them off.
#pragma once

#include "pl_out_prod.h"

#include "ggml.h"

#include <unordered_map>

namespace pl {

struct attention_plan {
    ggml_tensor * ranges = nullptr;                                  // the mask's ranges, a root the graph must hold
    int           products = 0;                                      // forward products rewritten
    std::unordered_map<const ggml_tensor *, out_prod_plan> out_prods; // the backward OUT_PRODs and their skips
};

// Rewrites the attention products of `gf` (CPU backend, AVX-512 builds; otherwise an empty plan). Rebuild the graph
// with plan.ranges as a root when plan.ranges is set, then hand plan.out_prods to out_prod_gemm_rewrite.
attention_plan attention_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
