// Attention over a bf16 KV cache: the cache append, and split-KV attention
// with an online softmax (flash-decoding), the query heads of one kv head
// packed into one block.
//
// A block handles (kv head, token, split). Its warps take keys in turn; a
// lane holds kDims = head_dim / 32 elements of every query head of the group,
// of the running output, and of the key or value row it reads, so a key row
// is one coalesced warp load shared by the whole group. Each warp keeps its
// own running max and sum per head; the block merges its warps in shared
// memory, and a second kernel merges the splits.
#include "kernels/cuda/attention.cuh"

#include <cuda_bf16.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"

namespace sextant::kernels::cuda {
namespace {

using internal::kFullMask;
using internal::kWarpSize;

constexpr int kAttnWarps = 4;
constexpr int kAttnThreads = kAttnWarps * kWarpSize;
constexpr int kMaxGroup = static_cast<int>(kMaxAttentionGroup);
constexpr int kAppendBlock = 256;
// Fewer keys than this per split cost more in merging than they gain.
constexpr int64_t kMinKeysPerSplit = 64;
// Blocks that keep every multiprocessor of a large GPU busy.
constexpr int64_t kTargetBlocks = 512;
constexpr float kNegInf = -INFINITY;
// The grid's y and z dimensions (tokens, splits) stop here.
constexpr int64_t kMaxGridY = 65535;

__global__ void KvAppendKernel(const float* __restrict__ k, const float* __restrict__ v,
                               uint16_t* __restrict__ k_cache, uint16_t* __restrict__ v_cache,
                               const int32_t* __restrict__ slots,
                               const int32_t* __restrict__ positions, int64_t n_tokens,
                               int64_t kv_dim, int64_t n_ctx) {
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * kAppendBlock + threadIdx.x;
  if (idx >= n_tokens * kv_dim) return;
  const int64_t t = idx / kv_dim;
  const int64_t i = idx % kv_dim;
  const int64_t dst = (static_cast<int64_t>(slots[t]) * n_ctx + positions[t]) * kv_dim + i;
  k_cache[dst] = __bfloat16_as_ushort(__float2bfloat16_rn(k[idx]));
  v_cache[dst] = __bfloat16_as_ushort(__float2bfloat16_rn(v[idx]));
}

// kDims consecutive bf16 values of a cache row, as floats.
template <int kDims>
__device__ __forceinline__ void LoadRow(const uint16_t* __restrict__ row, float (&out)[kDims]) {
#pragma unroll
  for (int i = 0; i < kDims; ++i) out[i] = internal::Bf16BitsToFloat(__ldg(row + i));
}

// The running state of one warp for one query head.
template <int kDims>
struct HeadState {
  float m;  // running max of the scaled scores
  float l;  // running sum of exp(score - m)
  float acc[kDims];
};

// Partial results of one split: m, l, then head_dim accumulators, per
// (token, head, split).
template <typename Float>
__device__ __forceinline__ Float* PartialOf(Float* workspace, int64_t token_head, int64_t split,
                                            int64_t n_splits, int64_t head_dim) {
  return workspace + (token_head * n_splits + split) * (head_dim + 2);
}

template <int kDims>
__global__ void __launch_bounds__(kAttnThreads) AttentionKernel(AttentionParams p, int group) {
  constexpr int kHeadDim = kDims * kWarpSize;
  const int64_t kvh = blockIdx.x;
  const int64_t t = blockIdx.y;
  const int64_t split = blockIdx.z;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int64_t kv_dim = p.n_head_kv * kHeadDim;

  const int64_t n_keys = static_cast<int64_t>(p.positions[t]) + 1;
  const int64_t chunk = (n_keys + p.n_splits - 1) / p.n_splits;
  const int64_t begin = split * chunk;
  const int64_t end = min(n_keys, begin + chunk);

  // Query elements lane*kDims.. of each head of the group, pre-scaled.
  float q[kMaxGroup][kDims];
  HeadState<kDims> st[kMaxGroup];
#pragma unroll
  for (int g = 0; g < kMaxGroup; ++g) {
    st[g].m = kNegInf;
    st[g].l = 0.0f;
#pragma unroll
    for (int i = 0; i < kDims; ++i) {
      st[g].acc[i] = 0.0f;
      q[g][i] = 0.0f;
    }
    if (g < group) {
      const float* qh = p.q + (t * p.n_head + kvh * group + g) * kHeadDim + lane * kDims;
#pragma unroll
      for (int i = 0; i < kDims; ++i) q[g][i] = qh[i] * p.scale;
    }
  }

  const int64_t slot_base = static_cast<int64_t>(p.slots[t]) * p.n_ctx * kv_dim;
  const uint16_t* k_base = p.k_cache + slot_base + kvh * kHeadDim + lane * kDims;
  const uint16_t* v_base = p.v_cache + slot_base + kvh * kHeadDim + lane * kDims;
  for (int64_t key = begin + warp; key < end; key += kAttnWarps) {
    float kr[kDims];
    float vr[kDims];
    LoadRow<kDims>(k_base + key * kv_dim, kr);
    LoadRow<kDims>(v_base + key * kv_dim, vr);
#pragma unroll
    for (int g = 0; g < kMaxGroup; ++g) {
      if (g >= group) break;
      float s = 0.0f;
#pragma unroll
      for (int i = 0; i < kDims; ++i) s = fmaf(q[g][i], kr[i], s);
      s = internal::WarpSum(s);
      const float m_new = fmaxf(st[g].m, s);
      const float corr = __expf(st[g].m - m_new);
      const float w = __expf(s - m_new);
      st[g].m = m_new;
      st[g].l = st[g].l * corr + w;
#pragma unroll
      for (int i = 0; i < kDims; ++i) st[g].acc[i] = fmaf(w, vr[i], st[g].acc[i] * corr);
    }
  }

  // Merge the warps: (warp, group) states in shared memory.
  __shared__ float s_ml[kAttnWarps][kMaxGroup][2];
  __shared__ float s_acc[kAttnWarps][kMaxGroup][kHeadDim];
#pragma unroll
  for (int g = 0; g < kMaxGroup; ++g) {
    if (g >= group) break;
    if (lane == 0) {
      s_ml[warp][g][0] = st[g].m;
      s_ml[warp][g][1] = st[g].l;
    }
#pragma unroll
    for (int i = 0; i < kDims; ++i) s_acc[warp][g][lane * kDims + i] = st[g].acc[i];
  }
  __syncthreads();
  for (int idx = static_cast<int>(threadIdx.x); idx < group * kHeadDim; idx += kAttnThreads) {
    const int g = idx / kHeadDim;
    const int d = idx % kHeadDim;
    float m = kNegInf;
    for (int w = 0; w < kAttnWarps; ++w) m = fmaxf(m, s_ml[w][g][0]);
    float l = 0.0f;
    float acc = 0.0f;
    if (m != kNegInf) {
      for (int w = 0; w < kAttnWarps; ++w) {
        const float f = __expf(s_ml[w][g][0] - m);
        l += s_ml[w][g][1] * f;
        acc += s_acc[w][g][d] * f;
      }
    }
    const int64_t head = kvh * group + g;
    const int64_t token_head = t * p.n_head + head;
    if (p.n_splits == 1) {
      p.out[token_head * kHeadDim + d] = acc / l;
    } else {
      float* part = PartialOf(p.workspace, token_head, split, p.n_splits, kHeadDim);
      if (d == 0) {
        part[0] = m;
        part[1] = l;
      }
      part[2 + d] = acc;
    }
  }
}

// One block per (token, head), one thread per output element: merges the
// splits' partial results.
__global__ void MergeSplitsKernel(const float* __restrict__ workspace, float* __restrict__ out,
                                  int64_t n_splits, int64_t head_dim) {
  const int64_t token_head = blockIdx.x;
  const int64_t d = threadIdx.x;
  float m = kNegInf;
  for (int64_t s = 0; s < n_splits; ++s) {
    m = fmaxf(m, PartialOf(workspace, token_head, s, n_splits, head_dim)[0]);
  }
  float l = 0.0f;
  float acc = 0.0f;
  for (int64_t s = 0; s < n_splits; ++s) {
    const float* part = PartialOf(workspace, token_head, s, n_splits, head_dim);
    if (part[0] == kNegInf) continue;
    const float f = __expf(part[0] - m);
    l += part[1] * f;
    acc += part[2 + d] * f;
  }
  out[token_head * head_dim + d] = acc / l;
}

template <int kDims>
Status LaunchAttentionFor(const AttentionParams& p, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned int>(p.n_head_kv), static_cast<unsigned int>(p.n_tokens),
                  static_cast<unsigned int>(p.n_splits));
  const int group = static_cast<int>(p.n_head / p.n_head_kv);
  AttentionKernel<kDims><<<grid, kAttnThreads, 0, stream>>>(p, group);
  CUDA_CHECK_LAUNCH();
  if (p.n_splits > 1) {
    MergeSplitsKernel<<<static_cast<unsigned int>(p.n_tokens * p.n_head),
                        static_cast<unsigned int>(p.head_dim), 0, stream>>>(p.workspace, p.out,
                                                                            p.n_splits, p.head_dim);
    CUDA_CHECK_LAUNCH();
  }
  return Status::Ok();
}

}  // namespace

