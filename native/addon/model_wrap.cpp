// AddonModel implementation and the model-loading worker (progress reported back on the JS thread).
#include "model_wrap.h"

#include "abort_token.h"
#include "adapter_wrap.h"
#include "context_wrap.h"

namespace addon {

Napi::Function model_wrap::define(Napi::Env env) {
    return DefineClass(env, "AddonModel", {
        InstanceMethod<&model_wrap::info>("info"),
        InstanceMethod<&model_wrap::tokenize>("tokenize"),
        InstanceMethod<&model_wrap::detokenize>("detokenize"),
        InstanceMethod<&model_wrap::token_piece>("tokenPiece"),
        InstanceMethod<&model_wrap::apply_chat_template>("applyChatTemplate"),
        InstanceMethod<&model_wrap::create_context>("createContext"),
        InstanceMethod<&model_wrap::load_adapter>("loadAdapter"),
        InstanceMethod<&model_wrap::dispose>("dispose"),
    });
}

model_wrap::model_wrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<model_wrap>(info) {
    // Created only by loadModel, which passes the model through an External.
    if (info.Length() != 1 || !info[0].IsExternal()) throw_error(info.Env(), "ERR_INVALID_OPTION", "AddonModel cannot be constructed directly: use loadModel()");
    // moved out of the External, so that dispose() frees it at once rather than when the External is collected
    model_ = std::move(*info[0].As<Napi::External<std::shared_ptr<pl::model>>>().Data());
}

const std::shared_ptr<pl::model> & model_wrap::get(Napi::Env env) const {
    if (!model_) throw_error(env, "ERR_DISPOSED", "The model has been disposed");
    return model_;
}

class load_worker : public Napi::AsyncProgressQueueWorker<float> {
  public:
    load_worker(Napi::Env env, pl::model_load_params params, Napi::Function on_progress, pl::abort_flag abort)
        : Napi::AsyncProgressQueueWorker<float>(env), deferred_(Napi::Promise::Deferred::New(env)), params_(std::move(params)), abort_(std::move(abort)) {
        if (!on_progress.IsEmpty()) progress_cb_ = Napi::Persistent(on_progress);
    }
    Napi::Promise promise() { return deferred_.Promise(); }

  protected:
    void Execute(const ExecutionProgress & progress) override {
        try {
            result_ = pl::model::load(params_, [&](float p) {
                progress.Send(&p, 1);
                return !(abort_ && abort_->load());
            });
        } catch (const pl::error & e) {
            code_ = e.code;
            SetError(e.what());
        } catch (const std::exception & e) {
            SetError(e.what());
        }
    }
    void OnProgress(const float * data, size_t count) override {
        if (progress_cb_.IsEmpty() || count == 0) return;
        Napi::HandleScope scope(Env());
        progress_cb_.Call({ Napi::Number::New(Env(), data[count - 1]) });
    }
    void OnOK() override {
        auto * holder = new std::shared_ptr<pl::model>(result_);
        auto ext = Napi::External<std::shared_ptr<pl::model>>::New(Env(), holder, [](Napi::Env, std::shared_ptr<pl::model> * p) { delete p; });
        deferred_.Resolve(data(Env()).model.New({ ext }));
    }
    void OnError(const Napi::Error & e) override { deferred_.Reject(make_error(Env(), code_, e.Message()).Value()); }

  private:
    Napi::Promise::Deferred    deferred_;
    pl::model_load_params      params_;
    pl::abort_flag             abort_;
    Napi::FunctionReference    progress_cb_;
    std::shared_ptr<pl::model> result_;
    std::string                code_ = "ERR_MODEL_LOAD";
};

Napi::Value model_wrap::load(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    pl::model_load_params params;
    params.path = arg_string(info, 0, "path");
    if (info.Length() > 1 && info[1].IsObject()) {
        Napi::Object o = info[1].As<Napi::Object>();
        params.gpu_layers = (int32_t) opt_number(o, "gpuLayers", 0, -1, 100000);
        if (o.Has("vocabOnly")) params.vocab_only = o.Get("vocabOnly").ToBoolean();
        if (o.Has("useMmap")) params.use_mmap = o.Get("useMmap").ToBoolean();
        if (o.Has("repack")) params.repack = o.Get("repack").ToBoolean();
        if (o.Has("devices")) {
            if (!o.Get("devices").IsArray()) throw_error(env, "ERR_INVALID_OPTION", "Expected an array of device names for option devices");
            Napi::Array arr = o.Get("devices").As<Napi::Array>();
            for (uint32_t i = 0; i < arr.Length(); i++) {
                if (!arr.Get(i).IsString()) throw_error(env, "ERR_INVALID_OPTION", "Expected a device name for devices[" + std::to_string(i) + "]");
                params.devices.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
            }
        }
    }
    Napi::Function on_progress;
    if (info.Length() > 2 && info[2].IsFunction()) on_progress = info[2].As<Napi::Function>();
    auto * w = new load_worker(env, params, on_progress, arg_abort(info, 3));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
}

Napi::Value model_wrap::info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const pl::model_info & in = get(env)->info();
    Napi::Object o = Napi::Object::New(env);
    o.Set("architecture", in.architecture);
    o.Set("description", in.description);
    o.Set("fileType", in.file_type);
    o.Set("chatTemplate", in.chat_template.empty() ? env.Null() : Napi::String::New(env, in.chat_template));
    o.Set("parameters", Napi::Number::New(env, (double) in.n_params));
    o.Set("sizeBytes", Napi::Number::New(env, (double) in.size_bytes));
    o.Set("vocabularySize", in.n_vocab);
    o.Set("contextLength", in.n_ctx_train);
    o.Set("embeddingLength", in.n_embd);
    o.Set("layers", in.n_layer);
    o.Set("vocabularyType", in.vocab_type);
    o.Set("bos", in.bos);
    o.Set("eos", in.eos);
    o.Set("addBos", in.add_bos);
    Napi::Object types = Napi::Object::New(env);
    for (const auto & [k, v] : in.tensor_types) types.Set(k, Napi::Number::New(env, (double) v));
    o.Set("tensorTypes", types);
    Napi::Object meta = Napi::Object::New(env);
    for (const auto & [k, v] : in.metadata) meta.Set(k, v);
    o.Set("metadata", meta);
    return o;
}

