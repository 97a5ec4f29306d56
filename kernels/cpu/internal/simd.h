// Run-time selected SIMD fast paths. The *Avx2 functions live in a file
// compiled with -mavx2 -mfma -mf16c and may only be called when
// HasAvx2Fma() is true.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace sextant::kernels::cpu::internal {

// Whether this CPU has AVX2, FMA and F16C (checked once).
bool HasAvx2Fma();

// Forces the scalar paths (for tests and benchmarks); not thread-safe
// against concurrent kernel calls.
void SetSimdEnabledForTesting(bool enabled);

// Plain scalar loops, for CPUs without the SIMD paths.
float DotF32Scalar(const float* a, const float* b, int64_t n);
void DotTileScalar(const float* w, int64_t w_stride, int64_t n_rows, const float* x,
                   int64_t x_stride, int64_t n_batch, int64_t n, float* out, int64_t out_stride);

float DotRowAvx2(DType t, const void* row, const float* x, int64_t n);
// Dequantizes like DequantizeRow, bit for bit; false when t has no AVX2 path.
bool DequantizeRowAvx2(DType t, const void* src, float* dst, int64_t n);
float DotF32Avx2(const float* a, const float* b, int64_t n);
void AxpyAvx2(float a, const float* x, float* y, int64_t n);
void AddAvx2(float* y, const float* x, int64_t n);
float SumSquaresAvx2(const float* x, int64_t n);

// out[b * out_stride + r] = dot(w + r * w_stride, x + b * x_stride) for
// r < n_rows, b < n_batch, over n elements; float32 rows.
void DotTileAvx2(const float* w, int64_t w_stride, int64_t n_rows, const float* x, int64_t x_stride,
                 int64_t n_batch, int64_t n, float* out, int64_t out_stride);

}  // namespace sextant::kernels::cpu::internal
