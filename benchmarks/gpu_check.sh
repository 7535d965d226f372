#!/usr/bin/env bash
# One-shot GPU check, meant for a machine with an NVIDIA GPU, CuPy, pybind11, pytest and a
# C++ compiler already installed (no network needed):
#   1. build and install the package into a scratch folder (non-editable, so the kernels
#      are compiled from the headers shipped inside the installed package),
#   2. run the GPU tests (tests/test_gpu.py), then the other tests marked `gpu`, then the
#      frameworks' GPU tests and benchmark (JAX custom calls, torch operators; each skips
#      where jax or torch is missing), each under a hard timeout,
#   3. run the benchmark (benchmarks/bench_gpu.py), even if tests failed,
# and print the results table last. Logs and results go to $OUT (default ./gpu_check_out).
#
#   bash benchmarks/gpu_check.sh            # the whole check, about 5-7 minutes
#   N=1e7 bash benchmarks/gpu_check.sh      # smaller benchmark
#   QUICK=1 bash benchmarks/gpu_check.sh    # no launch sweep / compiler variants (~60 s less)
# Wheels in ./.whl (e.g. a CuPy for another Python) are installed first when present.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/gpu_check_out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
N=${N:-1e8}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}  # tests/test_gpu.py took 122 s for 119 tests on an H200 (2026-11-27)
OTHER_TIMEOUT=${OTHER_TIMEOUT:-90}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-240}
export PYTHONUNBUFFERED=1
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/logbessel-gpu.XXXXXX")
T0=$SECONDS
declare -a SUMMARY=()

stage() { echo; echo "=== [$(date +%H:%M:%S), +$((SECONDS - T0)) s] $*"; }
record() { SUMMARY+=("$1"); echo ">>> $1"; }

stage "environment"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | tee "$OUT/env.txt"
"$PY" - <<'EOF' 2>&1 | tee -a "$OUT/env.txt"
import sys, platform
print("python", sys.version.split()[0], platform.machine())
for mod in ("numpy", "cupy", "pybind11", "pytest", "setuptools", "jax", "torch"):
    try:
        m = __import__(mod)
        print(mod, getattr(m, "__version__", "?"))
    except Exception as e:
        print(mod, "MISSING", repr(e))
try:
    import cupy
    print("cuda runtime", cupy.cuda.runtime.runtimeGetVersion(), "driver", cupy.cuda.runtime.driverGetVersion(),
          "devices", cupy.cuda.runtime.getDeviceCount())
except Exception as e:
    print("cupy/cuda not usable:", repr(e))
EOF

