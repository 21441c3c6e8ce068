// Portable training graphs: in-place rewrites of the ops a device lacks into ops CUDA and Metal both run, and the
// op inventory that lists what a device would not run.
#include "pl_train_portable.h"

#include "pl_error.h"

#include <cfloat>
#include <cstring>
#include <map>

namespace pl {

// Turns `node` into op(s0, s1, s2) with `params`, keeping its type, shape and users.
static void become(ggml_tensor * node, ggml_op op, ggml_tensor * s0, ggml_tensor * s1 = nullptr, ggml_tensor * s2 = nullptr,
                   const void * params = nullptr, size_t size = 0) {
    node->op = op;
    std::memset(node->op_params, 0, sizeof(node->op_params));
    if (params) std::memcpy(node->op_params, params, size);
    for (ggml_tensor *& s : node->src) s = nullptr;
    node->src[0] = s0;
    node->src[1] = s1;
    node->src[2] = s2;
}

static void require_shape(const ggml_tensor * node, const ggml_tensor * t, const char * what) {
    if (!ggml_are_same_shape(node, t) || node->type != t->type) {
        throw error("ERR_NATIVE", std::string("Cannot rewrite ") + ggml_op_desc(node) + " (" + node->name + ") as " + what + ": the shapes differ");
    }
}

// node = scale · t
static void become_scale(ggml_tensor * node, ggml_tensor * t, float scale) {
    require_shape(node, t, "SCALE");
    const float params[2] = { scale, 0.0f };
    become(node, GGML_OP_SCALE, t, nullptr, nullptr, params, sizeof(params));
}

// The rewriting state of one graph.
struct rewriter {
    ggml_context *     ctx;
    ggml_backend_dev_t dev;
    bool               force;
    train_inputs &     in;
    std::map<const ggml_tensor *, ggml_tensor *> soft_max_of;   // logits -> soft_max(logits), shared by loss and backward
    std::map<const ggml_tensor *, ggml_tensor *> label_probs_of;   // logits -> soft_max(logits) at the labels

    ggml_tensor * cont(ggml_tensor * t) const { return ggml_is_contiguous(t) ? t : ggml_cont(ctx, t); }
    // tᵀ as a contiguous tensor (a transposed view of a contiguous tensor is its source)
    ggml_tensor * transposed(ggml_tensor * t) const {
        if (t->op == GGML_OP_TRANSPOSE && ggml_is_contiguous(t->src[0])) return t->src[0];
        return ggml_cont(ctx, ggml_transpose(ctx, t));
    }
    ggml_tensor * soft_max(ggml_tensor * logits) {
        auto it = soft_max_of.find(logits);
        if (it != soft_max_of.end()) return it->second;
        return soft_max_of[logits] = ggml_soft_max(ctx, cont(logits));
    }
    // An F32 input [n_ids, n]: row i is the one-hot of ids[i].
    ggml_tensor * onehot(const ggml_tensor * ids, int64_t n) {
        const std::vector<int32_t> * host = in.host_ids(ids);
        if (!host) throw error("ERR_NATIVE", std::string("No host data for the row ids ") + ids->name + " of a GET_ROWS backward");
        ggml_tensor * t = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, (int64_t) host->size(), n);
        ggml_set_input(t);
        in.extras.push_back({ t, n, ids });
        return t;
    }

    void out_prod(ggml_tensor * node) {
        ggml_tensor * a = node->src[0], * b = node->src[1];
        if (a->type != GGML_TYPE_F32) a = portable_f32(ctx, a, dev, force, in);
        if (b->type != GGML_TYPE_F32) throw error("ERR_NATIVE", std::string("Cannot rewrite OUT_PROD with a ") + ggml_type_name(b->type) + " second source");
        become(node, GGML_OP_MUL_MAT, ggml_cont(ctx, ggml_transpose(ctx, a)), transposed(b));
    }

