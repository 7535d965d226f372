// pybind11 module: NumPy ufunc loops over the header-only math. No formulas here, and no
// list of functions: each row of LOGBESSEL_FUNCTIONS (logbessel/registry.h) becomes a ufunc,
// whatever its number of arguments, and _core.registry tells Python about the rows.
//
// Each public function is a genuine numpy.ufunc with two loops, float32 (computed in double,
// rounded once) and float64. Large 1-D inner loops are split across threads; the GIL is
// released by NumPy around the loop because the loops never touch Python objects.
//
// The math itself runs in csrc/cpu_level.cpp, compiled once per CPU level (cpu_levels.h);
// this file is compiled once, for the baseline, and holds no math: it includes the headers
// for the registry's rows and key types only, and calls the loops of the level it picks
// at import (CPUID, or LOGBESSEL_CPU).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cfenv>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(_MSC_VER)
#include <immintrin.h>  // _xgetbv
#include <intrin.h>     // __cpuid, __cpuidex
#endif

#include "cpu_levels.h"
#include "logbessel/logbessel.h"

namespace py = pybind11;


namespace {

// Inner loops shorter than this run on the calling thread: thread start-up (~20-50 us)
// would cost more than it saves.
constexpr npy_intp kParallelThreshold = 1 << 15;

// LOGBESSEL_NUM_THREADS, read at every call of a loop of kParallelThreshold elements or
// more (so a program may change it between calls). Parsed strictly: an optional sign and
// decimal digits, surrounding blanks allowed, nothing else. Status of a value:
enum ThreadsStatus { kThreadsDefault = 0, kThreadsOk = 1, kThreadsNotPositive = 2, kThreadsCapped = 3 };

int hardware_threads() {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw ? int(std::min(hw, 1024u)) : 1;
}

// The most threads a loop starts: 4 x the hardware threads (256 where that count is
// unknown). The loops are compute-bound, so threads beyond the cores only add start-up
// time (~20-50 us each) and a stack reservation each (8 MB by default on Linux), which is
// what made large counts fail under an address-space limit; 4x leaves room for a
// hardware_concurrency() that undercounts what the process may use.
int max_threads() {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw ? 4 * hardware_threads() : 256;
}

// The thread count a value asks for and its status (value nullptr: unset -> the default).
std::pair<int, int> parse_threads(const char* s) {
    if (s == nullptr) return {hardware_threads(), kThreadsDefault};
    const char* p = s;
    while (std::isspace(static_cast<unsigned char>(*p))) ++p;
    // (strtol alone would read "2.5" as 2, "4abc" as 4 and "" or "abc" as 0)
    if (!(std::isdigit(static_cast<unsigned char>(*p)) ||
          ((*p == '+' || *p == '-') && std::isdigit(static_cast<unsigned char>(p[1])))))
        return {hardware_threads(), kThreadsNotPositive};
    errno = 0;
    char* end = nullptr;
    long req = std::strtol(p, &end, 10);  // out of range: LONG_MAX or LONG_MIN, errno = ERANGE
    while (std::isspace(static_cast<unsigned char>(*end))) ++end;
    if (*end != '\0' || req < 1) return {hardware_threads(), kThreadsNotPositive};
    if (req > max_threads()) return {max_threads(), kThreadsCapped};
    return {int(req), kThreadsOk};
}

// A bad value seen by a loop (which runs without the GIL and cannot warn) is kept here
// until the Python layer takes it (_core._take_bad_num_threads) and warns: a value once,
// and again only after another bad value was met in between. Fixed buffers: nothing here
// allocates, and nothing throws.
std::mutex g_bad_mutex;
char g_bad_seen[128] = {};     // the last bad value recorded (truncated)
char g_bad_pending[128] = {};  // the value waiting to be reported
bool g_bad_any = false;        // whether g_bad_seen holds a value
std::atomic<bool> g_bad_waiting{false};

void note_bad_threads(const char* value) noexcept {
    // try_lock (never throws): if another loop holds the lock, it records the same value
    // or a later one, and this call's value is reported by the next call that sees it
    if (!g_bad_mutex.try_lock()) return;
    std::lock_guard<std::mutex> lock(g_bad_mutex, std::adopt_lock);
    if (g_bad_any && std::strncmp(g_bad_seen, value, sizeof g_bad_seen - 1) == 0) return;
    std::strncpy(g_bad_seen, value, sizeof g_bad_seen - 1);
    std::strncpy(g_bad_pending, value, sizeof g_bad_pending - 1);
    g_bad_any = true;
    g_bad_waiting.store(true, std::memory_order_release);
}

int configured_threads() noexcept {
    const char* env = std::getenv("LOGBESSEL_NUM_THREADS");
    const std::pair<int, int> r = parse_threads(env);
    if (r.second >= kThreadsNotPositive) note_bad_threads(env);
    return std::max(1, r.first);
}

py::object take_bad_num_threads() {
    if (!g_bad_waiting.load(std::memory_order_acquire)) return py::none();
    std::string value;
    {
        std::lock_guard<std::mutex> lock(g_bad_mutex);
        value = g_bad_pending;
        g_bad_waiting.store(false, std::memory_order_relaxed);
    }
    // the bytes as the environment holds them (os.environ's decoding)
    PyObject* s = PyUnicode_DecodeFSDefaultAndSize(value.data(), Py_ssize_t(value.size()));
    if (!s) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(s);
}

// ---------------------------------------------------------------------------------------
// CPU levels (cpu_levels.h): each level's float64 loops, one per registry row, compiled in
// csrc/cpu_level.cpp with the level's instruction sets; one level is chosen at import.
// ---------------------------------------------------------------------------------------

using logbessel_cpu::RangeFn;
static_assert(std::is_same<npy_intp, logbessel_cpu::intp>::value,
              "npy_intp is not std::ptrdiff_t here: cpu_levels.h's loop type needs it");

enum Row : int { LOGBESSEL_FUNCTIONS(LOGBESSEL_ROW_ID) LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_ROW_ID) kRowCount };

