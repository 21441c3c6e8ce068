// The training graph: the forward pass of a llama, qwen2 or qwen3 model (pl_train_arch.h) on ggml over a frozen GGUF
// base (kept in its stored type), with trainable LoRA A/B pairs, the packed-document causal mask, and the weighted
// causal-LM cross-entropy.
//
// Shapes (ggml order, fastest dimension first):
//   T = tokens per sequence, B = sequences, N = T·B, C = n_embd, V = n_vocab, H = heads, Hkv = kv heads,
//   D = head size (attention.key_length, default C / H), F = feed-forward width, R = LoRA rank.
#pragma once

#include "pl_train_arch.h"

#include "ggml-backend.h"
#include "ggml.h"

struct gguf_context;

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pl {

// The projections a LoRA pair can adapt.
enum lora_target : uint32_t {
    LORA_Q = 1, LORA_K = 2, LORA_V = 4, LORA_O = 8, LORA_GATE = 16, LORA_UP = 32, LORA_DOWN = 64,
    LORA_ALL = 127,
};

// Parses "q", "k", "v", "o", "gate", "up", "down"; throws ERR_INVALID_OPTION naming the unknown target.
lora_target lora_target_parse(const std::string & name);

struct lora_params {
    int32_t  rank    = 8;
    float    alpha   = 16.0f;
    bool     rs_lora = false;      // scale alpha / sqrt(rank) instead of alpha / rank
    uint32_t targets = LORA_ALL;   // bit set of lora_target
    uint64_t seed    = 42;         // A ~ U(-1/sqrt(in), 1/sqrt(in)) (PEFT's Kaiming-uniform, a = sqrt(5)); B = 0
    float    dropout = 0.0f;       // LoRA dropout on x before A (PEFT's lora_dropout), in training graphs only
};

struct train_hparams {
    std::string architecture;
    int32_t n_vocab = 0, n_ctx_train = 0, n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, n_embd_head = 0, n_ff = 0, n_rot = 0;
    int32_t rope_mode = 0;            // GGML_ROPE_TYPE_NORMAL or GGML_ROPE_TYPE_NEOX
    int32_t n_ctx_orig = 0;           // rope.scaling.original_context_length, default n_ctx_train
    float   rope_freq_base = 10000.0f;
    float   rope_freq_scale = 1.0f;   // 1 / rope.scaling.factor with linear scaling
    float   rope_attn_factor = 1.0f;  // rope.scaling.attn_factor
    float   rms_eps = 1e-5f;
};

// Trainable token rows (the study's modules_to_save, or a vocabulary extension): the embedding rows and the output
// head rows with id >= from, held as F32 parameters initialised from the base. from < 0: none; 0: every row.
struct rows_params {
    int32_t from = -1;
};

// One trainable pair on the base weight `target` (e.g. "blk.0.attn_q.weight"): y = W·x + scale · B·(A·x).
struct lora_pair {
    std::string   target;
    ggml_tensor * a = nullptr;     // [in, R]
    ggml_tensor * b = nullptr;     // [R, out]
};

// A batch as the host holds it: sequence b occupies tokens [b·T, (b+1)·T).
struct train_batch {
    const int32_t * tokens    = nullptr;  // [N]
    const float *   weights   = nullptr;  // [N] loss weight of token i as a target (predicted from i-1); may be null
    const uint8_t * doc_start = nullptr;  // [N] 1 where a packed document begins; may be null (one document a sequence)
    int64_t         n_tokens  = 0;        // T
    int64_t         n_seqs    = 1;        // B
};

// The inputs of one graph: host data derived from a train_batch by prepare(), tensors made by the build_* calls,
// copied in after allocation by train_inputs_set().
struct train_inputs {
    int64_t               n_tokens = 0, n_seqs = 1;
    std::vector<int32_t>  tokens_data, pos_data;
    std::vector<float>    mask_data;
    ggml_tensor * tokens = nullptr;   // I32 [N]
    ggml_tensor * pos    = nullptr;   // I32 [N], restarting at 0 at every document start
    ggml_tensor * mask   = nullptr;   // F32 [T, T, 1, B]: 0 where key k may be seen from query q, -inf elsewhere
    struct loss_group {
        float                 weight;
        std::vector<int32_t>  rows;    // positions whose next token is a target of this weight
        std::vector<int32_t>  labels;  // those target tokens
        ggml_tensor *         idx = nullptr;   // I32 [n]
        ggml_tensor *         onehot = nullptr;  // F32 [V, n]
        // I32 [1, n]: the labels as ids, made by the portable rewrite of the cross-entropy (pl_train_portable.h),
        // which then leaves the one-hot out of the graph
        ggml_tensor *         ids = nullptr;
    };
    std::vector<loss_group> groups;
    double weight_sum = 0.0;
    // After weigh_all_rows(): one group over all N positions, each row's loss weighted by an F32 input [1, N]
    // (made by the portable rewrite of the cross-entropy; N · weight / weight_sum for a target, 0 elsewhere).
    bool                  row_weighted = false;
    std::vector<float>    row_weights_data;
    ggml_tensor *         row_weights = nullptr;
    // Trainable rows from id `from` > 0: index into the F32 rows (id - from, 0 for frozen ids) and the [1, N] masks
    // that select the trainable lookup (id >= from) or the frozen one. ('all' looks the tokens up directly.)
    std::vector<int32_t>  rows_idx_data;
    std::vector<float>    rows_mask_data, base_mask_data;
    ggml_tensor * rows_idx = nullptr, * rows_mask = nullptr, * base_mask = nullptr;
    // LoRA dropout of this graph (set before build_hidden; 0 for evaluation): masks computed in the graph
    // (pl_dropout.h) from an F32 [K, in] input per input width and an F32 [K, N] input per adapted projection, drawn
    // in that order from a portable RNG seeded with dropout_seed.
    float                       dropout = 0.0f;
    uint64_t                    dropout_seed = 0;
    std::vector<ggml_tensor *>  dropout_rows, dropout_cols;
    // Inputs added by the portable rewrites (pl_train_portable.h): an I32 iota 0..n-1, or an F32 one-hot [ids, n]
    // whose row i marks the i-th id of the I32 input `ids` (its host data, read when the inputs are set).
    struct extra_input {
        ggml_tensor *        t = nullptr;
        int64_t              n = 0;
        const ggml_tensor *  ids = nullptr;   // the one-hot's ids; null for an iota
    };
    std::vector<extra_input> extras;
    // The host data of an I32 input of this graph (tokens, rows_idx, a loss group's idx); null for another tensor.
    const std::vector<int32_t> * host_ids(const ggml_tensor * t) const;
    // What the graph's structure depends on besides the model: tokens, sequences, and each loss group's weight and
    // size. Two batches with the same shape can share one built graph (refresh()).
    std::vector<double> shape() const;
    // Takes the host data of `fresh`, a prepared batch of the same shape(), keeping this graph's tensors.
    void refresh(train_inputs && fresh);
    // Turns the loss groups into one group over every position with per-row weights, so that the shape no longer
    // depends on where documents start or which tokens are targets (label 0, weight 0 where there is no target).
    void weigh_all_rows();
    // The positions whose next token is a target.
    int64_t targets() const;
};

class train_model {
  public:
    // Loads the base from `path` into the buffers of `device` (weights stay in their stored types) and creates the
    // LoRA pairs there. device: "cpu", "gpu" (the first GPU ggml found) or a name as ggml_backend_dev_name gives it
    // ("CUDA0", "MTL0"; case-insensitive). Throws ERR_FILE_NOT_FOUND / ERR_BAD_FORMAT for the file, ERR_MODEL_LOAD
    // for an unsupported architecture or a missing tensor, ERR_INVALID_OPTION for a bad LoRA configuration or an
    // unknown device (the message lists the devices there are).
    static std::unique_ptr<train_model> load(const std::string & path, const lora_params & lora, const rows_params & rows = {},
                                             const std::string & device = "cpu");
    // Reads the metadata and tensor list of `path` (no weights) and throws, as load() would, if the trainer cannot
    // train it (ERR_BACKEND or ERR_MODEL_LOAD with the reason).
    static void check(const std::string & path);
    ~train_model();

    const train_hparams &          hparams() const { return hp_; }
    const lora_params &            lora() const { return lora_; }
    float                          lora_scale() const;   // alpha / R, or alpha / sqrt(R) with rsLoRA
    const std::vector<lora_pair> & pairs() const { return pairs_; }
    ggml_backend_t                 backend() const { return backend_; }
    ggml_backend_dev_t             device() const { return device_; }
    // Trainable rows: the first id that trains (-1 when none), the F32 embedding rows [C, V - from] and output rows
    // (the same tensor with tied embeddings, i.e. no output.weight in the base); null when rows do not train.
    int32_t                        rows_from() const { return rows_from_; }
    ggml_tensor *                  embd_rows() const { return embd_rows_; }
    ggml_tensor *                  output_rows() const { return output_rows_; }
    bool                           tied() const { return tied_; }
    const std::string &            path() const { return path_; }
    // A tensor of the loaded base by GGUF name (null if absent), in its stored type.
    const ggml_tensor *            base_tensor(const std::string & name) const { return ggml_get_tensor(ctx_base_, name.c_str()); }

    // Checks a batch against the model (token range, sizes, context) and derives its inputs' host data.
    train_inputs prepare(const train_batch & batch) const;

    // Builds the forward pass into `ctx` (no_alloc) and returns the final normalised hidden states [C, N].
    ggml_tensor * build_hidden(ggml_context * ctx, train_inputs & in) const;
    // Logits for every position: [V, N].
    ggml_tensor * build_logits(ggml_context * ctx, ggml_tensor * hidden) const;
    // Weighted mean cross-entropy over the batch's targets (a scalar), flagged as the loss; null if no token has weight.
    ggml_tensor * build_loss(ggml_context * ctx, train_inputs & in, ggml_tensor * hidden) const;

    // True for a frozen base weight of this model (used to route its backward, see pl_trainer.cpp).
    bool is_frozen_weight(const ggml_tensor * t) const;

  private:
    train_model() = default;
    // Fills hp_, the base tensors and layers_ from the GGUF metadata `g` and ctx_base_; throws what load() throws.
    void          read_structure(const gguf_context * g, const std::string & architecture);
    ggml_tensor * lora_mm(ggml_context * ctx, train_inputs & in, ggml_tensor * w, ggml_tensor * x, const lora_pair * pair) const;
    ggml_tensor * head(ggml_context * ctx, ggml_tensor * hidden) const;
    ggml_tensor * rope(ggml_context * ctx, ggml_tensor * t, ggml_tensor * pos) const;
    void          init_rows(ggml_tensor * dst, const ggml_tensor * src) const;

    struct layer {
        ggml_tensor * attn_norm = nullptr, * wq = nullptr, * wk = nullptr, * wv = nullptr, * wo = nullptr;
        ggml_tensor * bq = nullptr, * bk = nullptr, * bv = nullptr, * bo = nullptr;   // optional biases (qwen2: q, k, v)
        ggml_tensor * q_norm = nullptr, * k_norm = nullptr;                           // [D] per-head RMS norms (qwen3)
        ggml_tensor * ffn_norm = nullptr, * w_gate = nullptr, * w_up = nullptr, * w_down = nullptr;
        const lora_pair * lq = nullptr, * lk = nullptr, * lv = nullptr, * lo = nullptr;
        const lora_pair * lgate = nullptr, * lup = nullptr, * ldown = nullptr;
    };

    train_hparams          hp_;
    const train_arch *     arch_ = nullptr;
    ggml_tensor *          rope_freqs_ = nullptr;   // [n_rot / 2] RoPE frequency divisors (Llama 3.1+), or null
    ggml_tensor *          output_b_ = nullptr;     // [V] optional output bias
    lora_params            lora_;
    ggml_tensor *          tok_embd_ = nullptr, * output_norm_ = nullptr, * output_ = nullptr;
    std::vector<layer>     layers_;
    std::vector<lora_pair> pairs_;
    std::string            path_;
    int32_t                rows_from_ = -1;
    bool                   tied_ = false;
    ggml_tensor *          embd_rows_ = nullptr, * output_rows_ = nullptr;
    ggml_context *         ctx_base_ = nullptr;   // the GGUF's tensors
    ggml_context *         ctx_lora_ = nullptr;
    ggml_backend_dev_t     device_ = nullptr;
    ggml_backend_t         backend_ = nullptr;
    ggml_backend_buffer_t  buf_base_ = nullptr, buf_lora_ = nullptr;
};

// Copies the host data of prepared inputs into their allocated tensors.
void train_inputs_set(const train_inputs & in, int32_t n_vocab);

}  // namespace pl
