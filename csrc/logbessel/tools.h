// Shared numerical tools: double-double arithmetic, sin(pi x), 1/Gamma, small helpers.
#pragma once
#include "config.h"
#include "gamma_coeffs.h"

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

LOGBESSEL_INLINE dd dd_div_d(dd a, double b) { return dd_div(a, dd{b, 0.0}); }

LOGBESSEL_INLINE dd dd_sqrt(dd a) {  // a > 0
    double s = sqrt(a.hi);
    dd p = two_prod(s, s);
    double rem = ((a.hi - p.hi) - p.lo) + a.lo;
    return quick_two_sum(s, rem / (2.0 * s));
}

// log(a) for a > 0 to about 1e-30 relative: a = 2^e m, m in [1/sqrt2, sqrt2),
// log m = 2 atanh(t), t = (m-1)/(m+1), |t| <= 0.172; the atanh series is summed in
// double-double for the terms above 1e-10 and in double for the rest.
LOGBESSEL_INLINE dd dd_log(dd a) {
    int e;
    double m = frexp(a.hi, &e);  // a.hi = m 2^e, m in [0.5, 1)
    if (m < 0.7071067811865476) {
        m *= 2.0;
        e -= 1;
    }
    double lo = ldexp(a.lo, -e);
    dd num = dd_add_d(dd{m - 1.0, 0.0}, lo);  // m - 1 exact (Sterbenz)
    dd den = dd_add_d(two_sum(m, 1.0), lo);
    dd t = dd_div(num, den);
    dd u = dd_mul(t, t);
    // tail sum_{k>=6} u^(k-6) / (2k+1) in double (|u| <= 0.0295; to k = 17 reaches 1e-27)
    const double ud = u.hi;
    double tail = 1.0 / 35.0;
    tail = fma(tail, ud, 1.0 / 33.0);
    tail = fma(tail, ud, 1.0 / 31.0);
    tail = fma(tail, ud, 1.0 / 29.0);
    tail = fma(tail, ud, 1.0 / 27.0);
    tail = fma(tail, ud, 1.0 / 25.0);
    tail = fma(tail, ud, 1.0 / 23.0);
    tail = fma(tail, ud, 1.0 / 21.0);
    tail = fma(tail, ud, 1.0 / 19.0);
    tail = fma(tail, ud, 1.0 / 17.0);
    tail = fma(tail, ud, 1.0 / 15.0);
    tail = fma(tail, ud, 1.0 / 13.0);
    // leading terms k = 5 .. 0 in double-double, acc = acc u + 1/(2k+1), with the
    // reciprocals as exact double-double constants
    dd acc = {tail, 0.0};
    acc = dd_add(dd_mul(acc, u), dd{0.09090909090909091, -2.523234146875356e-18});
    acc = dd_add(dd_mul(acc, u), dd{0.1111111111111111, 6.1679056923619804e-18});
    acc = dd_add(dd_mul(acc, u), dd{0.14285714285714285, 7.93016446160826e-18});
    acc = dd_add(dd_mul(acc, u), dd{0.2, -1.1102230246251566e-17});
    acc = dd_add(dd_mul(acc, u), dd{0.3333333333333333, 1.850371707708594e-17});
    acc = dd_add_d(dd_mul(acc, u), 1.0);
    dd logm = dd_mul_d(dd_mul(t, acc), 2.0);
    dd eln2 = dd_add(two_prod(double(e), LN2), two_prod(double(e), LN2_LO));
    return dd_add(eln2, logm);
}

// ---------------------------------------------------------------------------------------
// Elementary helpers
// ---------------------------------------------------------------------------------------

// sin(pi x) with exact argument reduction (x mod 2 is exact in floating point).
LOGBESSEL_INLINE double sinpi(double x) {
    double s = 1.0;
    if (x < 0) {
        x = -x;
        s = -1.0;
    }
    double r = fmod(x, 2.0);
    if (r >= 1.0) {
        r -= 1.0;
        s = -s;
    }
    if (r > 0.5) r = 1.0 - r;  // sin(pi r) = sin(pi (1 - r))
    return s * sin(PI * r);
}

LOGBESSEL_INLINE bool is_integer(double v) { return v == floor(v); }

// 1/Gamma(1 + v) for v in [-1/2, BINET_V_MIN + 1/2]: reduce to |f| <= 1/2 with the
// recurrence Gamma(1 + f + n) = Gamma(1 + f) prod_{j=1..n} (f + j).
LOGBESSEL_INLINE double rgamma1p(double v) {
    double n = floor(v + 0.5);
    double f = v - n;
    double g = rgamma1p_series(f);
    double prod = 1.0;
    for (int j = 1; j <= int(n); ++j) prod *= f + j;
    return g / prod;
}

// sinh(s)/s, accurate near 0.
LOGBESSEL_INLINE double sinhc(double s) {
    double a = fabs(s);
    if (a < 0.5) {
        double s2 = s * s;
        // Taylor series to s^12/13!, error < 1e-17 for |s| < 1/2
        return fma(fma(fma(fma(fma(fma(1.0 / 6227020800.0, s2, 1.0 / 39916800.0), s2,
                                   1.0 / 362880.0), s2, 1.0 / 5040.0), s2, 1.0 / 120.0),
                       s2, 1.0 / 6.0), s2, 1.0);
    }
    return sinh(s) / s;
}

// r = sqrt(v^2 + x^2) without overflow, for v, x >= 0.
LOGBESSEL_INLINE double hypot_pos(double v, double x) {
    double m = v > x ? v : x;
    double n = v > x ? x : v;
    if (m < 1e150) return sqrt(fma(v, v, x * x));
    double t = n / m;
    return m * sqrt(fma(t, t, 1.0));
}

}  // namespace detail
}  // namespace logbessel
