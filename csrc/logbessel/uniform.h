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
#include "eta_coeffs.h"
#include "tools.h"

namespace logbessel {
namespace detail {

// The band where F = r - v asinh(v/x) cancels, 3 |F| < r + v asinh(v/x): there the double
// evaluation would lose more than ~1 eps. Since F/r depends on z = x/v only, the band is a
// fixed interval of z (its ends computed with mpmath), around the zero z0 = 0.6627... of
// eta. Measured: a narrower band (5 |F| or 8 |F|) raised the max error over the certified
// log I table from 2.1 to 3.0 and 3.8 eps; this one holds ~6% of the benchmark inputs.
constexpr double F_BAND_Z_MIN = 0.2576924660828759;
constexpr double F_BAND_Z_MAX = 1.1756265894793469;

LOGBESSEL_INLINE bool in_f_band(double v, double x) { return (x >= F_BAND_Z_MIN * v) & (x <= F_BAND_Z_MAX * v); }

// Whether (v, x) is in the region of the uniform expansion, r = sqrt(v^2 + x^2) >=
// DEBYE_R_MIN, decided on r^2 (no square root; v^2 + x^2 overflows to inf only where r is
// large anyway). The scalar functions and the CPU loops' classification both use it, so
// they always agree.
LOGBESSEL_INLINE bool in_uniform_region(double v, double x) {
    return fma(v, v, x * x) >= DEBYE_R_MIN * DEBYE_R_MIN;
}

// The lanes key of an input of the uniform region (config.h): the Debye class (terms),
// and the band of F apart, whose lanes take another path (log_bessel_uniform_n).
LOGBESSEL_INLINE int uniform_bucket(double v, double x) {
    return REGION_UNIFORM * REGION_BUCKETS + debye_class_r2(fma(v, v, x * x)) + (in_f_band(v, x) ? DEBYE_NCLASSES : 0);
}
// The first key of the band of F (uniform_bucket): the GPU evaluates the band in a phase of
// its own (config.h, key types).
constexpr int UNIFORM_BAND_KEY = REGION_UNIFORM * REGION_BUCKETS + DEBYE_NCLASSES;

// asinh(v/x) for v, x > 0 with r = sqrt(v^2 + x^2), never forming an overflowing quotient.
LOGBESSEL_INLINE double asinh_ratio(double v, double x, double r) {
    if (v <= x) {
        const double a = v / x;
        return log1p(a + a * (a / (1.0 + r / x)));
    }
    // (v + r)/x as 2 ((v/2 + r/2)/x): the same rounding, and v + r cannot overflow
    if (x > v * 1e-290) return log(2.0 * ((0.5 * v + 0.5 * r) / x));
    const double s = v + r;
    return (s < inf_value() ? log(s) : log(0.5 * v + 0.5 * r) + LN2) - log(x);
}

// F = v eta(z), z = x/v, inside the band: eta(z) = (z - z0) Q(z) (eta_coeffs.h), with x/v,
// z0, z - z0, v (z - z0) and Q in double-double (one division, a few fma), Q taken at x/v
// itself (its rounding z alone moved Q by up to 3e-17): F as a double-double to ~4e-19
// relative however close z is to z0, with no cancellation left.
LOGBESSEL_INLINE dd debye_exponent_band(double v, double x) {
    const double z = x / v;
    const double z_lo = fma(-z, v, x) / v;  // z + z_lo = x/v to ~1e-32
    dd d = two_sum(z, -ETA_Z0);             // z - z0
    d = quick_two_sum(d.hi, d.lo + (z_lo - ETA_Z0_LO));
    dd p = two_prod(v, d.hi);               // v (z - z0)
    p.lo = fma(v, d.lo, p.lo);
    double q_lo;
    const double q = eta_ratio(z, z_lo, q_lo);  // Q at x/v, not at its rounding z
    const dd f = two_prod(p.hi, q);
    return quick_two_sum(f.hi, f.lo + fma(p.hi, q_lo, p.lo * q));
}

// The leading term of log I (sign = +1): T = F - log(2 pi r)/2, or of log K (sign = -1):
// T = -F + log(pi/(2r))/2, plus the (small) Debye correction corr, in the band of F where
// T is small against log(r)/2 (I or K near 1: F and log(r)/2 cancel as well), given
// F = debye_exponent_band(v, x) (a double-double, ~4e-19 relative): log r as
// log(v^2 + x^2)/4 with v^2 + x^2 and its logarithm in double-double (log_lane_dd: absolute
// error ~2^-58), so T is rounded once. Branch-free (vectorizes). Needs r < ~1e150.
LOGBESSEL_INLINE double debye_leading_near_one(double v, double x, double sign, double corr, dd F) {
    const dd r2 = dd_add(two_prod(v, v), two_prod(x, x));
    const dd L = log_lane_dd(r2.hi, r2.lo);  // log r^2
    const double c = sign > 0 ? -0.5 * LN_2PI : 0.5 * LN_PI_2;
    const double c_lo = sign > 0 ? -0.5 * LN_2PI_LO : 0.5 * LN_PI_2_LO;
    const dd a = two_sum(sign * F.hi, -0.25 * L.hi);  // the quarter is exact
    const dd t = two_sum(a.hi, c);
    return t.hi + (t.lo + (a.lo + (((sign * F.lo - 0.25 * L.lo) + c_lo) + corr)));
}

// The leading term plus corr where F does not cancel (outside the band), v > 0, x > v 1e-290,
// given half_log_r = log(r)/2: branch-free, with log_lane instead of the libm calls, so that
// a loop over lanes vectorizes. asinh(v/x) (asinh_ratio_plain) is log1p(a + a (a / (1 +
// r/x))), a = v/x, for v <= x (1 + y in double-double), and log((v + r)/x) for v > x.
LOGBESSEL_INLINE double asinh_ratio_plain(double v, double x, double r) {
    const double a = v / x;
    const dd one_y = two_sum(1.0, a + a * (a / (1.0 + r / x)));
    const bool small = v <= x;
    // (v + r)/x with the sum halved first: v + r overflows for v ~ 1e308 although the
    // quotient may not (the scalings by 2 are exact)
    return log_lane(small ? one_y.hi : 2.0 * ((0.5 * v + 0.5 * r) / x), small ? one_y.lo : 0.0);
}

LOGBESSEL_INLINE double debye_leading_plain(double v, double x, double r, double half_log_r, double sign,
                                            double corr) {
    const double A = asinh_ratio_plain(v, x, r);
    const double c = sign > 0 ? -0.5 * LN_2PI : 0.5 * LN_PI_2;
    // r - v A with one rounding: v A alone overflows for v near DBL_MAX where F does not
    return sign * fma(-v, A, r) - (half_log_r - c) + corr;
}

// Leading term plus the Debye correction corr (see above), for v >= 0, x > 0,
// r = hypot(v, x): log I_v(x) (sign = +1, corr = lI) or log K_v(x) (sign = -1, corr = lK).
// The cases other than debye_leading_plain are those of debye_leading_special.
// A lane mask (1 or 0, config.h), written without ||: the lane loops use it and vectorize.
LOGBESSEL_INLINE double debye_leading_special(double v, double x, double r) {
    return double((v == 0.0) | in_f_band(v, x) | !(x > v * 1e-290) | !(r < inf_value()));
}

// The band case of debye_leading (r < inf), given F = debye_exponent_band(v, x): T = sign F
// - (log(r)/2 - c) is exact as a double-double. Where |T| is at least 8 times log(r)/2, the
// rounding of log(r)/2 stays below ~eps/16 of T, and T + corr is rounded once; nearer to
// I ~ 1 (K ~ 1), debye_leading_near_one. The two parts are also used apart, in lanes
// (log_bessel_band_n).
LOGBESSEL_INLINE double debye_band_near_one(double r, double half_log_r, double T_hi) {  // 1 or 0
    return double(fabs(T_hi) < 8.0 * half_log_r) * double(r < 1e150);
}

LOGBESSEL_INLINE dd debye_band_T(double half_log_r, double sign, dd F) {
    const double c = sign > 0 ? -0.5 * LN_2PI : 0.5 * LN_PI_2;
    return two_sum(sign * F.hi, -(half_log_r - c));
}

LOGBESSEL_INLINE double debye_leading_band(double v, double x, double r, double half_log_r, double sign,
                                           double corr, dd F) {
    const dd T = debye_band_T(half_log_r, sign, F);
    if (debye_band_near_one(r, half_log_r, T.hi) == 0.0) return T.hi + (T.lo + (sign * F.lo + corr));
    return debye_leading_near_one(v, x, sign, corr, F);
}

LOGBESSEL_INLINE double debye_leading(double v, double x, double r, double sign, double corr) {
    const double half_log_r = 0.5 * log_lane(r, 0.0);
    if (debye_leading_special(v, x, r) == 0.0) return debye_leading_plain(v, x, r, half_log_r, sign, corr);
    const double c = sign > 0 ? -0.5 * LN_2PI : 0.5 * LN_PI_2;
    if (v == 0.0) return sign * r - (half_log_r - c) + corr;
    if (!(r < inf_value())) {
        // v^2 + x^2 beyond the double range (v and x both near 1e308, so z = x/v is
        // moderate): F = v eta(z) directly, log r = log v + log1p(z^2)/2
        const double z = x / v;
        const double hl = 0.5 * (log(v) + 0.5 * log1p(z * z));
        const double F = v * (sqrt(1.0 + z * z) - asinh(1.0 / z));
        return sign * F - (hl - c) + corr;
    }
    if (in_f_band(v, x)) return debye_leading_band(v, x, r, half_log_r, sign, corr, debye_exponent_band(v, x));
    const double A = asinh_ratio(v, x, r);  // x <= v 1e-290: (v + r)/x would overflow
    return sign * fma(-v, A, r) - (half_log_r - c) + corr;
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
        q[l] = square_or_zero(p);
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

// The uniform expansion for N lanes all in the band of F (uniform_bucket sorts them apart),
// each lane as debye_leading would compute it, in vectorized loops: F from the fit (its
// pieces are one table: a gather), T, and where a lane is near I ~ 1 (K ~ 1),
// debye_leading_near_one for all lanes, then kept where needed; lanes with r = inf (v and
// x near 1e308) by debye_leading itself.
template <int N>
LOGBESSEL_INLINE void log_bessel_band_n(double sign, const double* v, const double* x, double* out) {
    double r[N], lI[N], lK[N], Fh[N], Fl[N], corr[N], near[N];
    for (int l = 0; l < N; ++l) r[l] = hypot_pos(v[l], x[l]);
    debye_log_corrections_n<N>(v, r, lI, lK);
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) {
        const dd F = debye_exponent_band(v[l], x[l]);
        Fh[l] = F.hi;
        Fl[l] = F.lo;
    }
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) {  // (a loop of its own: with the gather above, GCC's vectorizer gave up)
        const double hl = 0.5 * log_lane(r[l], 0.0);
        const dd T = debye_band_T(hl, sign, dd{Fh[l], Fl[l]});
        corr[l] = sign > 0 ? lI[l] : lK[l];
        near[l] = debye_band_near_one(r[l], hl, T.hi);
        out[l] = T.hi + (T.lo + (sign * Fl[l] + corr[l]));
    }
    if (any_lane<N>(near)) {
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            const double o = debye_leading_near_one(v[l], x[l], sign, corr[l], dd{Fh[l], Fl[l]});
            out[l] = near[l] != 0.0 ? o : out[l];
        }
    }
    for (int l = 0; l < N; ++l)
        if (!(r[l] < inf_value())) out[l] = debye_leading(v[l], x[l], r[l], sign, corr[l]);
}

