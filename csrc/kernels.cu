// CUDA kernels over the header-only math, for CuPy (compiled at run time with NVRTC by
// src/logbessel/_gpu.py; CI also builds this file with nvcc). Wrappers only: every formula
// lives in csrc/logbessel/*.h, so the CPU ufuncs and these kernels cannot drift apart.
//
// One kernel per public elementwise function (log_iv, log_kv, iv_ratio,
// iv_ratio_complement and the derivatives log_iv_dx, log_kv_dx, log_iv_dv, log_kv_dv) and dtype, named logbessel_<function>_<f32|f64>, all
// with the same parameters (strides and extents counted in elements, not bytes):
//
//   (const T* v, const T* x, T* out, long long n, int ndim,
//    long long sv, long long sx, long long so, const long long* layout)
//
// ndim <= 1: element i of the operands is v[i*sv], x[i*sx], out[i*so]. This covers
//   contiguous arrays (stride 1), broadcast scalars (stride 0) and any layout the caller
//   could collapse to one dimension; `layout` is unused.
// ndim >= 2: `layout` is a device array of 4*ndim values: the extents, then the strides of
//   v, of x and of out (C order, last dimension fastest); sv, sx, so are unused.
//
// Each kernel is a grid-stride loop with a single call site of the math function, so the
// (large) inlined math exists once per kernel whichever indexing path runs.
//
// float32: the value is widened to double exactly, the double-precision function runs,
// and the result is rounded once to float, as in the headers' float overloads and the CPU
// ufunc loops. The conversions are written out (widen/narrow below) instead of using
// double(f) and float(d) because CuPy compiles with -ftz=true, under which the conversion
// instructions would flush float32 subnormals (inputs and results) to zero, so GPU and
// CPU would disagree there. A float-internal variant would need a second copy of the math
// in float and is deliberately absent (the benchmark documents the float32 throughput).
#include "logbessel/logbessel.h"

namespace logbessel_kernels {

// float -> double, exact for every float including subnormals, independent of -ftz.
__device__ __forceinline__ double widen(float f) {
    const int bits = __float_as_int(f);
    if ((bits & 0x7f800000) != 0) return double(f);  // normal, inf, NaN: cvt is exact
    // zero or subnormal: |f| = m * 2^-149 with an integer m < 2^23 (int -> double is exact)
    const double mag = double(bits & 0x007fffff) * 0x1p-149;
    return bits < 0 ? -mag : mag;
}

// double -> float, rounded to nearest even once, producing float subnormals (no flush).
__device__ __forceinline__ float narrow(double d) {
    const double a = fabs(d);
    if (!(a < 0x1p-126)) return float(d);  // normal range, overflow to inf, NaN
    // |d| < 2^-126: the result is k * 2^-149 with k = rint(|d| * 2^149) <= 2^23 (the
    // scaling is exact); k = 2^23 is the bit pattern of the smallest normal float.
    const int k = __double2int_rn(a * 0x1p149);
    const int sign = __double_as_longlong(d) < 0 ? int(0x80000000u) : 0;
    return __int_as_float(sign | k);
}

__device__ __forceinline__ double to_double(double d) { return d; }
__device__ __forceinline__ double to_double(float f) { return widen(f); }
__device__ __forceinline__ void store(double* p, double d) { *p = d; }
__device__ __forceinline__ void store(float* p, double d) { *p = narrow(d); }

template <class F, class T>
__device__ __forceinline__ void apply(const T* v, const T* x, T* out, long long n, int ndim,
                                      long long sv, long long sx, long long so,
                                      const long long* layout) {
    const long long step = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        long long iv, ix, io;
        if (ndim <= 1) {
            iv = i * sv;
            ix = i * sx;
            io = i * so;
        } else {
            iv = ix = io = 0;
            long long rest = i;
            for (int d = ndim - 1; d >= 0; --d) {
                const long long ext = layout[d];
                const long long c = rest % ext;
                rest /= ext;
                iv += c * layout[ndim + d];
                ix += c * layout[2 * ndim + d];
                io += c * layout[3 * ndim + d];
            }
        }
        store(out + io, F::eval(to_double(v[iv]), to_double(x[ix])));
    }
}

}  // namespace logbessel_kernels

// logbessel_<NAME>_f64 and logbessel_<NAME>_f32 for the header function logbessel::NAME.
#define LOGBESSEL_KERNEL(NAME, T, SUFFIX)                                                  \
    extern "C" __global__ void logbessel_##NAME##_##SUFFIX(                               \
        const T* v, const T* x, T* out, long long n, int ndim, long long sv, long long sx, \
        long long so, const long long* layout) {                                          \
        logbessel_kernels::apply<logbessel_kernels::NAME##_fn, T>(v, x, out, n, ndim, sv,  \
                                                                 sx, so, layout);         \
    }
#define LOGBESSEL_KERNELS(NAME)                                                            \
    namespace logbessel_kernels {                                                          \
    struct NAME##_fn {                                                                     \
        static __device__ __forceinline__ double eval(double v, double x) {                \
            return logbessel::NAME(v, x);                                                  \
        }                                                                                  \
    };                                                                                     \
    }                                                                                      \
    LOGBESSEL_KERNEL(NAME, double, f64)                                                    \
    LOGBESSEL_KERNEL(NAME, float, f32)

// Without LOGBESSEL_SELECT every kernel is built (CI's nvcc check). The GPU backend builds
// one function per module (-DLOGBESSEL_SELECT -DLOGBESSEL_WANT_<name>), so a first call
// compiles only the math it uses.
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_iv)
LOGBESSEL_KERNELS(log_iv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_kv)
LOGBESSEL_KERNELS(log_kv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_iv_ratio)
LOGBESSEL_KERNELS(iv_ratio)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_iv_ratio_complement)
LOGBESSEL_KERNELS(iv_ratio_complement)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_iv_dx)
LOGBESSEL_KERNELS(log_iv_dx)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_kv_dx)
LOGBESSEL_KERNELS(log_kv_dx)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_iv_dv)
LOGBESSEL_KERNELS(log_iv_dv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_kv_dv)
LOGBESSEL_KERNELS(log_kv_dv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_vmf_log_normalizer)
LOGBESSEL_KERNELS(vmf_log_normalizer)
#endif

#undef LOGBESSEL_KERNELS
#undef LOGBESSEL_KERNEL
