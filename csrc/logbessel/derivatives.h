// Derivatives of log I_v(x) and log K_v(x) in the argument x and in the order v.
//
//   log_iv_dx(v, x) = d/dx log I_v(x)     log_kv_dx(v, x) = d/dx log K_v(x)
//   log_iv_dv(v, x) = d/dv log I_v(x)     log_kv_dv(v, x) = d/dv log K_v(x)
//
// Same regions as the values (v >= 0, r = sqrt(v^2 + x^2)):
//   1. r >= DEBYE_R_MIN: the uniform expansions of uniform.h differentiated exactly.
//      With F = r - v asinh(v/x):  dF/dv = -asinh(v/x),  dF/dx = r/x, and
//        d/dv log I = -asinh(v/x) - v/(2 r^2) + S_I'/(1 + S_I),
//        d/dx log I =  r/x        - x/(2 r^2) + S_I'/(1 + S_I),
//      and for K: -F instead of F, S_K = sum (-1)^k P_k(q) w^k. The correction sums
//      S = sum P_k(q) w^k (q = v^2/r^2, w = 1/r) are evaluated together with their
//      derivative (forward-mode dual numbers) using P_k'(q) from deriv_coeffs.h.
//   2. r < DEBYE_R_MIN:
//      d/dx log I = I_{v+1}/I_v + v/x = iv_ratio(v+1, x) + v/x         (DLMF 10.29.2)
//      d/dx log K = -K_{v+1}/K_v + v/x = -(rt - v)/x, rt = x K_{v+1}/K_v; rt >= 2v
//        (rt = x K_{v-1}/K_v + 2v, DLMF 10.29.1), so at most one bit is lost to the
//        subtraction. rt comes from Temme's series + recurrence (x <= TEMME_X_MAX) or the
//        continued fraction CF2 (log_kv.h).
//      d/dv log I = log(x/2) - psi(v+1) + sum_k t_k (-H_k) / sum_k t_k, the power series
//        (DLMF 10.25.2) differentiated term by term, H_k = sum_{j=1..k} 1/(j+v).
//      d/dv log K: the algorithms of log_kv.h (Temme's series and the forward recurrence;
//        CF2 and the Wronskian) run over dual numbers in the order.
//
// Negative orders: K is even in v (d/dv odd, d/dx even). For I, DLMF 10.27.2,
// I_{-a} = I_a + (2/pi) sin(a pi) K_a (a = -v > 0), is differentiated: the result is NaN
// where I_v(x) <= 0 (where log I_v is NaN), and loses accuracy near the zeros of I_v,
// where the problem itself is ill-conditioned.
//
// Special values (besides NaN in, x < 0 -> NaN):
//   log_iv_dx: x = 0 -> 0 (v = 0), +inf (v > 0 or negative integer), NaN (other v < 0);
//              x = inf -> 1; v = +inf -> +inf.
//   log_kv_dx: x = 0 -> -inf; x = inf -> -1; |v| = inf -> -inf.
//   log_iv_dv: x = 0 -> -inf (v >= 0), NaN (v < 0); x = inf -> 0; v = +inf -> -inf.
//   log_kv_dv: v = 0 -> 0; x = 0 -> sign(v) inf; x = inf -> 0; v = +-inf -> +-inf.
#pragma once
#include "config.h"
#include "deriv_coeffs.h"
#include "iv_ratio.h"
#include "log_iv.h"
#include "log_kv.h"
#include "series.h"
#include "tools.h"
#include "uniform.h"

