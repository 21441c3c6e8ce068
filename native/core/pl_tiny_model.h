// Writes small random-weight llama-architecture GGUF models with a real vocabulary, and quantizes GGUF models.
#pragma once

#include <cstdint>
#include <string>

namespace pl {

struct tiny_model_params {
    std::string vocab_path;            // a GGUF holding tokenizer.* keys (e.g. models/ggml-vocab-llama-spm.gguf)
    std::string out_path;
    int32_t     n_layer   = 2;
    int32_t     n_embd    = 64;
    int32_t     n_head    = 4;
    int32_t     n_head_kv = 4;
    int32_t     n_ff      = 128;
    int32_t     n_ctx     = 512;
    uint64_t    seed      = 42;
    float       init_std  = 0.02f;     // standard deviation of the random projections
    bool        tied      = false;     // no output.weight: the head reuses token_embd (tied embeddings)
    std::string name      = "persian-lora tiny";
};

// Writes an F32 GGUF; deterministic for a seed on every platform. Returns the number of parameters.
uint64_t tiny_model_write(const tiny_model_params & params);

// Quantizes `in_path` to `out_path`; `type` is one of f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_m, q4_k_s,
// q5_k_m, q6_k, iq4_nl. Throws ERR_INVALID_OPTION for an unknown type, ERR_NATIVE if llama.cpp fails.
void model_quantize(const std::string & in_path, const std::string & out_path, const std::string & type, int32_t n_threads);

}  // namespace pl
