// Sanitizer driver: every public function of csrc/logbessel on a fuzz corpus, through the
// scalar entry points (double and float overloads) and through the lanes as the CPU ufunc
// loops run them (classify, counting sort by key, groups of 8 / 32 lanes: csrc/cpu_lanes.h,
// the code the ufunc loops call). Built with
// -fsanitize=address,undefined (tools/sanitize/run.sh); any finding aborts with a report.
//
//   driver CORPUS [N_RANDOM [SEED]]
//
// CORPUS: little-endian float64 pairs (v, x), e.g. from tools/edge_sweep.py --corpus;
// "-" for none. N_RANDOM more pairs are drawn here (bit patterns, exponents, specials).
// Besides the sanitizers' own reports, it counts lane results that differ from the scalar
// function (bits; NaNs equal) and prints a few: the lanes must reproduce it exactly.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "cpu_lanes.h"
#include "logbessel/logbessel.h"

namespace {

double log_iv_d(double v, double x) { return logbessel::log_iv(v, x); }
double log_kv_d(double v, double x) { return logbessel::log_kv(v, x); }

// The lanes as the ufunc loops run them (csrc/cpu_lanes.h), over contiguous arrays.
template <class T, double (*Scalar)(double, double), int (*Classify)(double&, double),
          void (*UniformN)(int, const double*, const double*, double*),
          void (*LoopsN)(int, const double*, const double*, double*)>
void lanes(const T* a, const T* b, T* o, size_t n) {
    const std::ptrdiff_t s = sizeof(T);
    logbessel::cpu::run_lanes<T, Scalar, Classify, UniformN, LoopsN>(
        reinterpret_cast<char*>(const_cast<T*>(a)), reinterpret_cast<char*>(const_cast<T*>(b)),
        reinterpret_cast<char*>(o), s, s, s, 0, std::ptrdiff_t(n));
}

using logbessel::cpu::kLanesLoops;
using logbessel::cpu::kLanesUniform;

template <class T>
void log_iv_lanes(const T* a, const T* b, T* o, size_t n) {
    lanes<T, log_iv_d, logbessel::detail::log_iv_classify, logbessel::detail::log_iv_region_n<kLanesUniform>,
          logbessel::detail::log_iv_loops_n<kLanesLoops>>(a, b, o, n);
}
template <class T>
void log_kv_lanes(const T* a, const T* b, T* o, size_t n) {
    lanes<T, log_kv_d, logbessel::detail::log_kv_classify, logbessel::detail::log_kv_region_n<kLanesUniform>,
          logbessel::detail::log_kv_loops_n<kLanesLoops>>(a, b, o, n);
}

// Random pairs: bit patterns, 2^e (1 + u), specials, integers, half-integers, tiny, moderate.
double wild(std::mt19937_64& g, bool sign) {
    static const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 5e-324, 2.2250738585072014e-308,
                                     1.7976931348623157e308, 0.5, 1.0, 1.5, 24.0, 1e-300, 1e300, 4.5e307, 7e307};
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double r;
    switch (g() % 8) {
        case 0: { uint64_t b = g(); std::memcpy(&r, &b, 8); return r; }
        case 1: r = std::ldexp(1.0 + u(g), int(g() % 2098) - 1074); break;
        case 2: r = special[g() % (sizeof special / sizeof *special)]; break;
        case 3: r = std::round(std::exp(u(g) * 39.0)); break;
        case 4: r = std::round(std::exp(u(g) * 34.0)) + 0.5; break;
        case 5: r = std::exp(-6.9 + 13.8 * u(g)); break;
        case 6: r = std::exp(-736.0 + 390.0 * u(g)); break;
        default: r = 30.0 * u(g);
    }
    if ((g() % 2) && (sign || g() % 32 == 0)) r = -r;
    return r;
}

