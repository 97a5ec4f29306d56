#!/usr/bin/env bash
# Runs on the GPU machine from the repository root, over the binaries that
# scripts/gpu/build.sh left in build-gpu/carry/: times every kernel of a few
# decode steps with Nsight Compute (ncu) and prints where a step's GPU time
# goes, one row per kernel, largest first. The sum excludes launch gaps, so
# set it beside the step time that bench_llm_gpu measures.
# With DETAIL=REGEX, a second pass prints, for the first 8 launches of the
# kernels whose names match, the limits that explain their time: DRAM and SM
# throughput, issue activity, achieved occupancy and registers.
# BATCH "prefill" profiles one 512-token prompt instead of decode steps, and
# "long" batch-1 steps from position 4,096 after a prompt that long.
# Usage: [DETAIL=REGEX] scripts/gpu/profile.sh [CARRY_DIR] [MODEL] [TYPE] [BATCH]
#   defaults: build-gpu/carry llama3-8b q4_k_m 1
set -uo pipefail

carry=${1:-build-gpu/carry}
model=${2:-llama3-8b}
type=${3:-q4_k_m}
batch=${4:-1}
if [ "$batch" = prefill ]; then
  what=(--profile-prefill)
  unit="prefill of 512 tokens"
elif [ "$batch" = long ]; then
  what=(--profile-long)
  unit="decode step at position 4,096 (batch 1)"
else
  what=(--profile-decode "$batch")
  unit="decode step at batch $batch"
fi
logs=${OUT:-build-gpu/logs}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$logs"

ncu=$(command -v ncu || find /usr/local /opt -name ncu -type f -perm -u+x 2>/dev/null | head -1)
[ -n "$ncu" ] || { echo "profile: ncu (Nsight Compute) not found" >&2; exit 1; }
# shellcheck source=scripts/gpu/library_path.sh
. "$here/library_path.sh" "$carry"

# ncu over bench_llm_gpu's profiled range: each kernel node of the graph is
# timed on its own, with caches and clocks left as a normal run has them.
# Usage: run_ncu CSV LOG NCU_ARGS...
run_ncu() {
  local csv=$1 log=$2
  shift 2
  "$ncu" --profile-from-start off --graph-profiling node --cache-control none \
    --clock-control none --csv --page raw --print-units base --log-file "$csv" "$@" \
    "$carry/bench_llm_gpu" --models "$model" --types "$type" "${what[@]}" >"$log" 2>&1
}

csv="$logs/ncu_${model}_${type}_b${batch}.csv"
run_ncu "$csv" "$logs/profile_bench.log" --metrics gpu__time_duration.sum
status=$?
tail -3 "$logs/profile_bench.log"
((status == 0)) || { echo "profile: ncu exited with $status (see $logs/profile_bench.log)" >&2; exit 1; }

steps=$(grep -oE 'profiled [0-9]+ (decode steps|prefill)' "$logs/profile_bench.log" |
  grep -oE '[0-9]+' | head -1)
echo "== $model $type: GPU time per $unit by kernel (ncu)"
python3 "$here/kernel_table.py" "$csv" "${steps:-1}"

[ -n "${DETAIL:-}" ] || exit 0
detail="$logs/ncu_${model}_${type}_b${batch}_detail.csv"
metrics=gpu__time_duration.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed
metrics+=,sm__throughput.avg.pct_of_peak_sustained_elapsed
metrics+=,smsp__issue_active.avg.pct_of_peak_sustained_active
metrics+=,sm__warps_active.avg.pct_of_peak_sustained_active
metrics+=,launch__registers_per_thread,launch__grid_size,launch__block_size
run_ncu "$detail" "$logs/profile_detail.log" -k "regex:$DETAIL" -c 8 --metrics "$metrics" ||
  { echo "profile: the detail pass failed (see $logs/profile_detail.log)" >&2; exit 1; }
echo "== $model $type, $unit: kernels matching $DETAIL (ncu)"
python3 "$here/kernel_detail.py" "$detail"
