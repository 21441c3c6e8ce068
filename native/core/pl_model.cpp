// Model loading with validation first, metadata, tokenization, chat templates and LoRA adapter loading.
#include "pl_model.h"

#include "pl_backend.h"
#include "pl_error.h"
#include "pl_gguf.h"

#include <cstdlib>

namespace pl {

static std::string with_reason(const std::string & message, const std::string & reason) {
    return reason.empty() ? message : message + ": " + reason;
}

std::shared_ptr<model> model::load(const model_load_params & params, const std::function<bool(float)> & progress) {
    const gguf_summary summary = gguf_inspect(params.path);  // clear errors before llama.cpp sees the file
    if (summary.type == "adapter") {
        throw error("ERR_MODEL_LOAD", params.path + " is a LoRA adapter, not a model: load a base model and apply it with loadAdapter()");
    }

    auto m = std::shared_ptr<model>(new model());
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = params.gpu_layers;
    std::vector<ggml_backend_dev_t> devices;  // null-terminated, alive while llama.cpp loads
    if (!params.devices.empty()) {
        devices = backend_offload_devices(params.devices);
        if (devices.empty()) mp.n_gpu_layers = 0;
        if (mp.n_gpu_layers != 0) for (ggml_backend_dev_t dev : devices) m->lane_ += std::string(m->lane_.empty() ? "" : ",") + ggml_backend_dev_name(dev);
        devices.push_back(nullptr);
        mp.devices = devices.data();
    }
    mp.vocab_only   = params.vocab_only;
    mp.load_mode    = params.use_mmap ? mp.load_mode : LLAMA_LOAD_MODE_NONE;
    mp.use_extra_bufts = params.repack;
    struct progress_state { const std::function<bool(float)> * fn; bool aborted; } state { &progress, false };
    mp.progress_callback = [](float p, void * ud) -> bool {
        auto * s = static_cast<progress_state *>(ud);
        if (s->fn && *s->fn && !(*s->fn)(p)) { s->aborted = true; return false; }
        return true;
    };
    mp.progress_callback_user_data = &state;

    backend_log_reset();
    m->model_ = llama_model_load_from_file(params.path.c_str(), mp);
    if (!m->model_) {
        if (state.aborted) throw error("ERR_ABORTED", "Loading " + params.path + " was aborted");
        throw error("ERR_MODEL_LOAD", with_reason("llama.cpp could not load " + params.path, backend_log_take()));
    }
    m->vocab_ = llama_model_get_vocab(m->model_);

    model_info & in = m->info_;
    char buf[512];
    in.architecture = summary.architecture;
    llama_model_desc(m->model_, buf, sizeof(buf));
    in.description  = buf;
    in.file_type    = llama_ftype_name(llama_model_ftype(m->model_));
    const char * tmpl = llama_model_chat_template(m->model_, nullptr);
    in.chat_template = tmpl ? tmpl : "";
    in.n_params     = llama_model_n_params(m->model_);
    in.size_bytes   = llama_model_size(m->model_);
    in.n_vocab      = llama_vocab_n_tokens(m->vocab_);
    in.n_ctx_train  = llama_model_n_ctx_train(m->model_);
    in.n_embd       = llama_model_n_embd(m->model_);
    in.n_layer      = llama_model_n_layer(m->model_);
    in.vocab_type   = llama_vocab_type(m->vocab_);
    in.bos          = llama_vocab_bos(m->vocab_);
    in.eos          = llama_vocab_eos(m->vocab_);
    in.add_bos      = llama_vocab_get_add_bos(m->vocab_);
    in.tensor_types = summary.tensor_types;
    const int32_t n_meta = llama_model_meta_count(m->model_);
    std::vector<char> val(1 << 16);
    for (int32_t i = 0; i < n_meta; i++) {
        llama_model_meta_key_by_index(m->model_, i, buf, sizeof(buf));
        const int32_t n = llama_model_meta_val_str_by_index(m->model_, i, val.data(), val.size());
        in.metadata[buf] = n >= 0 ? std::string(val.data(), std::min<size_t>((size_t) n, val.size() - 1)) : "";
    }
    return m;
}

model::~model() {
    if (model_) llama_model_free(model_);
}

std::vector<llama_token> model::tokenize(const std::string & text, bool add_special, bool parse_special) const {
    if (text.size() > (size_t) INT32_MAX / 2) throw error("ERR_INVALID_OPTION", "Text too long to tokenize in one call");
    std::vector<llama_token> out(text.size() + 8);
    int32_t n = llama_tokenize(vocab_, text.data(), (int32_t) text.size(), out.data(), (int32_t) out.size(), add_special, parse_special);
    if (n < 0) {
        if (n == INT32_MIN) throw error("ERR_INVALID_OPTION", "Tokenization overflow");
        out.resize((size_t) -n);
        n = llama_tokenize(vocab_, text.data(), (int32_t) text.size(), out.data(), (int32_t) out.size(), add_special, parse_special);
    }
    out.resize((size_t) std::max(n, 0));
    return out;
}

void model::check_tokens(const llama_token * tokens, size_t n) const {
    for (size_t i = 0; i < n; i++) {
        if (tokens[i] < 0 || tokens[i] >= info_.n_vocab) {
            throw error("ERR_TOKEN_RANGE", "Token id " + std::to_string(tokens[i]) + " at index " + std::to_string(i) +
                                               " is outside the vocabulary [0, " + std::to_string(info_.n_vocab) + ")");
        }
    }
}

std::string model::detokenize(const std::vector<llama_token> & tokens, bool render_special) const {
    check_tokens(tokens.data(), tokens.size());
    std::string out(tokens.size() * 8 + 16, '\0');
    int32_t n = llama_detokenize(vocab_, tokens.data(), (int32_t) tokens.size(), out.data(), (int32_t) out.size(), false, render_special);
    if (n < 0) {
        out.resize((size_t) -n);
        n = llama_detokenize(vocab_, tokens.data(), (int32_t) tokens.size(), out.data(), (int32_t) out.size(), false, render_special);
    }
    out.resize((size_t) std::max(n, 0));
    return out;
}

std::string model::token_piece(llama_token token, bool render_special) const {
    check_tokens(&token, 1);
    char buf[256];
    int32_t n = llama_token_to_piece(vocab_, token, buf, sizeof(buf), 0, render_special);
    if (n < 0) {
        std::string big((size_t) -n, '\0');
        llama_token_to_piece(vocab_, token, big.data(), (int32_t) big.size(), 0, render_special);
        return big;
    }
    return std::string(buf, (size_t) n);
}

std::string model::apply_chat_template(const std::vector<std::pair<std::string, std::string>> & messages, bool add_assistant,
                                       const std::string & template_override) const {
    const std::string tmpl = template_override.empty() ? info_.chat_template : template_override;
    if (tmpl.empty()) throw error("ERR_INVALID_OPTION", "The model has no chat template (tokenizer.chat_template); pass one explicitly");
    std::vector<llama_chat_message> chat;
    size_t total = 0;
    for (const auto & [role, content] : messages) {
        chat.push_back({ role.c_str(), content.c_str() });
        total += role.size() + content.size();
    }
    std::string out(total * 2 + 256, '\0');
    int32_t n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), add_assistant, out.data(), (int32_t) out.size());
    if (n < 0) throw error("ERR_INVALID_OPTION", "llama.cpp does not support this chat template");
    if ((size_t) n > out.size()) {
        out.resize((size_t) n);
        n = llama_chat_apply_template(tmpl.c_str(), chat.data(), chat.size(), add_assistant, out.data(), (int32_t) out.size());
    }
    out.resize((size_t) n);
    return out;
}

