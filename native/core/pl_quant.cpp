// Row conversion between F32 and ggml tensor types, with the checks that keep a bad call from reaching a ggml assert.
#include "pl_quant.h"

#include "pl_error.h"

#include "ggml.h"

#include <cmath>
#include <cstring>

namespace pl {

// The types ggml_quantize_chunk has a quantizer for (its switch); any other type would trip its assert.
static bool has_quantizer(ggml_type t) {
    switch (t) {
        case GGML_TYPE_F32:  case GGML_TYPE_F16:  case GGML_TYPE_BF16:
        case GGML_TYPE_Q1_0: case GGML_TYPE_Q2_0: case GGML_TYPE_Q4_0:  case GGML_TYPE_Q4_1: case GGML_TYPE_Q5_0:
        case GGML_TYPE_Q5_1: case GGML_TYPE_Q8_0: case GGML_TYPE_MXFP4: case GGML_TYPE_NVFP4:
        case GGML_TYPE_Q2_K: case GGML_TYPE_Q3_K: case GGML_TYPE_Q4_K:  case GGML_TYPE_Q5_K: case GGML_TYPE_Q6_K:
        case GGML_TYPE_TQ1_0: case GGML_TYPE_TQ2_0:
        case GGML_TYPE_IQ2_XXS: case GGML_TYPE_IQ2_XS: case GGML_TYPE_IQ3_XXS: case GGML_TYPE_IQ3_S: case GGML_TYPE_IQ2_S:
        case GGML_TYPE_IQ1_S: case GGML_TYPE_IQ1_M: case GGML_TYPE_IQ4_NL: case GGML_TYPE_IQ4_XS:
            return true;
        default:
            return false;
    }
}

quant_type_info quant_type(int32_t type) {
    if (type < 0 || type >= GGML_TYPE_COUNT) {
        throw error("ERR_INVALID_OPTION", "Expected a ggml type in [0, " + std::to_string(GGML_TYPE_COUNT - 1) + "] but received " + std::to_string(type));
    }
    const ggml_type t = (ggml_type) type;
    const ggml_type_traits * tr = ggml_get_type_traits(t);
    if (tr == nullptr || tr->blck_size <= 0 || tr->type_size == 0) {
        throw error("ERR_INVALID_OPTION", "ggml type " + std::to_string(type) + " has been removed from ggml and cannot be converted");
    }
    quant_type_info info;
    info.type           = type;
    info.name           = tr->type_name ? tr->type_name : "";
    info.block_size     = tr->blck_size;
    info.type_size      = tr->type_size;
    info.is_quantized   = tr->is_quantized;
    info.can_dequantize = t == GGML_TYPE_F32 || tr->to_float != nullptr;
    info.can_quantize   = has_quantizer(t) && !ggml_quantize_requires_imatrix(t);
    return info;
}

size_t quant_row_bytes(int32_t type, int64_t n_per_row) {
    const quant_type_info info = quant_type(type);
    if (n_per_row <= 0 || n_per_row % info.block_size != 0) {
        throw error("ERR_INVALID_OPTION", "Expected a row length that is a positive multiple of the " + info.name + " block size " +
                    std::to_string(info.block_size) + " but received " + std::to_string(n_per_row));
    }
    return ggml_row_size((ggml_type) type, n_per_row);
}

std::vector<float> quant_dequantize_rows(int32_t type, const uint8_t * src, size_t n_bytes, int64_t n_per_row) {
    const quant_type_info info = quant_type(type);
    if (!info.can_dequantize) throw error("ERR_INVALID_OPTION", "ggml type " + info.name + " has no conversion to f32");
    const size_t row = quant_row_bytes(type, n_per_row);
    if (n_bytes % row != 0) {
        throw error("ERR_INVALID_OPTION", "Expected a whole number of " + info.name + " rows of " + std::to_string(n_per_row) + " elements (" +
                    std::to_string(row) + " bytes each) but received " + std::to_string(n_bytes) + " bytes");
    }
    const size_t n_rows = n_bytes / row;
    std::vector<float> out(n_rows * (size_t) n_per_row);
    if (n_rows == 0) return out;
    if (src == nullptr) throw error("ERR_INVALID_OPTION", "Expected row data but received a null pointer");
    if ((ggml_type) type == GGML_TYPE_F32) {
        std::memcpy(out.data(), src, n_bytes);
    } else {
        const ggml_to_float_t to_float = ggml_get_type_traits((ggml_type) type)->to_float;
        for (size_t r = 0; r < n_rows; r++) to_float(src + r * row, out.data() + r * (size_t) n_per_row, n_per_row);
    }
    return out;
}

std::vector<uint8_t> quant_quantize_rows(int32_t type, const float * src, size_t n_values, int64_t n_per_row) {
    const quant_type_info info = quant_type(type);
    if (!info.can_quantize) {
        throw error("ERR_INVALID_OPTION", "ggml type " + info.name + (ggml_quantize_requires_imatrix((ggml_type) type)
            ? " needs an importance matrix to quantize" : " has no quantizer from f32"));
    }
    const size_t row = quant_row_bytes(type, n_per_row);
    if (n_values % (size_t) n_per_row != 0) {
        throw error("ERR_INVALID_OPTION", "Expected a whole number of rows of " + std::to_string(n_per_row) + " values but received " +
                    std::to_string(n_values) + " values");
    }
    const size_t n_rows = n_values / (size_t) n_per_row;
    std::vector<uint8_t> out(n_rows * row);
    if (n_rows == 0) return out;
    if (src == nullptr) throw error("ERR_INVALID_OPTION", "Expected row data but received a null pointer");
    for (size_t i = 0; i < n_values; i++) {
        if (!std::isfinite(src[i])) {
            throw error("ERR_INVALID_OPTION", "Expected finite values to quantize but value " + std::to_string(i) + " (row " +
                        std::to_string(i / (size_t) n_per_row) + ") is " + std::to_string(src[i]));
        }
    }
    const size_t written = ggml_quantize_chunk((ggml_type) type, src, out.data(), 0, (int64_t) n_rows, n_per_row, nullptr);
    if (written != out.size()) {
        throw error("ERR_NATIVE", "ggml_quantize_chunk wrote " + std::to_string(written) + " bytes for " + info.name + " but " +
                    std::to_string(out.size()) + " were expected");
    }
    return out;
}

}  // namespace pl
