// Float32 element-wise ops, norms, rotary embedding and softmax.
#include "kernels/cpu/ops.h"

#include <cmath>

#include "kernels/cpu/internal/simd.h"

namespace sextant::kernels::cpu {

void RmsNorm(const float* x, const float* weight, float* out, int64_t n, float eps) {
  float sum_sq = 0.0f;
  if (internal::HasAvx2Fma()) {
    sum_sq = internal::SumSquaresAvx2(x, n);
  } else {
    sum_sq = internal::DotF32Scalar(x, x, n);
  }
  const float variance = sum_sq / static_cast<float>(n);
  const float inv_rms = 1.0f / std::sqrt(variance + eps);
  for (int64_t i = 0; i < n; ++i) {
    const float normed = x[i] * inv_rms;
    out[i] = weight != nullptr ? weight[i] * normed : normed;
  }
}

void Rope(float* x, int64_t n_heads, int64_t head_dim, int64_t rope_dim, int64_t pos,
          const float* inv_freq, RopeLayout layout) {
  const int64_t half = rope_dim / 2;
  const auto position = static_cast<float>(pos);
  for (int64_t i = 0; i < half; ++i) {
    const float angle = position * inv_freq[i];
    const float c = std::cos(angle);
    const float s = std::sin(angle);
    // Index of the pair's two members within a head.
    const int64_t i0 = layout == RopeLayout::kInterleaved ? 2 * i : i;
    const int64_t i1 = layout == RopeLayout::kInterleaved ? 2 * i + 1 : i + half;
    for (int64_t h = 0; h < n_heads; ++h) {
      float* head = x + h * head_dim;
      const float x0 = head[i0];
      const float x1 = head[i1];
      head[i0] = x0 * c - x1 * s;
      head[i1] = x1 * c + x0 * s;
    }
  }
}

void Softmax(float* x, int64_t n) {
  if (n <= 0) return;
  float max = x[0];
  for (int64_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  for (int64_t i = 0; i < n; ++i) x[i] /= sum;
}

void SwiGlu(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void AddInPlace(float* y, const float* x, int64_t n) {
  if (internal::HasAvx2Fma()) {
    internal::AddAvx2(y, x, n);
    return;
  }
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

float DotF32(const float* a, const float* b, int64_t n) {
  if (internal::HasAvx2Fma()) return internal::DotF32Avx2(a, b, n);
  return internal::DotF32Scalar(a, b, n);
}

void Axpy(float a, const float* x, float* y, int64_t n) {
  if (internal::HasAvx2Fma()) {
    internal::AxpyAvx2(a, x, y, n);
    return;
  }
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

}  // namespace sextant::kernels::cpu
