// AMX BF16 tiles (Intel Sapphire Rapids and later) for the OUT_PROD GEMM's BF16 variant: 16 × 16 × 32 products per
// instruction, sixteen times the F32 FMA rate of the same core. Linux hands AMX tile state to a process only on
// request (arch_prctl), and a VM may refuse it; without it the variant keeps its AVX512_BF16 micro-kernel.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pl {

// True when this build has AMX-BF16 code and the OS granted this process the tile state (asked once).
bool amx_bf16_usable();

// Loads the tile configuration of amx_bf16_block32 on the calling thread; amx_bf16_end releases the tile state.
void amx_bf16_begin();
void amx_bf16_end();

// A 32 × 32 F32 block c (row stride ldc bytes), zeroed first unless `accumulate`, plus Σ over nkt steps of
// A · B: per step, A = two 16-row tiles a0 + 256·kt and a1 + 256·kt (16 rows of 16 BF16 pairs each, contiguous), and
// B = 16 rows of 32 BF16 pairs at b + kt·16·ldb (row stride ldb bytes): c[r][x] += Σ a[r][kk] · b[kk][x] over the
// two values of each pair, F32 sums (the hardware's round-to-nearest-even, denormals flushed).
void amx_bf16_block32(int64_t nkt, const uint32_t * a0, const uint32_t * a1, const uint32_t * b, size_t ldb, float * c, size_t ldc, bool accumulate);

}  // namespace pl