#if defined(__x86_64__) || defined(_M_X64) || defined(_M_AMD64)
#define LOGBESSEL_X86 1
#else
#define LOGBESSEL_X86 0
#endif

// Whether the CPU has feature f (a name of __builtin_cpu_supports), with the operating
// system saving the registers it needs (YMM for AVX2/FMA, ZMM and masks for AVX-512).
bool cpu_has(const std::string& f) {
#if LOGBESSEL_X86 && defined(_MSC_VER) && !defined(__clang__)
    int r[4];
    __cpuid(r, 0);
    const int max_leaf = r[0];
    __cpuid(r, 1);
    const unsigned ecx1 = unsigned(r[2]);
    unsigned ebx7 = 0;
    if (max_leaf >= 7) {
        __cpuidex(r, 7, 0);
        ebx7 = unsigned(r[1]);
    }
    const unsigned long long xcr0 = (ecx1 >> 27 & 1) ? _xgetbv(0) : 0;  // OSXSAVE
    const bool ymm = (xcr0 & 0x6) == 0x6, zmm = (xcr0 & 0xe6) == 0xe6;
    if (f == "fma") return ymm && (ecx1 >> 12 & 1);
    if (f == "avx2") return ymm && (ebx7 >> 5 & 1);
    if (f == "avx512f") return zmm && (ebx7 >> 16 & 1);
    if (f == "avx512dq") return zmm && (ebx7 >> 17 & 1);
    if (f == "avx512cd") return zmm && (ebx7 >> 28 & 1);
    if (f == "avx512bw") return zmm && (ebx7 >> 30 & 1);
    if (f == "avx512vl") return zmm && (ebx7 >> 31 & 1);
#elif LOGBESSEL_X86 && defined(__GNUC__)
    __builtin_cpu_init();  // (GCC's and Clang's checks include the operating system's support)
    if (f == "fma") return __builtin_cpu_supports("fma");
    if (f == "avx2") return __builtin_cpu_supports("avx2");
    if (f == "avx512f") return __builtin_cpu_supports("avx512f");
    if (f == "avx512dq") return __builtin_cpu_supports("avx512dq");
    if (f == "avx512cd") return __builtin_cpu_supports("avx512cd");
    if (f == "avx512bw") return __builtin_cpu_supports("avx512bw");
    if (f == "avx512vl") return __builtin_cpu_supports("avx512vl");
#endif
    (void)f;
    return false;
}

