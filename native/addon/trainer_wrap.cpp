// AddonTrainer implementation: batches cross as typed arrays, are copied on the JS thread, and run in workers.
#include "trainer_wrap.h"

namespace addon {

Napi::Function trainer_wrap::define(Napi::Env env) {
    return DefineClass(env, "AddonTrainer", {
        InstanceMethod<&trainer_wrap::info>("info"),
        InstanceMethod<&trainer_wrap::graph_ops>("graphOps"),
        InstanceMethod<&trainer_wrap::logits>("logits"),
        InstanceMethod<&trainer_wrap::loss>("loss"),
        InstanceMethod<&trainer_wrap::gradients>("gradients"),
        InstanceMethod<&trainer_wrap::step>("step"),
        InstanceMethod<&trainer_wrap::get_gradient>("getGradient"),
        InstanceMethod<&trainer_wrap::get_parameter>("getParameter"),
        InstanceMethod<&trainer_wrap::set_parameter>("setParameter"),
        InstanceMethod<&trainer_wrap::get_moment>("getMoment"),
        InstanceMethod<&trainer_wrap::set_moment>("setMoment"),
        InstanceMethod<&trainer_wrap::set_steps>("setSteps"),
        InstanceMethod<&trainer_wrap::export_adapter>("exportAdapter"),
        InstanceMethod<&trainer_wrap::export_base>("exportBase"),
        InstanceMethod<&trainer_wrap::dispose>("dispose"),
    });
}

Napi::Value trainer_wrap::create(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const std::string path = arg_string(info, 0, "path");
    if (info.Length() < 2 || !info[1].IsObject()) throw_error(env, "ERR_INVALID_OPTION", "Expected an options object for argument 2 (options)");
    Napi::Object o = info[1].As<Napi::Object>();
    pl::lora_params lp;
    lp.rank    = (int32_t) opt_number(o, "rank", lp.rank, 1, 4096);
    lp.alpha   = (float) opt_number(o, "alpha", lp.alpha, 1e-9, 1e9);
    lp.seed    = (uint64_t) opt_number(o, "seed", (double) lp.seed, 0, 9007199254740991.0);
    lp.rs_lora = o.Has("rsLora") && o.Get("rsLora").ToBoolean();
    lp.dropout = (float) opt_number(o, "dropout", 0, 0, 0.999999);
    pl::rows_params rp;
    rp.from = (int32_t) opt_number(o, "rowsFrom", -1, -1, 2147483647.0);
    const int32_t threads = (int32_t) opt_number(o, "threads", 1, 1, 1024);
    const auto mode = (pl::backward_mode) (int32_t) opt_number(o, "backward", pl::BACKWARD_AUTO, 0, 5);
    std::string device = "cpu";
    if (o.Has("device") && !o.Get("device").IsUndefined()) {
        if (!o.Get("device").IsString()) throw_error(env, "ERR_INVALID_OPTION", "Expected a string for option device");
        device = o.Get("device").As<Napi::String>().Utf8Value();
    }
    const bool portable = o.Has("portable") && o.Get("portable").ToBoolean();
    const bool gemm = !o.Has("cpuKernels") || o.Get("cpuKernels").ToBoolean();
    if (o.Has("targets")) {
        if (!o.Get("targets").IsArray()) throw_error(env, "ERR_INVALID_OPTION", "Expected an array of strings for option targets");
        Napi::Array arr = o.Get("targets").As<Napi::Array>();
        lp.targets = 0;
        for (uint32_t i = 0; i < arr.Length(); i++) {
            if (!arr.Get(i).IsString()) throw_error(env, "ERR_INVALID_OPTION", "Expected a string for targets[" + std::to_string(i) + "]");
            try {
                lp.targets |= pl::lora_target_parse(arr.Get(i).As<Napi::String>().Utf8Value());
            } catch (const pl::error & e) {
                throw make_error(env, e.code, e.what());
            }
        }
    }
    auto result = std::make_shared<std::shared_ptr<pl::trainer>>();
    return promise_worker::run(env,
        [path, lp, rp, threads, mode, device, portable, gemm, result] {
            *result = std::make_shared<pl::trainer>(pl::train_model::load(path, lp, rp, device), threads, mode, portable, gemm);
        },
        [result](Napi::Env env) -> Napi::Value {
            auto * holder = new std::shared_ptr<pl::trainer>(*result);
            auto ext = Napi::External<std::shared_ptr<pl::trainer>>::New(env, holder, [](Napi::Env, std::shared_ptr<pl::trainer> * p) { delete p; });
            return data(env).trainer.New({ ext });
        });
}

trainer_wrap::trainer_wrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<trainer_wrap>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) throw_error(info.Env(), "ERR_INVALID_OPTION", "AddonTrainer cannot be constructed directly: use createTrainer()");
    // moved out of the External, so that dispose() frees it at once rather than when the External is collected
    trainer_ = std::move(*info[0].As<Napi::External<std::shared_ptr<pl::trainer>>>().Data());
}

