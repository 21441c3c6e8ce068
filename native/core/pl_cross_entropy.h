// Cross-entropy on the CPU with ggml custom ops.
// - CROSS_ENTROPY_LOSS: ggml's kernel calls libm's scalar expf once per logit (a 32,000-word vocabulary: 16 M calls for
//   512 targets, 4 % of a training step); this one computes each row's log-sum-exp 16 lanes at a time, summed in
//   double, and the same loss, -(1/rows) · Σ_rows Σ_i t_i · (z_i - max - log Σ_j exp(z_j - max)). Not ggml's bits:
//   within 1e-7 relative of them.
// - CROSS_ENTROPY_LOSS_BACK: ggml's arithmetic exactly (its vector exp and sums, a probe checks bit-equality per row
//   length), fused into one pass per row instead of five over the whole tensor.
#pragma once

#include "ggml.h"

namespace pl {

// Rewrites every F32 CROSS_ENTROPY_LOSS of `gf` into a per-row node and a sum, and every CROSS_ENTROPY_LOSS_BACK
// the probe passes into the fused op (CPU backend only); returns how many nodes changed. The per-row nodes are new:
// rebuild the graph when > 0. Does nothing (returns 0) on a CPU without AVX-512 (pl_cpu_features.h).
int cross_entropy_rewrite(ggml_context * ctx, ggml_cgraph * gf);

}  // namespace pl
