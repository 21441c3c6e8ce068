// A LoRA trainer over the training graph: logits, loss, gradients (ggml autodiff with a fast backward through the
// frozen base), global-norm clipping, AdamW on the LoRA parameters, and export as a llama.cpp LoRA GGUF.
//
// Intended usage:
//   auto t = trainer(train_model::load(path, lora), threads, BACKWARD_F16);
//   for each batch: t.step(batch, opt)   (lr etc. per step: the schedule lives with the caller)
//   t.export_adapter("adapter.gguf");
#pragma once

#include "pl_train_device_step.h"
#include "pl_train_graph.h"
#include "pl_train_portable.h"

#include "ggml-alloc.h"

#include <memory>
#include <string>
#include <vector>

namespace pl {

// How the gradient reaches x through a frozen base weight W in y = W·x (dx = Wᵀ·dy).
enum backward_mode : int32_t {
    BACKWARD_OUT_PROD = 0,  // ggml's autodiff as it stands: out_prod(W, dyᵀ), W in its stored type
    BACKWARD_F32      = 1,  // mul_mat(cont(transpose(W as F32)), dy)
    BACKWARD_F16      = 2,  // mul_mat(transpose(W) as contiguous F16, dy); F32 weights keep ggml's out_prod
    BACKWARD_CAST     = 3,  // out_prod(W as F32, dyᵀ): a contiguous dequantization, then ggml's F32 out_prod
    BACKWARD_AUTO     = 4,  // OUT_PROD where it runs on the GEMM (pl_out_prod.h: the CPU), else F16
    BACKWARD_BF16     = 5,  // out_prod(W, dyᵀ) on the CPU GEMM's BF16 variant (AVX512_BF16): W and dy rounded to BF16
};

struct optimizer_params {
    float lr = 1e-4f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.0f;
    float clip = 0.0f;  // global gradient-norm limit; 0 = no clipping
    float embedding_lr = -1.0f;  // learning rate of the trainable token rows; < 0: lr
};

struct step_result {
    double  loss = 0.0;        // weighted mean cross-entropy (nats)
    double  weight_sum = 0.0;  // Σ of the targets' weights (the loss's denominator)
    double  grad_norm = 0.0;   // global L2 norm of the LoRA gradients, before clipping
    int64_t targets = 0;       // tokens with a non-zero weight
};

// The device a trainer runs on, as ggml's registry names it.
struct device_info {
    std::string name;          // e.g. "CPU", "CUDA0", "MTL0"
    std::string description;   // e.g. the GPU's product name
    std::string type;          // "cpu", "gpu", "igpu" or "accel"
    size_t memory_free = 0, memory_total = 0;  // bytes, as the device reports them (ggml_backend_dev_memory) when asked
};

struct param_info {
    std::string name;          // e.g. blk.0.attn_q.weight.lora_a
    int64_t     ne0 = 0, ne1 = 0;
};

class trainer {
  public:
    // portable: apply every rewrite of pl_train_portable.h, so any device (the CPU included) runs the graph CUDA and
    // Metal would; otherwise only the nodes the model's device lacks are rewritten. Builds probe gradient graphs
    // (2 sequences and 1 sequence of 2 tokens) and throws ERR_BACKEND naming the device and the ops it would not run.
    // cpu_kernels: on the CPU, the trainer's own kernels run where ggml's are slow, with ggml's arithmetic: every OUT_PROD
    // on pl_out_prod.h's GEMM, short-K products on pl_short_k_matmul.h's, Q8_0 products on pl_q8_matmul.h's, Q4_K / Q6_K
    // products on pl_kquant_matmul.h's (AVX-512 VNNI), F16 products on pl_f16_matmul.h's (AVX-512), and the cross-entropy
    // forward on pl_cross_entropy.h's vectorised exp (within 1e-7 of ggml's, not bitwise) (false: ggml's own kernels
    // everywhere).
    trainer(std::unique_ptr<train_model> model, int32_t n_threads, backward_mode mode, bool portable = false, bool cpu_kernels = true);
    ~trainer();

    const train_model & model() const { return *model_; }
    device_info         device() const;
    bool                portable() const { return portable_; }
    backward_mode       backward() const { return mode_; }   // the route taken (BACKWARD_AUTO resolved)
    bool                cpu_kernels() const { return cpu_kernels_; }
    // Whether the bf16 route's products run on AMX tiles (pl_amx.h) rather than AVX512_BF16 dot products.
    bool                amx() const;
    // How many nodes of the last graph built went to each of those kernels.
    int                 out_prod_nodes() const { return out_prod_nodes_; }
    int                 short_k_nodes() const { return short_k_nodes_; }
    int                 q8_0_nodes() const { return q8_0_nodes_; }
    int                 k_quant_nodes() const { return k_quant_nodes_; }
    int                 f16_nodes() const { return f16_nodes_; }
    int                 cross_entropy_nodes() const { return cross_entropy_nodes_; }
    // attention products on the mask's ranges: the forward ones rewritten plus the backward OUT_PRODs given a skip
    int                 attention_nodes() const { return attention_nodes_; }
    // The op inventory of the probe graphs (see the constructor), on the trainer's device.
    const std::vector<op_entry> & graph_ops() const { return probe_ops_; }
    int64_t             steps() const { return steps_; }
    // Gradient graphs built so far: a micro-batch of the last one's shape (train_inputs::shape) reuses its graph and
    // allocation, unless another graph (loss, logits) was allocated in between.
    int64_t             gradient_graphs_built() const { return gradient_graphs_built_; }

