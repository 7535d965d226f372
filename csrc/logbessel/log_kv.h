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

// Region 2a. Temme's series for |mu| <= 1/2, 0 < x <= TEMME_X_MAX, N lanes. Returns the
// two sums, sf = K_mu(x) and sh = x K_{mu+1}(x) / 2 (both normal numbers for every x > 0,
// subnormal x included: |mu log(2/x)| <= 373), whose quotient 2 sh / sf = x K_{mu+1}/K_mu
// can underflow (it is ~x for mu near -1/2). T is double, or dual (tools.h) for the order
// derivative (mu then carries d mu = 1, and every quantity its derivative in mu).
template <int N, class T>
LOGBESSEL_INLINE void k_temme_series_n(const T* mu, const double* x, T* sf, T* sh) {
    T f[N], p[N], q[N], sumf[N], sumh[N], mu2[N];
    double c[N], u[N];
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) {  // vectorized: log_lane, exp_lane and pi_m_over_sinpi, no libm
        const double L = LN2 - log_lane_any(x[l]);  // log(2/x) >= 0
        const T sigma = mu[l] * L;
        mu2[l] = square_or_zero(mu[l]);
        const T g1 = temme_gamma1(mu2[l]);
        const T g2 = temme_gamma2(mu2[l]);
        const T gp = 1.0 / (g2 - mu[l] * g1);  // Gamma(1 + mu)
        const T gm = 1.0 / (g2 + mu[l] * g1);  // Gamma(1 - mu)
        const T fact = pi_m_over_sinpi(mu[l]);
        // cosh and sinh from the one exponential
        const T e = exp_lane(sigma);
        const T ei = 1.0 / e;
        const T shc = fabs(value_of(sigma)) < 0.5 ? sinhc_small(sigma) : 0.5 * (e - ei) / sigma;
        f[l] = fact * (g1 * (0.5 * (e + ei)) + g2 * shc * L);
        p[l] = 0.5 * e * gp;
        q[l] = 0.5 * ei * gm;
        sumf[l] = f[l];
        sumh[l] = p[l];
        c[l] = 1.0;
        u[l] = 0.25 * x[l] * x[l];
    }
    double live[N];
    T resf[N], resh[N];
    for (int l = 0; l < N; ++l) {
        live[l] = 1.0;
        resf[l] = sumf[l];
        resh[l] = sumh[l];
    }
    for (int k = 1; k < 200; ++k) {
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            // one division: 1/(k - mu) = (k + mu) D and 1/(k + mu) = (k - mu) D
            const T D = 1.0 / (k * k - mu2[l]);
            f[l] = (k * f[l] + p[l] + q[l]) * D;
            p[l] *= (k + mu[l]) * D;
            q[l] *= (k - mu[l]) * D;
            c[l] *= u[l] / k;
            const T df = c[l] * f[l], dh = c[l] * (p[l] - k * f[l]);
            sumf[l] += df;
            sumh[l] += dh;
            if (N > 1) {  // one lane: sumf, sumh at the end
                resf[l] = select_lane(live[l], sumf[l], resf[l]);
                resh[l] = select_lane(live[l], sumh[l], resh[l]);
            }
            live[l] *= double(term_counts(df, sumf[l], 0.25 * DBL_EPS) | term_counts(dh, sumh[l], 0.25 * DBL_EPS));
        }
        if (lanes_done<N>(k, live)) break;
    }
    for (int l = 0; l < N; ++l) {
        sf[l] = N > 1 ? resf[l] : sumf[l];
        sh[l] = N > 1 ? resh[l] : sumh[l];
    }
}

// Region 2b, first half: rt = x K_{v+1}(x) / K_v(x) for v >= -1/2, x > TEMME_X_MAX, from
//   rt = v + 1/2 + x + (v^2 - 1/4) t,   t = 1/(b_1 + a_2/(b_2 + a_3/(b_3 + ...))),
//   b_k = 2 (k + x),  a_k = v^2 - (k - 1/2)^2.
// Depth of the backward evaluation: over v in [0, 24], x in [0.5, 24] (region 2b), the
// fraction from depth max(8 + 64/(x + 0.08 v), v + 5) + 1 differs from the one from depth
// 1501 by less than 2^-62 relative (tools/scan_k_cf_depth.cpp: 415,000 points, both in
// double-double; smallest margin 1 level). The v term in the denominator: the fraction
// converges faster as v grows (needed at x = 0.5: 126 levels for v = 0, 29 for v = 10);
// over the scan the mean depth fell from 44 to 32 (24 would do).
// (At most 8 + 64/0.5 + 1 = 137 levels: x > TEMME_X_MAX and v < DEBYE_R_MIN here.)
LOGBESSEL_INLINE int k_ratio_cf_depth(double v, double x) {
    const double a = 8.0 + 64.0 / (x + 0.08 * v), b = v + 5.0;
    return int(a > b ? a : b) + 1;
}

