// Scan behind k_ratio_cf_depth (csrc/logbessel/log_kv.h): for each (v, x) of region 2b
// (v in [0, 24], x in [0.5, 24], v^2 + x^2 < 24^2) the smallest depth from which the
// backward continued fraction for x K_{v+1}/K_v, evaluated in double-double, is within
// 2^-62 (relative) of its value from depth 1501; then the margin of the depth formula.
// Double-double keeps rounding noise out of the comparison (in double, the last bit moves
// with the depth long after the truncation error has vanished).
//
//   g++ -O2 -std=c++17 -Icsrc tools/scan_k_cf_depth.cpp -o /tmp/scan && /tmp/scan
//
// (about a minute; prints the number of points where the formula is short, which must
// be 0, the smallest margin, and the mean depth against the needed one.)
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cf_depth_scan.h"
#include "logbessel/logbessel.h"

using namespace logbessel::detail;

// t_k = 1/(b_k + a_{k+1} t_{k+1}), b_k = 2(k + x), a_{k+1} = v^2 - (k + 1/2)^2, one level
// at a time; returns v + 1/2 + x + (v^2 - 1/4) t_1.
static dd fraction(double v, double x, int depth) {
    const dd v2 = two_prod(v, v);
    dd t = {0.0, 0.0};
    for (int k = depth; k >= 1; --k) {
        const dd b = two_sum(2.0 * k, 2.0 * x);
        const dd a = dd_sub(v2, two_prod(k + 0.5, k + 0.5));
        t = dd_div(dd{1.0, 0.0}, dd_add(b, dd_mul(a, t)));
    }
    return dd_add(dd_add_d(two_sum(v, 0.5), x), dd_mul(dd_sub(v2, dd{0.25, 0.0}), t));
}

static int needed(double v, double x) {
    return needed_depth([&](int depth) { return fraction(v, x, depth); }, 1, 1501);
}

int main() {
    long points = 0, short_points = 0;
    double worst = 1e9, sum_formula = 0, sum_needed = 0, wv = 0, wx = 0;
    for (double x = 0.5; x < 24.0; x *= 1.007) {
        for (double v = 0.0; v < 24.0; v += (v < 3.0 ? 0.013 : 0.037)) {
            if (v * v + x * x >= 576.0) break;
            const int need = needed(v, x);
            const int have = k_ratio_cf_depth(v, x);
            ++points;
            sum_formula += have;
            sum_needed += need;
            if (have < need) ++short_points;
            if (have - need < worst) {
                worst = have - need;
                wv = v;
                wx = x;
            }
        }
    }
    std::printf("points %ld, formula short at %ld, smallest margin %.0f levels (v = %.3f, x = %.4f)\n",
                points, short_points, worst, wv, wx);
    std::printf("mean depth: formula %.1f, needed %.1f\n", sum_formula / points, sum_needed / points);
    return short_points == 0 ? 0 : 1;
}
