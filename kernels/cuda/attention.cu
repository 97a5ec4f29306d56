// Attention over a bf16 KV cache: the cache append, and split-KV attention
// with an online softmax (flash-decoding), the query heads of one kv head
// packed into one block.
//
// A block handles (kv head, token, split). Its warps take a few consecutive
// keys a round in turn; a lane holds kDims = head_dim / 32 elements of every
// query head of the group, of the running output, and of the key or value
// row it reads, so a key row is one coalesced warp load shared by the whole
// group. Each warp keeps its own running max and sum per head; the block
// merges its warps in shared memory, and a second kernel merges the splits.
// A split holds at least kMinKeysPerSplit keys, so a short context leaves
// the last splits of the grid idle; when one split holds every key, its
// block writes the output and the merge skips the token.
#include "kernels/cuda/attention.cuh"

#include <cuda_bf16.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/device_math.cuh"
#include "kernels/cuda/internal/int8_steps.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

using internal::kFullMask;
using internal::kWarpSize;

constexpr int kAttnWarps = 4;
constexpr int kAttnThreads = kAttnWarps * kWarpSize;
constexpr int kMaxGroup = static_cast<int>(kMaxAttentionGroup);
constexpr int kAppendBlock = 256;
// Fewer keys than this per split cost more in merging than they gain.
constexpr int64_t kMinKeysPerSplit = 16;
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
  internal::EnterKernel();
  const int64_t idx = static_cast<int64_t>(blockIdx.x) * kAppendBlock + threadIdx.x;
  if (idx >= n_tokens * kv_dim) return;
  const int64_t t = idx / kv_dim;
  const int64_t i = idx % kv_dim;
  const int64_t dst = (static_cast<int64_t>(slots[t]) * n_ctx + positions[t]) * kv_dim + i;
  k_cache[dst] = __bfloat16_as_ushort(__float2bfloat16_rn(k[idx]));
  v_cache[dst] = __bfloat16_as_ushort(__float2bfloat16_rn(v[idx]));
}

// kDims consecutive bf16 values of a cache row, as floats: one 4-, 8- or
// 16-byte load where kDims allows (rows start at multiples of 32 values).
template <int kDims>
__device__ __forceinline__ void LoadRow(const uint16_t* __restrict__ row, float (&out)[kDims]) {
  if constexpr (kDims % 2 == 0) {
    constexpr int kWords = kDims / 2;
    uint32_t w[kWords];
    if constexpr (kWords == 1) {
      w[0] = __ldg(reinterpret_cast<const unsigned int*>(row));
    } else if constexpr (kWords == 2) {
      const uint2 v = __ldg(reinterpret_cast<const uint2*>(row));
      w[0] = v.x;
      w[1] = v.y;
    } else {
#pragma unroll
      for (int i = 0; i < kWords; i += 4) {
        const uint4 v = __ldg(reinterpret_cast<const uint4*>(row) + i / 4);
        w[i] = v.x;
        w[i + 1] = v.y;
        w[i + 2] = v.z;
        w[i + 3] = v.w;
      }
    }
#pragma unroll
    for (int i = 0; i < kWords; ++i) {
      out[2 * i] = __uint_as_float(w[i] << 16);
      out[2 * i + 1] = __uint_as_float(w[i] & 0xffff0000u);
    }
  } else {
#pragma unroll
    for (int i = 0; i < kDims; ++i) out[i] = internal::Bf16BitsToFloat(__ldg(row + i));
  }
}

// Keys of a split: at least kMinKeysPerSplit, so that a short context uses
// only the first few splits of the grid.
__device__ __forceinline__ int64_t SplitChunk(int64_t n_keys, int64_t n_splits) {
  return max(kMinKeysPerSplit, (n_keys + n_splits - 1) / n_splits);
}

