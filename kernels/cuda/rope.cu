// Rotary position embedding, interleaved and split-half layouts, from a
// precomputed inverse-frequency table.
#include "kernels/cuda/rope.cuh"

#include "kernels/cuda/internal/cuda_check.cuh"

namespace sextant::kernels::cuda {
namespace {

constexpr int kBlock = 256;

// x: (n_tokens, n_heads, head_dim); one thread per (token, head, pair).
template <RopeLayout kLayout>
__global__ void RopeKernel(float* __restrict__ x, int64_t n_tokens, int64_t n_heads,
                           int64_t head_dim, int64_t half, const int32_t* __restrict__ positions,
                           const float* __restrict__ inv_freq) {
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

namespace internal {

Status LaunchRope(const RopeParams& p, cudaStream_t stream) {
  const int64_t half = p.rope_dim / 2;
  const unsigned int grid = GridFor(p.n_tokens * p.n_heads * half, kBlock);
  if (p.layout == RopeLayout::kInterleaved) {
    RopeKernel<RopeLayout::kInterleaved><<<grid, kBlock, 0, stream>>>(
        p.x, p.n_tokens, p.n_heads, p.head_dim, half, p.positions, p.inv_freq);
  } else {
    RopeKernel<RopeLayout::kSplitHalf><<<grid, kBlock, 0, stream>>>(
        p.x, p.n_tokens, p.n_heads, p.head_dim, half, p.positions, p.inv_freq);
  }
  CUDA_CHECK_LAUNCH();
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
