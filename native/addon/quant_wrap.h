// Free functions of the addon for row conversion between F32 and ggml tensor types (see pl_quant.h).
#pragma once

#include <napi.h>

namespace addon {

// Adds ggmlTypeInfo, dequantizeRows and quantizeRows to the module exports.
void quant_wrap_register(Napi::Env env, Napi::Object exports);

}  // namespace addon
