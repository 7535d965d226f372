"""The CUDA kernels build, without a GPU.

1. nvcc: csrc/kernels.cu with the headers, for sm_80 and sm_90 (skipped if nvcc is not on
   PATH). A header change that breaks the device build fails here, in CI, not on a user's
   GPU.
2. NVRTC, the compiler CuPy uses at run time: the exact source and options that
   logbessel._gpu hands to CuPy are compiled to PTX through libnvrtc (loaded with ctypes by
   logbessel._cuda; no GPU or driver is needed), and, as logbessel._cuda does for JAX and
   PyTorch without CuPy, one function to a cubin for sm_90. libnvrtc comes from the `nvidia-cuda-nvrtc` wheel (CUDA 13;
   `nvidia-cuda-nvrtc-cu12` for CUDA 12), from a CUDA toolkit next to nvcc, or from
   LOGBESSEL_NVRTC=/path/to/libnvrtc.so; skipped if none is found.
1 and 2 take minutes on a 2-core machine (nvcc ~7, NVRTC ~2): they are marked cuda_compile
and run only with LOGBESSEL_CUDA_COMPILE=1 (tests/conftest.py), which .ci/run sets for a
second pytest step; the README's test command skips them and says why.
3. Always: under NVRTC (__CUDACC_RTC__) no header may include a system header, since NVRTC
   has none; every `#include <...>` must sit inside an `#if !defined(__CUDACC_RTC__)` block.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from logbessel import _cuda, _gpu

CSRC = _gpu.source_dir()
KERNELS = [f"logbessel_{name}_{sfx}" for name in _gpu.FUNCTIONS for sfx in ("f32", "f64")]
ARCHS = ["80", "90"]


# ---------------------------------------------------------------------------------------
# nvcc
# ---------------------------------------------------------------------------------------

@pytest.mark.cuda_compile
@pytest.mark.skipif(shutil.which("nvcc") is None, reason="nvcc not on PATH")
def test_nvcc_builds_the_kernels(tmp_path):
    """One nvcc call for sm_80 and sm_90 (--threads 0 builds the two targets in parallel)."""
    obj = tmp_path / "kernels.o"
    gencode = []
    for a in ARCHS:
        gencode += ["-gencode", f"arch=compute_{a},code=sm_{a}"]
    cmd = ["nvcc", "-c", "-o", str(obj), "--std=c++17", "-I", str(CSRC), *gencode,
           "--threads", "0", "--resource-usage", str(CSRC / "kernels.cu")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"nvcc failed ({' '.join(cmd)}):\n{log}"
    assert obj.stat().st_size > 0
    for a in ARCHS:  # ptxas reports each entry function per target
        for k in KERNELS:
            assert f"'{k}' for 'sm_{a}'" in log, f"{k} for sm_{a} missing from nvcc's output:\n{log}"


# ---------------------------------------------------------------------------------------
# NVRTC through ctypes
# ---------------------------------------------------------------------------------------

# the package's own loader and compiler (logbessel._cuda: what logbessel.jax and
# logbessel.torch use on a GPU without CuPy)
NVRTC, NVRTC_PATH = _cuda.nvrtc()
nvrtc_compile = _cuda.nvrtc_compile


@pytest.mark.cuda_compile
@pytest.mark.skipif(NVRTC is None, reason="libnvrtc not found (pip install nvidia-cuda-nvrtc)")
def test_nvrtc_compiles_every_kernel():
    """The whole file (no LOGBESSEL_SELECT), for compute_80; the per-function modules the
    backend actually builds are compiled for compute_90 below."""
    code, options, digest = _gpu.build_source()
    # CuPy adds the target and -ftz=true itself; do the same here.
    opts = list(options) + ["--gpu-architecture=compute_80", "-ftz=true"]
    status, log, ptx = nvrtc_compile(code, opts)
    assert status == 0, (f"NVRTC ({NVRTC_PATH}) failed: "
                         f"{NVRTC.nvrtcGetErrorString(status).decode()}\n{log}")
    for k in KERNELS:
        assert re.search(r"\.entry\s+%s\s*\(" % k, ptx), f"{k} missing from the PTX"
    assert digest in code


@pytest.mark.cuda_compile
@pytest.mark.skipif(NVRTC is None, reason="libnvrtc not found (pip install nvidia-cuda-nvrtc)")
@pytest.mark.parametrize("name", _gpu.FUNCTIONS)
def test_nvrtc_one_function_per_module(name):
    """What the backend compiles: one function per module, exactly its two kernels."""
    code, options, _ = _gpu.build_source(name=name)
    status, log, ptx = nvrtc_compile(code, list(options) + ["--gpu-architecture=compute_90",
                                                            "-ftz=true"])
    assert status == 0, log
    entries = set(re.findall(r"\.entry\s+(\w+)\s*\(", ptx))
    assert entries == {f"logbessel_{name}_f32", f"logbessel_{name}_f64"}, entries


@pytest.mark.cuda_compile
@pytest.mark.skipif(NVRTC is None, reason="libnvrtc not found (pip install nvidia-cuda-nvrtc)")
def test_nvrtc_three_argument_kernels():
    """registry.h's probe row arity3_probe(a, b, c): the kernels of a three-argument row come
    from the same macros, with in0, in1, in2, out, n, ndim, s0, s1, s2, so, layout,
    key_lo, key_hi as parameters."""
    code, options, _ = _gpu.build_source()
    options = [o for o in options] + ["-DLOGBESSEL_SELECT", "-DLOGBESSEL_WANT_arity3_probe",
                                      "--gpu-architecture=compute_80", "-ftz=true"]
    status, log, ptx = nvrtc_compile(code, options)
    assert status == 0, log
    entries = dict(re.findall(r"\.entry\s+(\w+)\s*\(([^)]*)\)", ptx))
    assert set(entries) == {"logbessel_arity3_probe_f32", "logbessel_arity3_probe_f64"}, set(entries)
    for params in entries.values():
        assert params.count(".param") == 13, params


@pytest.mark.cuda_compile
@pytest.mark.skipif(NVRTC is None, reason="libnvrtc not found (pip install nvidia-cuda-nvrtc)")
def test_nvrtc_compiles_the_installed_copy_too():
    """The copies shipped in the package (logbessel/_csrc) when they exist (a regular
    install), else the repository's sources again: they must be the same texts."""
    installed = Path(_gpu.__file__).resolve().parent / "_csrc"
    root = installed if (installed / "kernels.cu").is_file() else CSRC
    code, options, digest = _gpu.build_source(root, name="log_iv")
    status, log, _ = nvrtc_compile(code, list(options) + ["--gpu-architecture=compute_90"])
    assert status == 0, log


