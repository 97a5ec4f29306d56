// Greedy sampling: one block per row scans the logits with strided loads,
// keeping the largest value and its lowest index; a warp shuffle and then a
// shared-memory pass over the warps pick the row's winner.
//
// Top-k / top-p / min-p sampling: one block per row. Each logit becomes the
// 64-bit key (order-preserving uint32 of the float << 32 | ~id), so keys are
// distinct and ties put the lower id first. A radix select, 8 bits a pass with
// per-warp shared histograms, narrows down the k-th largest key; once the keys
// still in question fit in shared memory they are copied there and the later
// passes read them from there. The k keys are sorted descending with a block
// radix sort, and block scans in double precision apply top-p, min-p and the
// draw.
#include "kernels/cuda/sampling.cuh"

#include <climits>
#include <cmath>
#include <cub/block/block_radix_sort.cuh>
#include <cub/block/block_scan.cuh>
#include <string>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

using internal::kWarpSize;

constexpr int kBlock = 1024;
constexpr int kWarps = kBlock / kWarpSize;
constexpr int32_t kNoIndex = INT32_MAX;

struct Best {
  float value;
  int32_t index;
};

// Larger value wins; equal values go to the lower index; NaN never wins.
__device__ __forceinline__ Best Better(Best a, Best b) {
  if (b.value > a.value || (b.value == a.value && b.index < a.index)) return b;
  return a;
}

__device__ __forceinline__ Best WarpBest(Best v) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    Best other;
    other.value = __shfl_xor_sync(0xffffffffu, v.value, offset);
    other.index = __shfl_xor_sync(0xffffffffu, v.index, offset);
    v = Better(v, other);
  }
  return v;
}

// logits: (rows, n); ids: (rows)
__global__ void __launch_bounds__(kBlock)
    ArgmaxKernel(const float* __restrict__ logits, int64_t n, int32_t* __restrict__ ids) {
  internal::EnterKernel();
  const float* row = logits + static_cast<int64_t>(blockIdx.x) * n;
  Best best{-INFINITY, kNoIndex};
  for (int64_t i = threadIdx.x; i < n; i += kBlock) {
    best = Better(best, Best{__ldg(row + i), static_cast<int32_t>(i)});
  }
  best = WarpBest(best);
  __shared__ Best per_warp[kWarps];
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  if (lane == 0) per_warp[warp] = best;
  __syncthreads();
  if (warp == 0) {
    best = lane < kWarps ? per_warp[lane] : Best{-INFINITY, kNoIndex};
    best = WarpBest(best);
    if (lane == 0) ids[blockIdx.x] = best.index == kNoIndex ? 0 : best.index;
  }
}

constexpr int kSampleBlock = 512;
constexpr int kSampleItems = 2;
constexpr int kSampleWarps = kSampleBlock / kWarpSize;
static_assert(kSampleBlock * kSampleItems == kMaxGpuTopK);
constexpr int kRadixBits = 8;
constexpr int kBins = 1 << kRadixBits;
constexpr int kKeyBits = 32;
constexpr uint32_t kSignBit = 0x80000000u;

// Larger floats give larger keys; -0 is +0; NaN gives 0, below -inf's key.
__device__ __forceinline__ uint32_t OrderedKey(float v) {
  if (isnan(v)) return 0;
  uint32_t bits = __float_as_uint(v);
  if (bits == kSignBit) bits = 0;
  return (bits & kSignBit) != 0 ? ~bits : (bits | kSignBit);
}

__device__ __forceinline__ float KeyLogit(uint64_t key) {
  const auto k = static_cast<uint32_t>(key >> kKeyBits);
  return __uint_as_float((k & kSignBit) != 0 ? (k & ~kSignBit) : ~k);
}

__device__ __forceinline__ int32_t KeyId(uint64_t key) {
  return static_cast<int32_t>(~static_cast<uint32_t>(key));
}

// (ordered logit << 32 | ~id): distinct for every id, larger for a larger
// logit and, among equal logits, for a lower id.
__device__ __forceinline__ uint64_t CompositeKey(float v, int64_t i) {
  return (static_cast<uint64_t>(OrderedKey(v)) << kKeyBits) |
         static_cast<uint64_t>(~static_cast<uint32_t>(i));
}

// The bits of `key` at and above `shift` (0 when shift is 64).
__device__ __forceinline__ uint64_t High(uint64_t key, int shift) {
  return shift >= 2 * kKeyBits ? 0 : key >> shift;
}

