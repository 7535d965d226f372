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
// k_ratio_cf_depth + 8 levels, Debye sums K <= 19 terms, Temme's recurrence n <= 24 steps
// as r < DEBYE_R_MIN) but digamma_pos's, which adds 1 to z >= 1 until z >= 12.
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
    // ends: z + 1 > z for z < 12, so at most 12 - floor(z) steps (z >= 1 here; a NaN z
    // fails the test at once)
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
    if (fabs(y) < 0x1p-200) return 1.0 / 3.0;  // the rest below 2^-400: no subnormal terms
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
    if (fabs(s) < 0x1p-200) return s / 3.0;  // the rest below 2^-400: no subnormal terms
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

// asinh(v/x) for v, x > 0 at any scale, up to DBL_MAX (no r = sqrt(v^2 + x^2), no v + r,
// which overflow at the top of the range): a = v/x <= 1 or b = x/v < 1 as in asinh_ratio.
LOGBESSEL_INLINE double asinh_ratio_top(double v, double x) {
    if (v <= x) {
        const double a = v / x;
        return log1p(a + a * (a / (1.0 + sqrt(fma(a, a, 1.0)))));
    }
    const double b = x / v;
    if (b >= 0x1p-500) return log((1.0 + sqrt(fma(b, b, 1.0))) / b);
    return LN2 + (log(v) - log(x));  // b^2 < 2^-1000: 1 + sqrt(1 + b^2) is 2
}

