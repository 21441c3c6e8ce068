// A portable seeded RNG (splitmix64 + Box-Muller): the same numbers on every platform and compiler.
#pragma once

#include <cmath>
#include <cstdint>

namespace pl {

// std::normal_distribution and friends differ between standard libraries; this does not.
struct portable_rng {
    uint64_t state;
    explicit portable_rng(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return ((next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }  // (0, 1)
    float normal() { return (float) (std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform())); }
};

}  // namespace pl
