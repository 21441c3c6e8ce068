// The architectures the trainer builds, each as llama.cpp's own graph computes it (src/models/<arch>.cpp), and the
// ones it refuses with the reason.
#pragma once

#include <string>

namespace pl {

struct train_arch {
    std::string name;           // general.architecture
    int         rope_mode;      // GGML_ROPE_TYPE_NORMAL (llama: adjacent pairs) or GGML_ROPE_TYPE_NEOX (halves)
    bool        rope_factors;   // reads rope_freqs.weight, the per-frequency divisors of Llama 3.1+ RoPE scaling
    bool        qk_norm;        // an RMS norm with a weight on every head of q and of k, before RoPE (qwen3)
};

// The trainer's description of `architecture` (of the model at `path`, for messages). Throws ERR_BACKEND for an
// architecture whose graph needs an op without a backward in ggml (naming the op) and ERR_MODEL_LOAD for one the
// trainer does not know.
const train_arch & train_arch_of(const std::string & architecture, const std::string & path);

}  // namespace pl