    void rms_norm_back(ggml_tensor * node) {
        ggml_tensor * dy = cont(node->src[0]), * x = cont(node->src[1]);
        float eps;
        std::memcpy(&eps, node->op_params, sizeof(eps));
        const float inv_n = 1.0f / (float) x->ne[0];
        ggml_tensor * rms = ggml_sqrt(ctx, ggml_scale_bias(ctx, ggml_sum_rows(ctx, ggml_sqr(ctx, x)), inv_n, eps));  // [1, rows]
        ggml_tensor * y = ggml_div(ctx, x, rms);
        ggml_tensor * m = ggml_scale(ctx, ggml_sum_rows(ctx, ggml_mul(ctx, dy, y)), inv_n);                          // mean(dy⊙y)
        ggml_tensor * t = ggml_sub(ctx, dy, ggml_mul(ctx, y, m));
        require_shape(node, t, "DIV");
        become(node, GGML_OP_DIV, t, rms);
    }

    void soft_max_back(ggml_tensor * node) {
        ggml_tensor * dy = cont(node->src[0]), * y = cont(node->src[1]);
        float scale, max_bias;
        std::memcpy(&scale, (const float *) node->op_params + 0, sizeof(float));
        std::memcpy(&max_bias, (const float *) node->op_params + 1, sizeof(float));
        if (max_bias != 0.0f) throw error("ERR_NATIVE", "Cannot rewrite SOFT_MAX_BACK with ALiBi (max_bias != 0)");
        ggml_tensor * d = ggml_sub(ctx, dy, ggml_sum_rows(ctx, ggml_mul(ctx, dy, y)));
        become_scale(node, ggml_mul(ctx, y, d), scale);
    }

    // The labels of the loss group whose one-hot is `onehot`, as an I32 input [1, n] (one per group).
    ggml_tensor * label_ids(const ggml_tensor * onehot) {
        for (train_inputs::loss_group & g : in.groups) {
            if (g.onehot != onehot) continue;
            if (!g.ids) {
                g.ids = ggml_new_tensor_2d(ctx, GGML_TYPE_I32, 1, (int64_t) g.labels.size());
                ggml_set_input(g.ids);
            }
            return g.ids;
        }
        throw error("ERR_NATIVE", "No loss group holds the labels of a cross-entropy node");
    }
    // soft_max(logits [V, n]) at each row's label: GET_ROWS of 1-wide rows from the probabilities seen as [1, V, n],
    // the row of batch r picked by label r; [1, 1, n].
    ggml_tensor * label_probs(ggml_tensor * logits, ggml_tensor * ids) {
        auto it = label_probs_of.find(logits);
        if (it != label_probs_of.end()) return it->second;
        ggml_tensor * p = soft_max(logits);
        return label_probs_of[logits] = ggml_get_rows(ctx, ggml_reshape_3d(ctx, p, 1, p->ne[0], p->ne[1]), ids);
    }

    void cross_entropy_loss(ggml_tensor * node) {
        ggml_tensor * logits = node->src[0], * ids = label_ids(node->src[1]);
        ggml_tensor * logp = ggml_log(ctx, ggml_clamp(ctx, label_probs(logits, ids), FLT_MIN, 1.0f));   // [1, 1, n]
        if (in.row_weighted) logp = ggml_mul(ctx, logp, ggml_reshape_3d(ctx, row_weights(logits->ne[1]), 1, 1, logits->ne[1]));
        become_scale(node, ggml_sum(ctx, logp), -1.0f / (float) ggml_nrows(logits));
    }

    // soft_max(z) - onehot: a copy of the probabilities with p - 1 written at the labels (SET_ROWS)
    void cross_entropy_loss_back(ggml_tensor * node) {
        ggml_tensor * grad = node->src[0], * logits = node->src[1], * ids = label_ids(node->src[2]);
        ggml_tensor * p = soft_max(logits);
        ggml_tensor * d = ggml_reshape_3d(ctx, ggml_cont(ctx, p), 1, p->ne[0], p->ne[1]);
        d = ggml_set_rows(ctx, d, ggml_scale_bias(ctx, label_probs(logits, ids), 1.0f, -1.0f), ids);
        d = ggml_mul(ctx, ggml_reshape_2d(ctx, d, p->ne[0], p->ne[1]), grad);  // grad: a scalar, broadcast
        if (in.row_weighted) d = ggml_mul(ctx, d, row_weights(p->ne[1]));   // [1, n], broadcast over the vocabulary
        become_scale(node, d, 1.0f / (float) ggml_nrows(logits));
    }