    // Logits of every position, row-major [N][V].
    std::vector<float> logits(const train_batch & batch);
    // Loss only (no backward, no dropout); throws ERR_INVALID_OPTION if no token has weight.
    double loss(const train_batch & batch);
    // Loss and gradients, with LoRA dropout if configured (masks seeded by seed and step count); the gradients stay
    // readable through grad() until the next call.
    step_result gradients(const train_batch & batch);
    // gradients(), then clipping and one AdamW step (PyTorch's AdamW: decoupled weight decay, bias correction).
    step_result step(const train_batch & batch, const optimizer_params & opt);
    // Gradient accumulation: gradients() of each micro-batch in turn (one graph's memory at a time; micro-batches
    // without a target are skipped), combined into their token-weighted mean, which is the gradient and the loss of
    // the micro-batches taken as one batch; then clipping and one AdamW step. Dropout masks differ per micro-batch.
    // Off the CPU all of it stays in the device's buffers (pl_train_device_step.h): one scalar (the norm) and each
    // micro-batch's loss are read back.
    step_result step(const std::vector<train_batch> & micro, const optimizer_params & opt);

    // Parameters, in this order (the order of param(), grad(), moment_get/set and checkpoints): the LoRA pairs
    // (A then B of each pair, in model order), then token_embd.rows, then output.rows (absent with tied embeddings).
    size_t                     n_params() const { return params_.size(); }
    size_t                     n_lora_params() const { return n_lora_params_; }
    param_info                 param(size_t i) const;
    std::vector<float>         param_get(size_t i) const;
    void                       param_set(size_t i, const std::vector<float> & values);
    const std::vector<float> & grad(size_t i) const { return grads_.at(i); }

    // Optimizer state, for checkpoints: AdamW's first (which = 0) and second (which = 1) moments of parameter i
    // (read back from the device off the CPU), and the step count (it drives bias correction and the dropout masks).
    std::vector<float>         moment_get(size_t i, int which) const;
    void                       moment_set(size_t i, int which, const std::vector<float> & values);
    void                       steps_set(int64_t n);

    // Writes the adapter atomically (temporary file, then rename). alpha is written so that llama.cpp's alpha / R
    // equals this trainer's scale (so rsLoRA adapters load unchanged).
    void export_adapter(const std::string & path, const std::string & name) const;
    // Writes the base GGUF with the trained token rows in place (token_embd.weight, and output.weight unless tied),
    // atomically. keep_type: rows >= from are quantized back into the stored type and rows < from are copied
    // byte for byte; otherwise those tensors become F32 (frozen rows dequantized), equal to what the trainer uses.
    // Every other tensor and key is copied unchanged. Throws ERR_INVALID_OPTION when no rows train.
    void export_base(const std::string & path, bool keep_type) const;

  private:
    struct run;
    step_result accumulate(const std::vector<train_batch> & micro);
    step_result accumulate_on_device(const std::vector<train_batch> & micro);
    step_result gradients_of(train_inputs in, float seed = 1.0f);
    void adamw_on_host(const optimizer_params & o, float clip);
    void adamw_on_device(const optimizer_params & o, float grad_scale);
    void build_gradients(run & r, train_inputs in) const;
    void finish_graph(run & r, const std::vector<ggml_tensor *> & outputs) const;
    void check_supported(const ggml_cgraph * gf) const;
    void compute(run & r);
    void route_frozen_backward(ggml_context * ctx, ggml_cgraph * gf, train_inputs & in) const;
    size_t graph_size() const;

    std::unique_ptr<train_model> model_;
    std::vector<ggml_tensor *>   params_;
    size_t                       n_lora_params_ = 0;
    std::vector<std::vector<float>> grads_, m_, v_;   // m_, v_: on the CPU only
    // Off the CPU: the accumulators, moments and AdamW in the device's buffers (null on the CPU, which keeps the host's
    // double-precision accumulation and AdamW)
    std::unique_ptr<device_step> device_step_;
    int32_t        n_threads_;
    backward_mode  mode_;
    bool           portable_ = false;
    bool           cpu_kernels_ = true;   // only ever true on the CPU
    mutable int    out_prod_nodes_ = 0, short_k_nodes_ = 0, q8_0_nodes_ = 0, k_quant_nodes_ = 0, f16_nodes_ = 0, cross_entropy_nodes_ = 0, attention_nodes_ = 0;
    std::vector<op_entry> probe_ops_;
    int64_t        steps_ = 0;
    int64_t        micro_ = 0;      // the micro-batch within the step being computed (seeds its dropout masks)
    ggml_gallocr_t alloc_ = nullptr;
    uint64_t       allocations_ = 0;   // graphs allocated in alloc_'s buffer so far
    std::unique_ptr<run> gradients_run_;   // the last gradient graph, kept for reuse
    int64_t        gradient_graphs_built_ = 0;
    uint64_t       dropout_seed() const;
};

}  // namespace pl
