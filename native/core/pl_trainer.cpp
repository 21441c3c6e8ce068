// The LoRA trainer: graph runs (forward, backward), the frozen-weight backward routing, AdamW and adapter export.
#include "pl_trainer.h"

#include "pl_error.h"
#include "pl_amx.h"
#include "pl_attention.h"
#include "pl_cross_entropy.h"
#include "pl_f16_matmul.h"
#include "pl_graph_profile.h"
#include "pl_kquant_matmul.h"
#include "pl_out_prod.h"
#include "pl_q8_matmul.h"
#include "pl_short_k_matmul.h"

#include "ggml-cpu.h"
#include "gguf.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>
#include <algorithm>

namespace pl {

// One graph built for one batch: its context, the inputs, and the tensors read back after compute.
struct trainer::run {
    ggml_context * ctx = nullptr;
    ggml_cgraph *  gf = nullptr;
    size_t         size = 0;      // graph capacity
    train_inputs   in;
    ggml_tensor *  loss = nullptr, * logits = nullptr, * loss_grad = nullptr;
    float          loss_seed = 1.0f;   // the loss gradient the backward starts from
    std::vector<ggml_tensor *> grads;
    uint64_t       allocation = 0;   // its place in the order of alloc_'s allocations; 0 before the first
    ~run() { if (ctx) ggml_free(ctx); }
};

trainer::trainer(std::unique_ptr<train_model> model, int32_t n_threads, backward_mode mode, bool portable, bool cpu_kernels)
    : model_(std::move(model)), n_threads_(n_threads > 0 ? n_threads : 1), mode_(mode), portable_(portable) {
    if (mode < BACKWARD_OUT_PROD || mode > BACKWARD_BF16) throw error("ERR_INVALID_OPTION", "Unknown backward mode " + std::to_string(mode));
    cpu_kernels_ = cpu_kernels && !portable_ && ggml_backend_is_cpu(model_->backend());
    if (mode_ == BACKWARD_BF16 && (!cpu_kernels_ || !out_prod_gemm_bf16_available())) {
        throw error("ERR_INVALID_OPTION", std::string("The 'bf16' backward route runs on the trainer's CPU GEMM only: it needs ") +
                    (!out_prod_gemm_bf16_available() ? "a build for a CPU with AVX512_BF16 (this one has none)"
                                                     : "the CPU device, cpuKernels on and portable off"));
    }
    if (mode_ == BACKWARD_AUTO) mode_ = cpu_kernels_ ? BACKWARD_OUT_PROD : BACKWARD_F16;
    for (const lora_pair & p : model_->pairs()) {
        params_.push_back(p.a);
        params_.push_back(p.b);
    }
    n_lora_params_ = params_.size();
    if (model_->embd_rows()) params_.push_back(model_->embd_rows());
    if (model_->output_rows() && !model_->tied()) params_.push_back(model_->output_rows());
    const bool on_cpu = ggml_backend_is_cpu(model_->backend());
    for (ggml_tensor * t : params_) {
        grads_.emplace_back((size_t) ggml_nelements(t), 0.0f);
        if (!on_cpu) continue;
        m_.emplace_back((size_t) ggml_nelements(t), 0.0f);
        v_.emplace_back((size_t) ggml_nelements(t), 0.0f);
    }
    if (on_cpu) ggml_backend_cpu_set_n_threads(model_->backend(), n_threads_);
    else device_step_ = std::make_unique<device_step>(model_->backend(), params_, n_lora_params_);
    alloc_ = ggml_gallocr_new(ggml_backend_get_default_buffer_type(model_->backend()));

    // Probe graphs: several sequences (GQA heads repeated) and one (GQA by broadcast), 2 tokens each.
    const int32_t second = std::min<int32_t>(1, model_->hparams().n_vocab - 1);
    for (int64_t b : { 2, 1 }) {
        std::vector<int32_t> tokens;
        for (int64_t i = 0; i < b; i++) tokens.insert(tokens.end(), { 0, second });
        train_batch batch;
        batch.tokens = tokens.data();
        batch.n_tokens = 2;
        batch.n_seqs = b;
        run r;
        build_gradients(r, model_->prepare(batch));
        pl::graph_ops(r.gf, model_->device(), probe_ops_);
    }
    const std::string missing = unsupported_ops(probe_ops_);
    if (!missing.empty()) {
        const device_info d = device();
        throw error("ERR_BACKEND", "Device " + d.name + " (" + d.description + ") cannot run these ops of the training graph: " + missing +
                                       (portable_ ? "" : " (even after the portable rewrites it needs)") + "; the trainer does not fall back to the CPU: choose another device");
    }
}

device_info trainer::device() const {
    ggml_backend_dev_t dev = model_->device();
    const char * type = "cpu";
    switch (ggml_backend_dev_type(dev)) {
        case GGML_BACKEND_DEVICE_TYPE_GPU:   type = "gpu"; break;
        case GGML_BACKEND_DEVICE_TYPE_IGPU:  type = "igpu"; break;
        case GGML_BACKEND_DEVICE_TYPE_ACCEL: type = "accel"; break;
        default: break;
    }
    device_info d = { ggml_backend_dev_name(dev), ggml_backend_dev_description(dev), type };
    ggml_backend_dev_memory(dev, &d.memory_free, &d.memory_total);
    return d;
}

trainer::~trainer() {
    if (alloc_) ggml_gallocr_free(alloc_);
}

size_t trainer::graph_size() const {
    return 2048 + (size_t) model_->hparams().n_layer * 1024;
}

param_info trainer::param(size_t i) const {
    ggml_tensor * t = params_.at(i);
    return { t->name, t->ne[0], t->ne[1] };
}

std::vector<float> trainer::param_get(size_t i) const {
    std::vector<float> out((size_t) ggml_nelements(params_.at(i)));
    ggml_backend_tensor_get(params_[i], out.data(), 0, out.size() * sizeof(float));
    return out;
}

void trainer::param_set(size_t i, const std::vector<float> & values) {
    if (i >= params_.size()) throw error("ERR_INVALID_OPTION", "Parameter index " + std::to_string(i) + " is out of range");
    if (values.size() != (size_t) ggml_nelements(params_[i])) {
        throw error("ERR_INVALID_OPTION", std::string("Parameter ") + params_[i]->name + " holds " + std::to_string(ggml_nelements(params_[i])) +
                                              " values, received " + std::to_string(values.size()));
    }
    ggml_backend_tensor_set(params_[i], values.data(), 0, values.size() * sizeof(float));
}

std::vector<float> trainer::moment_get(size_t i, int which) const {
    if (i >= params_.size() || (which != 0 && which != 1)) throw error("ERR_INVALID_OPTION", "No optimizer moment " + std::to_string(which) + " for parameter " + std::to_string(i));
    if (device_step_) return device_step_->moment(i, which);
    return which == 0 ? m_[i] : v_[i];
}

void trainer::moment_set(size_t i, int which, const std::vector<float> & values) {
    if (i >= params_.size() || (which != 0 && which != 1)) throw error("ERR_INVALID_OPTION", "No optimizer moment " + std::to_string(which) + " for parameter " + std::to_string(i));
    if (device_step_) return device_step_->moment_set(i, which, values);
    std::vector<float> & dst = which == 0 ? m_[i] : v_[i];
    if (values.size() != dst.size()) {
        throw error("ERR_INVALID_OPTION", std::string("Optimizer moment of ") + params_[i]->name + " holds " + std::to_string(dst.size()) + " values, received " + std::to_string(values.size()));
    }
    dst = values;
}

void trainer::steps_set(int64_t n) {
    if (n < 0) throw error("ERR_INVALID_OPTION", "The step count must be >= 0");
    steps_ = n;
}

// ggml's autodiff gives dx = out_prod(W, dyᵀ) for y = W·x. For a frozen base weight that kernel re-dequantizes
// each row of W once per token and runs 5-80x slower than the forward product (DESIGN §6). After the backward
// is built, each such node is rewritten in place as mul_mat(Wᵀ, dy) with Wᵀ made contiguous (F32 or F16) by
// ggml's own copy ops; the graph allocator frees each Wᵀ after its one use, so one weight at a time is expanded.
void trainer::route_frozen_backward(ggml_context * ctx, ggml_cgraph * gf, train_inputs & in) const {
    if (mode_ == BACKWARD_OUT_PROD || mode_ == BACKWARD_BF16) return;
    const int n = ggml_graph_n_nodes(gf);
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (node->op != GGML_OP_OUT_PROD || !model_->is_frozen_weight(node->src[0])) continue;
        ggml_tensor * w = node->src[0], * dyt = node->src[1];
        if (mode_ == BACKWARD_CAST) {
            node->src[0] = portable_f32(ctx, w, model_->device(), portable_, in);
            continue;
        }
        if (dyt->op != GGML_OP_TRANSPOSE) throw error("ERR_NATIVE", "Unexpected backward for frozen weight " + std::string(w->name));
        ggml_tensor * dy = dyt->src[0];                                   // [out, N]
        ggml_tensor * wt;                                                 // [out, in]
        if (mode_ == BACKWARD_F16 && w->type == GGML_TYPE_F32) continue;  // F32 out_prod measured as fast or faster
        if (w->type == GGML_TYPE_F32 || (mode_ == BACKWARD_F16 && w->type == GGML_TYPE_F16)) {
            wt = ggml_cont(ctx, ggml_transpose(ctx, w));
        } else {
            ggml_tensor * w32 = portable_f32(ctx, w, model_->device(), portable_, in);
            wt = mode_ == BACKWARD_F32 ? ggml_cont(ctx, ggml_transpose(ctx, w32))
                                       : ggml_cpy(ctx, ggml_transpose(ctx, w32), ggml_new_tensor_2d(ctx, GGML_TYPE_F16, w->ne[1], w->ne[0]));
        }
        node->op = GGML_OP_MUL_MAT;
        std::memset(node->op_params, 0, sizeof(node->op_params));
        node->src[0] = wt;
        node->src[1] = dy;
    }
}

