// CUDA kernels over the header-only math, for CuPy (compiled at run time with NVRTC by
// src/logbessel/_gpu.py; CI also builds this file with nvcc). Wrappers only: every formula
// lives in csrc/logbessel/*.h, so the CPU ufuncs and these kernels cannot drift apart.
//
// One kernel per public elementwise function (each row of LOGBESSEL_FUNCTIONS, registry.h)
// and dtype, named logbessel_<function>_<f32|f64>, all with the same parameters for a
// function of N arguments (strides and extents counted in elements, not bytes):
//
//   (const T* in0, ..., const T* in<N-1>, T* out, long long n, int ndim,
//    long long s0, ..., long long s<N-1>, long long so, const long long* layout,
//    int key_lo, int key_hi)
//
// (for two arguments: v, x, out, n, ndim, sv, sx, so, layout, key_lo, key_hi)
// ndim <= 1: element i of the operands is in0[i*s0], ..., out[i*so]. This covers
//   contiguous arrays (stride 1), broadcast scalars (stride 0) and any layout the caller
//   could collapse to one dimension; `layout` is unused.
// ndim >= 2: `layout` is a device array of (N+2)*ndim values: the extents, then the
//   strides of in0, ..., of in<N-1> and of out (C order, last dimension fastest); the s
//   and so are unused.
//
// key_lo, key_hi: the sorted kernels (below) evaluate and write only the elements whose
//   key lies in [key_lo, key_hi) (one phase; 0 and KEY_COUNT for all); plain kernels
//   ignore them. The keys and phases are the registry row's key type (config.h).
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

// 0, 1, ..., N-1 as a pack (NVRTC has no <utility>).
template <int... I>
struct seq {};
template <int N, int... I>
struct make_seq : make_seq<N - 1, N - 1, I...> {};
template <int... I>
struct make_seq<0, I...> {
    using type = seq<I...>;
};

// F::eval and F::key of the N values a[0 .. N-1].
template <class F, int... I>
__device__ __forceinline__ double eval(const double* a, seq<I...>) {
    return F::eval(a[I]...);
}
template <class F, int... I>
__device__ __forceinline__ int key_of(const double* a, seq<I...>) {
    return F::key(a[I]...);
}

// Element i of the operands (see the layout comment at the top).
template <int N>
struct Offsets {
    long long in[N], o;
};

template <int N>
__device__ __forceinline__ Offsets<N> offsets(long long i, int ndim, const long long* s, long long so,
                                              const long long* layout) {
    Offsets<N> r;
    if (ndim <= 1) {
#pragma unroll
        for (int k = 0; k < N; ++k) r.in[k] = i * s[k];
        r.o = i * so;
    } else {
#pragma unroll
        for (int k = 0; k < N; ++k) r.in[k] = 0;
        r.o = 0;
        long long rest = i;
        for (int d = ndim - 1; d >= 0; --d) {
            const long long ext = layout[d];
            const long long c = rest % ext;
            rest /= ext;
#pragma unroll
            for (int k = 0; k < N; ++k) r.in[k] += c * layout[(k + 1) * ndim + d];
            r.o += c * layout[(N + 1) * ndim + d];
        }
    }
    return r;
}

// Plain kernels: a grid-stride loop, one element per thread and step.
template <class F, class T, int N>
__device__ __forceinline__ void apply_plain(const T* const* in, const long long* s, T* out, long long so,
                                            long long n, int ndim, const long long* layout) {
    const long long step = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        const Offsets<N> o = offsets<N>(i, ndim, s, so, layout);
        double a[N];
#pragma unroll
        for (int k = 0; k < N; ++k) a[k] = to_double(in[k][o.in[k]]);
        store(out + o.o, eval<F>(a, typename make_seq<N>::type{}));
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
// key_hi). For large arrays the caller (_gpu.PHASES, the key type's phases) launches once per region (the band
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
constexpr int kKeys = logbessel::detail::KEY_COUNT;
static_assert(kMaxTile <= 65536, "tile indices are 16-bit");

template <class F, class T, int N>
__device__ __forceinline__ void apply_sorted(const T* const* in, const long long* s, T* out, long long so,
                                             long long n, int ndim, const long long* layout, int key_lo,
                                             int key_hi) {
    __shared__ double tin[N][kMaxTile], ty[kMaxTile];
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
                const Offsets<N> o = offsets<N>(base + p, ndim, s, so, layout);
                double a[N];
#pragma unroll
                for (int q = 0; q < N; ++q) {
                    a[q] = to_double(in[q][o.in[q]]);
                    tin[q][p] = a[q];
                }
                int k = key_of<F>(a, typename make_seq<N>::type{});
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
                double a[N];
#pragma unroll
                for (int r = 0; r < N; ++r) a[r] = tin[r][p];
                ty[p] = eval<F>(a, typename make_seq<N>::type{});
            }
        }
        __syncthreads();
