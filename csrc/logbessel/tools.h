// Shared numerical tools: double-double arithmetic, sin(pi x), 1/Gamma, small helpers.
#pragma once
#include "config.h"
#include "gamma_coeffs.h"
#include "log_table.h"

namespace logbessel {
namespace detail {

// ---------------------------------------------------------------------------------------
// Double-double arithmetic (Dekker 1971; Shewchuk 1997): a value hi + lo with |lo| <=
// ulp(hi)/2, about 106 bits. Used only where a difference of large terms cancels (the
// Debye exponent v*eta near its zero, the series prefactor), never in the common path.
// ---------------------------------------------------------------------------------------
struct dd {
    double hi, lo;
};

LOGBESSEL_INLINE dd two_sum(double a, double b) {
    double s = a + b;
    double bb = s - a;
    double e = (a - (s - bb)) + (b - bb);
    return {s, e};
}

LOGBESSEL_INLINE dd quick_two_sum(double a, double b) {  // requires |a| >= |b|
    double s = a + b;
    return {s, b - (s - a)};
}

LOGBESSEL_INLINE dd two_prod(double a, double b) {
    double p = a * b;
    return {p, fma(a, b, -p)};
}

LOGBESSEL_INLINE dd dd_add(dd a, dd b) {
    dd s = two_sum(a.hi, b.hi);
    dd t = two_sum(a.lo, b.lo);
    s.lo += t.hi;
    s = quick_two_sum(s.hi, s.lo);
    s.lo += t.lo;
    return quick_two_sum(s.hi, s.lo);
}

LOGBESSEL_INLINE dd dd_neg(dd a) { return {-a.hi, -a.lo}; }
LOGBESSEL_INLINE dd dd_sub(dd a, dd b) { return dd_add(a, dd_neg(b)); }

LOGBESSEL_INLINE dd dd_add_d(dd a, double b) {
    dd s = two_sum(a.hi, b);
    s.lo += a.lo;
    return quick_two_sum(s.hi, s.lo);
}

LOGBESSEL_INLINE dd dd_mul(dd a, dd b) {
    dd p = two_prod(a.hi, b.hi);
    p.lo += a.hi * b.lo + a.lo * b.hi;
    return quick_two_sum(p.hi, p.lo);
}

LOGBESSEL_INLINE dd dd_mul_d(dd a, double b) {
    dd p = two_prod(a.hi, b);
    p.lo += a.lo * b;
    return quick_two_sum(p.hi, p.lo);
}

LOGBESSEL_INLINE dd dd_div(dd a, dd b) {
    double q1 = a.hi / b.hi;
    dd r = dd_sub(a, dd_mul_d(b, q1));
    double q2 = r.hi / b.hi;
    r = dd_sub(r, dd_mul_d(b, q2));
    double q3 = r.hi / b.hi;
    dd q = quick_two_sum(q1, q2);
    return dd_add_d(q, q3);
}

// a / b for a double b: one division (the reciprocal); q1 need not be the correctly
// rounded quotient, since the fma residual a - q1 b is formed with one rounding either way.
LOGBESSEL_INLINE dd dd_div_d(dd a, double b) {
    const double inv = 1.0 / b;
    const double q1 = a.hi * inv;
    const double rem = fma(-q1, b, a.hi) + a.lo;
    return quick_two_sum(q1, rem * inv);
}

LOGBESSEL_INLINE dd dd_sqrt(dd a) {  // a > 0
    double s = sqrt(a.hi);
    dd p = two_prod(s, s);
    double rem = ((a.hi - p.hi) - p.lo) + a.lo;
    return quick_two_sum(s, rem / (2.0 * s));
}

// log(a) for a > 0 finite, to about 1e-31 relative (Tang's table method, ACM TOMS 15, 1989,
// in double-double): a = 2^e m with m in [0.75, 1.5), c = j/256 the table point nearest m,
//   log a = e log 2 + log c + 2 atanh(t),   t = (m - c)/(m + c),   |t| <= 1/768,
// 2 atanh(t) = 2t + 2t^3/3 + 2t^5/5 + ...: the first two terms in double-double, the rest
// (below 2e-15) in double. At a ~ 1 (e = 0, c = 1) only the series is left, so the result
// keeps its relative accuracy there. About 10x cheaper than an atanh series over
// [1/sqrt2, sqrt2), which needed 17 terms, six of them in double-double.
LOGBESSEL_INLINE dd dd_log(dd a) {
    // a.hi = m 2^e with m in [0.75, 1.5), read from the bits (frexp and ldexp are library
    // calls on the host); subnormal a.hi is first scaled into the normal range.
    double hi = a.hi, lo = a.lo;
    int pre = 0;
    if (hi < 0x1p-1000) {
        hi *= 0x1p100;
        lo *= 0x1p100;
        pre = 100;
    }
    const unsigned long long bits = double_bits(hi);
    const unsigned long long mant = bits & 0x000fffffffffffffULL;
    const int up = mant >= 0x0008000000000000ULL;  // mantissa >= 1.5: use m/2
    int e = int(bits >> 52) - 1023 + up;           // of the scaled hi
    const double m = bits_double(mant | (static_cast<unsigned long long>(1023 - up) << 52));
    if (lo != 0.0) {  // lo 2^-e, in two factors that stay in the normal range
        const int e1 = e / 2, e2 = e - e1;
        lo = lo * bits_double(static_cast<unsigned long long>(1023 - e1) << 52) *
             bits_double(static_cast<unsigned long long>(1023 - e2) << 52);
    }
    e -= pre;
    const int j = int(m * LOG_TABLE_N + 0.5);
    const double c = j * (1.0 / LOG_TABLE_N);  // exact
    const dd num = two_sum(m - c, lo);         // m - c exact (Sterbenz)
    const dd den = dd_add_d(two_sum(m, c), lo);
    const double inv = 1.0 / den.hi;
    const double th = num.hi * inv;
    const double tl = (fma(-th, den.hi, num.hi) + num.lo - th * den.lo) * inv;
    // 2t^3/3 in double-double: t^2 = s + s_lo, t^3 = p + p_lo
    const dd s = two_prod(th, th);
    dd p = two_prod(s.hi, th);
    p.lo = fma(s.lo, th, p.lo);
    const dd cube = dd_add_d(two_prod(p.hi, 2.0 / 3.0), fma(p.lo, 2.0 / 3.0, p.hi * TWO_THIRDS_LO));
    // 2t^5/5 + 2t^7/7 + 2t^9/9 (below 2e-15), and the first-order effect of tl on 2t^3/3
    const double rest = fma(s.hi * p.hi, fma(fma(2.0 / 9.0, s.hi, 2.0 / 7.0), s.hi, 2.0 / 5.0), 2.0 * s.hi * tl);
    double ch, cl;
    log_table(j, ch, cl);
    const dd eln2 = dd_add_d(two_prod(double(e), LN2), double(e) * LN2_LO);
    dd sum = dd_add(eln2, dd{ch, cl});
    sum = dd_add(sum, dd{2.0 * th, 2.0 * tl});
    sum = dd_add(sum, cube);
    return dd_add_d(sum, rest);
}

// log(hi + lo) for hi >= 2^-1022 finite, |lo| <= ulp(hi), as a double-double: branch-free,
// no table, so a loop over lanes that calls it vectorizes (the libm log is a call per
// element). hi = 2^e m, m in [0.75, 1.5), t = (m + lo' - 1)/(m + lo' + 1) in double-double,
// log = e log 2 + 2 atanh(t), 2 atanh(t) = 2t + t^3 P(t^2) with |t| <= 1/5. The part past
// e log2_42 + 2t (< 0.006 in size) is formed in double, so the low word carries an absolute
// error of about 2^-58 (measured below 0.03 ulp of 1, for every e); the high word is the
// log rounded once (within 0.54 ulp, measured).
LOGBESSEL_INLINE dd log_lane_dd(double hi, double lo) {
    const unsigned long long bits = double_bits(hi);
    const unsigned long long mant = bits & 0x000fffffffffffffULL;
    const unsigned long long up = mant >= 0x0008000000000000ULL ? 1 : 0;  // m >= 1.5: halve it
    const unsigned long long field = (bits >> 52) + up;                    // biased exponent of 2^e
    const double m = bits_double(mant | ((1023 - up) << 52));
    // e as a double without an int64 conversion: (2^52 + field) - (2^52 + 1023)
    const double e = bits_double(field | 0x4330000000000000ULL) - 4503599627371519.0;
    // lo 2^-e in two factors (e = field - 1023 in [-1022, 1024]; one factor would overflow)
    const unsigned long long h1 = (field + 1023) >> 1, h2 = field + 1023 - h1;  // h1 + h2 = e + 2046
    const double l = lo * bits_double((2046 - h1) << 52) * bits_double((2046 - h2) << 52);
    const dd num = two_sum(m - 1.0, l);                       // m - 1 exact
    const dd den = dd_add_d(two_sum(m, 1.0), l);
    const double inv = 1.0 / den.hi;
    const double th = num.hi * inv;
    const double tl = (fma(-th, den.hi, num.hi) + num.lo - th * den.lo) * inv;
    const double t2 = th * th;
    // P(u) = sum_{k>=1} 2 u^(k-1) / (2k+1), to u^12 (|u| <= 1/25: next term below 1e-18)
    double P = 0.08;
    P = fma(P, t2, 0.08695652173913043);
    P = fma(P, t2, 0.09523809523809523);
    P = fma(P, t2, 0.10526315789473684);
    P = fma(P, t2, 0.11764705882352941);
    P = fma(P, t2, 0.13333333333333333);
    P = fma(P, t2, 0.15384615384615385);
    P = fma(P, t2, 0.18181818181818182);
    P = fma(P, t2, 0.2222222222222222);
    P = fma(P, t2, 0.2857142857142857);
    P = fma(P, t2, 0.4);
    P = fma(P, t2, 0.6666666666666666);
    const dd big = two_sum(e * LN2_HI42, 2.0 * th);  // e LN2_HI42 exact (|e| < 2^11)
    return quick_two_sum(big.hi, big.lo + (2.0 * tl + fma(e, LN2_LO42, th * t2 * P)));
}

// log(hi + lo) for hi >= 2^-1022 (+inf gives +inf), |lo| <= ulp(hi), rounded once (measured:
// within 0.54 ulp; glibc's log: 0.51); log1p(y) is log_lane(two_sum(1, y)). Vectorizes.
LOGBESSEL_INLINE double log_lane(double hi, double lo) {
    const double res = log_lane_dd(hi, lo).hi;
    return hi == inf_value() ? hi : res;
}

// log(x) for any x > 0 including subnormals (scaled by 2^100 first, branch-free).
LOGBESSEL_INLINE double log_lane_any(double x) {
    const bool tiny = x < 0x1p-1000;
    return log_lane(tiny ? x * 0x1p100 : x, 0.0) - (tiny ? 100.0 * LN2 : 0.0);
}

// ---------------------------------------------------------------------------------------
// Forward-mode dual numbers: a value a and its derivative d with respect to one parameter
// (the order, or the argument). The algorithms that the derivatives share with the values
// (Temme's series, the continued fraction of K, the power series of I, the Debye sums) are
// templates over the number type T, instantiated on double for the values and on dual for
// the derivatives (derivatives.h). fma and the operators are found by argument-dependent
// lookup, so in those templates fma(a, b, c) is the double fma when T is double.
// ---------------------------------------------------------------------------------------
struct dual {
    double a, d;
    dual() = default;
    LOGBESSEL_INLINE constexpr dual(double value, double deriv = 0.0) : a(value), d(deriv) {}