// log I_v(x) (sign = +1) or log K_v(x) (sign = -1) by the uniform expansion, N lanes
// (v >= 0, 0 < x < inf, r >= DEBYE_R_MIN).
template <int N>
LOGBESSEL_INLINE void log_bessel_uniform_n(double sign, const double* v, const double* x, double* out) {
    int band = 0;
    for (int l = 0; l < N; ++l) band += int(in_f_band(v[l], x[l]));
    if (band == N) return log_bessel_band_n<N>(sign, v, x, out);
    double r[N], lI[N], lK[N], special[N];
    for (int l = 0; l < N; ++l) r[l] = hypot_pos(v[l], x[l]);
    debye_log_corrections_n<N>(v, r, lI, lK);
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) {  // every lane as if outside the band (vectorized) ...
        out[l] = debye_leading_plain(v[l], x[l], r[l], 0.5 * log_lane(r[l], 0.0), sign, sign > 0 ? lI[l] : lK[l]);
        special[l] = debye_leading_special(v[l], x[l], r[l]);
    }
    if (any_lane<N>(special))  // ... then the lanes that are not, as debye_leading does
        for (int l = 0; l < N; ++l)
            if (special[l] != 0.0) out[l] = debye_leading(v[l], x[l], r[l], sign, sign > 0 ? lI[l] : lK[l]);
}