std::shared_ptr<pl::trainer> trainer_wrap::acquire(Napi::Env env) {
    if (!trainer_) throw_error(env, "ERR_DISPOSED", "The trainer has been disposed");
    if (busy_->exchange(true)) throw_error(env, "ERR_BUSY", "The trainer is busy with another call");
    return trainer_;
}

Napi::Value trainer_wrap::run(Napi::Env env, std::function<void(pl::trainer &)> work, std::function<Napi::Value(Napi::Env)> finish) {
    auto t = acquire(env);
    auto busy = busy_;
    return promise_worker::run(env,
        [t, busy, work = std::move(work)] {
            struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy };
            work(*t);
        },
        std::move(finish));
}

// A batch copied out of JS: tokens (Uint32Array, B·T), sequences B, weights (Float32Array or undefined), document
// starts (Uint8Array or undefined), at argument positions i, i+1, i+2, i+3.
struct batch_copy {
    std::vector<int32_t> tokens;
    std::vector<float>   weights;
    std::vector<uint8_t> doc_start;
    int64_t              n_seqs = 1;
    pl::train_batch view() const {
        pl::train_batch b;
        b.tokens = tokens.data();
        b.weights = weights.empty() ? nullptr : weights.data();
        b.doc_start = doc_start.empty() ? nullptr : doc_start.data();
        b.n_seqs = n_seqs;
        b.n_tokens = (int64_t) tokens.size() / n_seqs;
        return b;
    }
};

static batch_copy arg_batch(const Napi::CallbackInfo & info, size_t i, bool with_weights) {
    Napi::Env env = info.Env();
    batch_copy b;
    b.tokens = arg_tokens(info, i, "tokens");
    b.n_seqs = (int64_t) arg_number(info, i + 1, "sequences", 1, 1 << 20);
    if (b.tokens.empty() || b.tokens.size() % (size_t) b.n_seqs != 0) {
        throw_error(env, "ERR_INVALID_OPTION", "Expected the token count (" + std::to_string(b.tokens.size()) + ") to be a non-zero multiple of the sequence count (" + std::to_string(b.n_seqs) + ")");
    }
    const size_t n = b.tokens.size();
    if (with_weights && info.Length() > i + 2 && !info[i + 2].IsUndefined()) {
        if (!info[i + 2].IsTypedArray() || info[i + 2].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw_error(env, "ERR_INVALID_OPTION", "Expected a Float32Array for weights");
        auto w = info[i + 2].As<Napi::Float32Array>();
        if (w.ElementLength() != n) throw_error(env, "ERR_INVALID_OPTION", "Expected " + std::to_string(n) + " weights (one per token), received " + std::to_string(w.ElementLength()));
        b.weights.assign(w.Data(), w.Data() + n);
    }
    const size_t d = i + (with_weights ? 3 : 2);
    if (info.Length() > d && !info[d].IsUndefined()) {
        if (!info[d].IsTypedArray() || info[d].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) throw_error(env, "ERR_INVALID_OPTION", "Expected a Uint8Array for docStarts");
        auto s = info[d].As<Napi::Uint8Array>();
        if (s.ElementLength() != n) throw_error(env, "ERR_INVALID_OPTION", "Expected " + std::to_string(n) + " docStarts flags (one per token), received " + std::to_string(s.ElementLength()));
        b.doc_start.assign(s.Data(), s.Data() + n);
    }
    return b;
}

static Napi::Value step_to_js(Napi::Env env, const pl::step_result & r) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", r.loss);
    o.Set("gradNorm", r.grad_norm);
    o.Set("targets", Napi::Number::New(env, (double) r.targets));
    return o;
}