// Splits that hold keys, for n_keys keys in splits of `chunk`.
__device__ __forceinline__ int64_t UsedSplits(int64_t n_keys, int64_t chunk) {
  return (n_keys + chunk - 1) / chunk;
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

// Writes element `col` of token t's output row, and its int8 quant when
// p.out_q is set. The whole warp must call, with 32 consecutive columns.
__device__ __forceinline__ void StoreOut(const AttentionParams& p, int64_t t, int64_t col,
                                         float v) {
  const int64_t cols = p.n_head * p.head_dim;
  p.out[t * cols + col] = v;
  if (p.out_q != nullptr) {
    uint8_t* row = static_cast<uint8_t*>(p.out_q) + t * internal::QuantizedRowBytes(cols);
    internal::WarpQuantize32(v, row, col, cols);
  }
}

template <int kDims>
__global__ void __launch_bounds__(kAttnThreads) AttentionKernel(AttentionParams p, int group) {
  constexpr int kHeadDim = kDims * kWarpSize;
  internal::EnterKernel();
  const int64_t kvh = blockIdx.x;
  const int64_t t = blockIdx.y;
  const int64_t split = blockIdx.z;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int64_t kv_dim = p.n_head_kv * kHeadDim;

  const int64_t n_keys = static_cast<int64_t>(p.positions[t]) + 1;
  const int64_t chunk = SplitChunk(n_keys, p.n_splits);
  const int64_t used = UsedSplits(n_keys, chunk);
  if (split >= used) return;  // past a short context's keys
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

  // A warp takes kKeys consecutive keys a round: their loads, dot products
  // and warp sums are independent, and the running state is rescaled once.
  constexpr int kKeys = kDims <= 4 ? 4 : 2;
  const int64_t slot_base = static_cast<int64_t>(p.slots[t]) * p.n_ctx * kv_dim;
  const uint16_t* k_base = p.k_cache + slot_base + kvh * kHeadDim + lane * kDims;
  const uint16_t* v_base = p.v_cache + slot_base + kvh * kHeadDim + lane * kDims;
  for (int64_t key0 = begin + warp * kKeys; key0 < end; key0 += kAttnWarps * kKeys) {
    float kr[kKeys][kDims];
    float vr[kKeys][kDims];
#pragma unroll
    for (int j = 0; j < kKeys; ++j) {
      const int64_t key = min(key0 + j, end - 1);  // past the end: read again, weighed 0
      LoadRow<kDims>(k_base + key * kv_dim, kr[j]);
      LoadRow<kDims>(v_base + key * kv_dim, vr[j]);
    }
#pragma unroll
    for (int g = 0; g < kMaxGroup; ++g) {
      if (g >= group) break;
      float s[kKeys];
#pragma unroll
      for (int j = 0; j < kKeys; ++j) {
        s[j] = 0.0f;
#pragma unroll
        for (int i = 0; i < kDims; ++i) s[j] = fmaf(q[g][i], kr[j][i], s[j]);
      }
#pragma unroll
      for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
#pragma unroll
        for (int j = 0; j < kKeys; ++j) s[j] += __shfl_xor_sync(kFullMask, s[j], offset);
      }
      float m_new = st[g].m;
#pragma unroll
      for (int j = 0; j < kKeys; ++j) {
        if (key0 + j < end) m_new = fmaxf(m_new, s[j]);
      }
      const float corr = __expf(st[g].m - m_new);
      st[g].m = m_new;
      st[g].l *= corr;
#pragma unroll
      for (int i = 0; i < kDims; ++i) st[g].acc[i] *= corr;
#pragma unroll
      for (int j = 0; j < kKeys; ++j) {
        const float w = key0 + j < end ? __expf(s[j] - m_new) : 0.0f;
        st[g].l += w;
#pragma unroll
        for (int i = 0; i < kDims; ++i) st[g].acc[i] = fmaf(w, vr[j][i], st[g].acc[i]);
      }
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
    if (used == 1) {
      StoreOut(p, t, head * kHeadDim + d, acc / l);
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
__global__ void MergeSplitsKernel(AttentionParams p) {
  internal::EnterKernel();
  const float* __restrict__ workspace = p.workspace;
  const int64_t n_splits = p.n_splits;
  const int64_t head_dim = p.head_dim;
  const int64_t token_head = blockIdx.x;
  const int64_t t = token_head / p.n_head;
  const int64_t n_keys = static_cast<int64_t>(p.positions[t]) + 1;
  const int64_t used = UsedSplits(n_keys, SplitChunk(n_keys, n_splits));
  if (used == 1) return;  // the attention kernel wrote this token's output
  const int64_t d = threadIdx.x;
  float m = kNegInf;
  for (int64_t s = 0; s < used; ++s) {
    m = fmaxf(m, PartialOf(workspace, token_head, s, n_splits, head_dim)[0]);
  }
  float l = 0.0f;
  float acc = 0.0f;
  for (int64_t s = 0; s < used; ++s) {
    const float* part = PartialOf(workspace, token_head, s, n_splits, head_dim);
    if (part[0] == kNegInf) continue;
    const float f = __expf(part[0] - m);
    l += part[1] * f;
    acc += part[2 + d] * f;
  }
  StoreOut(p, t, token_head % p.n_head * head_dim + d, acc / l);
}

template <int kDims>
Status LaunchAttentionFor(const AttentionParams& p, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned int>(p.n_head_kv), static_cast<unsigned int>(p.n_tokens),
                  static_cast<unsigned int>(p.n_splits));
  const int group = static_cast<int>(p.n_head / p.n_head_kv);
  CUDA_CHECK(internal::Launch(AttentionKernel<kDims>, grid, kAttnThreads, 0, stream, p, group));
  if (p.n_splits > 1) {
    CUDA_CHECK(internal::Launch(MergeSplitsKernel, static_cast<unsigned int>(p.n_tokens * p.n_head),
                                static_cast<unsigned int>(p.head_dim), 0, stream, p));
  }
  return Status::Ok();
}

}  // namespace

namespace internal {

Status LaunchKvAppend(const KvAppendParams& p, cudaStream_t stream) {
  CUDA_CHECK(Launch(KvAppendKernel, GridFor(p.n_tokens * p.kv_dim, kAppendBlock), kAppendBlock, 0,
                    stream, p.k, p.v, p.k_cache, p.v_cache, p.slots, p.positions, p.n_tokens,
                    p.kv_dim, p.n_ctx));
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
  if (p.out_q != nullptr && reinterpret_cast<uintptr_t>(p.out_q) % 16 != 0) {
    return InvalidArgumentError("Attention: out_q must be 16-byte aligned");
  }
  if (p.n_tokens == 0) return Status::Ok();
  return internal::LaunchAttention(p, internal::ToCuda(stream));
}

}  // namespace sextant::kernels::cuda
