// The CUDA backend's public interface: device buffers, streams and the tensor
// ops of a decode step. This header includes no CUDA header, so code built by
// the host C++ compiler can call it; every pointer passed to an op is device
// memory unless its comment says otherwise.
//
// Errors: every entry point checks dtypes and shapes first and returns
// InvalidArgument (or Unimplemented for a dtype this backend lacks) without
// launching; a failed CUDA call returns Internal naming the statement, file and
// line. Ops are asynchronous on the given stream: a launch error may surface
// only at the next Synchronize.
//
// Thread safety: ops on different streams may be issued from different
// threads; a DeviceBuffer is not synchronized.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "kernels/dtype.h"

namespace sextant::kernels::cuda {

// An opaque cudaStream_t; nullptr is the default (legacy) stream.
struct StreamOpaque;
using Stream = StreamOpaque*;

// Number of visible CUDA devices; 0 when there is no driver or no device.
int DeviceCount();

// "NVIDIA H200, 132 SMs, 139.8 GiB" for device 0, or an error.
Result<std::string> DeviceDescription();

// Free and total memory of device 0, in bytes.
struct DeviceMemoryInfo {
  int64_t free_bytes = 0;
  int64_t total_bytes = 0;
};
Result<DeviceMemoryInfo> DeviceMemory();

// Copies `bytes` between host and device memory in stream order. The host
// side must stay valid until the stream reaches the copy.
Status CopyToDeviceAsync(void* device, const void* host, int64_t bytes, Stream stream);
Status CopyToHostAsync(void* host, const void* device, int64_t bytes, Stream stream);

// A new non-blocking stream (graphs cannot be captured on the legacy
// default stream), and its release; DestroyStream(nullptr) does nothing.
Result<Stream> CreateStream();
void DestroyStream(Stream stream);

// An instantiated CUDA graph: the ops issued on a stream between
// BeginCapture and EndCapture, replayed by Launch with one call. Captured
// ops must not synchronize or copy from pageable host memory. Move-only.
class Graph {
 public:
  Graph() = default;
  ~Graph();
  Graph(Graph&& other) noexcept;
  Graph& operator=(Graph&& other) noexcept;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  static Status BeginCapture(Stream stream);
  // Ends the capture begun on `stream`; an error when any captured op failed.
  static Result<Graph> EndCapture(Stream stream);
  Status Launch(Stream stream) const;
  bool empty() const { return exec_ == nullptr; }

 private:
  void* exec_ = nullptr;  // cudaGraphExec_t
};

// While one lives, the ops this thread issues use programmatic dependent
// launch (sm_90): each kernel's blocks start while the kernel before it
// finishes, and a GEMV starts reading its weights then. Results are the same
// bit for bit. Scopes nest; the innermost one decides.
class DependentLaunchScope {
 public:
  explicit DependentLaunchScope(bool on);
  ~DependentLaunchScope();
  DependentLaunchScope(const DependentLaunchScope&) = delete;
  DependentLaunchScope& operator=(const DependentLaunchScope&) = delete;

 private:
  bool previous_;
};

// Waits until all work issued on `stream` has finished; reports any error an
// earlier asynchronous launch raised.
Status Synchronize(Stream stream);

// Owns `bytes` of device memory (cudaMalloc), freed on destruction. Move-only.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  // Allocates `bytes` (> 0); ResourceExhausted when the device is full.
  static Result<DeviceBuffer> Allocate(int64_t bytes);

  void* data() const { return data_; }
  int64_t bytes() const { return bytes_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(data_);
  }

  // Synchronous copies of `bytes` (<= this->bytes()) from or to host memory.
  Status CopyFromHost(const void* host, int64_t bytes);
  Status CopyToHost(void* host, int64_t bytes) const;
  // Sets every byte to `value` (synchronous); tests use it to poison outputs.
  Status Fill(uint8_t value);

 private:
  void* data_ = nullptr;
  int64_t bytes_ = 0;
};

// ---------------------------------------------------------------------------
// Element-wise and row ops (float32 activations).

