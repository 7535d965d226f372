// pybind11 module: NumPy ufunc loops over the header-only math. No formulas here, and no
// list of functions: each row of LOGBESSEL_FUNCTIONS (logbessel/registry.h) becomes a ufunc,
// whatever its number of arguments, and _core.registry tells Python about the rows.
//
// Each public function is a genuine numpy.ufunc with two loops, float32 (computed in double,
// rounded once) and float64. Large 1-D inner loops are split across threads; the GIL is
// released by NumPy around the loop because the loops never touch Python objects.
#include <pybind11/pybind11.h>

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
#include <thread>
#include <utility>
#include <vector>

#include "cpu_lanes.h"
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

// The scalar entry point logbessel::NAME of registry row NAME, for any argument type
// (module.cpp's loops call E::call with ARITY values of type T).
#define LOGBESSEL_ENTRY(NAME, ...)                                  \
    struct NAME##_entry {                                           \
        template <class... A>                                       \
        static auto call(A... a) { return logbessel::NAME(a...); }  \
    };
LOGBESSEL_FUNCTIONS(LOGBESSEL_ENTRY)
LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_ENTRY)
#undef LOGBESSEL_ENTRY

// A stretch [lo, hi) of a 1-D inner loop: args and steps as NumPy passes them (the N
// inputs, then the output).
using RangeFn = void (*)(char* const* args, const npy_intp* steps, npy_intp lo, npy_intp hi);

// One thread's share [lo, hi) of a 1-D inner loop of N = sizeof...(I) inputs, element by
// element: the inputs in[k] with strides st[k], the output out with stride so, all passed
// one by one (in registers, as NumPy's loops would take them: measured, a form that reads
// them from the args/steps arrays inside the loop function changed how the compiler laid
// out the inlined math, iv_ratio_complement 3% slower).
template <class A, size_t>
using Each = A;

template <class T, class E, size_t... I>
LOGBESSEL_FLATTEN LOGBESSEL_NOINLINE void run_span(Each<char*, I>... in, char* out, Each<npy_intp, I>... st,
                                                          npy_intp so, npy_intp lo, npy_intp hi) {
    static_assert(sizeof...(I) >= 1, "a function of no arguments");
    ((in += lo * st), ...);
    out += lo * so;
    if (((st == npy_intp(sizeof(T))) && ...) && so == npy_intp(sizeof(T))) {
        T* po = reinterpret_cast<T*>(out);
        for (npy_intp i = 0; i < hi - lo; ++i) po[i] = E::call(reinterpret_cast<const T*>(in)[i]...);
        return;
    }
    for (npy_intp i = lo; i < hi; ++i, ((in += st), ...), out += so)
        *reinterpret_cast<T*>(out) = E::call(*reinterpret_cast<const T*>(in)...);
}

template <class T, class E, size_t... I>
void run_range_n(char* const* args, const npy_intp* steps, npy_intp lo, npy_intp hi, std::index_sequence<I...>) {
    constexpr size_t N = sizeof...(I);
    run_span<T, E, I...>(args[I]..., args[N], steps[I]..., steps[N], lo, hi);
}

template <class T, int N, class E>
void run_range(char* const* args, const npy_intp* steps, npy_intp lo, npy_intp hi) {
    run_range_n<T, E>(args, steps, lo, hi, std::make_index_sequence<size_t(N)>{});
}

// The lanes' share of a 1-D inner loop (cpu_lanes.h: blocks classified by region,
// groups of lanes; no formulas).
template <class T, double (*Scalar)(double, double), int (*Classify)(double&, double),
          void (*UniformN)(int, const double*, const double*, double*),
          void (*LoopsN)(int, const double*, const double*, double*)>
