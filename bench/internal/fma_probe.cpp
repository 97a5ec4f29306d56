// The AVX2 loop is compiled for AVX2/FMA alone and only runs when the CPU has both.
#include "bench/internal/fma_probe.h"

#include <immintrin.h>

namespace sextant::bench::internal {
namespace {

constexpr int kAccumulators = 12;  // enough independent chains to hide FMA latency
constexpr double kLanes = 8.0;
constexpr double kFlopsPerFma = 2.0;

__attribute__((target("avx2,fma"))) double Avx2Loop(int64_t iterations) {
  __m256 acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
    // Fully unrolled so that the accumulators stay in registers.
#pragma GCC unroll 16
    for (int i = 0; i < kAccumulators; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < kAccumulators; ++i) sum = _mm256_add_ps(sum, acc[i]);
  volatile float sink = _mm256_cvtss_f32(sum);
  (void)sink;
  return static_cast<double>(iterations) * kAccumulators * kLanes * kFlopsPerFma;
}

double ScalarLoop(int64_t iterations) {
  float acc[kAccumulators];
  for (int i = 0; i < kAccumulators; ++i) acc[i] = static_cast<float>(i);
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 16
    for (float& v : acc) v = v * 0.999999f + 1e-7f;
  }
  volatile float sink = acc[0];
  (void)sink;
  return static_cast<double>(iterations) * kAccumulators * kFlopsPerFma;
}

}  // namespace

double RunFmaLoop(int64_t iterations) {
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Avx2Loop(iterations);
  return ScalarLoop(iterations);
}

}  // namespace sextant::bench::internal
