#!/usr/bin/env bash
# Runs on the GPU machine from the repository root, over the binaries that
# scripts/gpu/build.sh left in build-gpu/carry/: prints the GPU, runs the
# gpu-labelled tests, then the benchmarks, and prints a short table last.
# Writes full logs to $OUT (when set) or build-gpu/logs/.
# Usage: scripts/gpu/run.sh [CARRY_DIR]
set -uo pipefail

carry=${1:-build-gpu/carry}
logs=${OUT:-build-gpu/logs}
export LD_LIBRARY_PATH="$carry${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mkdir -p "$logs"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem,temperature.gpu \
  --format=csv,noheader || echo "nvidia-smi failed"

status=0
"$carry/kernels_cuda_test" --gtest_brief=1 >"$logs/kernels_cuda_test.log" 2>&1 || status=1
tests=$(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$logs/kernels_cuda_test.log" | tr '\n' ' ')
if ((status != 0)); then
  grep -E 'Failure|error|Expected|Which is|FAILED' "$logs/kernels_cuda_test.log" | head -40
fi

"$carry/bench_gemv_cuda" >"$logs/bench_gemv_cuda.log" 2>&1 || status=1

echo "== kernels_cuda_test: ${tests:-no result}"
echo "== bench_gemv_cuda"
cat "$logs/bench_gemv_cuda.log"
exit "$status"