// The CPU features a level's code may use (MSVC's /arch:AVX512 also uses BW and CD, which
// every CPU with F, DQ and VL has).
std::vector<std::string> level_needs(const std::string& level) {
    if (level == "avx2") return {"avx2", "fma"};
#if defined(_MSC_VER) && !defined(__clang__)
    if (level == "avx512") return {"avx2", "fma", "avx512f", "avx512dq", "avx512vl", "avx512bw", "avx512cd"};
#else
    if (level == "avx512") return {"avx2", "fma", "avx512f", "avx512dq", "avx512vl"};
#endif
    return {};  // baseline; native (built for the build machine: LOGBESSEL_NATIVE=1)
}

struct Level {
    std::string name;
    std::vector<RangeFn> ranges;       // per row
    std::vector<std::string> missing;  // the features this CPU lacks for it
};
std::vector<Level> g_levels;                   // lowest first
std::atomic<const RangeFn*> g_ranges{nullptr};  // the chosen level's ranges
std::atomic<int> g_level{-1};                  // its index
std::string g_level_source;                    // "auto" or "LOGBESSEL_CPU=..."

template <class F, int... P>
void fill_parts(RangeFn* table, F fill, std::integer_sequence<int, P...>) {
    (fill(table, std::integral_constant<int, P>{}), ...);
}

void add_level(const char* name, void (*fill)(RangeFn*)) {
    Level level{name, std::vector<RangeFn>(size_t(kRowCount), nullptr), {}};
    fill(level.ranges.data());
    for (RangeFn f : level.ranges)
        if (f == nullptr) throw py::import_error(std::string("logbessel: the CPU level ") + name + " lacks a loop (a build from mismatched sources)");
    for (const std::string& f : level_needs(name))
        if (!cpu_has(f)) level.missing.push_back(f);
    g_levels.push_back(std::move(level));
}

std::string level_names(bool supported_only) {
    std::string s;
    for (const Level& l : g_levels)
        if (!supported_only || l.missing.empty()) s += (s.empty() ? "" : ", ") + l.name;
    return s;
}

// The level called name, or an error message (ok = false).
std::pair<int, std::string> find_level(const std::string& name) {
    for (size_t i = 0; i < g_levels.size(); ++i) {
        const Level& l = g_levels[i];
        if (l.name != name) continue;
        if (l.missing.empty()) return {int(i), ""};
        std::string lacks;
        for (const std::string& f : l.missing) lacks += (lacks.empty() ? "" : ", ") + f;
        return {-1, "the CPU level '" + name + "' needs " + lacks + ", which this CPU lacks (levels it supports: " +
                        level_names(true) + ")"};
    }
    return {-1, "'" + name + "' is not a CPU level of this build (levels built: " + level_names(false) + ")"};
}

void use_level(int i) {
    g_ranges.store(g_levels[size_t(i)].ranges.data(), std::memory_order_release);
    g_level.store(i, std::memory_order_release);
}

std::string trimmed(const char* s) {
    std::string t(s ? s : "");
    const size_t a = t.find_first_not_of(" \t\r\n"), b = t.find_last_not_of(" \t\r\n");
    return a == std::string::npos ? std::string() : t.substr(a, b - a + 1);
}

// At import: every level built, then LOGBESSEL_CPU's level (an ImportError if this build
// or this CPU has not got it), or by default the highest level the CPU supports.
void init_levels() {
#define LOGBESSEL_ADD_LEVEL(L)                                                                         \
    add_level(#L, [](RangeFn* table) {                                                                 \
        fill_parts(table, [](RangeFn* t, auto part) { logbessel_cpu::L::fill_ranges<decltype(part)::value>(t); }, \
                   std::make_integer_sequence<int, LOGBESSEL_CPU_PARTS>{});                            \
    });
    LOGBESSEL_CPU_LEVELS(LOGBESSEL_ADD_LEVEL)
