// Writes small random-weight GGUF models (llama, qwen2, qwen3, gemma2, gemma3) with a real vocabulary, and quantizes
// GGUF models.
#pragma once

#include <cstdint>
#include <string>

namespace pl {

struct tiny_model_params {
    std::string vocab_path;            // a GGUF holding tokenizer.* keys (e.g. models/ggml-vocab-llama-spm.gguf)
    std::string arch      = "llama";   // llama, qwen2 (q/k/v biases), qwen3 (q/k norms), gemma2, gemma3 (post-norms)
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
    int32_t     head_dim  = 0;         // attention.key_length/value_length; 0: n_embd / n_head (keys not written)
    float       rope_base = 10000.0f;  // rope.freq_base
    bool        rope_freqs = false;    // llama: rope_freqs.weight with Llama 3.1's factors (8, 1, 4) over n_ctx positions
    float       attention_scale = 0.0f; // llama: writes llama.attention.scale (which llama.cpp's llama graph ignores); 0: not written
    std::string name      = "persian-lora tiny";
};

// Writes an F32 GGUF; deterministic for a seed on every platform. Returns the number of parameters.
uint64_t tiny_model_write(const tiny_model_params & params);

// Quantizes `in_path` to `out_path`; `type` is one of f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k_m, q4_k_s,
// q5_k_m, q6_k, iq4_nl. Throws ERR_INVALID_OPTION for an unknown type, ERR_NATIVE if llama.cpp fails.
void model_quantize(const std::string & in_path, const std::string & out_path, const std::string & type, int32_t n_threads);

}  // namespace pl
