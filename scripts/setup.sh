#!/usr/bin/env bash
# Installs every Debian package Sextant needs, then builds Release into build/.
# Idempotent: re-running it only installs what is missing and rebuilds what changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${SEXTANT_BUILD_DIR:-"$root/build"}
deps_only=0
for arg in "$@"; do
  case "$arg" in
    --deps-only) deps_only=1 ;;
    -h|--help) echo "usage: scripts/setup.sh [--deps-only]"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# One package per line, with why we need it.
packages=(
  build-essential          # g++ 12 and make
  cmake                    # the build system (3.25)
  ninja-build              # fast parallel builds
  ccache                   # compiler cache, keeps rebuilds and CI fast
  pkg-config               # finds libraries that ship .pc files
  git                      # version stamp in `sextant version`
  libboost1.81-dev         # Boost.Asio and Boost.Beast (HTTP and WebSocket server base)
  nlohmann-json3-dev       # JSON everywhere
  libcurl4-openssl-dev     # HTTP client
  libsqlite3-dev           # run store, caches, knowledge base
  libpcre2-dev             # JSON Schema `pattern`, tokenizer pre-tokenizer regexes
  libtomlplusplus-dev      # configuration files (TOML)
  libutf8proc-dev          # Unicode normalization (NFC) in tokenizers
  libseccomp-dev           # the ToolServer sandbox's system-call filter
  libgumbo-dev             # HTML parsing for web page text extraction (toolserver/tools/web)
  sqlite3-doc              # a real 766-page site for the local search index's tests
  libcli11-dev             # command-line parsing of the `sextant` binary
  libssl-dev               # HTTPS in the loopback test server
  zlib1g-dev               # gzip bodies in the loopback test server
  libgtest-dev             # unit and integration tests
  libgmock-dev             # GoogleTest's matchers
  clang-format             # formatting check (scripts/lint.sh)
  clang-tidy               # static checks
  clang                    # libFuzzer targets in tests/fuzz (docs/fuzzing.md)
  python3                  # small test helpers (HTTP fixtures), python_run in the sandbox
  nodejs                   # MCP servers from the npm registry (plugin tests)
)

need_install=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_install+=("$p")
done

if ((${#need_install[@]})); then
  say "installing: ${need_install[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_install[@]}" \
    || die "apt-get install failed for: ${need_install[*]}"
else
  say "all ${#packages[@]} Debian packages already installed"
fi

for tool in cmake ninja g++; do
  command -v "$tool" >/dev/null || die "missing tool after install: $tool"
done

# Debian ships npm apart from nodejs; NodeSource's nodejs includes it. Ask
# apt for npm only when no npm came with nodejs.
if ! command -v npm >/dev/null; then
  say "installing npm"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm \
    || die "apt-get install failed for: npm"
fi

# The benchmark peer (bench/tokenizer_peer): npm packages, installed once.
peer="$root/bench/tokenizer_peer"
if command -v npm >/dev/null && [ ! -d "$peer/node_modules" ]; then
  say "installing the tokenizer benchmark peer (npm ci in bench/tokenizer_peer)"
  (cd "$peer" && npm ci --silent --no-audit --no-fund) || say "warning: npm ci failed; bench_tokenizer runs without its peer"
fi

# The real MCP servers the plugin tests run (tests/mcp, pinned by its package-lock.json).
mcp_dir="$root/tests/mcp"
if [ ! -d "$mcp_dir/node_modules" ] || [ "$mcp_dir/package-lock.json" -nt "$mcp_dir/node_modules/.package-lock.json" ]; then
  if command -v npm >/dev/null; then
    say "installing the MCP test servers (npm ci in tests/mcp)"
    (cd "$mcp_dir" && npm ci --silent --no-audit --no-fund) || say "warning: npm ci failed in tests/mcp; toolserver_test will fail"
  else
    say "warning: npm not found; toolserver_test needs the MCP servers in tests/mcp"
  fi
fi

if ((deps_only)); then exit 0; fi

cuda="OFF"
if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then cuda="AUTO"; fi
say "CUDA toolkit: $([ "$cuda" = AUTO ] && echo found || echo 'not found (CPU-only build)')"

say "configuring Release in $build_dir"
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEXTANT_CUDA="$cuda" >/dev/null \
  || die "cmake configure failed (see the messages above)"
say "building"
cmake --build "$build_dir" --target sextant || die "build failed"
say "done: $build_dir/bin/sextant"
