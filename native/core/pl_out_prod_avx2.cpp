// The OUT_PROD GEMM (pl_out_prod_gemm.inc) compiled for the AVX2 tier; run only on CPUs that have it.
#define PL_TIER PL_TIER_AVX2
#include "pl_out_prod_tiers.h"
#include "pl_amx.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#if PL_CPU_DISPATCH
#include <immintrin.h>

PL_TARGET_BEGIN(PL_ISA_AVX2)
#include "pl_panel.h"

namespace pl::out_prod_avx2 {
#include "pl_out_prod_gemm.inc"
}  // namespace pl::out_prod_avx2
PL_TARGET_END
#endif
