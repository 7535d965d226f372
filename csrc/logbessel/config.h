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
#define LOGBESSEL_INLINE LOGBESSEL_HOST_DEVICE inline

#if !defined(__CUDACC_RTC__)
#include <math.h>
#endif

namespace logbessel {

// Mathematical constants (correctly rounded to double).
constexpr double PI = 3.141592653589793;
constexpr double LN2 = 0.6931471805599453;
constexpr double LN2_LO = 2.3190468138462996e-17;   // LN2 + LN2_LO = log 2 to ~1e-33
constexpr double LN_2PI = 1.8378770664093456;       // log(2 pi)
constexpr double LN_2PI_LO = -7.756588316134483e-17;
constexpr double LN_PI_2 = 0.4515827052894549;      // log(pi / 2)
constexpr double LN_PI_2_LO = -1.2924516975755169e-17;
constexpr double EULER_E = 2.718281828459045;
constexpr double EULER_E_LO = 1.4456468917292502e-16;
constexpr double TWO_THIRDS_LO = 3.700743415417188e-17;  // 2/3 - double(2/3)
constexpr double DBL_EPS = 2.220446049250313e-16;

LOGBESSEL_INLINE double nan_value() {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(0x7ff8000000000000LL);
#else
    return __builtin_nan("");
#endif
}

LOGBESSEL_INLINE double inf_value() {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(0x7ff0000000000000LL);
#else
    return __builtin_inf();
#endif
}

// The bits of a double and back (for exponent and mantissa manipulation).
LOGBESSEL_INLINE unsigned long long double_bits(double x) {
#if defined(__CUDA_ARCH__)
    return (unsigned long long)__double_as_longlong(x);
#else
    unsigned long long b;
    __builtin_memcpy(&b, &x, sizeof b);
    return b;
#endif
}

LOGBESSEL_INLINE double bits_double(unsigned long long b) {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double((long long)b);
#else
    double x;
    __builtin_memcpy(&x, &b, sizeof x);
    return x;
#endif
}

LOGBESSEL_INLINE bool is_nan(double x) { return x != x; }
LOGBESSEL_INLINE bool is_inf(double x) { return x == inf_value() || x == -inf_value(); }

}  // namespace logbessel
