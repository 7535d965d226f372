// CUDA kernels over the header-only math, for CuPy (compiled at run time with NVRTC by
// src/logbessel/_gpu.py; CI also builds this file with nvcc). Wrappers only: every formula
// lives in csrc/logbessel/*.h, so the CPU ufuncs and these kernels cannot drift apart.
//
// One kernel per public elementwise function (log_iv, log_kv, iv_ratio,
// iv_ratio_complement and the derivatives log_iv_dx, log_kv_dx, log_iv_dv, log_kv_dv) and dtype, named logbessel_<function>_<f32|f64>, all
// with the same parameters (strides and extents counted in elements, not bytes):
//
//   (const T* v, const T* x, T* out, long long n, int ndim,
//    long long sv, long long sx, long long so, const long long* layout,
//    int key_lo, int key_hi)
//
// ndim <= 1: element i of the operands is v[i*sv], x[i*sx], out[i*so]. This covers
//   contiguous arrays (stride 1), broadcast scalars (stride 0) and any layout the caller
//   could collapse to one dimension; `layout` is unused.
// ndim >= 2: `layout` is a device array of 4*ndim values: the extents, then the strides of
//   v, of x and of out (C order, last dimension fastest); sv, sx, so are unused.
//
// key_lo, key_hi: the sorted kernels (below) evaluate and write only the elements whose
//   key lies in [key_lo, key_hi) (one phase; 0 and kKeys = 160 for all); plain kernels
//   ignore them.
//
// Each kernel has a single call site of the math function, so the (large) inlined math
// exists once per kernel whichever indexing path runs.
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

// Element i of the operands (see the layout comment at the top).
struct Offsets {
    long long v, x, o;
};

__device__ __forceinline__ Offsets offsets(long long i, int ndim, long long sv, long long sx,
                                           long long so, const long long* layout) {
    Offsets r;
    if (ndim <= 1) {
        r.v = i * sv;
        r.x = i * sx;
        r.o = i * so;
    } else {
        r.v = r.x = r.o = 0;
        long long rest = i;
        for (int d = ndim - 1; d >= 0; --d) {
            const long long ext = layout[d];
            const long long c = rest % ext;
            rest /= ext;
            r.v += c * layout[ndim + d];
            r.x += c * layout[2 * ndim + d];
            r.o += c * layout[3 * ndim + d];
        }
    }
    return r;
}

// Plain kernels: a grid-stride loop, one element per thread and step.
template <class F, class T>
__device__ __forceinline__ void apply_plain(const T* v, const T* x, T* out, long long n, int ndim,
                                            long long sv, long long sx, long long so,
                                            const long long* layout) {
    const long long step = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        const Offsets o = offsets(i, ndim, sv, sx, so, layout);
        store(out + o.o, F::eval(to_double(v[o.v]), to_double(x[o.x])));
    }
}

// Sorted kernels: the GPU form of the CPU loops' lane groups. A warp runs its 32 threads
// in lock step, so a warp whose inputs fall in different regions (uniform expansion,
// power series, continued fraction ...) runs every one of those paths, and one whose
// loops need different trip counts runs the longest. Here a block takes a tile of
// LOGBESSEL_TILE_PER_THREAD * blockDim.x consecutive elements into shared memory, sorts
// their indices by the function's key (the region and a coarse measure of its work, the
// keys the CPU runner sorts by: config.h), and each warp then evaluates 32 consecutive
// entries of the sorted order, i.e. inputs of one region and similar work. The results go
// back through shared memory to the elements' own places, so the stores stay coalesced.
// The key only schedules: every element is computed by the same F::eval as in the plain
// kernel, so the results are identical bit for bit, whatever the key.
//
// Phases: a launch evaluates (and writes) only the elements whose key lies in [key_lo,
// key_hi). For large arrays the caller (_gpu.PHASES) launches once per region (the band
// of the uniform expansion apart), so that at any time the whole GPU runs the code of one
// region. Sorting inside tiles alone leaves each multiprocessor running several regions'
// code at once (different warps, different blocks), and that measured 2-3 times slower
// than the same regions run on their own (H200, 1e8 elements, float64, one launch:
// log_iv 10.2 Gelem/s against 29 / 23 / 22 for its uniform / band / series inputs alone;
// log_kv 5.3 against 29 / 23 / 14 / 9.0 with Temme and the continued fraction), far more
// than re-reading the inputs once a phase costs. In phases: log_iv 13.3, log_kv 8.9.
// (Tiles alone, against one element per thread: log_iv 2.96 -> 10.2, log_kv 1.25 -> 5.3.)
#ifndef LOGBESSEL_TILE_PER_THREAD
#define LOGBESSEL_TILE_PER_THREAD 4
#endif
#ifndef LOGBESSEL_TILE_MAX_BLOCK
#define LOGBESSEL_TILE_MAX_BLOCK 256
#endif
constexpr int kPer = LOGBESSEL_TILE_PER_THREAD;
constexpr int kMaxBlock = LOGBESSEL_TILE_MAX_BLOCK;  // launches use blockDim.x <= this
constexpr int kMaxTile = kPer * kMaxBlock;
constexpr int kKeys = logbessel::detail::REGION_COUNT * logbessel::detail::REGION_BUCKETS;
static_assert(kMaxTile <= 65536, "tile indices are 16-bit");

