// The integer GEMM: Q8_0, Q4_0, Q4_K and Q6_K weights times activations
// quantized by QuantizeX, on int8 tensor cores (mma.sync m16n8k16).
//
// A block of four warps owns 64 weight rows and 8 * kNT tokens. For each
// chunk of 256 columns (its global loads issued while the previous chunk
// is multiplied) it unpacks the rows' quants to signed int8 in shared
// memory (through the steps of int8_steps.cuh, with one float scale per 16
// or 32 columns and Q4_K's minimum per 32), copies the tokens' int8
// activations beside them, and each warp multiplies its 16 rows by every
// token: the int32 product of each scale group is converted once and scaled
// by the weight and activation scales in float32.
//
// When the tiles are too few to fill the GPU, the chunks are split among
// blocks (gridDim.z); each writes its partial tile to a workspace and the
// last block of a tile, found by an atomic counter, sums the parts in split
// order, so a result never depends on which block finished first.
#include <algorithm>
#include <string>

#include "kernels/cuda/internal/cuda_check.cuh"
#include "kernels/cuda/internal/gemv_layout.h"
#include "kernels/cuda/internal/int8_steps.cuh"
#include "kernels/cuda/internal/launch.cuh"

namespace sextant::kernels::cuda {
namespace {

using internal::CeilDiv;
using internal::GemvLayout;

constexpr int kTileRows = 64;
constexpr int kChunk = 256;
constexpr int kPad = 16;  // row stride 272 bytes: the 8 rows of a fragment hit distinct banks
constexpr int kThreads = 128;
// Splitting stops once this many blocks per SM are in the grid.
constexpr int kBlocksPerSm = 4;
// Workspace and counters for split tiles, sized for up to 1024 target blocks.
constexpr int64_t kMaxTargetBlocks = 1024;
constexpr int kMaxSplitNt = 4;  // split only tiles of up to 32 tokens

template <class Step, int kNT>
struct Smem {
  alignas(16) uint8_t wq[kTileRows][kChunk + kPad];
  float wscale[kTileRows][kChunk / Step::kScaleCols];
  float wmin[kTileRows][Step::kHasMin ? kChunk / 32 : 1];
  alignas(16) uint8_t xq[8 * kNT][kChunk + kPad];
  float2 xds[8 * kNT][kChunk / 32];
};

struct Args {
  const uint8_t* w;
  GemvLayout layout;
  int64_t rows;
  int64_t cols;
  const uint8_t* xq;
  int64_t x_row_bytes;
  int64_t n;
  float* y;
  float* workspace;
  int* counters;
  int chunks_per_split;
};

__device__ __forceinline__ void Mma(int (&c)[4], uint32_t a0, uint32_t a1, uint32_t b) {
  asm("mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5}, {%6}, "
      "{%0, %1, %2, %3};"
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
      : "r"(a0), "r"(a1), "r"(b));
}

// One chunk's global loads, held in registers so that the next chunk's
// loads are in flight while the current chunk is multiplied. Thread items
// follow a full chunk's layout; items past a partial chunk's kc are left
// out. Weight rows past the end repeat the last row (never stored); tokens
// past n become zeros.
template <class Step, int kNT>
struct ChunkLoads {
  static constexpr int kSteps = kChunk / Step::kElems;  // per row
  static constexpr int kWeightItems = kTileRows * kSteps / kThreads;
  static constexpr int kPieces = 8 * kNT * (kChunk / 16) / kThreads;  // 16 bytes of x
  static constexpr int kScales = 8 * kNT * (kChunk / 32) / kThreads;  // (d, s) pairs
  static_assert(kWeightItems * kThreads == kTileRows * kSteps, "whole weight items");
  static_assert(kScales * kThreads == 8 * kNT * (kChunk / 32), "whole scale items");
  typename Step::Raw raw[kWeightItems];
  int4 x[kPieces];
  float2 ds[kScales];