// Levels added to k_ratio_cf_depth for a derivative: it converges a little more slowly
// than the value (at half-integer v, where a_k = v^2 - (k - 1/2)^2 vanishes, the value's
// fraction terminates and the derivative's does not).
LOGBESSEL_INLINE int k_ratio_cf_extra(double) { return 0; }
LOGBESSEL_INLINE int k_ratio_cf_extra(dual) { return 8; }

// T is double, or dual (tools.h) for the order derivative. With rest: also rest = rt - v - x
// = 1/2 + (v^2 - 1/4) t, without the rounding of rt (log_kve_dx: d/dx log K + 1 = -rest/x).
template <int N, class T>
LOGBESSEL_INLINE void k_ratio_cf_n(const T* v, const double* x, T* rt, T* rest = nullptr) {
    // t_k = 1 / (b_k + a_{k+1} t_{k+1}), evaluated from the bottom up two levels at a time:
    // with s = b_{k+1} + a_{k+2} t_{k+2},  t_k = s / (b_k s + a_{k+1}). One division per two
    // levels halves the chain of dependent divisions that bounds the speed here. Each lane
    // starts at its own (odd) depth; the loop runs from the deepest.
    int top = 1, start[N];
    T v2[N], t[N];
    for (int l = 0; l < N; ++l) {
        start[l] = (k_ratio_cf_depth(value_of(v[l]), x[l]) + k_ratio_cf_extra(v[l])) | 1;  // odd: pairs end at k = 1
        top = start[l] > top ? start[l] : top;
        v2[l] = square_or_zero(v[l]);
        t[l] = 1.0 / (2.0 * (start[l] + x[l]));  // t_depth, with t_{depth+1} = 0
    }
    for (int k = top - 2; k >= 1; k -= 2) {
        const double c1 = (k + 1.5) * (k + 1.5), c0 = (k + 0.5) * (k + 0.5);
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            const T s = 2.0 * (k + 1 + x[l]) + (v2[l] - c1) * t[l];
            const T tn = s / (2.0 * (k + x[l]) * s + (v2[l] - c0));
            t[l] = k < start[l] ? tn : t[l];
        }
    }
    for (int l = 0; l < N; ++l) rt[l] = v[l] + 0.5 + x[l] + (v2[l] - 0.25) * t[l];
    if (rest)
        for (int l = 0; l < N; ++l) rest[l] = 0.5 + (v2[l] - 0.25) * t[l];
}

LOGBESSEL_INLINE double k_ratio_cf(double v, double x) {
    double rt;
    k_ratio_cf_n<1>(&v, &x, &rt);
    return rt;
}

// -log(w) - (li + li_lo), with log w in double-double and the sum rounded once (near K ~ 1
// the two logarithms cancel); for a dual w and li, the derivative -w'/w - li'.
LOGBESSEL_INLINE double k_wronskian_log(double w, double li, double li_lo) {
    const dd Lw = log_lane_dd(w, 0.0);
    const dd t = two_sum(-Lw.hi, -li);
    return t.hi + (t.lo - (Lw.lo + li_lo));
}
// The same plus a shift, in the double-double sum before the rounding (log_kve: + x).
LOGBESSEL_INLINE double k_wronskian_log(double w, double li, double li_lo, double shift) {
    const dd Lw = log_lane_dd(w, 0.0);
    const dd t = two_sum(-Lw.hi, -li);
    const dd u = two_sum(t.hi, shift);
    return u.hi + ((u.lo + t.lo) - (Lw.lo + li_lo));
}
LOGBESSEL_INLINE dual k_wronskian_log(dual w, dual li, double li_lo) {
    return {k_wronskian_log(w.a, li.a, li_lo), -w.d / w.a - li.d};
}
LOGBESSEL_INLINE dual k_wronskian_log(dual w, dual li, double li_lo, double shift) {
    return {k_wronskian_log(w.a, li.a, li_lo, shift), -w.d / w.a - li.d};
}

