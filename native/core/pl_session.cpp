// Inference session: decoding with prefix reuse, option scoring in parallel sequences, token-by-token sampling
// (batched generation of several prompts lives in pl_session_batch.cpp).
#include "pl_session.h"

#include "pl_argmax.h"
#include "pl_backend.h"
#include "pl_error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

namespace pl {

size_t common_prefix(const std::vector<llama_token> & a, const std::vector<llama_token> & b) {
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) n++;
    return n;
}

void check_abort(const abort_flag & abort) {
    if (abort && abort->load()) throw error("ERR_ABORTED", "Aborted");
}

token_sampler::token_sampler(const sampler_params & sp, const std::vector<llama_token> & prompt, uint32_t n_ctx, int32_t n_vocab)
    : argmax_only_(sp.temperature <= 0.0f && sp.repeat_penalty == 1.0f), n_vocab_(n_vocab) {
    if (argmax_only_) return;
    chain_ = llama_sampler_chain_init(llama_sampler_chain_default_params());
    if (sp.repeat_penalty != 1.0f) {
        const int32_t last_n = sp.repeat_last_n < 0 ? (int32_t) n_ctx : sp.repeat_last_n;
        llama_sampler_chain_add(chain_, llama_sampler_init_penalties(n_vocab, last_n, sp.repeat_penalty, 0.0f, 0.0f));
    }
    if (sp.temperature <= 0.0f) {
        llama_sampler_chain_add(chain_, llama_sampler_init_greedy());
    } else {
        if (sp.top_k > 0) llama_sampler_chain_add(chain_, llama_sampler_init_top_k(sp.top_k));
        if (sp.top_p < 1.0f) llama_sampler_chain_add(chain_, llama_sampler_init_top_p(sp.top_p, 1));
        if (sp.min_p > 0.0f) llama_sampler_chain_add(chain_, llama_sampler_init_min_p(sp.min_p, 1));
        llama_sampler_chain_add(chain_, llama_sampler_init_temp(sp.temperature));
        llama_sampler_chain_add(chain_, llama_sampler_init_dist(sp.seed));
    }
    for (llama_token t : prompt) llama_sampler_accept(chain_, t);
}

token_sampler::~token_sampler() {
    if (chain_) llama_sampler_free(chain_);
}

llama_token token_sampler::sample(llama_context * ctx, int32_t idx) {
    if (argmax_only_) return argmax_first(llama_get_logits_ith(ctx, idx), (size_t) n_vocab_);
    return llama_sampler_sample(chain_, ctx, idx);
}

session::session(std::shared_ptr<model> m, const session_params & params) : model_(std::move(m)) {
    if (params.n_ctx < 8) throw error("ERR_INVALID_OPTION", "Context size must be at least 8 tokens, got " + std::to_string(params.n_ctx));
    if (params.n_batch < 1) throw error("ERR_INVALID_OPTION", "Batch size must be at least 1");
    if (params.n_seq_max < 1 || params.n_seq_max > 256) throw error("ERR_INVALID_OPTION", "Sequences must be in [1, 256]");
    llama_context_params cp = llama_context_default_params();
    const int32_t threads = params.n_threads > 0 ? params.n_threads : (int32_t) std::max(1u, std::thread::hardware_concurrency());
    cp.n_ctx           = params.n_ctx;
    cp.n_batch         = std::min(params.n_batch, params.n_ctx);
    cp.n_ubatch        = cp.n_batch;
    cp.n_seq_max       = params.n_seq_max;
    cp.n_threads       = threads;
    cp.n_threads_batch = threads;
    cp.kv_unified      = params.n_seq_max > 1;  // unified KV makes llama.cpp check all 256 sequences per decode
    cp.flash_attn_type = params.flash_attn ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.no_perf         = true;
    if (params.kv_f32) cp.type_k = cp.type_v = GGML_TYPE_F32;
    cp.abort_callback  = [](void * ud) -> bool {
        auto * self = static_cast<session *>(ud);
        return self->current_abort_ && *self->current_abort_ && (*self->current_abort_)->load();
    };
    cp.abort_callback_data = this;
    backend_log_reset();
    ctx_ = llama_init_from_model(model_->get(), cp);
    if (!ctx_) throw error("ERR_NATIVE", "llama.cpp could not create a context: " + backend_log_take());
    n_ctx_     = std::min(params.n_ctx, llama_n_ctx(ctx_));  // llama.cpp may pad the size; the caller's is the limit
    n_batch_   = cp.n_batch;
    n_seq_max_ = params.n_seq_max;
    batch_     = llama_batch_init((int32_t) n_batch_, 0, 1);
}

