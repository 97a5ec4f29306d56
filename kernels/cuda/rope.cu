// Rotary position embedding, interleaved and split-half layouts, from a
// precomputed inverse-frequency table.
#include "kernels/cuda/rope.cuh"

#include <cuda_bf16.h>

#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

constexpr int kBlock = 256;

// The dims of rotary pair i: (2i, 2i + 1) interleaved, (i, i + half) split.
template <RopeLayout kLayout>
__device__ __forceinline__ int2 PairDims(int i, int half) {
  return kLayout == RopeLayout::kInterleaved ? make_int2(2 * i, 2 * i + 1) : make_int2(i, i + half);
}

// Rotates (x0, x1) by the angle position * freq, as the CPU Rope does.
__device__ __forceinline__ float2 Rotate(float x0, float x1, int32_t position, float freq) {
  float s = 0.0f;
  float c = 0.0f;
  sincosf(static_cast<float>(position) * freq, &s, &c);
  return make_float2(__fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s)),
                     __fadd_rn(__fmul_rn(x1, c), __fmul_rn(x0, s)));
}

__device__ __forceinline__ uint16_t ToBf16(float v) {
  return __bfloat16_as_ushort(__float2bfloat16_rn(v));
}

// One thread per (token, head, i < head_dim / 2) over the n_head query heads
// and then the n_head_kv key heads. A query thread rotates its pair in
// place; a key thread writes two dims of k (rotated when i < half, else
// dims rope_dim + 2 (i - half) and the next) and the same two of v to the
// cache as bf16.
template <RopeLayout kLayout>
__global__ void RopeAppendKernel(RopeAppendParams p, int half) {
  internal::EnterKernel();
  const int pairs = static_cast<int>(p.head_dim / 2);
  const int64_t heads = p.n_head + p.n_head_kv;
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (idx >= p.n_tokens * heads * pairs) return;
  const int i = static_cast<int>(idx % pairs);
  const int64_t h = idx / pairs % heads;
  const int64_t t = idx / pairs / heads;
  const int32_t pos = p.positions[t];
  if (h < p.n_head) {
    if (i >= half) return;
    float* q = p.q + (t * p.n_head + h) * p.head_dim;
    const int2 d = PairDims<kLayout>(i, half);
    const float2 r = Rotate(q[d.x], q[d.y], pos, p.inv_freq[i]);
    q[d.x] = r.x;
    q[d.y] = r.y;
    return;
  }
  const int64_t kv_dim = p.n_head_kv * p.head_dim;
  const int64_t off = (t * p.n_head_kv + (h - p.n_head)) * p.head_dim;
  const int2 d =
      i < half ? PairDims<kLayout>(i, half) : make_int2(2 * i, 2 * i + 1);  // 2 half + 2 (i - half)
  float2 k = make_float2(p.k[off + d.x], p.k[off + d.y]);
  if (i < half) k = Rotate(k.x, k.y, pos, p.inv_freq[i]);
  const int64_t dst =
      (static_cast<int64_t>(p.slots[t]) * p.n_ctx + pos) * kv_dim + (h - p.n_head) * p.head_dim;
  p.k_cache[dst + d.x] = ToBf16(k.x);
  p.k_cache[dst + d.y] = ToBf16(k.y);
  p.v_cache[dst + d.x] = ToBf16(p.v[off + d.x]);
  p.v_cache[dst + d.y] = ToBf16(p.v[off + d.y]);
}

