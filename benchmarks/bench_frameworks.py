#!/usr/bin/env python3
"""The cost of reaching logbessel from a framework, against the bare NumPy ufunc, on the
CPU, one thread (LOGBESSEL_NUM_THREADS=1, torch.set_num_threads(1)), in the same process.

Inputs: bench_cpu.py's distribution (v log-uniform in [0.1, 1000], x log-uniform in [0.01,
1000], seed 0), float64, --sizes elements (default 1e3 and 1e6). Each candidate is timed
per call, the minimum over --repeat rounds; the rounds visit the candidates in turn, so a
change in the machine's load reaches all of them alike. Ratios are of those minima,
against the ufunc of the same section and size.

Sections (--only NAME runs one):
  torch   log_iv as the operator torch.ops.logbessel.log_iv, as logbessel.torch.log_iv
          (argument handling, then the operator), and inside torch.compile(fullgraph=True)
          (inductor), against lb.ufuncs.log_iv(v, x); and the gradient: forward and
          backward of logbessel.torch.log_iv with both inputs requiring grad, against the
          three ufuncs log_iv, log_iv_dv, log_iv_dx (and the two products with the
          incoming gradient). The first compiled call (the compilation) is reported apart.
  jax     log_iv and log_kv as XLA custom calls in jax.jit, and through the host callback
          they replaced, against the ufunc; and TFP's log_bessel_ive(v, x) + x /
          log_bessel_kve(v, x) - x (its JAX substrate, where it imports and runs with the
          installed jax: tensorflow-probability 0.25 with jax 0.5.0) as a rate on at most
          1e5 elements. XLA is kept to one thread (XLA_FLAGS, set below unless given).
  gpu     (only with --only gpu; benchmarks/gpu_session.sh) on a CUDA GPU, --gpu-n elements
          (default 1e8): JAX's custom call against TFP on the GPU, and the torch CUDA
          operator (driver-API launch) against the CuPy backend's kernel; each part skips
          with a message where its framework or device is missing.

    python benchmarks/bench_frameworks.py [--only torch|jax|gpu] [--sizes 1000 1000000]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ["LOGBESSEL_NUM_THREADS"] = "1"  # read at each call: one thread for the whole run
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import logbessel as lb  # noqa: E402
from bench_cpu import benchmark_inputs  # noqa: E402  (this script's folder is on sys.path)


def _loops(n):
    """Calls per timing: enough for ~10 ms at small sizes."""
    return max(1, 2_000_000 // max(n, 1) // 4) if n < 100_000 else 1


def compare(candidates, n, repeat):
    """{name: seconds per call}, the minimum over `repeat` rounds; each round times every
    candidate once (loops calls each), in the order given."""
    loops = _loops(n)
    best = {name: float("inf") for name in candidates}
    for _ in range(repeat):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            for _ in range(loops):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / loops)
    return best


def report(title, times, baseline):
    """One line per candidate: time per call, overhead over the baseline, ratio."""
    base = times[baseline]
    print(f"  {title}")
    for name, t in times.items():
        print(f"    {name:<34} {t * 1e6:12.1f} us  {(t - base) * 1e6:+10.1f} us  {t / base:6.3f}x")


# ------------------------------------------------------------------------------------------
# torch
# ------------------------------------------------------------------------------------------

def bench_torch(args):
    import numpy as np
    import torch

    import logbessel.torch as lbt

    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, CPU, {torch.get_num_threads()} thread, float64")
    op = torch.ops.logbessel.log_iv
    compiled = torch.compile(lambda v, x: lbt.log_iv(v, x), fullgraph=True)
    for n in args.sizes:
        v, x = benchmark_inputs(n)
        tv, tx = torch.from_numpy(v), torch.from_numpy(x)
        t0 = time.perf_counter()
        first = compiled(tv, tx)
        t_compile = time.perf_counter() - t0
        assert np.array_equal(first.numpy(), lb.ufuncs.log_iv(v, x), equal_nan=True)
        print(f"n = {n:.0e} (first compiled call, with the compilation: {t_compile:.2f} s)")
        times = compare({
            "ufunc lb.ufuncs.log_iv": lambda: lb.ufuncs.log_iv(v, x),
            "operator torch.ops.logbessel": lambda: op(tv, tx),
            "logbessel.torch.log_iv": lambda: lbt.log_iv(tv, tx),
            "torch.compile (inductor)": lambda: compiled(tv, tx),
        }, n, args.repeat)
        report("values", times, "ufunc lb.ufuncs.log_iv")

        gv, gx = tv.clone().requires_grad_(), tx.clone().requires_grad_()
        seed = np.ones(n)

        def ufuncs_and_products():
            lb.ufuncs.log_iv(v, x)
            return seed * lb.ufuncs.log_iv_dv(v, x), seed * lb.ufuncs.log_iv_dx(v, x)

        def torch_forward_backward():
            y = lbt.log_iv(gv, gx)
            return torch.autograd.grad(y, (gv, gx), torch.ones_like(y))

        times = compare({"three ufuncs (value, d/dv, d/dx)": ufuncs_and_products,
                         "forward + backward": torch_forward_backward}, n, args.repeat)
        report("value and gradient", times, "three ufuncs (value, d/dv, d/dx)")


# ------------------------------------------------------------------------------------------
# jax
# ------------------------------------------------------------------------------------------

def _tfp_jax():
    """TFP's JAX substrate, or (None, why not): it must import and run with this jax."""
    try:
        import jax.numpy as jnp
        from tensorflow_probability.substrates import jax as tfp
        tfp.math.log_bessel_ive(jnp.ones(2), jnp.ones(2)).block_until_ready()
        return tfp, ""
    except Exception as e:  # noqa: BLE001 - any failure: no TFP column
        return None, f"{type(e).__name__}: {str(e)[:100]}"


