// The public elementwise functions, each listed once. Everything that enumerates them is
// derived from this list: the NumPy ufuncs (csrc/module.cpp), the CUDA kernels
// (csrc/kernels.cu), and through _core.registry the Python side (the public functions,
// the GPU backend's dispatch and phases, the torch and JAX adapters, the tests).
//
// LOGBESSEL_FUNCTIONS(X) calls X(NAME, ARITY, PARAMS, RUNNER, KEY, PARTIALS, HOME, SUMMARY)
// once per function:
//   NAME      the entry points: logbessel::NAME(double, ...) and logbessel::NAME(float, ...)
//             with ARITY arguments (the float overload computes in double, rounds once);
//             the ufunc and the public Python function have this name.
//   ARITY     the number of arguments (the result is one value).
//   PARAMS    the arguments' names, as the Python signature shows them.
//   RUNNER    how the CPU ufunc loop evaluates a stretch of inputs (module.cpp):
//               plain  element by element, NAME's scalar entry point;
//               lanes  classified by region and evaluated in groups of lanes, with
//                      detail::NAME_classify, detail::NAME_region_n and detail::NAME_loops_n
//                      (two arguments).
//   KEY       the GPU sort key: a key type of logbessel::detail (config.h): K::of(args...),
//             K::phases, K::sorted; no_key for kernels that do not sort.
//   PARTIALS  the functions giving the partial derivatives in each argument, in order and
//             separated by blanks, or "" where there are none (the torch and JAX adapters
//             make the functions that have them differentiable).
//   HOME      where Python binds the public function: "logbessel" (logbessel.NAME) or
//             "logbessel.vmf" (logbessel.vmf._NAME, the elementwise part of a function
//             of that module).
//   SUMMARY   one line: the ufunc's docstring is "NAME(PARAMS): SUMMARY"; the public
//             function's full docstring is src/logbessel/_docs.py's, under NAME.
//
// A new function: its header (the entry points, and a key type where it has regions),
// #include'd by logbessel.h, one row here, and its docstring in _docs.py.
#pragma once

// clang-format off
#define LOGBESSEL_FUNCTIONS(X)                                                                                   \
    X(log_iv, 2, "v, x", lanes, log_iv_key, "log_iv_dv log_iv_dx", "logbessel",                                  \
      "log of the modified Bessel function I_v(x).")                                                             \
    X(log_kv, 2, "v, x", lanes, log_kv_key, "log_kv_dv log_kv_dx", "logbessel",                                  \
      "log of the modified Bessel function K_v(x).")                                                             \
    X(log_ive, 2, "v, x", lanes, log_iv_key, "log_iv_dv log_ive_dx", "logbessel",                                \
      "log(I_v(x) exp(-x)), the exponentially scaled log I.")                                                    \
    X(log_kve, 2, "v, x", lanes, log_kv_key, "log_kv_dv log_kve_dx", "logbessel",                                \
      "log(K_v(x) exp(x)), the exponentially scaled log K.")                                                     \
    X(iv_ratio, 2, "v, x", plain, iv_ratio_key, "", "logbessel", "I_v(x) / I_{v-1}(x).")                          \
    X(iv_ratio_complement, 2, "v, x", plain, iv_ratio_key, "", "logbessel", "1 - I_v(x) / I_{v-1}(x).")           \
    X(log_iv_dx, 2, "v, x", plain, log_iv_dx_key, "", "logbessel", "d/dx log I_v(x).")                             \
    X(log_kv_dx, 2, "v, x", plain, log_kv_key, "", "logbessel", "d/dx log K_v(x).")                               \
    X(log_iv_dv, 2, "v, x", plain, log_iv_key, "", "logbessel", "d/dv log I_v(x).")                               \
    X(log_kv_dv, 2, "v, x", plain, log_kv_key, "", "logbessel", "d/dv log K_v(x).")                               \
    X(log_ive_dx, 2, "v, x", plain, log_iv_dx_key, "", "logbessel", "d/dx log(I_v(x) exp(-x)).")                 \
    X(log_kve_dx, 2, "v, x", plain, log_kv_key, "", "logbessel", "d/dx log(K_v(x) exp(x)).")                      \
    X(vmf_log_normalizer, 2, "p, kappa", plain, no_key, "", "logbessel.vmf",                                     \
      "log C_p(kappa) of the von Mises-Fisher density.")
// clang-format on

// Rows that are no public function: a check that the machinery takes any arity. module.cpp
// binds them as _core._<NAME> (tests/test_binding.py), kernels.cu builds their kernels
// (tests/test_cuda_compile.py); Python makes no public function of them.
#define LOGBESSEL_PROBE_FUNCTIONS(X) \
    X(arity3_probe, 3, "a, b, c", plain, no_key, "", "", "a * b + c, each product and sum rounded.")

#include "config.h"

namespace logbessel {
LOGBESSEL_INLINE double arity3_probe(double a, double b, double c) { return a * b + c; }
LOGBESSEL_INLINE float arity3_probe(float a, float b, float c) {
    return float(arity3_probe(double(a), double(b), double(c)));
}
}  // namespace logbessel
