// AddonAdapter implementation.
#include "adapter_wrap.h"

namespace addon {

Napi::Function adapter_wrap::define(Napi::Env env) {
    return DefineClass(env, "AddonAdapter", {
        InstanceMethod<&adapter_wrap::info>("info"),
        InstanceMethod<&adapter_wrap::dispose>("dispose"),
    });
}

Napi::Value adapter_wrap::wrap(Napi::Env env, std::shared_ptr<pl::adapter> a) {
    auto * holder = new std::shared_ptr<pl::adapter>(std::move(a));
    auto ext = Napi::External<std::shared_ptr<pl::adapter>>::New(env, holder, [](Napi::Env, std::shared_ptr<pl::adapter> * p) { delete p; });
    return data(env).adapter.New({ ext });
}

adapter_wrap::adapter_wrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<adapter_wrap>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) throw_error(info.Env(), "ERR_INVALID_OPTION", "AddonAdapter cannot be constructed directly: use model.loadAdapter()");
    // moved out of the External, so that dispose() frees it at once rather than when the External is collected
    adapter_ = std::move(*info[0].As<Napi::External<std::shared_ptr<pl::adapter>>>().Data());
}

const std::shared_ptr<pl::adapter> & adapter_wrap::get(Napi::Env env) const {
    if (!adapter_) throw_error(env, "ERR_DISPOSED", "The adapter has been disposed");
    return adapter_;
}

Napi::Value adapter_wrap::info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & a = get(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("alpha", a->alpha());
    Napi::Object meta = Napi::Object::New(env);
    for (const auto & [k, v] : a->metadata()) meta.Set(k, v);
    o.Set("metadata", meta);
    return o;
}

Napi::Value adapter_wrap::dispose(const Napi::CallbackInfo & info) {
    adapter_.reset();  // contexts that applied it keep it alive until they drop it
    return info.Env().Undefined();
}

}  // namespace addon
