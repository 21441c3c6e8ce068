// trainer::export_base: the base GGUF rewritten with the trained token rows, one tensor at a time.
#include "pl_trainer.h"

#include "pl_error.h"

#include "ggml-cpu.h"
#include "gguf.h"

#include <cstdio>
#include <cstring>
#include <fstream>

namespace pl {

void trainer::export_base(const std::string & path, bool keep_type) const {
    const train_model & m = *model_;
    if (m.rows_from() < 0) throw error("ERR_INVALID_OPTION", "No token rows train (trainRows is 'none'): the base is unchanged, export the adapter only");
    ggml_context * meta = nullptr;
    gguf_init_params gp = { /*no_alloc =*/ true, /*ctx =*/ &meta };
    std::unique_ptr<gguf_context, decltype(&gguf_free)> src(gguf_init_from_file(m.path().c_str(), gp), gguf_free);
    std::unique_ptr<ggml_context, decltype(&ggml_free)> meta_owner(meta, ggml_free);
    if (!src) throw error("ERR_BAD_FORMAT", "Cannot read the GGUF file " + m.path());
    std::unique_ptr<gguf_context, decltype(&gguf_free)> out(gguf_init_empty(), gguf_free);
    gguf_set_kv(out.get(), src.get());
    if (gguf_get_alignment(out.get()) != gguf_get_alignment(src.get())) {
        throw error("ERR_BAD_FORMAT", m.path() + " sets general.alignment to " + std::to_string(gguf_get_alignment(src.get())) + ", which exportBase does not support");
    }
    gguf_set_val_i32(out.get(), "persian_lora.train.rows_from", m.rows_from());
    const int64_t n = gguf_get_n_tensors(src.get());
    auto trained = [&](const std::string & name) -> const ggml_tensor * {
        if (name == "token_embd.weight") return m.embd_rows();
        if (name == "output.weight" && !m.tied()) return m.output_rows();
        return nullptr;
    };
    for (int64_t i = 0; i < n; i++) {
        const char * name = gguf_get_tensor_name(src.get(), i);
        gguf_add_tensor(out.get(), ggml_get_tensor(meta, name));
        if (trained(name) && !keep_type) gguf_set_tensor_type(out.get(), name, GGML_TYPE_F32);
    }
    for (int64_t i = 0; i < n; i++) {
        const std::string name = gguf_get_tensor_name(src.get(), i);
        const ggml_tensor * base = m.base_tensor(name);
        if (trained(name) && keep_type && base->type != GGML_TYPE_F32 && ggml_quantize_requires_imatrix(base->type)) {
            throw error("ERR_INVALID_OPTION", name + " is stored as " + ggml_type_name(base->type) + ", which needs an importance matrix to quantize: export with F32 rows");
        }
    }

    const std::string tmp = path + ".tmp";
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw error("ERR_NATIVE", "Could not create " + tmp);
    std::vector<uint8_t> buf(gguf_get_meta_size(out.get()));
    gguf_get_meta_data(out.get(), buf.data());
    f.write(reinterpret_cast<const char *>(buf.data()), (std::streamsize) buf.size());
    const size_t data_start = buf.size();
    size_t written = data_start;
    std::vector<float> row;
    std::vector<uint8_t> qrow;
    for (int64_t i = 0; i < n; i++) {
        const std::string name = gguf_get_tensor_name(out.get(), i);
        const size_t at = data_start + gguf_get_tensor_offset(out.get(), i);
        if (at < written) throw error("ERR_NATIVE", "Overlapping tensor data while writing " + tmp);
        const std::vector<char> pad(at - written, 0);
        f.write(pad.data(), (std::streamsize) pad.size());
        written = at;
        const ggml_tensor * base = m.base_tensor(name);
        const ggml_tensor * rows = trained(name);
        if (!rows) {
            buf.resize(ggml_nbytes(base));
            ggml_backend_tensor_get(base, buf.data(), 0, buf.size());
            f.write(reinterpret_cast<const char *>(buf.data()), (std::streamsize) buf.size());
            written += buf.size();
            continue;
        }
        const int64_t C = base->ne[0], V = base->ne[1], from = m.rows_from();
        const ggml_type_traits * tt = ggml_get_type_traits(base->type);
        row.resize((size_t) C);
        buf.resize(base->nb[1]);
        for (int64_t r = 0; r < V; r++) {
            const uint8_t * bytes;
            size_t size;
            if (r < from) {
                ggml_backend_tensor_get(base, buf.data(), (size_t) r * base->nb[1], base->nb[1]);
                if (keep_type) { bytes = buf.data(); size = base->nb[1]; }
                else {
                    if (base->type == GGML_TYPE_F32) std::memcpy(row.data(), buf.data(), (size_t) C * sizeof(float));
                    else tt->to_float(buf.data(), row.data(), C);
                    bytes = reinterpret_cast<const uint8_t *>(row.data()); size = (size_t) C * sizeof(float);
                }
            } else {
                ggml_backend_tensor_get(rows, row.data(), (size_t) (r - from) * rows->nb[1], (size_t) C * sizeof(float));
                if (keep_type && base->type != GGML_TYPE_F32) {
                    qrow.resize(base->nb[1]);
                    ggml_quantize_chunk(base->type, row.data(), qrow.data(), 0, 1, C, nullptr);
                    bytes = qrow.data(); size = base->nb[1];
                } else {
                    bytes = reinterpret_cast<const uint8_t *>(row.data()); size = (size_t) C * sizeof(float);
                }
            }
            f.write(reinterpret_cast<const char *>(bytes), (std::streamsize) size);
            written += size;
        }
    }
    const std::vector<char> tail(GGML_PAD(written - data_start, gguf_get_alignment(out.get())) - (written - data_start), 0);
    f.write(tail.data(), (std::streamsize) tail.size());
    f.close();
    if (!f) {
        std::remove(tmp.c_str());
        throw error("ERR_NATIVE", "Could not write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw error("ERR_NATIVE", "Could not move " + tmp + " to " + path);
    }
}

}  // namespace pl
