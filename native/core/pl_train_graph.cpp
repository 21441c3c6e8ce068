// The training graph on ggml: GGUF base loading (stored types kept), LoRA pairs, forward pass, mask and loss.
#include "pl_train_graph.h"

#include "pl_backend.h"
#include "pl_dropout.h"
#include "pl_error.h"
#include "pl_gguf.h"
#include "pl_rng.h"

#include "gguf.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

namespace pl {

lora_target lora_target_parse(const std::string & name) {
    static const std::map<std::string, lora_target> names = {
        { "q", LORA_Q }, { "k", LORA_K }, { "v", LORA_V }, { "o", LORA_O }, { "gate", LORA_GATE }, { "up", LORA_UP }, { "down", LORA_DOWN },
    };
    auto it = names.find(name);
    if (it == names.end()) throw error("ERR_INVALID_OPTION", "Unknown LoRA target \"" + name + "\" (expected q, k, v, o, gate, up or down)");
    return it->second;
}

static int64_t kv_int(const gguf_context * g, const std::string & key, int64_t fallback, bool required, const std::string & path) {
    const int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0) {
        if (required) throw error("ERR_MODEL_LOAD", path + " has no " + key);
        return fallback;
    }
    switch (gguf_get_kv_type(g, id)) {
        case GGUF_TYPE_UINT32: return gguf_get_val_u32(g, id);
        case GGUF_TYPE_INT32:  return gguf_get_val_i32(g, id);
        case GGUF_TYPE_UINT64: return (int64_t) gguf_get_val_u64(g, id);
        case GGUF_TYPE_INT64:  return gguf_get_val_i64(g, id);
        default: throw error("ERR_BAD_FORMAT", path + ": " + key + " is not an integer");
    }
}

static float kv_float(const gguf_context * g, const std::string & key, float fallback, const std::string & path) {
    const int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0) return fallback;
    if (gguf_get_kv_type(g, id) != GGUF_TYPE_FLOAT32) throw error("ERR_BAD_FORMAT", path + ": " + key + " is not a float32");
    return gguf_get_val_f32(g, id);
}

static std::string kv_string(const gguf_context * g, const std::string & key, const std::string & fallback, const std::string & path) {
    const int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0) return fallback;
    if (gguf_get_kv_type(g, id) != GGUF_TYPE_STRING) throw error("ERR_BAD_FORMAT", path + ": " + key + " is not a string");
    return gguf_get_val_str(g, id);
}

