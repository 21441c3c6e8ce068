// Helpers shared by the trainer's graph rewrites (pl_matmul_kernel, pl_short_k_matmul, pl_out_prod, pl_attention,
// pl_cross_entropy): who reads a tensor, and turning a node into a ggml custom op in place.
#pragma once

#include "ggml.h"

#include <initializer_list>
#include <unordered_map>

namespace pl {

// How many nodes of `gf` read each tensor, as a source or through a view.
std::unordered_map<const ggml_tensor *, int> graph_readers(ggml_cgraph * gf);

// Whether `t` has exactly one reader in `readers` and is not a graph output (a rewrite may then change its contents
// where that reader ignores them, or drop it).
bool read_once(const std::unordered_map<const ggml_tensor *, int> & readers, const ggml_tensor * t);

// Turns `node` in place into the custom op `fun` over `args` (at most GGML_MAX_SRC), keeping its type and shape;
// sources past `args` are cleared. Its readers keep pointing at it.
void make_custom_op(ggml_context * ctx, ggml_tensor * node, std::initializer_list<ggml_tensor *> args, ggml_custom_op_t fun,
                    void * userdata = nullptr);

}  // namespace pl