// Gathers rows of an embedding table: out[t, :] = dequant(table[ids[t], :]).
// The table stays in its GGUF layout (any DType but Q4_1/Q5_0/Q5_1); values
// are dequantized exactly as the CPU DequantizeRow does. An id outside
// [0, rows) yields a row of NaN.
struct EmbeddingParams {
  DType type = DType::kF32;
  const void* table = nullptr;  // (rows, row_bytes) bytes
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t row_bytes = 0;         // RowBytes(type, cols)
  const int32_t* ids = nullptr;  // (n_tokens)
  int64_t n_tokens = 0;
  float* out = nullptr;  // (n_tokens, cols)
};
Status EmbeddingGather(const EmbeddingParams& p, Stream stream);

// For each of `rows` rows of n: x += delta (when delta is set), then
// out = x / sqrt(mean(x^2) + eps) * weight (weight may be null). out may alias x.
// With out_q set, out is also written quantized as QuantizeX would (n a
// multiple of 32, out_q 16-byte aligned), which saves that launch.
struct AddRmsNormParams {
  float* x = nullptr;             // (rows, n), updated in place when delta is set
  const float* delta = nullptr;   // (rows, n) or null
  const float* weight = nullptr;  // (n) or null
  float* out = nullptr;           // (rows, n)
  int64_t rows = 0;
  int64_t n = 0;
  float eps = 1e-6f;
  void* out_q = nullptr;  // null, or (rows, QuantizedXRowBytes(n)) bytes
};
Status AddRmsNorm(const AddRmsNormParams& p, Stream stream);

// Per-head RMSNorm in place (qwen3 q/k norm): each head_dim slice of
// x (n_tokens, n_heads, head_dim) is normalized and scaled by weight (head_dim).
struct HeadRmsNormParams {
  float* x = nullptr;
  const float* weight = nullptr;
  int64_t n_tokens = 0;
  int64_t n_heads = 0;
  int64_t head_dim = 0;
  float eps = 1e-6f;
};
Status HeadRmsNorm(const HeadRmsNormParams& p, Stream stream);

// How rotary pairs sit within a head (as kernels::cpu::RopeLayout).
enum class RopeLayout {
  kInterleaved,  // pairs (2i, 2i+1)
  kSplitHalf,    // pairs (i, i + rope_dim / 2)
};

// Rotates the first rope_dim dims of every head of x (n_tokens, n_heads,
// head_dim) in place, token t at angle positions[t] * inv_freq[i] for pair i,
// computed in float32 like the CPU Rope. rope_dim is even and <= head_dim.
struct RopeParams {
  float* x = nullptr;
  int64_t n_tokens = 0;
  int64_t n_heads = 0;
  int64_t head_dim = 0;
  int64_t rope_dim = 0;
  const int32_t* positions = nullptr;  // (n_tokens)
  const float* inv_freq = nullptr;     // (rope_dim / 2)
  RopeLayout layout = RopeLayout::kSplitHalf;
};
Status Rope(const RopeParams& p, Stream stream);

// out[i] = silu(gate[i]) * up[i] for i < n; out may alias gate or up.
Status SwiGlu(const float* gate, const float* up, float* out, int64_t n, Stream stream);

// SwiGlu over (rows, cols) that also writes out quantized as QuantizeX
// would into out_q ((rows, QuantizedXRowBytes(cols)) bytes, 16-byte
// aligned; cols a multiple of 32).
Status SwiGluQuantized(const float* gate, const float* up, float* out, int64_t rows, int64_t cols,
                       void* out_q, Stream stream);

// x[r, i] += bias[i] for x (rows, n), bias (n).
Status BiasAdd(float* x, const float* bias, int64_t rows, int64_t n, Stream stream);

// ids[r] = the index of the largest logits[r, i] for logits (rows, n): greedy
// sampling. Equal values go to the lowest index, as on the CPU; NaN is never
// picked (a row of only NaN gives 0).
Status ArgmaxRows(const float* logits, int64_t rows, int64_t n, int32_t* ids, Stream stream);

