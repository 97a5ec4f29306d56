// Test helpers for the CUDA ops: skipping without a GPU, host/device copies
// with poisoned outputs, and the relative error used to compare with the CPU.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu/quant_test_util.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::kernels::cuda::testing {

// Skips the current test when no CUDA device is visible.
#define SEXTANT_SKIP_WITHOUT_GPU()                                          \
  do {                                                                      \
    if (::sextant::kernels::cuda::DeviceCount() == 0) {                     \
      GTEST_SKIP() << "no CUDA device (cudaGetDeviceCount failed or is 0)"; \
    }                                                                       \
  } while (0)

// A byte pattern that reads as NaN in every float32 lane.
inline constexpr uint8_t kPoison = 0xFF;

template <typename T>
DeviceBuffer ToDevice(const std::vector<T>& host) {
  auto buffer =
      DeviceBuffer::Allocate(static_cast<int64_t>(std::max<size_t>(1, host.size()) * sizeof(T)));
  EXPECT_TRUE(buffer.ok()) << buffer.status().ToString();
  if (!buffer.ok()) return DeviceBuffer();
  if (!host.empty()) {
    const Status st =
        buffer->CopyFromHost(host.data(), static_cast<int64_t>(host.size() * sizeof(T)));
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  return std::move(buffer).value();
}

// A device buffer of n floats, every byte set to kPoison.
inline DeviceBuffer PoisonedFloats(int64_t n) {
  auto buffer = DeviceBuffer::Allocate(n * static_cast<int64_t>(sizeof(float)));
  EXPECT_TRUE(buffer.ok()) << buffer.status().ToString();
  if (!buffer.ok()) return DeviceBuffer();
  const Status st = buffer->Fill(kPoison);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return std::move(buffer).value();
}

inline std::vector<float> ToHost(const DeviceBuffer& buffer, int64_t n) {
  std::vector<float> host(static_cast<size_t>(n));
  const Status st = buffer.CopyToHost(host.data(), n * static_cast<int64_t>(sizeof(float)));
  EXPECT_TRUE(st.ok()) << st.ToString();
  return host;
}

// QuantizeX of x (rows, cols) into a buffer prefilled with kPoison, as bytes.
inline std::vector<uint8_t> QuantizedBytes(const DeviceBuffer& x, int64_t rows, int64_t cols) {
  const int64_t bytes = rows * QuantizedXRowBytes(cols);
  auto xq = DeviceBuffer::Allocate(bytes);
  EXPECT_TRUE(xq.ok());
  if (!xq.ok()) return {};
  EXPECT_TRUE(xq->Fill(kPoison).ok());  // row padding stays 0xFF, as in the tests' buffers
  EXPECT_TRUE(QuantizeX(x.as<float>(), rows, cols, xq->data(), nullptr).ok());
  std::vector<uint8_t> host(static_cast<size_t>(bytes));
  EXPECT_TRUE(xq->CopyToHost(host.data(), bytes).ok());
  return host;
}

// The first `bytes` bytes of b.
inline std::vector<uint8_t> Bytes(const DeviceBuffer& b, int64_t bytes) {
  std::vector<uint8_t> host(static_cast<size_t>(bytes));
  EXPECT_TRUE(b.CopyToHost(host.data(), bytes).ok());
  return host;
}

// ||out - ref|| / ||ref|| in double; infinity when any output is NaN or the
// sizes differ.
inline double RelError(const std::vector<float>& out, const std::vector<float>& ref) {
  if (out.size() != ref.size()) return INFINITY;
  double diff = 0.0;
  double norm = 0.0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (std::isnan(out[i])) return INFINITY;
    const double d = static_cast<double>(out[i]) - static_cast<double>(ref[i]);
    diff += d * d;
    norm += static_cast<double>(ref[i]) * static_cast<double>(ref[i]);
  }
  return norm == 0.0 ? std::sqrt(diff) : std::sqrt(diff / norm);
}

// rows x cols random GGUF rows of type t, each row_bytes apart (>= RowBytes;
// the gaps hold 0xAB).
inline std::vector<uint8_t> RandomMatrix(DType t, int64_t rows, int64_t cols, int64_t row_bytes,
                                         std::mt19937* rng) {
  std::vector<uint8_t> m(static_cast<size_t>(rows * row_bytes), 0xAB);
  for (int64_t r = 0; r < rows; ++r) {
    const auto row = cpu::testing::RandomRow(t, cols, rng);
    std::memcpy(m.data() + r * row_bytes, row.data(), row.size());
  }
  return m;
}

// Float32 arithmetic in a different summation order than the CPU.
inline constexpr double kF32Tolerance = 1e-5;

}  // namespace sextant::kernels::cuda::testing
