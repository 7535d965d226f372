"""Kernel variants of csrc/kernels.cu, built ahead with nvcc and timed side by side on a GPU.

The device machine is lent for minutes, so the variants are compiled here (no GPU needed)
and carried as cubins; on the GPU the script loads them with CuPy, times each on the same
inputs, checks that every variant that must be bit-identical is, and times each region of
log I and log K on its own inputs (plain and sorted kernels), so the cost of warp
divergence can be read off.

    python benchmarks/gpu_variants.py build [--dir gpu_variants] [--arch 90]
    python benchmarks/gpu_variants.py run [--dir gpu_variants] [--n 1e8] [--out DIR]

Variants (compile-time options of kernels.cu; see its comments), each run in one launch
over all keys ("one") and/or one launch per phase (_gpu.PHASES, "ph"):
  plain       one element per thread, no sorting, no launch bounds (the first kernels)
  s4          tiles of 4 x 256 elements sorted by key, __launch_bounds__(256, 4): the default
  s4lb3       s4 with __launch_bounds__(256, 3) (80 registers)
  s4nolb      s4 without launch bounds
  s8b128lb6   tiles of 8 x 128, __launch_bounds__(128, 6)
  s4region    s4 sorted by region only (no work buckets)
  s4fmad      s4 with --fmad=true (contraction: not bit-identical, speed only)

Measured on an NVIDIA H200 (2026-11-27; 1e8 elements, the CPU benchmark's distribution),
float64 Gelem/s for log_iv / log_kv / iv_ratio (float32 within 4% of these), every exact
variant bit-identical to plain on the 1e8 inputs and on the edge cases:
  plain one 2.96 / 1.25 / 1.22;  s4lb3 one 10.17 / 5.28 / 5.31;  s4lb3 ph 13.34 / 8.86 / 8.45
  s4 ph 15.00 / 10.25 / 8.87;  s4nolb ph 9.92 / 6.75 / 6.83;  s8b128lb6 ph 13.68 / 9.24 / 7.56
  s4region ph (lb3) 5.53 / 4.51 / 8.45;  s4fmad ph (lb3) 13.38 / 9.03 / 8.62
Regions alone (s4lb3, one launch): log_iv uniform 28.9, band 23.1, series 22.3; log_kv
uniform 29.0, band 23.1, Temme 14.3, continued fraction 8.95.
The table is printed last and written to DIR/gpu_variants.md (and .json).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FUNCS = ("log_iv", "log_kv", "iv_ratio")
# name: (extra nvcc options, block size at launch, elements per thread, modes)
VARIANTS = {
    "plain": (["-DLOGBESSEL_PLAIN", "-DLOGBESSEL_MIN_BLOCKS=0"], 256, 1, ("one",)),
    "s4": ([], 256, 4, ("one", "ph")),
    "s4lb3": (["-DLOGBESSEL_MIN_BLOCKS=3"], 256, 4, ("ph",)),
    "s4nolb": (["-DLOGBESSEL_MIN_BLOCKS=0"], 256, 4, ("ph",)),
    "s8b128lb6": (["-DLOGBESSEL_TILE_PER_THREAD=8", "-DLOGBESSEL_TILE_MAX_BLOCK=128",
                   "-DLOGBESSEL_MIN_BLOCKS=6"], 128, 8, ("ph",)),
    "s4region": (["-DLOGBESSEL_REGION_KEYS"], 256, 4, ("ph",)),
    "s4fmad": (["--fmad=true"], 256, 4, ("ph",)),
}
EXACT = [k for k in VARIANTS if k != "s4fmad"]  # must equal plain bit for bit


def _load_gpu_py():
    """logbessel._gpu (PHASES, N_KEYS: the registry's, read from the built extension)."""
    sys.path.insert(0, str(ROOT / "src"))
    from logbessel import _gpu
    return _gpu


REGION_NAMES = {0: "special", 1: "uniform", 2: "I series", 3: "K Temme", 4: "K CF"}


def log(msg):
    print(f"[variants {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def build(args):
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    base = ["nvcc", "-std=c++17", f"-arch=sm_{args.arch}", "-cubin", "-ftz=true", "-Xptxas", "-v",
            "-I", str(ROOT / "csrc"), "-DLOGBESSEL_SELECT", "-DLOGBESSEL_KEY_KERNELS"]
    base += [f"-DLOGBESSEL_WANT_{f}" for f in FUNCS]

    def one(name):
        opts = VARIANTS[name][0]
        fmad = [] if any(o.startswith("--fmad") for o in opts) else ["--fmad=false"]
        cmd = base + fmad + opts + ["-o", str(out / f"{name}.cubin"), str(ROOT / "csrc" / "kernels.cu")]
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        (out / f"{name}.log").write_text(p.stdout + p.stderr)
        regs = [ln.split("Used ")[1].split(" registers")[0] for ln in (p.stdout + p.stderr).splitlines()
                if "Used " in ln and "registers" in ln]
        return name, p.returncode, time.perf_counter() - t, regs

    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as ex:
        for name, rc, t, regs in ex.map(one, VARIANTS):
            log(f"{name}: rc={rc} ({t:.0f} s), registers {regs}")
            if rc:
                sys.exit(f"nvcc failed for {name}: see {out / (name + '.log')}")


def main_run(args):
    import cupy as cp
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_gpu import bench_call, copy_bandwidth

    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    cdir = Path(args.dir)
    dev = cp.cuda.Device()
    props = cp.cuda.runtime.getDeviceProperties(dev.id)
    gpu = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    sms = props["multiProcessorCount"]
    res = {"gpu": gpu, "sms": sms, "n": int(args.n), "rows": [], "regions": [], "edge": []}
    log(f"{gpu}, {sms} SMs")

    mods = {}
    for name in VARIANTS:
        f = cdir / f"{name}.cubin"
        if f.is_file():
            mods[name] = cp.RawModule(path=str(f))
    log(f"loaded {sorted(mods)}")
    if "plain" not in mods:
        sys.exit("no plain.cubin: build first")

    def kern(var, fn, dt):
        return mods[var].get_function(f"logbessel_{fn}_{'f32' if dt == np.float32 else 'f64'}")

    g = _load_gpu_py()

    def launch(var, fn, v, x, o, n=None, ndim=1, strides=(1, 1, 1), layout=None, mode="one"):
        _, block, per, _ = VARIANTS[var]
        n = v.size if n is None else n
        grid = max(1, (n + block * per - 1) // (block * per))
        k = kern(var, fn, v.dtype.type)
        bounds = g.PHASES[fn] if mode == "ph" else (0, g.N_KEYS)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            k((grid,), (block,), (v, x, o, np.int64(n), np.int32(ndim), np.int64(strides[0]),
                                 np.int64(strides[1]), np.int64(strides[2]),
                                 layout if layout is not None else np.uint64(0),
                                 np.int32(lo), np.int32(hi)))

    bw = copy_bandwidth(cp)
    res["copy_GBs"] = bw / 1e9
    log(f"copy {bw / 1e9:.0f} GB/s (read + write)")

    n = int(args.n)
    rs = cp.random.RandomState(12345)
    v64 = 10.0 ** rs.uniform(-1.0, 3.0, n, dtype=cp.float64)
    x64 = 10.0 ** rs.uniform(-2.0, 3.0, n, dtype=cp.float64)
    data = {np.float64: (v64, x64), np.float32: (v64.astype(cp.float32), x64.astype(cp.float32))}

    # 1. every variant on the benchmark's inputs
    for fn in FUNCS:
        for dt in (np.float64, np.float32):
            v, x = data[dt]
            ref = cp.empty_like(v)
            launch("plain", fn, v, x, ref)
            o = cp.empty_like(v)
            for var, mode in [(k, md) for k in mods for md in VARIANTS[k][3]]:
                o.fill(np.nan)
                t = bench_call(cp, lambda: launch(var, fn, v, x, o, mode=mode), budget_s=0.25, max_reps=20)
                ib = o.view(cp.int32 if dt == np.float32 else cp.int64)
                rb = ref.view(cp.int32 if dt == np.float32 else cp.int64)
                diff = int(cp.count_nonzero(ib != rb))
                row = {"variant": f"{var} {mode}", "function": fn, "dtype": np.dtype(dt).name,
                       "Gelem_s": n / t / 1e9, "roof_pct": 100 * n / t / (bw / (3 * np.dtype(dt).itemsize)),
                       "bits_differ": diff}
                res["rows"].append(row)
                log(f"{var:9s} {mode:3s} {fn:8s} {row['dtype']}: {row['Gelem_s']:6.2f} Gelem/s "
                    f"({row['roof_pct']:.1f}% roofline), {diff} results differ from plain")
            del o, ref

    # 2. each region on its own (float64), plain and sorted
    for fn in ("log_iv", "log_kv"):
        keys = cp.empty(n, dtype=cp.int32)
        kk = mods["plain"].get_function(f"logbessel_{fn}_key")
        kk(((n + 255) // 256,), (256,), (v64, x64, keys, np.int64(n)))
        region = keys // 32
        band = (region == 1) & ((keys % 32) >= 4)
        groups = [("all", cp.ones(n, dtype=bool))]
        for r in range(5):
            sel = region == r
            if r == 1:
                groups += [("uniform (not band)", sel & ~band), ("uniform band", band)]
            else:
                groups.append((REGION_NAMES[r], sel))
        for label, sel in groups:
            m = int(cp.count_nonzero(sel))
            if m < 100000:
                continue
            vs, xs = v64[sel], x64[sel]
            o = cp.empty_like(vs)
            rates = {}
            for var in ("plain", "s4"):
                if var in mods:
                    t = bench_call(cp, lambda: launch(var, fn, vs, xs, o), budget_s=0.2, max_reps=20)
                    rates[var] = m / t / 1e9
            rec = {"function": fn, "region": label, "share": m / n, **{f"{k}_Gelem_s": r for k, r in rates.items()}}
            res["regions"].append(rec)
            log(f"region {fn} {label:20s} {100 * m / n:5.1f}%: " + ", ".join(f"{k} {r:.2f}" for k, r in rates.items()))
            del vs, xs, o

    # 3. edge cases: sizes that are not whole tiles, special values, strided and 2-d
    #    layouts; every sorted variant must equal plain bit for bit
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0, -2.0, -2.5, 1e-310, 5e-324,
                         1e300, 1e-300, 0.5, 1.0, 24.0, 23.999, 1e8, 1e-3], dtype=np.float64)
    hr = np.random.default_rng(7)
    bad = 0
    for m in (1, 31, 257, 1023, 1025, 4097, 300007):
        hv = 10.0 ** hr.uniform(-3, 4, m) * np.where(hr.random(m) < 0.1, -1, 1)
        hx = 10.0 ** hr.uniform(-3, 4, m)
        pick = hr.random(m) < 0.15
        hv[pick] = hr.choice(specials, pick.sum())
        pick = hr.random(m) < 0.15
        hx[pick] = hr.choice(specials, pick.sum())
        for dt in (np.float64, np.float32):
            v, x = cp.asarray(hv.astype(dt)), cp.asarray(hx.astype(dt))
            for fn in FUNCS:
                ref = cp.full(m, 7, dtype=dt)
                launch("plain", fn, v, x, ref)
                for var, mode in [(k, md) for k in EXACT for md in ("one", "ph")]:
                    if var == "plain" or var not in mods:
                        continue
                    o = cp.full(m, 7, dtype=dt)
                    launch(var, fn, v, x, o, mode=mode)
                    same = bool(cp.all((o == ref) | (cp.isnan(o) & cp.isnan(ref))))
                    # strided operands and output (every 3rd element of bigger arrays)
                    vb = cp.zeros(3 * m, dtype=dt); vb[::3] = v
                    xb = cp.zeros(3 * m, dtype=dt); xb[::3] = x
                    ob = cp.full(3 * m, 7, dtype=dt)
                    launch(var, fn, vb, xb, ob, n=m, strides=(3, 3, 3), mode=mode)
                    same_s = bool(cp.all((ob[::3] == ref) | (cp.isnan(ob[::3]) & cp.isnan(ref))))
                    same_s &= bool(cp.all(ob[1::3] == 7)) and bool(cp.all(ob[2::3] == 7))
                    ok = same and same_s
                    if not ok:
                        bad += 1
                        log(f"EDGE MISMATCH {var} {mode} {fn} {np.dtype(dt).name} m={m}: contiguous {same}, strided {same_s}")
    # 2-d: v is a transposed (non-collapsible) view, x broadcast along a row
    for dt in (np.float64, np.float32):
        a = cp.asarray((10.0 ** hr.uniform(-2, 3, (611, 37))).astype(dt))
        vt = a.T  # (37, 611), strides (1, 37)
        xr = cp.asarray((10.0 ** hr.uniform(-2, 3, 611)).astype(dt))
        vc = cp.ascontiguousarray(vt)
        xc = cp.ascontiguousarray(cp.broadcast_to(xr, vt.shape))
        for fn in FUNCS:
            ref = cp.empty(vt.shape, dtype=dt)
            launch("plain", fn, vc.ravel(), xc.ravel(), ref)
            for var, mode in [(k, md) for k in EXACT for md in ("one", "ph")]:
                if var not in mods:
                    continue
                o = cp.full(vt.shape, 7, dtype=dt)
                layout = cp.asarray(np.array([37, 611, 1, 37, 0, 1, 611, 1], dtype=np.int64))
                launch(var, fn, vt, xr, o, n=vt.size, ndim=2, layout=layout, mode=mode)
                if not bool(cp.all((o == ref) | (cp.isnan(o) & cp.isnan(ref)))):
                    bad += 1
                    log(f"EDGE MISMATCH 2-d {var} {mode} {fn} {np.dtype(dt).name}")
    res["edge_mismatches"] = bad
    log(f"edge cases: {bad} mismatches")

    (outdir / "gpu_variants.json").write_text(json.dumps(res, indent=1))
    table = _table(res)
    (outdir / "gpu_variants.md").write_text(table + "\n")
    print(table, flush=True)


def _table(res):
    lines = [f"{res['gpu']} ({res['sms']} SMs), n = {res['n']:.0e}, copy {res['copy_GBs']:.0f} GB/s; "
             f"edge-case mismatches: {res['edge_mismatches']}", "",
             "| region (float64) | share | plain Gelem/s | s4 Gelem/s |", "|---|---:|---:|---:|"]
    for r in res["regions"]:
        lines.append(f"| {r['function']} {r['region']} | {100 * r['share']:.1f}% | "
                     f"{r.get('plain_Gelem_s', float('nan')):.2f} | {r.get('s4_Gelem_s', float('nan')):.2f} |")
    lines += ["", "| variant | " + " | ".join(f"{f} {d}" for f in FUNCS for d in ("f64", "f32")) + " |",
              "|---|" + "---:|" * (2 * len(FUNCS))]
    by = {(r["variant"], r["function"], r["dtype"]): r for r in res["rows"]}
    for var, mode in [(k, md) for k in VARIANTS for md in VARIANTS[k][3]]:
        cells = []
        for f in FUNCS:
            for d in ("float64", "float32"):
                r = by.get((f"{var} {mode}", f, d))
                cells.append("-" if r is None else f"{r['Gelem_s']:.2f}" + ("" if not r["bits_differ"] or var == "s4fmad" else " (DIFF!)"))
        lines.append(f"| {var} {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("build", "run"))
    ap.add_argument("--dir", default="gpu_variants")
    ap.add_argument("--arch", default="90")
    ap.add_argument("--n", type=float, default=1e8)
    ap.add_argument("--out", default=os.environ.get("OUT") or "gpu_variants_out")
    a = ap.parse_args()
    build(a) if a.cmd == "build" else main_run(a)