void train_model::read_structure(const gguf_context * g, const std::string & architecture) {
    const std::string & path = path_;
    arch_ = &train_arch_of(architecture, path);
    train_hparams & hp = hp_;
    const std::string a = architecture + ".";
    hp.architecture = architecture;
    hp.rope_mode    = arch_->rope_mode;
    hp.n_embd       = (int32_t) kv_int(g, a + "embedding_length", 0, true, path);
    hp.n_layer      = (int32_t) kv_int(g, a + "block_count", 0, true, path);
    hp.n_head       = (int32_t) kv_int(g, a + "attention.head_count", 0, true, path);
    hp.n_head_kv    = (int32_t) kv_int(g, a + "attention.head_count_kv", hp.n_head, false, path);
    hp.n_ff         = (int32_t) kv_int(g, a + "feed_forward_length", 0, true, path);
    hp.n_ctx_train  = (int32_t) kv_int(g, a + "context_length", 0, true, path);
    if (hp.n_head < 1 || hp.n_embd % hp.n_head != 0 || hp.n_head_kv < 1 || hp.n_head % hp.n_head_kv != 0) {
        throw error("ERR_MODEL_LOAD", path + ": inconsistent head counts");
    }
    hp.n_embd_head  = (int32_t) kv_int(g, a + "attention.key_length", hp.n_embd / hp.n_head, false, path);
    if (kv_int(g, a + "attention.value_length", hp.n_embd_head, false, path) != hp.n_embd_head) {
        throw error("ERR_MODEL_LOAD", path + ": " + a + "attention.value_length differs from the key length, which llama.cpp's " + architecture + " graph does not allow");
    }
    hp.n_rot        = (int32_t) kv_int(g, a + "rope.dimension_count", hp.n_embd_head, false, path);
    if (hp.n_rot != hp.n_embd_head) {
        throw error("ERR_MODEL_LOAD", path + ": " + a + "rope.dimension_count (" + std::to_string(hp.n_rot) + ") differs from the head size (" +
                                          std::to_string(hp.n_embd_head) + "), which llama.cpp's " + architecture + " graph does not allow");
    }
    hp.rope_freq_base = kv_float(g, a + "rope.freq_base", 10000.0f, path);
    hp.rms_eps      = kv_float(g, a + "attention.layer_norm_rms_epsilon", 1e-5f, path);
    // RoPE scaling as llama.cpp reads it (llama_model_base::load_hparams, llama_context): the type defaults to linear,
    // whose frequency scale is 1 / factor (1 without a factor); YaRN and LongRoPE are not built here.
    const std::string scaling = kv_string(g, a + "rope.scaling.type", "linear", path);
    if (scaling != "none" && scaling != "linear") {
        throw error("ERR_MODEL_LOAD", path + " uses " + scaling + " RoPE scaling (" + a + "rope.scaling.type), which the trainer does not support yet");
    }
    float factor = kv_float(g, a + "rope.scaling.factor", 0.0f, path);
    if (factor == 0.0f) factor = kv_float(g, a + "rope.scale_linear", 0.0f, path);
    hp.rope_freq_scale  = scaling == "none" || factor == 0.0f ? 1.0f : 1.0f / factor;
    hp.rope_attn_factor = kv_float(g, a + "rope.scaling.attn_factor", 1.0f, path);
    hp.n_ctx_orig       = (int32_t) kv_int(g, a + "rope.scaling.original_context_length", hp.n_ctx_train, false, path);
    // <arch>.attention.scale is not read: llama.cpp's llama, qwen2 and qwen3 graphs scale K·Q by 1/sqrt(D) whatever it says.

    auto get = [&](const std::string & name, int64_t ne0, int64_t ne1, bool required = true) -> ggml_tensor * {
        ggml_tensor * t = ggml_get_tensor(ctx_base_, name.c_str());
        if (!t) {
            if (required) throw error("ERR_MODEL_LOAD", path + " has no tensor " + name);
            return nullptr;
        }
        if (t->ne[0] != ne0 || t->ne[1] != ne1 || t->ne[2] != 1 || t->ne[3] != 1) {
            throw error("ERR_MODEL_LOAD", path + ": tensor " + name + " has shape [" + std::to_string(t->ne[0]) + ", " + std::to_string(t->ne[1]) +
                                              "], expected [" + std::to_string(ne0) + ", " + std::to_string(ne1) + "]");
        }
        return t;
    };
    ggml_tensor * embd = ggml_get_tensor(ctx_base_, "token_embd.weight");
    if (!embd) throw error("ERR_MODEL_LOAD", path + " has no tensor token_embd.weight");
    hp.n_vocab = (int32_t) embd->ne[1];
    const int64_t C = hp.n_embd, D = hp.n_embd_head, Cq = D * hp.n_head, Ckv = D * hp.n_head_kv;
    tok_embd_    = get("token_embd.weight", C, hp.n_vocab);
    output_norm_ = get("output_norm.weight", C, 1);
    output_      = get("output.weight", C, hp.n_vocab, false);
    if (!output_) { output_ = tok_embd_; tied_ = true; }  // tied embeddings, as llama.cpp does
    output_b_    = get("output.bias", hp.n_vocab, 1, false);
    if (arch_->rope_factors) {
        rope_freqs_ = get("rope_freqs.weight", hp.n_rot / 2, 1, false);
        if (rope_freqs_ && rope_freqs_->type != GGML_TYPE_F32) throw error("ERR_MODEL_LOAD", path + ": rope_freqs.weight is " + ggml_type_name(rope_freqs_->type) + ", expected f32");
    }
    for (const char * unsupported : { "ffn_gate.bias", "ffn_up.bias", "ffn_down.bias", "attn_qkv.weight" }) {
        if (ggml_get_tensor(ctx_base_, ("blk.0." + std::string(unsupported)).c_str())) {
            throw error("ERR_MODEL_LOAD", path + " has blk.0." + unsupported + ", which the trainer does not support yet");
        }
    }
    for (int32_t l = 0; l < hp.n_layer; l++) {
        const std::string b = "blk." + std::to_string(l) + ".";
        layer L;
        L.attn_norm = get(b + "attn_norm.weight", C, 1);
        L.wq = get(b + "attn_q.weight", C, Cq);
        L.wk = get(b + "attn_k.weight", C, Ckv);
        L.wv = get(b + "attn_v.weight", C, Ckv);
        L.wo = get(b + "attn_output.weight", Cq, C);
        L.bq = get(b + "attn_q.bias", Cq, 1, false);
        L.bk = get(b + "attn_k.bias", Ckv, 1, false);
        L.bv = get(b + "attn_v.bias", Ckv, 1, false);
        L.bo = get(b + "attn_output.bias", C, 1, false);
        if (arch_->qk_norm) {
            L.q_norm = get(b + "attn_q_norm.weight", D, 1);
            L.k_norm = get(b + "attn_k_norm.weight", D, 1);
        }
        L.ffn_norm = get(b + "ffn_norm.weight", C, 1);
        L.w_gate = get(b + "ffn_gate.weight", C, hp.n_ff);
        L.w_up   = get(b + "ffn_up.weight", C, hp.n_ff);
        L.w_down = get(b + "ffn_down.weight", hp.n_ff, C);
        layers_.push_back(L);
    }
}