// Region 2b: log K_v(x) for 0 <= v, x > TEMME_X_MAX, r < DEBYE_R_MIN, directly at order v (no
// recurrence), through the Wronskian K_v = 1 / (x I_v (K_{v+1}/K_v + I_{v+1}/I_v)), N lanes.
// T is double, or dual (tools.h) for the order derivative. With shift (doubles only): out
// is log K_v(x) + shift[l], the shift added before the one rounding (log_kve: shift = x).
template <int N, class T>
LOGBESSEL_INLINE void log_kv_cf_n(const T* v, const double* x, T* out, const double* shift = nullptr) {
    T rt[N], s0[N], s1[N], li[N];
    double li_lo[N];
    k_ratio_cf_n<N>(v, x, rt);
    i_series_sum_pair_n<N>(v, x, s0, s1);
    log_iv_series_from_sum_dd_n<N>(v, x, s0, li, li_lo);
    T w[N];
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) w[l] = rt[l] + x[l] * x[l] / (2.0 * (v[l] + 1.0)) * (s1[l] / s0[l]);
    if (shift) {
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) out[l] = k_wronskian_log(w[l], li[l], li_lo[l], shift[l]);
    } else {  // -log(rt + x I_{v+1}/I_v) - log I_v
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) out[l] = k_wronskian_log(w[l], li[l], li_lo[l]);
    }
}

// Region 2a: v >= 0, 0 < x <= TEMME_X_MAX: Temme's series at mu = v - round(v), then the
// forward recurrence in the bounded variable rt_j = x K_{mu+j+1}/K_{mu+j} = x^2/rt_{j-1} +
// 2(mu+j), N lanes (each lane stops its recurrence at its own order). rt_v = x K_{v+1}/K_v.
// With n = v - mu >= 1 steps, x^n K_v = (x K_{mu+1}) prod_{1<=j<n} rt_j, so
//   log K_v = log(2 sh) + log(prod_{1<=j<n} rt_j) - n log x,
// every factor >= 1 (rt_j >= 2(mu + j) >= 1 for j >= 1) and no quotient formed: rt_0 =
// 2 sh / sf, which underflows for subnormal x (it is ~x near mu = -1/2), is never a factor,
// and its use x^2/rt_0 in the first step is x (x sf / (2 sh)) = x K_mu/K_{mu+1}.
// T is double, or dual (tools.h) for the order derivative: the derivative of each factor
// comes with it, and log of a dual gives d log = d/value (log_lane).
template <int N, class T>
LOGBESSEL_INLINE void log_kv_temme_n(const T* v, const double* x, T* out, T* rt_v) {
    T mu[N], sf[N], sh[N], rt[N], prod[N];
    int steps[N], most = 0;
    for (int l = 0; l < N; ++l) {
        const double n = floor(value_of(v[l]) + 0.5);
        mu[l] = v[l] - n;
        steps[l] = int(n);
        most = steps[l] > most ? steps[l] : most;
        prod[l] = 1.0;
    }
    k_temme_series_n<N>(mu, x, sf, sh);
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) {  // rt_1 (lanes with n >= 1), or rt_0 (n = 0)
        const T first = x[l] * ((x[l] / (2.0 * sh[l])) * sf[l]) + 2.0 * (mu[l] + 1.0);
        rt[l] = steps[l] >= 1 ? first : 2.0 * sh[l] / sf[l];
    }
    // prod stays below ~1e210 for v < DEBYE_R_MIN (x <= TEMME_X_MAX < 1: all terms of the
    // sum above grow together, no cancellation). The loop ends: most <= DEBYE_R_MIN = 24 in
    // this region (the classification sends r >= 24, and NaN and inf, elsewhere).
    for (int j = 2; j <= most; ++j) {
        LOGBESSEL_LANES
        for (int l = 0; l < N; ++l) {
            const bool on = j <= steps[l];
            const T next = x[l] * x[l] / rt[l] + 2.0 * (mu[l] + j);
            prod[l] = on ? prod[l] * rt[l] : prod[l];
            rt[l] = on ? next : rt[l];
        }
    }
    LOGBESSEL_LANES
    for (int l = 0; l < N; ++l) {
        rt_v[l] = rt[l];
        const double n = steps[l];
        const T lead = log_lane(steps[l] >= 1 ? 2.0 * sh[l] : sf[l], 0.0);  // prod = 1 for n <= 1
        out[l] = lead + log_lane(prod[l], 0.0) - n * log_lane_any(x[l]);
    }
}

LOGBESSEL_INLINE double log_kv_temme(double v, double x, double& rt_v) {
    double out;
    log_kv_temme_n<1>(&v, &x, &out, &rt_v);
    return out;
}

// The regions of log K for v >= 0, 0 < x < inf, v < inf (REGION_* in config.h).
LOGBESSEL_INLINE int log_kv_region(double v, double x) {
    if (in_uniform_region(v, x)) return REGION_UNIFORM;
    return x <= TEMME_X_MAX ? REGION_TEMME : REGION_CF;
}

