"""Recovering kappa from von Mises-Fisher samples in high dimension, next to SciPy.

The dimensions are those of the feature experiment (CIFAR-10 ResNet-50 features) in
Plesner, Sorensen & Hauberg, "Accurate Computation of the Logarithm of Modified Bessel
Functions on GPUs" (ICS 2024): p = 2048, 8192, 32768. For each (p, kappa) we draw n samples
with logbessel.vmf, fit them with logbessel.vmf.fit and with scipy.stats.vonmises_fisher.fit,
and print both estimates. With n samples the MLE is biased upwards by finite n
(E ||sum x||^2 = n + n (n-1) A^2); the column "expected" is the kappa that the expected
mean resultant length sqrt(A^2 + (1 - A^2)/n) gives, i.e. what a correct fit should return
up to sampling noise.

    python benchmarks/vmf_highdim_fit.py            # n = 2000
    python benchmarks/vmf_highdim_fit.py --n 500 --dims 32768
"""
from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np

from logbessel import vmf


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--dims", type=int, nargs="+", default=[2048, 8192, 32768])
    ap.add_argument("--ratios", type=float, nargs="+", default=[0.25, 1.0, 10.0],
                    help="kappa / p values to try")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-scipy", action="store_true")
    args = ap.parse_args(argv)
    stats = None
    if not args.no_scipy:
        try:
            from scipy import stats
        except ImportError:
            print("(SciPy not installed: no SciPy column)")

    n = args.n
    print(f"n = {n} samples per row; times in seconds (sampling not included)\n")
    head = (f"{'p':>6} {'true kappa':>11} {'expected':>11} {'logbessel':>11} {'rel.err':>8} "
            f"{'noise':>7} {'time':>6} | {'SciPy kappa':>11} {'time':>6}")
    print(head)
    print("-" * len(head))
    for p in args.dims:
        rng = np.random.default_rng([args.seed, p])
        mu = rng.standard_normal(p)
        mu /= np.linalg.norm(mu)
        for ratio in args.ratios:
            kappa = ratio * p
            X = vmf.VonMisesFisher(mu, kappa).rvs(n, random_state=rng)
            t0 = time.perf_counter()
            mu_hat, k_hat = vmf.fit(X)
            t_ours = time.perf_counter() - t0
            A = float(vmf.mean_resultant_length(p, kappa))
            k_exp = float(vmf.kappa_mle(math.sqrt(A * A + (1 - A * A) / n), p))
            # standard error of kappa_hat: sd(rbar) / A'(kappa), sd(rbar) = sqrt(A'/n)
            dA = (1 - A) * (1 + A) - (p - 1) * A / kappa
            noise = 1.0 / (kappa * math.sqrt(n * dA))
            s_k = s_t = "-"
            if stats is not None:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    t0 = time.perf_counter()
                    try:
                        _, ks = stats.vonmises_fisher.fit(X)
                        s_k = f"{ks:11.4g}"
                    except Exception as exc:
                        s_k = type(exc).__name__
                    s_t = f"{time.perf_counter() - t0:6.3f}"
            print(f"{p:>6} {kappa:11.6g} {k_exp:11.6g} {k_hat:11.6g} "
                  f"{k_hat / k_exp - 1:+8.1e} {noise:7.1e} {t_ours:6.3f} | {s_k:>11} {s_t:>6}",
                  flush=True)
            del X
    print("\nrel.err = logbessel / expected - 1; noise = the relative standard error of the "
          "estimate, 1 / (kappa sqrt(n A_p'(kappa))).")
    if stats is not None:
        print("SciPy's fit returns the lower end of its root bracket, 1e-8, whenever its ratio "
              "ive(p/2, k) / ive(p/2-1, k) is 0/0 (p >= 128).")


if __name__ == "__main__":
    main()
