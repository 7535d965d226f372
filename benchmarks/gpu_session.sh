#!/usr/bin/env bash
# Everything a short GPU lease should run, in one command (about 6 minutes on an H200):
#   1. benchmarks/gpu_variants.py run: the kernel variants, from cubins built beforehand on
#      any machine with nvcc (`python benchmarks/gpu_variants.py build --dir gpu_variants`,
#      no GPU needed; carry the folder), timed side by side and checked bit for bit;
#   2. benchmarks/gpu_check.sh (QUICK): build, GPU tests, the benchmark table.
# Logs go to /tmp/gpu_session; the tables, the variants log and a tarball of everything to
# $OUT (default ./gpu_session_out). The tables are printed last.
set -u
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
OUT=${OUT:-$PWD/gpu_session_out}
R=/tmp/gpu_session
rm -rf "$R"; mkdir -p "$R" "$OUT"
T0=$SECONDS
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv 2>&1 | tee "$R/smi.txt"
python3 -c "import cupy, numpy; print('cupy', cupy.__version__, 'numpy', numpy.__version__)"
if [ -d "${VARIANTS_DIR:-gpu_variants}" ]; then
    timeout -k 5 150 python3 benchmarks/gpu_variants.py run --dir "${VARIANTS_DIR:-gpu_variants}" --out "$R" 2>&1 | tee "$R/variants.log"
else
    echo "no ${VARIANTS_DIR:-gpu_variants}/ with cubins: variants skipped"
fi
echo "variants done at +$((SECONDS - T0)) s"
QUICK=1 OUT=$R/check bash benchmarks/gpu_check.sh > "$R/check.log" 2>&1
echo "check done at +$((SECONDS - T0)) s"
tail -40 "$R/check.log"
cp "$R/variants.log" "$R/gpu_variants.md" "$R/check/bench_gpu.md" "$R/check/summary.txt" "$OUT/" 2>/dev/null
tar czf "$OUT/all.tgz" -C "$R" . 2>/dev/null
echo "=== variants table"; cat "$R/gpu_variants.md" 2>/dev/null
echo "=== check summary"; cat "$R/check/summary.txt" 2>/dev/null
echo "total +$((SECONDS - T0)) s"
