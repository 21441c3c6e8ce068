// LoRA dropout masks computed in the training graph, on whichever device runs it, from small random inputs: an F32
// [K, in] matrix R per input width and an F32 [K, N] matrix C per adapted projection, drawn on the host from the
// portable RNG (K·(in + N) numbers instead of the in·N of a drawn mask). Element (i, n) of a projection's mask keeps
// x[i, n] when
//     h = (Σ_k R[k, i] · C[k, n]) mod 1024  <  t,   t = round((1 − p) · 1024)
// with R and C integers in [0, 1024) (C[0, n] odd, so every h is uniform over the 1024 levels). Two elements, of one
// projection or two, are independent unless their K-vectors happen to be dependent modulo 2 (a chance of about
// 2^-15); more than K rows or columns are always linearly dependent modulo 1024. R goes in divided by 1024, so every
// value the graph makes is a multiple of 1/1024 below 2^14, which F32 holds exactly: the masks are the same bits on
// every backend, whatever order its matrix product sums in. The kept elements are scaled by 1024 / t (dropout_scale)
// after LoRA's product, so the drop probability is p rounded to a multiple of 1/1024.
#pragma once

#include "ggml.h"
#include "pl_rng.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pl {

constexpr int64_t dropout_terms  = 16;     // K: 16 · 1023² < 2^24
constexpr int32_t dropout_levels = 1024;

// t, the kept levels of 1024, for a drop probability p in [0, 1); at least 1.
int32_t dropout_kept_levels(float p);

// 1024 / t: the factor that keeps the masked input's expectation.
float dropout_scale(float p);

// The F32 [in, N] mask of 0 and 1 from rows R / 1024 [K, in] and columns C [K, N] (five ops: the K-long product
// h / 1024, then h / 1024 − floor(h / 1024) compared with (t − ½) / 1024).
ggml_tensor * dropout_mask(ggml_context * ctx, ggml_tensor * rows, ggml_tensor * cols, float p);

// Draws the inputs of a graph's masks from seed, every R in order and then every C in order (integers in [0, 1024),
// entry 0 of each column odd; R divided by 1024), and copies them into the allocated tensors.
void dropout_inputs_set(uint64_t seed, const std::vector<ggml_tensor *> & rows, const std::vector<ggml_tensor *> & cols);

// The masks of `projections` projections of one input width, as a training graph whose dropout inputs are drawn from
// seed computes them on `device` (a name backend_device takes): [projections][tokens][width] values 0 or 1.
// For tests of the masks on each backend. Throws ERR_INVALID_OPTION for sizes out of range.
std::vector<float> dropout_masks_on(const std::string & device, int64_t width, int64_t tokens, int64_t projections, float p, uint64_t seed);

}  // namespace pl