static Napi::Float32Array floats_to_js(Napi::Env env, const std::vector<float> & v) {
    auto arr = Napi::Float32Array::New(env, v.size());
    std::copy(v.begin(), v.end(), arr.Data());
    return arr;
}

Napi::Value trainer_wrap::info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!trainer_) throw_error(env, "ERR_DISPOSED", "The trainer has been disposed");
    const pl::train_model & m = trainer_->model();
    Napi::Object o = Napi::Object::New(env);
    o.Set("vocabularySize", m.hparams().n_vocab);
    o.Set("contextLength", m.hparams().n_ctx_train);
    o.Set("layers", m.hparams().n_layer);
    o.Set("scale", m.lora_scale());
    o.Set("steps", Napi::Number::New(env, (double) trainer_->steps()));
    o.Set("gradientGraphsBuilt", Napi::Number::New(env, (double) trainer_->gradient_graphs_built()));
    o.Set("loraParameters", Napi::Number::New(env, (double) trainer_->n_lora_params()));
    o.Set("rowsFrom", m.rows_from());
    o.Set("tiedEmbeddings", m.tied());
    const pl::device_info d = trainer_->device();
    Napi::Object dev = Napi::Object::New(env);
    dev.Set("name", d.name);
    dev.Set("description", d.description);
    dev.Set("type", d.type);
    dev.Set("memoryFree", Napi::Number::New(env, (double) d.memory_free));
    dev.Set("memoryTotal", Napi::Number::New(env, (double) d.memory_total));
    o.Set("device", dev);
    o.Set("portable", trainer_->portable());
    o.Set("backward", Napi::Number::New(env, (double) trainer_->backward()));
    o.Set("cpuKernels", trainer_->cpu_kernels());
    o.Set("amx", trainer_->amx());
    Napi::Object nodes = Napi::Object::New(env);
    nodes.Set("outProd", trainer_->out_prod_nodes());
    nodes.Set("shortK", trainer_->short_k_nodes());
    nodes.Set("q8_0", trainer_->q8_0_nodes());
    nodes.Set("kQuant", trainer_->k_quant_nodes());
    nodes.Set("f16", trainer_->f16_nodes());
    nodes.Set("crossEntropy", trainer_->cross_entropy_nodes());
    nodes.Set("attention", trainer_->attention_nodes());
    o.Set("cpuKernelNodes", nodes);
    Napi::Array params = Napi::Array::New(env, trainer_->n_params());
    for (size_t i = 0; i < trainer_->n_params(); i++) {
        const pl::param_info p = trainer_->param(i);
        Napi::Object po = Napi::Object::New(env);
        po.Set("name", p.name);
        Napi::Array shape = Napi::Array::New(env, 2);
        shape.Set(0u, Napi::Number::New(env, (double) p.ne0));
        shape.Set(1u, Napi::Number::New(env, (double) p.ne1));
        po.Set("shape", shape);
        params.Set((uint32_t) i, po);
    }
    o.Set("parameters", params);
    return o;
}

// graphOps() -> [{op, type, sources: [{type, layout}], count, supported}]: the probe graphs' op inventory
Napi::Value trainer_wrap::graph_ops(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!trainer_) throw_error(env, "ERR_DISPOSED", "The trainer has been disposed");
    const std::vector<pl::op_entry> & ops = trainer_->graph_ops();
    Napi::Array out = Napi::Array::New(env, ops.size());
    for (size_t i = 0; i < ops.size(); i++) {
        const pl::op_entry & e = ops[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("op", e.op);
        o.Set("type", e.type);
        Napi::Array srcs = Napi::Array::New(env, e.srcs.size());
        for (size_t k = 0; k < e.srcs.size(); k++) {
            Napi::Object so = Napi::Object::New(env);
            so.Set("type", e.srcs[k]);
            so.Set("layout", e.layouts[k]);
            srcs.Set((uint32_t) k, so);
        }
        o.Set("sources", srcs);
        o.Set("count", Napi::Number::New(env, (double) e.count));
        o.Set("supported", e.supported);
        out.Set((uint32_t) i, o);
    }
    return out;
}

