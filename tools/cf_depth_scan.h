// Shared by the depth scans (scan_k_cf_depth.cpp, scan_ratio_cf_depth.cpp): the smallest
// depth in [lo, ref_depth] from which fraction(depth), a continued fraction evaluated
// backwards in double-double, is within 2^-62 (relative) of fraction(ref_depth), by
// bisection (the truncation error falls monotonically with the depth).
#pragma once
#include <cmath>

#include "logbessel/logbessel.h"

template <class Fraction>
int needed_depth(Fraction fraction, int lo, int ref_depth) {
    const logbessel::detail::dd ref = fraction(ref_depth);
    int hi = ref_depth;
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        const logbessel::detail::dd c = fraction(mid);
        const double err = std::fabs((c.hi - ref.hi) + (c.lo - ref.lo)) / ref.hi;
        if (err <= 0x1p-62) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}
