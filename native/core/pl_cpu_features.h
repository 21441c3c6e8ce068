// What this CPU runs, asked once (cpuid, and xgetbv for the register state the OS saves), for the kernels built for
// an instruction set of their own. A file of such kernels starts with `#define PL_TIER PL_TIER_…`, compiles them
// inside PL_TARGET_BEGIN(PL_ISA_…) … PL_TARGET_END after all its includes (a GCC target region: its functions get
// that instruction set, while the templates of the headers included before it stay baseline code), selects its code
// with PL_AVX2 / PL_AVX512 / … below (C++ has no ISA macros that follow a target region), and enters the kernels only
// when cpu() says the CPU has them. So one binary (the prebuild, or a -march=native build run elsewhere) is correct
// on every x86-64 CPU and uses AVX2 / AVX-512 where present. With other compilers and CPUs (clang, ARM) the
// compiler's flags decide, as before.
#pragma once

namespace pl {

struct cpu_features {
    bool avx2        = false;   // AVX2, FMA, F16C, BMI2 (Haswell, Zen)
    bool avx512      = false;   // and AVX-512 F, BW, VL, DQ, CD with the OS saving ZMM state (Skylake-SP, Zen 4)
    bool avx512_vnni = false;   // and AVX512_VNNI (Cascade Lake, Ice Lake, Zen 4)
    bool avx512_bf16 = false;   // and AVX512_VNNI, AVX512_BF16 (Cooper Lake, Sapphire Rapids, Zen 4)
};

// This CPU's features; PERSIAN_LORA_CPU=x64|avx2|avx512|avx512_vnni in the environment caps them (to test the
// lower tiers on a machine that has more).
const cpu_features & cpu();

}  // namespace pl

// GCC 12 reports the deliberately undefined registers of its own AVX-512 intrinsics as uninitialized where they are
// inlined (GCC bug 105593): code using them sits between PL_INTRINSICS_BEGIN and PL_INTRINSICS_END.
#if defined(__GNUC__) && !defined(__clang__)
#define PL_PRAGMA(x) _Pragma(#x)
#define PL_INTRINSICS_BEGIN PL_PRAGMA(GCC diagnostic push) PL_PRAGMA(GCC diagnostic ignored "-Wuninitialized") \
    PL_PRAGMA(GCC diagnostic ignored "-Wmaybe-uninitialized")
#define PL_INTRINSICS_END PL_PRAGMA(GCC diagnostic pop)
#else
#define PL_INTRINSICS_BEGIN
#define PL_INTRINSICS_END
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PL_CPU_DISPATCH 1
#define PL_TARGET_BEGIN(isa) PL_PRAGMA(GCC push_options) PL_PRAGMA(GCC target(isa)) PL_INTRINSICS_BEGIN
#define PL_TARGET_END PL_INTRINSICS_END PL_PRAGMA(GCC pop_options)
#else
#define PL_CPU_DISPATCH 0
#define PL_TARGET_BEGIN(isa) PL_INTRINSICS_BEGIN
#define PL_TARGET_END PL_INTRINSICS_END
#endif

// The tiers: PL_TIER_X64 is any x86-64 CPU.
#define PL_TIER_X64 0
#define PL_TIER_AVX2 1
#define PL_TIER_AVX512 2
#define PL_TIER_AVX512_VNNI 3
#define PL_TIER_AVX512_BF16 4

// What the including file's code is compiled for: its PL_TIER in a dispatching build, else the compiler's flags.
#if PL_CPU_DISPATCH && defined(PL_TIER)
#define PL_AVX2 (PL_TIER >= PL_TIER_AVX2)
#define PL_AVX512 (PL_TIER >= PL_TIER_AVX512)
#define PL_AVX512_VNNI (PL_TIER >= PL_TIER_AVX512_VNNI)
#define PL_AVX512_BF16 (PL_TIER >= PL_TIER_AVX512_BF16)
#else
#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define PL_AVX2 1
#else
#define PL_AVX2 0
#endif
#if PL_AVX2 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512DQ__)
#define PL_AVX512 1
#else
#define PL_AVX512 0
#endif
#if PL_AVX512 && defined(__AVX512VNNI__)
#define PL_AVX512_VNNI 1
#else
#define PL_AVX512_VNNI 0
#endif
#if PL_AVX512_VNNI && defined(__AVX512BF16__)
#define PL_AVX512_BF16 1
#else
#define PL_AVX512_BF16 0
#endif
#endif

// The instruction sets of the tiers, as GCC target strings.
#define PL_ISA_AVX2 "avx2,fma,f16c,bmi,bmi2"
#define PL_ISA_AVX512 PL_ISA_AVX2 ",avx512f,avx512bw,avx512vl,avx512dq,avx512cd"
#define PL_ISA_AVX512_VNNI PL_ISA_AVX512 ",avx512vnni"
#define PL_ISA_AVX512_BF16 PL_ISA_AVX512_VNNI ",avx512bf16"
