// LoRA dropout masks computed in the training graph (see pl_dropout.h).
#include "pl_dropout.h"

#include "pl_backend.h"
#include "pl_error.h"

#include "ggml-backend.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace pl {

int32_t dropout_kept_levels(float p) {
    return std::max(1, (int32_t) std::lround((1.0 - (double) p) * dropout_levels));
}

float dropout_scale(float p) {
    return (float) dropout_levels / (float) dropout_kept_levels(p);
}

ggml_tensor * dropout_mask(ggml_context * ctx, ggml_tensor * rows, ggml_tensor * cols, float p) {
    ggml_tensor * h = ggml_mul_mat(ctx, rows, cols);                      // [in, N]: Σ_k R·C / 1024
    ggml_tensor * frac = ggml_sub(ctx, h, ggml_floor(ctx, h));            // (Σ mod 1024) / 1024
    const float threshold = ((float) dropout_kept_levels(p) - 0.5f) / (float) dropout_levels;
    return ggml_step(ctx, ggml_scale_bias(ctx, frac, -1.0f, threshold));  // 1 where frac < threshold
}

// A [K, n] matrix of integers in [0, 1024) (the top 10 bits of each draw) times `unit`; with odd_first, entry 0 of
// each K-vector odd.
static void draw(portable_rng & rng, ggml_tensor * t, bool odd_first, float unit, std::vector<float> & values) {
    values.resize((size_t) ggml_nelements(t));
    for (size_t i = 0; i < values.size(); i++) {
        auto v = (int32_t) (rng.next() >> 54);
        if (odd_first && i % dropout_terms == 0) v |= 1;
        values[i] = (float) v * unit;
    }
    ggml_backend_tensor_set(t, values.data(), 0, ggml_nbytes(t));
}

void dropout_inputs_set(uint64_t seed, const std::vector<ggml_tensor *> & rows, const std::vector<ggml_tensor *> & cols) {
    portable_rng rng(seed);
    std::vector<float> values;
    for (ggml_tensor * r : rows) draw(rng, r, false, 1.0f / (float) dropout_levels, values);   // R / 1024: exact
    for (ggml_tensor * c : cols) draw(rng, c, true, 1.0f, values);
}

std::vector<float> dropout_masks_on(const std::string & device, int64_t width, int64_t tokens, int64_t projections, float p, uint64_t seed) {
    constexpr int64_t limit = (int64_t) 1 << 26;
    if (width < 1 || tokens < 1 || projections < 1 || width > limit / tokens / projections) {   // no product that overflows
        throw error("ERR_INVALID_OPTION", "Dropout masks of width " + std::to_string(width) + ", " + std::to_string(tokens) + " tokens and " +
                    std::to_string(projections) + " projections: expected each >= 1 and at most 2^26 elements in all");
    }
    if (!(p >= 0.0f && p < 1.0f)) throw error("ERR_INVALID_OPTION", "LoRA dropout must be in [0, 1), got " + std::to_string(p));
    const ggml_init_params params = { ggml_tensor_overhead() * (size_t) (8 * projections + 8) + ggml_graph_overhead(), nullptr, true };
    std::unique_ptr<ggml_context, decltype(&ggml_free)> ctx(ggml_init(params), ggml_free);
    ggml_tensor * rows = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, dropout_terms, width);
    ggml_set_input(rows);
    std::vector<ggml_tensor *> cols, masks;
    ggml_cgraph * gf = ggml_new_graph(ctx.get());
    for (int64_t j = 0; j < projections; j++) {
        cols.push_back(ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, dropout_terms, tokens));
        ggml_set_input(cols.back());
        masks.push_back(dropout_mask(ctx.get(), rows, cols.back(), p));
        ggml_set_output(masks.back());
        ggml_build_forward_expand(gf, masks.back());
    }
    std::unique_ptr<ggml_backend, decltype(&ggml_backend_free)> backend(ggml_backend_dev_init(backend_device(device), nullptr), ggml_backend_free);
    if (!backend) throw error("ERR_BACKEND", "Could not start device " + device);
    std::unique_ptr<ggml_backend_buffer, decltype(&ggml_backend_buffer_free)> buf(ggml_backend_alloc_ctx_tensors(ctx.get(), backend.get()), ggml_backend_buffer_free);
    if (!buf) throw error("ERR_BACKEND", "Could not allocate the dropout masks on " + device);
    dropout_inputs_set(seed, { rows }, cols);
    if (ggml_backend_graph_compute(backend.get(), gf) != GGML_STATUS_SUCCESS) throw error("ERR_BACKEND", "Computing the dropout masks failed on " + device);
    std::vector<float> out((size_t) (width * tokens * projections));
    for (int64_t j = 0; j < projections; j++) {
        ggml_backend_tensor_get(masks[(size_t) j], out.data() + j * width * tokens, 0, ggml_nbytes(masks[(size_t) j]));
    }
    return out;
}

}  // namespace pl
