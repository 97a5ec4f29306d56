#!/usr/bin/env bash
# Runs on the GPU machine from the repository root, over the binaries that
# scripts/gpu/build.sh left in build-gpu/carry/: prints the GPU, runs the
# gpu-labelled tests, then the benchmarks, and prints a short table last.
# Writes full logs to $OUT (when set) or build-gpu/logs/.
# Usage: [BENCH_GEMV=0] [BENCH_LLM_GPU_ARGS=...] scripts/gpu/run.sh [CARRY_DIR]
set -uo pipefail

carry=${1:-build-gpu/carry}
logs=${OUT:-build-gpu/logs}
# shellcheck source=scripts/gpu/library_path.sh
. "$(dirname "${BASH_SOURCE[0]}")/library_path.sh" "$carry"
mkdir -p "$logs"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem,temperature.gpu \
  --format=csv,noheader || echo "nvidia-smi failed"

export SEXTANT_TESTDATA="$carry/testdata"

status=0
summary=()
for t in kernels_cuda_test llm_cuda_test; do
  if ! "$carry/$t" --gtest_brief=1 >"$logs/$t.log" 2>&1; then
    status=1
    grep -E 'Failure|error|Expected|Which is|FAILED' "$logs/$t.log" | head -40
  fi
  summary+=("== $t: $(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$logs/$t.log" | tr '\n' ' ')")
done

# BENCH_GEMV=0 skips the GEMV table (a minute or two).
if [ "${BENCH_GEMV:-1}" != 0 ]; then
  "$carry/bench_gemv_cuda" >"$logs/bench_gemv_cuda.log" 2>&1 || status=1
else
  echo "skipped (BENCH_GEMV=0)" >"$logs/bench_gemv_cuda.log"
fi
# BENCH_LLM_GPU_ARGS picks models and types, e.g. "--models qwen2.5-0.5b".
# shellcheck disable=SC2086
"$carry/bench_llm_gpu" ${BENCH_LLM_GPU_ARGS:-} >"$logs/bench_llm_gpu.log" 2>&1 || status=1

printf '%s\n' "${summary[@]}"
echo "== bench_gemv_cuda"
cat "$logs/bench_gemv_cuda.log"
echo "== bench_llm_gpu"
cat "$logs/bench_llm_gpu.log"
exit "$status"
