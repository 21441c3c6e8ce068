// Node-by-node graph timing for development (see pl_graph_profile.h).
#include "pl_graph_profile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace pl {

static int profile_level() {
    static const int level = [] {
        const char * v = std::getenv("PERSIAN_LORA_PROFILE");
        return v ? std::atoi(v) : 0;
    }();
    return level;
}

bool graph_profile_enabled() { return profile_level() > 0; }

static std::string shape(const ggml_tensor * t) {
    std::string s;
    for (int d = 0; d < GGML_MAX_DIMS && (d < 2 || t->ne[d] > 1); d++) s += (d ? "x" : "") + std::to_string(t->ne[d]);
    return s;
}

ggml_status graph_compute_profiled(ggml_backend_t backend, ggml_cgraph * gf) {
    struct entry { double ms = 0; int count = 0; };
    std::map<std::string, entry> table;
    double total = 0;
    ggml_init_params params = { ggml_graph_overhead_custom(1, false), nullptr, true };
    ggml_context * ctx = ggml_init(params);
    ggml_cgraph * one = ggml_new_graph_custom(ctx, 1, false);
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        ggml_graph_clear(one);
        ggml_graph_add_node(one, node);
        const auto t0 = std::chrono::steady_clock::now();
        const ggml_status status = ggml_backend_graph_compute(backend, one);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (status != GGML_STATUS_SUCCESS) {
            ggml_free(ctx);
            return status;
        }
        std::string label = ggml_op_desc(node);
        label += "(";
        for (int s = 0; s < GGML_MAX_SRC && node->src[s]; s++) {
            label += std::string(s ? ", " : "") + ggml_type_name(node->src[s]->type);
            if (profile_level() > 1) label += " " + shape(node->src[s]);
        }
        if (profile_level() > 1) label += " -> " + shape(node);
        label += ")";
        entry & e = table[label];
        e.ms += ms;
        e.count++;
        total += ms;
    }
    ggml_free(ctx);
    std::vector<std::pair<std::string, entry>> rows(table.begin(), table.end());
    std::sort(rows.begin(), rows.end(), [](const auto & a, const auto & b) { return a.second.ms > b.second.ms; });
    std::fprintf(stderr, "[profile] %d nodes, %.1f ms\n", ggml_graph_n_nodes(gf), total);
    for (const auto & [label, e] : rows) {
        if (e.ms < 0.005 * total) break;
        std::fprintf(stderr, "[profile] %8.1f ms %5.1f %% %5d  %s\n", e.ms, 100.0 * e.ms / total, e.count, label.c_str());
    }
    return GGML_STATUS_SUCCESS;
}

}  // namespace pl