#undef LOGBESSEL_ADD_LEVEL
    const std::string want = trimmed(std::getenv("LOGBESSEL_CPU"));
    if (want.empty() || want == "auto") {
        for (int i = int(g_levels.size()) - 1; i >= 0; --i)
            if (g_levels[size_t(i)].missing.empty()) {
                use_level(i);
                break;
            }
        if (g_level.load() < 0) throw py::import_error("logbessel: no CPU level of this build runs on this CPU");
        g_level_source = "auto";
        return;
    }
    const std::pair<int, std::string> found = find_level(want);
    if (found.first < 0) throw py::import_error("logbessel: LOGBESSEL_CPU=" + want + ": " + found.second);
    use_level(found.first);
    g_level_source = "LOGBESSEL_CPU=" + want;
}

void set_cpu_level(const std::string& name) {
    const std::pair<int, std::string> found = find_level(name);
    if (found.first < 0) throw std::runtime_error("logbessel: " + found.second);
    use_level(found.first);
}

// What the build was (setup.py writes logbessel_build_info.h; a build without it, e.g.
// a hand-made one, says "unknown").
#if defined(__has_include)
#if __has_include("logbessel_build_info.h")
#include "logbessel_build_info.h"
#endif
#endif
#ifndef LOGBESSEL_BUILD_COMMAND
#define LOGBESSEL_BUILD_COMMAND "unknown"
#define LOGBESSEL_BUILD_FLAGS "unknown"
#define LOGBESSEL_BUILD_LEVEL_FLAGS(X)
#endif

std::string compiler_version() {
#if defined(__clang__)
    return std::string("Clang ") + __clang_version__;
#elif defined(__GNUC__)
    return std::string("GCC ") + __VERSION__;
#elif defined(_MSC_VER)
    return "MSVC " + std::to_string(_MSC_FULL_VER);
#else
    return "unknown";
#endif
}

py::dict build_info() {
    py::dict d;
    d["compiler"] = compiler_version();
    d["command"] = LOGBESSEL_BUILD_COMMAND;
    d["flags"] = LOGBESSEL_BUILD_FLAGS;
    py::dict lf;
#define LOGBESSEL_LEVEL_FLAGS_ITEM(NAME, FLAGS) lf[NAME] = FLAGS;
    LOGBESSEL_BUILD_LEVEL_FLAGS(LOGBESSEL_LEVEL_FLAGS_ITEM)
#undef LOGBESSEL_LEVEL_FLAGS_ITEM
    d["level_flags"] = lf;
    d["parts"] = LOGBESSEL_CPU_PARTS;
    return d;
}

py::list cpu_levels() {
    py::list out;
    for (size_t i = 0; i < g_levels.size(); ++i) {
        const Level& l = g_levels[i];
        py::dict d;
        d["name"] = l.name;
        d["supported"] = l.missing.empty();
        d["missing"] = py::cast(l.missing);
        d["needs"] = py::cast(level_needs(l.name));
        out.append(d);
    }
    return out;
}

// Whether the n elements at p (stride sp) and at q (stride sq), of size sz bytes, share
// any byte.
bool overlap(const char* p, npy_intp sp, const char* q, npy_intp sq, npy_intp n, npy_intp sz) {
    auto span = [n, sz](const char* base, npy_intp step, std::uintptr_t& lo, std::uintptr_t& hi) {
        const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(base);
        const std::uintptr_t last = first + std::uintptr_t((n - 1) * step);  // (modular: step may be < 0)
        lo = std::min(first, last);
        hi = std::max(first, last) + std::uintptr_t(sz);
    };
    std::uintptr_t plo, phi, qlo, qhi;
    span(p, sp, plo, phi);
    span(q, sq, qlo, qhi);
    return plo < qhi && qlo < phi;
}