void train_model::check(const std::string & path) {
    const gguf_summary summary = gguf_inspect(path);
    if (summary.type == "adapter") throw error("ERR_MODEL_LOAD", path + " is a LoRA adapter, not a base model");
    std::unique_ptr<train_model> m(new train_model());
    m->path_ = path;
    gguf_init_params gp = { /*no_alloc =*/ true, /*ctx =*/ &m->ctx_base_ };
    std::unique_ptr<gguf_context, decltype(&gguf_free)> g(gguf_init_from_file(path.c_str(), gp), gguf_free);
    if (!g) throw error("ERR_BAD_FORMAT", "Cannot read the GGUF file " + path);
    m->read_structure(g.get(), summary.architecture);
}

std::unique_ptr<train_model> train_model::load(const std::string & path, const lora_params & lora, const rows_params & rows, const std::string & device) {
    backend_init();
    ggml_backend_dev_t dev = backend_device(device);
    const gguf_summary summary = gguf_inspect(path);
    if (summary.type == "adapter") throw error("ERR_MODEL_LOAD", path + " is a LoRA adapter, not a base model");
    train_arch_of(summary.architecture, path);
    if (lora.rank < 1 || lora.rank > 4096) throw error("ERR_INVALID_OPTION", "LoRA rank must be in [1, 4096], got " + std::to_string(lora.rank));
    if (!(lora.alpha > 0.0f) || !std::isfinite(lora.alpha)) throw error("ERR_INVALID_OPTION", "LoRA alpha must be a positive number");
    if (!(lora.dropout >= 0.0f && lora.dropout < 1.0f)) throw error("ERR_INVALID_OPTION", "LoRA dropout must be in [0, 1), got " + std::to_string(lora.dropout));
    if (lora.targets == 0 || (lora.targets & ~(uint32_t) LORA_ALL)) throw error("ERR_INVALID_OPTION", "LoRA targets must name at least one of q, k, v, o, gate, up, down");

    std::unique_ptr<train_model> m(new train_model());
    m->lora_ = lora;
    m->path_ = path;
    gguf_init_params gp = { /*no_alloc =*/ true, /*ctx =*/ &m->ctx_base_ };
    std::unique_ptr<gguf_context, decltype(&gguf_free)> g(gguf_init_from_file(path.c_str(), gp), gguf_free);
    if (!g) throw error("ERR_BAD_FORMAT", "Cannot read the GGUF file " + path);
    m->read_structure(g.get(), summary.architecture);
    const train_hparams & hp = m->hp_;
    const int64_t C = hp.n_embd;
    if (rows.from >= hp.n_vocab) {
        throw error("ERR_INVALID_OPTION", "Trainable rows from token id " + std::to_string(rows.from) + " are outside the vocabulary [0, " + std::to_string(hp.n_vocab) + ") of " + path);
    }
    m->rows_from_ = rows.from < 0 ? -1 : rows.from;

    // Weights: one buffer of the device, filled from the file in their stored types.
    m->device_ = dev;
    m->backend_ = ggml_backend_dev_init(dev, nullptr);
    if (!m->backend_) throw error("ERR_NATIVE", std::string("Cannot initialise the ggml backend of device ") + ggml_backend_dev_name(dev));
    m->buf_base_ = ggml_backend_alloc_ctx_tensors(m->ctx_base_, m->backend_);
    if (!m->buf_base_) throw error("ERR_NATIVE", "Cannot allocate " + std::to_string(summary.data_bytes) + " bytes for the weights of " + path);
    std::ifstream f(path, std::ios::binary);
    if (!f) throw error("ERR_FILE_NOT_FOUND", "Cannot open " + path);
    std::vector<uint8_t> staging;
    for (int64_t i = 0; i < gguf_get_n_tensors(g.get()); i++) {
        ggml_tensor * t = ggml_get_tensor(m->ctx_base_, gguf_get_tensor_name(g.get(), i));
        const size_t offset = gguf_get_data_offset(g.get()) + gguf_get_tensor_offset(g.get(), i), n = ggml_nbytes(t);
        staging.resize(n);
        if (!f.seekg((std::streamoff) offset) || !f.read(reinterpret_cast<char *>(staging.data()), (std::streamsize) n)) {
            throw error("ERR_BAD_FORMAT", path + ": truncated data for tensor " + t->name);
        }
        ggml_backend_tensor_set(t, staging.data(), 0, n);
    }

    // LoRA pairs, in file order: blk.<l>.<weight>, q k v o gate up down.
    struct slot { lora_target target; const char * name; ggml_tensor * layer::*w; const lora_pair * layer::*p; };
    static const slot slots[] = {
        { LORA_Q, "attn_q", &layer::wq, &layer::lq },           { LORA_K, "attn_k", &layer::wk, &layer::lk },
        { LORA_V, "attn_v", &layer::wv, &layer::lv },           { LORA_O, "attn_output", &layer::wo, &layer::lo },
        { LORA_GATE, "ffn_gate", &layer::w_gate, &layer::lgate }, { LORA_UP, "ffn_up", &layer::w_up, &layer::lup },
        { LORA_DOWN, "ffn_down", &layer::w_down, &layer::ldown },
    };
    size_t n_pairs = 0;
    for (const slot & s : slots) n_pairs += (lora.targets & s.target) ? (size_t) hp.n_layer : 0;
    ggml_init_params lp = { ggml_tensor_overhead() * (2 * n_pairs + 3), nullptr, true };
    m->ctx_lora_ = ggml_init(lp);
    m->pairs_.reserve(n_pairs);
    for (int32_t l = 0; l < hp.n_layer; l++) {
        for (const slot & s : slots) {
            if (!(lora.targets & s.target)) continue;
            ggml_tensor * w = m->layers_[l].*s.w;
            lora_pair p;
            p.target = "blk." + std::to_string(l) + "." + s.name + ".weight";
            p.a = ggml_new_tensor_2d(m->ctx_lora_, GGML_TYPE_F32, w->ne[0], lora.rank);
            p.b = ggml_new_tensor_2d(m->ctx_lora_, GGML_TYPE_F32, lora.rank, w->ne[1]);
            ggml_set_name(p.a, (p.target + ".lora_a").c_str());
            ggml_set_name(p.b, (p.target + ".lora_b").c_str());
            ggml_set_param(p.a);
            ggml_set_param(p.b);
            m->pairs_.push_back(p);
            m->layers_[l].*s.p = &m->pairs_.back();
        }
    }
    if (m->rows_from_ >= 0) {
        const int64_t n_rows = hp.n_vocab - m->rows_from_;
        m->embd_rows_ = ggml_new_tensor_2d(m->ctx_lora_, GGML_TYPE_F32, C, n_rows);
        ggml_set_name(m->embd_rows_, "token_embd.rows");
        ggml_set_param(m->embd_rows_);
        m->output_rows_ = m->embd_rows_;
        if (!m->tied_) {
            m->output_rows_ = ggml_new_tensor_2d(m->ctx_lora_, GGML_TYPE_F32, C, n_rows);
            ggml_set_name(m->output_rows_, "output.rows");
            ggml_set_param(m->output_rows_);
        }
    }
    m->buf_lora_ = ggml_backend_alloc_ctx_tensors(m->ctx_lora_, m->backend_);
    if (!m->buf_lora_) throw error("ERR_NATIVE", "Cannot allocate the LoRA parameters");
    if (m->embd_rows_) m->init_rows(m->embd_rows_, m->tok_embd_);
    if (m->output_rows_ && !m->tied_) m->init_rows(m->output_rows_, m->output_);
    portable_rng rng(lora.seed);
    std::vector<float> init;
    for (const lora_pair & p : m->pairs_) {
        const double bound = 1.0 / std::sqrt((double) p.a->ne[0]);
        init.resize((size_t) ggml_nelements(p.a));
        for (float & v : init) v = (float) ((2.0 * rng.uniform() - 1.0) * bound);
        ggml_backend_tensor_set(p.a, init.data(), 0, ggml_nbytes(p.a));
        ggml_backend_tensor_memset(p.b, 0, 0, ggml_nbytes(p.b));
    }
    return m;
}