def bench_jax(args):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np

    import logbessel.jax as lbj

    st = lbj.ffi_status()
    print(f"jax {jax.__version__}, CPU, jit, one thread, float64; custom calls: {st['ffi']}"
          + ("" if st["ffi"] else f" ({st['reason']})"))
    tfp, why = _tfp_jax()
    for n in args.sizes:
        v, x = benchmark_inputs(n)
        jv, jx = jnp.asarray(v), jnp.asarray(x)
        print(f"n = {n:.0e}")
        for name in ("log_iv", "log_kv"):
            uf = getattr(lb.ufuncs, name)
            ffi = jax.jit(getattr(lbj, name))
            callback = jax.jit(lambda a, b, _n=name: lbj._host(_n, [a, b], a.dtype))
            assert np.array_equal(np.asarray(ffi(jv, jx)), uf(v, x), equal_nan=True)
            callback(jv, jx).block_until_ready()
            times = compare({f"ufunc lb.ufuncs.{name}": lambda: uf(v, x),
                             "custom call (jit)": lambda: ffi(jv, jx).block_until_ready(),
                             "host callback (jit; the old path)": lambda: callback(jv, jx).block_until_ready(),
                             }, n, args.repeat)
            report(name, times, f"ufunc lb.ufuncs.{name}")
            if tfp is not None:
                # TFP runs at ~0.2-0.5 Melem/s: timed on at most 1e5 elements, as a rate
                m = min(n, 100_000)
                form = ((lambda a, b: tfp.math.log_bessel_ive(a, b) + b) if name == "log_iv"
                        else (lambda a, b: tfp.math.log_bessel_kve(a, b) - b))
                g = jax.jit(form)
                a, b = jv[:m], jx[:m]
                g(a, b).block_until_ready()
                t_tfp = compare({"tfp": lambda: g(a, b).block_until_ready()}, m, max(2, args.repeat // 3))["tfp"]
                rate_ffi, rate_tfp = n / times["custom call (jit)"], m / t_tfp
                print(f"    TFP log_bessel_{'ive(v, x) + x' if name == 'log_iv' else 'kve(v, x) - x'} on "
                      f"{m:.0e} elements: {rate_tfp / 1e6:.3f} Melem/s; the custom call "
                      f"{rate_ffi / 1e6:.1f} Melem/s ({rate_ffi / rate_tfp:.0f}x)")
    if tfp is None:
        print(f"  TFP: not usable with this jax ({why}); tensorflow-probability 0.25 runs with "
              "jax 0.5.0")


# ------------------------------------------------------------------------------------------
# gpu (benchmarks/gpu_session.sh; not in the default run)
# ------------------------------------------------------------------------------------------

def bench_gpu(args):
    """On a CUDA GPU (for benchmarks/gpu_session.sh): JAX's custom call against TFP's
    log_bessel_ive/kve on the GPU, and the torch CUDA op against the CuPy backend's kernel,
    on args.gpu_n elements (default 1e8) of the CPU benchmark's distribution, float64, wall
    time after a synchronisation, best of args.repeat (first calls, which compile, excluded)."""
    import time

    n = int(float(args.gpu_n))
    v, x = benchmark_inputs(n)
    print(f"\nGPU, n = {n:,} float64 elements")

    def timed(fn, sync):
        fn()
        sync()
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            sync()
            best = min(best, time.perf_counter() - t0)
        return best

    # JAX: custom call vs TFP
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        gpu = jax.devices("gpu")[0]
    except Exception as e:  # noqa: BLE001
        print(f"JAX on the GPU: skipped ({type(e).__name__}: {str(e)[:100]})")
    else:
        import logbessel.jax as lbj
        jv, jx = jax.device_put(v, gpu), jax.device_put(x, gpu)
        try:
            from tensorflow_probability.substrates import jax as tfp
            tfp.math.log_bessel_ive(jv[:2], jx[:2]).block_until_ready()
        except Exception as e:  # noqa: BLE001
            tfp, note = None, f"TFP: not importable with this jax ({type(e).__name__})"
        print(f"JAX {jax.__version__} on {gpu.device_kind}; custom calls: {lbj.ffi_status()['ffi']}")
        for name, tfp_form in (("log_iv", lambda a, b: tfp.math.log_bessel_ive(a, b) + b),
                               ("log_kv", lambda a, b: tfp.math.log_bessel_kve(a, b) - b)):
            f = jax.jit(getattr(lbj, name))
            t = timed(lambda: f(jv, jx).block_until_ready(), lambda: None)
            line = f"  {name}: logbessel {n / t / 1e9:.2f} Gelem/s"
            if tfp is not None:
                g = jax.jit(tfp_form)
                m = min(n, 10_000_000)
                t2 = timed(lambda: g(jv[:m], jx[:m]).block_until_ready(), lambda: None)
                line += f", TFP {m / t2 / 1e9:.3f} Gelem/s ({(n / t) / (m / t2):.0f}x)"
            print(line)
        if tfp is None:
            print("  " + note)

    # torch op vs CuPy kernel
    try:
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError("torch.cuda.is_available() is False")
    except Exception as e:  # noqa: BLE001
        print(f"torch on the GPU: skipped ({type(e).__name__}: {str(e)[:100]})")
        return
    import logbessel.torch as lbt
    tv, tx = torch.from_numpy(v).cuda(), torch.from_numpy(x).cuda()
    try:
        import cupy as cp
        cv, cx = cp.from_dlpack(tv), cp.from_dlpack(tx)
    except Exception as e:  # noqa: BLE001
        cp, note = None, f"CuPy: not usable ({type(e).__name__})"
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}")
    for name in ("log_iv", "log_kv"):
        op = getattr(lbt, name)
        t = timed(lambda: op(tv, tx), torch.cuda.synchronize)
        line = f"  {name}: torch op {n / t / 1e9:.2f} Gelem/s"
        if cp is not None:
            uf = getattr(lb, name)
            t2 = timed(lambda: uf(cv, cx), cp.cuda.Device().synchronize)
            line += f", CuPy kernel {n / t2 / 1e9:.2f} Gelem/s (op/CuPy time {t / t2:.3f})"
        print(line)
    if cp is None:
        print("  " + note)


# the sections, by name: each a function of the parsed arguments that prints its table
SECTIONS = {
    "torch": bench_torch,
    "jax": bench_jax,
    "gpu": bench_gpu,
}
DEFAULT = ("torch", "jax")  # the CPU sections; "gpu" runs with --only gpu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(SECTIONS), default=None,
                    help="run this section only (default: all)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--gpu-n", default="1e8", help="elements for the gpu section (default 1e8)")
    args = ap.parse_args(argv)
    for name, section in SECTIONS.items():
        if args.only == name or (args.only is None and name in DEFAULT):
            print(f"== {name} ==")
            section(args)


if __name__ == "__main__":
    main()