void run_range_lanes(char* const* args, const npy_intp* steps, npy_intp lo, npy_intp hi) {
    logbessel::cpu::run_lanes<T, Scalar, Classify, UniformN, LoopsN>(args[0], args[1], args[2], steps[0], steps[1],
                                                                     steps[2], lo, hi);
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

template <class T, int N, RangeFn Range>
void run_threads(char** args, npy_intp const* dimensions, npy_intp const* steps) noexcept {
    const npy_intp n = dimensions[0];
    int nthreads = n >= kParallelThreshold && may_split<T, N>(args, steps, n) ? configured_threads() : 1;
    nthreads = int(std::min<npy_intp>(nthreads, n / (kParallelThreshold / 4) + 1));
    if (nthreads <= 1) {
        Range(args, steps, 0, n);
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
            pool.emplace_back(Range, args, steps, lo_of(started), lo_of(started + 1));
    } catch (...) {
    }
    Range(args, steps, 0, lo_of(1));
    Range(args, steps, lo_of(started), n);
    for (auto& th : pool) th.join();  // (throws only for a thread that is not joinable)
}

// The ufunc loop. The floating-point status flags that the math raises internally are
// dropped: results are NaN or +-inf by value, never through a flag (the header functions
// return them as constants), while intermediate steps may set flags that mean nothing for
// the result (the vectorized lanes compute both sides of a branch, e.g. the overflowing
// x*x that hypot_pos avoids), and NumPy would turn those into RuntimeWarnings. Worker
// threads' flags never reached NumPy anyway; now one thread and many behave alike.
// No C++ exception leaves it (run_threads is noexcept and catches what it can meet).
template <class T, int N, RangeFn Range>
void loop(char** args, npy_intp const* dimensions, npy_intp const* steps, void*) {
    std::fenv_t env;
    std::feholdexcept(&env);
    run_threads<T, N, Range>(args, dimensions, steps);
    std::fesetenv(&env);
}

// The CPU runners of registry.h's RUNNER column, and the arity each takes (0: any).
#define LOGBESSEL_RUNNER_ARITY_plain 0
#define LOGBESSEL_RUNNER_ARITY_lanes 2
#define LOGBESSEL_RUNNER_plain(T, NAME, ARITY) run_range<T, ARITY, NAME##_entry>
#define LOGBESSEL_RUNNER_lanes(T, NAME, ARITY)                                                              \
    run_range_lanes<T, NAME##_entry::call<double, double>, logbessel::detail::NAME##_classify,             \
                    logbessel::detail::NAME##_region_n<logbessel::cpu::kLanesUniform>,                         \
                    logbessel::detail::NAME##_loops_n<logbessel::cpu::kLanesLoops>>

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
#define LOGBESSEL_LOOPS(NAME, ARITY, PARAMS, RUNNER, ...)                                                   \
    static_assert(LOGBESSEL_RUNNER_ARITY_##RUNNER == 0 || LOGBESSEL_RUNNER_ARITY_##RUNNER == ARITY,         \
                  #NAME ": the " #RUNNER " runner takes another number of arguments");                     \
    PyUFuncGenericFunction NAME##_loops[] = {loop<float, ARITY, LOGBESSEL_RUNNER_##RUNNER(float, NAME, ARITY)>, \
                                             loop<double, ARITY, LOGBESSEL_RUNNER_##RUNNER(double, NAME, ARITY)>};
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
#define LOGBESSEL_REGISTER(NAME, ARITY, PARAMS, RUNNER, KEY, PARTIALS, HOME, SUMMARY) \
    m.attr(#NAME) = make_ufunc<ARITY>(NAME##_loops, #NAME, #NAME "(" PARAMS "): " SUMMARY);
    LOGBESSEL_FUNCTIONS(LOGBESSEL_REGISTER)
#undef LOGBESSEL_REGISTER
#define LOGBESSEL_REGISTER_PROBE(NAME, ARITY, PARAMS, RUNNER, KEY, PARTIALS, HOME, SUMMARY) \
    m.attr("_" #NAME) = make_ufunc<ARITY>(NAME##_loops, "_" #NAME, "_" #NAME "(" PARAMS "): " SUMMARY);
    LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_REGISTER_PROBE)
#undef LOGBESSEL_REGISTER_PROBE
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
}