namespace logbessel {
namespace detail {

// ---------------------------------------------------------------------------------------
// Forward-mode dual numbers: a value and its derivative with respect to one parameter.
// ---------------------------------------------------------------------------------------
struct dual {
    double a, d;
};

LOGBESSEL_INLINE dual operator+(dual p, dual q) { return {p.a + q.a, p.d + q.d}; }
LOGBESSEL_INLINE dual operator-(dual p, dual q) { return {p.a - q.a, p.d - q.d}; }
LOGBESSEL_INLINE dual operator*(dual p, dual q) { return {p.a * q.a, fma(p.a, q.d, p.d * q.a)}; }
LOGBESSEL_INLINE dual operator/(dual p, dual q) {
    const double r = p.a / q.a;
    return {r, (p.d - r * q.d) / q.a};
}
LOGBESSEL_INLINE dual operator+(dual p, double c) { return {p.a + c, p.d}; }
LOGBESSEL_INLINE dual operator*(dual p, double c) { return {p.a * c, p.d * c}; }
LOGBESSEL_INLINE dual operator/(dual p, double c) { return {p.a / c, p.d / c}; }
LOGBESSEL_INLINE dual operator/(double c, dual q) {
    const double r = c / q.a;
    return {r, -r * q.d / q.a};
}

// ---------------------------------------------------------------------------------------
// Digamma psi(z), z > 0: the recurrence psi(z) = psi(z+1) - 1/z (DLMF 5.5.2) up to z >= 12,
// then the asymptotic series psi(z) ~ log z - 1/(2z) - sum_k B_2k / (2k z^2k) (DLMF 5.11.2),
// whose first omitted term is below 1e-17 there. Absolute error a few eps for z >= 1.
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE double digamma_pos(double z) {
    double shift = 0.0;
    while (z < 12.0) {
        shift += 1.0 / z;
        z += 1.0;
    }
    const double t = 1.0 / (z * z);
    // B_2k / (2k) for k = 1..7
    const double s = t * fma(fma(fma(fma(fma(fma(1.0 / 12.0, t, -691.0 / 32760.0), t, 1.0 / 132.0), t,
                                         -1.0 / 240.0), t, 1.0 / 252.0), t, -1.0 / 120.0), t,
                             1.0 / 12.0);
    return (log(z) - 0.5 / z - s) - shift;
}

// (sin y - y cos y) / y^3 for |y| <= pi/2 without cancellation: sum_n (-1)^(n+1) 2n y^(2n-2)/(2n+1)!.
LOGBESSEL_INLINE double sin_minus_ycos_over_y3(double y) {
    const double y2 = y * y;
    if (y2 > 1.0) return (sin(y) - y * cos(y)) / (y * y2);
    double term = 1.0 / 3.0, s = term;  // n = 1: 2/3! = 1/3
    for (int n = 2; n < 14; ++n) {
        term *= -y2 * n / ((n - 1.0) * (2.0 * n) * (2.0 * n + 1.0));
        s += term;
    }
    return s;
}

// d/ds [sinh(s)/s] = (s cosh s - sinh s)/s^2 = sum_{n>=1} 2n s^(2n-1)/(2n+1)!.
LOGBESSEL_INLINE double sinhc_deriv(double s) {
    if (fabs(s) >= 0.5) return (s * cosh(s) - sinh(s)) / (s * s);
    const double s2 = s * s;
    double term = s / 3.0, acc = term;
    for (int n = 2; n < 12; ++n) {
        term *= s2 * n / ((n - 1.0) * (2.0 * n) * (2.0 * n + 1.0));
        acc += term;
    }
    return acc;
}

// ---------------------------------------------------------------------------------------
// Region 1: the Debye correction sums with their derivative.
// S = sum_{k=1..K} P_k(q) (s w)^k with s = +1 (I) or -1 (K); dq, dw are the derivatives of
// q and w with respect to the parameter. Horner in w over dual numbers.
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE dual debye_sum_dual(int K, double q, double dq, double w, double dw) {
    double s = 0.0, ds = 0.0;
    for (int k = K; k >= 1; --k) {
        ds = fma(ds, w, fma(s, dw, debye_dP(k, q) * dq));
        s = fma(s, w, debye_P(k, q));
    }
    return {s * w, fma(ds, w, s * dw)};
}

// d/dv and d/dx of log I (sign = +1) or log K (sign = -1) in region 1 (v >= 0, x > 0,
// r = hypot(v, x) >= DEBYE_R_MIN). which = 0: d/dv; which = 1: d/dx.
LOGBESSEL_INLINE double uniform_deriv(double v, double x, double r, double sign, int which) {
    const int K = debye_terms(r);
    const double w = 1.0 / r;
    const double p = v / r, c = x / r;
    const double q = p * p;
    double dq, dw, lead;
    if (which == 0) {
        dq = 2.0 * p * c * c * w;  // 2 v x^2 / r^4
        dw = -p * w * w;           // -v / r^3
        lead = (v == 0.0 ? 0.0 : -sign * asinh_ratio(v, x, r)) - 0.5 * p * w;
    } else {
        dq = -2.0 * p * p * c * w;  // -2 v^2 x / r^4
        dw = -c * w * w;            // -x / r^3
        lead = sign * (r / x) - 0.5 * c * w;
    }
    const dual S = debye_sum_dual(K, q, dq, sign * w, sign * dw);
    return lead + S.d / (1.0 + S.a);
}

// ---------------------------------------------------------------------------------------
// Region 2, I: the power series with its order derivative.
// Returns sum_{k>=0} t_k (t_0 = 1) and sets dlog = d/dv log(sum) = -sum t_k H_k / sum t_k.
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE double i_series_dv(double v, double x, double& dlog) {
    const double u = 0.25 * x * x;
    double t = 1.0, s = 1.0, H = 0.0, sh = 0.0;
    for (int k = 1; k < 400; ++k) {
        const double kv = k + v;
        t *= u / (k * kv);
        H += 1.0 / kv;
        s += t;
        sh = fma(t, H, sh);
        if (t * (1.0 + H) <= 0.125 * DBL_EPS * s) break;
    }
    dlog = -sh / s;
    return s;
}

// d/dv log I_v(x) for v >= 0, 0 < x, r < DEBYE_R_MIN.
LOGBESSEL_INLINE double log_iv_dv_series(double v, double x) {
    double dlog;
    i_series_dv(v, x, dlog);
    return ((log(x) - LN2) - digamma_pos(v + 1.0)) + dlog;
}

// ---------------------------------------------------------------------------------------
// Region 2, K, x <= TEMME_X_MAX: Temme's series (as in log_kv.h) over dual numbers in mu,
// then the forward recurrence in rt_j = x K_{mu+j+1}/K_{mu+j}, also over dual numbers.
// Returns d/dv log K_v(x) and sets rt = x K_{v+1}(x)/K_v(x).
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE double k_temme_dv(double v, double x, double& rt_out) {
    const double n = floor(v + 0.5);
    const double mu = v - n;
    const double L = LN2 - log(x);
    const dual sigma = {mu * L, L};
    const double mu2 = mu * mu;
    const dual g1 = {temme_gamma1(mu2), temme_dgamma1(mu)};
    const dual g2 = {temme_gamma2(mu2), temme_dgamma2(mu)};
    const dual MU = {mu, 1.0};
    const dual gp = 1.0 / (g2 - MU * g1);  // Gamma(1 + mu)
    const dual gm = 1.0 / (g2 + MU * g1);  // Gamma(1 - mu)
    // fact = pi mu / sin(pi mu); d fact/d mu = pi (sin y - y cos y) / sin^2 y, y = pi mu
    dual fact = {1.0, 0.0};
    if (mu != 0.0) {
        const double y = PI * mu, sy = sin(y);
        fact = {y / sy, PI * y * y * y * sin_minus_ycos_over_y3(y) / (sy * sy)};
    }
    const dual ch = {cosh(sigma.a), sinh(sigma.a) * L};
    const dual shc = {sinhc(sigma.a), sinhc_deriv(sigma.a) * L};
    dual f = fact * (g1 * ch + g2 * shc * L);
    const dual e = {exp(sigma.a), exp(sigma.a) * L};
    dual p = e * gp * 0.5;
    dual q = gm / e * 0.5;
    dual sumf = f, sumh = p;
    double c = 1.0;
    const double u = 0.25 * x * x;
    for (int k = 1; k < 200; ++k) {
        const dual den = {k * k - mu2, -2.0 * mu};
        f = (f * double(k) + p + q) / den;
        p = p / dual{k - mu, -1.0};
        q = q / dual{k + mu, 1.0};
        const dual h = p - f * double(k);
        c *= u / k;
        sumf = sumf + f * c;
        sumh = sumh + h * c;
        if (fabs(c * f.a) < 0.125 * DBL_EPS * sumf.a && fabs(c * h.a) < 0.125 * DBL_EPS * fabs(sumh.a) &&
            fabs(c * f.d) < 0.125 * DBL_EPS * (fabs(sumf.d) + sumf.a) &&
            fabs(c * h.d) < 0.125 * DBL_EPS * (fabs(sumh.d) + fabs(sumh.a)))
            break;
    }
    double dlogk = sumf.d / sumf.a;
    dual rt = sumh / sumf * 2.0;  // x K_{mu+1}/K_mu
    const int steps = int(n);
    const double x2 = x * x;
    for (int j = 1; j <= steps; ++j) {
        dlogk += rt.d / rt.a;  // log K_{mu+j} = log K_{mu+j-1} + log(rt_{j-1}/x)
        rt = x2 / rt + dual{2.0 * (mu + j), 2.0};
    }
    rt_out = rt.a;
    return dlogk;
}

// ---------------------------------------------------------------------------------------
// Region 2, K, x > TEMME_X_MAX: CF2 for rt = x K_{v+1}/K_v (log_kv.h, k_ratio_cf) over dual
// numbers in v, and the Wronskian log K_v = -log(rt + x I_{v+1}/I_v) - log I_v
// (DLMF 10.28.2) with the series of I and its order derivative.
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE dual k_ratio_cf_dual(double v, double x) {
    const double v2 = v * v;
    // The value's a-priori depth (log_kv.h) plus a margin: the derivative converges a little
    // more slowly. (A convergence test on the value alone fails at half-integer v, where
    // a_k = v^2 - (k - 1/2)^2 vanishes and the value's fraction terminates but the
    // derivative's does not.)
    const int depth = k_ratio_cf_depth(v, x) + 8;
    dual t = {0.0, 0.0};
    for (int k = depth; k >= 1; --k) {
        const dual a_next = {v2 - (k + 0.5) * (k + 0.5), 2.0 * v};
        t = 1.0 / (a_next * t + 2.0 * (k + x));
    }
    const dual V = {v, 1.0};
    return V + (0.5 + x) + (V * V + (-0.25)) * t;
}

LOGBESSEL_INLINE double k_cf_dv(double v, double x) {
    const dual rt = k_ratio_cf_dual(v, x);
    double d0, d1;
    const double s0 = i_series_dv(v, x, d0);
    const double s1 = i_series_dv(v + 1.0, x, d1);
    const double xr = x * x / (2.0 * (v + 1.0)) * (s1 / s0);  // x I_{v+1}/I_v
    const double dxr = xr * ((d1 - d0) - 1.0 / (v + 1.0));
    const double dlogi = ((log(x) - LN2) - digamma_pos(v + 1.0)) + d0;
    return -(rt.d + dxr) / (rt.a + xr) - dlogi;
}

// d/dv log K_v(x), v >= 0, x > 0, r < DEBYE_R_MIN.
LOGBESSEL_INLINE double log_kv_dv_small(double v, double x) {
    if (x <= TEMME_X_MAX) {
        double rt;
        return k_temme_dv(v, x, rt);
    }
    return k_cf_dv(v, x);
}

// x K_{v+1}(x)/K_v(x), v >= 0, x > 0, r < DEBYE_R_MIN.
LOGBESSEL_INLINE double k_rt_small(double v, double x) {
    if (x <= TEMME_X_MAX) {
        double rt;
        log_kv_temme(v, x, rt);
        return rt;
    }
    return k_ratio_cf(v, x);
}

// ---------------------------------------------------------------------------------------
// Positive-order kernels (v >= 0 finite, 0 < x < inf).
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE double log_iv_dx_pos(double v, double x) {
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(v, x, r, 1.0, 1);
    return iv_ratio(v + 1.0, x) + v / x;
}

LOGBESSEL_INLINE double log_kv_dx_pos(double v, double x) {
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(v, x, r, -1.0, 1);
    return -(k_rt_small(v, x) - v) / x;
}

// I_v/I_{v-1} for v < 0 non-integer, 0 < x < inf (declared in iv_ratio.h). With a = -v and
// c = (2/pi) sin(pi a), DLMF 10.27.2 gives I_v = I_a + c K_a and I_{v-1} = I_{a+1} - c K_{a+1}.
// Divided by I_a:
//   ratio = (1 + t) / (R - t P),   t = c K_a/I_a,  R = I_{a+1}/I_a,  P = K_{a+1}/K_a,
//   1 - ratio = (-(1 - R) - t (1 + P)) / (R - t P).
// R and P are ratios at positive orders, good to a few eps (P = rt/x with rt = x K_{a+1}/K_a
// for r < 24, a/x - d/dx log K_a above: a sum of two positive terms). t = c e^{log K_a -
// log I_a}: c itself is never taken through a logarithm (at a = 6e-302 its log, -692, would
// carry 1e-13 of absolute error into t: 328 eps), so t carries the error of the logs'
// difference only, which enters multiplied by min(|t|, 1/|t|). All of it in numbers with
// an extended exponent (xdouble): t spans e^{+-1e5} and R, P leave the double range at
// tiny x (R ~ x/(2a + 2), P ~ 2a/x), while the ratio (-x/(2a) for x -> 0) does not.
// Near a zero of I_v or I_{v-1} the ratio is as ill-conditioned as the function.
struct neg_ratio_parts {
    xdouble R, P, t;
};
LOGBESSEL_INLINE neg_ratio_parts iv_ratio_neg_parts(double v, double x) {
    const double a = -v;
    neg_ratio_parts q;
    const double b = a + 1.0;
    if (x < 1.0 && iv_ratio_region(b, x) == 1) {
        // the continued fraction (iv_ratio_cf), with x/(2b + t) kept as x times 1/(2b + t)
        // where it would be subnormal
        const double den = b + 0.5 * iv_ratio_cf_tail_small(b, x);
        const double R = 0.5 * (x / den);
        q.R = R < 0x1p-1000 ? xd_mul(xd(x), xd(0.5 / den)) : xd(R);
    } else {
        q.R = xd(iv_ratio_pos(b, x));
    }
    if (!in_uniform_region(a, x)) {
        q.P = xd_div(xd(k_rt_small(a, x)), xd(x));
    } else {
        // x P = a + r + O(x/r) (uniform_deriv: d/dx log K = -r/x + O(1/r)); where r/x
        // would overflow, P = (a + r)/x to a relative O(x^2/r^2) < 2^-1000
        const double r = hypot_pos(a, x);
        if (x > r * 0x1p-1000) q.P = xd(a / x - log_kv_dx_pos(a, x));
        else q.P = xd_div(xd_norm(0.5 * a + 0.5 * r, 1), xd(x));
    }
    const double c = 2.0 / PI * sinpi(a);
    q.t = xd_mul(xd(c), xd_exp(log_kv(a, x) - log_iv_pos(a, x)));
    return q;
}

LOGBESSEL_INLINE double iv_ratio_neg(double v, double x) {
    const neg_ratio_parts q = iv_ratio_neg_parts(v, x);
    const xdouble den = xd_add(q.R, xd_neg(xd_mul(q.t, q.P)));
    return xd_value(xd_div(xd_add(xd(1.0), q.t), den));
}

LOGBESSEL_INLINE double iv_ratio_complement_neg(double v, double x) {
    const neg_ratio_parts q = iv_ratio_neg_parts(v, x);
    const double C = iv_ratio_complement_pos(1.0 - v, x);  // 1 - R, full relative accuracy
    const xdouble den = xd_add(q.R, xd_neg(xd_mul(q.t, q.P)));
    const xdouble num = xd_add(xd(C), xd_mul(q.t, xd_add(xd(1.0), q.P)));
    return -xd_value(xd_div(num, den));
}

LOGBESSEL_INLINE double log_iv_dv_pos(double v, double x) {
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(v, x, r, 1.0, 0);
    return log_iv_dv_series(v, x);
}

LOGBESSEL_INLINE double log_kv_dv_pos(double v, double x) {
    if (v == 0.0) return 0.0;  // K is even in v
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(v, x, r, -1.0, 0);
    return log_kv_dv_small(v, x);
}

// Negative order v = -a (a > 0), 0 < x < inf: I_v = I_a + c K_a, c = (2/pi) sin(a pi)
// (DLMF 10.27.2). which = 1: d/dx log I_v; which = 0: d/dv log I_v, using
// d/dv = -d/da and dc/da = 2 cos(a pi). NaN where I_v(x) <= 0.
LOGBESSEL_INLINE double log_iv_neg_deriv(double v, double x, int which) {
    const double a = -v;
    const double sa = sinpi(a);
    const double ca = (is_integer(a) ? (fmod(a, 2.0) == 0.0 ? 1.0 : -1.0) : sinpi(a + 0.5));
    const double li = log_iv_pos(a, x);
    const double lk = log_kv(a, x);
    const double m = li > lk ? li : lk;
    const double A = exp(li - m), B = exp(lk - m);
    const double den = A + (2.0 / PI) * sa * B;
    if (!(den > 0.0)) return nan_value();
    if (which == 1)
        return (A * log_iv_dx_pos(a, x) + (2.0 / PI) * sa * B * log_kv_dx_pos(a, x)) / den;
    const double num = A * log_iv_dv_pos(a, x) + B * (2.0 * ca + (2.0 / PI) * sa * log_kv_dv_pos(a, x));
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
    if (x == 0.0) {
        if (neg_nonint) return nan_value();
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
    if (x == 0.0) return v >= 0.0 ? -inf_value() : nan_value();
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