// Dequantizes the base rows [from, V) of src into the F32 rows dst, one row at a time (the rest stays as stored).
void train_model::init_rows(ggml_tensor * dst, const ggml_tensor * src) const {
    const int64_t C = src->ne[0];
    std::vector<uint8_t> row(src->nb[1]);
    std::vector<float> out((size_t) C);
    const ggml_type_traits * tt = ggml_get_type_traits(src->type);
    for (int64_t r = 0; r < dst->ne[1]; r++) {
        ggml_backend_tensor_get(src, row.data(), (size_t) (rows_from_ + r) * src->nb[1], src->nb[1]);
        if (src->type == GGML_TYPE_F32) std::memcpy(out.data(), row.data(), (size_t) C * sizeof(float));
        else if (tt->to_float) tt->to_float(row.data(), out.data(), C);
        else throw error("ERR_MODEL_LOAD", std::string("Cannot dequantize ") + src->name + " of type " + ggml_type_name(src->type));
        ggml_backend_tensor_set(dst, out.data(), (size_t) r * dst->nb[1], (size_t) C * sizeof(float));
    }
}

train_model::~train_model() {
    if (buf_lora_) ggml_backend_buffer_free(buf_lora_);
    if (buf_base_) ggml_backend_buffer_free(buf_base_);
    if (ctx_lora_) ggml_free(ctx_lora_);
    if (ctx_base_) ggml_free(ctx_base_);
    if (backend_) ggml_backend_free(backend_);
}

