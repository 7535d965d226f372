// logbessel: the only file that knows about compilers.
//
// Every math function in csrc/logbessel is LOGBESSEL_INLINE, so the same source compiles
// for the host (C++17, pybind11 extension) and for CUDA devices (nvcc and NVRTC, which
// has no standard headers: hence no <cmath> there and the builtin math functions).
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define LOGBESSEL_HOST_DEVICE __host__ __device__
#else
#define LOGBESSEL_HOST_DEVICE
#endif
// On the host (GCC, Clang) always inlined: the loops over lanes (below) vectorize only if
// the functions they call are inlined before the vectorizer runs, and GCC's own inlining
// budget decides differently as unrelated code changes (measured: an edit of the eta table
// turned a vectorized series loop scalar, small-r region 33 -> 42 ns/elem).
#if defined(__GNUC__) && !defined(__CUDACC__) && !defined(__CUDACC_RTC__)
#define LOGBESSEL_INLINE inline __attribute__((always_inline))
#else
#define LOGBESSEL_INLINE LOGBESSEL_HOST_DEVICE inline
#endif

#if !defined(__CUDACC_RTC__)
#include <math.h>
#endif

// Marks a loop over lanes (see below) whose body is plain arithmetic, for the host
// compiler's vectorizer (honoured with -fopenmp-simd, which setup.py passes; no OpenMP
// runtime is involved). Nothing on CUDA, where a lane loop has one iteration.
#if defined(__CUDACC__) || defined(__CUDACC_RTC__) || defined(_MSC_VER)
#define LOGBESSEL_LANES
#else
#define LOGBESSEL_LANES _Pragma("omp simd")
#endif

// Lanes. The functions of csrc/logbessel with an _n suffix take arrays of N inputs and
// evaluate them in lockstep: one loop over the terms (or levels, or recurrence steps) with
// an inner loop over the N lanes, running until every lane is done. A lane that is done
// is masked (by arithmetic, see select_lane), and each lane starts at its own depth, so a
// lane gets exactly the values it gets alone, whatever its neighbours. The scalar
// functions are their N = 1 case, so the CPU's batched loops (module.cpp, N = 8 for the
// uniform expansion and 32 for the loops of the other regions: independent chains the
// core can overlap, and SIMD) and the GPU's one-element-per-thread
// kernels run the same arithmetic from the same source.