template <int N>
LOGBESSEL_INLINE void log_iv_uniform_n(const double* v, const double* x, double* out) {
    log_bessel_uniform_n<N>(1.0, v, x, out);
}

template <int N>
LOGBESSEL_INLINE void log_kv_uniform_n(const double* v, const double* x, double* out) {
    log_bessel_uniform_n<N>(-1.0, v, x, out);
}

// ---------------------------------------------------------------------------------------
// The uniform expansion differentiated (the derivatives of derivatives.h, and K's ratio
// K_{v+1}/K_v at large r for iv_ratio at negative orders). With F = r - v asinh(v/x):
// dF/dv = -asinh(v/x), dF/dx = r/x, d/d(v, x) of -log(r)/2 = -(v, x)/(2 r^2), and the
// Debye sums' derivative from debye_log_sums_n over dual numbers in (q, w) = (v^2/r^2, 1/r):
//   d/dv log I = -asinh(v/x) - v/(2 r^2) + (E + O)',   d/dx log I = r/x - x/(2 r^2) + (E + O)',
// and for K: -F instead of F and E - O.
// ---------------------------------------------------------------------------------------

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

// Beyond this r the Debye sums' derivative is below 1e-17 of the leading terms' (the
// first term of the sums is ~1/r): it is left out.
constexpr double DEBYE_DERIV_R_MAX = 1.25e16;