#pragma unroll
        for (int j = 0; j < kPer; ++j) {
            const int p = j * nt + tid;
            if (key[j] >= 0) store(out + offsets<N>(base + p, ndim, s, so, layout).o, ty[p]);
        }
        __syncthreads();  // the next tile reuses the shared arrays
    }
}

template <class F, class T, int N>
__device__ __forceinline__ void apply(const T* const* in, const long long* s, T* out, long long so, long long n,
                                      int ndim, const long long* layout, int key_lo, int key_hi) {
#if defined(LOGBESSEL_PLAIN)
    constexpr bool sorted = false;  // experiments: every kernel plain
#else
    constexpr bool sorted = F::sorted;
#endif
    if constexpr (sorted) apply_sorted<F, T, N>(in, s, out, so, n, ndim, layout, key_lo, key_hi);
    else apply_plain<F, T, N>(in, s, out, so, n, ndim, layout);
}

}  // namespace logbessel_kernels

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
// Parameter lists by arity: LOGBESSEL_INPUTS_N(T) is "const T* in0, ..., const T* in<N-1>",
// LOGBESSEL_STRIDES_N "long long s0, ..., s<N-1>", LOGBESSEL_LIST_N(p) "p0, ..., p<N-1>"
// (kernel parameters must be written out: CuPy passes them one by one).
#define LOGBESSEL_CAT(a, b) LOGBESSEL_CAT_(a, b)
#define LOGBESSEL_CAT_(a, b) a##b
#define LOGBESSEL_INPUTS_1(T) const T *in0
#define LOGBESSEL_INPUTS_2(T) LOGBESSEL_INPUTS_1(T), const T *in1
#define LOGBESSEL_INPUTS_3(T) LOGBESSEL_INPUTS_2(T), const T *in2
#define LOGBESSEL_INPUTS_4(T) LOGBESSEL_INPUTS_3(T), const T *in3
#define LOGBESSEL_STRIDES_1 long long s0
#define LOGBESSEL_STRIDES_2 LOGBESSEL_STRIDES_1, long long s1
#define LOGBESSEL_STRIDES_3 LOGBESSEL_STRIDES_2, long long s2
#define LOGBESSEL_STRIDES_4 LOGBESSEL_STRIDES_3, long long s3
#define LOGBESSEL_LIST_1(p) p##0
#define LOGBESSEL_LIST_2(p) LOGBESSEL_LIST_1(p), p##1
#define LOGBESSEL_LIST_3(p) LOGBESSEL_LIST_2(p), p##2
#define LOGBESSEL_LIST_4(p) LOGBESSEL_LIST_3(p), p##3

// logbessel_<NAME>_f64 and logbessel_<NAME>_f32 for the header function logbessel::NAME.
#define LOGBESSEL_KERNEL(NAME, ARITY, T, SUFFIX)                                                    \
    extern "C" __global__ void LOGBESSEL_BOUNDS logbessel_##NAME##_##SUFFIX(                       \
        LOGBESSEL_CAT(LOGBESSEL_INPUTS_, ARITY)(T), T* out, long long n, int ndim,                 \
        LOGBESSEL_CAT(LOGBESSEL_STRIDES_, ARITY), long long so, const long long* layout,           \
        int key_lo, int key_hi) {                                                                  \
        const T* const in[ARITY] = {LOGBESSEL_CAT(LOGBESSEL_LIST_, ARITY)(in)};                    \
        const long long s[ARITY] = {LOGBESSEL_CAT(LOGBESSEL_LIST_, ARITY)(s)};                     \
        logbessel_kernels::apply<logbessel_kernels::NAME##_fn, T, ARITY>(in, s, out, so, n, ndim,  \
                                                                         layout, key_lo, key_hi);  \
    }