__device__ __forceinline__ bool IsNan(uint64_t key) { return (key >> kKeyBits) == 0; }

// Calls f(composite key) for every logit of the row, with kUnroll loads in
// flight per thread.
template <typename F>
__device__ __forceinline__ void ForEachKey(const float* __restrict__ row, int64_t n, F&& f) {
  constexpr int kUnroll = 8;
  int64_t i = threadIdx.x;
  for (; i + (kUnroll - 1) * kSampleBlock < n; i += kUnroll * kSampleBlock) {
    float v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = __ldg(row + i + u * kSampleBlock);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) f(CompositeKey(v[u], i + u * kSampleBlock));
  }
  for (; i < n; i += kSampleBlock) f(CompositeKey(__ldg(row + i), i));
}

using CandidateSort = cub::BlockRadixSort<uint64_t, kSampleBlock, kSampleItems>;
using IntScan = cub::BlockScan<int, kSampleBlock>;
using DoubleScan = cub::BlockScan<double, kSampleBlock>;

// Keys matching the selected prefix are copied here once they fit, so the
// remaining radix passes run from shared memory.
constexpr int kCompactCapacity = 2048;

struct SelectStorage {
  uint32_t hist[kSampleWarps][kBins];
  uint64_t buffer[kCompactCapacity];
};

// The result of one radix pass, written by one thread.
struct alignas(16) Selection {
  int bin;
  int above;
  int count;
};

struct SampleShared {
  union {
    SelectStorage select;
    CandidateSort::TempStorage sort;
  } big;
  union {
    IntScan::TempStorage int_scan;
    DoubleScan::TempStorage double_scan;
  } scan;
  uint64_t candidates[kMaxGpuTopK];  // composite keys, sorted descending once gathered
  Selection selection;
  alignas(16) int n_candidates;
  int n_buffer;
  alignas(16) int cut;
  int last_positive;
};

__device__ __forceinline__ void TakeCandidate(uint64_t key, SampleShared& s) {
  if (IsNan(key)) return;
  s.candidates[atomicAdd(&s.n_candidates, 1)] = key;
}

// Histograms digit (key >> shift) of the keys whose bits above the digit
// match `prefix`, and picks the bin holding the remaining-th largest of them.
template <typename ForEach>
__device__ Selection RadixPass(ForEach&& for_each, uint64_t prefix, int shift, int remaining,
                               SampleShared& s) {
  const int tid = static_cast<int>(threadIdx.x);
  auto& hist = s.big.select.hist;
  for (int i = tid; i < kSampleWarps * kBins; i += kSampleBlock) (&hist[0][0])[i] = 0;
  __syncthreads();
  uint32_t* my_hist = hist[tid / kWarpSize];
  const uint64_t want = High(prefix, shift + kRadixBits);
  for_each([&](uint64_t key) {
    if (High(key, shift + kRadixBits) == want) {
      atomicAdd(&my_hist[(key >> shift) & (kBins - 1)], 1u);
    }
  });
  __syncthreads();
  // Thread t holds bin kBins - 1 - t, so the exclusive sum counts the keys above it.
  const int bin = kBins - 1 - tid;
  int count = 0;
  if (tid < kBins) {
    for (int w = 0; w < kSampleWarps; ++w) count += static_cast<int>(hist[w][bin]);
  }
  int above = 0;
  IntScan(s.scan.int_scan).ExclusiveSum(count, above);
  if (tid < kBins && above < remaining && above + count >= remaining) {
    s.selection = Selection{bin, above, count};
  }
  __syncthreads();
  const Selection result = s.selection;
  __syncthreads();
  return result;
}

