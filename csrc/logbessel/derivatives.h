// Derivatives of log I_v(x) and log K_v(x) in the argument x and in the order v.
//
//   log_iv_dx(v, x) = d/dx log I_v(x)     log_kv_dx(v, x) = d/dx log K_v(x)
//   log_iv_dv(v, x) = d/dv log I_v(x)     log_kv_dv(v, x) = d/dv log K_v(x)
//
// Same regions as the values (v >= 0, r = sqrt(v^2 + x^2)), from the same code:
//   1. r >= DEBYE_R_MIN: the uniform expansion differentiated (uniform_deriv, uniform.h;
//      the Debye sums over dual numbers).
//   2. r < DEBYE_R_MIN:
//      d/dx log I = I_{v+1}/I_v + v/x = iv_ratio(v+1, x) + v/x         (DLMF 10.29.2)
//      d/dx log K = -(rt - v)/x, rt = x K_{v+1}/K_v (log_kv_dx_pos, log_kv.h).
//      d/dv log I = log(x/2) - psi(v+1) + d/dv log(sum_k t_k): the power series of I
//        (series.h, DLMF 10.25.2) over dual numbers in the order.
//      d/dv log K: log_kv.h's Temme series with the forward recurrence, or CF2 with the
//        Wronskian, over dual numbers in the order (log_kv_dv_small).
//
// Negative orders: K is even in v (d/dv odd, d/dx even). For I, DLMF 10.27.2,
// I_{-a} = I_a + (2/pi) sin(a pi) K_a (a = -v > 0), is differentiated (log_iv_neg_deriv):
// the result is NaN exactly where log_iv(v, x) is NaN (I_v(x) <= 0), and loses accuracy
// near the zeros of I_v, where the problem itself is ill-conditioned. At a negative
// integer order d/dv log I_v = -(d/da log I_a + 2 (-1)^n K_n/I_n) overflows for small x:
// -inf (n even) or +inf (n odd).
//
// NaN: NaN in; x < 0; v = -inf; x = v = +inf; log_iv_dx and log_iv_dv also where
// log_iv(v, x) is NaN (negative non-integer v with I_v(x) <= 0, x = 0 included). Every
// other input gives a number or a signed infinity (a true value beyond the double range,
// or the limit at x = 0 or v = inf).
//
// Special values:
//   log_iv_dx: x = 0 -> 0 (v = 0), +inf (v > 0 or negative integer), -inf (negative
//              non-integer v with sin(-v pi) > 0; NaN for the other ones);
//              x = inf -> 1; v = +inf -> +inf.
//   log_kv_dx: x = 0 -> -inf; x = inf -> -1; |v| = inf -> -inf.
//   log_iv_dv: x = 0 -> -inf (v >= 0; negative non-integer v with sin(-v pi) > 0, NaN for
//              the other ones), -inf (even negative integer v), +inf (odd);
//              x = inf -> 0; v = +inf -> -inf.
//   log_kv_dv: v = 0 -> 0; x = 0 -> sign(v) inf; x = inf -> 0; v = +-inf -> +-inf.
//
// Top of the range: in region 1 r, v^2 + x^2 and v + r are not formed where they
// overflow (uniform_deriv); max(v, x) may be anything up to DBL_MAX.
//
// Loops: every loop has a fixed bound (series and continued fractions: at most 200, 400 or
// k_ratio_cf_depth + 8 levels, Debye sums <= 19 terms, Temme's recurrence n <= 24 steps
// as r < DEBYE_R_MIN) but digamma_pos's, which adds 1 to z >= 1 until z >= 12.
#pragma once
#include "config.h"
#include "iv_ratio.h"
#include "log_iv.h"
#include "log_kv.h"
#include "series.h"
#include "tools.h"
#include "uniform.h"

