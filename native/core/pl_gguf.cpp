// GGUF validation and summary through upstream's gguf reader (metadata only, no tensor data loaded).
#include "pl_gguf.h"

#include "pl_backend.h"
#include "pl_error.h"

#include "ggml.h"
#include "gguf.h"

#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace pl {

static std::string str_or_empty(const gguf_context * ctx, const char * key) {
    const int64_t id = gguf_find_key(ctx, key);
    if (id < 0 || gguf_get_kv_type(ctx, id) != GGUF_TYPE_STRING) return "";
    return gguf_get_val_str(ctx, id);
}

gguf_summary gguf_inspect(const std::string & path) {
    backend_init();
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) throw error("ERR_FILE_NOT_FOUND", "File not found: " + path);
    if (!S_ISREG(st.st_mode)) throw error("ERR_BAD_FORMAT", path + " is not a regular file");

    FILE * f = fopen(path.c_str(), "rb");
    if (!f) throw error("ERR_FILE_NOT_FOUND", "Cannot open " + path + ": " + std::strerror(errno));
    char magic[4] = {0};
    uint32_t version = 0;
    const size_t got = fread(magic, 1, 4, f) + fread(&version, 1, 4, f);
    fclose(f);
    if (got < 8 || std::memcmp(magic, "GGUF", 4) != 0) {
        throw error("ERR_BAD_FORMAT", path + " is not a GGUF file (expected the magic bytes \"GGUF\" at offset 0)");
    }
    if (version < 2 || version > 3) {
        throw error("ERR_BAD_FORMAT", path + ": unsupported GGUF version " + std::to_string(version) + " (expected 2 or 3)");
    }

    backend_log_reset();
    gguf_init_params params = { /*no_alloc =*/ true, /*ctx =*/ nullptr };
    gguf_context * ctx = gguf_init_from_file(path.c_str(), params);
    if (!ctx) {
        const std::string why = backend_log_take();
        throw error("ERR_BAD_FORMAT", path + ": corrupt or truncated GGUF header" + (why.empty() ? "" : " (" + why + ")"));
    }
    gguf_summary s;
    s.version      = version;
    s.architecture = str_or_empty(ctx, "general.architecture");
    s.type         = str_or_empty(ctx, "general.type");
    s.n_tensors    = gguf_get_n_tensors(ctx);
    uint64_t end = 0;
    for (int64_t i = 0; i < s.n_tensors; i++) {
        const char * type_name = ggml_type_name(gguf_get_tensor_type(ctx, i));
        const int64_t * ne = gguf_get_tensor_ne(ctx, i);
        uint64_t n = 1;
        for (int d = 0; d < GGML_MAX_DIMS; d++) n *= (uint64_t) ne[d];
        s.tensor_types[type_name] += 1;
        s.type_elements[type_name] += n;
        s.n_elements += n;
        s.data_bytes += gguf_get_tensor_size(ctx, i);
        const uint64_t tensor_end = gguf_get_tensor_offset(ctx, i) + gguf_get_tensor_size(ctx, i);
        if (tensor_end > end) end = tensor_end;
    }
    const uint64_t needed = gguf_get_data_offset(ctx) + end;
    gguf_free(ctx);
    if ((uint64_t) st.st_size < needed) {
        throw error("ERR_BAD_FORMAT", path + " is truncated: its tensors need " + std::to_string(needed) +
                                          " bytes but the file has " + std::to_string((uint64_t) st.st_size));
    }
    return s;
}

}  // namespace pl