// The graph from its outputs, with the rewrites the device needs (all of them when portable); a rewrite adds nodes
// outside the graph, so it is rebuilt from the outputs again, which puts them before their users.
bool trainer::amx() const { return mode_ == BACKWARD_BF16 && amx_bf16_usable(); }

void trainer::finish_graph(run & r, const std::vector<ggml_tensor *> & outputs) const {
    ggml_tensor * ranges = nullptr;   // the attention mask's ranges, read by OUT_PRODs rewritten after the last rebuild
    auto rebuild = [&] {
        r.gf = ggml_new_graph_custom(r.ctx, r.size, false);
        if (ranges) ggml_build_forward_expand(r.gf, ranges);
        for (ggml_tensor * t : outputs) if (t) ggml_build_forward_expand(r.gf, t);
    };
    rebuild();
    if (portable_rewrite(r.ctx, r.gf, model_->device(), portable_, r.in) > 0) rebuild();
    if (cpu_kernels_) {
        q8_0_nodes_ = q8_0_matmul_rewrite(r.ctx, r.gf);
        k_quant_nodes_ = kquant_matmul_rewrite(r.ctx, r.gf);
        f16_nodes_ = f16_matmul_rewrite(r.ctx, r.gf);
        cross_entropy_nodes_ = cross_entropy_rewrite(r.ctx, r.gf);
        if (q8_0_nodes_ + k_quant_nodes_ + f16_nodes_ + cross_entropy_nodes_ > 0) rebuild();
        const attention_plan attention = attention_rewrite(r.ctx, r.gf);
        ranges = attention.ranges;
        if (ranges) rebuild();
        attention_nodes_ = attention.products;
        out_prod_nodes_ = out_prod_gemm_rewrite(r.ctx, r.gf, [&](const ggml_tensor * node) {
            out_prod_plan p;
            if (auto it = attention.out_prods.find(node); it != attention.out_prods.end()) {
                p = it->second;
                attention_nodes_++;
            }
            p.bf16 = mode_ == BACKWARD_BF16 && model_->is_frozen_weight(node->src[0]);
            return p;
        });
        const int fused = short_k_lora_add_rewrite(r.ctx, r.gf) + short_k_dropout_mask_rewrite(r.ctx, r.gf);
        if (fused > 0) rebuild();
        short_k_nodes_ = fused + short_k_matmul_rewrite(r.ctx, r.gf);
    }
}