session::~session() {
    batch_clear();
    if (batch_.token) llama_batch_free(batch_);
    if (ctx_) llama_free(ctx_);
}

void session::set_adapters(const std::vector<std::shared_ptr<adapter>> & adapters, const std::vector<float> & scales) {
    std::vector<llama_adapter_lora *> raw;
    for (const auto & a : adapters) {
        if (a->base() != model_) throw error("ERR_ADAPTER", "The adapter was loaded for another model object");
        raw.push_back(a->get());
    }
    std::vector<float> s(scales);
    if (llama_set_adapters_lora(ctx_, raw.data(), raw.size(), s.data()) != 0) {
        throw error("ERR_ADAPTER", "llama.cpp could not apply the adapters: " + backend_log_take());
    }
    adapters_ = adapters;
    batch_clear();
    llama_memory_clear(llama_get_memory(ctx_), true);  // cached states were computed with other weights
    cached_.clear();
}

void session::check_fits(size_t n_tokens, const char * what) const {
    if (n_tokens > n_ctx_) {
        throw error("ERR_CONTEXT_OVERFLOW", std::string(what) + " needs " + std::to_string(n_tokens) +
                                                " tokens but the context holds " + std::to_string(n_ctx_));
    }
}

void session::batch_add(llama_token token, llama_pos pos, llama_seq_id seq, bool logits) {
    const int32_t i = batch_.n_tokens++;
    batch_.token[i]     = token;
    batch_.pos[i]       = pos;
    batch_.n_seq_id[i]  = 1;
    batch_.seq_id[i][0] = seq;
    batch_.logits[i]    = logits;
}

void session::decode_batch(const abort_flag & abort) {
    current_abort_ = &abort;
    backend_log_reset();
    const int32_t rc = llama_decode(ctx_, batch_);
    current_abort_ = nullptr;
    const int32_t n = batch_.n_tokens;
    batch_.n_tokens = 0;
    if (rc == 0) return;
    // The KV state is now uncertain: start over on the next call.
    llama_memory_clear(llama_get_memory(ctx_), true);
    cached_.clear();
    batch_clear();
    if (rc == 2) throw error("ERR_ABORTED", "Aborted");
    if (rc == 1) throw error("ERR_CONTEXT_OVERFLOW", "No room in the KV cache for a batch of " + std::to_string(n) + " tokens");
    throw error("ERR_NATIVE", "llama_decode failed (" + std::to_string(rc) + "): " + backend_log_take());
}

void session::decode_seq0(const std::vector<llama_token> & tokens, size_t keep, bool all_logits, const abort_flag & abort,
                          std::vector<float> * out) {
    batch_clear();
    llama_memory_t mem = llama_get_memory(ctx_);
    for (uint32_t s = 1; s < n_seq_max_; s++) llama_memory_seq_rm(mem, (llama_seq_id) s, -1, -1);
    if (!llama_memory_seq_rm(mem, 0, (llama_pos) keep, -1)) {
        llama_memory_clear(mem, true);
        keep = 0;
    }
    cached_.resize(keep);
    const size_t n_vocab = (size_t) model_->info().n_vocab;
    for (size_t start = keep; start < tokens.size(); start += n_batch_) {
        check_abort(abort);
        const size_t end = std::min(tokens.size(), start + n_batch_);
        for (size_t i = start; i < end; i++) batch_add(tokens[i], (llama_pos) i, 0, all_logits || i + 1 == tokens.size());
        decode_batch(abort);
        cached_.insert(cached_.end(), tokens.begin() + (ptrdiff_t) start, tokens.begin() + (ptrdiff_t) end);
        if (out && all_logits) {
            for (size_t i = start; i < end; i++) {
                const float * row = llama_get_logits_ith(ctx_, (int32_t) (i - start));
                out->insert(out->end(), row, row + n_vocab);
            }
        }
    }
    if (out && !all_logits) {
        const float * row = llama_get_logits_ith(ctx_, -1);
        out->assign(row, row + n_vocab);
    }
}

