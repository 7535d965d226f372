"""Evidence for VonMisesFisherMixture (issue 5). A script, not a test: it prints numbers.

1. Real data: the handwritten digits that ship with scikit-learn (1797 x 64, rows scaled
   to unit length), 10 components: adjusted Rand index against the digit labels for
   soft and hard vMF EM, beside spherical k-means (Dhillon & Modha 2001, written here,
   same k-means++ seeding), each over several seeds.
2. Speed: one EM iteration (E-step, statistics, M-step with exact kappa) at n = 1e5,
   p = 1024, k = 10, as a ratio to the X @ means.T product it must contain, timed in the
   same run; then the same iteration, and a whole 10-iteration fit, through Dask on 4
   row chunks, as a ratio to NumPy (the Dask overhead).

    python benchmarks/bench_vmf_mixture.py            # everything (needs ~1.7 GB RAM)
    python benchmarks/bench_vmf_mixture.py --quick    # n = 2e4
    python benchmarks/bench_vmf_mixture.py --skip-digits / --skip-speed

Needs scikit-learn for part 1 (pip install logbessel[bench]) and dask[array] for the Dask
lines (skipped if absent).
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from logbessel.vmf_mixture import ConvergenceWarning, VonMisesFisherMixture, _Data


# ---------------------------------------------------------------------------------------
# 1. digits
# ---------------------------------------------------------------------------------------

def spherical_kmeans(X, k, rng, max_iter=300):
    """Spherical k-means: assign to the largest cosine, centre = normalised sum. Seeded
    by the same greedy spherical k-means++ as the mixture (hard EM with equal kappas and
    weights is exactly this algorithm, so one M-step of the estimator gives the seeds)."""
    seeds = VonMisesFisherMixture(k, random_state=rng)._seeds(_Data(X, None), rng)
    C = np.asarray(seeds)
    labels = None
    for _ in range(max_iter):
        new = np.argmax(X @ C.T, axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            s = X[labels == j].sum(axis=0)
            n = np.linalg.norm(s)
            C[j] = s / n if n > 0 else X[rng.integers(len(X))]
    return labels, float(np.sum(X * C[labels]))  # labels, objective sum_i cos(x_i, c_i)


def digits(seeds):
    from sklearn.datasets import load_digits
    from sklearn.metrics import adjusted_rand_score as ari
    X, y = load_digits(return_X_y=True)
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    rows = {"vMF mixture, soft EM": [], "vMF mixture, hard EM": [],
            "vMF soft EM, n_init=10": [], "spherical k-means": [],
            "sph. k-means, best of 10": []}
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for s in range(seeds):
            for method in ("soft", "hard"):
                m = VonMisesFisherMixture(10, method=method, random_state=s, max_iter=300)
                rows[f"vMF mixture, {method} EM"].append(ari(y, m.fit(X).predict(X)))
            m = VonMisesFisherMixture(10, n_init=10, random_state=s, max_iter=300)
            rows["vMF soft EM, n_init=10"].append(ari(y, m.fit(X).predict(X)))
            rng = np.random.default_rng(s)
            runs = [spherical_kmeans(X, 10, rng) for _ in range(10)]
            rows["spherical k-means"].append(ari(y, runs[0][0]))
            rows["sph. k-means, best of 10"].append(ari(y, max(runs, key=lambda r: r[1])[0]))
    print(f"\n== digits (n={X.shape[0]}, p={X.shape[1]}, k=10), adjusted Rand index over "
          f"{seeds} seeds ({time.perf_counter() - t0:.1f} s) ==")
    print(f"{'method':<24}{'mean':>8}{'min':>8}{'max':>8}")
    for name, v in rows.items():
        print(f"{name:<24}{np.mean(v):8.3f}{np.min(v):8.3f}{np.max(v):8.3f}")


# ---------------------------------------------------------------------------------------
# 2. speed
# ---------------------------------------------------------------------------------------

def speed(n, p, k, repeat):
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((k, p))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    # rows: noisy copies of the centres, unit length (the timing does not depend on the fit)
    X = centres[rng.integers(k, size=n)] + rng.standard_normal((n, p)) * (1.0 / np.sqrt(p))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    print(f"\n== one EM iteration, n={n}, p={p}, k={k}, float64, best of {repeat} ==")

    model = VonMisesFisherMixture(k, init=centres, max_iter=3, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    means, kappa = model.means_, model.kappas_
    from logbessel import vmf
    const = vmf.log_normalizer(p, kappa) + np.log(model.weights_)
    data = _Data(X, None)
    rs = np.random.default_rng(1)

    def em_iteration(d):
        counts, res, _, _, wsum = d.stats(means, kappa, const, False)
        return model._m_step(counts, res, wsum, p, d, rs, np, it=1)

    # interleaved, so that load from other processes hits both timings alike
    stats = data.stats(means, kappa, const, False)
    t_gemm, t_em, t_e, t_m = interleaved([
        lambda: X @ means.T, lambda: em_iteration(data),
        lambda: data.stats(means, kappa, const, False),
        lambda: model._m_step(*stats[:2], stats[4], p, data, rs, np, it=1)], repeat)
    print(f"X @ means.T                       {t_gemm * 1e3:9.1f} ms")
    print(f"EM iteration (NumPy)              {t_em * 1e3:9.1f} ms   ratio {t_em / t_gemm:5.2f}"
          f"   (statistics pass {t_e * 1e3:.1f} ms, M-step {t_m * 1e3:.1f} ms)")

    try:
        import dask
        import dask.array as da
    except ImportError:
        print("dask not installed: Dask lines skipped")
        return
    Xd = da.from_array(X, chunks=(-(-n // 4), p))
    dd = _Data(Xd, None)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None

    def in_dask(fn, scheduler, blas1):
        def run():
            with dask.config.set(scheduler=scheduler):
                if blas1:
                    with threadpool_limits(1, user_api="blas"):
                        return fn()
                return fn()
        return run

    variants = [("threads", False), ("synchronous", False)]
    if threadpool_limits is not None:
        variants.insert(1, ("threads", True))
    label = {("threads", False): "Dask threads", ("threads", True): "Dask threads, BLAS 1 thr",
             ("synchronous", False): "Dask synchronous"}
    times = interleaved([lambda: em_iteration(data)] +
                        [in_dask(lambda: em_iteration(dd), s_, b_) for s_, b_ in variants], repeat)
    t_np = times[0]
    print(f"EM iteration, Dask on 4 chunks (ratio to the NumPy iteration timed beside it, "
          f"{t_np * 1e3:.1f} ms):")
    for (s_, b_), t in zip(variants, times[1:]):
        print(f"  {label[(s_, b_)]:<30}  {t * 1e3:9.1f} ms   overhead {t / t_np:5.2f}")

    def fit(Z):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return VonMisesFisherMixture(k, init=centres, max_iter=10, tol=0).fit(Z)
    best = min(variants[1:], key=lambda v: times[1 + variants.index(v)])
    fitted = {}
    t_fit, t_fit_d = interleaved([lambda: fitted.__setitem__("np", fit(X)),
                                  in_dask(lambda: fitted.__setitem__("dask", fit(Xd)), *best)], 1)
    it_np, it_d = fitted["np"].n_iter_, fitted["dask"].n_iter_
    print(f"whole fit (validation + init pass + EM): NumPy {t_fit:.2f} s for {it_np} "
          f"iterations, {label[best]} {t_fit_d:.2f} s for {it_d}; per iteration overhead "
          f"{(t_fit_d / (it_d + 2)) / (t_fit / (it_np + 2)):.2f}")


def gpu_speed(n, p, k, repeat):
    """The same EM iteration on CuPy arrays (the estimator's code unchanged), as a ratio to
    X @ means.T on the GPU; both synchronised."""
    import cupy as cp
    from logbessel import vmf
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((k, p))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    Xh = centres[rng.integers(k, size=n)] + rng.standard_normal((n, p)) * (1.0 / np.sqrt(p))
    Xh /= np.linalg.norm(Xh, axis=1, keepdims=True)
    print(f"\n== GPU ({cp.cuda.runtime.getDeviceProperties(0)['name'].decode()}), one EM "
          f"iteration, n={n}, p={p}, k={k}, best of {repeat} ==")
    for dtype in (np.float64, np.float32):
        X = cp.asarray(Xh.astype(dtype))
        model = VonMisesFisherMixture(k, init=cp.asarray(centres), max_iter=3, tol=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X)
        means, kappa = model.means_, cp.asnumpy(model.kappas_)
        const = vmf.log_normalizer(p, kappa) + np.log(cp.asnumpy(model.weights_))
        data = _Data(X, None)
        rs = np.random.default_rng(1)
        m_cast = means.astype(dtype)

        def em():
            c, r, _, _, w = data.stats(means, kappa, const, False)
            model._m_step(c, r, w, p, data, rs, cp, it=1)
            cp.cuda.Device().synchronize()

        def gemm():
            X @ m_cast.T
            cp.cuda.Device().synchronize()
        em(), gemm()  # warm-up (kernel compilation, cuBLAS handles)
        t_gemm, t_em = interleaved([gemm, em], repeat)
        print(f"{np.dtype(dtype).name}: X @ means.T {t_gemm * 1e3:8.2f} ms, EM iteration "
              f"{t_em * 1e3:8.2f} ms, ratio {t_em / t_gemm:5.2f}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            m = VonMisesFisherMixture(k, random_state=0, max_iter=20).fit(X)
            cp.cuda.Device().synchronize()
        print(f"{np.dtype(dtype).name}: whole fit (k-means++ init, {m.n_iter_} iterations) "
              f"{time.perf_counter() - t0:.3f} s")


def interleaved(fns, repeat):
    """Best time of each function, running them in turn `repeat` times."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--p", type=int, default=1024)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="n = 20000, 3 digit seeds")
    ap.add_argument("--skip-digits", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--gpu", action="store_true", help="also time the EM iteration on CuPy")
    a = ap.parse_args()
    if a.quick:
        a.n, a.seeds, a.repeat = 20_000, 3, 3
    if not a.skip_digits:
        digits(a.seeds)
    if not a.skip_speed:
        speed(a.n, a.p, a.k, a.repeat)
    if a.gpu:
        gpu_speed(a.n, a.p, a.k, a.repeat)


if __name__ == "__main__":
    main()