// Never a silent fallback: a node the device cannot run stops the run with the list of such ops.
void trainer::check_supported(const ggml_cgraph * gf) const {
    ggml_cgraph * g = const_cast<ggml_cgraph *>(gf);
    for (int i = 0; i < ggml_graph_n_nodes(g); i++) {
        if (ggml_backend_dev_supports_op(model_->device(), ggml_graph_node(g, i))) continue;
        std::vector<op_entry> ops;
        pl::graph_ops(gf, model_->device(), ops);
        throw error("ERR_BACKEND", "Device " + device().name + " cannot run these ops of the training graph: " + unsupported_ops(ops));
    }
}

// A graph is allocated once: computed again while it is still the last one allocated, its tensors keep their places
// in alloc_'s buffer (allocating it again would keep their old addresses, which another graph may have moved).
void trainer::compute(run & r) {
    if (r.allocation == 0) {
        check_supported(r.gf);
        if (!ggml_gallocr_alloc_graph(alloc_, r.gf)) throw error("ERR_NATIVE", "Cannot allocate the compute buffers of the training graph");
        r.allocation = ++allocations_;
    } else if (r.allocation != allocations_) {
        throw error("ERR_NATIVE", "A training graph was computed again after another graph took its buffer");
    }
    train_inputs_set(r.in, model_->hparams().n_vocab);
    if (r.loss_grad) ggml_backend_tensor_set(r.loss_grad, &r.loss_seed, 0, sizeof(r.loss_seed));
    const ggml_status status = graph_profile_enabled() ? graph_compute_profiled(model_->backend(), r.gf) : ggml_backend_graph_compute(model_->backend(), r.gf);
    if (status != GGML_STATUS_SUCCESS) throw error("ERR_NATIVE", "ggml could not compute the training graph");
}