namespace logbessel {

// Mathematical constants (correctly rounded to double).
constexpr double PI = 3.141592653589793;
constexpr double PI_LO = 1.2246467991473532e-16;  // pi - PI
constexpr double LN2 = 0.6931471805599453;
constexpr double LN2_LO = 2.3190468138462996e-17;   // LN2 + LN2_LO = log 2 to ~1e-33
constexpr double LN2_HI42 = 0.6931471805598903;     // log 2 to 42 bits: e LN2_HI42 is exact
constexpr double LN2_LO42 = 5.497923018708371e-14;  // for |e| < 2^11; + LN2_LO42: ~1e-30
constexpr double LN_2PI = 1.8378770664093456;       // log(2 pi)
constexpr double LN_2PI_LO = -7.756588316134483e-17;
constexpr double LN_PI_2 = 0.4515827052894549;      // log(pi / 2)
constexpr double LN_PI_2_LO = -1.2924516975755169e-17;
constexpr double EULER_E = 2.718281828459045;
constexpr double EULER_E_LO = 1.4456468917292502e-16;
constexpr double TWO_THIRDS_LO = 3.700743415417188e-17;  // 2/3 - double(2/3)
constexpr double DBL_EPS = 2.220446049250313e-16;

namespace detail {
// Regions of the public functions, as their _classify functions report them: the CPU loops
// gather inputs of one region and evaluate them in lanes (module.cpp). A classify function
// returns region * REGION_BUCKETS + bucket, the bucket (0 .. REGION_BUCKETS - 1) a coarse
// measure of the work the input needs (terms, levels, steps) and, where the code takes one
// of two forms by the order (the series prefactor: BINET_V_MIN), which form, so that lanes
// with similar work run together and a group computes one form only.
constexpr int REGION_SCALAR = 0;   // special values, negative orders etc.: the scalar function
constexpr int REGION_UNIFORM = 1;  // r >= DEBYE_R_MIN (in_uniform_region): uniform expansion
constexpr int REGION_SERIES = 2;   // I: power series
constexpr int REGION_TEMME = 3;    // K: Temme's series and forward recurrence
constexpr int REGION_CF = 4;       // K: continued fraction and Wronskian
constexpr int REGION_COUNT = 5;
// The uniform expansion's region: r = sqrt(v^2 + x^2) >= DEBYE_R_MIN (uniform.h). At 24 the
// Debye series needs 19 terms for a truncation error below 1e-17 (debye.h is generated for
// this bound and checks it); below, the series, Temme's series and the continued fractions.
constexpr double DEBYE_R_MIN = 24.0;
constexpr int REGION_BUCKETS = 32;
constexpr int KEY_COUNT = REGION_COUNT * REGION_BUCKETS;  // keys are 0 .. KEY_COUNT - 1

// GPU sort keys (registry.h's KEY column). A key type K has K::of(args...), the key of an
// input (region * REGION_BUCKETS + bucket, or REGION_SCALAR; any value gives the same
// results: keys only schedule), K::phases, the boundaries 0 = b0 < b1 < ... = KEY_COUNT of
// the key intervals the GPU backend evaluates in launches of their own (so that the whole
// GPU runs one region's code at a time: kernels.cu, apply_sorted), and K::sorted, whether
// the kernels sort by key at all. The keys of the functions with regions sit next to their
// regions (log_iv.h, log_kv.h, iv_ratio.h); functions without regions take no_key.
struct no_key {
    static constexpr bool sorted = false;
    static constexpr int phases[] = {0, KEY_COUNT};
    template <class... A>
    LOGBESSEL_INLINE static int of(A...) { return REGION_SCALAR; }
};

// Lane helpers. A lane's mask is a double, 1 while the lane runs and 0 once it is done
// (masks by arithmetic vectorize where selects and branches do not). select_lane(m, a, b)
// is a if m = 1 and b if m = 0, exactly, for finite a and b.
LOGBESSEL_INLINE double select_lane(double m, double a, double b) { return m * a + (1.0 - m) * b; }

template <int N>
LOGBESSEL_INLINE bool any_lane(const double* m) {
    int any = 0;
    for (int l = 0; l < N; ++l) any |= int(m[l] != 0.0);
    return any != 0;
}

// Whether every lane is done after iteration k of a lane loop: tested at every iteration
// for one lane, at every second for several (the test costs about as much as an iteration,
// and a lane that is done only adds zeros, so an extra iteration changes nothing).
template <int N>
LOGBESSEL_INLINE bool lanes_done(int k, const double* m) {
    return (N == 1 || (k & 1) == 0) && !any_lane<N>(m);
}
}  // namespace detail

LOGBESSEL_INLINE double nan_value() {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(0x7ff8000000000000LL);
#elif defined(_MSC_VER) && !defined(__clang__)
    return NAN;  // (MSVC has no __builtin_nan; math.h's macro)
#else
    return __builtin_nan("");
#endif
}

LOGBESSEL_INLINE double inf_value() {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(0x7ff0000000000000LL);
#elif defined(_MSC_VER) && !defined(__clang__)
    return INFINITY;
#else
    return __builtin_inf();
#endif
}

// The bits of a double and back (for exponent and mantissa manipulation).
LOGBESSEL_INLINE unsigned long long double_bits(double x) {
#if defined(__CUDA_ARCH__)
    return (unsigned long long)__double_as_longlong(x);
#else
#if defined(_MSC_VER) && !defined(__clang__)
    union {  // (MSVC: no __builtin_memcpy; it defines reading the other member)
        double d;
        unsigned long long u;
    } t;
    t.d = x;
    return t.u;
#else
    unsigned long long b;
    __builtin_memcpy(&b, &x, sizeof b);
    return b;
#endif
#endif
}

LOGBESSEL_INLINE double bits_double(unsigned long long b) {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double((long long)b);
#else
#if defined(_MSC_VER) && !defined(__clang__)
    union {
        unsigned long long u;
        double d;
    } t;
    t.u = b;
    return t.d;
#else
    double x;
    __builtin_memcpy(&x, &b, sizeof x);
    return x;
#endif
#endif
}

// floor(2 log2 x) for normal x > 0, from the bits (a work bucket for the CPU loops).
LOGBESSEL_INLINE int half_octave(double x) { return int(double_bits(x) >> 51) - 2046; }

LOGBESSEL_INLINE bool is_nan(double x) { return x != x; }
LOGBESSEL_INLINE bool is_inf(double x) { return x == inf_value() || x == -inf_value(); }

}  // namespace logbessel