// Gathers into s.candidates the k largest composite keys of the row (k <= n),
// leaving out NaN; returns how many there are.
__device__ int GatherTopK(const float* __restrict__ row, int64_t n, int k, SampleShared& s) {
  const int tid = static_cast<int>(threadIdx.x);
  const auto from_row = [&](auto&& f) { ForEachKey(row, n, f); };
  const auto from_buffer = [&](auto&& f) {
    const int size = s.n_buffer;
    for (int i = tid; i < size; i += kSampleBlock) f(s.big.select.buffer[i]);
  };
  // Invariant: the top k are the keys above prefix (in the bits at and above
  // shift) plus the `remaining` largest of the `match` keys equal to it there.
  uint64_t prefix = 0;
  int shift = 2 * kKeyBits;
  int remaining = k;
  int64_t match = n;
  bool compacted = false;
  while (remaining != match) {
    if (!compacted && match <= kCompactCapacity) {
      const uint64_t want = High(prefix, shift);
      ForEachKey(row, n, [&](uint64_t key) {
        const uint64_t high = High(key, shift);
        if (high > want) {
          TakeCandidate(key, s);
        } else if (high == want) {
          s.big.select.buffer[atomicAdd(&s.n_buffer, 1)] = key;
        }
      });
      compacted = true;
      __syncthreads();
    }
    shift -= kRadixBits;
    const Selection sel = compacted ? RadixPass(from_buffer, prefix, shift, remaining, s)
                                    : RadixPass(from_row, prefix, shift, remaining, s);
    prefix |= static_cast<uint64_t>(sel.bin) << shift;
    remaining -= sel.above;
    match = sel.count;
  }
  // Every key matching prefix is in; so is every key above it not yet taken.
  const uint64_t want = High(prefix, shift);
  const auto take = [&](uint64_t key) {
    if (High(key, shift) >= want) TakeCandidate(key, s);
  };
  if (compacted) {
    from_buffer(take);
  } else {
    ForEachKey(row, n, take);
  }
  __syncthreads();
  return s.n_candidates;
}

// logits: (rows, n); uniforms, ids: (rows)
__global__ void __launch_bounds__(kSampleBlock)
    SampleKernel(const float* __restrict__ logits, int64_t n, SampleParams p, float log_min_p,
                 const float* __restrict__ uniforms, int32_t* __restrict__ ids) {
  __shared__ SampleShared s;
  internal::EnterKernel();
  const int tid = static_cast<int>(threadIdx.x);
  const float* row = logits + static_cast<int64_t>(blockIdx.x) * n;
  const int k = n < p.top_k ? static_cast<int>(n) : p.top_k;
  if (tid == 0) {
    s.n_candidates = 0;
    s.n_buffer = 0;
  }
  __syncthreads();
  const int m = GatherTopK(row, n, k, s);
  if (m == 0) {  // only NaN
    if (tid == 0) ids[blockIdx.x] = 0;
    return;
  }

  uint64_t keys[kSampleItems];
#pragma unroll
  for (int j = 0; j < kSampleItems; ++j) {
    const int pos = tid * kSampleItems + j;
    keys[j] = pos < m ? s.candidates[pos] : 0;
  }
  CandidateSort(s.big.sort).SortDescending(keys);
  float logit[kSampleItems];
#pragma unroll
  for (int j = 0; j < kSampleItems; ++j) {
    s.candidates[tid * kSampleItems + j] = keys[j];
    logit[j] = KeyLogit(keys[j]);
  }
  __syncthreads();
  const float max_logit = KeyLogit(s.candidates[0]);
  if (isinf(max_logit)) {
    // -inf: every candidate is -inf and the lowest id comes first. +inf: the
    // CPU's softmax is NaN and it falls back to the first candidate.
    if (tid == 0) ids[blockIdx.x] = KeyId(s.candidates[0]);
    return;
  }

  int kept = m;
  double cum[kSampleItems];
  double total = 0.0;
  if (p.top_p < 1.0f && kept > 1) {
    double w[kSampleItems];
#pragma unroll
    for (int j = 0; j < kSampleItems; ++j) {
      const int pos = tid * kSampleItems + j;
      w[j] = pos < kept ? exp(static_cast<double>(logit[j] - max_logit)) : 0.0;
    }
    DoubleScan(s.scan.double_scan).InclusiveSum(w, cum, total);
    const double target = static_cast<double>(p.top_p) * total;
    if (tid == 0) s.cut = kept;
    __syncthreads();
#pragma unroll
    for (int j = 0; j < kSampleItems; ++j) {
      const int pos = tid * kSampleItems + j;
      if (pos < kept && cum[j] >= target) atomicMin(&s.cut, pos + 1);
    }
    __syncthreads();
    kept = s.cut;
    __syncthreads();
  }
  if (p.min_p > 0.0f && kept > 1) {
    const float threshold = max_logit + log_min_p;
    if (tid == 0) s.cut = kept;
    __syncthreads();
#pragma unroll
    for (int j = 0; j < kSampleItems; ++j) {
      const int pos = tid * kSampleItems + j;
      if (pos < kept && logit[j] < threshold) atomicMin(&s.cut, pos);
    }
    __syncthreads();
    kept = s.cut;
    __syncthreads();
  }

  const double inv_temp = 1.0 / static_cast<double>(p.temperature);
  double prob[kSampleItems];
#pragma unroll
  for (int j = 0; j < kSampleItems; ++j) {
    const int pos = tid * kSampleItems + j;
    prob[j] = pos < kept ? exp(static_cast<double>(logit[j] - max_logit) * inv_temp) : 0.0;
  }
  DoubleScan(s.scan.double_scan).InclusiveSum(prob, cum, total);
  const double target = static_cast<double>(uniforms[blockIdx.x]) * total;
  if (tid == 0) {
    s.cut = INT_MAX;
    s.last_positive = 0;
  }
  __syncthreads();
#pragma unroll
  for (int j = 0; j < kSampleItems; ++j) {
    const int pos = tid * kSampleItems + j;
    if (pos < kept && target < cum[j]) atomicMin(&s.cut, pos);
    if (pos < kept && prob[j] > 0.0) atomicMax(&s.last_positive, pos);
  }
  __syncthreads();
  if (tid == 0) {
    // Rounding can leave the draw at the very end: take the last token with mass.
    const int pick = s.cut != INT_MAX ? s.cut : s.last_positive;
    ids[blockIdx.x] = KeyId(s.candidates[pick]);
  }
}

}  // namespace

