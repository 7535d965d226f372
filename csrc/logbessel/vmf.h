// The von Mises-Fisher log normaliser log C_p(kappa) (Mardia & Jupp 2000, eq. 9.3.4):
//   C_p(kappa) = kappa^nu / ((2 pi)^(p/2) I_nu(kappa)),  nu = p/2 - 1.
// It lives here, beside the Bessel functions, because near its zero (kappa ~ 17 nu for
// large p) it is a small difference of terms of size nu log kappa: the uniform expansion
// of log I_nu is folded in so that log kappa drops out,
//   log C_p = nu log(nu + r) - r - (nu + 1/2) log(2 pi) + log(r)/2 - log(1 + S),
// r = sqrt(nu^2 + kappa^2), S the Debye sum of I (uniform.h), and the leading terms are
// summed in double-double.
#pragma once
#include "config.h"
#include "log_iv.h"
#include "series.h"
#include "tools.h"
#include "uniform.h"

namespace logbessel {
namespace detail {

constexpr double LN_PI = 1.1447298858494002;
constexpr double LN_PI_LO = 1.0265951162707826e-17;

// log Gamma(b) for a double-double b >= BINET_V_MIN (b < 1e290): Stirling's series
// (DLMF 5.11.1) with Binet's function (gamma_coeffs.h, absolute error below 1e-18), the
// leading terms in double-double.
LOGBESSEL_INLINE dd log_gamma_binet_dd(dd b) {
    dd t = dd_mul(dd_add_d(b, -0.5), dd_log(b));  // (b - 1/2) log b
    t = dd_sub(t, b);
    t = dd_add(t, dd{0.5 * LN_2PI, 0.5 * LN_2PI_LO});
    return dd_add_d(t, binet(b.hi));
}

// log C_p(0) = log Gamma(p/2) - log 2 - (p/2) log pi, minus the log area of S^{p-1}. It
// crosses zero near p = 17, where its terms are ~10, so the sum is formed in
// double-double: for integer p <= 200, Gamma(p/2) is an exact product ((n-1)! or sqrt(pi)
// prod (j + 1/2)); otherwise log Gamma(a) from Stirling's series at a + m >= BINET_V_MIN
// and Gamma(a) = Gamma(a + m) / (a (a + 1) ... (a + m - 1)). (Not libm's lgamma: CUDA's
// is documented to 4 ulp, which near the zero is 8 eps of the result; measured on an H200
// as an 8-eps GPU/CPU disagreement at p = 20.25.)
LOGBESSEL_INLINE double log_sphere_uniform(double p) {
    const double a = 0.5 * p;
    if (p <= 200.0 && p == floor(p)) {
        const bool half = a != floor(a);
        dd prod = {1.0, 0.0};
        for (double j = half ? 0.5 : 1.0; j < a - 0.25; j += 1.0) prod = dd_mul_d(prod, j);
        // log Gamma(a) = log(prod) (+ log(pi)/2 for half-integer a)
        const double pis = half ? a - 0.5 : a;  // power of log(pi) that remains
        dd t = dd_sub(dd_log(prod), dd_mul_d(dd{LN_PI, LN_PI_LO}, pis));
        t = dd_sub(t, dd{LN2, LN2_LO});
        return t.hi + t.lo;
    }
    if (a < 1e290) {  // a >= 1 (p >= 2)
        dd b = {a, 0.0}, prod = {1.0, 0.0};
        int m = 0;
        for (; b.hi < BINET_V_MIN; ++m) {  // at most 7 steps
            prod = dd_mul(prod, b);
            b = dd_add_d(b, 1.0);
        }
        dd t = log_gamma_binet_dd(b);
        if (m > 0) t = dd_sub(t, dd_log(prod));
        t = dd_sub(t, dd_mul_d(dd{LN_PI, LN_PI_LO}, a));
        t = dd_sub(t, dd{LN2, LN2_LO});
        return t.hi + t.lo;
    }
    // no cancellation; +inf beyond ~2.6e305 (grouped so that it is never inf - inf)
    const double la = log(a);
    return a * (la - (1.0 + LN_PI)) - 0.5 * la;
}

}  // namespace detail

// log C_p(kappa) for p >= 2, kappa >= 0 (NaN outside, or for NaN input); kappa = 0 gives
// the uniform density log Gamma(p/2) - log 2 - (p/2) log pi, kappa = inf gives -inf.
LOGBESSEL_INLINE double vmf_log_normalizer(double p, double kappa) {
    if (is_nan(p) || is_nan(kappa) || p < 2.0 || kappa < 0.0 || p == inf_value()) return nan_value();
    if (kappa == inf_value()) return -inf_value();
    const double nu = 0.5 * p - 1.0;
    const double log_uniform = detail::log_sphere_uniform(p);
    if (kappa == 0.0) return log_uniform;
    // Power series of I_nu (DLMF 10.25.2) with its leading power divided out: the factor
    // kappa^nu cancels exactly, log C_p = log C_p(0) - log(sum_k t_k). Used for small kappa
    // and wherever the uniform expansion is not (r < DEBYE_R_MIN).
    const double r = detail::hypot_pos(nu, kappa);
    // kappa^2 < 2p, without overflow of kappa^2 or of 2p
    if (kappa < (p < 1e300 ? sqrt(2.0 * p) : 1.4142135623730951 * sqrt(p)) || r < detail::DEBYE_R_MIN)
        return log_uniform - log1p(detail::i_series_tail(nu, kappa));
    using namespace detail;
    if (r > 1e150) {
        // nu log(nu + r) - r - (nu + 1/2) log(2 pi) + log(r)/2 (no cancellation), with half
        // of r and one fma, so that nu + r and r (up to sqrt(2) DBL_MAX) and nu log(...)
        // overflow only where the result does
        const double hr = hypot_pos(0.5 * nu, 0.5 * kappa);  // r/2
        const double A = (log(0.5 * nu + hr) + LN2) - LN_2PI;
        return 2.0 * fma(0.5 * nu, A, -hr) + (0.5 * (log(hr) + LN2) - 0.5 * LN_2PI);
    }
    double lI, lK;
    debye_log_corrections(nu, r, lI, lK);
    const dd rr = dd_sqrt(dd_add(two_prod(nu, nu), two_prod(kappa, kappa)));
    dd t = dd_mul_d(dd_log(dd_add_d(rr, nu)), nu);                          // nu log(nu + r)
    t = dd_sub(t, rr);                                                       // - r
    t = dd_sub(t, dd_mul_d(dd{LN_2PI, LN_2PI_LO}, nu + 0.5));                // - (nu + 1/2) log 2pi
    t = dd_add(t, dd_mul_d(dd_log(rr), 0.5));                                // + log(r)/2
    return t.hi + (t.lo - lI);
}

LOGBESSEL_INLINE float vmf_log_normalizer(float p, float kappa) {
    return float(vmf_log_normalizer(double(p), double(kappa)));
}

}  // namespace logbessel
