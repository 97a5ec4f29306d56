// Timing helpers of the GPU benchmarks: CUDA-event medians and the device's
// copy bandwidth, the roofline every GPU table is measured against.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/bench_util.h"
#include "common/status.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::bench {

#define BENCH_CHECK(expr)                                                \
  do {                                                                   \
    const cudaError_t bench_err_ = (expr);                               \
    if (bench_err_ != cudaSuccess) {                                     \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr, \
                   cudaGetErrorString(bench_err_));                      \
      std::exit(1);                                                      \
    }                                                                    \
  } while (0)

inline void CheckStatus(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, st.ToString().c_str());
    std::exit(1);
  }
}

// Median milliseconds of `reps` groups of `per_group` calls of fn, each group
// timed with CUDA events after one warm-up group; fn(i) receives the running
// call index.
template <typename Fn>
double MedianMs(int reps, int per_group, Fn fn) {
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  BENCH_CHECK(cudaEventCreate(&start));
  BENCH_CHECK(cudaEventCreate(&stop));
  int calls = 0;
  for (int i = 0; i < per_group; ++i) fn(calls++);  // warm-up
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    BENCH_CHECK(cudaEventRecord(start));
    for (int i = 0; i < per_group; ++i) fn(calls++);
    BENCH_CHECK(cudaEventRecord(stop));
    BENCH_CHECK(cudaEventSynchronize(stop));
    float ms = 0.0f;
    BENCH_CHECK(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(static_cast<double>(ms) / per_group);
  }
  BENCH_CHECK(cudaGetLastError());
  BENCH_CHECK(cudaEventDestroy(start));
  BENCH_CHECK(cudaEventDestroy(stop));
  return Median(times);
}

// A 1 GiB device-to-device copy, counting bytes read plus bytes written.
inline double CopyBandwidthGBs() {
  constexpr int64_t kCopyBytes = int64_t{1} << 30;
  constexpr int kCopyReps = 20;
  auto src = kernels::cuda::DeviceBuffer::Allocate(kCopyBytes);
  auto dst = kernels::cuda::DeviceBuffer::Allocate(kCopyBytes);
  CheckStatus(src.status(), "copy buffer");
  CheckStatus(dst.status(), "copy buffer");
  CheckStatus(src->Fill(0x5A), "fill");
  const double ms = MedianMs(kCopyReps, 1, [&](int) {
    BENCH_CHECK(cudaMemcpyAsync(dst->data(), src->data(), kCopyBytes, cudaMemcpyDeviceToDevice));
  });
  return 2.0 * static_cast<double>(kCopyBytes) / (ms * 1e6);
}

}  // namespace sextant::bench
