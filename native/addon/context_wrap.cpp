// AddonContext implementation: logits, continuation scoring, generation steps (one prompt or a batch), adapters.
#include "context_wrap.h"

#include "adapter_wrap.h"

namespace addon {

Napi::Function context_wrap::define(Napi::Env env) {
    return DefineClass(env, "AddonContext", {
        InstanceMethod<&context_wrap::info>("info"),
        InstanceMethod<&context_wrap::logits>("logits"),
        InstanceMethod<&context_wrap::score>("score"),
        InstanceMethod<&context_wrap::generation_begin>("generationBegin"),
        InstanceMethod<&context_wrap::generation_next>("generationNext"),
        InstanceMethod<&context_wrap::batch_begin>("batchBegin"),
        InstanceMethod<&context_wrap::batch_next>("batchNext"),
        InstanceMethod<&context_wrap::batch_stop>("batchStop"),
        InstanceMethod<&context_wrap::set_adapters>("setAdapters"),
        InstanceMethod<&context_wrap::dispose>("dispose"),
    });
}

Napi::Value context_wrap::wrap(Napi::Env env, std::shared_ptr<pl::session> s) {
    auto * holder = new std::shared_ptr<pl::session>(std::move(s));
    auto ext = Napi::External<std::shared_ptr<pl::session>>::New(env, holder, [](Napi::Env, std::shared_ptr<pl::session> * p) { delete p; });
    return data(env).context.New({ ext });
}

context_wrap::context_wrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<context_wrap>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) throw_error(info.Env(), "ERR_INVALID_OPTION", "AddonContext cannot be constructed directly: use model.createContext()");
    // moved out of the External, so that dispose() frees it at once rather than when the External is collected
    session_ = std::move(*info[0].As<Napi::External<std::shared_ptr<pl::session>>>().Data());
}

std::shared_ptr<pl::session> context_wrap::acquire(Napi::Env env) {
    if (!session_) throw_error(env, "ERR_DISPOSED", "The context has been disposed");
    if (busy_->exchange(true)) throw_error(env, "ERR_BUSY", "The context is busy with another call");
    return session_;
}

Napi::Value context_wrap::run(Napi::Env env, std::function<void(pl::session &)> work, std::function<Napi::Value(Napi::Env)> finish) {
    auto s = acquire(env);
    auto busy = busy_;
    return promise_worker::run(env,
        [s, busy, work = std::move(work)] {
            struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy };
            work(*s);
        },
        std::move(finish), s->model_lane());
}

Napi::Value context_wrap::info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!session_) throw_error(env, "ERR_DISPOSED", "The context has been disposed");
    Napi::Object o = Napi::Object::New(env);
    o.Set("contextSize", session_->n_ctx());
    o.Set("sequences", session_->n_seq_max());
    return o;
}

// logits(tokens: Uint32Array, all: boolean, abort?) -> Promise<Float32Array>
Napi::Value context_wrap::logits(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto tokens = arg_tokens(info, 0, "tokens");
    const bool all = arg_bool(info, 1, "all");
    auto abort = arg_abort(info, 2);
    auto out = std::make_shared<std::vector<float>>();
    return run(env, [tokens, all, abort, out](pl::session & s) { *out = s.logits(tokens, all, abort); },
               [out](Napi::Env env) -> Napi::Value {
                   auto arr = Napi::Float32Array::New(env, out->size());
                   std::copy(out->begin(), out->end(), arr.Data());
                   return arr;
               });
}

