// Byte layouts of the ggml quantized blocks (ggml-common.h), as offsets into a
// block, so that rows may be read from any address without alignment
// requirements. All multi-byte fields are little-endian.
#pragma once

#include <bit>
#include <cstdint>

namespace sextant::kernels::cpu::internal {

static_assert(std::endian::native == std::endian::little, "ggml blocks are little-endian");

constexpr int kQk = 32;    // elements per Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 block
constexpr int kQkK = 256;  // elements per Q4_K/Q6_K super-block

// Q4_0: d (fp16), qs[16]; element j < 16 is low nibble of qs[j], j >= 16 the
// high nibble of qs[j - 16]; value (q - 8) * d.
constexpr int kQ4_0D = 0;
constexpr int kQ4_0Qs = 2;
constexpr int kQ4_0Bytes = 18;

// Q4_1: d, m (fp16), qs[16]; value q * d + m.
constexpr int kQ4_1D = 0;
constexpr int kQ4_1M = 2;
constexpr int kQ4_1Qs = 4;
constexpr int kQ4_1Bytes = 20;

// Q5_0: d (fp16), qh (u32, bit j is bit 4 of element j), qs[16]; value (q - 16) * d.
constexpr int kQ5_0D = 0;
constexpr int kQ5_0Qh = 2;
constexpr int kQ5_0Qs = 6;
constexpr int kQ5_0Bytes = 22;

// Q5_1: d, m (fp16), qh (u32), qs[16]; value q * d + m.
constexpr int kQ5_1D = 0;
constexpr int kQ5_1M = 2;
constexpr int kQ5_1Qh = 4;
constexpr int kQ5_1Qs = 8;
constexpr int kQ5_1Bytes = 24;

// Q8_0: d (fp16), qs[32] int8; value q * d.
constexpr int kQ8_0D = 0;
constexpr int kQ8_0Qs = 2;
constexpr int kQ8_0Bytes = 34;

// Q4_K: d, dmin (fp16), scales[12] (eight 6-bit scales and mins), qs[128].
constexpr int kQ4_KD = 0;
constexpr int kQ4_KDmin = 2;
constexpr int kQ4_KScales = 4;
constexpr int kQ4_KQs = 16;
constexpr int kQ4_KBytes = 144;

// Q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] int8, d (fp16).
constexpr int kQ6_KQl = 0;
constexpr int kQ6_KQh = 128;
constexpr int kQ6_KScales = 192;
constexpr int kQ6_KD = 208;
constexpr int kQ6_KBytes = 210;

}  // namespace sextant::kernels::cpu::internal