// d/dv and d/dx of log I (sign = +1) or log K (sign = -1) in the uniform region (v >= 0,
// x > 0, r = hypot(v, x) >= DEBYE_R_MIN, r = inf allowed). which = 0: d/dv; which = 1:
// d/dx, or, with times_x, x d/dx (finite for every x > 0 where r is: d/dx itself ~ r/x
// overflows for tiny x). Everything but w = 1/r depends on v/x only: at the top of the
// range (r > 2^1000, where v^2 + x^2, v + r or r itself overflow) p, c and w come from v/4,
// x/4 (exact but for a tiny x, whose c is below 2^-2000 and vanishes either way) and
// asinh(v/x) from asinh_ratio_top.
// With scaled (which = 1, log_ive_dx/log_kve_dx): d/dx log I - 1 or d/dx log K + 1, the
// leading r/x replaced by r/x - 1 = a b, a = v/x, b = a/(1 + sqrt(1 + a^2)) (for a > 1:
// b = 1/(x/v + sqrt(1 + (x/v)^2)), no overflow), which keeps its relative accuracy where
// r/x is near 1.
LOGBESSEL_INLINE double uniform_deriv(double v, double x, double r, double sign, int which,
                                      bool times_x = false, bool scaled = false) {
    const bool top = !(r <= 0x1p1000);
    const double rr = top ? hypot_pos(0.25 * v, 0.25 * x) : r;  // r, or r/4
    const double pv = top ? 0.25 * v : v;                         // so that p = pv/rr
    const double w = top ? 0.25 / rr : 1.0 / r;
    const double p = pv / rr, c = (top ? 0.25 * x : x) / rr;
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
        double rx;  // r/x, or r, or r/x - 1
        if (scaled) {
            const double a = v / x, ia = x / v;
            rx = a * (a <= 1.0 ? a / (1.0 + sqrt(fma(a, a, 1.0))) : 1.0 / (ia + sqrt(fma(ia, ia, 1.0))));
        } else if (times_x) rx = top ? 4.0 * rr : r;
        else if (!top) rx = r / x;
        else rx = v <= x ? sqrt(fma(v / x, v / x, 1.0)) : (v / x) * sqrt(fma(x / v, x / v, 1.0));
        lead = sign * rx - (tiny_c ? 0.0 : 0.5 * c * cw);
    }
    double dS = 0.0;
    if (r < DEBYE_DERIV_R_MAX) {
        const dual Q(q, dq), W(w, dw);
        dual E, O;
        debye_log_sums_n<1>(debye_class(r), &r, &Q, &W, &E, &O);
        dS = E.d + sign * O.d;
    }
    return (lead + dS) * scale;
}

}  // namespace detail
}  // namespace logbessel
