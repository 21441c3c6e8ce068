// An inference session over one llama_context: logits, continuation log-likelihoods with KV reuse, and generation.
#pragma once

#include "pl_model.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace pl {

struct session_params {
    uint32_t n_ctx     = 2048;
    uint32_t n_batch   = 512;
    uint32_t n_seq_max = 8;   // parallel sequences (options scored at once)
    int32_t  n_threads = 0;   // 0 = hardware concurrency
    bool     flash_attn = false;
    bool     kv_f32    = false;  // keep the KV cache in F32 instead of llama.cpp's default F16
};

struct sampler_params {
    float    temperature    = 0.0f;  // 0 = greedy
    int32_t  top_k          = 40;
    float    top_p          = 0.95f;
    float    min_p          = 0.05f;
    float    repeat_penalty = 1.0f;
    int32_t  repeat_last_n  = 64;    // -1 = whole context
    uint32_t seed           = 0;
};

struct continuation_score {
    double  log_prob = 0.0;  // sum of log p(continuation token | prefix)
    bool    greedy   = true; // every continuation token was the argmax
    int32_t n_tokens = 0;
};

struct generation_step {
    std::vector<llama_token> tokens;
    bool                     finished = false;  // no more tokens will come
    std::string              stop_reason;       // "eog" (end-of-generation token, not included), "context" (full), or ""

};

// One prompt of a batched generation, generated in its own sequence with its own sampler.
struct batch_item {
    std::vector<llama_token> prompt;
    sampler_params           sampler;
    int32_t                  max_tokens = 256;
};

// What one sequence of a batched generation produced in a step.
struct batch_seq_step {
    std::vector<llama_token> tokens;
    bool                     finished = false;
    // "eog" (end-of-generation token, not included), "maxTokens", "context" (its positions or the shared KV cells
    // ran out), "stopped" (batch_stop), or "" while it runs.
    std::string              stop_reason;
};

using abort_flag = std::shared_ptr<std::atomic<bool>>;

// Helpers shared by the session's source files.
size_t          common_prefix(const std::vector<llama_token> & a, const std::vector<llama_token> & b);
void            check_abort(const abort_flag & abort);  // throws ERR_ABORTED when set

// Picks next tokens for one generation: llama.cpp's sampler chain for `sp`, having seen the prompt (the penalty looks
// back over it, as in HF generate); greedy decoding without penalties skips the chain for a vectorised argmax (the
// greedy sampler's choice, the first maximum, without copying all n_vocab candidates per token).
class token_sampler {
  public:
    token_sampler(const sampler_params & sp, const std::vector<llama_token> & prompt, uint32_t n_ctx, int32_t n_vocab);
    ~token_sampler();
    token_sampler(const token_sampler &) = delete;
    token_sampler & operator=(const token_sampler &) = delete;
    // The token for the logits of output `idx` of the last decode (-1: the last output).
    llama_token sample(llama_context * ctx, int32_t idx);

  private:
    llama_sampler * chain_ = nullptr;
    bool            argmax_only_ = false;
    int32_t         n_vocab_ = 0;
};

class session {
  public:
    session(std::shared_ptr<model> m, const session_params & params);
    ~session();

    uint32_t n_ctx() const { return n_ctx_; }
    const std::string & model_lane() const { return model_->lane(); }  // its model's compute lane (pl::model::lane)
    uint32_t n_seq_max() const { return n_seq_max_; }
    void     set_adapters(const std::vector<std::shared_ptr<adapter>> & adapters, const std::vector<float> & scales);

    // Logits after each token (all = true: n_tokens x n_vocab) or after the last one only (n_vocab).
    std::vector<float> logits(const std::vector<llama_token> & tokens, bool all, const abort_flag & abort);

    // Sum of log-probabilities of each continuation after `prefix`; the prefix is decoded once and shared.
    std::vector<continuation_score> score(const std::vector<llama_token> & prefix,
                                          const std::vector<std::vector<llama_token>> & continuations,
                                          const abort_flag & abort);

    // Starts a generation from `prompt` (decoded with prefix reuse) with a fresh sampler.
    void            generation_begin(const std::vector<llama_token> & prompt, const sampler_params & sp, const abort_flag & abort);
    // Samples up to n_max tokens of the generation begun last; stops early at end-of-generation or abort.
    // Up to n_max tokens, returning early once budget_ms have passed (after at least one token), so that a stream shows
    // text at a steady pace whatever the model's speed.
    generation_step generation_next(int32_t n_max, double budget_ms, const abort_flag & abort);

    // Starts generating every item at once, item i in sequence i (items.size() <= sequences). The prompts' common
    // prefix is decoded once in sequence 0 (reusing what sequence 0 holds) and shared with the others; the rest of
    // each prompt is decoded in n_batch-sized batches, and each sequence's first token is sampled.
    void batch_begin(const std::vector<batch_item> & items, const abort_flag & abort);
    // Up to n_max tokens for every running sequence; each step samples one token per sequence and decodes them all in
    // one batch. Stops early (between tokens) when `abort` is set. Returns one entry per item.
    std::vector<batch_seq_step> batch_next(int32_t n_max, const abort_flag & abort);
    // Finishes sequence `seq` of the batched generation ("stopped") and frees its KV cells.
    void batch_stop(int32_t seq);

  private:
    struct batch_seq {
        std::unique_ptr<token_sampler> sampler;
        llama_token     next     = 0;     // sampled, not yet returned
        llama_pos       pos      = 0;     // tokens the sequence holds (prompt + generated tokens decoded)
        int32_t         produced = 0;     // tokens returned
        int32_t         max_tokens = 0;
        bool            finished = false;
        std::string     reason;
    };
    void batch_clear();
    void batch_finish(size_t s, const char * reason);
    // Decodes the queued (sequence, token) pairs in n_batch-sized batches, sampling each sequence's next token from
    // the logits of its last queued token.
    void batch_decode(const std::vector<std::pair<size_t, llama_token>> & work, const abort_flag & abort);

    void decode_seq0(const std::vector<llama_token> & tokens, size_t keep, bool all_logits, const abort_flag & abort,
                     std::vector<float> * out);
    void check_fits(size_t n_tokens, const char * what) const;
    void batch_add(llama_token token, llama_pos pos, llama_seq_id seq, bool logits);
    void decode_batch(const abort_flag & abort);

    std::shared_ptr<model>               model_;
    std::vector<std::shared_ptr<adapter>> adapters_;  // keeps applied adapters alive
    llama_context *                      ctx_ = nullptr;
    llama_batch                          batch_ {};
    uint32_t                             n_ctx_ = 0, n_batch_ = 0, n_seq_max_ = 0;
    std::vector<llama_token>             cached_;     // tokens whose KV state sequence 0 holds
    std::unique_ptr<token_sampler>       sampler_;
    bool                                 generating_ = false;
    llama_token                          pending_ = -1;  // generated and returned, not yet decoded
    const abort_flag *                   current_abort_ = nullptr;
    std::vector<batch_seq>               seqs_;       // the batched generation in progress (empty: none)
    size_t                               shared_ = 0; // prompt prefix the batch's sequences share
    size_t                               cells_ = 0;  // KV cells the batch holds (shared prefix counted once)
};

}  // namespace pl