// Samples one token per row of logits (rows, n), as llm::Sampler does without
// penalties: keep the top_k largest logits (ties: lower id first), then the
// smallest prefix of them (sorted descending) whose softmax mass at
// temperature 1 reaches top_p, then those within log(min_p) of the max, then
// draw with uniforms[r] in [0, 1) from the temperature softmax over what is
// left, walking candidates in sorted order (the first whose cumulative mass
// exceeds uniforms[r] times the total). temperature <= 0 is greedy, exactly
// ArgmaxRows. NaN logits are never picked; a row of only NaN gives 0. The
// softmax sums are in double precision. One block per row; no host sync and
// no allocation, so a call can be captured in a graph (the params are fixed
// into it).
//
// Errors: InvalidArgument naming the field when temperature is not finite,
// top_k is outside [1, kMaxGpuTopK], top_p is outside (0, 1] or min_p outside
// [0, 1]; InvalidArgument for null pointers or a bad shape.
inline constexpr int64_t kMaxGpuTopK = 1024;
struct SampleParams {
  float temperature = 1.0f;
  int32_t top_k = 40;  // 1..kMaxGpuTopK
  float top_p = 1.0f;  // (0, 1]; 1 keeps every top_k candidate
  float min_p = 0.0f;  // [0, 1]; 0 turns it off
};
Status SampleRows(const float* logits, int64_t rows, int64_t n, const SampleParams& p,
                  const float* uniforms /*(rows)*/, int32_t* ids /*(rows)*/, Stream stream);

// ---------------------------------------------------------------------------
// Attention over a bf16 KV cache.
//
// The cache of one layer holds n_slots sequences: k_cache and v_cache are
// (n_slots, n_ctx, kv_dim) bf16 bits, kv_dim = n_head_kv * head_dim. Query
// token t belongs to slot slots[t] and sits at position positions[t]; it
// attends to that slot's positions 0..positions[t] (causal). One call thus
// serves prefill (one slot, many tokens) and batched decode (many slots, one
// token each).

// Rope on q and k and the KvAppend of k and v in one launch: q (n_tokens,
// n_head, head_dim) is rotated in place as Rope does; k is rotated on its
// way into the cache (the float k is left as it was) and v copied, both
// rounded to bf16 as KvAppend does. Results equal Rope, Rope, KvAppend.
struct RopeAppendParams {
  float* q = nullptr;
  const float* k = nullptr;  // (n_tokens, n_head_kv, head_dim)
  const float* v = nullptr;  // (n_tokens, n_head_kv, head_dim)
  uint16_t* k_cache = nullptr;
  uint16_t* v_cache = nullptr;
  const int32_t* slots = nullptr;      // (n_tokens)
  const int32_t* positions = nullptr;  // (n_tokens), each < n_ctx
  const float* inv_freq = nullptr;     // (rope_dim / 2)
  int64_t n_tokens = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t rope_dim = 0;
  int64_t n_ctx = 0;
  RopeLayout layout = RopeLayout::kSplitHalf;
};
Status RopeAppend(const RopeAppendParams& p, Stream stream);

// Writes k and v (n_tokens, kv_dim) as bf16 (round to nearest even) into the
// cache at (slots[t], positions[t]).
struct KvAppendParams {
  const float* k = nullptr;  // (n_tokens, kv_dim)
  const float* v = nullptr;  // (n_tokens, kv_dim)
  uint16_t* k_cache = nullptr;
  uint16_t* v_cache = nullptr;
  const int32_t* slots = nullptr;      // (n_tokens)
  const int32_t* positions = nullptr;  // (n_tokens), each < n_ctx
  int64_t n_tokens = 0;
  int64_t kv_dim = 0;
  int64_t n_ctx = 0;
};
Status KvAppend(const KvAppendParams& p, Stream stream);

