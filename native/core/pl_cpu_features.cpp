// cpuid and xgetbv (see pl_cpu_features.h).
#include "pl_cpu_features.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

namespace pl {

namespace {

cpu_features detect() {
    cpu_features f;
#if defined(__x86_64__) && defined(__GNUC__)
    unsigned a, b, c, d;
    if (!__get_cpuid_count(1, 0, &a, &b, &c, &d)) return f;
    const bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28), f16c = c & (1u << 29);
    if (!osxsave || !avx) return f;
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    const bool ymm_state = (xcr0_lo & 0x6) == 0x6, zmm_state = (xcr0_lo & 0xE6) == 0xE6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    const bool bmi1 = b & (1u << 3), avx2 = b & (1u << 5), bmi2 = b & (1u << 8);
    const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17), avx512cd = b & (1u << 28), avx512bw = b & (1u << 30),
               avx512vl = b & (1u << 31), vnni = c & (1u << 11);
    unsigned a1 = 0, b1, c1, d1;
    if (a >= 1) __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1);   // a: the last sub-leaf of leaf 7
    const bool bf16 = a1 & (1u << 5);
    f.avx2 = ymm_state && avx2 && fma && f16c && bmi1 && bmi2;
    f.avx512 = f.avx2 && zmm_state && avx512f && avx512dq && avx512cd && avx512bw && avx512vl;
    f.avx512_vnni = f.avx512 && vnni;
    f.avx512_bf16 = f.avx512_vnni && bf16;
#endif
    const char * cap = std::getenv("PERSIAN_LORA_CPU");
    if (cap) {
        const int level = !std::strcmp(cap, "x64") ? 0 : !std::strcmp(cap, "avx2") ? 1 : !std::strcmp(cap, "avx512") ? 2 : !std::strcmp(cap, "avx512_vnni") ? 3 : 4;
        f.avx2 = f.avx2 && level >= 1;
        f.avx512 = f.avx512 && level >= 2;
        f.avx512_vnni = f.avx512_vnni && level >= 3;
        f.avx512_bf16 = f.avx512_bf16 && level >= 4;
    }
    return f;
}

}  // namespace

const cpu_features & cpu() {
    static const cpu_features features = detect();
    return features;
}

}  // namespace pl
