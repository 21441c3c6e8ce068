// The inputs of a training graph: a batch checked and turned into host data (positions, packed-document mask, loss
// groups, trainable-row selection), and that data copied into the allocated tensors.
#include "pl_train_graph.h"

#include "pl_dropout.h"
#include "pl_error.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace pl {

train_inputs train_model::prepare(const train_batch & batch) const {
    const int64_t T = batch.n_tokens, B = batch.n_seqs;
    if (T < 1 || B < 1 || !batch.tokens) throw error("ERR_INVALID_OPTION", "A batch needs at least one token in at least one sequence");
    if (T > hp_.n_ctx_train) {
        throw error("ERR_CONTEXT_OVERFLOW", "Sequence length " + std::to_string(T) + " exceeds the model's context length " + std::to_string(hp_.n_ctx_train));
    }
    train_inputs in;
    in.n_tokens = T;
    in.n_seqs = B;
    in.tokens_data.assign(batch.tokens, batch.tokens + T * B);
    in.pos_data.resize((size_t) (T * B));
    in.mask_data.assign((size_t) (T * T * B), -INFINITY);
    std::vector<int32_t> doc((size_t) T);
    std::map<float, size_t> group_of;
    for (int64_t b = 0; b < B; b++) {
        int32_t d = 0, p = 0;
        for (int64_t t = 0; t < T; t++) {
            const int64_t i = b * T + t;
            const int32_t tok = batch.tokens[i];
            if (tok < 0 || tok >= hp_.n_vocab) {
                throw error("ERR_TOKEN_RANGE", "Token id " + std::to_string(tok) + " at index " + std::to_string(i) + " is outside the vocabulary [0, " + std::to_string(hp_.n_vocab) + ")");
            }
            if (rows_from_ > 0) {
                const bool fresh = tok >= rows_from_;
                in.rows_idx_data.push_back(fresh ? tok - rows_from_ : 0);
                in.rows_mask_data.push_back(fresh ? 1.0f : 0.0f);
                in.base_mask_data.push_back(fresh ? 0.0f : 1.0f);
            }
            const bool starts = t == 0 || (batch.doc_start && batch.doc_start[i]);
            if (starts && t > 0) { d++; p = 0; }
            doc[(size_t) t] = d;
            in.pos_data[(size_t) i] = p++;
            for (int64_t k = 0; k <= t; k++) {
                if (doc[(size_t) k] == d) in.mask_data[(size_t) (b * T * T + t * T + k)] = 0.0f;
            }
            const float w = batch.weights ? batch.weights[i] : 1.0f;
            if (!(w >= 0.0f) || !std::isfinite(w)) throw error("ERR_INVALID_OPTION", "Token weight at index " + std::to_string(i) + " must be a finite number >= 0, got " + std::to_string(w));
            if (starts || w == 0.0f) continue;
            auto [it, added] = group_of.emplace(w, in.groups.size());
            if (added) in.groups.push_back({ w, {}, {} });
            in.groups[it->second].rows.push_back((int32_t) (i - 1));
            in.groups[it->second].labels.push_back(tok);
            in.weight_sum += w;
        }
    }
    return in;
}

std::vector<double> train_inputs::shape() const {
    std::vector<double> s = { (double) n_tokens, (double) n_seqs };
    for (const loss_group & g : groups) s.insert(s.end(), { (double) g.weight, (double) g.rows.size() });
    return s;
}

void train_inputs::refresh(train_inputs && fresh) {
    if (fresh.shape() != shape()) throw error("ERR_NATIVE", "A graph was reused for a batch of another shape");
    tokens_data = std::move(fresh.tokens_data);
    pos_data = std::move(fresh.pos_data);
    mask_data = std::move(fresh.mask_data);
    rows_idx_data = std::move(fresh.rows_idx_data);
    rows_mask_data = std::move(fresh.rows_mask_data);
    base_mask_data = std::move(fresh.base_mask_data);
    for (size_t i = 0; i < groups.size(); i++) {
        groups[i].rows = std::move(fresh.groups[i].rows);
        groups[i].labels = std::move(fresh.groups[i].labels);
    }
    weight_sum = fresh.weight_sum;
    row_weights_data = std::move(fresh.row_weights_data);
}