@pytest.mark.cuda_compile
@pytest.mark.skipif(NVRTC is None, reason="libnvrtc not found (pip install nvidia-cuda-nvrtc)")
def test_cubin_for_the_frameworks(tmp_path, monkeypatch):
    """logbessel._cuda.kernel_image: what the JAX custom calls and torch ops load with the
    driver API; a cubin (ELF) for sm_90, then served from the disk cache."""
    monkeypatch.setenv("LOGBESSEL_CACHE_DIR", str(tmp_path))
    image = _cuda.kernel_image("iv_ratio", 90)
    assert image[:4] == b"\x7fELF", image[:16]
    (cached,) = (tmp_path / "cuda").glob("iv_ratio-*.cubin")
    assert cached.read_bytes() == image and _cuda.kernel_image("iv_ratio", 90) == image


# ---------------------------------------------------------------------------------------
# textual NVRTC check (always runs)
# ---------------------------------------------------------------------------------------

_RTC_OFF = re.compile(r"#\s*(if\s+!\s*defined\s*\(?\s*__CUDACC_RTC__\s*\)?|ifndef\s+__CUDACC_RTC__)\s*$")
_RTC_ON = re.compile(r"#\s*(if\s+defined\s*\(?\s*__CUDACC_RTC__\s*\)?|ifdef\s+__CUDACC_RTC__)\s*$")


def _system_includes_visible_to_nvrtc(text: str):
    """Lines with `#include <...>` that NVRTC would see: not inside an
    `#if !defined(__CUDACC_RTC__)` / `#ifndef __CUDACC_RTC__` branch, nor in the #else of
    an `#ifdef __CUDACC_RTC__`. Other conditions count as visible."""
    stack = []  # per open #if: "skip" (NVRTC skips this branch), "only" (NVRTC only), None
    bad = []
    for no, line in enumerate(text.splitlines(), 1):
        s = line.split("//")[0].strip()
        if _RTC_OFF.match(s):
            stack.append("skip")
        elif _RTC_ON.match(s):
            stack.append("only")
        elif re.match(r"#\s*if(n?def)?\b", s):
            stack.append(None)
        elif re.match(r"#\s*(else|elif)\b", s) and stack:
            stack[-1] = {"skip": None, "only": "skip", None: None}[stack[-1]]
        elif re.match(r"#\s*endif\b", s) and stack:
            stack.pop()
        elif re.match(r"#\s*include\s*<", s) and "skip" not in stack:
            bad.append((no, s))
    return bad


