// Region shared by I and K: the uniform (Debye) asymptotic expansion for large
// r = sqrt(v^2 + x^2) (DLMF 10.41.3 and 10.41.4), written in terms of r instead of v so it
// stays valid down to v = 0, where it becomes the Hankel expansion (DLMF 10.40.1-2):
//
//   log I_v(x) =  F(v, x) - log(2 pi r)/2 + sum_k L_k(q) / r^k
//   log K_v(x) = -F(v, x) + log(pi/(2 r))/2 + sum_k (-1)^k L_k(q) / r^k
//
// with q = (v/r)^2, the exponent F = v eta(x/v) = r - v asinh(v/x), and
// sum_k L_k(q) w^k = log(1 + sum_k P_k(q) w^k) the log form of the Debye series (debye.h).
#pragma once
#include "config.h"
#include "debye.h"
#include "tools.h"

namespace logbessel {
namespace detail {

// Where |F| is this many times smaller than the terms it is made of, the double evaluation
// of F would lose more than ~1 eps, so F is recomputed in double-double. The band this
// selects is x/v in about [0.3, 1.6] around the zero of eta (x/v = 0.6627...). Measured:
// a limit of 5 or 8 (a narrower band) raised the max error over the certified log I table
// from 2.1 to 3.0 and 3.8 eps; 3 keeps it at 2.1 with ~6% of the benchmark inputs in it.
constexpr double F_CANCELLATION_LIMIT = 3.0;

// asinh(v/x) for v, x > 0 with r = sqrt(v^2 + x^2), never forming an overflowing quotient.
LOGBESSEL_INLINE double asinh_ratio(double v, double x, double r) {
    if (v <= x) {
        const double a = v / x;
        return log1p(a + a * (a / (1.0 + r / x)));
    }
    if (x > v * 1e-290) return log((v + r) / x);
    return log(v + r) - log(x);
}

// The leading term of log I (sign = +1): T = F - log(2 pi r)/2, or of log K (sign = -1):
// T = -F + log(pi/(2r))/2, with F = r - v asinh(v/x) in double-double (about 1e-30
// relative to r). Near the zero of eta, F is far smaller than r; where in addition I (or K)
// is near 1, F and log(r)/2 cancel too, so log r is taken in double-double as well.
LOGBESSEL_INLINE double debye_leading_dd(double v, double x, double sign) {
    dd r2 = dd_add(two_prod(v, v), two_prod(x, x));
    dd r = dd_sqrt(r2);
    dd arg = dd_div_d(dd_add_d(r, v), x);  // (v + r)/x >= 1
    dd sF = dd_mul_d(dd_sub(r, dd_mul_d(dd_log(arg), v)), sign);  // sign * F
    const dd c = sign > 0 ? dd{-0.5 * LN_2PI, -0.5 * LN_2PI_LO} : dd{0.5 * LN_PI_2, 0.5 * LN_PI_2_LO};
    // Where the result is at least 8 times log(r)/2, the rounding of a double log(r)/2 is
    // below eps/16 of it: only near I ~ 1 (K ~ 1) is log r needed in double-double.
    const double half_log_r = 0.5 * log(r.hi);
    const double T0 = sF.hi - (half_log_r - c.hi);
    if (fabs(T0) >= 8.0 * half_log_r) return sF.hi - ((half_log_r - c.hi) - sF.lo);
    dd T = dd_add(dd_sub(sF, dd_mul_d(dd_log(r), 0.5)), c);
    return T.hi + T.lo;
}

// Leading term (see above) for v >= 0, x > 0, r = hypot(v, x): in double where F does not
// cancel, else in double-double.
LOGBESSEL_INLINE double debye_leading(double v, double x, double r, double sign) {
    const double half_log_r = 0.5 * log(r);
    const double c = sign > 0 ? -0.5 * LN_2PI : 0.5 * LN_PI_2;
    if (v == 0.0) return sign * r - (half_log_r - c);
    const double A = asinh_ratio(v, x, r);
    const double vA = v * A;
    const double F = r - vA;
    if (F_CANCELLATION_LIMIT * fabs(F) < r + vA && r < 1e150) return debye_leading_dd(v, x, sign);
    return sign * F - (half_log_r - c);
}

// The logarithms of the Debye correction factors of I (lI) and K (lK):
// lI = log(1 + sum_k u_k(p)/v^k), lK = log(1 + sum_k (-1)^k u_k(p)/v^k), summed directly in
// log form (debye.h), for v >= 0, r = hypot(v, x) >= DEBYE_R_MIN; N lanes.
template <int N>
LOGBESSEL_INLINE void debye_log_corrections_n(const double* v, const double* r, double* lI, double* lK) {
    double q[N], w[N], E[N], O[N];
    int cls = 0;
    for (int l = 0; l < N; ++l) {
        const int c = debye_class(r[l]);
        cls = c > cls ? c : cls;
        w[l] = 1.0 / r[l];
        const double p = v[l] * w[l];
        q[l] = p * p;
    }
    debye_log_sums_n<N>(cls, r, q, w, E, O);
    for (int l = 0; l < N; ++l) {
        lI[l] = E[l] + O[l];
        lK[l] = E[l] - O[l];
    }
}

LOGBESSEL_INLINE void debye_log_corrections(double v, double r, double& lI, double& lK) {
    debye_log_corrections_n<1>(&v, &r, &lI, &lK);
}

// log I_v(x) (sign = +1) or log K_v(x) (sign = -1) by the uniform expansion, N lanes
// (v >= 0, 0 < x < inf, r >= DEBYE_R_MIN).
template <int N>
LOGBESSEL_INLINE void log_bessel_uniform_n(double sign, const double* v, const double* x, double* out) {
    double r[N], lI[N], lK[N];
    for (int l = 0; l < N; ++l) r[l] = hypot_pos(v[l], x[l]);
    debye_log_corrections_n<N>(v, r, lI, lK);
    for (int l = 0; l < N; ++l) out[l] = debye_leading(v[l], x[l], r[l], sign) + (sign > 0 ? lI[l] : lK[l]);
}

template <int N>
LOGBESSEL_INLINE void log_iv_uniform_n(const double* v, const double* x, double* out) {
    log_bessel_uniform_n<N>(1.0, v, x, out);
}

template <int N>
LOGBESSEL_INLINE void log_kv_uniform_n(const double* v, const double* x, double* out) {
    log_bessel_uniform_n<N>(-1.0, v, x, out);
}

}  // namespace detail
}  // namespace logbessel
