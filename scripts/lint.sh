#!/usr/bin/env bash
# Checks the project's C++ files: formatting with clang-format (no options), or
# clang-tidy over the compile database (--tidy BUILD_DIR; test sources,
# bench/ and tests/ are left out of tidy to keep CI fast).
# Exits non-zero, naming each file, when a check fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tidy_build=""
while (($#)); do
  case "$1" in
    --tidy) tidy_build=${2:?--tidy needs the build directory}; shift 2 ;;
    -h|--help) echo "usage: scripts/lint.sh [--tidy BUILD_DIR]"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

command -v clang-format >/dev/null || { echo "lint: clang-format is not installed (scripts/setup.sh)" >&2; exit 1; }

mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
  '*.cpp' '*.h' '*.cc' '*.cu' '*.cuh' | grep -v '^build')
if [ -z "$tidy_build" ]; then
  bad=()
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if ((${#bad[@]})); then
    echo "lint: not clang-formatted (run: clang-format -i FILE):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "lint: ${#files[@]} files formatted"
fi

if [ -n "$tidy_build" ]; then
  [ -f "$tidy_build/compile_commands.json" ] || { echo "lint: no compile_commands.json in $tidy_build" >&2; exit 1; }
  # Results are cached per file: the key covers the file, every .clang-tidy
  # and every project header, so a header change re-checks everything.
  cache=${SEXTANT_TIDY_CACHE:-"${XDG_CACHE_HOME:-$HOME/.cache}/sextant-tidy"}
  mkdir -p "$cache"
  common_key=$(git ls-files --cached --others --exclude-standard -- .clang-tidy '*/.clang-tidy' \
    '*.h' '*.cuh' | xargs cat | sha256sum | cut -c1-16)
  todo=()
  while IFS= read -r f; do
    key=$( (echo "$common_key"; cat "$f") | sha256sum | cut -c1-32)
    [ -f "$cache/$key" ] || todo+=("$f:$key")
  done < <(printf '%s\n' "${files[@]}" | grep -E '\.cpp$' | grep -v '_test\.cpp$' | grep -Ev '^(bench|tests)/')
  echo "lint: clang-tidy on ${#todo[@]} files (others unchanged since their last clean check)"
  check() {
    local f=${1%:*} key=${1##*:}
    clang-tidy -p "$2" --quiet --extra-arg=-Wno-unknown-warning-option "$f" 2>/dev/null && touch "$3/$key"
  }
  export -f check
  printf '%s\n' "${todo[@]}" | xargs -r -P "$(nproc)" -I{} bash -c 'check "$@"' _ {} "$tidy_build" "$cache"
  echo "lint: clang-tidy clean"
fi
