# shellcheck shell=bash
# Sourced by run.sh and profile.sh on the GPU machine: puts the carried
# binaries' folder ($1) and the toolkit's cuBLAS, wherever it sits, on
# LD_LIBRARY_PATH, and prints where cuBLAS was found.
cublas=$(find /usr/local /usr/lib /opt /usr/local/lib/python3* -name 'libcublas.so.13' 2>/dev/null | head -1)
[ -n "$cublas" ] || cublas=$(python3 -c 'import nvidia.cu13, os; print(os.path.dirname(nvidia.cu13.__file__) + "/lib/libcublas.so.13")' 2>/dev/null)
echo "cuBLAS: ${cublas:-not found}"
export LD_LIBRARY_PATH="$1${cublas:+:$(dirname "$cublas")}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