namespace internal {

Status LaunchKvAppend(const KvAppendParams& p, cudaStream_t stream) {
  KvAppendKernel<<<GridFor(p.n_tokens * p.kv_dim, kAppendBlock), kAppendBlock, 0, stream>>>(
      p.k, p.v, p.k_cache, p.v_cache, p.slots, p.positions, p.n_tokens, p.kv_dim, p.n_ctx);
  CUDA_CHECK_LAUNCH();
  return Status::Ok();
}

Status LaunchAttention(const AttentionParams& p, cudaStream_t stream) {
  switch (p.head_dim) {
    case 32:
      return LaunchAttentionFor<1>(p, stream);
    case 64:
      return LaunchAttentionFor<2>(p, stream);
    case 96:
      return LaunchAttentionFor<3>(p, stream);
    case 128:
      return LaunchAttentionFor<4>(p, stream);
    case 256:
      return LaunchAttentionFor<8>(p, stream);
    default:
      return UnimplementedError("Attention: head_dim " + std::to_string(p.head_dim) +
                                " (supported: 32, 64, 96, 128, 256)");
  }
}

}  // namespace internal

Status KvAppend(const KvAppendParams& p, Stream stream) {
  if (p.k == nullptr || p.v == nullptr || p.k_cache == nullptr || p.v_cache == nullptr ||
      p.slots == nullptr || p.positions == nullptr) {
    return InvalidArgumentError("KvAppend: null pointer");
  }
  if (p.n_tokens < 0 || p.kv_dim <= 0 || p.n_ctx <= 0) {
    return InvalidArgumentError("KvAppend: bad shape");
  }
  if (p.n_tokens == 0) return Status::Ok();
  return internal::LaunchKvAppend(p, internal::ToCuda(stream));
}