// out = softmax(q k^T * scale) v per query head, with the grouped kv head
// h / (n_head / n_head_kv). The keys of each query are split into n_splits
// chunks processed in parallel (flash-decoding), then merged; the chunk
// length follows from positions[t], so one n_splits serves every length.
// Every query head of a kv head is handled by one block (GQA packing), so a
// key is read once per group. Math is float32 with an online softmax; no
// score matrix is stored. head_dim is 64 or 128 (or 32, 96, 256);
// n_head / n_head_kv is at most kMaxAttentionGroup.
inline constexpr int64_t kMaxAttentionGroup = 8;
struct AttentionParams {
  const float* q = nullptr;  // (n_tokens, n_head, head_dim), rope applied
  const uint16_t* k_cache = nullptr;
  const uint16_t* v_cache = nullptr;
  const int32_t* slots = nullptr;      // (n_tokens)
  const int32_t* positions = nullptr;  // (n_tokens)
  float* out = nullptr;                // (n_tokens, n_head, head_dim)
  int64_t n_tokens = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_ctx = 0;
  float scale = 1.0f;  // usually 1 / sqrt(head_dim)
  int64_t n_splits = 1;
  float* workspace = nullptr;  // AttentionWorkspaceFloats(...) floats when n_splits > 1
  // Null, or (n_tokens, QuantizedXRowBytes(n_head * head_dim)) bytes, 16-byte
  // aligned: out quantized as QuantizeX would, for the output projection.
  void* out_q = nullptr;
};
Status Attention(const AttentionParams& p, Stream stream);

// Floats of workspace Attention needs for these sizes.
int64_t AttentionWorkspaceFloats(int64_t n_tokens, int64_t n_head, int64_t head_dim,
                                 int64_t n_splits);

// A split count that fills the GPU for n_tokens queries over at most
// max_keys keys each: more splits for few tokens and long contexts.
int64_t AttentionSplits(int64_t n_tokens, int64_t n_head_kv, int64_t max_keys);

// ---------------------------------------------------------------------------
// Quantized GEMV.

// Largest batch GemvRun accepts.
inline constexpr int64_t kMaxGemvBatch = 8;

// A weight matrix in the device layout GemvRun reads. Q4_K, F16 and BF16 keep
// the GGUF row layout; Q8_0, Q4_0 and Q6_K are repacked so that every thread
// reads 16 aligned bytes: all rows' quants first, then all rows' scales
// (see internal/gemv_layout.h). F16/BF16 need cols % 8 == 0.
struct GemvWeights {
  DType type = DType::kF32;
  const void* data = nullptr;  // device, layout as above
  int64_t rows = 0;
  int64_t cols = 0;
};

// Types GemvRun supports: Q8_0, Q4_0, Q4_K, Q6_K, BF16, F16.
bool GemvSupports(DType t);

// Bytes of the device layout of a rows x cols matrix of type t, or an error
// when the type or shape is unsupported.
Result<int64_t> GemvLayoutBytes(DType t, int64_t rows, int64_t cols);

// Converts rows x cols GGUF rows (host memory, row r at src + r * row_bytes)
// into the device layout, on the host. dst holds GemvLayoutBytes bytes.
Status RepackForGemv(DType t, const void* src, int64_t rows, int64_t cols, int64_t row_bytes,
                     std::vector<uint8_t>* dst);

// Repacks host GGUF rows and uploads them into a new buffer; `weights` then
// points into it.
Status UploadGemvWeights(DType t, const void* src, int64_t rows, int64_t cols, int64_t row_bytes,
                         DeviceBuffer* buffer, GemvWeights* weights);

// y[b, r] = sum_k W[r, k] * x[b, k] for b < batch (1..kMaxGemvBatch), with
// float32 activations and float32 accumulation; or, when xq is set and
// GemvTakesQuantizedX(w.type), with x as QuantizeX wrote it and int8 dot
// products (dp4a), summed in int32 per block of 32 and in float32 across
// blocks, which takes about a quarter of the float32 path's instructions per
// weight. Its relative error against float32 activations is about 5e-3.
struct GemvParams {
  GemvWeights w;
  const float* x = nullptr;  // (batch, w.cols)
  const void* xq = nullptr;  // optional: (batch, QuantizedXRowBytes(w.cols)) bytes
  float* y = nullptr;        // (batch, w.rows)
  int64_t batch = 1;
};
Status GemvRun(const GemvParams& p, Stream stream);

// Up to kMaxGemvGroup GEMVs of one type over the same input (x, xq, batch
// and columns equal) in one launch, their rows split among the blocks in
// order: for q, k and v, or gate and up, this saves launches and lets the
// small matrices share the GPU.
inline constexpr int kMaxGemvGroup = 3;
Status GemvRunGroup(const GemvParams* ps, int count, Stream stream);

