// Argument checking and conversion helpers for the addon.
#include "napi_util.h"

#include "abort_token.h"

namespace addon {

static std::string arg_name(size_t i, const char * name) {
    return std::string("argument ") + std::to_string(i + 1) + " (" + name + ")";
}

std::string arg_string(const Napi::CallbackInfo & info, size_t i, const char * name) {
    if (info.Length() <= i || !info[i].IsString()) throw_error(info.Env(), "ERR_INVALID_OPTION", "Expected a string for " + arg_name(i, name));
    return info[i].As<Napi::String>().Utf8Value();
}

bool arg_bool(const Napi::CallbackInfo & info, size_t i, const char * name) {
    if (info.Length() <= i || !info[i].IsBoolean()) throw_error(info.Env(), "ERR_INVALID_OPTION", "Expected a boolean for " + arg_name(i, name));
    return info[i].As<Napi::Boolean>().Value();
}

double arg_number(const Napi::CallbackInfo & info, size_t i, const char * name, double min, double max) {
    if (info.Length() <= i || !info[i].IsNumber()) throw_error(info.Env(), "ERR_INVALID_OPTION", "Expected a number for " + arg_name(i, name));
    const double v = info[i].As<Napi::Number>().DoubleValue();
    if (!(v >= min && v <= max)) {
        throw_error(info.Env(), "ERR_INVALID_OPTION", "Expected " + arg_name(i, name) + " in [" + std::to_string(min) + ", " + std::to_string(max) + "], received " + std::to_string(v));
    }
    return v;
}

std::vector<int32_t> to_tokens(Napi::Env env, const Napi::Value & v, const std::string & name) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
        throw_error(env, "ERR_INVALID_OPTION", "Expected a Uint32Array for " + name);
    }
    auto arr = v.As<Napi::Uint32Array>();
    std::vector<int32_t> out(arr.ElementLength());
    for (size_t k = 0; k < out.size(); k++) {
        const uint32_t t = arr[k];
        if (t > (uint32_t) INT32_MAX) throw_error(env, "ERR_TOKEN_RANGE", "Token id " + std::to_string(t) + " at index " + std::to_string(k) + " of " + name + " is out of range");
        out[k] = (int32_t) t;
    }
    return out;
}

std::vector<int32_t> arg_tokens(const Napi::CallbackInfo & info, size_t i, const char * name) {
    if (info.Length() <= i) throw_error(info.Env(), "ERR_INVALID_OPTION", "Expected a Uint32Array for " + arg_name(i, name));
    return to_tokens(info.Env(), info[i], arg_name(i, name));
}

pl::abort_flag arg_abort(const Napi::CallbackInfo & info, size_t i) {
    if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return nullptr;
    if (!info[i].IsObject() || !info[i].As<Napi::Object>().InstanceOf(data(info.Env()).abort_token.Value())) {
        throw_error(info.Env(), "ERR_INVALID_OPTION", "Expected an AbortToken for argument " + std::to_string(i + 1));
    }
    return abort_token::Unwrap(info[i].As<Napi::Object>())->flag();
}

Napi::Uint32Array tokens_to_js(Napi::Env env, const std::vector<int32_t> & tokens) {
    auto arr = Napi::Uint32Array::New(env, tokens.size());
    for (size_t k = 0; k < tokens.size(); k++) arr[k] = (uint32_t) tokens[k];
    return arr;
}

double opt_number(const Napi::Object & o, const char * key, double fallback, double min, double max) {
    if (!o.Has(key) || o.Get(key).IsUndefined()) return fallback;
    const Napi::Value v = o.Get(key);
    if (!v.IsNumber()) throw_error(o.Env(), "ERR_INVALID_OPTION", std::string("Expected a number for option ") + key);
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= min && d <= max)) {
        throw_error(o.Env(), "ERR_INVALID_OPTION", std::string("Expected option ") + key + " in [" + std::to_string(min) + ", " + std::to_string(max) + "], received " + std::to_string(d));
    }
    return d;
}

}  // namespace addon