// Room for `size` nodes plus as many tensors again (leaves, rewrites) and three graphs: the backward one and two rebuilds.
static ggml_context * new_graph_ctx(size_t size) {
    ggml_init_params p = { ggml_tensor_overhead() * size * 2 + ggml_graph_overhead_custom(size, true) * 3, nullptr, true };
    ggml_context * ctx = ggml_init(p);
    if (!ctx) throw error("ERR_NATIVE", "Cannot create a ggml context for the training graph");
    return ctx;
}

std::vector<float> trainer::logits(const train_batch & batch) {
    run r;
    r.in = model_->prepare(batch);
    r.in.groups.clear();
    r.size = graph_size();
    r.ctx = new_graph_ctx(r.size);
    r.logits = model_->build_logits(r.ctx, model_->build_hidden(r.ctx, r.in));
    ggml_set_output(r.logits);
    finish_graph(r, { r.logits });
    compute(r);
    std::vector<float> out((size_t) ggml_nelements(r.logits));
    ggml_backend_tensor_get(r.logits, out.data(), 0, ggml_nbytes(r.logits));
    return out;
}

static void require_targets(const train_inputs & in) {
    if (in.groups.empty()) throw error("ERR_INVALID_OPTION", "The batch has no target token with a non-zero weight");
}

double trainer::loss(const train_batch & batch) {
    run r;
    r.in = model_->prepare(batch);
    require_targets(r.in);
    r.size = graph_size();
    r.ctx = new_graph_ctx(r.size);
    r.loss = model_->build_loss(r.ctx, r.in, model_->build_hidden(r.ctx, r.in));
    finish_graph(r, { r.loss });
    compute(r);
    float loss = 0.0f;
    ggml_backend_tensor_get(r.loss, &loss, 0, sizeof(loss));
    return loss;
}

