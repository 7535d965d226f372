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

// log C_p(0) = log Gamma(p/2) - log 2 - (p/2) log pi, minus the log area of S^{p-1}. It
// crosses zero near p = 17, where its terms are ~10: for integer p <= 200, Gamma(p/2) is
// an exact product ((n-1)! or sqrt(pi) prod (j + 1/2)) and the sum is formed in
// double-double; otherwise lgamma (the terms then do not cancel).
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
    return lgamma(a) - LN2 - a * LN_PI;
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
    if (kappa < sqrt(2.0 * p) || r < detail::DEBYE_R_MIN)  // kappa^2 < 2p, without overflow
        return log_uniform - log1p(detail::i_series_tail(nu, kappa));
    using namespace detail;
    if (r > 1e150) return nu * log(nu + r) - r - (nu + 0.5) * LN_2PI + 0.5 * log(r);  // no cancellation
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
