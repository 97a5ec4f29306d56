// Dequantization and dot products for every DType, on the CPU.
// Reference semantics: a value is dequantized to float32 exactly as ggml's
// dequantize_row_* does, and a dot product is the float32 sum of the
// dequantized row times x. The fast paths may sum in a different order, but
// must stay within float32 rounding of the reference. Activations are never
// quantized.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"

namespace sextant::kernels::cpu {

float Fp16ToFp32(uint16_t h);
uint16_t Fp32ToFp16(float f);  // round to nearest even
float Bf16ToFp32(uint16_t b);
uint16_t Fp32ToBf16(float f);  // round to nearest even, NaN preserved

// Dequantizes n elements (a multiple of BlockElements(t)) from `src`,
// which holds RowBytes(t, n) bytes, into dst[n].
void DequantizeRow(DType t, const void* src, float* dst, int64_t n);

// Sum over i < n of dequant(row)[i] * x[i]. n is a multiple of
// BlockElements(t). Vectorized (AVX2/FMA when the CPU has them, chosen at run
// time), no allocation, thread-safe.
float DotRow(DType t, const void* row, const float* x, int64_t n);

// Same, in plain scalar loops: the obviously-correct reference for tests.
float DotRowReference(DType t, const void* row, const float* x, int64_t n);

}  // namespace sextant::kernels::cpu
