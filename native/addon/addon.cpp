// Module entry: registers the wrapped classes and the free functions of the persian-lora addon.
#include "abort_token.h"
#include "adapter_wrap.h"
#include "context_wrap.h"
#include "model_wrap.h"
#include "trainer_wrap.h"
#include "napi_util.h"
#include "quant_wrap.h"

#include "pl_backend.h"
#include "pl_dropout.h"
#include "pl_gguf.h"
#include "pl_rpc.h"
#include "pl_tiny_model.h"
#include "pl_train_graph.h"

#include "llama.h"

#include <cstring>

namespace addon {

// inspectGguf(path) -> Promise<{version, architecture, type, tensors, elements, dataBytes, tensorTypes}>
static Napi::Value inspect_gguf(const Napi::CallbackInfo & info) {
    const std::string path = arg_string(info, 0, "path");
    auto out = std::make_shared<pl::gguf_summary>();
    return promise_worker::run(info.Env(), [path, out] { *out = pl::gguf_inspect(path); },
        [out](Napi::Env env) -> Napi::Value {
            Napi::Object o = Napi::Object::New(env);
            o.Set("version", out->version);
            o.Set("architecture", out->architecture);
            o.Set("type", out->type);
            o.Set("tensors", Napi::Number::New(env, (double) out->n_tensors));
            o.Set("elements", Napi::Number::New(env, (double) out->n_elements));
            o.Set("dataBytes", Napi::Number::New(env, (double) out->data_bytes));
            Napi::Object types = Napi::Object::New(env);
            for (const auto & [k, v] : out->tensor_types) types.Set(k, Napi::Number::New(env, (double) v));
            o.Set("tensorTypes", types);
            Napi::Object elems = Napi::Object::New(env);
            for (const auto & [k, v] : out->type_elements) elems.Set(k, Napi::Number::New(env, (double) v));
            o.Set("typeElements", elems);
            return o;
        });
}

// writeTinyModel({vocabPath, outPath, layers, dim, heads, kvHeads, ffn, context, seed}) -> Promise<number of parameters>
static Napi::Value write_tiny_model(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw_error(env, "ERR_INVALID_OPTION", "Expected an options object");
    Napi::Object o = info[0].As<Napi::Object>();
    pl::tiny_model_params p;
    if (!o.Get("vocabPath").IsString() || !o.Get("outPath").IsString()) throw_error(env, "ERR_INVALID_OPTION", "Expected string vocabPath and outPath");
    p.vocab_path = o.Get("vocabPath").As<Napi::String>().Utf8Value();
    p.out_path   = o.Get("outPath").As<Napi::String>().Utf8Value();
    p.n_layer    = (int32_t) opt_number(o, "layers", p.n_layer, 1, 256);
    p.n_embd     = (int32_t) opt_number(o, "dim", p.n_embd, 8, 65536);
    p.n_head     = (int32_t) opt_number(o, "heads", p.n_head, 1, 1024);
    p.n_head_kv  = (int32_t) opt_number(o, "kvHeads", p.n_head_kv, 1, 1024);
    p.n_ff       = (int32_t) opt_number(o, "ffn", p.n_ff, 1, 1 << 20);
    p.n_ctx      = (int32_t) opt_number(o, "context", p.n_ctx, 8, 1 << 22);
    p.seed       = (uint64_t) opt_number(o, "seed", (double) p.seed, 0, 9007199254740991.0);
    p.init_std   = (float) opt_number(o, "initStd", p.init_std, 0, 10);
    p.tied       = o.Has("tiedEmbeddings") && o.Get("tiedEmbeddings").ToBoolean();
    if (o.Get("arch").IsString()) p.arch = o.Get("arch").As<Napi::String>().Utf8Value();
    p.head_dim   = (int32_t) opt_number(o, "headDim", p.head_dim, 0, 4096);
    p.rope_base  = (float) opt_number(o, "ropeBase", p.rope_base, 1, 1e9);
    p.rope_freqs = o.Has("ropeFreqs") && o.Get("ropeFreqs").ToBoolean();
    p.attention_scale = (float) opt_number(o, "attentionScale", p.attention_scale, 0, 1e3);
    if (o.Get("name").IsString()) p.name = o.Get("name").As<Napi::String>().Utf8Value();
    auto n = std::make_shared<uint64_t>(0);
    return promise_worker::run(env, [p, n] { *n = pl::tiny_model_write(p); },
                               [n](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, (double) *n); });
}

// trainerSupport(path) -> Promise<{supported, code?, reason?}>: whether the trainer can train the model, and if not why.
static Napi::Value trainer_support(const Napi::CallbackInfo & info) {
    const std::string path = arg_string(info, 0, "path");
    auto refusal = std::make_shared<pl::error>("", "");
    return promise_worker::run(info.Env(), [path, refusal] {
            try { pl::train_model::check(path); } catch (const pl::error & e) {
                if (e.code == "ERR_FILE_NOT_FOUND" || e.code == "ERR_BAD_FORMAT") throw;
                *refusal = e;
            }
        },
        [refusal](Napi::Env env) -> Napi::Value {
            Napi::Object o = Napi::Object::New(env);
            o.Set("supported", refusal->code.empty());
            if (!refusal->code.empty()) {
                o.Set("code", refusal->code);
                o.Set("reason", refusal->what());
            }
            return o;
        });
}

