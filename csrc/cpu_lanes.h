// The CPU lane runner: a stretch of a 1-D loop of log_iv / log_kv evaluated in blocks
// classified by region and groups of lanes. No formulas (those are csrc/logbessel/*.h) and
// no Python: csrc/module.cpp's ufunc loops call it, and so does the sanitizer driver
// (tools/sanitize/driver.cpp), so both run the very same code. Host only.
#pragma once
#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>

#include "logbessel/logbessel.h"

// The loops inline every function they call (GCC/Clang "flatten"): in a unit with this many
// instantiations the compiler's inlining budget runs out otherwise, and helpers of the hot
// paths stay calls (measured: 34 -> 48 ns/elem in the uniform region of log_iv).
#if defined(__GNUC__)
#define LOGBESSEL_FLATTEN __attribute__((flatten))
#define LOGBESSEL_NOINLINE __attribute__((noinline))
#else
#define LOGBESSEL_FLATTEN
#define LOGBESSEL_NOINLINE
#endif

namespace logbessel {
namespace cpu {

// The same share in lanes (see config.h): blocks of kBlock inputs are classified by region
// (Classify, which may fold the order), the inputs of each region are gathered and
// evaluated in groups of lanes (RegionN; independent chains the core overlaps, and SIMD),
// and the rest (special values, negative non-integer orders) one by one (Scalar). float32
// inputs are widened to double and the results rounded once, as in the scalar overloads.
//
// Group sizes by region: the uniform expansion is straight-line code that keeps the core's
// units busy at 8 lanes (two 256-bit vectors); the other regions are loops whose every
// step waits on the last (series terms, continued-fraction levels, recurrence steps), and
// more lanes give the core more independent chains to overlap. Measured (one thread,
// ns/elem, benchmark inputs of r < 24): 8 lanes log_iv 32.9, log_kv 50.3; 16: 26.8, 41.2;
// 32: 22.7, 37.0; 64: 23.1, 36.6. The uniform region at 16 lanes: 23.1 -> 24.9.
constexpr int kBlock = 4096;         // measured: 256 -> 1024 4-6% faster, -> 4096 3% (fuller groups: more buckets); 8192 no more
constexpr int kLanesUniform = 8;     // measured: 4 lanes 4-20% slower, 16 about 8% slower
constexpr int kLanesLoops = 32;      // the other regions (above)

// The groups of one region's span order[lo, hi) of a block, L lanes at a time, the last
// group padded with its last input.
template <int L, void (*RegionN)(int, const double*, const double*, double*)>
LOGBESSEL_FLATTEN void run_groups(int region, const int* order, int lo, int hi, const double* vb, const double* xb,
                                  double* ob) {
    for (int g = lo; g < hi; g += L) {
        const int n = std::min(L, hi - g);
        double vl[L], xl[L], ol[L];
        for (int l = 0; l < L; ++l) {
            const int i = order[g + std::min(l, n - 1)];
            vl[l] = vb[i];
            xl[l] = xb[i];
        }
        RegionN(region, vl, xl, ol);
        for (int l = 0; l < n; ++l) ob[order[g + l]] = ol[l];
    }
}

template <class T, double (*Scalar)(double, double), int (*Classify)(double&, double),
          void (*UniformN)(int, const double*, const double*, double*),
          void (*LoopsN)(int, const double*, const double*, double*)>
LOGBESSEL_FLATTEN void run_blocks(char* a, char* b, char* out, std::ptrdiff_t sa, std::ptrdiff_t sb, std::ptrdiff_t so,
                                  std::ptrdiff_t lo, std::ptrdiff_t hi, int cap, double* vb, double* xb, double* ob, int* key,
                                  int* order) {
    using logbessel::detail::REGION_BUCKETS;
    using logbessel::detail::REGION_COUNT;
    using logbessel::detail::REGION_UNIFORM;
    constexpr int kKeys = REGION_COUNT * REGION_BUCKETS;
    for (std::ptrdiff_t start = lo; start < hi; start += cap) {
        const int m = int(std::min<std::ptrdiff_t>(cap, hi - start));
        for (int i = 0; i < m; ++i) {
            vb[i] = double(*reinterpret_cast<const T*>(a + (start + i) * sa));
            xb[i] = double(*reinterpret_cast<const T*>(b + (start + i) * sb));
            key[i] = std::min(Classify(vb[i], xb[i]), kKeys - 1);  // may fold vb[i]
        }
        // counting sort by key: region, then bucket (a loop of its own: measured faster
        // than counting inside the loop above)
        int count[kKeys + 1] = {};
        for (int i = 0; i < m; ++i) ++count[key[i] + 1];
        for (int k = 1; k <= kKeys; ++k) count[k] += count[k - 1];
        int first[REGION_COUNT + 1];  // region r is order[first[r] .. first[r + 1])
        for (int r = 0; r <= REGION_COUNT; ++r) first[r] = count[r * REGION_BUCKETS];
        for (int i = 0; i < m; ++i) order[count[key[i]]++] = i;
        for (int g = first[0]; g < first[1]; ++g) {  // REGION_SCALAR: special values, negative orders...
            const int i = order[g];
            ob[i] = Scalar(double(*reinterpret_cast<const T*>(a + (start + i) * sa)), xb[i]);
        }
        for (int r = 1; r < REGION_COUNT; ++r) {
            if (r == REGION_UNIFORM) run_groups<kLanesUniform, UniformN>(r, order, first[r], first[r + 1], vb, xb, ob);
            else run_groups<kLanesLoops, LoopsN>(r, order, first[r], first[r + 1], vb, xb, ob);
        }
        for (int i = 0; i < m; ++i) *reinterpret_cast<T*>(out + (start + i) * so) = T(ob[i]);
    }
}

// Blocks of up to kBlock on the heap (~128 KB: too much for small thread stacks); loops of
// at most kStackBlock elements, and any loop where the heap has no room, use blocks of
// kStackBlock on the stack (8 KB) instead: nothing here throws (a std::bad_alloc would end
// the process: no C++ exception may leave the ufunc loop). Results do not depend on the
// block size: each input gets the same terms, levels and steps in any group.
constexpr int kStackBlock = 256;

template <class T, double (*Scalar)(double, double), int (*Classify)(double&, double),
          void (*UniformN)(int, const double*, const double*, double*),
          void (*LoopsN)(int, const double*, const double*, double*)>
void run_lanes(char* a, char* b, char* out, std::ptrdiff_t sa, std::ptrdiff_t sb, std::ptrdiff_t so,
               std::ptrdiff_t lo, std::ptrdiff_t hi) {
    constexpr auto blocks = run_blocks<T, Scalar, Classify, UniformN, LoopsN>;
    const int cap = int(std::min<std::ptrdiff_t>(kBlock, hi - lo));
    if (cap > kStackBlock) {
        std::unique_ptr<double[]> dbuf(new (std::nothrow) double[3 * size_t(cap)]);
        std::unique_ptr<int[]> ibuf(new (std::nothrow) int[2 * size_t(cap)]);
        if (dbuf && ibuf) {
            double* vb = dbuf.get();
            int* key = ibuf.get();
            blocks(a, b, out, sa, sb, so, lo, hi, cap, vb, vb + cap, vb + 2 * cap, key, key + cap);
            return;
        }
    }
    double dbuf[3 * kStackBlock];
    int ibuf[2 * kStackBlock];
    blocks(a, b, out, sa, sb, so, lo, hi, kStackBlock, dbuf, dbuf + kStackBlock, dbuf + 2 * kStackBlock, ibuf,
           ibuf + kStackBlock);
}

}  // namespace cpu
}  // namespace logbessel
