// A loaded GGUF model (weights + vocabulary) and the LoRA adapters attached to it.
#pragma once

#include "llama.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pl {

struct model_load_params {
    std::string path;
    int32_t     gpu_layers = 0;        // layers to offload; -1 = all
    std::vector<std::string> devices;  // offload devices by name (backend_offload_devices); empty: every GPU ggml has
    bool        vocab_only = false;
    bool        use_mmap   = true;
    bool        repack     = true;   // llama.cpp's CPU weight repacking (extra buffer types) for faster kernels
};

struct model_info {
    std::string architecture;
    std::string description;           // llama_model_desc, e.g. "llama 1B Q8_0"
    std::string file_type;             // llama_ftype_name
    std::string chat_template;         // empty if none
    uint64_t    n_params = 0;
    uint64_t    size_bytes = 0;
    int32_t     n_vocab = 0;
    int32_t     n_ctx_train = 0;
    int32_t     n_embd = 0;
    int32_t     n_layer = 0;
    int32_t     vocab_type = 0;        // enum llama_vocab_type
    int32_t     bos = -1, eos = -1;
    bool        add_bos = false;
    std::map<std::string, int64_t>  tensor_types;  // ggml type name -> count
    std::map<std::string, std::string> metadata;   // every GGUF key, values as strings
};

class model {
  public:
    // Loads the file; `progress` gets 0..1 and returns false to abort (then throws ERR_ABORTED).
    static std::shared_ptr<model> load(const model_load_params & params, const std::function<bool(float)> & progress);
    ~model();

    const model_info &  info() const { return info_; }
    llama_model *       get() const { return model_; }
    const llama_vocab * vocab() const { return vocab_; }

    std::vector<llama_token> tokenize(const std::string & text, bool add_special, bool parse_special) const;
    std::string              detokenize(const std::vector<llama_token> & tokens, bool render_special) const;
    std::string              token_piece(llama_token token, bool render_special) const;
    // Throws ERR_TOKEN_RANGE if any id is outside [0, n_vocab).
    void                     check_tokens(const llama_token * tokens, size_t n) const;
    std::string              apply_chat_template(const std::vector<std::pair<std::string, std::string>> & messages,
                                                 bool add_assistant, const std::string & template_override) const;

    // The compute lane of its contexts: the names of its offload devices when it was loaded onto devices other than
    // the CPU (model_load_params::devices), else "" (the shared compute thread).
    const std::string &      lane() const { return lane_; }

  private:
    llama_model *       model_ = nullptr;
    const llama_vocab * vocab_ = nullptr;
    model_info          info_;
    std::string         lane_;
};

class adapter {
  public:
    // Loads a llama.cpp LoRA GGUF for `base`; throws ERR_ADAPTER naming the file and llama.cpp's reason.
    static std::shared_ptr<adapter> load(std::shared_ptr<model> base, const std::string & path);
    ~adapter();

    llama_adapter_lora *               get() const { return adapter_; }
    const std::shared_ptr<model> &     base() const { return base_; }
    float                              alpha() const { return alpha_; }
    const std::map<std::string, std::string> & metadata() const { return metadata_; }

  private:
    std::shared_ptr<model>             base_;
    llama_adapter_lora *               adapter_ = nullptr;
    float                              alpha_ = 0.0f;
    std::map<std::string, std::string> metadata_;
};

}  // namespace pl
