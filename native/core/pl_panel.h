// Packing helpers shared by the OUT_PROD GEMM (pl_out_prod.cpp) and its AMX variant (pl_amx.cpp): a row segment
// of a weight dequantized into F32, and two F32 rows rounded into BF16 pairs.
#pragma once

#include "ggml.h"

#include <cstdint>

#include "pl_cpu_features.h"

#if PL_AVX512
#include <immintrin.h>
#endif

namespace pl {

// d[0, n) = the n values (whole blocks) of a row segment at `src`: Q8_0 and F16 on AVX-512 with ggml's arithmetic
// (float(q) · d, and the exact F16 conversion), other types through ggml's to_float.
static inline void to_panel([[maybe_unused]] ggml_type type, ggml_to_float_t to_float, const char * src, float * d, int64_t n) {
#if PL_AVX512
    if (type == GGML_TYPE_Q8_0) {
        struct q8_block { uint16_t d; int8_t qs[32]; };
        for (int64_t b = 0; b < n / 32; b++) {
            const q8_block * x = (const q8_block *) src + b;
            const __m512 scale = _mm512_set1_ps(_cvtsh_ss(x->d));
            for (int h = 0; h < 2; h++) {
                const __m512i q = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (x->qs + 16 * h)));
                _mm512_storeu_ps(d + 32 * b + 16 * h, _mm512_mul_ps(_mm512_cvtepi32_ps(q), scale));
            }
        }
        return;
    }
    if (type == GGML_TYPE_F16 && n % 16 == 0) {
        for (int64_t x = 0; x < n; x += 16) _mm512_storeu_ps(d + x, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (src + 2 * x))));
        return;
    }
#endif
    to_float(src, d, n);
}


#if PL_AVX512_BF16
// d[x] = (bf16(lo[x]), bf16(hi[x])) as one 32-bit pair for x < n ≤ 16, rounded to nearest even.
static inline void bf16_pairs16(const float * lo, const float * hi, uint32_t * d, int n) {
    const __mmask16 m = (__mmask16) ((1u << n) - 1u);
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                                23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512bh both = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(m, hi), _mm512_maskz_loadu_ps(m, lo));
    _mm512_mask_storeu_epi32(d, m, _mm512_permutexvar_epi16(interleave, (__m512i) both));
}
#endif

}  // namespace pl
