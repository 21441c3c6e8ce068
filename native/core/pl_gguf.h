// Reading a GGUF file's header without loading it: validation with clear errors, metadata and the tensor-type mix.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pl {

struct gguf_summary {
    uint32_t                         version = 0;
    std::string                      architecture;   // general.architecture
    std::string                      type;           // general.type ("model", "adapter", or empty)
    int64_t                          n_tensors = 0;
    uint64_t                         n_elements = 0;  // sum over all tensors
    uint64_t                         data_bytes = 0;
    std::map<std::string, int64_t>   tensor_types;    // ggml type name -> number of tensors
    std::map<std::string, uint64_t>  type_elements;   // ggml type name -> number of elements
};

// Throws pl::error (ERR_FILE_NOT_FOUND / ERR_BAD_FORMAT) naming the file and the problem:
// missing, not a GGUF file, unsupported version, unreadable header, or truncated tensor data.
gguf_summary gguf_inspect(const std::string & path);

}  // namespace pl
