// The trainer's architectures and its refusals (see pl_train_arch.h).
#include "pl_train_arch.h"

#include "pl_error.h"

#include "ggml.h"

#include <map>

namespace pl {

static const train_arch archs[] = {
    { "llama", GGML_ROPE_TYPE_NORMAL, true, false },
    { "qwen2", GGML_ROPE_TYPE_NEOX, false, false },
    { "qwen3", GGML_ROPE_TYPE_NEOX, false, true },
};

// Architectures whose llama.cpp graph uses an op that ggml's autodiff (ggml_compute_backward) has no rule for.
static const std::map<std::string, std::string> needs_backward = {
    { "gemma2", "its feed-forward gate is GELU-tanh (GGML_GLU_OP_GEGLU) and its attention and final logits are soft-capped "
                "with TANH (GGML_UNARY_OP_TANH); ggml has no backward for GEGLU, GELU or TANH" },
    { "gemma3", "its feed-forward gate is GELU-tanh (GGML_GLU_OP_GEGLU); ggml has no backward for GEGLU or GELU" },
};

const train_arch & train_arch_of(const std::string & architecture, const std::string & path) {
    for (const train_arch & a : archs) {
        if (a.name == architecture) return a;
    }
    auto it = needs_backward.find(architecture);
    if (it != needs_backward.end()) {
        throw error("ERR_BACKEND", path + " has architecture \"" + architecture + "\", which the trainer cannot train on ggml: " + it->second +
                                       " (an upstream change to ggml's autodiff is needed)");
    }
    std::string names;
    for (const train_arch & a : archs) names += (names.empty() ? "\"" : ", \"") + a.name + "\"";
    throw error("ERR_MODEL_LOAD", path + " has architecture \"" + architecture + "\"; the trainer supports " + names);
}

}  // namespace pl
