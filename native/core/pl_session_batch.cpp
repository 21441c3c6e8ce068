// Batched generation: several prompts in parallel sequences, one token per sequence per llama_decode.
#include "pl_session.h"

#include "pl_error.h"

#include <algorithm>

namespace pl {

void session::batch_clear() {
    seqs_.clear();
    shared_ = 0;
    cells_  = 0;
}

void session::batch_finish(size_t s, const char * reason) {
    batch_seq & q = seqs_[s];
    if (q.finished) return;
    q.finished = true;
    q.reason   = reason;
    // Free the cells only this sequence holds; the shared prefix stays (sequence 0 keeps it for the prefix cache).
    llama_memory_seq_rm(llama_get_memory(ctx_), (llama_seq_id) s, (llama_pos) shared_, -1);
    cells_ -= (size_t) q.pos - shared_;
    q.sampler.reset();
}

void session::batch_decode(const std::vector<std::pair<size_t, llama_token>> & work, const abort_flag & abort) {
    std::vector<size_t> last(seqs_.size(), SIZE_MAX);  // index in `work` of each sequence's last token
    for (size_t i = 0; i < work.size(); i++) last[work[i].first] = i;
    for (size_t start = 0; start < work.size(); start += n_batch_) {
        check_abort(abort);
        const size_t end = std::min(work.size(), start + n_batch_);
        for (size_t i = start; i < end; i++) {
            batch_seq & q = seqs_[work[i].first];
            batch_add(work[i].second, q.pos++, (llama_seq_id) work[i].first, last[work[i].first] == i);
        }
        decode_batch(abort);  // on failure the KV cache and the batch are cleared
        cells_ += end - start;
        for (size_t i = start; i < end; i++) {
            if (last[work[i].first] != i) continue;
            batch_seq & q = seqs_[work[i].first];
            q.next = q.sampler->sample(ctx_, (int32_t) (i - start));
        }
    }
}

void session::batch_begin(const std::vector<batch_item> & items, const abort_flag & abort) {
    if (items.empty()) throw error("ERR_INVALID_OPTION", "Expected at least one prompt");
    if (items.size() > n_seq_max_) {
        throw error("ERR_INVALID_OPTION", "Expected at most " + std::to_string(n_seq_max_) + " prompts (the context's sequences) but received " +
                                              std::to_string(items.size()));
    }
    size_t shared = SIZE_MAX, total = 0;
    for (size_t i = 0; i < items.size(); i++) {
        const auto & p = items[i].prompt;
        if (p.empty()) throw error("ERR_INVALID_OPTION", "Prompt " + std::to_string(i) + " is empty");
        if (items[i].max_tokens < 1) throw error("ERR_INVALID_OPTION", "Prompt " + std::to_string(i) + ": max tokens must be at least 1");
        model_->check_tokens(p.data(), p.size());
        check_fits(p.size() + 1, ("Prompt " + std::to_string(i) + " plus one generated token").c_str());
        // Every sequence decodes at least its last prompt token itself, so that it has logits of its own.
        shared = std::min({ shared, common_prefix(items[0].prompt, p), p.size() - 1 });
    }
    for (const auto & it : items) total += it.prompt.size() - shared;
    check_fits(shared + total, "The prompts (their common prefix counted once)");
    generating_ = false;
    const std::vector<llama_token> prefix(items[0].prompt.begin(), items[0].prompt.begin() + (ptrdiff_t) shared);
    decode_seq0(prefix, common_prefix(cached_, prefix), false, abort, nullptr);  // also ends any earlier batch

    llama_memory_t mem = llama_get_memory(ctx_);
    if (shared > 0) for (size_t s = 1; s < items.size(); s++) llama_memory_seq_cp(mem, 0, (llama_seq_id) s, -1, -1);
    shared_ = shared;
    cells_  = shared;
    seqs_.resize(items.size());
    std::vector<std::pair<size_t, llama_token>> work;
    for (size_t s = 0; s < items.size(); s++) {
        seqs_[s].sampler    = std::make_unique<token_sampler>(items[s].sampler, items[s].prompt, n_ctx_, model_->info().n_vocab);
        seqs_[s].pos        = (llama_pos) shared;
        seqs_[s].max_tokens = items[s].max_tokens;
        for (size_t j = shared; j < items[s].prompt.size(); j++) work.push_back({ s, items[s].prompt[j] });
    }
    try {
        batch_decode(work, abort);
    } catch (...) {
        batch_clear();
        llama_memory_clear(mem, true);
        cached_.clear();
        throw;
    }
    // Sequence 0 holds more than the prefix now; every later decode_seq0 drops what lies past cached_.
}

std::vector<batch_seq_step> session::batch_next(int32_t n_max, const abort_flag & abort) {
    if (seqs_.empty()) throw error("ERR_INVALID_OPTION", "No batched generation in progress on this context");
    const llama_vocab * vocab = model_->vocab();
    std::vector<batch_seq_step> out(seqs_.size());
    const abort_flag none;  // a one-token-per-sequence decode is short: abort is checked between steps only
    std::vector<std::pair<size_t, llama_token>> work;
    for (int32_t step = 0; step < n_max; step++) {
        if (abort && abort->load()) break;
        work.clear();
        for (size_t s = 0; s < seqs_.size(); s++) {
            batch_seq & q = seqs_[s];
            if (q.finished) continue;
            const llama_token tok = q.next;
            if (llama_vocab_is_eog(vocab, tok)) { batch_finish(s, "eog"); continue; }
            out[s].tokens.push_back(tok);
            q.produced++;
            // Same order as generation_next: a sequence whose positions are used up ends with "context".
            if ((size_t) q.pos + 1 > n_ctx_) { batch_finish(s, "context"); continue; }
            if (q.produced >= q.max_tokens) { batch_finish(s, "maxTokens"); continue; }
            work.push_back({ s, tok });
        }
        // The KV cells are shared: when this step does not fit, the sequences holding the most cells end first.
        while (!work.empty() && cells_ + work.size() > n_ctx_) {
            size_t w = 0;
            for (size_t i = 1; i < work.size(); i++) if (seqs_[work[i].first].pos >= seqs_[work[w].first].pos) w = i;
            batch_finish(work[w].first, "context");
            work.erase(work.begin() + (ptrdiff_t) w);
        }
        if (work.empty()) break;
        batch_decode(work, none);
    }
    for (size_t s = 0; s < seqs_.size(); s++) {
        out[s].finished    = seqs_[s].finished;
        out[s].stop_reason = seqs_[s].reason;
    }
    return out;
}

void session::batch_stop(int32_t seq) {
    if (seq < 0 || (size_t) seq >= seqs_.size()) {
        throw error("ERR_INVALID_OPTION", "Expected a sequence of the batched generation in [0, " + std::to_string(seqs_.size()) + ") but received " + std::to_string(seq));
    }
    batch_finish((size_t) seq, "stopped");
}

}  // namespace pl
