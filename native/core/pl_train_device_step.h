// The optimizer step of a trainer on a device other than the CPU, in that device's buffers: one gradient accumulator
// per parameter that each micro-batch's gradient graph adds into (no host round trip), AdamW's two moments, the
// global gradient norm as a small graph (a sum of squares on the device, one scalar read back), and AdamW itself as
// ggml_opt_step_adamw on the clipped accumulators. The parameters never leave the device; checkpoints read the
// moments back through moment().
//
// The arithmetic is the host's (pl_trainer.cpp) in float32 where the host uses doubles: the token-weighted mean of
// the micro-batches' gradients (the accumulators hold their weighted sum, scaled by 1 / the total weight in the norm
// and in AdamW's gradient scale), and PyTorch's AdamW (decoupled weight decay, bias correction as 1/(1-β^t) factors).
#pragma once

#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml.h"

#include <array>
#include <cstddef>
#include <vector>

namespace pl {

// ggml_opt_step_adamw's parameter tensor: lr, β1, β2, eps, weight decay, 1/(1-β1ᵗ), 1/(1-β2ᵗ).
using adamw_values = std::array<float, 7>;

class device_step {
  public:
    // params: the trainer's parameters (F32, flagged as parameters, in `backend`'s buffers); those from
    // n_lora_params on take the second learning rate of adamw().
    device_step(ggml_backend_t backend, const std::vector<ggml_tensor *> & params, size_t n_lora_params);
    ~device_step();
    device_step(const device_step &) = delete;
    device_step & operator=(const device_step &) = delete;

    // Sets every accumulator to zero (before the first micro-batch of a step).
    void clear();
    // The node that adds gradient `g` of parameter i into its accumulator, in place: an output of the gradient graph.
    ggml_tensor * accumulate(ggml_context * ctx, size_t i, ggml_tensor * g) const;
    // The accumulated gradient of parameter i, read back.
    std::vector<float> accumulated(size_t i) const;
    // Σ of the squares of every accumulator, computed on the device.
    double sum_of_squares();
    // One AdamW step of every parameter on its accumulated gradient times grad_scale (the clipping factor).
    void adamw(const adamw_values & lora, const adamw_values & rows, float grad_scale);
    // AdamW's first (which = 0) or second (1) moment of parameter i, read back or written.
    std::vector<float> moment(size_t i, int which) const;
    void moment_set(size_t i, int which, const std::vector<float> & values);

  private:
    struct small_graph {
        ggml_context * ctx = nullptr;
        ggml_cgraph *  gf = nullptr;
        ggml_gallocr_t alloc = nullptr;
    };
    void build_norm();
    void build_adamw();
    void allocate(small_graph & g) const;
    void compute(small_graph & g) const;

    ggml_backend_t             backend_;
    std::vector<ggml_tensor *> params_;
    size_t                     n_lora_params_;
    ggml_context *             ctx_acc_ = nullptr, * ctx_state_ = nullptr;
    ggml_backend_buffer_t      buf_acc_ = nullptr, buf_state_ = nullptr;
    std::vector<ggml_tensor *> acc_, m_, v_;
    ggml_tensor *              lora_values_ = nullptr, * rows_values_ = nullptr;   // F32 [7]
    ggml_tensor *              grad_scale_ = nullptr;                              // F32 [1]
    small_graph                norm_, step_;
    ggml_tensor *              sum_sq_ = nullptr;                                  // F32 [1], the norm graph's output
};

}  // namespace pl