// The kernels of registry row NAME (registry.h): KEY, a key type of logbessel::detail
// (config.h), decides whether they sort (KEY::sorted) and by what (KEY::of).
#define LOGBESSEL_KERNELS(NAME, ARITY, PARAMS, RUNNER, KEY, ...)                           \
    namespace logbessel_kernels {                                                          \
    struct NAME##_fn {                                                                     \
        static constexpr bool sorted = logbessel::detail::KEY::sorted;                     \
        template <class... A>                                                              \
        static __device__ __forceinline__ double eval(A... a) {                            \
            return logbessel::NAME(a...);                                                  \
        }                                                                                  \
        template <class... A>                                                              \
        static __device__ __forceinline__ int key(A... a) {                                \
            return logbessel::detail::KEY::of(a...);                                       \
        }                                                                                  \
    };                                                                                     \
    }                                                                                      \
    LOGBESSEL_KERNEL(NAME, ARITY, double, f64)                                             \
    LOGBESSEL_KERNEL(NAME, ARITY, float, f32)                                              \
    LOGBESSEL_KEY_KERNEL(NAME, ARITY)

// With LOGBESSEL_KEY_KERNELS, also logbessel_<NAME>_key (float64 in, int32 keys out,
// contiguous): benchmarks/bench_gpu.py uses it to time each region on its own.
#if defined(LOGBESSEL_KEY_KERNELS)
#define LOGBESSEL_KEY_KERNEL(NAME, ARITY)                                                  \
    extern "C" __global__ void logbessel_##NAME##_key(                                     \
        LOGBESSEL_CAT(LOGBESSEL_INPUTS_, ARITY)(double), int* out, long long n) {          \
        const long long step = (long long)blockDim.x * gridDim.x;                          \
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;         \
             i += step) {                                                                  \
            const double* const in[ARITY] = {LOGBESSEL_CAT(LOGBESSEL_LIST_, ARITY)(in)};  \
            double a[ARITY];                                                               \
            for (int k = 0; k < ARITY; ++k) a[k] = in[k][i];                               \
            out[i] = logbessel_kernels::key_of<logbessel_kernels::NAME##_fn>(              \
                a, logbessel_kernels::make_seq<ARITY>::type{});                            \
        }                                                                                  \
    }
#else
#define LOGBESSEL_KEY_KERNEL(NAME, ARITY)
#endif

// Without LOGBESSEL_SELECT every kernel is built (CI's nvcc check). The GPU backend builds
// one function per module (-DLOGBESSEL_SELECT -DLOGBESSEL_WANT_<name>), so a first call
// compiles only the math it uses. A macro list cannot hold #if, so the choice is made in
// the preprocessor by token pasting: LOGBESSEL_WANTED(NAME) is 1 where LOGBESSEL_WANT_NAME
// is defined as 1 (what -D NAME does) and 0 where it is not defined (the test of the
// Linux kernel's IS_ENABLED), and LOGBESSEL_IF_1(...) keeps its argument, _IF_0 drops it.
#define LOGBESSEL_PLACEHOLDER_1 0,
#define LOGBESSEL_SECOND(a, b, ...) b
#define LOGBESSEL_IS_ONE(value) LOGBESSEL_IS_ONE_(LOGBESSEL_CAT(LOGBESSEL_PLACEHOLDER_, value))
#define LOGBESSEL_IS_ONE_(arg_or_junk) LOGBESSEL_SECOND(arg_or_junk 1, 0, 0)
#define LOGBESSEL_IF_1(...) __VA_ARGS__
#define LOGBESSEL_IF_0(...)
#if defined(LOGBESSEL_SELECT)
#define LOGBESSEL_WANTED(NAME) LOGBESSEL_IS_ONE(LOGBESSEL_WANT_##NAME)
#else
#define LOGBESSEL_WANTED(NAME) 1
#endif
#define LOGBESSEL_SELECTED_KERNELS(NAME, ...) \
    LOGBESSEL_CAT(LOGBESSEL_IF_, LOGBESSEL_WANTED(NAME))(LOGBESSEL_KERNELS(NAME, __VA_ARGS__))
LOGBESSEL_FUNCTIONS(LOGBESSEL_SELECTED_KERNELS)
LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_SELECTED_KERNELS)  // (a three-argument check; no backend use)

#undef LOGBESSEL_SELECTED_KERNELS
#undef LOGBESSEL_KERNELS
#undef LOGBESSEL_KERNEL
#undef LOGBESSEL_KEY_KERNEL
#undef LOGBESSEL_BOUNDS
