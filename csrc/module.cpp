// pybind11 module: NumPy ufunc loops over the header-only math. No formulas here.
//
// Each public function is a genuine numpy.ufunc with two loops, float32 (computed in double,
// rounded once) and float64. Large 1-D inner loops are split across threads; the GIL is
// released by NumPy around the loop because the loops never touch Python objects.
#include <pybind11/pybind11.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <vector>

#include "logbessel/logbessel.h"

namespace py = pybind11;

namespace {

// Inner loops shorter than this run on the calling thread: thread start-up (~20-50 us)
// would cost more than it saves.
constexpr npy_intp kParallelThreshold = 1 << 15;

int configured_threads() {
    unsigned hw = std::thread::hardware_concurrency();
    int n = hw ? int(hw) : 1;
    if (const char* env = std::getenv("LOGBESSEL_NUM_THREADS")) {
        int req = std::atoi(env);
        if (req >= 1) n = req;
    }
    return std::max(1, n);
}

template <class T, T (*F)(T, T)>
void run_range(char* a, char* b, char* out, npy_intp sa, npy_intp sb, npy_intp so, npy_intp lo,
               npy_intp hi) {
    a += lo * sa;
    b += lo * sb;
    out += lo * so;
    if (sa == sizeof(T) && sb == sizeof(T) && so == sizeof(T)) {
        const T* pa = reinterpret_cast<const T*>(a);
        const T* pb = reinterpret_cast<const T*>(b);
        T* po = reinterpret_cast<T*>(out);
        for (npy_intp i = 0; i < hi - lo; ++i) po[i] = F(pa[i], pb[i]);
        return;
    }
    for (npy_intp i = lo; i < hi; ++i, a += sa, b += sb, out += so)
        *reinterpret_cast<T*>(out) = F(*reinterpret_cast<const T*>(a), *reinterpret_cast<const T*>(b));
}

template <class T, T (*F)(T, T)>
void loop(char** args, npy_intp const* dimensions, npy_intp const* steps, void*) {
    const npy_intp n = dimensions[0];
    char *a = args[0], *b = args[1], *out = args[2];
    const npy_intp sa = steps[0], sb = steps[1], so = steps[2];
    int nthreads = n >= kParallelThreshold ? configured_threads() : 1;
    nthreads = int(std::min<npy_intp>(nthreads, n / (kParallelThreshold / 4) + 1));
    if (nthreads <= 1) {
        run_range<T, F>(a, b, out, sa, sb, so, 0, n);
        return;
    }
    std::vector<std::thread> pool;
    pool.reserve(nthreads - 1);
    const npy_intp chunk = (n + nthreads - 1) / nthreads;
    for (int t = 1; t < nthreads; ++t) {
        const npy_intp lo = std::min(n, t * chunk), hi = std::min(n, (t + 1) * chunk);
        pool.emplace_back(run_range<T, F>, a, b, out, sa, sb, so, lo, hi);
    }
    run_range<T, F>(a, b, out, sa, sb, so, 0, std::min(n, chunk));
    for (auto& th : pool) th.join();
}

double log_iv_d(double v, double x) { return logbessel::log_iv(v, x); }
float log_iv_f(float v, float x) { return logbessel::log_iv(v, x); }
double log_kv_d(double v, double x) { return logbessel::log_kv(v, x); }
float log_kv_f(float v, float x) { return logbessel::log_kv(v, x); }
double iv_ratio_d(double v, double x) { return logbessel::iv_ratio(v, x); }
float iv_ratio_f(float v, float x) { return logbessel::iv_ratio(v, x); }
double vmf_lognorm_d(double p, double k) { return logbessel::vmf_log_normalizer(p, k); }
float vmf_lognorm_f(float p, float k) { return logbessel::vmf_log_normalizer(p, k); }
double iv_ratio_c_d(double v, double x) { return logbessel::iv_ratio_complement(v, x); }
float iv_ratio_c_f(float v, float x) { return logbessel::iv_ratio_complement(v, x); }
double log_iv_dx_d(double v, double x) { return logbessel::log_iv_dx(v, x); }
float log_iv_dx_f(float v, float x) { return logbessel::log_iv_dx(v, x); }
double log_kv_dx_d(double v, double x) { return logbessel::log_kv_dx(v, x); }
float log_kv_dx_f(float v, float x) { return logbessel::log_kv_dx(v, x); }
double log_iv_dv_d(double v, double x) { return logbessel::log_iv_dv(v, x); }
float log_iv_dv_f(float v, float x) { return logbessel::log_iv_dv(v, x); }
double log_kv_dv_d(double v, double x) { return logbessel::log_kv_dv(v, x); }
float log_kv_dv_f(float v, float x) { return logbessel::log_kv_dv(v, x); }

char kTypes[] = {NPY_FLOAT, NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};
void* kData[] = {nullptr, nullptr};
PyUFuncGenericFunction kLogIv[] = {loop<float, log_iv_f>, loop<double, log_iv_d>};
PyUFuncGenericFunction kLogKv[] = {loop<float, log_kv_f>, loop<double, log_kv_d>};
PyUFuncGenericFunction kRatio[] = {loop<float, iv_ratio_f>, loop<double, iv_ratio_d>};
PyUFuncGenericFunction kVmfLogNorm[] = {loop<float, vmf_lognorm_f>, loop<double, vmf_lognorm_d>};
PyUFuncGenericFunction kRatioC[] = {loop<float, iv_ratio_c_f>, loop<double, iv_ratio_c_d>};
PyUFuncGenericFunction kLogIvDx[] = {loop<float, log_iv_dx_f>, loop<double, log_iv_dx_d>};
PyUFuncGenericFunction kLogKvDx[] = {loop<float, log_kv_dx_f>, loop<double, log_kv_dx_d>};
PyUFuncGenericFunction kLogIvDv[] = {loop<float, log_iv_dv_f>, loop<double, log_iv_dv_d>};
PyUFuncGenericFunction kLogKvDv[] = {loop<float, log_kv_dv_f>, loop<double, log_kv_dv_d>};

py::object make_ufunc(PyUFuncGenericFunction* funcs, const char* name, const char* doc) {
    PyObject* uf = PyUFunc_FromFuncAndData(funcs, kData, kTypes, 2, 2, 1, PyUFunc_None, name, doc, 0);
    if (!uf) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(uf);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    if (_import_array() < 0) throw py::error_already_set();
    if (_import_umath() < 0) throw py::error_already_set();
    m.doc() = "logbessel CPU kernels: numpy ufuncs over the header-only math in csrc/logbessel";
    m.attr("log_iv") = make_ufunc(kLogIv, "log_iv", "log_iv(v, x): log of the modified Bessel function I_v(x).");
    m.attr("log_kv") = make_ufunc(kLogKv, "log_kv", "log_kv(v, x): log of the modified Bessel function K_v(x).");
    m.attr("iv_ratio") = make_ufunc(kRatio, "iv_ratio", "iv_ratio(v, x): I_v(x) / I_{v-1}(x).");
    m.attr("vmf_log_normalizer") = make_ufunc(kVmfLogNorm, "vmf_log_normalizer",
                                               "vmf_log_normalizer(p, kappa): log C_p(kappa) of the von Mises-Fisher density.");
    m.attr("iv_ratio_complement") = make_ufunc(kRatioC, "iv_ratio_complement",
                                                "iv_ratio_complement(v, x): 1 - I_v(x) / I_{v-1}(x).");
    m.attr("log_iv_dx") = make_ufunc(kLogIvDx, "log_iv_dx", "log_iv_dx(v, x): d/dx log I_v(x).");
    m.attr("log_kv_dx") = make_ufunc(kLogKvDx, "log_kv_dx", "log_kv_dx(v, x): d/dx log K_v(x).");
    m.attr("log_iv_dv") = make_ufunc(kLogIvDv, "log_iv_dv", "log_iv_dv(v, x): d/dv log I_v(x).");
    m.attr("log_kv_dv") = make_ufunc(kLogKvDv, "log_kv_dv", "log_kv_dv(v, x): d/dv log K_v(x).");
    m.def("num_threads", &configured_threads, "Threads used for large inputs (LOGBESSEL_NUM_THREADS).");
    m.attr("parallel_threshold") = py::int_(kParallelThreshold);
}