bool same_bits(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    uint64_t x, y;
    std::memcpy(&x, &a, 8);
    std::memcpy(&y, &b, 8);
    return x == y;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s CORPUS|- [N_RANDOM [SEED]]\n", argv[0]);
        return 2;
    }
    std::vector<double> v, x;
    if (std::strcmp(argv[1], "-") != 0) {
        FILE* f = std::fopen(argv[1], "rb");
        if (!f) {
            std::perror(argv[1]);
            return 2;
        }
        double p[2];
        while (std::fread(p, sizeof(double), 2, f) == 2) {
            v.push_back(p[0]);
            x.push_back(p[1]);
        }
        std::fclose(f);
    }
    const size_t n_corpus = v.size();
    const long n_random = argc > 2 ? std::atol(argv[2]) : 100000;
    std::mt19937_64 g(argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1);
    for (long i = 0; i < n_random; ++i) {
        v.push_back(wild(g, true));
        x.push_back(wild(g, false));
    }
    const size_t n = v.size();
    std::printf("pairs: %zu from the corpus, %ld random\n", n_corpus, n_random);

    // scalar entry points, double and float
    using D = double (*)(double, double);
    using F = float (*)(float, float);
    struct Fn { const char* name; D d; F f; };
    const Fn fns[] = {
        {"log_iv", logbessel::log_iv, logbessel::log_iv},
        {"log_kv", logbessel::log_kv, logbessel::log_kv},
        {"iv_ratio", logbessel::iv_ratio, logbessel::iv_ratio},
        {"iv_ratio_complement", logbessel::iv_ratio_complement, logbessel::iv_ratio_complement},
        {"log_iv_dx", logbessel::log_iv_dx, logbessel::log_iv_dx},
        {"log_kv_dx", logbessel::log_kv_dx, logbessel::log_kv_dx},
        {"log_iv_dv", logbessel::log_iv_dv, logbessel::log_iv_dv},
        {"log_kv_dv", logbessel::log_kv_dv, logbessel::log_kv_dv},
        {"vmf_log_normalizer", logbessel::vmf_log_normalizer, logbessel::vmf_log_normalizer},
    };
    std::vector<double> ref_iv(n), ref_kv(n);
    std::vector<float> vf(n), xf(n);
    for (size_t i = 0; i < n; ++i) {
        vf[i] = float(v[i]);  // out of range -> +-inf (IEEE; no UB for floating types)
        xf[i] = float(x[i]);
    }
    for (size_t k = 0; k < sizeof fns / sizeof *fns; ++k) {
        const Fn& fn = fns[k];
        long nan = 0, nanf = 0;
        for (size_t i = 0; i < n; ++i) {
            const double r = fn.d(v[i], x[i]);
            if (k == 0) ref_iv[i] = r;
            if (k == 1) ref_kv[i] = r;
            nan += std::isnan(r);
            nanf += std::isnan(fn.f(vf[i], xf[i]));
        }
        std::printf("scalar %-20s done (NaN results: %ld double, %ld float)\n", fn.name, nan, nanf);
    }

    // lanes, as the ufunc loops run them (double and float)
    std::vector<double> out(n);
    std::vector<float> outf(n), reff(n);
    long mismatch = 0;
    for (int which = 0; which < 2; ++which) {
        const char* name = which ? "log_kv" : "log_iv";
        if (which) log_kv_lanes<double>(v.data(), x.data(), out.data(), n);
        else log_iv_lanes<double>(v.data(), x.data(), out.data(), n);
        const std::vector<double>& ref = which ? ref_kv : ref_iv;
        long bad = 0;
        for (size_t i = 0; i < n; ++i) {
            if (!same_bits(out[i], ref[i])) {
                if (bad < 5)
                    std::printf("  lanes != scalar: %s(%.17g, %.17g) = %.17g, scalar %.17g\n", name, v[i], x[i],
                                out[i], ref[i]);
                ++bad;
            }
        }
        if (which) log_kv_lanes<float>(vf.data(), xf.data(), outf.data(), n);
        else log_iv_lanes<float>(vf.data(), xf.data(), outf.data(), n);
        for (size_t i = 0; i < n; ++i) {
            const float s = which ? logbessel::log_kv(vf[i], xf[i]) : logbessel::log_iv(vf[i], xf[i]);
            if (!same_bits(double(outf[i]), double(s))) {
                if (bad < 5)
                    std::printf("  lanes != scalar (float): %s(%.9g, %.9g) = %.9g, scalar %.9g\n", name, vf[i],
                                xf[i], outf[i], s);
                ++bad;
            }
        }
        std::printf("lanes  %-20s done, %ld differ from the scalar function\n", name, bad);
        mismatch += bad;
    }
    std::printf("finished: no sanitizer finding; %ld lane/scalar differences\n", mismatch);
    return mismatch ? 1 : 0;
}