    // The per-row loss weights of train_inputs::weigh_all_rows, an F32 input [1, n] shared by the loss and its backward.
    ggml_tensor * row_weights(int64_t n) {
        if (!in.row_weights) {
            if ((int64_t) in.row_weights_data.size() != n) throw error("ERR_NATIVE", "The row weights do not match the loss's rows");
            in.row_weights = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, n);
            ggml_set_input(in.row_weights);
        }
        return in.row_weights;
    }

    void get_rows_back(ggml_tensor * node) {
        ggml_tensor * grad = node->src[0], * ids = node->src[1];   // grad [C, n], ids [n]; node [C, R]
        become(node, GGML_OP_MUL_MAT, ggml_cont(ctx, ggml_transpose(ctx, grad)), onehot(ids, node->ne[1]));
    }

    // node = a summed over its tiles: a->ne[d] = k · node->ne[d] (ggml_repeat's layout: tile j covers [j·s, (j+1)·s)).
    void repeat_back(ggml_tensor * node) {
        ggml_tensor * t = cont(node->src[0]);
        for (int d = 0; d < GGML_MAX_DIMS; d++) {
            const int64_t s = node->ne[d], k = t->ne[d] / s;
            if (k == 1) continue;
            int64_t inner = 1, outer = 1;
            for (int e = 0; e < d; e++) inner *= t->ne[e];
            for (int e = d + 1; e < GGML_MAX_DIMS; e++) outer *= t->ne[e];
            int64_t ne[GGML_MAX_DIMS] = { t->ne[0], t->ne[1], t->ne[2], t->ne[3] };
            ne[d] = s;
            ggml_tensor * v = ggml_reshape_4d(ctx, t, inner, s, k, outer);
            v = ggml_sum_rows(ctx, ggml_cont(ctx, ggml_permute(ctx, v, 1, 2, 0, 3)));    // [k, inner, s, outer] -> [1, ...]
            t = ggml_reshape_4d(ctx, v, ne[0], ne[1], ne[2], ne[3]);
        }
        require_shape(node, t, "CONT");
        become(node, GGML_OP_CONT, t);
    }

    // Element-wise ops whose sources CUDA or Metal want contiguous (2) or with contiguous rows (1); 0 for others.
    static int layout_need(const ggml_tensor * node) {
        switch (node->op) {
            case GGML_OP_UNARY: case GGML_OP_GLU: case GGML_OP_ACC: case GGML_OP_SILU_BACK: case GGML_OP_ROPE_BACK: case GGML_OP_SUM:
                return 2;
            case GGML_OP_ADD: case GGML_OP_SUB: case GGML_OP_MUL: case GGML_OP_DIV: case GGML_OP_SCALE: case GGML_OP_SQR:
            case GGML_OP_SQRT: case GGML_OP_LOG: case GGML_OP_CLAMP: case GGML_OP_SUM_ROWS: case GGML_OP_SOFT_MAX: case GGML_OP_RMS_NORM:
                return 1;
            default:
                return 0;
        }
    }
    // Replaces the strided F32/F16 sources of an element-wise op by contiguous copies; true if any changed.
    bool contiguous_sources(ggml_tensor * node) {
        const int need = layout_need(node);
        bool changed = false;
        for (ggml_tensor *& s : node->src) {
            if (!s || (s->type != GGML_TYPE_F32 && s->type != GGML_TYPE_F16)) continue;
            const bool ok = need == 2 ? ggml_is_contiguous(s) : ggml_is_contiguous_rows(s);
            if (need && !ok) {
                s = ggml_cont(ctx, s);
                changed = true;
            }
        }
        return changed;
    }

    bool rewrite(ggml_tensor * node) {
        if (node->view_src) return false;
        switch (node->op) {
            case GGML_OP_OUT_PROD:                out_prod(node); return true;
            case GGML_OP_RMS_NORM_BACK:           rms_norm_back(node); return true;
            case GGML_OP_SOFT_MAX_BACK:           soft_max_back(node); return true;
            case GGML_OP_CROSS_ENTROPY_LOSS:      cross_entropy_loss(node); return true;
            case GGML_OP_CROSS_ENTROPY_LOSS_BACK: cross_entropy_loss_back(node); return true;
            case GGML_OP_GET_ROWS_BACK:           get_rows_back(node); return true;
            case GGML_OP_REPEAT_BACK:             repeat_back(node); return true;
            default:                              return contiguous_sources(node);
        }
    }
};