  __device__ void Load(const Args& a, int64_t row0, int64_t tok0, int64_t k0, int kc) {
    const int64_t c0 = k0 / Step::kElems;
#pragma unroll
    for (int j = 0; j < kWeightItems; ++j) {
      const int item = static_cast<int>(threadIdx.x) + j * kThreads;
      if (item % kSteps < kc / Step::kElems) {
        const Step step(a.w, a.layout, min(row0 + item / kSteps, a.rows - 1));
        raw[j] = step.Load(c0 + item % kSteps);
      }
    }
#pragma unroll
    for (int j = 0; j < kPieces; ++j) {
      const int item = static_cast<int>(threadIdx.x) + j * kThreads;
      const int64_t t = tok0 + item / (kChunk / 16);
      const int i = item % (kChunk / 16);
      x[j] = make_int4(0, 0, 0, 0);
      if (t < a.n && i < kc / 16) x[j] = internal::LoadX16(a.xq + t * a.x_row_bytes + k0 + 16 * i);
    }
#pragma unroll
    for (int j = 0; j < kScales; ++j) {
      const int item = static_cast<int>(threadIdx.x) + j * kThreads;
      const int64_t t = tok0 + item / (kChunk / 32);
      const int b = item % (kChunk / 32);
      ds[j] = make_float2(0.0f, 0.0f);
      if (t < a.n && b < kc / 32) {
        ds[j] = __ldg(internal::ScalesOf(a.xq + t * a.x_row_bytes, a.cols) + k0 / 32 + b);
      }
    }
  }