// The loss, its backward, the frozen-weight routing and the rewrites the device needs, for one prepared batch.
void trainer::build_gradients(run & r, train_inputs in) const {
    r.in = std::move(in);
    require_targets(r.in);
    r.in.dropout = model_->lora().dropout;
    r.in.dropout_seed = dropout_seed();
    r.size = graph_size() * 4;
    r.ctx = new_graph_ctx(r.size);
    r.loss = model_->build_loss(r.ctx, r.in, model_->build_hidden(r.ctx, r.in));
    ggml_cgraph * gb = ggml_new_graph_custom(r.ctx, r.size, true);
    ggml_build_forward_expand(gb, r.loss);
    ggml_build_backward_expand(r.ctx, gb, nullptr);
    r.loss_grad = ggml_graph_get_grad(gb, r.loss);
    ggml_set_input(r.loss_grad);
    for (size_t i = 0; i < params_.size(); i++) {
        ggml_tensor * g = ggml_graph_get_grad(gb, params_[i]);
        if (g && device_step_) g = device_step_->accumulate(r.ctx, i, g);   // into the device's accumulator
        else if (g) ggml_set_output(g);
        r.grads.push_back(g);
    }
    route_frozen_backward(r.ctx, gb, r.in);
    std::vector<ggml_tensor *> outputs = { r.loss };
    outputs.insert(outputs.end(), r.grads.begin(), r.grads.end());
    finish_graph(r, outputs);
}

// Dropout masks depend on (seed, step, micro-batch) only: the same step of a resumed run draws the same masks.
uint64_t trainer::dropout_seed() const {
    return model_->lora().seed * 0x100000001b3ULL + 0x632be59bd9b4e019ULL * (uint64_t) (steps_ + 1) + 0x9e3779b97f4a7c15ULL * (uint64_t) micro_;
}

step_result trainer::gradients(const train_batch & batch) {
    if (!device_step_) return gradients_of(model_->prepare(batch));
    device_step_->clear();
    train_inputs in = model_->prepare(batch);
    const double weight = in.weight_sum;
    step_result res = gradients_of(std::move(in), (float) weight);
    double sq = 0.0;
    for (size_t i = 0; i < params_.size(); i++) {
        grads_[i] = device_step_->accumulated(i);
        for (float & v : grads_[i]) {
            v = (float) (v / weight);
            sq += (double) v * v;
        }
    }
    res.grad_norm = std::sqrt(sq);
    return res;
}

// One graph's loss and gradients. On the CPU the gradients are read into grads_ (and their norm taken); on a device
// they are added into its accumulators, `seed` times (the backward starts from seed instead of 1).
step_result trainer::gradients_of(train_inputs in, float seed) {
    // On a device the loss runs over every position with row weights: one shape per length and sequence count, so
    // packed documents and weighted tokens keep reusing the graph (and a device's own graph cache, e.g. CUDA graphs).
    if (device_step_) {
        require_targets(in);
        in.weigh_all_rows();
    }
    run * r = gradients_run_.get();
    if (r && r->allocation != 0 && r->allocation == allocations_ && r->in.shape() == in.shape()) {   // allocated, and last
        r->in.refresh(std::move(in));
        r->in.dropout_seed = dropout_seed();
    } else {
        gradients_run_.reset();
        gradients_run_ = std::make_unique<run>();
        r = gradients_run_.get();
        build_gradients(*r, std::move(in));
        gradient_graphs_built_++;
    }
    r->loss_seed = seed;
    compute(*r);

    step_result res;
    float loss = 0.0f;
    ggml_backend_tensor_get(r->loss, &loss, 0, sizeof(loss));
    res.loss = loss;
    res.weight_sum = r->in.weight_sum;
    res.targets = r->in.targets();
    if (device_step_) return res;
    double sq = 0.0;
    for (size_t i = 0; i < params_.size(); i++) {
        if (r->grads[i]) ggml_backend_tensor_get(r->grads[i], grads_[i].data(), 0, grads_[i].size() * sizeof(float));
        else std::fill(grads_[i].begin(), grads_[i].end(), 0.0f);
        for (float v : grads_[i]) sq += (double) v * v;
    }
    res.grad_norm = std::sqrt(sq);
    return res;
}

