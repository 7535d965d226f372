// Scan behind iv_ratio_cf_depth (csrc/logbessel/iv_ratio.h): for each (v, x) of iv_ratio's
// region 2 (x >= v/4, hypot(v - 1, x) < 24; v from 1e-300 to 26, x from 1e-3 to 24) the
// smallest depth from which the backward continued fraction
//   I_v/I_{v-1} = x / (2v + x^2 / (2(v+1) + x^2 / (2(v+2) + ...))),
// evaluated in double-double, is within 2^-62 (relative) of its value from depth 2000;
// then the margin of the depth formula. Double-double keeps rounding noise out of the
// comparison.
//
//   g++ -O2 -std=c++17 -Icsrc tools/scan_ratio_cf_depth.cpp -o /tmp/scan && /tmp/scan
//
// (about a minute; prints the number of points where the formula is short, which must
// be 0, the smallest margin, and the mean depth against the needed one.)
#include <cmath>
#include <cstdio>
#include <vector>

#include "cf_depth_scan.h"
#include "logbessel/logbessel.h"

using namespace logbessel::detail;

// from depth J (tail 0), one level at a time
static dd fraction(double v, double x, int depth) {
    const dd x2 = two_prod(x, x);
    dd t = {0.0, 0.0};
    for (int j = depth; j >= 1; --j) t = dd_div(x2, dd_add(dd_mul_d(two_sum(v, double(j)), 2.0), t));
    return dd_div(dd{x, 0.0}, dd_add(dd{2.0 * v, 0.0}, t));
}

static int needed(double v, double x) {
    return needed_depth([&](int depth) { return fraction(v, x, depth); }, 0, 2000);
}

int main() {
    long points = 0, short_points = 0;
    double worst = 1e9, sum_formula = 0, sum_needed = 0, wv = 0, wx = 0;
    int most = 0;
    std::vector<double> orders = {1e-300, 1e-8};
    for (double v = 1e-3; v < 26.0; v *= 1.02) orders.push_back(v);
    for (double x = 1e-3; x < 24.0; x *= 1.01) {
        for (const double v : orders) {
            if (x < 0.25 * v || std::hypot(v - 1.0, x) >= 24.0) continue;
            const int need = needed(v, x);
            const int have = iv_ratio_cf_depth(x);
            ++points;
            sum_formula += have;
            sum_needed += need;
            most = need > most ? need : most;
            if (have < need) ++short_points;
            if (have - need < worst) {
                worst = have - need;
                wv = v;
                wx = x;
            }
        }
    }
    std::printf("points %ld, formula short at %ld, smallest margin %.0f levels (v = %.3g, x = %.4f)\n", points,
                short_points, worst, wv, wx);
    std::printf("mean depth: formula %.1f, needed %.1f (at most %d)\n", sum_formula / points, sum_needed / points, most);
    return short_points == 0 ? 0 : 1;
}