// Whether the loop may be split across threads: the output shares no memory with an input,
// unless it is that input element for element (the same start and stride: each element is
// read and written by one thread). NumPy passes overlapping operands to one call of the
// loop when running through it in order is safe (e.g. out = a[:-1] with input a[1:]: each
// element is read before it is written); split, a thread would read elements that the next
// thread has already overwritten. Such loops run on one thread, in order.
template <class T, int N>
bool may_split(char* const* args, npy_intp const* steps, npy_intp n) {
    const char* out = args[N];
    for (int k = 0; k < N; ++k) {
        if (args[k] == out && steps[k] == steps[N]) continue;
        if (overlap(args[k], steps[k], out, steps[N], n, npy_intp(sizeof(T)))) return false;
    }
    return true;
}

// A float32 stretch through the float64 loop: each float overload of the registry is its
// double function, rounded once (registry.h), so converting the inputs to double, running
// the level's float64 loop and rounding its results gives the same bits. In chunks of up
// to kF32Chunk on the heap (the lanes classify blocks of up to 4096: cpu_lanes.h), or of
// kF32StackChunk on the stack where a stretch is short or the heap has no room (nothing here
// throws).
constexpr npy_intp kF32Chunk = 4096;
constexpr npy_intp kF32StackChunk = 256;

template <int N>
struct Float32Range {
    RangeFn f64;
    void chunks(char* const* args, const npy_intp* steps, npy_intp lo, npy_intp hi, double* buf, npy_intp cap) const {
        char* dargs[N + 1];
        npy_intp dsteps[N + 1];
        for (int k = 0; k <= N; ++k) {
            dargs[k] = reinterpret_cast<char*>(buf + k * cap);
            dsteps[k] = npy_intp(sizeof(double));
        }
        for (npy_intp start = lo; start < hi; start += cap) {
            const npy_intp m = std::min(cap, hi - start);
            for (int k = 0; k < N; ++k) {
                const char* p = args[k] + start * steps[k];
                double* d = buf + k * cap;
                for (npy_intp i = 0; i < m; ++i) d[i] = double(*reinterpret_cast<const float*>(p + i * steps[k]));
            }
            f64(dargs, dsteps, 0, m);
            char* o = args[N] + start * steps[N];
            const double* r = buf + N * cap;
            for (npy_intp i = 0; i < m; ++i) *reinterpret_cast<float*>(o + i * steps[N]) = float(r[i]);
        }
    }
    void operator()(char* const* args, const npy_intp* steps, npy_intp lo, npy_intp hi) const {
        const npy_intp cap = std::min(kF32Chunk, hi - lo);
        if (cap > kF32StackChunk) {
            std::unique_ptr<double[]> buf(new (std::nothrow) double[size_t(N + 1) * size_t(cap)]);
            if (buf) {
                chunks(args, steps, lo, hi, buf.get(), cap);
                return;
            }
        }
        double buf[(N + 1) * kF32StackChunk];
        chunks(args, steps, lo, hi, buf, kF32StackChunk);
    }
};

template <class T, int N, class Range>
void run_threads(Range range, char** args, npy_intp const* dimensions, npy_intp const* steps) noexcept {
    const npy_intp n = dimensions[0];
    int nthreads = n >= kParallelThreshold && may_split<T, N>(args, steps, n) ? configured_threads() : 1;
    nthreads = int(std::min<npy_intp>(nthreads, n / (kParallelThreshold / 4) + 1));
    if (nthreads <= 1) {
        range(args, steps, 0, n);
        return;
    }
    const npy_intp chunk = (n + nthreads - 1) / nthreads;
    auto lo_of = [n, chunk](int t) { return std::min(n, npy_intp(t) * chunk); };
    // Chunk t > 0 goes to a thread of its own; where a thread cannot be started (address
    // space or the process's thread limit exhausted: std::system_error) or the pool cannot
    // be allocated, the chunks from there on run here, after chunk 0. Each element is
    // computed alone, so the results are the same bits either way.
    std::vector<std::thread> pool;
    int started = 1;  // chunks [1, started) have a thread
    try {
        pool.reserve(size_t(nthreads - 1));
        for (; started < nthreads; ++started)
            pool.emplace_back(range, args, steps, lo_of(started), lo_of(started + 1));
    } catch (...) {
    }
    range(args, steps, 0, lo_of(1));
    range(args, steps, lo_of(started), n);
    for (auto& th : pool) th.join();  // (throws only for a thread that is not joinable)
}