std::vector<float> session::logits(const std::vector<llama_token> & tokens, bool all, const abort_flag & abort) {
    if (tokens.empty()) throw error("ERR_INVALID_OPTION", "Expected at least one token to evaluate");
    model_->check_tokens(tokens.data(), tokens.size());
    check_fits(tokens.size(), "The input");
    generating_ = false;
    const size_t keep = all ? 0 : std::min(common_prefix(cached_, tokens), tokens.size() - 1);
    std::vector<float> out;
    decode_seq0(tokens, keep, all, abort, &out);
    return out;
}

// log p(target) from a row of logits, in double precision, and whether target is the argmax.
static std::pair<double, bool> log_prob_of(const float * row, size_t n_vocab, llama_token target) {
    float max = row[0];
    size_t arg = 0;
    for (size_t i = 1; i < n_vocab; i++) if (row[i] > max) { max = row[i]; arg = i; }
    double sum = 0.0;
    for (size_t i = 0; i < n_vocab; i++) sum += std::exp((double) row[i] - (double) max);
    return { (double) row[target] - (double) max - std::log(sum), arg == (size_t) target };
}

std::vector<continuation_score> session::score(const std::vector<llama_token> & prefix,
                                               const std::vector<std::vector<llama_token>> & continuations,
                                               const abort_flag & abort) {
    if (prefix.empty()) throw error("ERR_INVALID_OPTION", "Expected a non-empty context to score continuations after");
    model_->check_tokens(prefix.data(), prefix.size());
    for (size_t i = 0; i < continuations.size(); i++) {
        if (continuations[i].empty()) throw error("ERR_INVALID_OPTION", "Continuation " + std::to_string(i) + " is empty");
        model_->check_tokens(continuations[i].data(), continuations[i].size());
        check_fits(prefix.size() + continuations[i].size(), "Context plus continuation");
    }
    generating_ = false;
    const size_t n_vocab = (size_t) model_->info().n_vocab;
    const size_t keep = std::min(common_prefix(cached_, prefix), prefix.size() - 1);
    std::vector<float> last;
    decode_seq0(prefix, keep, false, abort, &last);

    std::vector<continuation_score> scores(continuations.size());
    for (size_t i = 0; i < continuations.size(); i++) {
        auto [lp, greedy] = log_prob_of(last.data(), n_vocab, continuations[i][0]);
        scores[i] = { lp, greedy, (int32_t) continuations[i].size() };
    }

    if (n_seq_max_ == 1) {
        // No spare sequence: decode each continuation after the prefix in sequence 0, then roll back to the prefix.
        llama_memory_t mem = llama_get_memory(ctx_);
        for (size_t o = 0; o < continuations.size(); o++) {
            const auto & c = continuations[o];
            for (size_t start = 0; start + 1 < c.size(); start += n_batch_) {
                check_abort(abort);
                const size_t end = std::min(c.size() - 1, start + n_batch_);
                for (size_t j = start; j < end; j++) batch_add(c[j], (llama_pos) (prefix.size() + j), 0, true);
                decode_batch(abort);
                for (size_t j = start; j < end; j++) {
                    auto [lp, greedy] = log_prob_of(llama_get_logits_ith(ctx_, (int32_t) (j - start)), n_vocab, c[j + 1]);
                    scores[o].log_prob += lp;
                    scores[o].greedy = scores[o].greedy && greedy;
                }
            }
            llama_memory_seq_rm(mem, 0, (llama_pos) prefix.size(), -1);
        }
        return scores;
    }

    // Continuations longer than one token: copy sequence 0 into free sequences, decode them side by side.
    struct pending { size_t option; size_t index; };  // token index within the continuation whose logits we await
    llama_memory_t mem = llama_get_memory(ctx_);
    const llama_pos P = (llama_pos) prefix.size();
    size_t next = 0;
    while (next < continuations.size()) {
        std::vector<size_t> group;
        size_t cells = prefix.size();
        while (next < continuations.size() && group.size() + 1 < n_seq_max_) {
            const size_t extra = continuations[next].size() - 1;
            if (extra == 0) { next++; continue; }
            if (!group.empty() && cells + extra > n_ctx_) break;
            cells += extra;
            group.push_back(next++);
        }
        if (group.empty()) break;
        for (size_t g = 0; g < group.size(); g++) llama_memory_seq_cp(mem, 0, (llama_seq_id) (g + 1), -1, -1);
        std::vector<std::pair<size_t, size_t>> work;  // (group slot, token index to feed)
        for (size_t g = 0; g < group.size(); g++) {
            for (size_t j = 0; j + 1 < continuations[group[g]].size(); j++) work.push_back({ g, j });
        }
        std::vector<pending> in_batch;
        for (size_t w = 0; w < work.size();) {
            check_abort(abort);
            in_batch.clear();
            while (w < work.size() && (size_t) batch_.n_tokens < n_batch_) {
                const auto [g, j] = work[w++];
                batch_add(continuations[group[g]][j], P + (llama_pos) j, (llama_seq_id) (g + 1), true);
                in_batch.push_back({ group[g], j + 1 });
            }
            decode_batch(abort);
            for (size_t b = 0; b < in_batch.size(); b++) {
                const auto & pd = in_batch[b];
                auto [lp, greedy] = log_prob_of(llama_get_logits_ith(ctx_, (int32_t) b), n_vocab, continuations[pd.option][pd.index]);
                scores[pd.option].log_prob += lp;
                scores[pd.option].greedy = scores[pd.option].greedy && greedy;
            }
        }
        for (size_t g = 0; g < group.size(); g++) llama_memory_seq_rm(mem, (llama_seq_id) (g + 1), -1, -1);
    }
    return scores;
}

