"""GPU throughput of log_iv / log_kv (and iv_ratio), float32 and float64, against a memory
roofline and the CPU path, all measured in this run.

- Inputs: N elements (default 1e8), v log-uniform in [0.1, 1000], x log-uniform in
  [0.01, 1000], made on the GPU; results written into a preallocated `out`.
- Roofline: the card's device-to-device copy bandwidth B (bytes read + written per
  second, measured here), and 3 * itemsize bytes moved per element (2 inputs + 1 output):
  roofline = B / (3 * itemsize) elements per second.
- CPU: the NumPy ufunc on the first 1e6 elements (copied to the host), all threads.
- Timing: CUDA events around `reps` back-to-back calls after a warm-up call; the kernels are
  compiled first (the compile time is reported on its own, and nothing is timed during it).
- float32 computes in double internally (the headers' float path; a float-internal path
  would need a second copy of the math). Its throughput next to float64's, and its error
  against the certified float32 tables, document that choice.

Usage: python benchmarks/bench_gpu.py [--n 1e8] [--out DIR] [--quick]
Writes DIR/bench_gpu.json and DIR/bench_gpu.md and prints the table last.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def timed(cp, fn, reps):
    """Seconds per call: CUDA events around `reps` calls on the current stream."""
    start, stop = cp.cuda.Event(), cp.cuda.Event()
    start.record()
    for _ in range(reps):
        fn()
    stop.record()
    stop.synchronize()
    return cp.cuda.get_elapsed_time(start, stop) / 1e3 / reps


def bench_call(cp, fn, budget_s=0.6, max_reps=50):
    fn()  # warm-up (module load, caches, clocks)
    cp.cuda.get_current_stream().synchronize()
    t1 = timed(cp, fn, 1)
    reps = int(max(2, min(max_reps, budget_s / max(t1, 1e-6))))
    return min(timed(cp, fn, reps), timed(cp, fn, reps))


def parity_eps(name, gpu, cpu, dtype):
    """max |gpu - cpu| / max(1, |cpu|) (relative for iv_ratio) in eps of dtype, over the
    elements finite on both sides; and the count of NaN/inf placements that differ."""
    g = np.asarray(gpu, dtype=np.float64)
    c = np.asarray(cpu, dtype=np.float64)
    fin = np.isfinite(g) & np.isfinite(c)
    mism = int(np.sum((np.isnan(g) != np.isnan(c)) | ((np.isinf(g) | np.isinf(c)) & (g != c))))
    if not fin.any():
        return 0.0, mism
    den = (np.maximum(np.abs(c[fin]), np.finfo(dtype).tiny) if name == "iv_ratio"
           else np.maximum(1.0, np.abs(c[fin])))
    return float(np.max(np.abs(g[fin] - c[fin]) / den) / np.finfo(dtype).eps), mism


def copy_bandwidth(cp, nbytes=2 << 30):
    """Device-to-device copy: bytes read + written per second."""
    n = nbytes // 8
    a = cp.ones(n, dtype=cp.float64)
    b = cp.empty_like(a)
    stream = cp.cuda.get_current_stream()

    def copy():
        cp.cuda.runtime.memcpyAsync(b.data.ptr, a.data.ptr, a.nbytes,
                                    cp.cuda.runtime.memcpyDeviceToDevice, stream.ptr)
    t = bench_call(cp, copy, budget_s=0.5, max_reps=30)
    del a, b
    return 2 * n * 8 / t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=float, default=1e8)
    ap.add_argument("--cpu-n", type=float, default=1e6)
    ap.add_argument("--out", default=os.environ.get("OUT") or "bench_gpu_out")
    ap.add_argument("--quick", action="store_true", help="skip the launch-config sweep")
    args = ap.parse_args()
    n = int(args.n)
    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)

    import cupy as cp
    import logbessel as lb
    from logbessel import _core, _gpu

    dev = cp.cuda.Device()
    props = cp.cuda.runtime.getDeviceProperties(dev.id)
    gpu_name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    res = {
        "gpu": gpu_name, "sm_count": props["multiProcessorCount"],
        "compute_capability": dev.compute_capability, "cupy": cp.__version__,
        "cuda_runtime": cp.cuda.runtime.runtimeGetVersion(), "n": n,
        "cpu_threads": _core.num_threads(), "cpu_n": int(min(args.cpu_n, n)), "source_dir": str(_gpu.source_dir()),
        "source_hash": _gpu.source_hash()[:16], "rows": [], "sweep": [], "variants": [],
    }
    log(f"{gpu_name}, {res['sm_count']} SMs, cc {res['compute_capability']}, CuPy {cp.__version__}, "
        f"sources {res['source_dir']} ({res['source_hash']})")

    funcs = ["log_iv", "log_kv", "iv_ratio"]
    cpu_ref = {}

    # 1. compile (not timed with anything else)
    t0 = time.perf_counter()
    _gpu.compile_all(funcs)
    cp.cuda.Device().synchronize()
    res["compile_s"] = time.perf_counter() - t0
    log(f"compiled the kernels of {funcs} in {res['compile_s']:.1f} s "
        f"(CUPY_CACHE_DIR={os.environ.get('CUPY_CACHE_DIR', '~/.cupy/kernel_cache')})")
    for name in funcs:
        for dt in (np.float32, np.float64):
            k = _gpu.get_kernel(name, dt)
            try:
                res.setdefault("registers", {})[_gpu.kernel_name(name, dt)] = int(k.num_regs)
            except Exception:
                pass
    log(f"registers per thread: {res.get('registers')}")

    # 2. memory roofline
    bw = copy_bandwidth(cp)
    res["copy_bw_GBs"] = bw / 1e9
    log(f"device-to-device copy: {bw / 1e9:.0f} GB/s (read + write)")

    # 3. data
    rs = cp.random.RandomState(12345)
    v64 = 10.0 ** rs.uniform(-1.0, 3.0, n, dtype=cp.float64)
    x64 = 10.0 ** rs.uniform(-2.0, 3.0, n, dtype=cp.float64)
    data = {np.float64: (v64, x64), np.float32: (v64.astype(cp.float32), x64.astype(cp.float32))}
    m = int(min(args.cpu_n, n))
    host = {dt: (cp.asnumpy(a[:m]), cp.asnumpy(b[:m])) for dt, (a, b) in data.items()}
    cp.cuda.Device().synchronize()

    # trivial elementwise kernel: what a memory-bound op reaches (sanity check of roofline)
    for dt in (np.float32, np.float64):
        a, b = data[dt]
        o = cp.empty_like(a)
        t = bench_call(cp, lambda: cp.add(a, b, out=o))
        res.setdefault("add_Gelem_s", {})[np.dtype(dt).name] = n / t / 1e9
        del o
    log(f"cupy.add throughput (memory-bound reference): {res['add_Gelem_s']}")

    # 4. the functions
    for name in funcs:
        f = getattr(lb, name)
        for dt in (np.float32, np.float64):
            a, b = data[dt]
            o = cp.empty_like(a)
            t = bench_call(cp, lambda: f(a, b, out=o))
            gps = n / t / 1e9
            roof = bw / (3 * np.dtype(dt).itemsize) / 1e9
            ha, hb = host[dt]
            cpu_out = f(ha, hb)  # also the warm-up of the CPU threads
            tc = min(_time_cpu(f, ha, hb) for _ in range(3))
            cpu_gps = m / tc / 1e9
            par, mism = parity_eps(name, cp.asnumpy(o[:m]), cpu_out, dt)
            cpu_ref[(name, dt)] = cpu_out
            row = {"function": name, "dtype": np.dtype(dt).name, "gpu_ms": t * 1e3,
                   "gpu_Gelem_s": gps, "roofline_Gelem_s": roof, "pct_roofline": 100 * gps / roof,
                   "cpu_Gelem_s": cpu_gps, "speedup_vs_cpu": gps / cpu_gps,
                   "parity_eps": par, "nonfinite_mismatch": mism}
            res["rows"].append(row)
            log(f"{name:8s} {row['dtype']}: {t * 1e3:8.2f} ms, {gps:7.2f} Gelem/s = "
                f"{row['pct_roofline']:5.1f}% of roofline {roof:.0f}; CPU {cpu_gps:.4f} Gelem/s "
                f"-> x{row['speedup_vs_cpu']:.0f}; parity {par:.2f} eps ({mism} NaN/inf mismatches)")
            del o

    # 5. float32 accuracy against the certified float32 tables (GPU float32 results)
    tests_dir = Path(__file__).resolve().parent.parent / "tests"
    if (tests_dir / "refdata.py").is_file():
        sys.path.insert(0, str(tests_dir))
        try:
            from refdata import load, log_error
            acc = {}
            for name in ("log_iv", "log_kv"):
                table = f"{name}_f32"
                if not (tests_dir / "reference" / f"{table}.csv").is_file():
                    continue
                v, x, hi, lo, _ = load(table)
                with np.errstate(all="ignore"):
                    g = cp.asnumpy(getattr(lb, name)(cp.asarray(v.astype(np.float32)),
                                                     cp.asarray(x.astype(np.float32))))
                    err = log_error(g.astype(np.float64), hi, lo) / np.finfo(np.float32).eps
                fin = np.isfinite(err)
                acc[name] = float(err[fin].max()) if fin.any() else float("nan")
            res["f32_max_err_eps32_vs_certified"] = acc
            log(f"GPU float32 error vs certified float32 tables (eps32): {acc}")
        except Exception as e:  # the tables are optional for the benchmark
            log(f"float32 accuracy check skipped: {e!r}")

    # 6. launch configuration sweep and register caps (log_iv, log_kv on the first 2e7)
    ns = min(n, 20_000_000)
    res["sweep_n"] = ns
    if not args.quick:
        saved = (_gpu.BLOCK, _gpu.BLOCKS_PER_SM)
        try:
            for name in ("log_iv", "log_kv"):
                f = getattr(lb, name)
                for dt in (np.float64, np.float32):
                    a, b = data[dt][0][:ns], data[dt][1][:ns]
                    o = cp.empty_like(a)
                    for block in (64, 128, 256):
                        for bps in (8, 32, 1 << 20):
                            _gpu.BLOCK, _gpu.BLOCKS_PER_SM = block, bps
                            t = bench_call(cp, lambda: f(a, b, out=o), budget_s=0.2, max_reps=5)
                            res["sweep"].append({"function": name, "dtype": np.dtype(dt).name,
                                                 "block": block, "blocks_per_sm": bps,
                                                 "Gelem_s": ns / t / 1e9})
                    del o
                    best = max((s for s in res["sweep"] if s["function"] == name
                                and s["dtype"] == np.dtype(dt).name), key=lambda s: s["Gelem_s"])
                    log(f"sweep {name} {np.dtype(dt).name}: best block {best['block']}, "
                        f"blocks/SM {best['blocks_per_sm']}: {best['Gelem_s']:.2f} Gelem/s")
        finally:
            _gpu.BLOCK, _gpu.BLOCKS_PER_SM = saved
        # compiler variants at the default launch shape: contraction into FMA, register cap
        base_opts = _gpu.NVRTC_OPTIONS
        no_fmad = tuple(o for o in base_opts if not o.startswith("--fmad"))
        variants = [("default " + " ".join(base_opts), base_opts),
                    ("--fmad=true", no_fmad + ("--fmad=true",)),
                    ("--maxrregcount=64", base_opts + ("--maxrregcount=64",)),
                    ("--fmad=true --maxrregcount=64", no_fmad + ("--fmad=true", "--maxrregcount=64"))]
        try:
            for label, opts in variants:
                _gpu.NVRTC_OPTIONS = opts
                _gpu.reload()
                t0 = time.perf_counter()
                _gpu.compile_all(funcs)
                tc = time.perf_counter() - t0
                for name in funcs:
                    f = getattr(lb, name)
                    for dt in (np.float64, np.float32):
                        a, b = data[dt][0][:ns], data[dt][1][:ns]
                        o = cp.empty_like(a)
                        t = bench_call(cp, lambda: f(a, b, out=o), budget_s=0.2, max_reps=5)
                        regs = int(getattr(_gpu.get_kernel(name, dt), "num_regs", -1))
                        par, mism = parity_eps(name, cp.asnumpy(o[:m]), cpu_ref[(name, dt)], dt)
                        res["variants"].append({"variant": label, "function": name,
                                                "dtype": np.dtype(dt).name, "regs": regs,
                                                "Gelem_s": ns / t / 1e9, "parity_eps": par,
                                                "nonfinite_mismatch": mism, "compile_s": tc})
                        log(f"[{label}] {name} {np.dtype(dt).name}: {regs} regs, "
                            f"{ns / t / 1e9:.2f} Gelem/s, parity {par:.2f} eps ({mism} NaN/inf "
                            f"mismatches), compile {tc:.1f} s")
                        del o
        except Exception as e:
            log(f"compiler-variant sweep failed: {e!r}")
        finally:
            _gpu.NVRTC_OPTIONS = base_opts
            _gpu.reload()

    (outdir / "bench_gpu.json").write_text(json.dumps(res, indent=1, default=str))
    table = _table(res)
    (outdir / "bench_gpu.md").write_text(table + "\n")
    print(table, flush=True)


def _time_cpu(f, a, b):
    t = time.perf_counter()
    f(a, b)
    return time.perf_counter() - t


def _table(res):
    """Details first, the main table last."""
    main = [
        f"GPU: {res['gpu']} ({res['sm_count']} SMs), CuPy {res['cupy']}; N = {res['n']:.0e}; "
        f"copy bandwidth {res['copy_bw_GBs']:.0f} GB/s (read+write); "
        f"first compile {res['compile_s']:.1f} s; CPU: {res['cpu_threads']} threads on "
        f"{res['cpu_n']:.0e} elements",
        "",
        "| function | dtype | GPU Gelem/s | roofline Gelem/s | % roofline | target | CPU Gelem/s | GPU/CPU | parity eps |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in res["rows"]:
        target = {"float32": 50, "float64": 25}[r["dtype"]] if r["function"] != "iv_ratio" else None
        ok = "" if target is None else (f"{target}% " + ("met" if r["pct_roofline"] >= target else "MISSED"))
        main.append(f"| {r['function']} | {r['dtype']} | {r['gpu_Gelem_s']:.2f} | "
                     f"{r['roofline_Gelem_s']:.1f} | {r['pct_roofline']:.1f} | {ok} | "
                     f"{r['cpu_Gelem_s']:.4f} | {r['speedup_vs_cpu']:.0f}x | "
                     f"{r['parity_eps']:.2f}{'' if not r['nonfinite_mismatch'] else ' (%d NaN/inf!)' % r['nonfinite_mismatch']} |")
    lines = []
    if "add_Gelem_s" in res:
        lines.append("")
        lines.append("memory-bound reference, cupy.add: " + ", ".join(
            f"{k} {v:.1f} Gelem/s" for k, v in res["add_Gelem_s"].items()))
    if "f32_max_err_eps32_vs_certified" in res:
        lines.append("float32 (computed in double): max error vs certified float32 tables: " + ", ".join(
            f"{k} {v:.2f} eps32" for k, v in res["f32_max_err_eps32_vs_certified"].items()))
    f32 = {r["function"]: r["gpu_Gelem_s"] for r in res["rows"] if r["dtype"] == "float32"}
    f64 = {r["function"]: r["gpu_Gelem_s"] for r in res["rows"] if r["dtype"] == "float64"}
    if f32 and f64:
        lines.append("float32/float64 throughput ratio: " + ", ".join(
            f"{k} {f32[k] / f64[k]:.2f}" for k in f32 if k in f64))
    if res.get("sweep"):
        best = {}
        for s in res["sweep"]:
            key = (s["function"], s["dtype"])
            if key not in best or s["Gelem_s"] > best[key]["Gelem_s"]:
                best[key] = s
        lines.append(f"launch sweep on {res['sweep_n']:.0e} elements, best (block, blocks/SM; 1048576 = one element per thread): " + "; ".join(
            f"{k[0]} {k[1]} ({s['block']}, {s['blocks_per_sm']}) {s['Gelem_s']:.2f}"
            for k, s in best.items()))
    if res.get("variants"):
        lines += ["", f"compiler variants ({res['sweep_n']:.0e} elements; parity = max eps vs CPU "
                  f"on {res['cpu_n']:.0e}):", "",
                  "| variant | function | dtype | regs | Gelem/s | parity eps |", "|---|---|---|---:|---:|---:|"]
        for r in res["variants"]:
            lines.append(f"| {r['variant']} | {r['function']} | {r['dtype']} | {r['regs']} | "
                         f"{r['Gelem_s']:.2f} | {r['parity_eps']:.2f} |")
    return "\n".join(lines + [""] + main)


if __name__ == "__main__":
    main()
