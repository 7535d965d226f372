// The CPU levels: the lane loops (csrc/cpu_level.cpp, everything that evaluates the math on
// the CPU) are compiled once per level, each in a namespace of its own, and the extension
// picks one level at import from CPUID (csrc/module.cpp). This header is what the two sides
// share; it holds no math and includes no header of csrc/logbessel (cpu_level.cpp includes
// those inside its level's namespace).
//
// setup.py defines, for every translation unit:
//   LOGBESSEL_CPU_LEVEL_SET  1: x86-64, three levels: baseline (x86-64), avx2 (x86-64-v3:
//                               AVX2 + FMA) and avx512 (AVX-512 F, DQ, VL on top of avx2);
//                            2: one level, "native" (LOGBESSEL_NATIVE=1: -march=native);
//                            0: one level, "baseline" (aarch64 and other machines, where
//                               the baseline has FMA and SIMD; LOGBESSEL_PORTABLE=1)
//   LOGBESSEL_CPU_PARTS      how many translation units each level is split into (they
//                            compile in parallel), each evaluating the rows i of the
//                            registry with i % LOGBESSEL_CPU_PARTS == its part
// and for cpu_level.cpp: LOGBESSEL_LEVEL (the level's name), LOGBESSEL_LEVEL_ID (0 baseline,
// 1 avx2, 2 avx512, 3 native) and LOGBESSEL_PART.
#pragma once
#include <cstddef>

#ifndef LOGBESSEL_CPU_LEVEL_SET
#define LOGBESSEL_CPU_LEVEL_SET 0
#endif
#ifndef LOGBESSEL_CPU_PARTS
#define LOGBESSEL_CPU_PARTS 1
#endif

// LOGBESSEL_CPU_LEVELS(X) calls X(LEVEL) once per level built, lowest first.
#if LOGBESSEL_CPU_LEVEL_SET == 1
#if !(defined(__x86_64__) || defined(_M_X64) || defined(_M_AMD64))
#error "LOGBESSEL_CPU_LEVEL_SET=1 (the x86-64 levels) on a machine that is not x86-64"
#endif
#define LOGBESSEL_CPU_LEVELS(X) X(baseline) X(avx2) X(avx512)
#elif LOGBESSEL_CPU_LEVEL_SET == 2
#define LOGBESSEL_CPU_LEVELS(X) X(native)
#else
#define LOGBESSEL_CPU_LEVELS(X) X(baseline)
#endif

namespace logbessel_cpu {

// A stretch [lo, hi) of a 1-D float64 inner loop: args and steps as NumPy passes them (the
// inputs, then the output; module.cpp checks that npy_intp is this type).
using intp = std::ptrdiff_t;
using RangeFn = void (*)(char* const* args, const intp* steps, intp lo, intp hi);

}  // namespace logbessel_cpu

// Each level's entry point: fill_ranges<Part>(table) sets table[row] for the registry rows
// of its part (rows numbered as LOGBESSEL_ROW_ID below numbers them).
#define LOGBESSEL_DECLARE_LEVEL(L)                                      \
    namespace logbessel_cpu {                                           \
    namespace L {                                                       \
    template <int Part>                                                 \
    void fill_ranges(RangeFn* table);                                   \
    }                                                                   \
    }
LOGBESSEL_CPU_LEVELS(LOGBESSEL_DECLARE_LEVEL)
#undef LOGBESSEL_DECLARE_LEVEL

// The rows' numbers, in registry.h's order (public rows, then probe rows), written in each
// unit after registry.h as
//   enum Row : int { LOGBESSEL_FUNCTIONS(LOGBESSEL_ROW_ID)
//                    LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_ROW_ID) kRowCount };
#define LOGBESSEL_ROW_ID(NAME, ...) row_##NAME,
