// Run-time CPU feature detection for the SIMD dispatch, and the scalar
// fallbacks used when the CPU lacks those features.
#include <cpuid.h>

#include <atomic>

#include "kernels/cpu/internal/simd.h"

namespace sextant::kernels::cpu::internal {
namespace {

constexpr unsigned kCpuidLeafFeatures = 1;
constexpr unsigned kF16cEcxBit = 1u << 29;

bool DetectAvx2Fma() {
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  if (__get_cpuid(kCpuidLeafFeatures, &eax, &ebx, &ecx, &edx) == 0) return false;
  const bool f16c = (ecx & kF16cEcxBit) != 0;
  return f16c && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

std::atomic<bool> g_simd_enabled{true};

}  // namespace

bool HasAvx2Fma() {
  static const bool kHas = DetectAvx2Fma();
  return kHas && g_simd_enabled.load(std::memory_order_relaxed);
}

void SetSimdEnabledForTesting(bool enabled) {
  g_simd_enabled.store(enabled, std::memory_order_relaxed);
}

float DotF32Scalar(const float* a, const float* b, int64_t n) {
  constexpr int kLanes = 4;
  float acc[kLanes] = {0.0f, 0.0f, 0.0f, 0.0f};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  }
  for (; i < n; ++i) acc[0] += a[i] * b[i];
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

void DotTileScalar(const float* w, int64_t w_stride, int64_t n_rows, const float* x,
                   int64_t x_stride, int64_t n_batch, int64_t n, float* out, int64_t out_stride) {
  for (int64_t b = 0; b < n_batch; ++b) {
    for (int64_t r = 0; r < n_rows; ++r) {
      out[b * out_stride + r] = DotF32Scalar(w + r * w_stride, x + b * x_stride, n);
    }
  }
}

}  // namespace sextant::kernels::cpu::internal