std::shared_ptr<adapter> adapter::load(std::shared_ptr<model> base, const std::string & path) {
    const gguf_summary summary = gguf_inspect(path);
    if (summary.type != "adapter") {
        throw error("ERR_ADAPTER", path + " is not a LoRA adapter (general.type is \"" + summary.type + "\", expected \"adapter\")");
    }
    if (summary.architecture != base->info().architecture) {
        throw error("ERR_ADAPTER", path + " is an adapter for architecture \"" + summary.architecture + "\" but the model is \"" +
                                       base->info().architecture + "\"");
    }
    auto a = std::shared_ptr<adapter>(new adapter());
    a->base_ = base;
    backend_log_reset();
    a->adapter_ = llama_adapter_lora_init(base->get(), path.c_str());
    if (!a->adapter_) throw error("ERR_ADAPTER", with_reason("llama.cpp rejected the adapter " + path, backend_log_take()));
    char key[256];
    std::vector<char> val(4096);
    for (int32_t i = 0; i < llama_adapter_meta_count(a->adapter_); i++) {
        llama_adapter_meta_key_by_index(a->adapter_, i, key, sizeof(key));
        const int32_t n = llama_adapter_meta_val_str_by_index(a->adapter_, i, val.data(), val.size());
        a->metadata_[key] = n >= 0 ? std::string(val.data(), std::min<size_t>((size_t) n, val.size() - 1)) : "";
    }
    auto it = a->metadata_.find("adapter.lora.alpha");
    if (it != a->metadata_.end()) a->alpha_ = std::strtof(it->second.c_str(), nullptr);
    return a;
}

adapter::~adapter() {
    // llama.cpp frees adapters with their model; free early only while the model lives (base_ keeps it alive here).
    if (adapter_) llama_adapter_lora_free(adapter_);
}

}  // namespace pl
