// AbortToken implementation.
#include "abort_token.h"

namespace addon {

Napi::Function abort_token::define(Napi::Env env) {
    return DefineClass(env, "AbortToken", {
        InstanceMethod<&abort_token::abort>("abort"),
        InstanceAccessor<&abort_token::aborted>("aborted"),
    });
}

abort_token::abort_token(const Napi::CallbackInfo & info) : Napi::ObjectWrap<abort_token>(info), flag_(std::make_shared<std::atomic<bool>>(false)) {}

Napi::Value abort_token::abort(const Napi::CallbackInfo & info) {
    flag_->store(true);
    return info.Env().Undefined();
}

Napi::Value abort_token::aborted(const Napi::CallbackInfo & info) { return Napi::Boolean::New(info.Env(), flag_->load()); }

}  // namespace addon