  // Unpacks the weights to int8 with their scales and copies the
  // activations into shared memory.
  __device__ void Store(int64_t k0, int kc, Smem<Step, kNT>& sm) const {
    const int64_t c0 = k0 / Step::kElems;
#pragma unroll
    for (int j = 0; j < kWeightItems; ++j) {
      const int item = static_cast<int>(threadIdx.x) + j * kThreads;
      if (item % kSteps >= kc / Step::kElems) continue;
      const int r = item / kSteps;
      const int64_t c = c0 + item % kSteps;
      const typename Step::Prepared p = Step::Prepare(raw[j], c);
#pragma unroll
      for (int run = 0; run < Step::kRuns; ++run) {
        const int col = static_cast<int>(Step::RunCol(c, run) - k0);
        *reinterpret_cast<uint4*>(&sm.wq[r][col]) = Step::RunQuants(p, run);
        sm.wscale[r][col / Step::kScaleCols] = Step::RunScale(p, run);
        if constexpr (Step::kHasMin) sm.wmin[r][col / 32] = Step::RunMin(p, run);
      }
    }
#pragma unroll
    for (int j = 0; j < kPieces; ++j) {
      const int item = static_cast<int>(threadIdx.x) + j * kThreads;
      *reinterpret_cast<int4*>(&sm.xq[item / (kChunk / 16)][16 * (item % (kChunk / 16))]) = x[j];
    }
#pragma unroll
    for (int j = 0; j < kScales; ++j) {
      const int item = static_cast<int>(threadIdx.x) + j * kThreads;
      sm.xds[item / (kChunk / 32)][item % (kChunk / 32)] = ds[j];
    }
  }
};

// acc[nt] holds rows (g, g, g + 8, g + 8) of the warp's 16 by tokens
// (2 tig, 2 tig + 1, 2 tig, 2 tig + 1) of n-tile nt: the mma C layout.
template <class Step, int kNT>
__device__ void MultiplyChunk(const Smem<Step, kNT>& sm, int kc, float (&acc)[kNT][4]) {
  constexpr int kSub = Step::kScaleCols / 16;
  const int lane = static_cast<int>(threadIdx.x) % internal::kWarpSize;
  const int r0 = static_cast<int>(threadIdx.x) / internal::kWarpSize * 16 + lane / 4;
  const int tig = lane % 4;
  for (int grp = 0; grp < kc / Step::kScaleCols; ++grp) {
    int c[kNT][4] = {};
#pragma unroll
    for (int s = 0; s < kSub; ++s) {
      const int k = grp * Step::kScaleCols + 16 * s + 4 * tig;
      const auto a0 = *reinterpret_cast<const uint32_t*>(&sm.wq[r0][k]);
      const auto a1 = *reinterpret_cast<const uint32_t*>(&sm.wq[r0 + 8][k]);
#pragma unroll
      for (int nt = 0; nt < kNT; ++nt) {
        Mma(c[nt], a0, a1, *reinterpret_cast<const uint32_t*>(&sm.xq[8 * nt + lane / 4][k]));
      }
    }
    const float s0 = sm.wscale[r0][grp];
    const float s1 = sm.wscale[r0 + 8][grp];
    const int blk = grp * Step::kScaleCols / 32;
#pragma unroll
    for (int nt = 0; nt < kNT; ++nt) {
      const float2 xa = sm.xds[8 * nt + 2 * tig][blk];
      const float2 xb = sm.xds[8 * nt + 2 * tig + 1][blk];
      acc[nt][0] += s0 * xa.x * static_cast<float>(c[nt][0]);
      acc[nt][1] += s0 * xb.x * static_cast<float>(c[nt][1]);
      acc[nt][2] += s1 * xa.x * static_cast<float>(c[nt][2]);
      acc[nt][3] += s1 * xb.x * static_cast<float>(c[nt][3]);
      if constexpr (Step::kHasMin) {
        const float m0 = sm.wmin[r0][blk];
        const float m1 = sm.wmin[r0 + 8][blk];
        acc[nt][0] -= m0 * xa.y;
        acc[nt][1] -= m0 * xb.y;
        acc[nt][2] -= m1 * xa.y;
        acc[nt][3] -= m1 * xb.y;
      }
    }
  }
}

// Index i of a thread's acc[nt] within the 64 x 8 kNT tile: (row, token).
__device__ __forceinline__ int TileRow(int i) {
  const int lane = static_cast<int>(threadIdx.x) % internal::kWarpSize;
  return static_cast<int>(threadIdx.x) / internal::kWarpSize * 16 + lane / 4 + 8 * (i / 2);
}
__device__ __forceinline__ int TileToken(int nt, int i) {
  return 8 * nt + 2 * (static_cast<int>(threadIdx.x) % 4) + i % 2;
}

template <int kNT>
__device__ void StoreTile(const Args& a, int64_t row0, int64_t tok0, const float (&acc)[kNT][4]) {
#pragma unroll
  for (int nt = 0; nt < kNT; ++nt) {
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int64_t r = row0 + TileRow(i);
      const int64_t t = tok0 + TileToken(nt, i);
      if (r < a.rows && t < a.n) a.y[t * a.rows + r] = acc[nt][i];
    }
  }
}

// Split tiles: every block writes its part; the last to arrive sums them.
template <int kNT>
__device__ void StoreSplitTile(const Args& a, int64_t row0, int64_t tok0,
                               const float (&acc)[kNT][4]) {
  constexpr int kTileFloats = kTileRows * 8 * kNT;
  const int splits = static_cast<int>(gridDim.z);
  const int tile = static_cast<int>(blockIdx.y * gridDim.x + blockIdx.x);
  float* parts = a.workspace + static_cast<int64_t>(tile) * splits * kTileFloats;
  auto at = [](int nt, int i) { return TileRow(i) * 8 * kNT + TileToken(nt, i); };
#pragma unroll
  for (int nt = 0; nt < kNT; ++nt) {
#pragma unroll
    for (int i = 0; i < 4; ++i) parts[blockIdx.z * kTileFloats + at(nt, i)] = acc[nt][i];
  }
  __threadfence();
  __syncthreads();
  __shared__ bool last;
  if (threadIdx.x == 0) {
    last = atomicAdd(&a.counters[tile], 1) == splits - 1;
    if (last) a.counters[tile] = 0;  // ready for the next launch
  }
  __syncthreads();
  if (!last) return;
  __threadfence();
  float sum[kNT][4] = {};
  for (int s = 0; s < splits; ++s) {
#pragma unroll
    for (int nt = 0; nt < kNT; ++nt) {
#pragma unroll
      for (int i = 0; i < 4; ++i) sum[nt][i] += __ldcg(parts + s * kTileFloats + at(nt, i));
    }
  }
  StoreTile<kNT>(a, row0, tok0, sum);
}

// Grid: (token tiles, row tiles, splits); token tiles vary fastest so the
// blocks reading one row tile run together and share its weights in L2.
template <class Step, int kNT>
__global__ void __launch_bounds__(kThreads, 3) Int8GemmKernel(Args a) {
  __shared__ Smem<Step, kNT> sm;
  internal::EnterKernel();
  const int64_t tok0 = static_cast<int64_t>(blockIdx.x) * 8 * kNT;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTileRows;
  const int64_t chunks = CeilDiv(a.cols, kChunk);
  const int64_t begin = static_cast<int64_t>(blockIdx.z) * a.chunks_per_split;
  const int64_t end = min(chunks, begin + a.chunks_per_split);
  float acc[kNT][4] = {};
  auto width = [&](int64_t chunk) {
    return static_cast<int>(min(static_cast<int64_t>(kChunk), a.cols - chunk * kChunk));
  };
  ChunkLoads<Step, kNT> loads;
  if (begin < end) loads.Load(a, row0, tok0, begin * kChunk, width(begin));
  for (int64_t chunk = begin; chunk < end; ++chunk) {
    __syncthreads();  // the previous chunk's products are done
    loads.Store(chunk * kChunk, width(chunk), sm);
    __syncthreads();
    // The next chunk's loads fly while this one is multiplied.
    if (chunk + 1 < end) loads.Load(a, row0, tok0, (chunk + 1) * kChunk, width(chunk + 1));
    MultiplyChunk<Step, kNT>(sm, width(chunk), acc);
  }
  if (gridDim.z == 1) {
    StoreTile<kNT>(a, row0, tok0, acc);
  } else {
    StoreSplitTile<kNT>(a, row0, tok0, acc);
  }
}

template <class Step, int kNT>
void Launch(Args a, int64_t target_blocks, cudaStream_t stream) {
  const int64_t tok_tiles = CeilDiv(a.n, 8 * kNT);
  const int64_t row_tiles = CeilDiv(a.rows, kTileRows);
  const int64_t chunks = CeilDiv(a.cols, kChunk);
  const int64_t tiles = tok_tiles * row_tiles;
  int64_t splits = 1;
  if (kNT <= kMaxSplitNt && tiles < target_blocks) {
    splits = std::min(chunks, CeilDiv(target_blocks, tiles));
  }
  a.chunks_per_split = static_cast<int>(CeilDiv(chunks, splits));
  splits = CeilDiv(chunks, a.chunks_per_split);  // no empty split
  const dim3 grid(static_cast<unsigned int>(tok_tiles), static_cast<unsigned int>(row_tiles),
                  static_cast<unsigned int>(splits));
  // An error stays for the caller's cudaGetLastError.
  static_cast<void>(internal::Launch(Int8GemmKernel<Step, kNT>, grid, kThreads, 0, stream, a));
}

template <class Step>
void LaunchFor(const Args& a, int64_t target_blocks, cudaStream_t stream) {
  if (a.n <= 16) {
    Launch<Step, 2>(a, target_blocks, stream);
  } else if (a.n <= 32) {
    Launch<Step, 4>(a, target_blocks, stream);
  } else {
    Launch<Step, 8>(a, target_blocks, stream);
  }
}

constexpr int64_t kWorkspaceFloats = 2 * kMaxTargetBlocks * kTileRows * 8 * kMaxSplitNt;
constexpr int64_t kCounterBytes = kMaxTargetBlocks * sizeof(int);

}  // namespace