float train_model::lora_scale() const {
    return lora_.rs_lora ? lora_.alpha / std::sqrt((float) lora_.rank) : lora_.alpha / (float) lora_.rank;
}

bool train_model::is_frozen_weight(const ggml_tensor * t) const {
    return t && t->buffer == buf_base_;
}

// The dropout inputs of a graph (pl_dropout.h): R for an input width, made once per width; C, one per projection.
static ggml_tensor * dropout_rows(ggml_context * ctx, train_inputs & in, int64_t width) {
    for (ggml_tensor * r : in.dropout_rows) if (r->ne[1] == width) return r;
    ggml_tensor * r = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, dropout_terms, width);
    ggml_set_input(r);
    in.dropout_rows.push_back(r);
    return r;
}

static ggml_tensor * dropout_cols(ggml_context * ctx, train_inputs & in, int64_t tokens) {
    ggml_tensor * c = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, dropout_terms, tokens);
    ggml_set_input(c);
    in.dropout_cols.push_back(c);
    return c;
}

ggml_tensor * train_model::lora_mm(ggml_context * ctx, train_inputs & in, ggml_tensor * w, ggml_tensor * x, const lora_pair * pair) const {
    ggml_tensor * y = ggml_mul_mat(ctx, w, x);                            // [out, N]
    if (!pair) return y;
    ggml_tensor * xa = x;
    float scale = lora_scale();
    if (in.dropout > 0.0f) {
        xa = ggml_mul(ctx, x, dropout_mask(ctx, dropout_rows(ctx, in, x->ne[0]), dropout_cols(ctx, in, x->ne[1]), in.dropout));
        scale *= dropout_scale(in.dropout);
    }
    ggml_tensor * ab = ggml_mul_mat(ctx, pair->b, ggml_mul_mat(ctx, pair->a, xa));  // [R, N] -> [out, N]
    return ggml_add(ctx, y, ggml_scale(ctx, ab, scale));
}