// The ufunc loops of row Row (N arguments), through the chosen level's float64 loop (read
// once per call: _set_cpu_level may switch levels between calls). The floating-point
// status flags that the math raises internally are dropped: results are NaN or +-inf by
// value, never through a flag (the header functions return them as constants), while
// intermediate steps may set flags that mean nothing for the result (the vectorized lanes
// compute both sides of a branch, e.g. the overflowing x*x that hypot_pos avoids), and
// NumPy would turn those into RuntimeWarnings. Worker threads' flags never reached NumPy
// anyway; now one thread and many behave alike. No C++ exception leaves them (run_threads
// is noexcept and catches what it can meet).
template <int Row, int N>
void loop_f64(char** args, npy_intp const* dimensions, npy_intp const* steps, void*) {
    std::fenv_t env;
    std::feholdexcept(&env);
    run_threads<double, N>(g_ranges.load(std::memory_order_acquire)[Row], args, dimensions, steps);
    std::fesetenv(&env);
}

template <int Row, int N>
void loop_f32(char** args, npy_intp const* dimensions, npy_intp const* steps, void*) {
    std::fenv_t env;
    std::feholdexcept(&env);
    run_threads<float, N>(Float32Range<N>{g_ranges.load(std::memory_order_acquire)[Row]}, args, dimensions, steps);
    std::fesetenv(&env);
}

// NumPy's type signatures of the two loops of an N-argument ufunc: float32 ... -> float32,
// float64 ... -> float64.
template <int N>
struct UfuncTypes {
    char t[2 * (N + 1)];
    constexpr UfuncTypes() : t{} {
        for (int i = 0; i <= N; ++i) {
            t[i] = NPY_FLOAT;
            t[N + 1 + i] = NPY_DOUBLE;
        }
    }
};
template <int N>
UfuncTypes<N> kTypes;
void* kData[] = {nullptr, nullptr};

// Each row's two loops, float32 and float64.
#define LOGBESSEL_LOOPS(NAME, ARITY, ...) \
    PyUFuncGenericFunction NAME##_loops[] = {loop_f32<row_##NAME, ARITY>, loop_f64<row_##NAME, ARITY>};
LOGBESSEL_FUNCTIONS(LOGBESSEL_LOOPS)
LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_LOOPS)
#undef LOGBESSEL_LOOPS

template <int N>
py::object make_ufunc(PyUFuncGenericFunction* funcs, const char* name, const char* doc) {
    PyObject* uf = PyUFunc_FromFuncAndData(funcs, kData, kTypes<N>.t, 2, N, 1, PyUFunc_None, name, doc, 0);
    if (!uf) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(uf);
}

// A key type's phase boundaries as a tuple.
template <class K>
py::tuple phases() {
    constexpr size_t n = sizeof K::phases / sizeof K::phases[0];
    py::tuple t(n);
    for (size_t i = 0; i < n; ++i) t[i] = py::int_(K::phases[i]);
    return t;
}

// The registry for Python: one dict per row (registry.h), in the list's order.
enum class Rows { kPublic, kProbe };
py::tuple registry(Rows which) {
    py::list rows;
#define LOGBESSEL_ROW(NAME, ARITY, PARAMS, RUNNER, KEY, PARTIALS, HOME, SUMMARY)                           \
    {                                                                                                     \
        using K = logbessel::detail::KEY;                                                                 \
        py::dict d;                                                                                       \
        d["name"] = #NAME;                                                                                \
        d["arity"] = ARITY;                                                                               \
        d["params"] = PARAMS;                                                                             \
        d["runner"] = #RUNNER;                                                                            \
        d["key"] = #KEY;                                                                                  \
        d["sorted"] = K::sorted;                                                                          \
        d["phases"] = phases<K>();                                                                        \
        d["partials"] = PARTIALS;                                                                         \
        d["home"] = HOME;                                                                                 \
        d["summary"] = SUMMARY;                                                                           \
        rows.append(d);                                                                                   \
    }
    if (which == Rows::kPublic) {
        LOGBESSEL_FUNCTIONS(LOGBESSEL_ROW)
    } else {
        LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_ROW)
    }
