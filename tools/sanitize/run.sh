#!/usr/bin/env bash
# Build tools/sanitize/driver.cpp with AddressSanitizer and UndefinedBehaviorSanitizer
# (every finding fatal) and run it on the fuzz corpus plus random pairs.
#
#   bash tools/sanitize/run.sh [N_RANDOM]       # default 200000 random pairs
#
# The corpus (tools/sanitize/corpus.bin, not committed) is written first by
# tools/edge_sweep.py --corpus unless it exists; PYTHON selects the interpreter.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$here/build}"
mkdir -p "$build"
CXX="${CXX:-g++}"
PYTHON="${PYTHON:-python3}"
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fopenmp-simd
       -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
       -fno-math-errno -fno-trapping-math -ffp-contract=off)
# the instruction sets the extension is built with (setup.py), so the same code paths run
if grep -qw fma /proc/cpuinfo 2>/dev/null; then flags+=(-mfma); fi
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then flags+=(-mavx2); fi
echo "building: $CXX ${flags[*]}"
"$CXX" "${flags[@]}" -I"$root/csrc" "$here/driver.cpp" -o "$build/driver"
corpus="${CORPUS:-$here/corpus.bin}"
if [ ! -s "$corpus" ]; then
    echo "writing the corpus: $corpus"
    PYTHONPATH="$root/src${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" "$root/tools/edge_sweep.py" --no-speed \
        --functions log_iv --corpus "$corpus" > /dev/null
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
"$build/driver" "$corpus" "${1:-200000}"