// gradients() over the micro-batches, left in grads_ as their token-weighted mean (one micro-batch: as it is).
step_result trainer::accumulate(const std::vector<train_batch> & micro) {
    if (micro.empty()) throw error("ERR_INVALID_OPTION", "A step needs at least one micro-batch");
    micro_ = 0;
    if (micro.size() == 1) return gradients(micro[0]);
    std::vector<std::vector<double>> sum(params_.size());
    for (size_t i = 0; i < params_.size(); i++) sum[i].assign(grads_[i].size(), 0.0);
    step_result total;
    double loss = 0.0;
    for (size_t m = 0; m < micro.size(); m++) {
        train_inputs in = model_->prepare(micro[m]);
        if (in.groups.empty()) continue;
        micro_ = (int64_t) m;
        const step_result r = gradients_of(std::move(in));
        for (size_t i = 0; i < params_.size(); i++)
            for (size_t k = 0; k < sum[i].size(); k++) sum[i][k] += r.weight_sum * (double) grads_[i][k];
        loss += r.weight_sum * r.loss;
        total.weight_sum += r.weight_sum;
        total.targets += r.targets;
    }
    micro_ = 0;
    if (total.weight_sum <= 0.0) throw error("ERR_INVALID_OPTION", "The batch has no target token with a non-zero weight");
    total.loss = loss / total.weight_sum;
    double sq = 0.0;
    for (size_t i = 0; i < params_.size(); i++)
        for (size_t k = 0; k < sum[i].size(); k++) {
            grads_[i][k] = (float) (sum[i][k] / total.weight_sum);
            sq += (double) grads_[i][k] * grads_[i][k];
        }
    total.grad_norm = std::sqrt(sq);
    return total;
}

// accumulate() in the device's buffers. Each micro-batch's backward starts from its target weight instead of 1, so
// the accumulators hold the gradient of the weighted sum of the step's cross-entropies; dividing by the total weight
// (in the norm and in AdamW's gradient scale) gives the token-weighted mean. The summed loss keeps the gradients of
// the activations about 1 per target, well inside F16's range where a device multiplies in F16 (the 'f16' route),
// where the mean's gradients, smaller by the number of targets, would fall into F16's subnormals.
step_result trainer::accumulate_on_device(const std::vector<train_batch> & micro) {
    if (micro.empty()) throw error("ERR_INVALID_OPTION", "A step needs at least one micro-batch");
    device_step_->clear();
    step_result total;
    double loss = 0.0;
    for (size_t m = 0; m < micro.size(); m++) {
        train_inputs in = model_->prepare(micro[m]);
        if (in.groups.empty()) continue;
        micro_ = (int64_t) m;
        const double weight = in.weight_sum;
        const step_result r = gradients_of(std::move(in), (float) weight);
        loss += weight * r.loss;
        total.weight_sum += weight;
        total.targets += r.targets;
    }
    micro_ = 0;
    if (total.weight_sum <= 0.0) throw error("ERR_INVALID_OPTION", "The batch has no target token with a non-zero weight");
    total.loss = loss / total.weight_sum;
    total.grad_norm = std::sqrt(device_step_->sum_of_squares()) / total.weight_sum;
    return total;
}

step_result trainer::step(const train_batch & batch, const optimizer_params & o) { return step(std::vector<train_batch>{ batch }, o); }

step_result trainer::step(const std::vector<train_batch> & micro, const optimizer_params & o) {
    if (!(o.lr >= 0.0f) || !(o.beta1 >= 0.0f && o.beta1 < 1.0f) || !(o.beta2 >= 0.0f && o.beta2 < 1.0f) || !(o.eps > 0.0f) ||
        !(o.weight_decay >= 0.0f) || !(o.clip >= 0.0f) || std::isnan(o.embedding_lr)) {
        throw error("ERR_INVALID_OPTION", "Optimizer parameters out of range (lr >= 0, 0 <= betas < 1, eps > 0, weight decay >= 0, clip >= 0, embedding lr a number)");
    }
    const step_result res = device_step_ ? accumulate_on_device(micro) : accumulate(micro);
    if (!std::isfinite(res.grad_norm)) throw error("ERR_NATIVE", "The gradients are not finite (loss " + std::to_string(res.loss) + ")");
    const float clip = o.clip > 0.0f && res.grad_norm > o.clip ? (float) (o.clip / (res.grad_norm + 1e-6)) : 1.0f;
    steps_++;
    if (device_step_) adamw_on_device(o, (float) (clip / res.weight_sum));
    else adamw_on_host(o, clip);
    return res;
}