// [a, b, Hkv, B] (contiguous) -> [a, b, H, B] with head h = kv head h / (H / Hkv).
static ggml_tensor * repeat_heads(ggml_context * ctx, ggml_tensor * t, int64_t H) {
    const int64_t a = t->ne[0], b = t->ne[1], Hkv = t->ne[2], B = t->ne[3];
    ggml_tensor * r = ggml_reshape_4d(ctx, t, a * b, 1, Hkv, B);
    r = ggml_repeat_4d(ctx, r, a * b, H / Hkv, Hkv, B);
    return ggml_reshape_4d(ctx, r, a, b, H, B);
}

// y + b for an optional bias b [out], broadcast over the tokens (as llama.cpp's build_qkv and build_attn add it).
static ggml_tensor * with_bias(ggml_context * ctx, ggml_tensor * y, ggml_tensor * b) {
    return b ? ggml_add(ctx, y, b) : y;
}

// RoPE on [D, heads, N] as llama.cpp's graph of this architecture applies it (mode, frequency factors, linear scaling).
ggml_tensor * train_model::rope(ggml_context * ctx, ggml_tensor * t, ggml_tensor * pos) const {
    return ggml_rope_ext(ctx, t, pos, rope_freqs_, hp_.n_rot, hp_.rope_mode, hp_.n_ctx_orig, hp_.rope_freq_base, hp_.rope_freq_scale,
                         0.0f, hp_.rope_attn_factor, 32.0f, 1.0f);
}

ggml_tensor * train_model::build_hidden(ggml_context * ctx, train_inputs & in) const {
    const int64_t T = in.n_tokens, B = in.n_seqs, N = T * B;
    const int64_t H = hp_.n_head, Hkv = hp_.n_head_kv, D = hp_.n_embd_head;
    in.tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, N);
    in.pos    = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, N);
    in.mask   = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, T, T, 1, B);
    for (ggml_tensor * t : { in.tokens, in.pos, in.mask }) ggml_set_input(t);
    const float kq_scale = 1.0f / std::sqrt((float) D);

    ggml_tensor * x;                                                      // [C, N]
    if (rows_from_ < 0) {
        x = ggml_get_rows(ctx, tok_embd_, in.tokens);
    } else if (rows_from_ == 0) {
        x = ggml_get_rows(ctx, embd_rows_, in.tokens);
    } else {
        // frozen lookup for ids < from, trainable for ids >= from, selected per token by [1, N] masks
        in.rows_idx  = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, N);
        in.rows_mask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, N);
        in.base_mask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, N);
        for (ggml_tensor * t : { in.rows_idx, in.rows_mask, in.base_mask }) ggml_set_input(t);
        x = ggml_add(ctx, ggml_mul(ctx, ggml_get_rows(ctx, tok_embd_, in.tokens), in.base_mask),
                     ggml_mul(ctx, ggml_get_rows(ctx, embd_rows_, in.rows_idx), in.rows_mask));
    }
    for (const layer & L : layers_) {
        ggml_tensor * h = ggml_mul(ctx, ggml_rms_norm(ctx, x, hp_.rms_eps), L.attn_norm);
        ggml_tensor * q = ggml_reshape_3d(ctx, with_bias(ctx, lora_mm(ctx, in, L.wq, h, L.lq), L.bq), D, H, N);
        ggml_tensor * k = ggml_reshape_3d(ctx, with_bias(ctx, lora_mm(ctx, in, L.wk, h, L.lk), L.bk), D, Hkv, N);
        ggml_tensor * v = with_bias(ctx, lora_mm(ctx, in, L.wv, h, L.lv), L.bv);  // [D·Hkv, N]
        if (L.q_norm) q = ggml_mul(ctx, ggml_rms_norm(ctx, q, hp_.rms_eps), L.q_norm);
        if (L.k_norm) k = ggml_mul(ctx, ggml_rms_norm(ctx, k, hp_.rms_eps), L.k_norm);
        q = rope(ctx, q, in.pos);
        k = rope(ctx, k, in.pos);
        // contiguous queries let the K·Q product take ggml's tiled GEMM (llamafile) instead of row-by-row dot products
        q = ggml_cont(ctx, ggml_permute(ctx, ggml_reshape_4d(ctx, q, D, H, T, B), 0, 2, 1, 3));  // [D, T, H, B]
        k = ggml_permute(ctx, ggml_reshape_4d(ctx, k, D, Hkv, T, B), 0, 2, 1, 3);    // [D, T, Hkv, B]
        ggml_tensor * vt = ggml_cont(ctx, ggml_permute(ctx, ggml_reshape_4d(ctx, v, D, Hkv, T, B), 1, 2, 0, 3));  // [T, D, Hkv, B]
        if (Hkv != H && B > 1) {
            // ggml's MUL_MAT backward handles the head broadcast only for B = 1: repeat each kv head H/Hkv times
            // (head h reads kv head h / (H/Hkv), llama.cpp's grouping) when there are several sequences.
            k  = repeat_heads(ctx, ggml_cont(ctx, k), H);
            vt = repeat_heads(ctx, vt, H);
        }
        ggml_tensor * kq = ggml_mul_mat(ctx, k, q);                       // [T(keys), T(queries), H, B]
        kq = ggml_soft_max_ext(ctx, kq, in.mask, kq_scale, 0.0f);
        ggml_tensor * kqv = ggml_mul_mat(ctx, vt, kq);                    // [D, T, H, B]
        ggml_tensor * o = ggml_reshape_2d(ctx, ggml_cont(ctx, ggml_permute(ctx, kqv, 0, 2, 1, 3)), D * H, N);
        x = ggml_add(ctx, with_bias(ctx, lora_mm(ctx, in, L.wo, o, L.lo), L.bo), x);
        h = ggml_mul(ctx, ggml_rms_norm(ctx, x, hp_.rms_eps), L.ffn_norm);
        ggml_tensor * f = ggml_swiglu_split(ctx, lora_mm(ctx, in, L.w_gate, h, L.lgate), lora_mm(ctx, in, L.w_up, h, L.lup));  // [F, N]
        x = ggml_add(ctx, lora_mm(ctx, in, L.w_down, f, L.ldown), x);
    }
    return ggml_mul(ctx, ggml_rms_norm(ctx, x, hp_.rms_eps), output_norm_);
}