ggml_tensor * portable_f32(ggml_context * ctx, ggml_tensor * w, ggml_backend_dev_t dev, bool force, train_inputs & in) {
    if (w->type == GGML_TYPE_F32) return w;
    if (!force) {
        ggml_tensor * c = ggml_cast(ctx, w, GGML_TYPE_F32);
        if (ggml_backend_dev_supports_op(dev, c)) return c;
    }
    if (!ggml_is_matrix(w)) throw error("ERR_NATIVE", std::string("Cannot dequantize ") + w->name + ": only matrices are read row by row");
    ggml_tensor * ids = nullptr;
    for (const train_inputs::extra_input & e : in.extras) {
        if (!e.ids && e.n == w->ne[1]) ids = e.t;
    }
    if (!ids) {
        ids = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, w->ne[1]);
        ggml_set_name(ids, "iota");
        ggml_set_input(ids);
        in.extras.push_back({ ids, w->ne[1], nullptr });
    }
    return ggml_get_rows(ctx, w, ids);
}

int portable_rewrite(ggml_context * ctx, ggml_cgraph * gf, ggml_backend_dev_t dev, bool force, train_inputs & in) {
    rewriter rw { ctx, dev, force, in, {}, {} };
    const bool off_cpu = ggml_backend_dev_type(dev) != GGML_BACKEND_DEVICE_TYPE_CPU;   // labels as ids there
    int changed = 0;
    const int n = ggml_graph_n_nodes(gf);
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op == GGML_OP_NONE || node->op == GGML_OP_RESHAPE || node->op == GGML_OP_VIEW || node->op == GGML_OP_PERMUTE ||
            node->op == GGML_OP_TRANSPOSE) {
            continue;
        }
        const bool cross_entropy = node->op == GGML_OP_CROSS_ENTROPY_LOSS || node->op == GGML_OP_CROSS_ENTROPY_LOSS_BACK;
        if (!force && !(cross_entropy && off_cpu) && ggml_backend_dev_supports_op(dev, node)) continue;
        if (rw.rewrite(node)) changed++;
    }
    return changed;
}

static std::string layout_of(const ggml_tensor * t) {
    if (ggml_is_contiguous(t)) return "contiguous";
    return t->nb[0] == ggml_type_size(t->type) ? "rows" : "strided";
}

void graph_ops(const ggml_cgraph * gf, ggml_backend_dev_t dev, std::vector<op_entry> & into) {
    ggml_cgraph * g = const_cast<ggml_cgraph *>(gf);
    for (int i = 0; i < ggml_graph_n_nodes(g); i++) {
        const ggml_tensor * node = ggml_graph_node(g, i);
        op_entry e;
        e.op = ggml_op_desc(node);
        e.type = ggml_type_name(node->type);
        for (const ggml_tensor * s : node->src) {
            if (!s) break;
            e.srcs.push_back(ggml_type_name(s->type));
            e.layouts.push_back(layout_of(s));
        }
        e.supported = ggml_backend_dev_supports_op(dev, node);
        bool found = false;
        for (op_entry & x : into) {
            if (x.op == e.op && x.type == e.type && x.srcs == e.srcs && x.layouts == e.layouts && x.supported == e.supported) {
                x.count++;
                found = true;
                break;
            }
        }
        if (!found) {
            e.count = 1;
            into.push_back(e);
        }
    }
}

std::string op_signature(const op_entry & e) {
    std::string s = e.op + "(";
    for (size_t i = 0; i < e.srcs.size(); i++) s += (i ? ", " : "") + e.srcs[i];
    return s + ")";
}

std::string unsupported_ops(const std::vector<op_entry> & ops) {
    std::vector<std::pair<std::string, int64_t>> list;
    for (const op_entry & e : ops) {
        if (e.supported) continue;
        const std::string sig = op_signature(e);
        bool found = false;
        for (auto & [s, n] : list) if (s == sig) { n += e.count; found = true; }
        if (!found) list.emplace_back(sig, e.count);
    }
    std::string out;
    for (const auto & [s, n] : list) out += (out.empty() ? "" : ", ") + s + " x" + std::to_string(n);
    return out;
}

}  // namespace pl
