// AMX BF16 tile kernel and the OS permission it needs (see pl_amx.h).
#include "pl_amx.h"

#if defined(__AMX_TILE__) && defined(__AMX_BF16__) && defined(__linux__) && defined(__x86_64__)
#define PL_AMX 1
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#endif

namespace pl {

#if PL_AMX
namespace {

constexpr long ARCH_REQ_XCOMP_PERM = 0x1023;
constexpr long XFEATURE_XTILEDATA = 18;

// Tiles 0-3: the 2 × 2 blocks of C; 4, 5: the two A tiles; 6, 7: the two B tiles; all 16 rows of 64 bytes.
struct alignas(64) tile_config {
    uint8_t  palette_id, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t  rows[16];
};
static_assert(sizeof(tile_config) == 64, "LDTILECFG's 64-byte operand");

}  // namespace

bool amx_bf16_usable() {
    static const bool usable = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
    return usable;
}

void amx_bf16_begin() {
    static const tile_config config = [] {
        tile_config c;
        std::memset(&c, 0, sizeof(c));
        c.palette_id = 1;
        for (int t = 0; t < 8; t++) c.colsb[t] = 64, c.rows[t] = 16;
        return c;
    }();
    // GCC 12's _tile_loadconfig tells the compiler it reads 8 bytes only: make sure all 64 are stored first.
    __asm__ __volatile__("" ::: "memory");
    _tile_loadconfig(&config);
}

void amx_bf16_end() { _tile_release(); }

void amx_bf16_block32(int64_t nkt, const uint32_t * a0, const uint32_t * a1, const uint32_t * b, size_t ldb, float * c, size_t ldc, bool accumulate) {
    char * c0 = (char *) c;
    if (accumulate) {
        _tile_loadd(0, c0, ldc);
        _tile_loadd(1, c0 + 64, ldc);
        _tile_loadd(2, c0 + 16 * ldc, ldc);
        _tile_loadd(3, c0 + 16 * ldc + 64, ldc);
    } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
    }
    for (int64_t kt = 0; kt < nkt; kt++) {
        const char * bk = (const char *) b + kt * 16 * ldb;
        _tile_loadd(4, a0 + 256 * kt, 64);
        _tile_loadd(5, a1 + 256 * kt, 64);
        _tile_loadd(6, bk, ldb);
        _tile_loadd(7, bk + 64, ldb);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, c0, ldc);
    _tile_stored(1, c0 + 64, ldc);
    _tile_stored(2, c0 + 16 * ldc, ldc);
    _tile_stored(3, c0 + 16 * ldc + 64, ldc);
}

#else

bool amx_bf16_usable() { return false; }
void amx_bf16_begin() {}
void amx_bf16_end() {}
void amx_bf16_block32(int64_t, const uint32_t *, const uint32_t *, const uint32_t *, size_t, float *, size_t, bool) {}

#endif

}  // namespace pl
