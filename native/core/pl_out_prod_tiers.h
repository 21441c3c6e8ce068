// The OUT_PROD GEMM's node variants and its compiled tiers (pl_out_prod_gemm.inc in one namespace per tier);
// pl_out_prod.cpp gives each node the best tier this CPU runs.
#pragma once

#include "pl_cpu_features.h"
#include "pl_out_prod.h"

#include "ggml.h"

namespace pl {

namespace out_prod_tiers {

// A node's variant (its userdata): BF16, or F32 with a skip whose ranges are src[2].
struct gemm_config {
    bool          bf16;
    out_prod_skip skip;
};
inline constexpr gemm_config configs[] = {
    { false, SKIP_NONE }, { false, SKIP_OUTPUT_R }, { false, SKIP_K_ROW_R }, { false, SKIP_K_ROW_C }, { false, SKIP_K_COL_C }, { true, SKIP_NONE },
};

}  // namespace out_prod_tiers

// Each tier's compute function (a ggml custom op; userdata: a gemm_config).
namespace out_prod_base { void compute(ggml_tensor * dst, int ith, int nth, void * userdata); }
#if PL_CPU_DISPATCH
namespace out_prod_avx2 { void compute(ggml_tensor * dst, int ith, int nth, void * userdata); }
namespace out_prod_avx512 { void compute(ggml_tensor * dst, int ith, int nth, void * userdata); }
namespace out_prod_avx512_bf16 { void compute(ggml_tensor * dst, int ith, int nth, void * userdata); }
#endif

}  // namespace pl
