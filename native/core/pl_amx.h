// OUT_PROD's BF16 variant (pl_out_prod.h) on AMX BF16 tiles (Intel Sapphire Rapids and later): 16 × 16 × 32
// products per instruction, sixteen times the F32 FMA rate of the same core. Linux hands AMX tile state to a process
// only on request (arch_prctl), and a VM may refuse it; without it the variant keeps its AVX512_BF16 micro-kernel.
#pragma once

#include "ggml.h"

namespace pl {

// True when this build has AMX-BF16 code, the CPU AVX512_BF16, and the OS granted this process the tile state (asked once; never with
// PERSIAN_LORA_TRAINER_AMX=0 in the environment, which keeps the AVX512_BF16 kernel).
bool amx_bf16_usable();

// The part of dst = OUT_PROD(src[0], src[1]) (src[1] F32) that thread ith of nth computes, with both operands rounded
// to BF16 and F32 sums on AMX tiles. Each output is summed by one thread: results do not depend on the thread count.
// Only when amx_bf16_usable().
void amx_out_prod_bf16(ggml_tensor * dst, int ith, int nth);

}  // namespace pl