Napi::Value model_wrap::tokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & m = get(env);
    return guarded(env, [&] { return tokens_to_js(env, m->tokenize(arg_string(info, 0, "text"), arg_bool(info, 1, "addSpecial"), arg_bool(info, 2, "parseSpecial"))); });
}

Napi::Value model_wrap::detokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & m = get(env);
    return guarded(env, [&] { return Napi::String::New(env, m->detokenize(arg_tokens(info, 0, "tokens"), arg_bool(info, 1, "special"))); });
}

Napi::Value model_wrap::token_piece(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & m = get(env);
    const int32_t token = (int32_t) arg_number(info, 0, "token", 0, 2147483647.0);
    return guarded(env, [&]() -> Napi::Value {
        const std::string piece = m->token_piece(token, arg_bool(info, 1, "special"));
        return Napi::Buffer<char>::Copy(env, piece.data(), piece.size());
    });
}

Napi::Value model_wrap::apply_chat_template(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & m = get(env);
    if (info.Length() < 1 || !info[0].IsArray()) throw_error(env, "ERR_INVALID_OPTION", "Expected an array of messages");
    Napi::Array arr = info[0].As<Napi::Array>();
    std::vector<std::pair<std::string, std::string>> messages;
    for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value v = arr.Get(i);
        if (!v.IsObject()) throw_error(env, "ERR_INVALID_OPTION", "Expected message " + std::to_string(i) + " to be an object");
        Napi::Object o = v.As<Napi::Object>();
        if (!o.Get("role").IsString() || !o.Get("content").IsString()) {
            throw_error(env, "ERR_INVALID_OPTION", "Expected message " + std::to_string(i) + " to have string role and content");
        }
        messages.emplace_back(o.Get("role").As<Napi::String>().Utf8Value(), o.Get("content").As<Napi::String>().Utf8Value());
    }
    const std::string tmpl = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
    return guarded(env, [&] { return Napi::String::New(env, m->apply_chat_template(messages, arg_bool(info, 1, "addAssistant"), tmpl)); });
}

Napi::Value model_wrap::create_context(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto m = get(env);
    pl::session_params sp;
    if (info.Length() > 0 && info[0].IsObject()) {
        Napi::Object o = info[0].As<Napi::Object>();
        sp.n_ctx      = (uint32_t) opt_number(o, "contextSize", sp.n_ctx, 8, 1 << 22);
        sp.n_batch    = (uint32_t) opt_number(o, "batchSize", sp.n_batch, 1, 1 << 20);
        sp.n_seq_max  = (uint32_t) opt_number(o, "sequences", sp.n_seq_max, 1, 256);
        sp.n_threads  = (int32_t) opt_number(o, "threads", 0, 0, 1024);
        if (o.Has("flashAttention")) sp.flash_attn = o.Get("flashAttention").ToBoolean();
        if (o.Has("kvCacheType")) sp.kv_f32 = o.Get("kvCacheType").ToString().Utf8Value() == "f32";
    }
    auto session = std::make_shared<std::shared_ptr<pl::session>>();
    return promise_worker::run(env, [m, sp, session] { *session = std::make_shared<pl::session>(m, sp); },
                               [session](Napi::Env env) -> Napi::Value { return context_wrap::wrap(env, *session); });
}

Napi::Value model_wrap::load_adapter(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto m = get(env);
    const std::string path = arg_string(info, 0, "path");
    auto result = std::make_shared<std::shared_ptr<pl::adapter>>();
    return promise_worker::run(env, [m, path, result] { *result = pl::adapter::load(m, path); },
                               [result](Napi::Env env) -> Napi::Value { return adapter_wrap::wrap(env, *result); });
}

Napi::Value model_wrap::dispose(const Napi::CallbackInfo & info) {
    model_.reset();  // contexts, adapters and running workers keep their own reference
    return info.Env().Undefined();
}

}  // namespace addon