int64_t AttentionWorkspaceFloats(int64_t n_tokens, int64_t n_head, int64_t head_dim,
                                 int64_t n_splits) {
  return n_splits <= 1 ? 0 : n_tokens * n_head * n_splits * (head_dim + 2);
}

int64_t AttentionSplits(int64_t n_tokens, int64_t n_head_kv, int64_t max_keys) {
  const int64_t blocks = std::max<int64_t>(1, n_tokens * n_head_kv);
  const int64_t wanted = (kTargetBlocks + blocks - 1) / blocks;
  const int64_t most = std::max<int64_t>(1, max_keys / kMinKeysPerSplit);
  return std::clamp<int64_t>(wanted, 1, most);
}

Status Attention(const AttentionParams& p, Stream stream) {
  if (p.q == nullptr || p.k_cache == nullptr || p.v_cache == nullptr || p.slots == nullptr ||
      p.positions == nullptr || p.out == nullptr) {
    return InvalidArgumentError("Attention: null pointer");
  }
  if (p.n_tokens < 0 || p.n_tokens > kMaxGridY || p.n_head <= 0 || p.n_head_kv <= 0 ||
      p.n_ctx <= 0 || p.n_head % p.n_head_kv != 0) {
    return InvalidArgumentError(
        "Attention: bad shape (1..65535 tokens; n_head a multiple of n_head_kv)");
  }
  if (p.n_head / p.n_head_kv > kMaxAttentionGroup) {
    return UnimplementedError("Attention: more than " + std::to_string(kMaxAttentionGroup) +
                              " query heads per kv head");
  }
  if (p.n_splits < 1 || p.n_splits > kMaxGridY || (p.n_splits > 1 && p.workspace == nullptr)) {
    return InvalidArgumentError("Attention: n_splits must be 1..65535, with a workspace past 1");
  }
  if (p.n_tokens == 0) return Status::Ok();
  return internal::LaunchAttention(p, internal::ToCuda(stream));
}

}  // namespace sextant::kernels::cuda
