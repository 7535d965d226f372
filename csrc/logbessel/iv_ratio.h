// The ratio I_v(x) / I_{v-1}(x), the mean resultant length of the von Mises-Fisher layer.
//
// Never formed as exp(log I_v - log I_{v-1}) where those logs are large. For v >= 1/2:
//   1. x < RATIO_CF_Z v: the continued fraction (DLMF 10.33.1 / Perron)
//        I_v/I_{v-1} = x / (2v + x^2 / (2(v+1) + x^2 / (2(v+2) + ...))),
//      evaluated backwards from a fixed depth (it converges geometrically, by a factor
//      of at least 64 per level, in this region).
//   2. hypot(v-1, x) < DEBYE_R_MIN (so x, v < 25): the same continued fraction from a
//      depth that grows with x (at most 38 levels), its upper levels (where each level
//      damps the error below it only weakly) and the last division in double-double.
//      (iv_ratio_complement, which needs 1 - ratio beyond double precision, takes every
//      level in double-double.)
//   3. otherwise: the difference of the two uniform
//      expansions (uniform.h), with the large terms of F(v) - F(v-1) and
//      log(r_v / r_{v-1}) rewritten so that nothing cancels:
//        r_v - r_{v-1} = (2v-1)/(r_v + r_{v-1}),
//        v A_v - (v-1) A_{v-1} = A_{v-1} + v (A_v - A_{v-1}),  A_w = asinh(w/x),
//        A_v - A_{v-1} = asinh((2v-1) / (v r_{v-1} + (v-1) r_v))       (v >= 1).
//      Here x >= RATIO_CF_Z v keeps |log ratio| below ~2.5, so exp adds little error.
// The same for 0 < v < 1/2, where I_{v-1} has negative order (iv_ratio_pos). For integer
// v <= 0 the reciprocal of the ratio at 1 - v; for other v < 0 the reflection formula
// divided through by I_{-v}, with ratios at positive orders (iv_ratio_neg):
// finite, and negative where one of I_v, I_{v-1} is.
#pragma once
#include "config.h"
#include "log_iv.h"
#include "uniform.h"