template <class F, class T>
__device__ __forceinline__ void apply_sorted(const T* v, const T* x, T* out, long long n, int ndim,
                                             long long sv, long long sx, long long so,
                                             const long long* layout, int key_lo, int key_hi) {
    __shared__ double tv[kMaxTile], tx[kMaxTile], ty[kMaxTile];
    __shared__ unsigned short order[kMaxTile];
    __shared__ int start[kKeys];
    __shared__ int selected;  // elements of the tile in this phase
    const int tid = threadIdx.x;
    const int nt = blockDim.x;
    const int tile = kPer * nt;
    for (long long base = (long long)blockIdx.x * tile; base < n; base += (long long)gridDim.x * tile) {
        const int m = int(min((long long)tile, n - base));
        for (int k = tid; k < kKeys; k += nt) start[k] = 0;
        __syncthreads();
        // load (coalesced), key, and the element's rank among those of its key
        int key[kPer], rank[kPer];
#pragma unroll
        for (int j = 0; j < kPer; ++j) {
            const int p = j * nt + tid;
            if (p < m) {
                const Offsets o = offsets(base + p, ndim, sv, sx, so, layout);
                const double a = to_double(v[o.v]), b = to_double(x[o.x]);
                tv[p] = a;
                tx[p] = b;
                int k = F::key(a, b);
#if defined(LOGBESSEL_REGION_KEYS)
                k -= k % logbessel::detail::REGION_BUCKETS;  // experiments: regions only
#endif
                k = k < 0 ? 0 : (k < kKeys ? k : kKeys - 1);
                key[j] = (k >= key_lo && k < key_hi) ? k : -1;  // -1: another phase's
                if (key[j] >= 0) rank[j] = atomicAdd(&start[k], 1);
            } else {
                key[j] = -1;
            }
        }
        __syncthreads();
        // counts -> first position of each key (exclusive scan by the first warp)
        if (tid < 32) {
            constexpr int per = (kKeys + 31) / 32;
            int c[per], sum = 0;
#pragma unroll
            for (int q = 0; q < per; ++q) {
                const int k = tid * per + q;
                c[q] = k < kKeys ? start[k] : 0;
                sum += c[q];
            }
            int inc = sum;
#pragma unroll
            for (int d = 1; d < 32; d <<= 1) {
                const int t = __shfl_up_sync(0xffffffffu, inc, d);
                if (tid >= d) inc += t;
            }
            int run = inc - sum;
#pragma unroll
            for (int q = 0; q < per; ++q) {
                const int k = tid * per + q;
                if (k < kKeys) start[k] = run;
                run += c[q];
            }
            if (tid == 31) selected = inc;
        }
        __syncthreads();
        const int ms = selected;
        if (ms == 0) continue;  // (every thread sees the same ms; the next tile starts
                                // with writes to `start` that no thread still reads)
#pragma unroll
        for (int j = 0; j < kPer; ++j) {
            if (key[j] >= 0) order[start[key[j]] + rank[j]] = (unsigned short)(j * nt + tid);
        }
        __syncthreads();
        // evaluate in sorted order: warp w takes entries j*nt + 32w .. +31
        for (int j = 0; j < kPer; ++j) {
            const int q = j * nt + tid;
            if (q < ms) {
                const int p = order[q];
                ty[p] = F::eval(tv[p], tx[p]);
            }
        }
        __syncthreads();
#pragma unroll
        for (int j = 0; j < kPer; ++j) {
            const int p = j * nt + tid;
            if (key[j] >= 0) store(out + offsets(base + p, ndim, sv, sx, so, layout).o, ty[p]);
        }
        __syncthreads();  // the next tile reuses the shared arrays
    }
}

