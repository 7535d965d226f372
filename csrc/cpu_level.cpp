// One CPU level's float64 loops: for each row of the registry (logbessel/registry.h), the
// function that evaluates a stretch of a 1-D inner loop. setup.py compiles this file once
// per level and part (csrc/cpu_levels.h), with the level's instruction-set flags; the math
// headers are included inside the namespace logbessel_cpu::LEVEL, so every function the
// level compiles (the inlined math, and any copy the compiler keeps out of line) has a
// name of its own, and no level's code can stand in for another's at link time. No Python
// here: module.cpp makes the ufuncs, splits loops across threads, and runs float32 through
// these loops (each float overload is its double function, rounded once: registry.h).
//
// The results are the same bits at every level: the headers are compiled with
// -ffp-contract=off (no implicit fusion) and use fma() where they mean a fused operation
// (one instruction with FMA, a correctly rounded library call without), and IEEE
// operations round alike in scalar code and in vectors of any width
// (tests/test_cpu_levels.py checks).

// Every standard header the headers and the runner use, at global scope, before the
// namespace below opens (their include guards keep them out of it).
#include <math.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

#include "cpu_levels.h"

#if !defined(LOGBESSEL_LEVEL) || !defined(LOGBESSEL_LEVEL_ID) || !defined(LOGBESSEL_PART)
#error "cpu_level.cpp: setup.py defines LOGBESSEL_LEVEL, LOGBESSEL_LEVEL_ID and LOGBESSEL_PART"
#endif
// The level's instruction sets must be on (module.cpp picks a level by what CPUID reports).
#if LOGBESSEL_LEVEL_ID == 1 && !(defined(__AVX2__) && (defined(__FMA__) || defined(_MSC_VER)))
#error "the avx2 level is compiled without AVX2 and FMA"
#endif
#if LOGBESSEL_LEVEL_ID == 2 && !(defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__))
#error "the avx512 level is compiled without AVX-512 F, DQ and VL"
#endif

namespace logbessel_cpu {
namespace LOGBESSEL_LEVEL {

#include "cpu_lanes.h"  // and through it logbessel/logbessel.h: the math, in this namespace

namespace {

enum Row : int { LOGBESSEL_FUNCTIONS(LOGBESSEL_ROW_ID) LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_ROW_ID) kRowCount };

// One thread's share [lo, hi) of a 1-D inner loop of N = sizeof...(I) inputs, element by
// element: the inputs in[k] with strides st[k], the output out with stride so, all passed
// one by one (in registers, as NumPy's loops would take them: measured, a form that reads
// them from the args/steps arrays inside the loop function changed how the compiler laid
// out the inlined math, iv_ratio_complement 3% slower).
template <class A, size_t>
using Each = A;

template <class E, size_t... I>
LOGBESSEL_FLATTEN LOGBESSEL_NOINLINE void run_span(Each<char*, I>... in, char* out, Each<intp, I>... st, intp so,
                                                   intp lo, intp hi) {
    static_assert(sizeof...(I) >= 1, "a function of no arguments");
    ((in += lo * st), ...);
    out += lo * so;
    if (((st == intp(sizeof(double))) && ...) && so == intp(sizeof(double))) {
        double* po = reinterpret_cast<double*>(out);
        for (intp i = 0; i < hi - lo; ++i) po[i] = E::call(reinterpret_cast<const double*>(in)[i]...);
        return;
    }
    for (intp i = lo; i < hi; ++i, ((in += st), ...), out += so)
        *reinterpret_cast<double*>(out) = E::call(*reinterpret_cast<const double*>(in)...);
}

// The runners of registry.h's RUNNER column, as class templates over the row's entry E:
// a row's math is instantiated only where its run() is taken (the rows of this part).
template <int N, class E>
struct PlainRunner {
    template <size_t... I>
    static void run_n(char* const* args, const intp* steps, intp lo, intp hi, std::index_sequence<I...>) {
        run_span<E, I...>(args[I]..., args[N], steps[I]..., steps[N], lo, hi);
    }
    static void run(char* const* args, const intp* steps, intp lo, intp hi) {
        run_n(args, steps, lo, hi, std::make_index_sequence<size_t(N)>{});
    }
};

// (cpu_lanes.h: blocks classified by region, groups of lanes; no formulas)
template <class E>
struct LanesRunner {
    static void run(char* const* args, const intp* steps, intp lo, intp hi) {
        logbessel::cpu::run_lanes<double, E::template call<double, double>, E::classify,
                                  E::template region_n<logbessel::cpu::kLanesUniform>,
                                  E::template loops_n<logbessel::cpu::kLanesLoops>>(args[0], args[1], args[2], steps[0],
                                                                                     steps[1], steps[2], lo, hi);
    }
};

#define LOGBESSEL_RUNNER_ARITY_plain 0
#define LOGBESSEL_RUNNER_ARITY_lanes 2
#define LOGBESSEL_RUNNER_plain(NAME, ARITY) PlainRunner<ARITY, NAME##_entry>
#define LOGBESSEL_RUNNER_lanes(NAME, ARITY) LanesRunner<NAME##_entry>
// A row's entry: the scalar entry point logbessel::NAME, and for the lanes runner the
// row's classify and lane functions (registry.h), all as members, so that nothing is
// instantiated before a runner's run() is.
#define LOGBESSEL_ENTRY_plain(NAME)
#define LOGBESSEL_ENTRY_lanes(NAME)                                                            \
    static int classify(double& v, double x) { return logbessel::detail::NAME##_classify(v, x); } \
    template <int L>                                                                           \
    static void region_n(int r, const double* v, const double* x, double* o) {                 \
        logbessel::detail::NAME##_region_n<L>(r, v, x, o);                                     \
    }                                                                                          \
    template <int L>                                                                           \
    static void loops_n(int r, const double* v, const double* x, double* o) {                  \
        logbessel::detail::NAME##_loops_n<L>(r, v, x, o);                                      \
    }
#define LOGBESSEL_ENTRY(NAME, ARITY, PARAMS, RUNNER, ...)                                            \
    static_assert(LOGBESSEL_RUNNER_ARITY_##RUNNER == 0 || LOGBESSEL_RUNNER_ARITY_##RUNNER == ARITY, \
                  #NAME ": the " #RUNNER " runner takes another number of arguments");            \
    struct NAME##_entry {                                                                           \
        template <class... A>                                                                       \
        static double call(A... a) {                                                                \
            return logbessel::NAME(a...);                                                           \
        }                                                                                           \
        LOGBESSEL_ENTRY_##RUNNER(NAME)                                                              \
    };
LOGBESSEL_FUNCTIONS(LOGBESSEL_ENTRY)
LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_ENTRY)
#undef LOGBESSEL_ENTRY

template <bool On, class R>
void set_if(RangeFn& slot) {
    if constexpr (On) slot = &R::run;
}

}  // namespace

template <int Part>
void fill_ranges(RangeFn* table) {
#define LOGBESSEL_FILL(NAME, ARITY, PARAMS, RUNNER, ...) \
    set_if<row_##NAME % LOGBESSEL_CPU_PARTS == Part, LOGBESSEL_RUNNER_##RUNNER(NAME, ARITY)>(table[row_##NAME]);
    LOGBESSEL_FUNCTIONS(LOGBESSEL_FILL)
    LOGBESSEL_PROBE_FUNCTIONS(LOGBESSEL_FILL)
#undef LOGBESSEL_FILL
}

template void fill_ranges<LOGBESSEL_PART>(RangeFn* table);

}  // namespace LOGBESSEL_LEVEL
}  // namespace logbessel_cpu
