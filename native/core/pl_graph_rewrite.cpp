// Graph-rewrite helpers (see pl_graph_rewrite.h).
#include "pl_graph_rewrite.h"

#include <cstring>

namespace pl {

std::unordered_map<const ggml_tensor *, int> graph_readers(ggml_cgraph * gf) {
    std::unordered_map<const ggml_tensor *, int> readers;
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        const ggml_tensor * node = ggml_graph_node(gf, i);
        for (const ggml_tensor * s : node->src) if (s) readers[s]++;
        if (node->view_src) readers[node->view_src]++;
    }
    return readers;
}

bool read_once(const std::unordered_map<const ggml_tensor *, int> & readers, const ggml_tensor * t) {
    const auto it = readers.find(t);
    return it != readers.end() && it->second == 1 && !(t->flags & GGML_TENSOR_FLAG_OUTPUT);
}

void make_custom_op(ggml_context * ctx, ggml_tensor * node, std::initializer_list<ggml_tensor *> args, ggml_custom_op_t fun, void * userdata) {
    ggml_tensor * srcs[GGML_MAX_SRC] = {};
    int n = 0;
    for (ggml_tensor * a : args) srcs[n++] = a;
    const ggml_tensor * op = ggml_custom_4d(ctx, node->type, node->ne[0], node->ne[1], node->ne[2], node->ne[3], srcs, n, fun,
                                            GGML_N_TASKS_MAX, userdata);
    node->op = op->op;
    std::memcpy(node->op_params, op->op_params, sizeof(node->op_params));
    for (int i = 0; i < GGML_MAX_SRC; i++) node->src[i] = srcs[i];
}

}  // namespace pl