// logits(tokens, sequences, docStarts?) -> Promise<Float32Array> (row-major [N][V])
Napi::Value trainer_wrap::logits(const Napi::CallbackInfo & info) {
    auto b = std::make_shared<batch_copy>(arg_batch(info, 0, false));
    auto out = std::make_shared<std::vector<float>>();
    return run(info.Env(), [b, out](pl::trainer & t) { *out = t.logits(b->view()); },
               [out](Napi::Env env) -> Napi::Value { return floats_to_js(env, *out); });
}

// loss(tokens, sequences, weights?, docStarts?) -> Promise<number>
Napi::Value trainer_wrap::loss(const Napi::CallbackInfo & info) {
    auto b = std::make_shared<batch_copy>(arg_batch(info, 0, true));
    auto out = std::make_shared<double>(0.0);
    return run(info.Env(), [b, out](pl::trainer & t) { *out = t.loss(b->view()); },
               [out](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *out); });
}

// gradients(tokens, sequences, weights?, docStarts?) -> Promise<{loss, gradNorm, targets}>; then getGradient(i)
Napi::Value trainer_wrap::gradients(const Napi::CallbackInfo & info) {
    auto b = std::make_shared<batch_copy>(arg_batch(info, 0, true));
    auto out = std::make_shared<pl::step_result>();
    return run(info.Env(), [b, out](pl::trainer & t) { *out = t.gradients(b->view()); },
               [out](Napi::Env env) -> Napi::Value { return step_to_js(env, *out); });
}

// step(tokens, sequences, weights?, docStarts?, {lr, beta1, beta2, eps, weightDecay, clip}, microSequences?)
//   -> Promise<{loss, gradNorm, targets}>; microSequences (Uint32Array) cuts the sequences into micro-batches whose
//   gradients are accumulated (pl::trainer::step over several batches).
Napi::Value trainer_wrap::step(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto b = std::make_shared<batch_copy>(arg_batch(info, 0, true));
    if (info.Length() < 5 || !info[4].IsObject()) throw_error(env, "ERR_INVALID_OPTION", "Expected an optimizer options object for argument 5");
    Napi::Object o = info[4].As<Napi::Object>();
    pl::optimizer_params op;
    op.lr           = (float) opt_number(o, "lr", op.lr, 0, 1e3);
    op.beta1        = (float) opt_number(o, "beta1", op.beta1, 0, 0.999999);
    op.beta2        = (float) opt_number(o, "beta2", op.beta2, 0, 0.999999999);
    op.eps          = (float) opt_number(o, "eps", op.eps, 1e-30, 1);
    op.weight_decay = (float) opt_number(o, "weightDecay", op.weight_decay, 0, 1e3);
    op.clip         = (float) opt_number(o, "clip", op.clip, 0, 1e30);
    op.embedding_lr = (float) opt_number(o, "embeddingLr", -1, -1, 1e3);
    std::vector<int64_t> micro;
    if (info.Length() > 5 && !info[5].IsUndefined()) {
        if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) throw_error(env, "ERR_INVALID_OPTION", "Expected a Uint32Array for microSequences");
        auto m = info[5].As<Napi::Uint32Array>();
        int64_t total = 0;
        for (size_t i = 0; i < m.ElementLength(); i++) {
            if (m[i] == 0) throw_error(env, "ERR_INVALID_OPTION", "Expected every micro-batch to hold at least one sequence (microSequences[" + std::to_string(i) + "] is 0)");
            micro.push_back((int64_t) m[i]);
            total += (int64_t) m[i];
        }
        if (total != b->n_seqs) throw_error(env, "ERR_INVALID_OPTION", "Expected microSequences to sum to the sequence count (" + std::to_string(b->n_seqs) + "), received " + std::to_string(total));
    }
    auto out = std::make_shared<pl::step_result>();
    return run(env, [b, op, out, micro](pl::trainer & t) {
        const pl::train_batch all = b->view();
        std::vector<pl::train_batch> parts;
        int64_t s0 = 0;
        for (int64_t n : micro) {
            pl::train_batch p = all;
            const int64_t offset = s0 * all.n_tokens;
            p.tokens += offset;
            if (p.weights) p.weights += offset;
            if (p.doc_start) p.doc_start += offset;
            p.n_seqs = n;
            parts.push_back(p);
            s0 += n;
        }
        *out = parts.empty() ? t.step(all, op) : t.step(parts, op);
    },
               [out](Napi::Env env) -> Napi::Value { return step_to_js(env, *out); });
}