// log K for N lanes of one region other than the uniform one (the CPU loops run those
// with more lanes), and of any region (v >= 0, 0 < x < inf, v < inf).
template <int N>
LOGBESSEL_INLINE void log_kv_loops_n(int region, const double* v, const double* x, double* out) {
    if (region == REGION_TEMME) {
        double rt[N];
        log_kv_temme_n<N>(v, x, out, rt);
    } else {
        log_kv_cf_n<N>(v, x, out);
    }
}

template <int N>
LOGBESSEL_INLINE void log_kv_region_n(int region, const double* v, const double* x, double* out) {
    if (region == REGION_UNIFORM) log_kv_uniform_n<N>(v, x, out);
    else log_kv_loops_n<N>(region, v, x, out);
}

// Lanes of the public log_kv (any input): region * REGION_BUCKETS + bucket (config.h), with
// the order folded to v >= 0, or REGION_SCALAR where the scalar function answers directly.
LOGBESSEL_INLINE int log_kv_classify(double& v, double x) {
    if (is_nan(v) || is_nan(x) || x <= 0.0 || x == inf_value() || is_inf(v)) return REGION_SCALAR;
    v = fabs(v);
    if (in_uniform_region(v, x)) return uniform_bucket(v, x);
    if (x <= TEMME_X_MAX) return REGION_TEMME * REGION_BUCKETS + int(v) / 2;  // recurrence steps
    // levels ~ 64/x, series terms ~ x (x in (0.5, 24): buckets 0 .. 11); the form of the
    // series prefactor (series.h)
    return REGION_CF * REGION_BUCKETS + half_octave(x) + 2 + (v < BINET_V_MIN ? 0 : 16);
}

// GPU key of log K and of the functions with its regions (config.h). Phases: the uniform
// expansion (with the special values), its band of F, Temme's series, the continued
// fraction.
struct log_kv_key {
    static constexpr bool sorted = true;
    static constexpr int phases[] = {0, UNIFORM_BAND_KEY, REGION_TEMME * REGION_BUCKETS, REGION_CF * REGION_BUCKETS,
                                     KEY_COUNT};
    LOGBESSEL_INLINE static int of(double v, double x) { return log_kv_classify(v, x); }
};

// ---------------------------------------------------------------------------------------
// K's ratio and its derivatives in x and v (v >= 0 finite, 0 < x < inf), from the same
// algorithms (derivatives.h; iv_ratio.h at negative orders).
// ---------------------------------------------------------------------------------------

// x K_{v+1}(x)/K_v(x), v >= 0, x > 0, r < DEBYE_R_MIN.
LOGBESSEL_INLINE double k_rt_small(double v, double x) {
    if (x <= TEMME_X_MAX) {
        double rt;
        log_kv_temme(v, x, rt);
        return rt;
    }
    return k_ratio_cf(v, x);
}

// d/dx log K_v(x) = -K_{v+1}/K_v + v/x = -(rt - v)/x (DLMF 10.29.2), rt = x K_{v+1}/K_v >= 2v
// (rt = x K_{v-1}/K_v + 2v, DLMF 10.29.1), so at most one bit is lost to the subtraction.
LOGBESSEL_INLINE double log_kv_dx_pos(double v, double x) {
    const double r = hypot_pos(v, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(v, x, r, -1.0, 1);
    return -(k_rt_small(v, x) - v) / x;
}

// x d/dx log K_a(x), finite for every x > 0 (d/dx itself ~ -a/x overflows for tiny x).
LOGBESSEL_INLINE double log_kv_dx_pos_times_x(double a, double x) {
    const double r = hypot_pos(a, x);
    if (r >= DEBYE_R_MIN) return uniform_deriv(a, x, r, -1.0, 1, true);
    return a - k_rt_small(a, x);
}

// d/dv log K_v(x), v >= 0, x > 0, r < DEBYE_R_MIN: Temme's series and the recurrence, or the
// continued fraction and the Wronskian, over dual numbers in the order.
LOGBESSEL_INLINE double log_kv_dv_small(double v, double x) {
    const dual V(v, 1.0);
    dual out;
    if (x <= TEMME_X_MAX) {
        dual rt;
        log_kv_temme_n<1>(&V, &x, &out, &rt);
    } else {
        log_kv_cf_n<1>(&V, &x, &out);
    }
    return out.d;
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
    double out;
    detail::log_kv_region_n<1>(detail::log_kv_region(v, x), &v, &x, &out);
    return out;
}

LOGBESSEL_INLINE float log_kv(float v, float x) { return float(log_kv(double(v), double(x))); }

}  // namespace logbessel