namespace logbessel {
namespace detail {

// d/dv log I_v(x) for v >= 0, 0 < x, r < DEBYE_R_MIN: the power series over dual numbers in
// the order (series.h), plus the prefactor's log(x/2) - psi(v+1).
LOGBESSEL_INLINE double log_iv_dv_series(double v, double x) {
    const dual V(v, 1.0);
    dual tail;
    i_series_tail_n<1>(&V, &x, &tail);
    return ((log(x) - LN2) - digamma_pos(v + 1.0)) + tail.d / (1.0 + tail.a);
}

// ---------------------------------------------------------------------------------------
// Positive-order kernels (v >= 0 finite, 0 < x < inf).
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE double log_iv_dx_pos(double v, double x) {
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(v, x, r, 1.0, 1);
    return iv_ratio(v + 1.0, x) + v / x;
}

LOGBESSEL_INLINE double log_iv_dv_pos(double v, double x) {
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(v, x, r, 1.0, 0);
    return log_iv_dv_series(v, x);
}

LOGBESSEL_INLINE double log_kv_dv_pos(double v, double x) {
    // K is even in v: d/dv log K_v(x) = v G(x) + O(v^3), G(x) = (d^2/dv^2 K_v / K_v)(x, 0)
    // (below ~(log(2/x))^2 + 1 for x <= 1/2, below 1 for x > 1/2). The algorithms below get
    // it as a sum of O(1) terms that cancel (absolute error ~eps, as for every |v| < 1);
    // for v < 2^-400 the value itself is below 2^-380 and 0 is returned: closer to it than
    // that error, and no subnormal derivative seeds (2v, -2mu) run through ~100 levels.
    if (v < 0x1p-400) return 0.0;
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(v, x, r, -1.0, 0);
    return log_kv_dv_small(v, x);
}

// x d/dx log I_a(x) and x d/dx log K_a(x), a >= 0 finite, 0 < x < inf: finite for every
// such input (d/dx itself ~ +-a/x overflows for tiny x).
LOGBESSEL_INLINE double log_iv_dx_pos_times_x(double a, double x) {
    const double r = hypot_pos(a, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(a, x, r, 1.0, 1, true);
    return fma(x, iv_ratio(a + 1.0, x), a);
}


// Negative order v = -a (a > 0), 0 < x < inf. which = 1: d/dx log I_v (a non-integer);
// which = 0: d/dv log I_v.
//
// Integer a = n: I_{-n} = I_n, but the order derivative is not that of I_n: from
// DLMF 10.27.2 (d/da of (2/pi) sin(a pi) K_a at a = n is 2 (-1)^n K_n),
//   d/dv log I_v |_{v=-n} = -(d/da log I_a + 2 (-1)^n K_n/I_n).
// K_n/I_n overflows for small x (x < ~n/e at large n, e.g. (-138, 2.4e-9)); the true
// value is then beyond the range and the result is its signed infinity: -inf for even n,
// +inf for odd n, as scipy.special functions overflow to a signed inf. Every n >= 2^53 is
// even.
//
// Non-integer a: I_v = I_a (1 + t), t = (2/pi) sin(a pi) K_a/I_a (DLMF 10.27.2), so
//   d/dx log I_v = (Dxi + t Dxk)/(1 + t),   Dxi, Dxk = d/dx log I_a, log K_a,
//   d/dv log I_v = -(Dvi + 2 cos(a pi) K_a/I_a + t Dvk)/(1 + t),
// using d/dv = -d/da. log|t| comes from the logarithms as log_iv_neg_sin (log_iv.h) forms
// it, so that the result is NaN exactly where log_iv(v, x) is NaN (I_v(x) <= 0: sin(a pi)
// < 0 and |t| >= 1). Where |t| > 1 the fractions are divided through by t:
//   (Dxi/t + Dxk)/(1/t + 1),   -(Dvi/t + pi cot(a pi) + Dvk)/(1/t + 1)
// (2 cos(a pi) K_a/(I_a t) = pi cot(a pi); |t| > 1 needs |sin(a pi)| > ~1e-3, as
// K_a/I_a < ~750 for small a). Where |t| <= 1, K_a/I_a = |t| pi/(2 |sin(a pi)|) is finite.
// The x-derivative is formed as x d/dx (finite) and divided by x last, so a subnormal x
// gives the (possibly infinite) value and not inf * 0. Near the zeros of I_v the problem
// itself is ill-conditioned.
LOGBESSEL_INLINE double log_iv_neg_deriv(double v, double x, int which) {
    const double a = -v;
    const double li = log_iv_pos(a, x);
    const double lk = log_kv(a, x);
    if (is_integer(a)) {
        const double par = fmod(a, 2.0) == 0.0 ? 2.0 : -2.0;  // 2 (-1)^n
        return -(log_iv_dv_pos(a, x) + par * exp(lk - li));
    }
    const double s = sinpi(a);
    const double L = (log(2.0 / PI * fabs(s)) + lk) - li;  // log |t|
    if (s < 0.0 && !(L < 0.0)) return nan_value();         // I_v(x) <= 0
    const bool inv = L > 0.0;                               // then s > 0
    // |t| = c e^d: the product where e^d is in range (exp(L) would carry the absolute
    // error of L, ~eps |log c|, which is large for tiny c: 1e3 eps at a = 1e-286)
    const double c = 2.0 / PI * fabs(s), d = lk - li;
    const bool direct = fabs(d) < 700.0;
    const double tm = direct ? (inv ? exp(-d) / c : c * exp(d)) : exp(inv ? -L : L);
    const double t = s < 0.0 ? -tm : tm;  // t, or 1/t where inv
    const double den = 1.0 + t;
    if (which == 1) {
        const double dk = log_kv_dx_pos_times_x(a, x);
        if (a < 0x1p-900 && x < DEBYE_R_MIN) {
            // tiny a (c ~ 2a): t ~ 2a K_a/I_a and x d/dx log I_a ~ a + x^2/2 would lose
            // bits to the subnormal range for subnormal a; both are formed times 2^600 (t <
            // 2^-890, so not inv, and (2/pi) sin(pi a) = 2a to the last bit)
            const double sc = 0x1p600, as = a * sc;
            const double ts = direct ? 2.0 * as * exp(d) : exp(L + 600.0 * LN2);
            const double dis = fma(x * sc, iv_ratio(a + 1.0, x), as);
            return fma(ts, dk, dis) / den / x * 0x1p-600;
        }
        const double di = log_iv_dx_pos_times_x(a, x);
        return (inv ? fma(di, t, dk) : fma(t, dk, di)) / den / x;
    }
    const double ca = sinpi(a + 0.5);  // cos(a pi); a + 0.5 exact for non-integer a
    const double di = log_iv_dv_pos(a, x), dk = log_kv_dv_pos(a, x);
    const double num = inv ? fma(di, t, dk + PI * ca / s) : fma(t, dk, di) + 2.0 * ca * exp(lk - li);
    return -num / den;
}

}  // namespace detail

// d/dx log I_v(x). See the top of this file for regions and special values.
LOGBESSEL_INLINE double log_iv_dx(double v, double x) {
    // (no ordered comparison on a NaN: that would raise the invalid flag NumPy reports)
    if (is_nan(v) || is_nan(x)) return nan_value();
    if ((signbit(x) && x != 0.0) || v == -inf_value()) return nan_value();
    const bool neg_nonint = v < 0.0 && !detail::is_integer(v);
    if (v < 0.0 && !neg_nonint) v = -v;
    if (x == inf_value()) return v == inf_value() ? nan_value() : 1.0;
    if (x == 0.0) {  // ~ v/x; NaN where log_iv is (I_v < 0 near 0: sin(-v pi) < 0)
        if (neg_nonint) return detail::sinpi(-v) > 0.0 ? -inf_value() : nan_value();
        return v == 0.0 ? 0.0 : inf_value();
    }
    if (v == inf_value()) return inf_value();
    if (neg_nonint) return detail::log_iv_neg_deriv(v, x, 1);
    return detail::log_iv_dx_pos(v, x);
}

// d/dx log K_v(x) (even in v).
LOGBESSEL_INLINE double log_kv_dx(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    v = fabs(v);
    if (x == inf_value()) return v == inf_value() ? nan_value() : -1.0;
    if (x == 0.0 || v == inf_value()) return -inf_value();
    return detail::log_kv_dx_pos(v, x);
}

// d/dv log I_v(x).
LOGBESSEL_INLINE double log_iv_dv(double v, double x) {
    // (no ordered comparison on a NaN: that would raise the invalid flag NumPy reports)
    if (is_nan(v) || is_nan(x)) return nan_value();
    if ((signbit(x) && x != 0.0) || v == -inf_value()) return nan_value();
    if (x == inf_value()) return v == inf_value() ? nan_value() : 0.0;
    if (v == inf_value()) return -inf_value();
    if (x == 0.0) {  // the limits of the x > 0 results (log_iv_neg_deriv)
        if (v >= 0.0) return -inf_value();  // log(x/2) - psi(v + 1) + ...
        if (detail::is_integer(v)) return fmod(v, 2.0) == 0.0 ? -inf_value() : inf_value();
        return detail::sinpi(-v) > 0.0 ? -inf_value() : nan_value();
    }
    if (v < 0.0) return detail::log_iv_neg_deriv(v, x, 0);
    return detail::log_iv_dv_pos(v, x);
}

// d/dv log K_v(x) (odd in v).
LOGBESSEL_INLINE double log_kv_dv(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    if (v == 0.0) return 0.0;
    const double s = v < 0.0 ? -1.0 : 1.0;
    v = fabs(v);
    if (x == inf_value()) return v == inf_value() ? nan_value() : 0.0;
    if (x == 0.0 || v == inf_value()) return s * inf_value();
    return s * detail::log_kv_dv_pos(v, x);
}

LOGBESSEL_INLINE float log_iv_dx(float v, float x) { return float(log_iv_dx(double(v), double(x))); }
LOGBESSEL_INLINE float log_kv_dx(float v, float x) { return float(log_kv_dx(double(v), double(x))); }
LOGBESSEL_INLINE float log_iv_dv(float v, float x) { return float(log_iv_dv(double(v), double(x))); }
LOGBESSEL_INLINE float log_kv_dv(float v, float x) { return float(log_kv_dv(double(v), double(x))); }

}  // namespace logbessel