namespace internal {

Status LaunchArgmaxRows(const float* logits, int64_t rows, int64_t n, int32_t* ids,
                        cudaStream_t stream) {
  CUDA_CHECK(
      Launch(ArgmaxKernel, static_cast<unsigned int>(rows), kBlock, 0, stream, logits, n, ids));
  return Status::Ok();
}

Status LaunchSampleRows(const float* logits, int64_t rows, int64_t n, const SampleParams& p,
                        float log_min_p, const float* uniforms, int32_t* ids, cudaStream_t stream) {
  CUDA_CHECK(Launch(SampleKernel, static_cast<unsigned int>(rows), kSampleBlock, 0, stream, logits,
                    n, p, log_min_p, uniforms, ids));
  return Status::Ok();
}

}  // namespace internal

Status ArgmaxRows(const float* logits, int64_t rows, int64_t n, int32_t* ids, Stream stream) {
  if (logits == nullptr || ids == nullptr) return InvalidArgumentError("ArgmaxRows: null pointer");
  constexpr int64_t kMaxRows = int64_t{1} << 31;
  if (rows < 0 || rows >= kMaxRows || n <= 0 || n > INT32_MAX) {
    return InvalidArgumentError("ArgmaxRows: bad shape");
  }
  if (rows == 0) return Status::Ok();
  return internal::LaunchArgmaxRows(logits, rows, n, ids, internal::ToCuda(stream));
}

namespace {

Status BadField(const char* name, const std::string& rule, double value) {
  return InvalidArgumentError(std::string("SampleRows: ") + name + " must be " + rule + "; got " +
                              std::to_string(value));
}

}  // namespace

Status SampleRows(const float* logits, int64_t rows, int64_t n, const SampleParams& p,
                  const float* uniforms, int32_t* ids, Stream stream) {
  if (!std::isfinite(p.temperature)) return BadField("temperature", "finite", p.temperature);
  if (p.top_k < 1 || p.top_k > kMaxGpuTopK) {
    return BadField("top_k", "in [1, " + std::to_string(kMaxGpuTopK) + "]", p.top_k);
  }
  if (!std::isfinite(p.top_p) || p.top_p <= 0 || p.top_p > 1) {
    return BadField("top_p", "in (0, 1]", p.top_p);
  }
  if (!std::isfinite(p.min_p) || p.min_p < 0 || p.min_p > 1) {
    return BadField("min_p", "in [0, 1]", p.min_p);
  }
  if (logits == nullptr || uniforms == nullptr || ids == nullptr) {
    return InvalidArgumentError("SampleRows: null pointer");
  }
  constexpr int64_t kMaxRows = int64_t{1} << 31;
  if (rows < 0 || rows >= kMaxRows || n <= 0 || n > INT32_MAX) {
    return InvalidArgumentError("SampleRows: bad shape");
  }
  if (rows == 0) return Status::Ok();
  const cudaStream_t s = internal::ToCuda(stream);
  if (p.temperature <= 0) return internal::LaunchArgmaxRows(logits, rows, n, ids, s);
  const float log_min_p = p.min_p > 0 ? std::log(p.min_p) : 0.0f;
  return internal::LaunchSampleRows(logits, rows, n, p, log_min_p, uniforms, ids, s);
}

}  // namespace sextant::kernels::cuda
