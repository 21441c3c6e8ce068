// Graph rewrites for devices that lack ops of the training graph: each such node is turned, in place, into a
// composition of ops that both the CUDA and the Metal backends run (ggml-cuda.cu's and ggml-metal-device.m's
// supports_op), so a training graph never needs a CPU fallback. Also the op inventory of a graph.
//
// Rewrites (node -> what it becomes; srcs as ggml's backward builds them):
//   OUT_PROD(a, b)                 -> MUL_MAT(cont(aᵀ), cont(bᵀ)) (bᵀ = its source when b is a transposed view;
//                                     a non-F32 a is first made F32 with portable_f32)
//   RMS_NORM_BACK(dy, x)           -> (dy - y·mean(dy⊙y)) / rms, rms = sqrt(mean(x²) + eps), y = x / rms
//   SOFT_MAX_BACK(dy, y)           -> scale · y ⊙ (dy - sum_rows(dy⊙y))
//   CROSS_ENTROPY_LOSS(z, t)       -> -(1/rows) · sum(log(clamp(soft_max(z) at the labels, FLT_MIN, 1)))
//   CROSS_ENTROPY_LOSS_BACK(g,z,t) -> (soft_max(z) - t) ⊙ g / rows, t as p - 1 written at the labels (SET_ROWS)
//     (both with the labels as an I32 input [1, n], so the [V, n] one-hot leaves the graph; rewritten on every
//     device but the CPU, even where the device runs them; with train_inputs::row_weighted each row's term is
//     multiplied by its weight, an F32 input [1, n])
//   GET_ROWS_BACK(g, ids)          -> MUL_MAT(cont(gᵀ), one-hot of ids) (an F32 input filled from the ids' host data)
//   REPEAT_BACK(a)                 -> CONT of the tiles summed per repeated dimension (permute, cont, SUM_ROWS)
//   an element-wise op on a strided source (CUDA wants contiguous sources) -> the same op on cont(source)
#pragma once

#include "pl_train_graph.h"

#include <string>
#include <vector>

namespace pl {

// `w` (a 2-D tensor in any stored type) as F32 on `dev`: a CPY when the device runs that copy and not `force`,
// else GET_ROWS(w, 0..rows-1) (GET_ROWS reads every quant type on CUDA and Metal; CPY from K-quants does not).
ggml_tensor * portable_f32(ggml_context * ctx, ggml_tensor * w, ggml_backend_dev_t dev, bool force, train_inputs & in);

// Rewrites in place every node of `gf` that `dev` does not support, or with `force` every node a rewrite applies
// to, and the cross-entropy off the CPU; returns how many nodes changed. New nodes are not in `gf`: rebuild the graph from its outputs afterwards.
// Inputs the rewrites need are added to in.extras (train_inputs_set fills them).
int portable_rewrite(ggml_context * ctx, ggml_cgraph * gf, ggml_backend_dev_t dev, bool force, train_inputs & in);

// One line of a graph's op inventory: nodes with the same op, result type and source types/layouts.
struct op_entry {
    std::string              op;       // ggml_op_desc: "MUL_MAT", "NEG", "SWIGLU", ...
    std::string              type;     // result type, e.g. "f32"
    std::vector<std::string> srcs;     // type of each source
    std::vector<std::string> layouts;  // per source: "contiguous", "rows" (nb[0] = the type size) or "strided"
    int64_t                  count = 0;
    bool                     supported = true;  // ggml_backend_dev_supports_op on the inventory's device
};

// The inventory of `gf` on `dev`, merged into `into` (so several graphs can be listed together).
void graph_ops(const ggml_cgraph * gf, ggml_backend_dev_t dev, std::vector<op_entry> & into);

// "OUT_PROD(q4_K, f32)".
std::string op_signature(const op_entry & e);

// The unsupported entries as "OUT_PROD(q4_K, f32) x14, ..."; empty when the device runs everything.
std::string unsupported_ops(const std::vector<op_entry> & ops);

}  // namespace pl