// The output head on hidden states [C, n] -> [V, n]. With trainable rows from N > 0 the frozen head's logits are
// computed for every row and those of rows >= N are overwritten by the trainable rows' (ggml_set, whose backward
// passes each part its own gradient; ggml has no CONCAT backward).
ggml_tensor * train_model::head(ggml_context * ctx, ggml_tensor * hidden) const {
    if (rows_from_ < 0) return with_bias(ctx, ggml_mul_mat(ctx, output_, hidden), output_b_);
    ggml_tensor * fresh = ggml_mul_mat(ctx, output_rows_, hidden);
    if (rows_from_ == 0) return with_bias(ctx, fresh, output_b_);
    ggml_tensor * base = ggml_mul_mat(ctx, output_, hidden);
    return with_bias(ctx, ggml_set_2d(ctx, base, fresh, base->nb[1], (size_t) rows_from_ * sizeof(float)), output_b_);
}

ggml_tensor * train_model::build_logits(ggml_context * ctx, ggml_tensor * hidden) const {
    return head(ctx, hidden);
}

// Weighted mean over targets: sum_i w_i · CE_i / sum_i w_i. ggml's CROSS_ENTROPY_LOSS is a plain mean over rows
// whose backward assumes each label row sums to 1, so targets are grouped by weight and each group's mean is
// scaled by w·n / sum(w); only rows with a target reach the output head.
ggml_tensor * train_model::build_loss(ggml_context * ctx, train_inputs & in, ggml_tensor * hidden) const {
    ggml_tensor * loss = nullptr;
    for (train_inputs::loss_group & g : in.groups) {
        const int64_t n = (int64_t) g.rows.size();
        g.idx    = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n);
        g.onehot = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, hp_.n_vocab, n);
        ggml_set_input(g.idx);
        ggml_set_input(g.onehot);
        ggml_tensor * logits = head(ctx, ggml_get_rows(ctx, hidden, g.idx));  // [V, n]
        ggml_tensor * ce = ggml_cross_entropy_loss(ctx, logits, g.onehot);
        const double share = in.row_weighted ? 1.0 : (double) g.weight * (double) n / in.weight_sum;   // else in the row weights
        if (share != 1.0) ce = ggml_scale(ctx, ce, (float) share);
        loss = loss ? ggml_add(ctx, loss, ce) : ce;
    }
    if (loss) {
        ggml_set_name(loss, "loss");
        ggml_set_output(loss);
        ggml_set_loss(loss);
    }
    return loss;
}

}  // namespace pl