void train_inputs::weigh_all_rows() {
    const int64_t N = n_tokens * n_seqs;
    loss_group all{ 1.0f, std::vector<int32_t>((size_t) N), std::vector<int32_t>((size_t) N, 0) };
    for (int64_t i = 0; i < N; i++) all.rows[(size_t) i] = (int32_t) i;
    row_weights_data.assign((size_t) N, 0.0f);
    for (const loss_group & g : groups) {
        const auto w = (float) ((double) N * g.weight / weight_sum);
        for (size_t k = 0; k < g.rows.size(); k++) {
            all.labels[(size_t) g.rows[k]] = g.labels[k];
            row_weights_data[(size_t) g.rows[k]] = w;
        }
    }
    groups = { std::move(all) };
    row_weighted = true;
}

int64_t train_inputs::targets() const {
    if (row_weighted) return (int64_t) std::count_if(row_weights_data.begin(), row_weights_data.end(), [](float w) { return w > 0.0f; });
    int64_t n = 0;
    for (const loss_group & g : groups) n += (int64_t) g.rows.size();
    return n;
}

const std::vector<int32_t> * train_inputs::host_ids(const ggml_tensor * t) const {
    if (t && t == tokens) return &tokens_data;
    if (t && t == rows_idx) return &rows_idx_data;
    for (const loss_group & g : groups) if (t && t == g.idx) return &g.rows;
    return nullptr;
}

void train_inputs_set(const train_inputs & in, int32_t n_vocab) {
    ggml_backend_tensor_set(in.tokens, in.tokens_data.data(), 0, ggml_nbytes(in.tokens));
    ggml_backend_tensor_set(in.pos, in.pos_data.data(), 0, ggml_nbytes(in.pos));
    ggml_backend_tensor_set(in.mask, in.mask_data.data(), 0, ggml_nbytes(in.mask));
    if (in.rows_idx) ggml_backend_tensor_set(in.rows_idx, in.rows_idx_data.data(), 0, ggml_nbytes(in.rows_idx));
    if (in.rows_mask) ggml_backend_tensor_set(in.rows_mask, in.rows_mask_data.data(), 0, ggml_nbytes(in.rows_mask));
    if (in.base_mask) ggml_backend_tensor_set(in.base_mask, in.base_mask_data.data(), 0, ggml_nbytes(in.base_mask));
    if (in.row_weights) ggml_backend_tensor_set(in.row_weights, in.row_weights_data.data(), 0, ggml_nbytes(in.row_weights));
    dropout_inputs_set(in.dropout_seed, in.dropout_rows, in.dropout_cols);
    std::vector<float> onehot;
    std::vector<int32_t> iota;
    for (const train_inputs::extra_input & e : in.extras) {
        if (e.ids) {
            const std::vector<int32_t> & ids = *in.host_ids(e.ids);
            onehot.assign((size_t) e.n * ids.size(), 0.0f);
            for (size_t i = 0; i < ids.size(); i++) {
                if (ids[i] < 0 || ids[i] >= e.n) throw error("ERR_NATIVE", "Row id " + std::to_string(ids[i]) + " outside [0, " + std::to_string(e.n) + ") in a one-hot input");
                onehot[(size_t) ids[i] * ids.size() + i] = 1.0f;  // [ids, n]: element (i, id)
            }
            ggml_backend_tensor_set(e.t, onehot.data(), 0, ggml_nbytes(e.t));
        } else {
            iota.resize((size_t) e.n);
            for (int64_t i = 0; i < e.n; i++) iota[(size_t) i] = (int32_t) i;
            ggml_backend_tensor_set(e.t, iota.data(), 0, ggml_nbytes(e.t));
        }
    }
    for (const train_inputs::loss_group & g : in.groups) {
        if (!g.idx) continue;
        ggml_backend_tensor_set(g.idx, g.rows.data(), 0, ggml_nbytes(g.idx));
        if (g.ids) {
            ggml_backend_tensor_set(g.ids, g.labels.data(), 0, ggml_nbytes(g.ids));
            continue;
        }
        onehot.assign((size_t) n_vocab * g.labels.size(), 0.0f);
        for (size_t r = 0; r < g.labels.size(); r++) onehot[r * (size_t) n_vocab + (size_t) g.labels[r]] = 1.0f;
        ggml_backend_tensor_set(g.onehot, onehot.data(), 0, ggml_nbytes(g.onehot));
    }
}

}  // namespace pl
