// CPU kernel benchmark: DotRow and MatMul throughput for every DType, as
// ratios of this machine's memory-copy bandwidth (batch 1 is memory-bound)
// and of its FMA peak (batch 32 is compute-bound), both measured in this run.
#include <cstdint>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "kernels/cpu/internal/simd.h"
#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"
#include "kernels/cpu/thread_pool.h"
#include "kernels/dtype.h"

namespace sextant::bench {
namespace {

using kernels::DType;
using kernels::cpu::MatrixView;
using kernels::cpu::ThreadPool;

constexpr int kReps = 5;
constexpr int64_t kCols = 4096;
constexpr int64_t kComputeRows = 4096;
// Weights streamed at batch 1 span at least this many bytes, so that they
// come from memory rather than cache.
constexpr int64_t kStreamBytes = int64_t{128} << 20;
constexpr int64_t kComputeBatch = 32;

constexpr DType kTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ8_0, DType::kQ4_0,
                            DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ4_K, DType::kQ6_K};

// xorshift64*: fast bytes for large buffers.
class Rng {
 public:
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  // Uniform in [-1, 1).
  float Unit() { return static_cast<float>(Next() >> 40) * 0x1p-23f - 1.0f; }

 private:
  uint64_t state_ = 0x9E3779B97F4A7C15ULL;
};

void PutHalf(uint8_t* p, uint16_t h) { std::memcpy(p, &h, sizeof(h)); }

// Random weights with finite values and finite fp16 scales.
std::vector<uint8_t> RandomWeights(DType t, int64_t rows, Rng* rng) {
  const int64_t n = rows * kCols;
  std::vector<uint8_t> w(static_cast<size_t>(*kernels::RowBytes(t, n)));
  uint8_t* p = w.data();
  switch (t) {
    case DType::kF32:
      for (int64_t i = 0; i < n; ++i) {
        const float v = rng->Unit();
        std::memcpy(p + 4 * i, &v, 4);
      }
      return w;
    case DType::kF16:
      for (int64_t i = 0; i < n; ++i) PutHalf(p + 2 * i, kernels::cpu::Fp32ToFp16(rng->Unit()));
      return w;
    case DType::kBF16:
      for (int64_t i = 0; i < n; ++i) PutHalf(p + 2 * i, kernels::cpu::Fp32ToBf16(rng->Unit()));
      return w;
    default:
      break;
  }
  for (size_t i = 0; i + 8 <= w.size(); i += 8) {
    const uint64_t bits = rng->Next();
    std::memcpy(p + i, &bits, 8);
  }
  const int64_t block_bytes = kernels::BlockBytes(t);
  const int64_t scale_offset = t == DType::kQ6_K ? 208 : 0;
  const bool has_min = t == DType::kQ4_1 || t == DType::kQ5_1 || t == DType::kQ4_K;
  for (int64_t b = 0; b < n / kernels::BlockElements(t); ++b) {
    uint8_t* block = p + b * block_bytes;
    PutHalf(block + scale_offset, kernels::cpu::Fp32ToFp16(0.01f * rng->Unit()));
    if (has_min) PutHalf(block + 2, kernels::cpu::Fp32ToFp16(0.01f * rng->Unit()));
  }
  return w;
}

struct Refs {
  double copy_gbs;
  double peak1;
  double peak2;
};

std::vector<std::string> BenchType(DType t, const Refs& refs, ThreadPool* pool1,
                                   ThreadPool* pool2) {
  Rng rng;
  const int64_t row_bytes = *kernels::RowBytes(t, kCols);
  const int64_t stream_rows = std::max<int64_t>(kComputeRows, kStreamBytes / row_bytes);
  const std::vector<uint8_t> w = RandomWeights(t, stream_rows, &rng);
  std::vector<float> x(static_cast<size_t>(kCols * kComputeBatch));
  for (auto& v : x) v = rng.Unit();
  std::vector<float> y(static_cast<size_t>(stream_rows * kComputeBatch));

  const auto bytes = static_cast<double>(w.size());
  const double dot_s = MedianSeconds(kReps, [&] {
    for (int64_t r = 0; r < stream_rows; ++r) {
      y[static_cast<size_t>(r)] =
          kernels::cpu::DotRow(t, w.data() + r * row_bytes, x.data(), kCols);
    }
  });
  const MatrixView stream{t, w.data(), stream_rows, kCols, row_bytes};
  const double mm1_s = MedianSeconds(kReps, [&] { MatMul(stream, x.data(), 1, y.data(), pool1); });
  const double mm2_s = MedianSeconds(kReps, [&] { MatMul(stream, x.data(), 1, y.data(), pool2); });

  const MatrixView square{t, w.data(), kComputeRows, kCols, row_bytes};
  const double flops = 2.0 * kComputeRows * kCols * kComputeBatch;
  const double b32_1 =
      flops /
      MedianSeconds(kReps, [&] { MatMul(square, x.data(), kComputeBatch, y.data(), pool1); }) / 1e9;
  const double b32_2 =
      flops /
      MedianSeconds(kReps, [&] { MatMul(square, x.data(), kComputeBatch, y.data(), pool2); }) / 1e9;

  auto gbs = [&](double s) { return bytes / s / 1e9; };
  return {std::string(kernels::DTypeName(t)),
          Fixed(static_cast<double>(row_bytes) / kCols, 3),
          Fixed(gbs(dot_s), 2),
          Fixed(gbs(dot_s) / refs.copy_gbs, 2),
          Fixed(gbs(mm1_s), 2),
          Fixed(gbs(mm1_s) / refs.copy_gbs, 2),
          Fixed(gbs(mm2_s), 2),
          Fixed(gbs(mm2_s) / refs.copy_gbs, 2),
          Fixed(b32_1, 1),
          Fixed(b32_1 / refs.peak1, 2),
          Fixed(b32_2, 1),
          Fixed(b32_2 / refs.peak2, 2)};
}

int Run() {
  std::cout << "CPU: " << CpuModelName() << " (" << std::thread::hardware_concurrency()
            << " hardware threads)\n"
            << "Kernels: " << (kernels::cpu::internal::HasAvx2Fma() ? "AVX2+FMA" : "scalar")
            << "; median of " << kReps << " runs; " << kCols << " columns\n";
  Refs refs{};
  refs.copy_gbs = MeasureCopyBandwidthGBs();
  refs.peak1 = MeasureFmaPeakGflops(1);
  refs.peak2 = MeasureFmaPeakGflops(2);
  std::cout << "memcpy 256 MiB: " << Fixed(refs.copy_gbs, 2)
            << " GB/s (read + write); FMA peak: " << Fixed(refs.peak1, 1) << " GFLOP/s (1T), "
            << Fixed(refs.peak2, 1) << " GFLOP/s (2T)\n"
            << "GB/s count weight bytes read (>= 128 MiB of rows at batch 1); "
            << "b32 is " << kComputeRows << "x" << kCols << " times 32 vectors\n\n";

  ThreadPool pool1(1);
  ThreadPool pool2(2);
  Table table({"type", "B/elem", "DotRow GB/s", "x copy", "MatMul 1T GB/s", "x copy",
               "MatMul 2T GB/s", "x copy", "b32 1T GFLOP/s", "x peak", "b32 2T GFLOP/s", "x peak"});
  for (DType t : kTypes) table.AddRow(BenchType(t, refs, &pool1, &pool2));
  table.Print(std::cout);
  return 0;
}

}  // namespace
}  // namespace sextant::bench

int main() { return sextant::bench::Run(); }
