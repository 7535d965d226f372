// Region shared by I and K: the uniform (Debye) asymptotic expansion for large
// r = sqrt(v^2 + x^2) (DLMF 10.41.3 and 10.41.4), written in terms of r instead of v so it
// stays valid down to v = 0, where it becomes the Hankel expansion (DLMF 10.40.1-2):
//
//   log I_v(x) =  F(v, x) - log(2 pi r)/2 + log(1 + sum_k P_k(q) / r^k)
//   log K_v(x) = -F(v, x) + log(pi/(2 r))/2 + log(1 + sum_k (-1)^k P_k(q) / r^k)
//
// with q = (v/r)^2 and the exponent F = v eta(x/v) = r - v asinh(v/x).
#pragma once
#include "config.h"
#include "debye.h"
#include "tools.h"

namespace logbessel {
namespace detail {

// Where |F| is this many times smaller than the terms it is made of, the double evaluation
// of F would lose more than ~1 eps, so F is recomputed in double-double. The band this
// selects is x/v in about [0.3, 1.6] around the zero of eta (x/v = 0.6627...).
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

// F = r - v asinh(v/x), evaluated in double-double (about 1e-30 relative to r).
LOGBESSEL_INLINE double debye_exponent_dd(double v, double x) {
    dd r2 = dd_add(two_prod(v, v), two_prod(x, x));
    dd r = dd_sqrt(r2);
    dd arg = dd_div_d(dd_add_d(r, v), x);  // (v + r)/x >= 1
    dd A = dd_log(arg);
    dd F = dd_sub(r, dd_mul_d(A, v));
    return F.hi + F.lo;
}

// F(v, x) = v * eta(x/v) for v >= 0, x > 0, given r = hypot(v, x).
LOGBESSEL_INLINE double debye_exponent(double v, double x, double r) {
    if (v == 0.0) return r;
    const double A = asinh_ratio(v, x, r);
    const double vA = v * A;
    const double F = r - vA;
    if (F_CANCELLATION_LIMIT * fabs(F) < r + vA && r < 1e150) return debye_exponent_dd(v, x);
    return F;
}

// Debye correction sums for I (sI) and K (sK), v >= 0, r = hypot(v, x) >= DEBYE_R_MIN.
LOGBESSEL_INLINE void debye_corrections(double v, double r, double& sI, double& sK) {
    const int K = debye_terms(r);
    const double p = v / r;
    const double q = p * p;
    const double w = 1.0 / r;
    double E, O;
    debye_sums(K, q, w, E, O);
    sI = E + O;
    sK = E - O;
}

// log I_v(x) by the uniform expansion (v >= 0, x > 0, r >= DEBYE_R_MIN).
LOGBESSEL_INLINE double log_iv_uniform(double v, double x, double r) {
    double sI, sK;
    debye_corrections(v, r, sI, sK);
    const double F = debye_exponent(v, x, r);
    return F + (log1p(sI) - 0.5 * (log(r) + LN_2PI));
}

// log K_v(x) by the uniform expansion (v >= 0, x > 0, r >= DEBYE_R_MIN).
LOGBESSEL_INLINE double log_kv_uniform(double v, double x, double r) {
    double sI, sK;
    debye_corrections(v, r, sI, sK);
    const double F = debye_exponent(v, x, r);
    return -F + (log1p(sK) + 0.5 * (LN_PI_2 - log(r)));
}

}  // namespace detail
}  // namespace logbessel