template <class F, class T>
__device__ __forceinline__ void apply(const T* v, const T* x, T* out, long long n, int ndim,
                                      long long sv, long long sx, long long so,
                                      const long long* layout, int key_lo, int key_hi) {
#if defined(LOGBESSEL_PLAIN)
    constexpr bool sorted = false;  // experiments: every kernel plain
#else
    constexpr bool sorted = F::sorted;
#endif
    if constexpr (sorted) apply_sorted<F, T>(v, x, out, n, ndim, sv, sx, so, layout, key_lo, key_hi);
    else apply_plain<F, T>(v, x, out, n, ndim, sv, sx, so, layout);
}

// Sort keys (only scheduling: any value gives the same results).
// log I, log K and their derivatives: the CPU runner's classification.
__device__ __forceinline__ int key_log_iv(double v, double x) {
    return logbessel::detail::log_iv_classify(v, x);  // (v by value: a folded order stays here)
}
__device__ __forceinline__ int key_log_kv(double v, double x) {
    return logbessel::detail::log_kv_classify(v, x);
}
// iv_ratio: its regions (continued fraction of fixed depth, the deep fraction whose depth
// grows with x, the uniform expansions), special values and v <= 0 apart. (Buckets of x
// inside the deep fraction's region measured 11% slower on an H200: 4.63 against 5.16
// Gelem/s, one pass over the benchmark's inputs.)
__device__ __forceinline__ int key_iv_ratio(double v, double x) {
    using namespace logbessel::detail;
    if (!(v > 0.0 && x > 0.0 && v < logbessel::inf_value() && x < logbessel::inf_value())) return REGION_SCALAR;
    return (iv_ratio_region(v, x) + 1) * REGION_BUCKETS;  // 64, 96, 128
}
__device__ __forceinline__ int key_log_iv_dx(double v, double x) {
    using namespace logbessel::detail;
    if (!(v >= 0.0 && x > 0.0 && v < logbessel::inf_value() && x < logbessel::inf_value())) return REGION_SCALAR;
    return in_uniform_region(v, x) ? REGION_UNIFORM * REGION_BUCKETS : key_iv_ratio(v + 1.0, x);
}

}  // namespace logbessel_kernels

// logbessel_<NAME>_f64 and logbessel_<NAME>_f32 for the header function logbessel::NAME.
// __launch_bounds__: blocks of at most LOGBESSEL_TILE_MAX_BLOCK threads, and registers
// capped so that LOGBESSEL_MIN_BLOCKS of them fit on a multiprocessor (4 x 256 threads:
// 64 registers, with some spilling; the sorted kernels take 84-96 uncapped, room for 2
// blocks). The math waits on long dependent chains, so more resident warps pay more than
// the spills cost. Measured on an H200 (benchmarks/gpu_variants.py, 1e8 elements, float64,
// in phases), log_iv / log_kv / iv_ratio Gelem/s: no bounds 9.92 / 6.75 / 6.83; 3 blocks
// (80 registers) 13.34 / 8.86 / 8.45; 4 blocks 15.00 / 10.25 / 8.87. 0: no bounds.
#ifndef LOGBESSEL_MIN_BLOCKS
#define LOGBESSEL_MIN_BLOCKS 4
#endif
#if LOGBESSEL_MIN_BLOCKS > 0
#define LOGBESSEL_BOUNDS __launch_bounds__(LOGBESSEL_TILE_MAX_BLOCK, LOGBESSEL_MIN_BLOCKS)
#else
#define LOGBESSEL_BOUNDS
#endif
#define LOGBESSEL_KERNEL(NAME, T, SUFFIX)                                                  \
    extern "C" __global__ void LOGBESSEL_BOUNDS logbessel_##NAME##_##SUFFIX(              \
        const T* v, const T* x, T* out, long long n, int ndim, long long sv, long long sx, \
        long long so, const long long* layout, int key_lo, int key_hi) {                  \
        logbessel_kernels::apply<logbessel_kernels::NAME##_fn, T>(v, x, out, n, ndim, sv,  \
                                                                 sx, so, layout, key_lo,  \
                                                                 key_hi);                 \
    }