    friend LOGBESSEL_INLINE dual operator+(dual p, dual q) { return {p.a + q.a, p.d + q.d}; }
    friend LOGBESSEL_INLINE dual operator-(dual p, dual q) { return {p.a - q.a, p.d - q.d}; }
    friend LOGBESSEL_INLINE dual operator-(dual p) { return {-p.a, -p.d}; }
    friend LOGBESSEL_INLINE dual operator*(dual p, dual q) { return {p.a * q.a, fma(p.a, q.d, p.d * q.a)}; }
    // (one division: the value part is p.a times the reciprocal, within an ulp; the
    // derivatives use the value part only as an intermediate)
    friend LOGBESSEL_INLINE dual operator/(dual p, dual q) {
        const double inv = 1.0 / q.a, r = p.a * inv;
        return {r, (p.d - r * q.d) * inv};
    }
    friend LOGBESSEL_INLINE dual operator+(dual p, double c) { return {p.a + c, p.d}; }
    friend LOGBESSEL_INLINE dual operator+(double c, dual p) { return {c + p.a, p.d}; }
    friend LOGBESSEL_INLINE dual operator-(dual p, double c) { return {p.a - c, p.d}; }
    friend LOGBESSEL_INLINE dual operator-(double c, dual p) { return {c - p.a, -p.d}; }
    friend LOGBESSEL_INLINE dual operator*(dual p, double c) { return {p.a * c, p.d * c}; }
    friend LOGBESSEL_INLINE dual operator*(double c, dual p) { return {c * p.a, c * p.d}; }
    friend LOGBESSEL_INLINE dual operator/(dual p, double c) { return {p.a / c, p.d / c}; }
    friend LOGBESSEL_INLINE dual operator/(double c, dual q) {
        const double inv = 1.0 / q.a, r = c * inv;
        return {r, -r * q.d * inv};
    }
    LOGBESSEL_INLINE dual& operator+=(dual q) { return *this = *this + q; }
    LOGBESSEL_INLINE dual& operator*=(dual q) { return *this = *this * q; }
    friend LOGBESSEL_INLINE dual fma(dual p, dual q, dual r) {
        return {fma(p.a, q.a, r.a), fma(p.a, q.d, fma(p.d, q.a, r.d))};
    }
};

// A polynomial in q whose derivative in the parameter is wanted (the Debye sums): Horner
// over p(q) and dp/dq together (two fma a step, where a dual q with its seed dq would take
// three), and the seed applied once at the end. debye_q(q) starts it; debye_term(p) ends it:
// the dual p(q) with derivative p'(q) dq. Both are the identity for a double.
struct poly_q {
    double p, dp, dq;  // p(q), p'(q), the seed
};
struct dual_q {
    double q, dq;
    friend LOGBESSEL_INLINE poly_q fma(double c1, dual_q q, double c0) { return {fma(c1, q.q, c0), c1, q.dq}; }
    friend LOGBESSEL_INLINE poly_q fma(poly_q a, dual_q q, double c0) {
        return {fma(a.p, q.q, c0), fma(a.dp, q.q, a.p), a.dq};
    }
};
LOGBESSEL_INLINE double debye_q(double q) { return q; }
LOGBESSEL_INLINE dual_q debye_q(dual q) { return {q.a, q.d}; }
LOGBESSEL_INLINE double debye_term(double p) { return p; }
LOGBESSEL_INLINE dual debye_term(poly_q p) { return {p.p, p.dp * p.dq}; }

// The value part of a number (the number itself for a double).
LOGBESSEL_INLINE double value_of(double x) { return x; }
LOGBESSEL_INLINE double value_of(dual x) { return x.a; }

// Whether a term still changes its sum: |term| >= tol |sum| (sum >= 0 where used), on the
// value and, for a dual, on the derivative too (against |sum'| + |sum|).
LOGBESSEL_INLINE bool term_counts(double term, double sum, double tol) { return fabs(term) >= tol * fabs(sum); }
LOGBESSEL_INLINE bool term_counts(dual term, dual sum, double tol) {
    return (fabs(term.a) >= tol * fabs(sum.a)) | (fabs(term.d) >= tol * (fabs(sum.d) + fabs(sum.a)));
}

// ---------------------------------------------------------------------------------------
// Elementary helpers
// ---------------------------------------------------------------------------------------

// a^2, or 0 where |a| < 2^-400: there a^2 < 2^-800 is far below every term it is added to
// (1/4, k^2, the constant terms of the Debye polynomials), so the result is the same, and a
// subnormal square is never formed: the loops that use it would run on subnormal operands,
// which cost ~100x an ordinary operation on some x86 cores (issue 13: 70 us an element of
// log_iv_dx at v ~ -1e-158, x just above 24).
LOGBESSEL_INLINE double square_or_zero(double a) { return fabs(a) < 0x1p-400 ? 0.0 : a * a; }

// sin(pi x) with exact argument reduction (x mod 2 is exact in floating point).
LOGBESSEL_INLINE double sinpi(double x) {
    double s = 1.0;
    if (x < 0) {
        x = -x;
        s = -1.0;
    }
    // x mod 2, exact for every finite x (0.5 x and its floor are exact; libm's fmod gives
    // the same value but loops over the exponent: 430 ns at x = 1e16)
    double r = x - 2.0 * floor(0.5 * x);
    if (r >= 1.0) {
        r -= 1.0;
        s = -s;
    }
    if (r > 0.5) r = 1.0 - r;  // sin(pi r) = sin(pi (1 - r))
    return s * sin(PI * r);
}

LOGBESSEL_INLINE bool is_integer(double v) { return v == floor(v); }

// 1/Gamma(1 + v) for v in [-1/2, 8.5): reduce to |f| <= 1/2 with the recurrence
// Gamma(1 + f + n) = Gamma(1 + f) prod_{j=1..n} (f + j), n <= 8. Branch-free (a fixed
// product with factors 1 past n), so that a loop over lanes vectorizes.
LOGBESSEL_INLINE double rgamma1p(double v) {
    const double n = floor(v + 0.5);
    const double f = v - n;
    double prod = 1.0;
    for (int j = 1; j <= 8; ++j) prod *= (j <= n) ? f + j : 1.0;
    return rgamma1p_series(f) / prod;
}

// pi m / sin(pi m) for |m| <= 1/2 (1 at m = 0): 1/(1 + m^2 R(m^2)), R from the Taylor
// series of sin(pi m)/(pi m) to m^22 (truncation below 1e-18), 1 + m^2 R kept in
// double-double and its reciprocal rounded once. Branch-free (vectorizes); measured
// within 1.1 ulp (pi m / sin(pi m) with the libm sin: 1.03).
LOGBESSEL_INLINE double pi_m_over_sinpi(double m) {
    const double m2 = square_or_zero(m);
    double p = -3.3481335350440667e-12;
    p = fma(p, m2, 1.7165384749821433e-10);
    p = fma(p, m2, -7.3047118222177748e-9);
    p = fma(p, m2, 2.5312174041370277e-7);
    p = fma(p, m2, -6.9758736616563805e-6);
    p = fma(p, m2, 0.000148428793031071);
    p = fma(p, m2, -0.0023460810354558236);
    p = fma(p, m2, 0.026147847817654801);
    p = fma(p, m2, -0.19075182412208421);
    p = fma(p, m2, 0.81174242528335364);
    p = fma(p, m2, -1.6449340668482264);
    const dd s = two_sum(1.0, m2 * p);
    const double q = 1.0 / s.hi;
    return fma(-q * s.lo, q, q);  // 1/(hi + lo) = q (1 - lo q) to second order
}

// exp(y) for |y| <= 700, branch-free (vectorizes; libm's exp is a call per element):
// y = k log 2 + t, |t| <= log(2)/2 (k log2_42 exact), exp(t) = 1 + (t + t^2 Q(t)) from
// the Taylor series to t^13 (truncation below 5e-18), 1 + t in double-double, then the
// exponent field gets k; measured within 0.52 ulp.
LOGBESSEL_INLINE double exp_lane(double y) {
    const double k = floor(fma(y, 1.4426950408889634, 0.5));
    const double th = fma(-k, LN2_HI42, y), tl = -k * LN2_LO42, t = th + tl;
    double q = 1.6059043836821615e-10;
    q = fma(q, t, 2.0876756987868099e-9);
    q = fma(q, t, 2.5052108385441719e-8);
    q = fma(q, t, 2.7557319223985891e-7);
    q = fma(q, t, 2.7557319223985891e-6);
    q = fma(q, t, 2.4801587301587302e-5);
    q = fma(q, t, 0.00019841269841269841);
    q = fma(q, t, 0.0013888888888888889);
    q = fma(q, t, 0.0083333333333333333);
    q = fma(q, t, 0.041666666666666667);
    q = fma(q, t, 0.16666666666666667);
    q = fma(q, t, 0.5);
    const dd one_t = two_sum(1.0, th);  // th exact (the fma above), the rest small
    const double e = one_t.hi + (one_t.lo + fma(t * t, q, tl));
    // 2^k from its exponent field: k + 1023 in the low bits of 2^52 + k + 1023, moved up
    const double scale = bits_double(double_bits(k + 4503599627371519.0) << 52);
    return e * scale;
}

// sinh(s)/s for |s| < 1/2: Taylor series to s^12/13!, error < 1e-17.
LOGBESSEL_INLINE double sinhc_small(double s) {
    const double s2 = square_or_zero(s);
    return fma(fma(fma(fma(fma(fma(1.0 / 6227020800.0, s2, 1.0 / 39916800.0), s2, 1.0 / 362880.0), s2,
                           1.0 / 5040.0), s2, 1.0 / 120.0), s2, 1.0 / 6.0), s2, 1.0);
}

// ---------------------------------------------------------------------------------------
// The helpers above over dual numbers (for the templates shared by values and derivatives):
// the value exactly as for a double, the derivative by the chain rule.
// ---------------------------------------------------------------------------------------
LOGBESSEL_INLINE dual select_lane(double m, dual a, dual b) {
    return {select_lane(m, a.a, b.a), select_lane(m, a.d, b.d)};
}

LOGBESSEL_INLINE dual square_or_zero(dual a) {
    const double s = square_or_zero(a.a);
    return {s, s == 0.0 ? 0.0 : 2.0 * a.a * a.d};
}

LOGBESSEL_INLINE dual exp_lane(dual y) {
    const double e = exp_lane(y.a);
    return {e, e * y.d};
}

LOGBESSEL_INLINE dual log_lane(dual hi, double lo) { return {log_lane(hi.a, lo), hi.d / hi.a}; }

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

// d/dm (pi m / sin(pi m)) = pi (sin y - y cos y) / sin^2 y, y = pi m, written
// pi y g(y) (y / sin y)^2 with g(y) = (sin y - y cos y)/y^3: no y^3 or sin^2 y, which
// underflow (to 0/0) for |m| below ~1e-103.
LOGBESSEL_INLINE dual pi_m_over_sinpi(dual m) {
    const double f = pi_m_over_sinpi(m.a), y = PI * m.a;
    return {f, PI * y * sin_minus_ycos_over_y3(y) * f * f * m.d};
}

// d/ds [sinh(s)/s] = (s cosh s - sinh s)/s^2 = sum_{n>=1} 2n s^(2n-1)/(2n+1)!, |s| < 1/2.
LOGBESSEL_INLINE dual sinhc_small(dual s) {
    double dv = s.a / 3.0;
    if (fabs(s.a) >= 0x1p-200) {  // below, the rest is under 2^-400: no subnormal terms
        const double s2 = s.a * s.a;
        double term = dv;
        for (int n = 2; n < 12; ++n) {
            term *= s2 * n / ((n - 1.0) * (2.0 * n) * (2.0 * n + 1.0));
            dv += term;
        }
    }
    return {sinhc_small(s.a), dv * s.d};
}

// Digamma psi(z), z > 0: the recurrence psi(z) = psi(z+1) - 1/z (DLMF 5.5.2) up to z >= 12,
// then the asymptotic series psi(z) ~ log z - 1/(2z) - sum_k B_2k / (2k z^2k) (DLMF 5.11.2),
// whose first omitted term is below 1e-17 there. Absolute error a few eps for z >= 1.
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

// r = sqrt(v^2 + x^2) without overflow, for v, x >= 0.
LOGBESSEL_INLINE double hypot_pos(double v, double x) {
    double m = v > x ? v : x;
    double n = v > x ? x : v;
    if (m < 1e150) return sqrt(fma(v, v, x * x));
    double t = n / m;
    return m * sqrt(fma(t, t, 1.0));
}

// ---------------------------------------------------------------------------------------
// Numbers with an extended exponent, m 2^e (m = 0 or 1/2 <= |m| < 1, |e| <= XD_EMAX): for
// the few scalar formulas whose terms can leave the double range although the result does
// not (iv_ratio at negative orders: K_a/I_a spans e^{+-1e5} at tiny x). Not for hot loops.
// ---------------------------------------------------------------------------------------
struct xdouble {
    double m;
    int e;
};

constexpr int XD_EMAX = 1 << 21;  // beyond any product of a few doubles; inf/NaN kept in m

LOGBESSEL_INLINE xdouble xd_norm(double m, int e) {
    if (m == 0.0 || is_nan(m) || is_inf(m)) return {m, 0};
    int k;
    m = frexp(m, &k);
    e += k;
    e = e > XD_EMAX ? XD_EMAX : (e < -XD_EMAX ? -XD_EMAX : e);
    return {m, e};
}
LOGBESSEL_INLINE xdouble xd(double x) { return xd_norm(x, 0); }
LOGBESSEL_INLINE xdouble xd_mul(xdouble a, xdouble b) { return xd_norm(a.m * b.m, a.e + b.e); }
LOGBESSEL_INLINE xdouble xd_div(xdouble a, xdouble b) { return xd_norm(a.m / b.m, a.e - b.e); }
LOGBESSEL_INLINE xdouble xd_add(xdouble a, xdouble b) {
    if (a.m == 0.0) return b;
    if (b.m == 0.0) return a;
    if (a.e < b.e) {
        const xdouble t = a;
        a = b;
        b = t;
    }
    const int d = a.e - b.e;  // >= 0
    if (d > 110) return a;    // b below half an ulp of a
    return xd_norm(a.m + ldexp(b.m, -d), a.e);
}
LOGBESSEL_INLINE xdouble xd_neg(xdouble a) { return {-a.m, a.e}; }
LOGBESSEL_INLINE double xd_value(xdouble a) { return ldexp(a.m, a.e); }  // rounded once

// e^d as m 2^e: d = k log 2 + r with |r| <= log(2)/2, log 2 in two parts (|k| <= 2^20 keeps
// k LN2_LO exact enough: the error of r stays below 1e-16); beyond, 0 or the largest value.
LOGBESSEL_INLINE xdouble xd_exp(double d) {
    if (is_nan(d)) return {d, 0};
    if (d < -7.0e5) return {0.0, 0};
    if (d > 7.0e5) return {0.5, XD_EMAX};
    const double k = nearbyint(d * 1.4426950408889634);  // d / log 2
    const double r = fma(-k, LN2, d) - k * LN2_LO;
    return xd_norm(exp(r), int(k));
}

}  // namespace detail
}  // namespace logbessel