// x: (n_tokens, n_heads, head_dim); one thread per (token, head, pair).
template <RopeLayout kLayout>
__global__ void RopeKernel(float* __restrict__ x, int64_t n_tokens, int64_t n_heads,
                           int64_t head_dim, int64_t half, const int32_t* __restrict__ positions,
                           const float* __restrict__ inv_freq) {
  internal::EnterKernel();
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * kBlock + threadIdx.x;
  if (idx >= n_tokens * n_heads * half) return;
  const int64_t i = idx % half;
  const int64_t head = idx / half;  // token * n_heads + h
  const int64_t token = head / n_heads;
  const float angle = static_cast<float>(positions[token]) * inv_freq[i];
  float s = 0.0f;
  float c = 0.0f;
  sincosf(angle, &s, &c);
  const int64_t i0 = kLayout == RopeLayout::kInterleaved ? 2 * i : i;
  const int64_t i1 = kLayout == RopeLayout::kInterleaved ? 2 * i + 1 : i + half;
  float* h = x + head * head_dim;
  const float x0 = h[i0];
  const float x1 = h[i1];
  h[i0] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
  h[i1] = __fadd_rn(__fmul_rn(x1, c), __fmul_rn(x0, s));
}

}  // namespace

Status RopeAppend(const RopeAppendParams& p, Stream stream) {
  if (p.q == nullptr || p.k == nullptr || p.v == nullptr || p.k_cache == nullptr ||
      p.v_cache == nullptr || p.slots == nullptr || p.positions == nullptr ||
      p.inv_freq == nullptr) {
    return InvalidArgumentError("RopeAppend: null pointer");
  }
  if (p.n_tokens < 0 || p.n_head <= 0 || p.n_head_kv <= 0 || p.head_dim <= 0 ||
      p.head_dim % 2 != 0 || p.rope_dim <= 0 || p.rope_dim % 2 != 0 || p.rope_dim > p.head_dim ||
      p.n_ctx <= 0) {
    return InvalidArgumentError(
        "RopeAppend: bad shape (head_dim and rope_dim even, rope_dim <= head_dim)");
  }
  if (p.n_tokens == 0) return Status::Ok();
  const int64_t threads = p.n_tokens * (p.n_head + p.n_head_kv) * (p.head_dim / 2);
  const unsigned int grid = internal::GridFor(threads, kBlock);
  const int half = static_cast<int>(p.rope_dim / 2);
  const cudaStream_t s = internal::ToCuda(stream);
  if (p.layout == RopeLayout::kInterleaved) {
    CUDA_CHECK(
        internal::Launch(RopeAppendKernel<RopeLayout::kInterleaved>, grid, kBlock, 0, s, p, half));
  } else {
    CUDA_CHECK(
        internal::Launch(RopeAppendKernel<RopeLayout::kSplitHalf>, grid, kBlock, 0, s, p, half));
  }
  return Status::Ok();
}

namespace internal {

Status LaunchRope(const RopeParams& p, cudaStream_t stream) {
  const int64_t half = p.rope_dim / 2;
  const unsigned int grid = GridFor(p.n_tokens * p.n_heads * half, kBlock);
  if (p.layout == RopeLayout::kInterleaved) {
    CUDA_CHECK(Launch(RopeKernel<RopeLayout::kInterleaved>, grid, kBlock, 0, stream, p.x,
                      p.n_tokens, p.n_heads, p.head_dim, half, p.positions, p.inv_freq));
  } else {
    CUDA_CHECK(Launch(RopeKernel<RopeLayout::kSplitHalf>, grid, kBlock, 0, stream, p.x, p.n_tokens,
                      p.n_heads, p.head_dim, half, p.positions, p.inv_freq));
  }
  return Status::Ok();
}

}  // namespace internal

Status Rope(const RopeParams& p, Stream stream) {
  if (p.x == nullptr || p.positions == nullptr || p.inv_freq == nullptr) {
    return InvalidArgumentError("Rope: null pointer");
  }
  if (p.n_tokens < 0 || p.n_heads <= 0 || p.head_dim <= 0 || p.rope_dim <= 0 ||
      p.rope_dim % 2 != 0 || p.rope_dim > p.head_dim) {
    return InvalidArgumentError("Rope: bad shape (rope_dim must be even and <= head_dim)");
  }
  if (p.n_tokens == 0) return Status::Ok();
  return internal::LaunchRope(p, internal::ToCuda(stream));
}

}  // namespace sextant::kernels::cuda