#undef LOGBESSEL_ROW
    return py::tuple(rows);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    if (_import_array() < 0) throw py::error_already_set();
    if (_import_umath() < 0) throw py::error_already_set();
    m.doc() = "logbessel CPU kernels: numpy ufuncs over the header-only math in csrc/logbessel";
    init_levels();  // before any loop can run
#define LOGBESSEL_REGISTER(NAME, ARITY, PARAMS, RUNNER, KEY, PARTIALS, HOME, SUMMARY) \
    m.attr(#NAME) = make_ufunc<ARITY>(NAME##_loops, #NAME, #NAME "(" PARAMS "): " SUMMARY);
    LOGBESSEL_FUNCTIONS(LOGBESSEL_REGISTER)
#undef LOGBESSEL_REGISTER
#define LOGBESSEL_REGISTER_PROBE(NAME, ARITY, PARAMS, RUNNER, KEY, PARTIALS, HOME, SUMMARY) \
    m.attr("_" #NAME) = make_ufunc<ARITY>(NAME##_loops, "_" #NAME, "_" #NAME "(" PARAMS "): " SUMMARY);
    LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_REGISTER_PROBE)
#undef LOGBESSEL_REGISTER_PROBE
    // The ufunc loops' addresses (float32, float64) per public row, in the registry's order:
    // the JAX FFI handlers (csrc/jax_ffi.cc) call these loops on XLA's buffers, so a custom
    // call runs exactly what the ufunc runs (the chosen CPU level, threads, rounding).
    {
        py::list loops;
#define LOGBESSEL_LOOP_ADDRESSES(NAME, ...)                                               \
        loops.append(py::make_tuple(#NAME, reinterpret_cast<std::uintptr_t>(NAME##_loops[0]), \
                                    reinterpret_cast<std::uintptr_t>(NAME##_loops[1])));
        LOGBESSEL_FUNCTIONS(LOGBESSEL_LOOP_ADDRESSES)
#undef LOGBESSEL_LOOP_ADDRESSES
        m.attr("_loop_addresses") = py::tuple(loops);
    }
    m.attr("registry") = registry(Rows::kPublic);
    m.attr("_probe_registry") = registry(Rows::kProbe);
    m.attr("key_count") = py::int_(logbessel::detail::KEY_COUNT);
    m.def("num_threads", &configured_threads,
          "Threads used for inputs of parallel_threshold elements or more (LOGBESSEL_NUM_THREADS, read at each call).");
    m.def("_parse_num_threads", [](py::object value) {
        if (value.is_none()) return parse_threads(nullptr);
        const std::string s = value.cast<std::string>();
        return parse_threads(s.c_str());
    }, "(threads, status) for a LOGBESSEL_NUM_THREADS value (None: unset); status 0 default, 1 valid, "
       "2 not a positive integer (the default used), 3 above max_threads (capped)");
    m.def("_take_bad_num_threads", &take_bad_num_threads,
          "The last bad LOGBESSEL_NUM_THREADS value a loop met and not yet reported, or None.");
    m.attr("max_threads") = py::int_(max_threads());
    m.attr("hardware_threads") = py::int_(hardware_threads());
    m.attr("parallel_threshold") = py::int_(kParallelThreshold);
    m.def("cpu_level", [] { return g_levels[size_t(g_level.load())].name; },
          "The CPU level whose loops the ufuncs run (see cpu_levels()).");
    m.attr("cpu_level_source") = g_level_source;
    m.def("cpu_levels", &cpu_levels,
          "The CPU levels built into the extension, lowest first: name, supported (by this CPU), "
          "needs (CPU features), missing (those this CPU lacks).");
    m.def("_set_cpu_level", &set_cpu_level, py::arg("name"),
          "Run the ufuncs on another CPU level (for tests and benchmarks); RuntimeError if this build "
          "or this CPU has not got it.");
    m.attr("build_info") = build_info();
}
