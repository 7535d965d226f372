// log K_v(x) for every real order v and x >= 0.
//
// Regions (v >= 0 after K_{-v} = K_v, DLMF 10.27.3), r = sqrt(v^2 + x^2):
//   1. r >= DEBYE_R_MIN: uniform expansion (uniform.h, DLMF 10.41.4).
//   2a. r < DEBYE_R_MIN, x <= TEMME_X_MAX = 0.5: Temme's series (Temme 1975, J. Comput. Phys. 19, 324) for
//       K_mu, K_{mu+1} with mu = v - round(v), |mu| <= 1/2, then the forward recurrence
//       K_{n+1} = K_{n-1} + (2n/x) K_n (DLMF 10.29.1), which is stable upwards for K.
//   2b. r < DEBYE_R_MIN, x > 0.5: the continued fraction for K_{v+1}/K_v (Temme 1975;
//       Steed's CF2 in Thompson & Barnett 1987) and the Wronskian
//       I_v K_{v+1} + I_{v+1} K_v = 1/x (DLMF 10.28.2) with I_v, I_{v+1} from their power
//       series: no recurrence, so no error accumulates over the order.
#pragma once
#include "config.h"
#include "series.h"
#include "tools.h"
#include "uniform.h"

namespace logbessel {
namespace detail {

// Temme's series below, continued fraction above. Measured against arb: the series loses
// accuracy as x grows (its terms cancel: 12 eps at x = 2), the backward continued fraction
// stays within ~3 eps down to x = 0.5 but needs ~64/x levels.
constexpr double TEMME_X_MAX = 0.5;

// Region 2a. Temme's series for |mu| <= 1/2, 0 < x <= TEMME_X_MAX. Returns log K_mu(x) and
// rt = x K_{mu+1}(x) / K_mu(x) (bounded for every x > 0, unlike the ratio itself).
LOGBESSEL_INLINE void k_temme_series(double mu, double x, double& logk, double& rt) {
    const double L = LN2 - log(x);  // log(2/x) >= 0
    const double sigma = mu * L;
    const double mu2 = mu * mu;
    const double g1 = temme_gamma1(mu2);
    const double g2 = temme_gamma2(mu2);
    const double gp = 1.0 / (g2 - mu * g1);  // Gamma(1 + mu)
    const double gm = 1.0 / (g2 + mu * g1);  // Gamma(1 - mu)
    const double fact = (mu == 0.0) ? 1.0 : PI * mu / sin(PI * mu);
    // cosh and sinh from the one exponential (fewer library calls: the result then depends
    // less on the host's or the device's libm, which keeps CPU and GPU within a few eps)
    const double e = exp(sigma);
    const double ei = 1.0 / e;
    const double shc = fabs(sigma) < 0.5 ? sinhc(sigma) : 0.5 * (e - ei) / sigma;
    double f = fact * (g1 * (0.5 * (e + ei)) + g2 * shc * L);
    double p = 0.5 * e * gp;
    double q = 0.5 * ei * gm;
    double sumf = f, sumh = p;
    double c = 1.0;
    const double u = 0.25 * x * x;
    for (int k = 1; k < 200; ++k) {
        f = (k * f + p + q) / (k * k - mu2);
        p /= (k - mu);
        q /= (k + mu);
        const double h = p - k * f;
        c *= u / k;
        const double df = c * f, dh = c * h;
        sumf += df;
        sumh += dh;
        if (fabs(df) < 0.25 * DBL_EPS * sumf && fabs(dh) < 0.25 * DBL_EPS * fabs(sumh)) break;
    }
    logk = log(sumf);
    rt = 2.0 * sumh / sumf;
}

// Region 2b, first half: rt = x K_{v+1}(x) / K_v(x) for v >= -1/2, x > TEMME_X_MAX, from
//   rt = v + 1/2 + x + (v^2 - 1/4) t,   t = 1/(b_1 + a_2/(b_2 + a_3/(b_3 + ...))),
//   b_k = 2 (k + x),  a_k = v^2 - (k - 1/2)^2.
// Depth of the backward evaluation: over v in [0, 24], x in [0.5, 24] (region 2b), the
// fraction evaluated from depth max(8 + 64/x, v + 4) agrees with the one from depth 1500
// to 1e-17 relative (scanned on a grid of 1% steps in x and 0.05 in v).
LOGBESSEL_INLINE int k_ratio_cf_depth(double v, double x) {
    const double a = 8.0 + 64.0 / x, b = v + 4.0;
    return int(a > b ? a : b) + 1;
}

LOGBESSEL_INLINE double k_ratio_cf(double v, double x) {
    const double v2 = v * v;
    // t_k = 1 / (b_k + a_{k+1} t_{k+1}), evaluated from the bottom up two levels at a time:
    // with s = b_{k+1} + a_{k+2} t_{k+2},  t_k = s / (b_k s + a_{k+1}). One division per two
    // levels halves the chain of dependent divisions that bounds the speed here.
    int k = k_ratio_cf_depth(v, x) | 1;  // odd, so the pairs end at k = 1
    double t = 1.0 / (2.0 * (k + x));   // t_depth, with t_{depth+1} = 0
    for (k -= 2; k >= 1; k -= 2) {
        const double s = 2.0 * (k + 1 + x) + (v2 - (k + 1.5) * (k + 1.5)) * t;
        t = s / (2.0 * (k + x) * s + (v2 - (k + 0.5) * (k + 0.5)));
    }
    return v + 0.5 + x + (v2 - 0.25) * t;
}

// Region 2b: log K_v(x) for 0 <= v, x > TEMME_X_MAX, r < DEBYE_R_MIN, directly at order v (no
// recurrence), through the Wronskian K_v = 1 / (x I_v (K_{v+1}/K_v + I_{v+1}/I_v)):
LOGBESSEL_INLINE double log_kv_cf(double v, double x) {
    const double rt = k_ratio_cf(v, x);
    double s0, s1;
    i_series_sum_pair(v, x, s0, s1);
    const double x_rho_i = x * x / (2.0 * (v + 1.0)) * (s1 / s0);  // x I_{v+1}/I_v
    return -log(rt + x_rho_i) - log_iv_series_from_sum(v, x, s0);
}

// Region 2a: v >= 0, 0 < x <= TEMME_X_MAX: Temme's series at mu = v - round(v), then the forward
// recurrence in the bounded variable rt_j = x K_{mu+j+1}/K_{mu+j} = x^2/rt_{j-1} + 2(mu+j).
LOGBESSEL_INLINE double log_kv_temme(double v, double x, double& rt_v) {
    const double n = floor(v + 0.5);
    const double mu = v - n;
    double logk, rt;
    k_temme_series(mu, x, logk, rt);
    const int steps = int(n);
    // log K_v = log K_mu + log(prod_{j<n} rt_j) - n log x: all terms grow together for
    // x <= TEMME_X_MAX < 1 (no cancellation), and prod stays below ~1e210.
    double prod = 1.0;
    for (int j = 1; j <= steps; ++j) {
        prod *= rt;
        rt = x * x / rt + 2.0 * (mu + j);
    }
    rt_v = rt;  // x K_{v+1}/K_v
    return steps == 0 ? logk : logk + log(prod) - steps * log(x);
}

// Region 2: v >= 0, x > 0, r < DEBYE_R_MIN.
LOGBESSEL_INLINE double log_kv_small(double v, double x) {
    double rt;
    return x <= TEMME_X_MAX ? log_kv_temme(v, x, rt) : log_kv_cf(v, x);
}

}  // namespace detail

// log K_v(x): every real v (K is even in v), x >= 0. x < 0 or NaN -> NaN; x = 0 -> +inf;
// x = +inf -> -inf; |v| = inf with finite x > 0 -> +inf.
LOGBESSEL_INLINE double log_kv(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    v = fabs(v);
    if (x == 0.0) return inf_value();
    if (x == inf_value()) return v == inf_value() ? nan_value() : -inf_value();
    if (v == inf_value()) return inf_value();
    const double r = detail::hypot_pos(v, x);
    if (r >= detail::DEBYE_R_MIN) return detail::log_kv_uniform(v, x, r);
    return detail::log_kv_small(v, x);
}

LOGBESSEL_INLINE float log_kv(float v, float x) { return float(log_kv(double(v), double(x))); }

}  // namespace logbessel
