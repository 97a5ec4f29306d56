#!/usr/bin/env bash
# Builds the GPU test and benchmark binaries on this machine (nvcc, sm_90)
# into build-gpu/, with the CUDA runtime, libstdc++ and libgcc linked
# statically, copies them into build-gpu/carry/ for the GPU machine, and checks
# with ldd that they need nothing beyond glibc and the files there (libcuda is
# loaded at run time by the static CUDA runtime). Usage: scripts/gpu/build.sh [BUILD_DIR]   (JOBS=2 by default)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${1:-build-gpu}
jobs=${JOBS:-2}
targets=(kernels_cuda_test llm_cuda_test bench_gemv_cuda bench_llm_gpu)

cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
  -DCMAKE_CUDA_FLAGS_RELWITHDEBINFO="-O3 -DNDEBUG" \
  -DSEXTANT_CUDA=ON \
  -DSEXTANT_WERROR=ON \
  -DSEXTANT_BUILD_TOOLSERVER=OFF \
  -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DCMAKE_CUDA_RUNTIME_LIBRARY=Static \
  -DCMAKE_EXE_LINKER_FLAGS="-static-libstdc++ -static-libgcc -Wl,--as-needed" >/dev/null
cmake --build "$build" --target "${targets[@]}" -j"$jobs"

carry="$build/carry"
rm -rf "$carry"
mkdir -p "$carry"
# glibc's own libraries and the vDSO are on every machine; anything else a
# binary needs (a static archive can pull in a small C library such as PCRE2)
# is copied beside it, and library_path.sh puts the folder on LD_LIBRARY_PATH.
glibc='^(linux-vdso\.so|libc\.so|libm\.so|libdl\.so|librt\.so|libpthread\.so|ld-linux-x86-64\.so|/lib64/ld-linux-x86-64\.so)'
for t in "${targets[@]}"; do
  strip -o "$carry/$t" "$build/bin/$t"
  while read -r lib _ path _; do
    if [ -z "$lib" ] || [[ $lib =~ $glibc ]]; then continue; fi
    case "$lib" in
      libcuda.so* | libcudart.so*) echo "build.sh: $t links $lib dynamically" >&2; exit 1 ;;
      libcublas*) continue ;;  # the GPU machine's toolkit has it (library_path.sh finds it)
    esac
    echo "build.sh: carrying $path for $t"
    cp -L "$path" "$carry/$lib"
  done < <(ldd "$carry/$t" | sed 's/^[[:space:]]*//')
done
for t in "${targets[@]}"; do
  if LD_LIBRARY_PATH="$carry:$(dirname "$(ldconfig -p | awk '/libcublas.so.13 /{print $NF; exit}')")" \
    ldd "$carry/$t" | grep -v libcublas | grep -q 'not found'; then
    echo "build.sh: $t has unresolved libraries" >&2
    exit 1
  fi
done
# The tiny reference models travel too (the GPU machine has no ../shared); the
# call's 64 MiB limit leaves out tiny-qwen2's F32 and safetensors files.
testdata=${SEXTANT_TESTDATA:-../shared/testdata}
if [ -d "$testdata/models" ]; then
  mkdir -p "$carry/testdata/models"
  cp -r "$testdata/models/tiny-llama" "$carry/testdata/models/"
  cp -r "$testdata/models/tiny-qwen2" "$carry/testdata/models/"
  rm -f "$carry"/testdata/models/tiny-qwen2/{*F32.gguf,model.safetensors}
fi
cp scripts/gpu/run.sh "$carry/"
du -sh "$carry"
echo "build.sh: binaries in $carry (beyond the files there, only glibc and the driver)"
