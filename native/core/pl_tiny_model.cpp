// Tiny random models (F32 GGUF written with upstream's gguf writer) and quantization through llama.cpp.
#include "pl_tiny_model.h"

#include "pl_backend.h"
#include "pl_error.h"
#include "pl_gguf.h"
#include "pl_rng.h"

#include "ggml.h"
#include "gguf.h"
#include "llama.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

namespace pl {

static void require(bool ok, const std::string & message) {
    if (!ok) throw error("ERR_INVALID_OPTION", message);
}

// Llama 3.1's RoPE frequency factors (convert_hf_to_gguf.py, rope_type "llama3": factor 8, low_freq_factor 1,
// high_freq_factor 4) with `n_ctx` as original_max_position_embeddings: 1 for short wavelengths, 8 for long ones,
// smoothly in between.
static void llama3_rope_factors(std::vector<float> & out, int32_t head_dim, float base, int32_t n_ctx) {
    const double factor = 8.0, low = 1.0, high = 4.0, old_ctx = n_ctx;
    const double low_wavelen = old_ctx / low, high_wavelen = old_ctx / high;
    for (size_t i = 0; i < out.size(); i++) {
        const double freq = 1.0 / std::pow((double) base, (double) (2 * i) / head_dim), wavelen = 2.0 * M_PI / freq;
        if (wavelen < high_wavelen) out[i] = 1.0f;
        else if (wavelen > low_wavelen) out[i] = (float) factor;
        else {
            const double smooth = (old_ctx / wavelen - low) / (high - low);
            out[i] = (float) (1.0 / ((1.0 - smooth) / factor + smooth));
        }
    }
}

uint64_t tiny_model_write(const tiny_model_params & p) {
    backend_init();
    require(p.n_layer >= 1 && p.n_layer <= 256, "layers must be in [1, 256], got " + std::to_string(p.n_layer));
    static const char * archs[] = { "llama", "qwen2", "qwen3", "gemma2", "gemma3" };
    require(std::find(std::begin(archs), std::end(archs), p.arch) != std::end(archs), "arch must be one of llama, qwen2, qwen3, gemma2, gemma3, got \"" + p.arch + "\"");
    require(p.n_head >= 1 && (p.head_dim > 0 || p.n_embd % p.n_head == 0), "dim (" + std::to_string(p.n_embd) + ") must be a multiple of heads (" + std::to_string(p.n_head) + ")");
    const int32_t head_dim = p.head_dim > 0 ? p.head_dim : p.n_embd / p.n_head;
    require(head_dim % 2 == 0, "the head size must be even for RoPE, got " + std::to_string(head_dim));
    require((!p.rope_freqs && p.attention_scale == 0.0f) || p.arch == "llama", "rope frequency factors and attention.scale are llama options, not " + p.arch + "'s");
    require(p.rope_base > 0.0f, "rope base must be positive");
    require(p.n_head_kv >= 1 && p.n_head % p.n_head_kv == 0, "heads (" + std::to_string(p.n_head) + ") must be a multiple of kv heads (" + std::to_string(p.n_head_kv) + ")");
    require(p.n_ff >= 1, "ffn width must be >= 1");
    require(p.n_ctx >= 8, "context must be >= 8");
    (void) gguf_inspect(p.vocab_path);

    gguf_init_params vp = { /*no_alloc =*/ true, /*ctx =*/ nullptr };
    std::unique_ptr<gguf_context, decltype(&gguf_free)> vocab(gguf_init_from_file(p.vocab_path.c_str(), vp), gguf_free);
    if (!vocab) throw error("ERR_BAD_FORMAT", "Cannot read vocabulary GGUF " + p.vocab_path);
    const int64_t tokens_key = gguf_find_key(vocab.get(), "tokenizer.ggml.tokens");
    if (tokens_key < 0) throw error("ERR_BAD_FORMAT", p.vocab_path + " has no tokenizer.ggml.tokens array");
    const int64_t n_vocab = (int64_t) gguf_get_arr_n(vocab.get(), tokens_key);

    std::unique_ptr<gguf_context, decltype(&gguf_free)> out(gguf_init_empty(), gguf_free);
    gguf_set_kv(out.get(), vocab.get());
    // keep only the tokenizer keys of the vocabulary file
    for (int64_t i = gguf_get_n_kv(out.get()) - 1; i >= 0; i--) {
        const std::string key = gguf_get_key(out.get(), i);
        if (key.rfind("tokenizer.", 0) != 0) gguf_remove_key(out.get(), key.c_str());
    }
    const std::string a = p.arch + ".";
    auto key = [&](const char * k) { return a + k; };
    gguf_set_val_str(out.get(), "general.architecture", p.arch.c_str());
    gguf_set_val_str(out.get(), "general.type", "model");
    gguf_set_val_str(out.get(), "general.name", p.name.c_str());
    gguf_set_val_u32(out.get(), "general.file_type", LLAMA_FTYPE_ALL_F32);
    gguf_set_val_u32(out.get(), "general.quantization_version", GGML_QNT_VERSION);
    gguf_set_val_u32(out.get(), key("context_length").c_str(), (uint32_t) p.n_ctx);
    gguf_set_val_u32(out.get(), key("embedding_length").c_str(), (uint32_t) p.n_embd);
    gguf_set_val_u32(out.get(), key("block_count").c_str(), (uint32_t) p.n_layer);
    gguf_set_val_u32(out.get(), key("feed_forward_length").c_str(), (uint32_t) p.n_ff);
    gguf_set_val_u32(out.get(), key("attention.head_count").c_str(), (uint32_t) p.n_head);
    gguf_set_val_u32(out.get(), key("attention.head_count_kv").c_str(), (uint32_t) p.n_head_kv);
    if (p.head_dim > 0) {
        gguf_set_val_u32(out.get(), key("attention.key_length").c_str(), (uint32_t) head_dim);
        gguf_set_val_u32(out.get(), key("attention.value_length").c_str(), (uint32_t) head_dim);
    }
    gguf_set_val_u32(out.get(), key("rope.dimension_count").c_str(), (uint32_t) head_dim);
    gguf_set_val_f32(out.get(), key("rope.freq_base").c_str(), p.rope_base);
    gguf_set_val_f32(out.get(), key("attention.layer_norm_rms_epsilon").c_str(), 1e-5f);
    gguf_set_val_u32(out.get(), key("vocab_size").c_str(), (uint32_t) n_vocab);
    if (p.attention_scale != 0.0f) gguf_set_val_f32(out.get(), key("attention.scale").c_str(), p.attention_scale);
    const bool gemma = p.arch == "gemma2" || p.arch == "gemma3";
    if (gemma) gguf_set_val_u32(out.get(), key("attention.sliding_window").c_str(), (uint32_t) std::max(4, p.n_ctx / 4));
    if (p.arch == "gemma2") {
        gguf_set_val_f32(out.get(), key("attn_logit_softcapping").c_str(), 50.0f);
        gguf_set_val_f32(out.get(), key("final_logit_softcapping").c_str(), 30.0f);
    }

    // kind: random weights N(0, init_std²), norm weights 1, per-head norm weights 1 + N(0, 0.1²) (so that a graph
    // which skips them differs), biases N(0, init_std²), or Llama 3.1's RoPE frequency factors
    enum kind { WEIGHT, NORM, HEAD_NORM, BIAS, ROPE_FACTORS };
    struct spec { std::string name; int64_t ne0, ne1; kind k; };
    std::vector<spec> specs;
    const int64_t n_embd_q = (int64_t) head_dim * p.n_head, n_embd_kv = (int64_t) head_dim * p.n_head_kv;
    specs.push_back({ "token_embd.weight", p.n_embd, n_vocab, WEIGHT });
    if (p.rope_freqs) specs.push_back({ "rope_freqs.weight", head_dim / 2, 1, ROPE_FACTORS });
    for (int32_t l = 0; l < p.n_layer; l++) {
        const std::string b = "blk." + std::to_string(l) + ".";
        specs.push_back({ b + "attn_norm.weight", p.n_embd, 1, NORM });
        specs.push_back({ b + "attn_q.weight", p.n_embd, n_embd_q, WEIGHT });
        specs.push_back({ b + "attn_k.weight", p.n_embd, n_embd_kv, WEIGHT });
        specs.push_back({ b + "attn_v.weight", p.n_embd, n_embd_kv, WEIGHT });
        if (p.arch == "qwen2") {
            specs.push_back({ b + "attn_q.bias", n_embd_q, 1, BIAS });
            specs.push_back({ b + "attn_k.bias", n_embd_kv, 1, BIAS });
            specs.push_back({ b + "attn_v.bias", n_embd_kv, 1, BIAS });
        }
        if (p.arch == "qwen3" || p.arch == "gemma3") {
            specs.push_back({ b + "attn_q_norm.weight", head_dim, 1, HEAD_NORM });
            specs.push_back({ b + "attn_k_norm.weight", head_dim, 1, HEAD_NORM });
        }
        specs.push_back({ b + "attn_output.weight", n_embd_q, p.n_embd, WEIGHT });
        if (gemma) specs.push_back({ b + "post_attention_norm.weight", p.n_embd, 1, NORM });
        if (gemma) specs.push_back({ b + "post_ffw_norm.weight", p.n_embd, 1, NORM });
        specs.push_back({ b + "ffn_norm.weight", p.n_embd, 1, NORM });
        specs.push_back({ b + "ffn_gate.weight", p.n_embd, p.n_ff, WEIGHT });
        specs.push_back({ b + "ffn_down.weight", p.n_ff, p.n_embd, WEIGHT });
        specs.push_back({ b + "ffn_up.weight", p.n_embd, p.n_ff, WEIGHT });
    }
    specs.push_back({ "output_norm.weight", p.n_embd, 1, NORM });
    if (!p.tied) specs.push_back({ "output.weight", p.n_embd, n_vocab, WEIGHT });

    ggml_init_params gp = { /*mem_size =*/ ggml_tensor_overhead() * (specs.size() + 4), /*mem_buffer =*/ nullptr, /*no_alloc =*/ true };
    std::unique_ptr<ggml_context, decltype(&ggml_free)> meta(ggml_init(gp), ggml_free);
    std::vector<std::vector<float>> data(specs.size());
    portable_rng rng(p.seed);
    uint64_t n_params = 0;
    for (size_t i = 0; i < specs.size(); i++) {
        const spec & s = specs[i];
        ggml_tensor * t = s.ne1 == 1 ? ggml_new_tensor_1d(meta.get(), GGML_TYPE_F32, s.ne0)
                                     : ggml_new_tensor_2d(meta.get(), GGML_TYPE_F32, s.ne0, s.ne1);
        ggml_set_name(t, s.name.c_str());
        data[i].resize((size_t) (s.ne0 * s.ne1));
        if (s.k == ROPE_FACTORS) llama3_rope_factors(data[i], head_dim, p.rope_base, p.n_ctx);
        else for (float & v : data[i]) v = s.k == NORM ? 1.0f : s.k == HEAD_NORM ? 1.0f + 0.1f * rng.normal() : p.init_std * rng.normal();
        t->data = data[i].data();
        gguf_add_tensor(out.get(), t);
        n_params += (uint64_t) (s.ne0 * s.ne1);
    }
    if (!gguf_write_to_file(out.get(), p.out_path.c_str(), false)) {
        throw error("ERR_NATIVE", "Could not write " + p.out_path);
    }
    return n_params;
}

void model_quantize(const std::string & in_path, const std::string & out_path, const std::string & type, int32_t n_threads) {
    backend_init();
    static const std::map<std::string, llama_ftype> types = {
        { "f32", LLAMA_FTYPE_ALL_F32 },          { "f16", LLAMA_FTYPE_MOSTLY_F16 },       { "bf16", LLAMA_FTYPE_MOSTLY_BF16 },
        { "q8_0", LLAMA_FTYPE_MOSTLY_Q8_0 },     { "q4_0", LLAMA_FTYPE_MOSTLY_Q4_0 },     { "q4_1", LLAMA_FTYPE_MOSTLY_Q4_1 },
        { "q5_0", LLAMA_FTYPE_MOSTLY_Q5_0 },     { "q5_1", LLAMA_FTYPE_MOSTLY_Q5_1 },     { "q4_k_m", LLAMA_FTYPE_MOSTLY_Q4_K_M },
        { "q4_k_s", LLAMA_FTYPE_MOSTLY_Q4_K_S }, { "q5_k_m", LLAMA_FTYPE_MOSTLY_Q5_K_M }, { "q6_k", LLAMA_FTYPE_MOSTLY_Q6_K },
        { "iq4_nl", LLAMA_FTYPE_MOSTLY_IQ4_NL },
    };
    auto it = types.find(type);
    if (it == types.end()) {
        std::string names;
        for (const auto & [k, v] : types) names += (names.empty() ? "" : ", ") + k;
        throw error("ERR_INVALID_OPTION", "Unknown quantization type \"" + type + "\" (expected one of " + names + ")");
    }
    const gguf_summary s = gguf_inspect(in_path);
    if (s.type == "adapter") throw error("ERR_INVALID_OPTION", in_path + " is an adapter; only models can be quantized");
    llama_model_quantize_params qp = llama_model_quantize_default_params();
    qp.ftype            = it->second;
    qp.nthread          = n_threads;
    qp.allow_requantize = true;
    backend_log_reset();
    if (llama_model_quantize(in_path.c_str(), out_path.c_str(), &qp) != 0) {
        throw error("ERR_NATIVE", "llama.cpp could not quantize " + in_path + " to " + type + ": " + backend_log_take());
    }
}

}  // namespace pl