// The same AdamW as ggml_opt_step_adamw on the device's accumulators times grad_scale (float32 throughout).
void trainer::adamw_on_device(const optimizer_params & o, float grad_scale) {
    const double bc1 = 1.0 - std::pow((double) o.beta1, (double) steps_), bc2 = 1.0 - std::pow((double) o.beta2, (double) steps_);
    auto values = [&](float lr) {
        return adamw_values { lr, o.beta1, o.beta2, o.eps, o.weight_decay, (float) (1.0 / bc1), (float) (1.0 / bc2) };
    };
    device_step_->adamw(values(o.lr), values(o.embedding_lr >= 0.0f ? o.embedding_lr : o.lr), grad_scale);
}

// PyTorch's AdamW on the gradients in grads_ times clip, in doubles where it divides, parameters read and written back.
void trainer::adamw_on_host(const optimizer_params & o, float clip) {
    const double bc1 = 1.0 - std::pow((double) o.beta1, (double) steps_), bc2 = 1.0 - std::pow((double) o.beta2, (double) steps_);
    std::vector<float> p;
    for (size_t i = 0; i < params_.size(); i++) {
        p = param_get(i);
        const float lr = i >= n_lora_params_ && o.embedding_lr >= 0.0f ? o.embedding_lr : o.lr;
        std::vector<float> & m = m_[i], & v = v_[i];
        const std::vector<float> & g = grads_[i];
        for (size_t k = 0; k < p.size(); k++) {
            const float gk = g[k] * clip;
            m[k] = o.beta1 * m[k] + (1.0f - o.beta1) * gk;
            v[k] = o.beta2 * v[k] + (1.0f - o.beta2) * gk * gk;
            const double mh = m[k] / bc1, vh = v[k] / bc2;
            p[k] = (float) (p[k] * (1.0 - (double) lr * o.weight_decay) - lr * mh / (std::sqrt(vh) + o.eps));
        }
        ggml_backend_tensor_set(params_[i], p.data(), 0, p.size() * sizeof(float));
    }
}

void trainer::export_adapter(const std::string & path, const std::string & name) const {
    std::unique_ptr<gguf_context, decltype(&gguf_free)> g(gguf_init_empty(), gguf_free);
    gguf_set_val_str(g.get(), "general.architecture", model_->hparams().architecture.c_str());
    gguf_set_val_str(g.get(), "general.type", "adapter");
    gguf_set_val_str(g.get(), "general.name", name.c_str());
    gguf_set_val_str(g.get(), "adapter.type", "lora");
    gguf_set_val_f32(g.get(), "adapter.lora.alpha", model_->lora_scale() * (float) model_->lora().rank);
    const std::vector<ggml_tensor *> pairs(params_.begin(), params_.begin() + (std::ptrdiff_t) n_lora_params_);
    size_t bytes = 0;
    for (ggml_tensor * t : pairs) bytes += ggml_nbytes(t) + ggml_tensor_overhead();
    ggml_init_params ip = { bytes + 1024, nullptr, false };
    std::unique_ptr<ggml_context, decltype(&ggml_free)> ctx(ggml_init(ip), ggml_free);
    for (ggml_tensor * t : pairs) {
        ggml_tensor * c = ggml_dup_tensor(ctx.get(), t);
        ggml_set_name(c, t->name);
        ggml_backend_tensor_get(t, c->data, 0, ggml_nbytes(t));
        gguf_add_tensor(g.get(), c);
    }
    const std::string tmp = path + ".tmp";
    if (!gguf_write_to_file(g.get(), tmp.c_str(), false)) throw error("ERR_NATIVE", "Could not write " + tmp);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw error("ERR_NATIVE", "Could not move " + tmp + " to " + path);
    }
}

}  // namespace pl