// Weight types whose GEMV reads quantized activations when given them:
// Q8_0, Q4_0, Q4_K and Q6_K.
bool GemvTakesQuantizedX(DType t);

// Activations quantized for the integer GEMV. Row b of the output starts at
// b * QuantizedXRowBytes(cols): cols int8 quants q, then one (d, s) float
// pair per block of 32 columns, where x ~ d * q (d = max |x| / 127, q
// rounded to nearest) and s is the block's exact float32 sum.
inline constexpr int64_t kQuantizedXBlock = 32;
int64_t QuantizedXRowBytes(int64_t cols);

// x: (batch, cols) floats, 16-byte aligned; cols a positive multiple of 32;
// xq: batch * QuantizedXRowBytes(cols) bytes, 16-byte aligned. A block of
// zeros gets d = 0; NaN or infinity in a block makes its d NaN.
Status QuantizeX(const float* x, int64_t batch, int64_t cols, void* xq, Stream stream);

// ---------------------------------------------------------------------------
// Integer GEMM for batches past the GEMV's and for prefill.

// y[b, r] = sum_k W[r, k] * x[b, k] for b < n, with Q8_0, Q4_0, Q4_K or Q6_K
// weights and x quantized by QuantizeX, on int8 tensor cores: the weights
// are unpacked to int8 in shared memory 64 rows by 256 columns at a time,
// and each group of 16 or 32 columns' int32 products is scaled in float32.
// Its error is the int8 GEMV's (about 5e-3 relative to float32 x). When the
// tiles are too few to fill the GPU the columns are split among blocks and
// summed in a fixed order, so results never depend on timing.
//
// Ownership: owns its split scratch. Thread safety: one Run at a time.
// Errors: Create fails when device memory runs out; Run returns
// Unimplemented for other types and InvalidArgument for bad arguments.
class Int8Gemm {
 public:
  static Result<std::unique_ptr<Int8Gemm>> Create();
  // Device bytes Create allocates.
  static int64_t ScratchBytes();

  // xq: (n, QuantizedXRowBytes(w.cols)) bytes, 16-byte aligned; y: (n, w.rows).
  Status Run(const GemvWeights& w, const void* xq, int64_t n, float* y, Stream stream);

 private:
  Int8Gemm(DeviceBuffer scratch, int64_t target_blocks)
      : scratch_(std::move(scratch)), target_blocks_(target_blocks) {}
  DeviceBuffer scratch_;   // split parts, then one counter per split tile
  int64_t target_blocks_;  // blocks that fill the GPU
};

// ---------------------------------------------------------------------------
// GEMM for prefill and large batches.

// y[b, r] = sum_k W[r, k] * x[b, k] for many rows b at once, on tensor
// cores through cuBLAS: W is dequantized to fp16 one tile of rows at a time
// (BF16 and F16 weights are read in place), x is rounded to the same half
// type, and products are summed in float32. Relative error against float32
// is about 1e-3 (fp16) to 1e-2 (bf16 operands).
//
// Ownership: owns the cuBLAS handle and its scratch. Thread safety: one Run
// at a time. Errors: Create fails with internal when cuBLAS cannot start;
// Run rejects a batch or column count past the sizes given to Create.
class Gemm {
 public:
  // Sizes the scratch for up to max_batch rows of x and max_cols columns.
  static Result<std::unique_ptr<Gemm>> Create(Stream stream, int64_t max_batch, int64_t max_cols);
  // Device bytes Create allocates for these sizes.
  static int64_t ScratchBytes(int64_t max_batch, int64_t max_cols);
  virtual ~Gemm() = default;

  // x: (batch, w.cols); y: (batch, w.rows). Any type GemvRun takes.
  virtual Status Run(const GemvWeights& w, const float* x, int64_t batch, float* y) = 0;
};

// Writes rows [row_begin, row_begin + n_rows) of W into out (n_rows,
// W.cols) as bf16 (bf16 true) or fp16 bits, dequantized from the GEMV
// layout and rounded to nearest.
Status DequantizeToHalf(const GemvWeights& w, int64_t row_begin, int64_t n_rows, bool bf16,
                        uint16_t* out, Stream stream);

}  // namespace sextant::kernels::cuda