if ls .whl/*.whl >/dev/null 2>&1; then
    stage "install carried wheels (.whl)"
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$SCRATCH/wheels" .whl/*.whl 2>&1 | tail -3
    export PYTHONPATH="$SCRATCH/wheels${PYTHONPATH:+:$PYTHONPATH}"
fi

stage "build + install logbessel (non-editable, into $SCRATCH/site)"
t=$SECONDS
if "$PY" -m pip install -q --no-build-isolation --no-deps --no-compile --no-cache-dir \
        --target "$SCRATCH/site" . >"$OUT/build.log" 2>&1; then
    export PYTHONPATH="$SCRATCH/site${PYTHONPATH:+:$PYTHONPATH}"
    record "build: ok ($((SECONDS - t)) s, pip install --target)"
else
    tail -20 "$OUT/build.log"
    echo "pip install failed; falling back to an in-place build"
    if "$PY" setup.py build_ext --inplace >>"$OUT/build.log" 2>&1; then
        export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
        record "build: ok ($((SECONDS - t)) s, in place; pip install failed, see build.log)"
    else
        tail -30 "$OUT/build.log"
        record "build: FAILED (see build.log)"
    fi
fi
"$PY" -c "import logbessel, logbessel._gpu as g; print('logbessel from', logbessel.__file__); print('kernel sources', g.source_dir(), g.source_hash()[:16])" 2>&1 | tee -a "$OUT/env.txt"

# Benchmark and tests use separate, empty CuPy caches: the first call compiles for real.
export CUPY_CACHE_DIR="$SCRATCH/cupy_cache_tests"

stage "GPU tests (timeout ${TEST_TIMEOUT} s)"
t=$SECONDS
LOGBESSEL_REQUIRE_GPU=1 timeout -k 10 "$TEST_TIMEOUT" "$PY" -m pytest -q -rfEs --maxfail=10 -p no:cacheprovider \
    tests/test_gpu.py 2>&1 | tee "$OUT/tests.log"
rc=${PIPESTATUS[0]}
line=$(grep -E "(passed|failed|error|skipped)" "$OUT/tests.log" | tail -1)
if [ "$rc" -eq 0 ]; then
    record "tests: ok ($((SECONDS - t)) s): $line"
elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    record "tests: TIMED OUT after ${TEST_TIMEOUT} s: $line"
else
    record "tests: FAILED rc=$rc ($((SECONDS - t)) s): $line"
fi

stage "other GPU-marked tests (-m gpu, timeout ${OTHER_TIMEOUT} s)"
t=$SECONDS
LOGBESSEL_REQUIRE_GPU=1 timeout -k 10 "$OTHER_TIMEOUT" "$PY" -m pytest -q -rfE --maxfail=10 -p no:cacheprovider \
    -m gpu tests --ignore=tests/test_gpu.py --ignore=tests/test_cuda_compile.py 2>&1 | tee "$OUT/tests_other.log"
rc=${PIPESTATUS[0]}
line=$(grep -E "(passed|failed|error|skipped|deselected)" "$OUT/tests_other.log" | tail -1)
case $rc in
    0) record "other GPU tests: ok ($((SECONDS - t)) s): $line" ;;
    5) record "other GPU tests: none collected" ;;
    124|137) record "other GPU tests: TIMED OUT after ${OTHER_TIMEOUT} s: $line" ;;
    *) record "other GPU tests: FAILED rc=$rc ($((SECONDS - t)) s): $line" ;;
esac

stage "framework GPU tests: JAX custom calls, torch operators, no CuPy (timeout ${OTHER_TIMEOUT} s)"
t=$SECONDS
export LOGBESSEL_CACHE_DIR="$SCRATCH/logbessel_cache"  # empty: the kernels compile for real
timeout -k 10 "$OTHER_TIMEOUT" "$PY" -m pytest -q -rfEs -p no:cacheprovider \
    tests/test_jax_ffi.py tests/test_torch_ops.py -k "gpu or cuda" 2>&1 | tee "$OUT/tests_frameworks.log"
rc=${PIPESTATUS[0]}
line=$(grep -E "(passed|failed|error|skipped|deselected)" "$OUT/tests_frameworks.log" | tail -1)
case $rc in
    0) record "framework GPU tests: ok ($((SECONDS - t)) s): $line" ;;
    5) record "framework GPU tests: none collected (jax/torch missing?)" ;;
    124|137) record "framework GPU tests: TIMED OUT after ${OTHER_TIMEOUT} s: $line" ;;
    *) record "framework GPU tests: FAILED rc=$rc ($((SECONDS - t)) s): $line" ;;
esac
timeout -k 10 "$OTHER_TIMEOUT" "$PY" benchmarks/bench_frameworks.py --only gpu --gpu-n "$N" --repeat 3 \
    2>&1 | tee "$OUT/bench_frameworks.log"
record "framework benchmark: rc=${PIPESTATUS[0]}, see bench_frameworks.log"

stage "benchmark N=$N (timeout ${BENCH_TIMEOUT} s)"
export CUPY_CACHE_DIR="$SCRATCH/cupy_cache_bench"
t=$SECONDS
timeout -k 10 "$BENCH_TIMEOUT" "$PY" benchmarks/bench_gpu.py --n "$N" --out "$OUT" ${QUICK:+--quick} 2>&1 | tee "$OUT/bench.log"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 0 ]; then
    record "benchmark: ok ($((SECONDS - t)) s)"
else
    record "benchmark: FAILED rc=$rc ($((SECONDS - t)) s), see bench.log"
fi

stage "summary (total $((SECONDS - T0)) s)"
printf '%s\n' "${SUMMARY[@]}" | tee "$OUT/summary.txt"
echo
if [ -f "$OUT/bench_gpu.md" ]; then
    cat "$OUT/bench_gpu.md"
else
    echo "(no benchmark table: see $OUT/bench.log)"
fi
rm -rf "$SCRATCH"
