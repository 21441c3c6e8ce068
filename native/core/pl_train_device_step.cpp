// Gradient accumulation, global norm and AdamW in a device's buffers (see pl_train_device_step.h).
#include "pl_train_device_step.h"

#include "pl_error.h"

#include <string>

namespace pl {

static ggml_context * new_ctx(size_t tensors, size_t graph_nodes = 0) {
    ggml_init_params p = { ggml_tensor_overhead() * tensors + (graph_nodes ? ggml_graph_overhead_custom(graph_nodes, false) : 0), nullptr, true };
    ggml_context * ctx = ggml_init(p);
    if (!ctx) throw error("ERR_NATIVE", "Cannot create a ggml context for the device optimizer");
    return ctx;
}

device_step::device_step(ggml_backend_t backend, const std::vector<ggml_tensor *> & params, size_t n_lora_params)
    : backend_(backend), params_(params), n_lora_params_(n_lora_params) {
    const size_t n = params_.size();
    ctx_acc_ = new_ctx(n);
    ctx_state_ = new_ctx(2 * n + 3);
    for (ggml_tensor * p : params_) {
        acc_.push_back(ggml_dup_tensor(ctx_acc_, p));
        m_.push_back(ggml_dup_tensor(ctx_state_, p));
        v_.push_back(ggml_dup_tensor(ctx_state_, p));
    }
    lora_values_ = ggml_new_tensor_1d(ctx_state_, GGML_TYPE_F32, 7);
    rows_values_ = ggml_new_tensor_1d(ctx_state_, GGML_TYPE_F32, 7);
    grad_scale_ = ggml_new_tensor_1d(ctx_state_, GGML_TYPE_F32, 1);
    buf_acc_ = ggml_backend_alloc_ctx_tensors(ctx_acc_, backend_);
    buf_state_ = ggml_backend_alloc_ctx_tensors(ctx_state_, backend_);
    if (!buf_acc_ || !buf_state_) throw error("ERR_OUT_OF_MEMORY", "Cannot allocate the gradient accumulators and AdamW moments on the device");
    ggml_backend_buffer_clear(buf_state_, 0);
    clear();
    build_norm();
    build_adamw();
}

device_step::~device_step() {
    for (small_graph * g : { &norm_, &step_ }) {
        if (g->alloc) ggml_gallocr_free(g->alloc);
        if (g->ctx) ggml_free(g->ctx);
    }
    if (buf_acc_) ggml_backend_buffer_free(buf_acc_);
    if (buf_state_) ggml_backend_buffer_free(buf_state_);
    if (ctx_acc_) ggml_free(ctx_acc_);
    if (ctx_state_) ggml_free(ctx_state_);
}

void device_step::clear() { ggml_backend_buffer_clear(buf_acc_, 0); }

ggml_tensor * device_step::accumulate(ggml_context * ctx, size_t i, ggml_tensor * g) const {
    return ggml_add_inplace(ctx, acc_.at(i), g);
}

std::vector<float> device_step::accumulated(size_t i) const {
    std::vector<float> out((size_t) ggml_nelements(acc_.at(i)));
    ggml_backend_tensor_get(acc_[i], out.data(), 0, ggml_nbytes(acc_[i]));
    return out;
}

// The graphs below keep their allocation for the trainer's life: their shapes never change.
void device_step::allocate(small_graph & g) const {
    g.alloc = ggml_gallocr_new(ggml_backend_get_default_buffer_type(backend_));
    if (!g.alloc || !ggml_gallocr_alloc_graph(g.alloc, g.gf)) throw error("ERR_OUT_OF_MEMORY", "Cannot allocate the device optimizer's graph");
}

void device_step::compute(small_graph & g) const {
    if (ggml_backend_graph_compute(backend_, g.gf) != GGML_STATUS_SUCCESS) throw error("ERR_NATIVE", "ggml could not compute the device optimizer's graph");
}

// Σ_i sum(acc_i²): per parameter SQR, SUM_ROWS, then SUM of the row sums (ggml-vulkan's SUM of a whole token-rows
// parameter at once, [256, 32000], came out 40 % short on lavapipe), added up into one scalar.
void device_step::build_norm() {
    const size_t nodes = 5 * acc_.size() + 16;
    norm_.ctx = new_ctx(nodes, nodes);
    for (ggml_tensor * a : acc_) {
        ggml_tensor * s = ggml_sum(norm_.ctx, ggml_sum_rows(norm_.ctx, ggml_sqr(norm_.ctx, a)));
        sum_sq_ = sum_sq_ ? ggml_add(norm_.ctx, sum_sq_, s) : s;
    }
    ggml_set_output(sum_sq_);
    norm_.gf = ggml_new_graph_custom(norm_.ctx, nodes, false);
    ggml_build_forward_expand(norm_.gf, sum_sq_);
    allocate(norm_);
}

double device_step::sum_of_squares() {
    compute(norm_);
    float s = 0.0f;
    ggml_backend_tensor_get(sum_sq_, &s, 0, sizeof(s));
    return s;
}

void device_step::build_adamw() {
    const size_t nodes = 3 * params_.size() + 16;
    step_.ctx = new_ctx(nodes, nodes);
    step_.gf = ggml_new_graph_custom(step_.ctx, nodes, false);
    for (size_t i = 0; i < params_.size(); i++) {
        ggml_tensor * g = ggml_mul(step_.ctx, acc_[i], grad_scale_);
        ggml_build_forward_expand(step_.gf, ggml_opt_step_adamw(step_.ctx, params_[i], g, m_[i], v_[i], i < n_lora_params_ ? lora_values_ : rows_values_));
    }
    allocate(step_);
}

void device_step::adamw(const adamw_values & lora, const adamw_values & rows, float grad_scale) {
    ggml_backend_tensor_set(lora_values_, lora.data(), 0, sizeof(float) * lora.size());
    ggml_backend_tensor_set(rows_values_, rows.data(), 0, sizeof(float) * rows.size());
    ggml_backend_tensor_set(grad_scale_, &grad_scale, 0, sizeof(grad_scale));
    compute(step_);
}

std::vector<float> device_step::moment(size_t i, int which) const {
    ggml_tensor * t = (which == 0 ? m_ : v_).at(i);
    std::vector<float> out((size_t) ggml_nelements(t));
    ggml_backend_tensor_get(t, out.data(), 0, ggml_nbytes(t));
    return out;
}

void device_step::moment_set(size_t i, int which, const std::vector<float> & values) {
    ggml_tensor * t = (which == 0 ? m_ : v_).at(i);
    if (values.size() != (size_t) ggml_nelements(t)) {
        throw error("ERR_INVALID_OPTION", std::string("Optimizer moment of ") + params_[i]->name + " holds " + std::to_string(ggml_nelements(t)) +
                                              " values, received " + std::to_string(values.size()));
    }
    ggml_backend_tensor_set(t, values.data(), 0, ggml_nbytes(t));
}

}  // namespace pl