// KEY: a key function of logbessel_kernels (sorted kernels), or none (plain kernels).
#define LOGBESSEL_KERNELS(NAME, KEY)                                                       \
    namespace logbessel_kernels {                                                          \
    struct NAME##_fn {                                                                     \
        static constexpr bool sorted = LOGBESSEL_SORTED_##KEY;                             \
        static __device__ __forceinline__ double eval(double v, double x) {                \
            return logbessel::NAME(v, x);                                                  \
        }                                                                                  \
        static __device__ __forceinline__ int key(double v, double x) {                    \
            return LOGBESSEL_KEY_##KEY(v, x);                                              \
        }                                                                                  \
    };                                                                                     \
    }                                                                                      \
    LOGBESSEL_KERNEL(NAME, double, f64)                                                    \
    LOGBESSEL_KERNEL(NAME, float, f32)                                                     \
    LOGBESSEL_KEY_KERNEL(NAME)
#define LOGBESSEL_SORTED_none false
#define LOGBESSEL_KEY_none(v, x) 0
#define LOGBESSEL_SORTED_key_log_iv true
#define LOGBESSEL_KEY_key_log_iv(v, x) key_log_iv(v, x)
#define LOGBESSEL_SORTED_key_log_kv true
#define LOGBESSEL_KEY_key_log_kv(v, x) key_log_kv(v, x)
#define LOGBESSEL_SORTED_key_iv_ratio true
#define LOGBESSEL_KEY_key_iv_ratio(v, x) key_iv_ratio(v, x)
#define LOGBESSEL_SORTED_key_log_iv_dx true
#define LOGBESSEL_KEY_key_log_iv_dx(v, x) key_log_iv_dx(v, x)

// With LOGBESSEL_KEY_KERNELS, also logbessel_<NAME>_key (float64 in, int32 keys out,
// contiguous): benchmarks/bench_gpu.py uses it to time each region on its own.
#if defined(LOGBESSEL_KEY_KERNELS)
#define LOGBESSEL_KEY_KERNEL(NAME)                                                         \
    extern "C" __global__ void logbessel_##NAME##_key(const double* v, const double* x,    \
                                                      int* out, long long n) {             \
        const long long step = (long long)blockDim.x * gridDim.x;                          \
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;         \
             i += step)                                                                    \
            out[i] = logbessel_kernels::NAME##_fn::key(v[i], x[i]);                        \
    }
#else
#define LOGBESSEL_KEY_KERNEL(NAME)
#endif

// Without LOGBESSEL_SELECT every kernel is built (CI's nvcc check). The GPU backend builds
// one function per module (-DLOGBESSEL_SELECT -DLOGBESSEL_WANT_<name>), so a first call
// compiles only the math it uses.
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_iv)
LOGBESSEL_KERNELS(log_iv, key_log_iv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_kv)
LOGBESSEL_KERNELS(log_kv, key_log_kv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_iv_ratio)
LOGBESSEL_KERNELS(iv_ratio, key_iv_ratio)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_iv_ratio_complement)
LOGBESSEL_KERNELS(iv_ratio_complement, key_iv_ratio)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_iv_dx)
LOGBESSEL_KERNELS(log_iv_dx, key_log_iv_dx)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_kv_dx)
LOGBESSEL_KERNELS(log_kv_dx, key_log_kv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_iv_dv)
LOGBESSEL_KERNELS(log_iv_dv, key_log_iv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_log_kv_dv)
LOGBESSEL_KERNELS(log_kv_dv, key_log_kv)
#endif
#if !defined(LOGBESSEL_SELECT) || defined(LOGBESSEL_WANT_vmf_log_normalizer)
LOGBESSEL_KERNELS(vmf_log_normalizer, none)
#endif

#undef LOGBESSEL_KERNELS
#undef LOGBESSEL_KERNEL
#undef LOGBESSEL_KEY_KERNEL
#undef LOGBESSEL_BOUNDS