// score(prefix: Uint32Array, continuations: Uint32Array[], abort?) -> Promise<{logProbs: Float64Array, greedy: Uint8Array}>
Napi::Value context_wrap::score(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto prefix = arg_tokens(info, 0, "prefix");
    if (info.Length() < 2 || !info[1].IsArray()) throw_error(env, "ERR_INVALID_OPTION", "Expected an array of Uint32Array for argument 2 (continuations)");
    Napi::Array arr = info[1].As<Napi::Array>();
    std::vector<std::vector<int32_t>> conts;
    for (uint32_t i = 0; i < arr.Length(); i++) conts.push_back(to_tokens(env, arr.Get(i), "continuation " + std::to_string(i)));
    auto abort = arg_abort(info, 2);
    auto out = std::make_shared<std::vector<pl::continuation_score>>();
    return run(env, [prefix, conts, abort, out](pl::session & s) { *out = s.score(prefix, conts, abort); },
               [out](Napi::Env env) -> Napi::Value {
                   auto lp = Napi::Float64Array::New(env, out->size());
                   auto greedy = Napi::Uint8Array::New(env, out->size());
                   for (size_t i = 0; i < out->size(); i++) {
                       lp[i] = (*out)[i].log_prob;
                       greedy[i] = (*out)[i].greedy ? 1 : 0;
                   }
                   Napi::Object o = Napi::Object::New(env);
                   o.Set("logProbs", lp);
                   o.Set("greedy", greedy);
                   return o;
               });
}

// Sampler settings from a JS options object (missing keys keep the defaults).
static pl::sampler_params sampler_from(const Napi::Object & o) {
    pl::sampler_params sp;
    sp.temperature    = (float) opt_number(o, "temperature", sp.temperature, 0, 100);
    sp.top_k          = (int32_t) opt_number(o, "topK", sp.top_k, 0, 1e9);
    sp.top_p          = (float) opt_number(o, "topP", sp.top_p, 0, 1);
    sp.min_p          = (float) opt_number(o, "minP", sp.min_p, 0, 1);
    sp.repeat_penalty = (float) opt_number(o, "repeatPenalty", sp.repeat_penalty, 0.01, 100);
    sp.repeat_last_n  = (int32_t) opt_number(o, "repeatLastN", sp.repeat_last_n, -1, 1e9);
    sp.seed           = (uint32_t) opt_number(o, "seed", sp.seed, 0, 4294967295.0);
    return sp;
}