int64_t Int8Gemm::ScratchBytes() { return kWorkspaceFloats * 4 + kCounterBytes; }

Result<std::unique_ptr<Int8Gemm>> Int8Gemm::Create() {
  int device = 0;
  int sms = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  SEXTANT_ASSIGN_OR_RETURN(DeviceBuffer scratch, DeviceBuffer::Allocate(ScratchBytes()));
  SEXTANT_RETURN_IF_ERROR(scratch.Fill(0));  // the counters start at zero
  const int64_t target = std::min<int64_t>(kMaxTargetBlocks, int64_t{kBlocksPerSm} * sms);
  return std::unique_ptr<Int8Gemm>(new Int8Gemm(std::move(scratch), target));
}

Status Int8Gemm::Run(const GemvWeights& w, const void* xq, int64_t n, float* y, Stream stream) {
  if (!GemvTakesQuantizedX(w.type)) {
    return UnimplementedError("int8 GEMM: no path for " + std::string(DTypeName(w.type)));
  }
  SEXTANT_RETURN_IF_ERROR(GemvLayoutBytes(w.type, w.rows, w.cols).status());
  if (w.data == nullptr || xq == nullptr || y == nullptr) {
    return InvalidArgumentError("int8 GEMM: null pointer");
  }
  if (reinterpret_cast<uintptr_t>(xq) % 16 != 0) {
    return InvalidArgumentError("int8 GEMM: xq must be 16-byte aligned");
  }
  if (n < 1) return InvalidArgumentError("int8 GEMM: need at least one token");
  Args a{};
  a.w = static_cast<const uint8_t*>(w.data);
  a.layout = internal::MakeGemvLayout(w.type, w.rows, w.cols);
  a.rows = w.rows;
  a.cols = w.cols;
  a.xq = static_cast<const uint8_t*>(xq);
  a.x_row_bytes = QuantizedXRowBytes(w.cols);
  a.n = n;
  a.y = y;
  a.workspace = scratch_.as<float>();
  a.counters = reinterpret_cast<int*>(scratch_.as<float>() + kWorkspaceFloats);
  internal::ForInt8Step(w.type, [&](auto tag) {
    LaunchFor<typename decltype(tag)::type>(a, target_blocks_, internal::ToCuda(stream));
  });
  CUDA_CHECK_LAUNCH();
  return Status::Ok();
}

}  // namespace sextant::kernels::cuda
