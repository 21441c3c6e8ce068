// The index of the first maximum of a row of logits (greedy decoding), vectorised: on a 32k vocabulary the scalar
// loop costs tens of microseconds a token, a visible share of a small model's decode time.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace pl {

// NaN entries never win (as in the scalar `x > best` loop); an all-NaN row gives 0.
inline int32_t argmax_first(const float * x, size_t n) {
    size_t i = 0;
    float m = -INFINITY;
#if defined(__AVX2__)
    __m256 a = _mm256_set1_ps(-INFINITY), b = a, c = a, d = a;
    for (; i + 32 <= n; i += 32) {
        a = _mm256_max_ps(_mm256_loadu_ps(x + i), a);
        b = _mm256_max_ps(_mm256_loadu_ps(x + i + 8), b);
        c = _mm256_max_ps(_mm256_loadu_ps(x + i + 16), c);
        d = _mm256_max_ps(_mm256_loadu_ps(x + i + 24), d);
    }
    alignas(32) float lane[8];
    _mm256_store_ps(lane, _mm256_max_ps(_mm256_max_ps(a, b), _mm256_max_ps(c, d)));
    for (float v : lane) m = v > m ? v : m;
#elif defined(__ARM_NEON) && defined(__aarch64__)
    float32x4_t a = vdupq_n_f32(-INFINITY), b = a;
    for (; i + 8 <= n; i += 8) {
        a = vmaxnmq_f32(a, vld1q_f32(x + i));
        b = vmaxnmq_f32(b, vld1q_f32(x + i + 4));
    }
    m = vmaxnmvq_f32(vmaxnmq_f32(a, b));
#endif
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    if (!(m > -INFINITY)) {
        for (size_t j = 0; j < n; j++) if (x[j] == m) return (int32_t) j;  // every entry is -inf or NaN
        return 0;
    }
    size_t j = 0;
#if defined(__AVX2__)
    const __m256 mv = _mm256_set1_ps(m);
    for (; j + 8 <= n; j += 8) {
        const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + j), mv, _CMP_EQ_OQ));
        if (mask) return (int32_t) (j + (size_t) __builtin_ctz((unsigned) mask));
    }
#elif defined(__ARM_NEON) && defined(__aarch64__)
    const float32x4_t mv = vdupq_n_f32(m);
    for (; j + 4 <= n; j += 4) {
        if (vmaxvq_u32(vceqq_f32(vld1q_f32(x + j), mv))) break;
    }
#endif
    for (; j < n; j++) if (x[j] == m) return (int32_t) j;
    return 0;
}

}  // namespace pl
