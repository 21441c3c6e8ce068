// ggmlTypeInfo / dequantizeRows / quantizeRows: argument checks on the JS thread, conversion on the thread pool.
#include "quant_wrap.h"

#include "napi_util.h"
#include "pl_quant.h"

#include <cstring>
#include <memory>
#include <vector>

namespace addon {

static int32_t arg_type(const Napi::CallbackInfo & info) {
    return (int32_t) arg_number(info, 0, "type", 0, 1 << 20);
}

// ggmlTypeInfo(type) -> {type, name, blockSize, typeSize, isQuantized, canDequantize, canQuantize}
static Napi::Value ggml_type_info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
        const pl::quant_type_info t = pl::quant_type(arg_type(info));
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", t.type);
        o.Set("name", t.name);
        o.Set("blockSize", Napi::Number::New(env, (double) t.block_size));
        o.Set("typeSize", Napi::Number::New(env, (double) t.type_size));
        o.Set("isQuantized", t.is_quantized);
        o.Set("canDequantize", t.can_dequantize);
        o.Set("canQuantize", t.can_quantize);
        return o;
    });
}

// dequantizeRows(type, data: Uint8Array, rowLength) -> Promise<Float32Array>
static Napi::Value dequantize_rows(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const int32_t type = arg_type(info);
    if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throw_error(env, "ERR_INVALID_OPTION", "Expected a Uint8Array for argument 2 (data)");
    }
    const int64_t n_per_row = (int64_t) arg_number(info, 2, "rowLength", 1, 9007199254740991.0);
    // cheap checks up front, so a bad call fails synchronously
    guarded(env, [&]() -> Napi::Value { pl::quant_row_bytes(type, n_per_row); return env.Undefined(); });
    auto bytes = info[1].As<Napi::Uint8Array>();
    auto src = std::make_shared<std::vector<uint8_t>>(bytes.Data(), bytes.Data() + bytes.ByteLength());
    auto out = std::make_shared<std::vector<float>>();
    return promise_worker::run(env, [type, n_per_row, src, out] { *out = pl::quant_dequantize_rows(type, src->data(), src->size(), n_per_row); },
        [out](Napi::Env env) -> Napi::Value {
            auto arr = Napi::Float32Array::New(env, out->size());
            if (!out->empty()) std::memcpy(arr.Data(), out->data(), out->size() * sizeof(float));
            return arr;
        });
}

// quantizeRows(type, data: Float32Array, rowLength) -> Promise<Uint8Array>
static Napi::Value quantize_rows(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const int32_t type = arg_type(info);
    if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throw_error(env, "ERR_INVALID_OPTION", "Expected a Float32Array for argument 2 (data)");
    }
    const int64_t n_per_row = (int64_t) arg_number(info, 2, "rowLength", 1, 9007199254740991.0);
    guarded(env, [&]() -> Napi::Value { pl::quant_row_bytes(type, n_per_row); return env.Undefined(); });
    auto values = info[1].As<Napi::Float32Array>();
    auto src = std::make_shared<std::vector<float>>(values.Data(), values.Data() + values.ElementLength());
    auto out = std::make_shared<std::vector<uint8_t>>();
    return promise_worker::run(env, [type, n_per_row, src, out] { *out = pl::quant_quantize_rows(type, src->data(), src->size(), n_per_row); },
        [out](Napi::Env env) -> Napi::Value {
            auto arr = Napi::Uint8Array::New(env, out->size());
            if (!out->empty()) std::memcpy(arr.Data(), out->data(), out->size());
            return arr;
        });
}

void quant_wrap_register(Napi::Env env, Napi::Object exports) {
    exports.Set("ggmlTypeInfo", Napi::Function::New(env, ggml_type_info, "ggmlTypeInfo"));
    exports.Set("dequantizeRows", Napi::Function::New(env, dequantize_rows, "dequantizeRows"));
    exports.Set("quantizeRows", Napi::Function::New(env, quantize_rows, "quantizeRows"));
}

}  // namespace addon