// quantizeModel(inPath, outPath, type, threads) -> Promise<void>
static Napi::Value quantize_model(const Napi::CallbackInfo & info) {
    const std::string in = arg_string(info, 0, "inPath"), out = arg_string(info, 1, "outPath"), type = arg_string(info, 2, "type");
    const int32_t threads = (int32_t) arg_number(info, 3, "threads", 0, 1024);
    return promise_worker::run(info.Env(), [in, out, type, threads] { pl::model_quantize(in, out, type, threads); },
                               [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// addRpcServers(endpoints: string[], timeoutMs) -> Promise<{endpoint, devices: string[]}[]>
static Napi::Value add_rpc_servers(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsArray()) throw_error(env, "ERR_INVALID_OPTION", "Expected an array of host:port strings for endpoints");
    Napi::Array arr = info[0].As<Napi::Array>();
    std::vector<std::string> endpoints;
    for (uint32_t i = 0; i < arr.Length(); i++) {
        if (!arr.Get(i).IsString()) throw_error(env, "ERR_INVALID_OPTION", "Expected a host:port string for endpoints[" + std::to_string(i) + "]");
        endpoints.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
    }
    const int timeout_ms = (int) arg_number(info, 1, "timeoutMs", 1, 600000);
    auto out = std::make_shared<std::vector<pl::rpc_server>>();
    return promise_worker::run(env, [endpoints, timeout_ms, out] { *out = pl::rpc_add_servers(endpoints, timeout_ms); },
        [out](Napi::Env env) -> Napi::Value {
            Napi::Array result = Napi::Array::New(env, out->size());
            for (size_t i = 0; i < out->size(); i++) {
                Napi::Object o = Napi::Object::New(env);
                o.Set("endpoint", (*out)[i].endpoint);
                Napi::Array devices = Napi::Array::New(env, (*out)[i].devices.size());
                for (size_t k = 0; k < (*out)[i].devices.size(); k++) devices.Set((uint32_t) k, (*out)[i].devices[k]);
                o.Set("devices", devices);
                result.Set((uint32_t) i, o);
            }
            return result;
        });
}

// dropoutMasks(device, width, tokens, projections, p, seed) -> Promise<Float32Array> [projections][tokens][width]:
// the LoRA dropout masks a training graph computes on that device (pl_dropout.h), for tests of every backend.
static Napi::Value dropout_masks(const Napi::CallbackInfo & info) {
    const std::string device = arg_string(info, 0, "device");
    const auto width = (int64_t) arg_number(info, 1, "width", 1, 1 << 26), tokens = (int64_t) arg_number(info, 2, "tokens", 1, 1 << 26);
    const auto projections = (int64_t) arg_number(info, 3, "projections", 1, 1 << 26);
    const auto p = (float) arg_number(info, 4, "p", 0, 1);
    const auto seed = (uint64_t) arg_number(info, 5, "seed", 0, 9007199254740991.0);
    auto out = std::make_shared<std::vector<float>>();
    return promise_worker::run(info.Env(), [=] { *out = pl::dropout_masks_on(device, width, tokens, projections, p, seed); },
        [out](Napi::Env env) -> Napi::Value {
            auto arr = Napi::Float32Array::New(env, out->size());
            std::memcpy(arr.Data(), out->data(), out->size() * sizeof(float));
            return arr;
        });
}

static Napi::Value system_info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("devices", pl::backend_devices());
    o.Set("rpc", ggml_backend_reg_by_name("RPC") != nullptr);  // built with ggml's RPC backend (docs/rpc.md)
    o.Set("gpuOffload", pl::backend_has_gpu());  // not llama_supports_gpu_offload(): true in any build with RPC
    o.Set("llamaSystemInfo", llama_print_system_info());
    return o;
}

static Napi::Object init(Napi::Env env, Napi::Object exports) {
    pl::backend_init();
    auto * d = new instance_data();
    Napi::Function model = model_wrap::define(env), context = context_wrap::define(env), adapter = adapter_wrap::define(env), token = abort_token::define(env);
    d->model       = Napi::Persistent(model);
    d->context     = Napi::Persistent(context);
    d->adapter     = Napi::Persistent(adapter);
    d->abort_token = Napi::Persistent(token);
    Napi::Function trainer = trainer_wrap::define(env);
    d->trainer     = Napi::Persistent(trainer);
    env.SetInstanceData(d);
    exports.Set("AddonModel", model);
    exports.Set("AddonContext", context);
    exports.Set("AddonAdapter", adapter);
    exports.Set("AbortToken", token);
    exports.Set("AddonTrainer", trainer);
    exports.Set("createTrainer", Napi::Function::New(env, trainer_wrap::create, "createTrainer"));
    exports.Set("addRpcServers", Napi::Function::New(env, add_rpc_servers, "addRpcServers"));
    exports.Set("loadModel", Napi::Function::New(env, model_wrap::load, "loadModel"));
    exports.Set("inspectGguf", Napi::Function::New(env, inspect_gguf, "inspectGguf"));
    exports.Set("writeTinyModel", Napi::Function::New(env, write_tiny_model, "writeTinyModel"));
    exports.Set("quantizeModel", Napi::Function::New(env, quantize_model, "quantizeModel"));
    exports.Set("trainerSupport", Napi::Function::New(env, trainer_support, "trainerSupport"));
    exports.Set("systemInfo", Napi::Function::New(env, system_info, "systemInfo"));
    exports.Set("dropoutMasks", Napi::Function::New(env, dropout_masks, "dropoutMasks"));
    quant_wrap_register(env, exports);
    return exports;
}

}  // namespace addon

static Napi::Object persian_lora_init(Napi::Env env, Napi::Object exports) { return addon::init(env, exports); }

NODE_API_MODULE(persian_lora, persian_lora_init)