// generationBegin(prompt: Uint32Array, sampler: object, abort?) -> Promise<void>
Napi::Value context_wrap::generation_begin(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto prompt = arg_tokens(info, 0, "prompt");
    if (info.Length() < 2 || !info[1].IsObject()) throw_error(env, "ERR_INVALID_OPTION", "Expected sampler options for argument 2");
    const pl::sampler_params sp = sampler_from(info[1].As<Napi::Object>());
    auto abort = arg_abort(info, 2);
    return run(env, [prompt, sp, abort](pl::session & s) { s.generation_begin(prompt, sp, abort); },
               [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// generationNext(maxTokens: number, budgetMs: number, abort?) -> Promise<{tokens: Uint32Array, finished: boolean, stopReason: string}>
Napi::Value context_wrap::generation_next(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const int32_t n = (int32_t) arg_number(info, 0, "maxTokens", 1, 1 << 20);
    const double budget_ms = arg_number(info, 1, "budgetMs", 0, 1e9);
    auto abort = arg_abort(info, 2);
    auto out = std::make_shared<pl::generation_step>();
    return run(env, [n, budget_ms, abort, out](pl::session & s) { *out = s.generation_next(n, budget_ms, abort); },
               [out](Napi::Env env) -> Napi::Value {
                   Napi::Object o = Napi::Object::New(env);
                   o.Set("tokens", tokens_to_js(env, out->tokens));
                   o.Set("finished", out->finished);
                   o.Set("stopReason", out->stop_reason);
                   return o;
               });
}

// batchBegin(items: {prompt: Uint32Array, sampler: object, maxTokens: number}[], abort?) -> Promise<void>
Napi::Value context_wrap::batch_begin(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsArray()) throw_error(env, "ERR_INVALID_OPTION", "Expected an array of {prompt, sampler, maxTokens} for argument 1");
    Napi::Array arr = info[0].As<Napi::Array>();
    std::vector<pl::batch_item> items(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); i++) {
        const std::string what = "batch item " + std::to_string(i);
        Napi::Value v = arr.Get(i);
        if (!v.IsObject()) throw_error(env, "ERR_INVALID_OPTION", "Expected an object for " + what);
        Napi::Object o = v.As<Napi::Object>();
        items[i].prompt = to_tokens(env, o.Get("prompt"), what + " prompt");
        Napi::Value sampler = o.Get("sampler");
        if (!sampler.IsObject()) throw_error(env, "ERR_INVALID_OPTION", "Expected sampler options for " + what);
        items[i].sampler    = sampler_from(sampler.As<Napi::Object>());
        items[i].max_tokens = (int32_t) opt_number(o, "maxTokens", items[i].max_tokens, 1, 1 << 20);
    }
    auto abort = arg_abort(info, 1);
    return run(env, [items = std::move(items), abort](pl::session & s) { s.batch_begin(items, abort); },
               [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// batchNext(maxTokens: number, abort?) -> Promise<{tokens: Uint32Array, finished: boolean, stopReason: string}[]>
Napi::Value context_wrap::batch_next(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const int32_t n = (int32_t) arg_number(info, 0, "maxTokens", 1, 1 << 20);
    auto abort = arg_abort(info, 1);
    auto out = std::make_shared<std::vector<pl::batch_seq_step>>();
    return run(env, [n, abort, out](pl::session & s) { *out = s.batch_next(n, abort); },
               [out](Napi::Env env) -> Napi::Value {
                   Napi::Array arr = Napi::Array::New(env, out->size());
                   for (size_t i = 0; i < out->size(); i++) {
                       Napi::Object o = Napi::Object::New(env);
                       o.Set("tokens", tokens_to_js(env, (*out)[i].tokens));
                       o.Set("finished", (*out)[i].finished);
                       o.Set("stopReason", (*out)[i].stop_reason);
                       arr.Set((uint32_t) i, o);
                   }
                   return arr;
               });
}

// batchStop(sequence: number) — synchronous, cheap: ends one sequence of the batched generation and frees its cells.
Napi::Value context_wrap::batch_stop(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto s = acquire(env);
    struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy_ };
    const int32_t seq = (int32_t) arg_number(info, 0, "sequence", 0, 255);
    return guarded(env, [&]() -> Napi::Value { s->batch_stop(seq); return env.Undefined(); });
}

// setAdapters(adapters: AddonAdapter[], scales: Float32Array) — synchronous, cheap.
Napi::Value context_wrap::set_adapters(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto s = acquire(env);
    struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy_ };
    if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsTypedArray()) throw_error(env, "ERR_INVALID_OPTION", "Expected (adapters[], Float32Array scales)");
    Napi::Array arr = info[0].As<Napi::Array>();
    auto scales_js = info[1].As<Napi::Float32Array>();
    if (scales_js.ElementLength() != arr.Length()) throw_error(env, "ERR_INVALID_OPTION", "Expected one scale per adapter");
    std::vector<std::shared_ptr<pl::adapter>> adapters;
    std::vector<float> scales;
    for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value v = arr.Get(i);
        if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(data(env).adapter.Value())) throw_error(env, "ERR_INVALID_OPTION", "Expected an AddonAdapter at index " + std::to_string(i));
        adapters.push_back(adapter_wrap::Unwrap(v.As<Napi::Object>())->get(env));
        scales.push_back(scales_js[i]);
    }
    return guarded(env, [&]() -> Napi::Value { s->set_adapters(adapters, scales); return env.Undefined(); });
}

Napi::Value context_wrap::dispose(const Napi::CallbackInfo & info) {
    session_.reset();  // a running worker holds its own reference and frees the session when it ends
    return info.Env().Undefined();
}

}  // namespace addon
