// Row conversion between F32 and any ggml tensor type: dequantize through the type traits, quantize through ggml_quantize_chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pl {

struct quant_type_info {
    int32_t     type = 0;             // enum ggml_type
    std::string name;                 // ggml_type_name, e.g. "q8_0"
    int64_t     block_size = 0;       // elements per block
    size_t      type_size = 0;        // bytes per block
    bool        is_quantized = false;
    bool        can_dequantize = false;  // rows convert to F32
    bool        can_quantize = false;    // F32 rows convert to this type without an importance matrix
};

// Traits of a ggml type; throws pl::error ERR_INVALID_OPTION for a number that is not a (still supported) ggml type.
quant_type_info quant_type(int32_t type);

// Bytes of one row of n_per_row elements; n_per_row must be a positive multiple of the type's block size.
size_t quant_row_bytes(int32_t type, int64_t n_per_row);

// Dequantize n_bytes of rows (a whole number of rows of n_per_row elements) into F32.
std::vector<float> quant_dequantize_rows(int32_t type, const uint8_t * src, size_t n_bytes, int64_t n_per_row);

// Quantize n_values F32 values (a whole number of rows of n_per_row elements) to `type`. Rows are independent, so a row
// gives the same bytes whichever other rows are converted with it.
std::vector<uint8_t> quant_quantize_rows(int32_t type, const float * src, size_t n_values, int64_t n_per_row);

}  // namespace pl
