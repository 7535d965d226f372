"""Speed of logbessel.numpyro.VonMisesFisher.sample against its floor, in the same run.

    sample(key, (n,)) at dimension p        vs  jax.random.normal(key, (n, p)) of the same
                                                dtype (every sample needs p normals)
    value and gradient of (x @ g).sum()     vs  the same normals (loc and concentration
    over the samples, in loc and kappa          both get gradients: the implicit
                                                quadrature of 16 x 8 nodes per sample)

All three are jax.jit-compiled beforehand (compile time not counted) and timed to
block_until_ready. Times are minima over --reps repetitions (shared, noisy machine);
ratios are of those minima.

    python benchmarks/bench_numpyro_vmf.py                    # n = 10000, p = 3 and 2048
    python benchmarks/bench_numpyro_vmf.py --dims 32768 --n 2000 --dtype float64
"""
from __future__ import annotations

import argparse

from bench_cpu import best_time  # (this script's folder is on sys.path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--dims", type=int, nargs="+", default=[3, 2048])
    ap.add_argument("--kappa-over-p", type=float, default=1.0,
                    help="kappa = this * p (default 1: mean resultant length ~0.6 at large p)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args(argv)

    import jax
    if args.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpyro

    import logbessel.numpyro as lbn

    dtype = getattr(jnp, args.dtype)
    print(f"jax {jax.__version__}, numpyro {numpyro.__version__}, {jax.devices()[0]}, "
          f"{args.dtype} (x64 {'on' if args.dtype == 'float64' else 'off'}), n = {args.n}, "
          f"kappa = {args.kappa_over_p:g} p, min of {args.reps}")
    print(f"{'p':>7} {'normal s':>9} {'sample s':>9} {'x normal':>9} {'value+grad s':>13} "
          f"{'x normal':>9}")
    n = args.n
    for p in args.dims:
        key = jax.random.key(p)
        loc = jax.random.normal(key, (p,), dtype)
        loc = loc / jnp.linalg.norm(loc)
        kappa = jnp.asarray(args.kappa_over_p * p, dtype)
        g = jax.random.normal(jax.random.key(p + 1), (p,), dtype)

        normal = jax.jit(lambda k: jax.random.normal(k, (n, p), dtype))
        sample = jax.jit(lambda k, loc, kappa: lbn.VonMisesFisher(loc, kappa).sample(k, (n,)))

        def loss(loc, kappa, k):
            return jnp.sum(lbn.VonMisesFisher(loc, kappa).sample(k, (n,)) @ g)

        value_grad = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))
        keys = [jax.random.key(i) for i in range(args.reps + 1)]
        for f, a in ((normal, ()), (sample, (loc, kappa))):
            jax.block_until_ready(f(keys[0], *a))                    # compile
        jax.block_until_ready(value_grad(loc, kappa, keys[0]))
        it = iter(range(10 ** 9))
        t_norm = best_time(lambda: jax.block_until_ready(normal(keys[next(it) % len(keys)])),
                       args.reps)
        t_samp = best_time(lambda: jax.block_until_ready(
            sample(keys[next(it) % len(keys)], loc, kappa)), args.reps)
        t_vg = best_time(lambda: jax.block_until_ready(
            value_grad(loc, kappa, keys[next(it) % len(keys)])), args.reps)
        print(f"{p:>7} {t_norm:9.4f} {t_samp:9.4f} {t_samp / t_norm:9.2f} {t_vg:13.4f} "
              f"{t_vg / t_norm:9.2f}")


if __name__ == "__main__":
    main()