Napi::Value trainer_wrap::get_gradient(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto t = acquire(env);
    struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy_ };
    const size_t i = (size_t) arg_number(info, 0, "index", 0, (double) t->n_params() - 1);
    return floats_to_js(env, t->grad(i));
}

Napi::Value trainer_wrap::get_parameter(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto t = acquire(env);
    struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy_ };
    const size_t i = (size_t) arg_number(info, 0, "index", 0, (double) t->n_params() - 1);
    return floats_to_js(env, t->param_get(i));
}

Napi::Value trainer_wrap::set_parameter(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto t = acquire(env);
    struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy_ };
    const size_t i = (size_t) arg_number(info, 0, "index", 0, (double) t->n_params() - 1);
    if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw_error(env, "ERR_INVALID_OPTION", "Expected a Float32Array for argument 2 (values)");
    }
    auto arr = info[1].As<Napi::Float32Array>();
    std::vector<float> values(arr.Data(), arr.Data() + arr.ElementLength());
    return guarded(env, [&] { t->param_set(i, values); return env.Undefined(); });
}

// getMoment(index, which: 0 = m, 1 = v) -> Float32Array
Napi::Value trainer_wrap::get_moment(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto t = acquire(env);
    struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy_ };
    const size_t i = (size_t) arg_number(info, 0, "index", 0, (double) t->n_params() - 1);
    const int which = (int) arg_number(info, 1, "which", 0, 1);
    return floats_to_js(env, t->moment_get(i, which));
}

// setMoment(index, which, values: Float32Array)
Napi::Value trainer_wrap::set_moment(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto t = acquire(env);
    struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy_ };
    const size_t i = (size_t) arg_number(info, 0, "index", 0, (double) t->n_params() - 1);
    const int which = (int) arg_number(info, 1, "which", 0, 1);
    if (info.Length() < 3 || !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw_error(env, "ERR_INVALID_OPTION", "Expected a Float32Array for argument 3 (values)");
    }
    auto arr = info[2].As<Napi::Float32Array>();
    std::vector<float> values(arr.Data(), arr.Data() + arr.ElementLength());
    return guarded(env, [&] { t->moment_set(i, which, values); return env.Undefined(); });
}

// setSteps(n): the optimizer step count (after a resume)
Napi::Value trainer_wrap::set_steps(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto t = acquire(env);
    struct release { std::shared_ptr<std::atomic<bool>> b; ~release() { b->store(false); } } r { busy_ };
    const int64_t n = (int64_t) arg_number(info, 0, "steps", 0, 9007199254740991.0);
    return guarded(env, [&] { t->steps_set(n); return env.Undefined(); });
}

// exportAdapter(path, name) -> Promise<void>
Napi::Value trainer_wrap::export_adapter(const Napi::CallbackInfo & info) {
    const std::string path = arg_string(info, 0, "path"), name = arg_string(info, 1, "name");
    return run(info.Env(), [path, name](pl::trainer & t) { t.export_adapter(path, name); },
               [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

// exportBase(path, keepType) -> Promise<void>
Napi::Value trainer_wrap::export_base(const Napi::CallbackInfo & info) {
    const std::string path = arg_string(info, 0, "path");
    const bool keep_type = info.Length() > 1 && info[1].ToBoolean();
    return run(info.Env(), [path, keep_type](pl::trainer & t) { t.export_base(path, keep_type); },
               [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
}

Napi::Value trainer_wrap::dispose(const Napi::CallbackInfo & info) {
    trainer_.reset();  // a running worker keeps its own reference
    return info.Env().Undefined();
}

}  // namespace addon