// d/dv and d/dx of log I (sign = +1) or log K (sign = -1) in region 1 (v >= 0, x > 0,
// r = hypot(v, x) >= DEBYE_R_MIN, r = inf allowed). which = 0: d/dv; which = 1: d/dx, or,
// with times_x, x d/dx (finite for every x > 0 where r is: d/dx itself ~ r/x overflows for
// tiny x). Everything but w = 1/r depends on v/x only: at the top of the range
// (r > 2^1000, where v^2 + x^2, v + r or r itself overflow) p, c and w come from v/4, x/4
// (exact but for a tiny x, whose c is below 2^-2000 and vanishes either way) and
// asinh(v/x) from asinh_ratio_top.
LOGBESSEL_INLINE double uniform_deriv(double v, double x, double r, double sign, int which,
                                      bool times_x = false) {
    const bool top = !(r <= 0x1p1000);
    const double rr = top ? hypot_pos(0.25 * v, 0.25 * x) : r;  // r, or r/4
    const double pv = top ? 0.25 * v : v;                         // so that p = pv/rr
    const double w = top ? 0.25 / rr : 1.0 / r;
    const double p = pv / rr, c = (top ? 0.25 * x : x) / rr;
    const int K = debye_terms(r);  // 0 at the top
    // Tiny p or c (v or x below 2^-400 r): p^2 and c^2 are dropped (square_or_zero); terms
    // that are linear in them vanish against the others (2^-800 relative) but in d/dv at
    // tiny p, where every term is linear in p: that sum is formed times 2^600 (p 2^600 from
    // v 2^300 / r 2^300: exact for subnormal v, no overflow for v up to DBL_MAX).
    const double q = square_or_zero(p);
    const bool tiny_p = p < 0x1p-400, tiny_c = c < 0x1p-400;
    double dq, dw, lead, scale = 1.0;
    if (which == 0) {
        const double ps = tiny_p ? pv * 0x1p300 / rr * 0x1p300 : p;
        dq = tiny_c ? 0.0 : 2.0 * ps * c * c * w;  // 2 v x^2 / r^4
        dw = -ps * w * w;                       // -v / r^3
        double ash;                             // asinh(v/x), times 2^600 where tiny_p
        if (tiny_p) ash = v * 0x1p300 / x * 0x1p300;  // v/x < 2^-399: asinh(v/x) = v/x
        else ash = v == 0.0 ? 0.0 : (top ? asinh_ratio_top(v, x) : asinh_ratio(v, x, r));
        lead = -sign * ash - 0.5 * ps * w;
        if (tiny_p) scale = 0x1p-600;
    } else {
        // d/dx: dq = -2 v^2 x / r^4, dw = -x / r^3; times x: x w = c for one w
        const double cw = times_x ? c : w;
        dq = (tiny_p || tiny_c) ? 0.0 : -2.0 * p * p * c * cw;
        dw = tiny_c ? 0.0 : -c * w * cw;
        double rx;  // r/x, or r
        if (times_x) rx = top ? 4.0 * rr : r;
        else if (!top) rx = r / x;
        else rx = v <= x ? sqrt(fma(v / x, v / x, 1.0)) : (v / x) * sqrt(fma(x / v, x / v, 1.0));
        lead = sign * rx - (tiny_c ? 0.0 : 0.5 * c * cw);
    }
    const dual S = debye_sum_dual(K, q, dq, sign * w, sign * dw);
    return (lead + S.d / (1.0 + S.a)) * scale;
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
// then the forward recurrence in rt_j = x K_{mu+j+1}/K_{mu+j}. Returns d/dv log K_v(x).
//   d/dv log K_v = d/dmu log K_mu + sum_{j<n} d/dmu log rt_j   (log K_{mu+j+1} =
//   log K_{mu+j} + log(rt_j / x)), with rt_0 = 2 sumh/sumf and
//   rt_j = x^2/rt_{j-1} + 2(mu + j), so  d log rt_j = (2 - (x^2/rt_{j-1}) d log rt_{j-1}) / rt_j.
// The recurrence carries rt_j and d log rt_j (not d rt_j): rt_0 = x K_{mu+1}/K_mu is as
// small as x itself near mu = -1/2 (K_{1/2} = K_{-1/2}), subnormal for subnormal x, where
// rt_0 and its derivative as doubles keep no significant bit; d log rt_0 =
// sumh'/sumh - sumf'/sumf does, and x^2/rt_0 = x (x sumf)/(2 sumh) (x sumf is at least
// ~x/|log x|: where it is subnormal, x^2/rt_0 < x^2 log(1/x) is far below 2(mu + 1)).
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE double k_temme_dv(double v, double x) {
    const double n = floor(v + 0.5);
    const double mu = v - n;
    const double L = LN2 - log(x);
    const dual sigma = {mu * L, L};
    const double mu2 = mu * mu;  // |mu| >= 2^-400 or 0 (log_kv_dv_pos): no subnormal square
    const dual g1 = {temme_gamma1(mu2), temme_dgamma1(mu)};
    const dual g2 = {temme_gamma2(mu2), temme_dgamma2(mu)};
    const dual MU = {mu, 1.0};
    const dual gp = 1.0 / (g2 - MU * g1);  // Gamma(1 + mu)
    const dual gm = 1.0 / (g2 + MU * g1);  // Gamma(1 - mu)
    // fact = pi mu / sin(pi mu); d fact/d mu = pi (sin y - y cos y) / sin^2 y, y = pi mu,
    // written pi y g(y) (y / sin y)^2 with g(y) = (sin y - y cos y)/y^3: no y^3 or
    // sin^2 y, which underflow (to 0/0) for |mu| below ~1e-103
    dual fact = {1.0, 0.0};
    if (mu != 0.0) {
        const double y = PI * mu, ys = y / sin(y);
        fact = {ys, PI * y * sin_minus_ycos_over_y3(y) * ys * ys};
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
    // At most 199 terms; the tests below end it after ~30 at x = 1/2 (c ~ (x^2/4)^k / k!).
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
    const double dlogf = sumf.d / sumf.a;
    double dlogk = dlogf;
    const int steps = int(n);  // n <= 24 (r < DEBYE_R_MIN)
    if (steps == 0) return dlogk;
    double dl = sumh.d / sumh.a - dlogf;            // d log rt_0
    double w = x * ((x * sumf.a) / (2.0 * sumh.a));  // x^2 / rt_0
    for (int j = 1; j <= steps; ++j) {
        dlogk += dl;
        const double rt = w + 2.0 * (mu + j);
        dl = fma(-w, dl, 2.0) / rt;
        w = x * (x / rt);
    }
    return dlogk;
}

// ---------------------------------------------------------------------------------------
// Region 2, K, x > TEMME_X_MAX: CF2 for rt = x K_{v+1}/K_v (log_kv.h, k_ratio_cf) over dual
// numbers in v, and the Wronskian log K_v = -log(rt + x I_{v+1}/I_v) - log I_v
// (DLMF 10.28.2) with the series of I and its order derivative.
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE dual k_ratio_cf_dual(double v, double x) {
    const double v2 = v * v;  // v >= 2^-400 or 0 (log_kv_dv_pos): no subnormal square
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
    if (x <= TEMME_X_MAX) return k_temme_dv(v, x);
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
        const double den = b + iv_ratio_cf_half_tail(b, x);
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

LOGBESSEL_INLINE double log_kv_dx_pos_times_x(double a, double x) {
    const double r = hypot_pos(a, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(a, x, r, -1.0, 1, true);
    return a - k_rt_small(a, x);
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