void session::generation_begin(const std::vector<llama_token> & prompt, const sampler_params & sp, const abort_flag & abort) {
    if (prompt.empty()) throw error("ERR_INVALID_OPTION", "Expected a non-empty prompt");
    model_->check_tokens(prompt.data(), prompt.size());
    check_fits(prompt.size() + 1, "The prompt plus one generated token");
    generating_ = false;
    sampler_.reset();
    const size_t keep = std::min(common_prefix(cached_, prompt), prompt.size() - 1);
    decode_seq0(prompt, keep, false, abort, nullptr);

    sampler_ = std::make_unique<token_sampler>(sp, prompt, n_ctx_, model_->info().n_vocab);
    pending_ = -1;
    generating_ = true;
}

generation_step session::generation_next(int32_t n_max, double budget_ms, const abort_flag & abort) {
    if (!generating_ || !sampler_) throw error("ERR_INVALID_OPTION", "No generation in progress on this context");
    generation_step step;
    const llama_vocab * vocab = model_->vocab();
    const auto start = std::chrono::steady_clock::now();
    for (int32_t i = 0; i < n_max; i++) {
        if (abort && abort->load()) break;
        if (i > 0 && std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() >= budget_ms) break;
        if (pending_ >= 0) {
            // the token returned last is decoded only now that another one is wanted (a finished stream never pays it)
            if (cached_.size() + 1 > n_ctx_) {
                step.finished = true;
                step.stop_reason = "context";
                generating_ = false;
                break;
            }
            batch_add(pending_, (llama_pos) cached_.size(), 0, true);
            decode_batch(abort);
            cached_.push_back(pending_);
            pending_ = -1;
        }
        const llama_token tok = sampler_->sample(ctx_, -1);
        if (llama_vocab_is_eog(vocab, tok)) {
            step.finished = true;
            step.stop_reason = "eog";
            generating_ = false;
            break;
        }
        step.tokens.push_back(tok);
        pending_ = tok;
    }
    return step;
}

}  // namespace pl