namespace logbessel {
namespace detail {

// Below x = RATIO_CF_Z v the continued fraction converges fast (about 12 terms at the
// boundary); above it |log(I_v/I_{v-1})| < 2.5, so the uniform expansions' difference,
// whose absolute error becomes the ratio's relative error, stays within a few eps.
constexpr double RATIO_CF_Z = 0.25;

// Region 1 (x < RATIO_CF_Z v): the continued fraction evaluated backwards from a fixed
// depth. Each level damps the error of the levels below by x^2 / (4 (v+j)(v+j+1)) <= 1/64
// here, so RATIO_CF_DEPTH = 12 levels leave a truncation error below 1e-21 and the result
// carries only the last few roundings.
constexpr int RATIO_CF_DEPTH = 12;

// The fraction is evaluated as t_j = c / (2 (v + j - 1) + t_{j+1}) with h = t/2 carried
// instead of t: h_j = (c/4) / ((v + j - 1) + h_{j+1}). The same roundings as with t (the
// scalings by powers of 2 are exact), but 2v cannot overflow for v up to DBL_MAX, and no
// multiplication sits in the chain of dependent divisions.
//
// The levels below the first for x < 1: half of t = x^2 / (2(v+1) + x^2 / (2(v+2) + ...)),
// so that the ratio is x / (2v + t) = (x / (v + h)) / 2.
LOGBESSEL_INLINE double iv_ratio_cf_half_tail(double v, double x) {
    const double q = 0.25 * (x * x);
    double h = 0.0;
    for (int j = RATIO_CF_DEPTH; j >= 2; --j) h = q / ((v + (j - 1)) + h);
    return h;
}

LOGBESSEL_INLINE double iv_ratio_cf(double v, double x) {
    if (x >= 1.0) {  // scaled by 1/x: no overflow of x^2
        const double xi = 1.0 / x;
        double h = 0.0;
        for (int j = RATIO_CF_DEPTH; j >= 2; --j) h = 0.25 / ((v + (j - 1)) * xi + h);
        return 0.5 / (v * xi + h);
    }
    return 0.5 * (x / (v + iv_ratio_cf_half_tail(v, x)));  // x < 1: no overflow of 2v/x
}

// Region 2: the continued fraction of region 1 from depth iv_ratio_cf_depth(x), for
// hypot(v - 1, x) < DEBYE_R_MIN, x >= RATIO_CF_Z v (any v > 0). The depth: over that
// region, the fraction from it differs from the one from depth 2000 by less than 2^-62
// relative (tools/scan_ratio_cf_depth.cpp: 325,000 points, v down to 1e-300, both in
// double-double; smallest margin 1 level; at most 34 levels needed, at x ~ 24, small v).
// iv_ratio_cf_dd evaluates it backwards from `depth`: the levels below `top` in double
// (each damps the error of the levels under it by a good factor), the upper ones (a
// factor near 1 each when x >> j) and the last division in double-double.
//  * iv_ratio: top = x/2 + 2, rounded once (measured against the ratio of the two power
//    series in double-double over 100,000 points: max 0.50 eps; all levels in double:
//    3.1 eps), about 15 times faster than that series ratio, used here before;
//  * iv_ratio_complement: 1 - ratio from the same evaluation where that is >= 1/16 in
//    magnitude (its error there: max 0.55 eps against arb, 4957 points of region 2, v from
//    1e-3 to 24); below, from all levels in double-double and 8 levels more (each damps
//    the truncation error by ~x^2/(4 depth^2) <= 0.1): against the series ratio in
//    double-double, within 1e-11 eps for v >= 1. The first is ~3 times faster
//    (v in [0.5, 20), x in [5, 15]: 748 -> 267 ns).
LOGBESSEL_INLINE int iv_ratio_cf_depth(double x) { return int(5.5 + 0.36 * x + 4.75 * sqrt(x)) + 1; }

LOGBESSEL_INLINE dd iv_ratio_cf_dd(double v, double x, int depth, int top) {
    const dd x2 = two_prod(x, x);
    double t = 0.0;
    for (int j = depth; j > top; --j) t = x2.hi / (2.0 * (v + j) + t);
    // t_j = x^2 / (2 (v + j) + t_{j+1}) in double-double: q, then the residual once
    dd T = {t, 0.0};
    for (int j = top; j >= 1; --j) {
        const dd vj = two_sum(v, double(j));
        const dd den = dd_add(dd{2.0 * vj.hi, 2.0 * vj.lo}, T);
        const double q = x2.hi / den.hi;
        const dd p = two_prod(q, den.hi);
        T = quick_two_sum(q, ((((x2.hi - p.hi) - p.lo) + x2.lo) - q * den.lo) / den.hi);
    }
    const dd den = dd_add(dd{2.0 * v, 0.0}, T);
    const double q = x / den.hi;
    const dd p = two_prod(q, den.hi);
    return quick_two_sum(q, (((x - p.hi) - p.lo) - q * den.lo) / den.hi);
}

// Region 2's ratio as a double-double (iv_ratio rounds it; iv_ratio_complement takes 1 minus it).
LOGBESSEL_INLINE dd iv_ratio_cf_deep(double v, double x) {
    const int depth = iv_ratio_cf_depth(x);
    const int top = int(0.5 * x) + 2;
    return iv_ratio_cf_dd(v, x, depth, top < depth ? top : depth);
}

// log(I_v/I_{v-1}) by the uniform expansions (region 3). Written with half of v, x and
// the r's, so that nothing overflows up to v, x = DBL_MAX (v^2 + x^2, 2v, v + r, r_v + r_w
// would); each halved quantity enters a quotient whose rounding it does not change.
LOGBESSEL_INLINE double iv_log_ratio_uniform(double v, double x) {
    const double w = v - 1.0;
    const double hv = 0.5 * v, hw = 0.5 * w, hx = 0.5 * x;
    const double hrv = hypot_pos(hv, hx);          // r_v / 2
    const double hrw = hypot_pos(fabs(hw), hx);    // r_w / 2
    const double hd = v - 0.5;                      // (2v - 1) / 2
    const double dr = (0.5 * hd) / (0.5 * hrv + 0.5 * hrw);  // r_v - r_w
    const double aw = w >= 0.0 ? asinh_ratio(hw, hx, hrw) : -asinh_ratio(-hw, hx, hrw);
    double vdA;  // v (A_v - A_w)
    if (w > 0.0) {
        const double den = hv * (hrw / hrv) + hw, y = 0.5 * ((hd / hrv) / den);
        // y < 2^-1022 (v near DBL_MAX): asinh(y) = y, and v y formed without y itself, which
        // can be subnormal there
        vdA = y < 0x1p-1022 ? (hv * (hd / hrv)) / den : v * asinh(y);
    } else {
        vdA = v * (asinh_ratio(hv, hx, hrv) - aw);  // opposite signs: no cancellation
    }
    const double dF = dr - aw - vdA;
    // -0.5 log(r_v / r_w) = -0.25 log1p((r_v^2 - r_w^2) / r_w^2)
    const double dlogr = -0.25 * log1p(0.5 * ((hd / hrw) / hrw));
    double lIv, lKv, lIw, lKw;  // r = inf (v, x near DBL_MAX): the corrections, ~1/r, are 0
    debye_log_corrections(v, 2.0 * hrv, lIv, lKv);
    debye_log_corrections(fabs(w), 2.0 * hrw, lIw, lKw);
    const double dS = lIv - lIw;
    return dF + dlogr + dS;
}

// The region (1, 2 or 3 at the top of this file) of v > 0, 0 < x < inf, v < inf: iv_ratio
// and iv_ratio_complement use the same.
LOGBESSEL_INLINE int iv_ratio_region(double v, double x) {
    if (x < RATIO_CF_Z * v) return 1;
    return hypot_pos(v - 1.0, x) < DEBYE_R_MIN ? 2 : 3;
}

// GPU key of iv_ratio and iv_ratio_complement (config.h): region r above as key
// (r + 1) * REGION_BUCKETS (IV_RATIO_KEY_*), special values and v <= 0 apart (REGION_SCALAR).
// (Buckets of x inside the deep fraction's region measured 11% slower on an H200: 4.63
// against 5.16 Gelem/s, one pass over the benchmark's inputs.) Phases: the fraction of
// fixed depth (with the special values), the deep fraction, the uniform expansions.
constexpr int IV_RATIO_KEY_CF = 2 * REGION_BUCKETS;
constexpr int IV_RATIO_KEY_DEEP = 3 * REGION_BUCKETS;
constexpr int IV_RATIO_KEY_UNIFORM = 4 * REGION_BUCKETS;
struct iv_ratio_key {
    static constexpr bool sorted = true;
    static constexpr int phases[] = {0, IV_RATIO_KEY_DEEP, IV_RATIO_KEY_UNIFORM, KEY_COUNT};
    LOGBESSEL_INLINE static int of(double v, double x) {
        if (!(v > 0.0 && x > 0.0 && v < inf_value() && x < inf_value())) return REGION_SCALAR;
        return (iv_ratio_region(v, x) + 1) * REGION_BUCKETS;
    }
};

// GPU key of d/dx log I_v(x), which is iv_ratio(v + 1, x) + v/x outside the uniform region
// (derivatives.h): the uniform region's key, else iv_ratio's at v + 1. Phases: the uniform
// expansion (with the special values), then iv_ratio's three.
struct log_iv_dx_key {
    static constexpr bool sorted = true;
    static constexpr int phases[] = {0, IV_RATIO_KEY_CF, IV_RATIO_KEY_DEEP, IV_RATIO_KEY_UNIFORM, KEY_COUNT};
    LOGBESSEL_INLINE static int of(double v, double x) {
        if (!(v >= 0.0 && x > 0.0 && v < inf_value() && x < inf_value())) return REGION_SCALAR;
        return in_uniform_region(v, x) ? REGION_UNIFORM * REGION_BUCKETS : iv_ratio_key::of(v + 1.0, x);
    }
};

// The ratio for v > 0, x >= 0 (not NaN). For 0 < v < 1/2, I_{v-1} has negative order and
// is positive, and the same methods hold: the continued fraction (I_v is the minimal
// solution of the recurrence I_{w-1} - I_{w+1} = (2w/x) I_w, which holds for every real
// w; v - 1 is never formed), and the uniform expansions' difference
// where hypot(v - 1, x) >= 24, i.e. x > 23.9: there I_{v-1} = I_{1-v} + (2/pi) sin(pi v)
// K_{1-v} differs from I_{1-v} by less than 2 e^{-2x} < 1e-20 relative.
LOGBESSEL_INLINE double iv_ratio_pos(double v, double x) {
    if (x == 0.0) return 0.0;
    if (x == inf_value()) return v == inf_value() ? nan_value() : 1.0;
    if (v == inf_value()) return 0.0;
    const int region = iv_ratio_region(v, x);
    if (region == 1) return iv_ratio_cf(v, x);
    if (region == 2) return iv_ratio_cf_deep(v, x).hi;
    return exp(iv_log_ratio_uniform(v, x));
}

// I_{v-1}(x)/I_v(x) for v >= 1, 0 < x < inf (integer orders <= 0 through I_{-n} = I_n). In
// region 1 with x < 1 directly as (2v + t)/x, the fraction turned over: the ratio itself,
// ~x/(2v), is subnormal for tiny x, and its reciprocal would lose the bits it lost.
LOGBESSEL_INLINE double iv_ratio_inverse_pos(double v, double x) {
    if (x < 1.0 && iv_ratio_region(v, x) == 1) return 2.0 * ((v + iv_ratio_cf_half_tail(v, x)) / x);
    return 1.0 / iv_ratio_pos(v, x);
}

// 1 - I_v(x)/I_{v-1}(x) for 0 < v < 1 and x >= HANKEL_COMPLEMENT_X = 20, from Hankel's expansions
// (DLMF 10.40.1, 10.40.2) instead of the uniform ones. Near v = 1/2 the complement is
// (2v - 1)/(2x) + 2 e^{-2x} + ...: the orders v and v - 1 have nearly equal squares, so
// the two uniform expansions agree to almost every digit and their difference (the
// ratio's region 3) has no relative accuracy left (measured: 500 eps at v = 1/2 + 1e-3,
// 4e8 at 1/2 + 1e-9, and -0 instead of 2e^{-2x} at v = 1/2). Here, with w = 1 - v,
// I_{v-1} = I_w + (2/pi) sin(pi v) K_w (DLMF 10.27.2), mu_u = 4u^2 and
// a_k(u) = (mu_u - 1)(mu_u - 9)...(mu_u - (2k-1)^2) / (k! 8^k):
//   I_u(x) = e^x/sqrt(2 pi x) S_u (1 + O(e^{-2x})),  S_u = sum_k (-1)^k a_k(u) / x^k,
//   K_w(x) = sqrt(pi/(2x)) e^{-x} T_w,              T_w = sum_k a_k(w) / x^k,
//   1 - I_v/I_{v-1} = (S_w - S_v + 2 sin(pi v) e^{-2x} T_w) / S_w   (+ O(e^{-2x}) relative),
// and S_w - S_v is summed with the factor 2v - 1 taken out of every term: mu_w - 1 =
// (1 - 2v)(3 - 2v), mu_v - 1 = (2v - 1)(2v + 1), so with
// q_k(u) = |(mu_u - 9)...(mu_u - (2k-1)^2)| / (k! 8^k x^k) (every factor is negative for
// 0 < u < 1),
//   S_w - S_v = (2v - 1) sum_{k>=1} ((3 - 2v) q_k(w) + (2v + 1) q_k(v)),
// a sum of positive terms. The terms fall by about k/(2x) per step; the sum stops at
// 1e-17 of itself (~25 terms at x = 24) or before the smallest term (k ~ 2x), where an
// asymptotic series is best truncated (at x = 20: 1e-16 relative, checked at 60 digits).
constexpr double HANKEL_COMPLEMENT_X = 20.0;
LOGBESSEL_INLINE double iv_ratio_complement_hankel(double v, double x) {
    const double tv = 2.0 * v - 1.0;  // exact for v >= 1/4
    const double mu_v = 4.0 * v * v;
    const double mu_w = (2.0 - 2.0 * v) * (2.0 - 2.0 * v);  // 4 (1 - v)^2
    const double cw = 3.0 - 2.0 * v, cv = 2.0 * v + 1.0;
    const double inv8x = 0.125 / x;
    double qv = inv8x, qw = inv8x;            // q_1
    double sd = cw * qw + cv * qv;            // sum of (3 - 2v) q_k(w) + (2v + 1) q_k(v)
    double sw = qw, tw = qw;                  // sum q_k(w), sum (-1)^(k-1) q_k(w)
    double sign = 1.0, last = sd;
    for (int k = 1; k < 64; ++k) {
        const double f = double(2 * k + 1) * double(2 * k + 1);
        const double step = inv8x / double(k + 1);
        qv *= (f - mu_v) * step;
        qw *= (f - mu_w) * step;
        const double t = cw * qw + cv * qv;
        if (t >= last) break;  // past the smallest term (k ~ 2x): the series diverges
        sign = -sign;
        sd += t;
        sw += qw;
        tw += sign * qw;
        if (t < 1e-17 * sd) break;
        last = t;
    }
    const double s_w = 1.0 + tv * cw * sw;  // S_w = 1 - (mu_w - 1) sum q_k(w)
    const double t_w = 1.0 - tv * cw * tw;  // T_w = 1 + (mu_w - 1) sum (-1)^(k-1) q_k(w)
    const double e = x < 400.0 ? 2.0 * sinpi(v) * exp(-2.0 * x) * t_w : 0.0;
    return (tv * sd + e) / s_w;
}

// 1 - I_v/I_{v-1} for 0 < v < inf, 0 < x < inf (see iv_ratio_complement).
// COMPLEMENT_MIXED_MIN: region 2 below this |complement| recomputes with every level of
// the fraction in double-double (above it the mixed evaluation is good to 0.55 eps; at
// 1/64 it measured 0.97 eps, at no gain in speed on the benchmark's inputs).
constexpr double COMPLEMENT_MIXED_MIN = 0.0625;
LOGBESSEL_INLINE double iv_ratio_complement_pos(double v, double x) {
    if (v == 0.5) {  // I_{1/2}/I_{-1/2} = tanh x (DLMF 10.39.1)
        const double e = exp(-2.0 * x);
        return 2.0 * e / (1.0 + e);
    }
    if (v < 1.0 && x >= HANKEL_COMPLEMENT_X) return iv_ratio_complement_hankel(v, x);
    const int region = iv_ratio_region(v, x);
    if (region == 3) return -expm1(iv_log_ratio_uniform(v, x));
    if (region == 2) {
        dd c = dd_sub(dd{1.0, 0.0}, iv_ratio_cf_deep(v, x));
        if (fabs(c.hi) >= COMPLEMENT_MIXED_MIN) return c.hi + c.lo;
        const int depth = iv_ratio_cf_depth(x) + 8;
        c = dd_sub(dd{1.0, 0.0}, iv_ratio_cf_dd(v, x, depth, depth));
        return c.hi + c.lo;
    }
    return 1.0 - iv_ratio_pos(v, x);  // x < v/4: the ratio is below ~1/8
}

// I_v/I_{v-1} for v < 0 non-integer, 0 < x < inf. With a = -v and
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

}  // namespace detail

// I_v(x)/I_{v-1}(x) for x >= 0 and every real v (negative where one of I_v, I_{v-1} is, for
// negative non-integer v). Accurate to a few eps for v > 0 and integer v; for other v < 0
// see iv_ratio_neg. NaN for NaN input or x < 0; x = 0 -> 0 for v > 0, +inf for integer
// v <= 0, -0 for other v < 0 (the limits); x = +inf -> 1.
LOGBESSEL_INLINE double iv_ratio(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    if (v > 0.0) return detail::iv_ratio_pos(v, x);
    if (v == -inf_value()) return nan_value();
    if (x == inf_value()) return 1.0;                  // I_v/I_{v-1} -> 1 as x -> inf
    // x -> 0: I_{-n}/I_{-n-1} = I_n/I_{n+1} ~ 2(n+1)/x -> +inf (n = 0 included); for other
    // v < 0 the K terms dominate, -K_a/K_{a+1} ~ -x/(2a) -> -0 (a = -v)
    if (x == 0.0) return detail::is_integer(v) ? inf_value() : -0.0;
    // integer v = -n: I_{-n}/I_{-n-1} = I_n/I_{n+1} (DLMF 10.27.1), the reciprocal of a ratio
    // of order n + 1 >= 1
    if (detail::is_integer(v)) return detail::iv_ratio_inverse_pos(1.0 - v, x);
    return detail::iv_ratio_neg(v, x);  // other v < 0
}

LOGBESSEL_INLINE float iv_ratio(float v, float x) { return float(iv_ratio(double(v), double(x))); }


// 1 - I_v(x)/I_{v-1}(x), with full relative accuracy where the ratio is close to 1 (large x):
// there it is not a difference of nearly equal numbers but -expm1 of the log ratio of the
// uniform expansions (v >= 1), Hankel's expansions with the factor 2v - 1 taken out
// (0 < v < 1), or, for x < 24, 1 minus the continued fraction in double-double (near
// v = 1/2 and x = 24, where the complement is ~2e^{-2x}, that leaves ~1e-32 absolute: up
// to 6 eps at v = 1/2 + 2^-53; v = 1/2 itself is 1 - tanh x). For v <= 0 from the
// complement at the positive order 1 - v: integer v = -n, 1 - I_n/I_{n+1} = -(1 - R)/R
// with R = I_{n+1}/I_n; other v, iv_ratio_complement_neg. x = 0 -> 1 - the
// ratio's limit, x = inf -> 0.
LOGBESSEL_INLINE double iv_ratio_complement(double v, double x) {
    if (is_nan(v) || is_nan(x) || x < 0.0) return nan_value();
    if (x > 0.0 && x != inf_value() && !is_inf(v)) {
        if (v > 0.0) return detail::iv_ratio_complement_pos(v, x);
        if (!detail::is_integer(v)) return detail::iv_ratio_complement_neg(v, x);
        const double b = 1.0 - v, c = detail::iv_ratio_complement_pos(b, x);
        if (x < 1.0 && detail::iv_ratio_region(b, x) == 1) return -c * detail::iv_ratio_inverse_pos(b, x);
        return -c / detail::iv_ratio_pos(b, x);
    }
    return 1.0 - iv_ratio(v, x);
}

LOGBESSEL_INLINE float iv_ratio_complement(float v, float x) {
    return float(iv_ratio_complement(double(v), double(x)));
}

}  // namespace logbessel
