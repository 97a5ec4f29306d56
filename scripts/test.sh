#!/usr/bin/env bash
# Builds Sextant (RelWithDebInfo with assertions on, warnings as errors) and
# runs every ctest label except `gpu`. With --sanitize, under ASan and UBSan.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    -h|--help) echo "usage: scripts/test.sh [--sanitize]"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

say() { printf '[test] %s\n' "$*"; }

"$root/scripts/setup.sh" --deps-only

jobs=$(nproc)
build_dir="$root/build-test"
extra=()
if ((sanitize)); then
  build_dir="$root/build-asan"
  extra+=(-DSEXTANT_SANITIZE=address,undefined)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

cuda=OFF
if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then cuda=AUTO; fi

say "configuring $build_dir"
# RelWithDebInfo without -DNDEBUG: optimized, with assertions on.
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g" \
  -DSEXTANT_WERROR=ON -DSEXTANT_CUDA="$cuda" "${extra[@]}" >/dev/null
say "building with $jobs jobs"
cmake --build "$build_dir" -j "$jobs"

say "running tests (all labels but gpu)"
cd "$build_dir"
ctest -LE gpu --output-on-failure -j "$jobs" --timeout 300