def test_headers_include_no_system_header_under_nvrtc():
    assert _system_includes_visible_to_nvrtc(
        "#if !defined(__CUDACC_RTC__)\n#include <math.h>\n#endif\n") == []
    assert _system_includes_visible_to_nvrtc("#include <cmath>\n") == [(1, "#include <cmath>")]
    assert _system_includes_visible_to_nvrtc(
        "#ifndef __CUDACC_RTC__\n#else\n#include <a.h>\n#endif\n") == [(3, "#include <a.h>")]
    assert _system_includes_visible_to_nvrtc(
        "#ifdef __CUDACC_RTC__\n#else\n#include <a.h>\n#endif\n") == []
    problems = {}
    for f in _gpu.source_files(CSRC):
        bad = _system_includes_visible_to_nvrtc(f.read_text())
        if bad:
            problems[f.name] = bad
    assert not problems, f"system headers visible to NVRTC (which has none): {problems}"


def test_sorted_kernels_listed_alike_in_kernels_cu_and_gpu_py():
    """_gpu.PHASES (whose functions get the tile-sorted grid) must name exactly the
    registry rows whose key type sorts (kernels.cu builds one kernel pair per row, sorted
    by the row's key type), and TILE_PER_THREAD / BLOCK must match the tile the kernels
    are built for: a mismatch would leave elements unwritten or launch blocks that find no
    work."""
    from logbessel import _registry
    text = (CSRC / "kernels.cu").read_text()
    assert re.search(r"^LOGBESSEL_FUNCTIONS\(LOGBESSEL_SELECTED_KERNELS\)", text, flags=re.M)
    assert set(_gpu.FUNCTIONS) == set(_registry.names())
    assert set(_gpu.PHASES) == {f.name for f in _registry.FUNCTIONS if f.sorted}
    assert all(_gpu.PHASES[f.name] == f.phases for f in _registry.FUNCTIONS if f.sorted)
    per = re.search(r"#define LOGBESSEL_TILE_PER_THREAD (\d+)", text)
    max_block = re.search(r"#define LOGBESSEL_TILE_MAX_BLOCK (\d+)", text)
    assert per and int(per.group(1)) == _gpu.TILE_PER_THREAD
    assert max_block and _gpu.BLOCK <= int(max_block.group(1))


def test_phases_cover_every_key_once():
    """Each phase list of _gpu.PHASES must cut [0, N_KEYS) into consecutive intervals, so
    that every element (whatever its key, clamped into that range by the kernel) is
    evaluated and written by exactly one launch; N_KEYS is config.h's REGION_COUNT *
    REGION_BUCKETS."""
    config = (CSRC / "logbessel" / "config.h").read_text()
    count = int(re.search(r"REGION_COUNT = (\d+);", config).group(1))
    buckets = int(re.search(r"REGION_BUCKETS = (\d+);", config).group(1))
    assert _gpu.N_KEYS == count * buckets
    # the boundaries as they were written before they came from config.h's REGION_* (log I:
    # uniform, band of F, series; log K: uniform, band, Temme, continued fraction, where
    # Temme's keys start at 96 now, formerly written 64: no log K key lies in [64, 96), the
    # series' keys; iv_ratio: fixed-depth fraction, deep fraction, uniform)
    assert _gpu.PHASES["log_iv"] == (0, 36, 64, 160)
    assert _gpu.PHASES["log_kv"] == (0, 36, 96, 128, 160)
    assert _gpu.PHASES["iv_ratio"] == (0, 96, 128, 160)
    assert _gpu.PHASES["log_iv_dx"] == (0, 64, 96, 128, 160)
    for name, bounds in _gpu.PHASES.items():
        assert bounds[0] == 0 and bounds[-1] == _gpu.N_KEYS, name
        assert all(a < b for a, b in zip(bounds[:-1], bounds[1:])), name
