#include "llm/runtime/cuda_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>

#include "kernels/cuda/cuda_ops.h"
#include "llm/runtime/internal/cuda_weights.h"
#include "llm/runtime/model.h"

namespace sextant::llm {

namespace cuda = kernels::cuda;
using internal::DeviceLayer;
using internal::DeviceMatrix;

namespace {

constexpr int64_t kFloat = sizeof(float);
constexpr int64_t kBf16 = 2;

// Float32 activation widths per token in the scratch buffer.
int64_t ScratchFloatsPerToken(const ModelConfig& c) {
  return 3 * c.n_embd + 2 * c.q_dim() + 2 * c.kv_dim() + 2 * c.n_ff;
}

// Attention workspace for the widest split a step can use. Every token
// count is tried: n times the split count for n is not monotonic (the split
// count rounds up), and Forward runs chunks of any size.
int64_t WorkspaceFloats(const ModelConfig& c, const CudaModelOptions& o) {
  int64_t most = 0;
  for (int64_t n = 1; n <= o.n_batch; ++n) {
    const int64_t splits = cuda::AttentionSplits(n, c.n_head_kv, o.n_ctx);
    most = std::max(most, cuda::AttentionWorkspaceFloats(n, c.n_head, c.head_dim, splits));
  }
  return most;
}

// The widest input of any matrix product.
int64_t MaxCols(const ModelConfig& c) { return std::max({c.n_embd, c.q_dim(), c.n_ff}); }

// Activations quantized for the int8 GEMV (cuda::QuantizeX), after the ids
// at the next 256-byte boundary.
int64_t QuantizedXBytes(const ModelConfig& c, const CudaModelOptions& o) {
  return 256 + o.n_batch * cuda::QuantizedXRowBytes(MaxCols(c));
}

int64_t ScratchBytes(const ModelConfig& c, const CudaModelOptions& o) {
  const int64_t ids = 3 * o.n_batch * static_cast<int64_t>(sizeof(int32_t));
  return (o.n_batch * (ScratchFloatsPerToken(c) + c.n_vocab) + WorkspaceFloats(c, o)) * kFloat +
         ids + QuantizedXBytes(c, o) + cuda::Gemm::ScratchBytes(o.n_batch, MaxCols(c)) +
         cuda::Int8Gemm::ScratchBytes();
}

Result<cuda::DeviceBuffer> Allocate(int64_t bytes) {
  return cuda::DeviceBuffer::Allocate(std::max<int64_t>(bytes, 1));
}

}  // namespace

std::string CudaMemoryPlan::ToString(const CudaModelOptions& o) const {
  return "GPU: weights " + FormatBytes(weight_bytes) + " + KV cache " +
         FormatBytes(kv_cache_bytes) + " (" + std::to_string(o.n_slots) + " x " +
         std::to_string(o.n_ctx) + " positions, bf16) + scratch " + FormatBytes(scratch_bytes) +
         " = " + FormatBytes(total()) + " of " + FormatBytes(free_bytes) + " free";
}

struct CudaModel::Impl {
  ModelConfig config;
  CudaModelOptions options;
  CudaMemoryPlan plan;
  internal::DeviceWeights weights;
  cuda::DeviceBuffer k_cache;  // (n_layer, n_slots, n_ctx, kv_dim) bf16
  cuda::DeviceBuffer v_cache;
  cuda::DeviceBuffer scratch;
  // Views into scratch, each (n_batch, width).
  float* x = nullptr;
  float* xn = nullptr;
  float* q = nullptr;
  float* k = nullptr;
  float* v = nullptr;
  float* attn = nullptr;
  float* proj = nullptr;
  float* gate = nullptr;
  float* up = nullptr;
  float* logits = nullptr;     // (n_batch, n_vocab)
  float* workspace = nullptr;  // attention splits
  int32_t* ids = nullptr;      // (n_batch) token ids, then greedy picks
  int32_t* slots = nullptr;    // (n_batch)
  int32_t* positions = nullptr;
  void* xq = nullptr;  // (n_batch, QuantizedXRowBytes(cols)): the input of the int8 GEMV
  cuda::Stream stream = nullptr;
  std::unique_ptr<cuda::Gemm> gemm;
  std::unique_ptr<cuda::Int8Gemm> int8_gemm;
  std::map<int64_t, cuda::Graph> graphs;  // decode steps by batch size

  ~Impl() { cuda::DestroyStream(stream); }
  void CarveScratch();
  bool UsesInt8Gemm(int64_t n) const;
  bool WantsQuantizedX(int64_t n) const;
  void* QuantizedInput(std::initializer_list<const DeviceMatrix*> ms, int64_t n) const;
  cuda::GemvParams Gemv(const DeviceMatrix& m, const float* in, const void* in_q, int64_t start,
                        int64_t batch, float* out) const;
  Status MatMul(const DeviceMatrix& m, const float* in, int64_t n, float* out,
                const void* in_q = nullptr) const;
  struct Product {
    const DeviceMatrix* m;
    float* out;
  };
  Status MatMuls(std::initializer_list<Product> ps, const float* in, int64_t n,
                 const void* in_q) const;
  Status Upload(std::span<const int32_t> tokens, std::span<const int32_t> slots,
                std::span<const int32_t> positions);
  Status Body(int64_t n, int64_t logits_from, int64_t n_splits, bool greedy);
  Status DecodeStep(int64_t n, bool greedy);
  Status Layer(int64_t l, int64_t n, int64_t n_splits);
  Status AttentionBlock(int64_t l, const DeviceLayer& w, int64_t n, int64_t n_splits,
                        const void* xn_q);
  Status FeedForward(const DeviceLayer& w, int64_t n);
  Status RopeAndAppend(uint16_t* kc, uint16_t* vc, int64_t n) const;
  uint16_t* LayerCache(const cuda::DeviceBuffer& cache, int64_t l) const {
    return cache.as<uint16_t>() + l * options.n_slots * options.n_ctx * config.kv_dim();
  }
};

void CudaModel::Impl::CarveScratch() {
  const int64_t b = options.n_batch;
  float* p = scratch.as<float>();
  auto take = [&](int64_t width) {
    float* out = p;
    p += b * width;
    return out;
  };
  x = take(config.n_embd);
  xn = take(config.n_embd);
  q = take(config.q_dim());
  k = take(config.kv_dim());
  v = take(config.kv_dim());
  attn = take(config.q_dim());
  proj = take(config.n_embd);
  gate = take(config.n_ff);
  up = take(config.n_ff);
  logits = take(config.n_vocab);
  workspace = p;
  p += WorkspaceFloats(config, options);
  auto* ip = reinterpret_cast<int32_t*>(p);
  ids = ip;
  slots = ip + b;
  positions = ip + 2 * b;
  auto* bytes = reinterpret_cast<uint8_t*>(ip + 3 * b);
  xq = bytes + (256 - reinterpret_cast<uintptr_t>(bytes) % 256) % 256;
}

bool CudaModel::Impl::UsesInt8Gemm(int64_t n) const {
  return options.int8_gemm && n > cuda::kMaxGemvBatch && n <= options.int8_gemm_max_tokens;
}

// Whether a product over n tokens takes int8 input: the int8 GEMM's batches,
// or the int8 GEMV's when it is on and n goes to the GEMV.
bool CudaModel::Impl::WantsQuantizedX(int64_t n) const {
  if (UsesInt8Gemm(n)) return true;
  return options.int8_gemv && n < options.gemm_min_tokens;
}

// Where the input of `ms` goes quantized over n tokens (xq), or null when
// none of them takes it or !WantsQuantizedX(n).
void* CudaModel::Impl::QuantizedInput(std::initializer_list<const DeviceMatrix*> ms,
                                      int64_t n) const {
  if (!WantsQuantizedX(n)) return nullptr;
  for (const DeviceMatrix* m : ms) {
    if (cuda::GemvTakesQuantizedX(m->w.type)) return xq;
  }
  return nullptr;
}

// The GEMV of rows start..start + batch - 1 of `in` (and of in_q, when set:
// the GEMV reads it only for the types that take int8 input).
cuda::GemvParams CudaModel::Impl::Gemv(const DeviceMatrix& m, const float* in, const void* in_q,
                                       int64_t start, int64_t batch, float* out) const {
  cuda::GemvParams p;
  p.w = m.w;
  p.x = in + start * m.w.cols;
  if (in_q != nullptr) {
    p.xq = static_cast<const uint8_t*>(in_q) + start * cuda::QuantizedXRowBytes(m.w.cols);
  }
  p.y = out + start * m.w.rows;
  p.batch = batch;
  return p;
}

// in_q: `in` quantized by the op that wrote it (QuantizedInput), or null.
Status CudaModel::Impl::MatMul(const DeviceMatrix& m, const float* in, int64_t n, float* out,
                               const void* in_q) const {
  if (in_q != nullptr && cuda::GemvTakesQuantizedX(m.w.type) && UsesInt8Gemm(n)) {
    return int8_gemm->Run(m.w, in_q, n, out, stream);
  }
  if (n >= options.gemm_min_tokens) return gemm->Run(m.w, in, n, out);
  for (int64_t start = 0; start < n; start += cuda::kMaxGemvBatch) {
    const int64_t batch = std::min(cuda::kMaxGemvBatch, n - start);
    SEXTANT_RETURN_IF_ERROR(cuda::GemvRun(Gemv(m, in, in_q, start, batch, out), stream));
  }
  return Status::Ok();
}

// Rotates q and k and appends k and v to the layer's cache in one launch.
Status CudaModel::Impl::RopeAndAppend(uint16_t* kc, uint16_t* vc, int64_t n) const {
  const ModelConfig& c = config;
  cuda::RopeAppendParams r;
  r.q = q;
  r.k = k;
  r.v = v;
  r.k_cache = kc;
  r.v_cache = vc;
  r.slots = slots;
  r.positions = positions;
  r.inv_freq = weights.inv_freq.as<float>();
  r.n_tokens = n;
  r.n_head = c.n_head;
  r.n_head_kv = c.n_head_kv;
  r.head_dim = c.head_dim;
  r.rope_dim = c.rope.dim;
  r.n_ctx = options.n_ctx;
  r.layout = c.rope.layout == kernels::cpu::RopeLayout::kInterleaved
                 ? cuda::RopeLayout::kInterleaved
                 : cuda::RopeLayout::kSplitHalf;
  return cuda::RopeAppend(r, stream);
}

// Products of several matrices with the same input. Through the GEMV, runs
// of matrices of one type go out as one launch (GemvRunGroup).
Status CudaModel::Impl::MatMuls(std::initializer_list<Product> ps, const float* in, int64_t n,
                                const void* in_q) const {
  if (n > cuda::kMaxGemvBatch || n >= options.gemm_min_tokens) {
    for (const Product& p : ps) SEXTANT_RETURN_IF_ERROR(MatMul(*p.m, in, n, p.out, in_q));
    return Status::Ok();
  }
  cuda::GemvParams group[cuda::kMaxGemvGroup];
  int count = 0;
  for (const Product& p : ps) {
    const cuda::GemvParams g = Gemv(*p.m, in, in_q, 0, n, p.out);
    if (count > 0 && (g.w.type != group[0].w.type || count == cuda::kMaxGemvGroup)) {
      SEXTANT_RETURN_IF_ERROR(cuda::GemvRunGroup(group, count, stream));
      count = 0;
    }
    group[count++] = g;
  }
  return cuda::GemvRunGroup(group, count, stream);
}

// xn_q: xn as the norm quantized it, or null.
Status CudaModel::Impl::AttentionBlock(int64_t l, const DeviceLayer& w, int64_t n, int64_t n_splits,
                                       const void* xn_q) {
  const ModelConfig& c = config;
  SEXTANT_RETURN_IF_ERROR(MatMuls({{&w.wq, q}, {&w.wk, k}, {&w.wv, v}}, xn, n, xn_q));
  if (c.qkv_bias) {
    SEXTANT_RETURN_IF_ERROR(cuda::BiasAdd(q, w.bq.as<float>(), n, c.q_dim(), stream));
    SEXTANT_RETURN_IF_ERROR(cuda::BiasAdd(k, w.bk.as<float>(), n, c.kv_dim(), stream));
    SEXTANT_RETURN_IF_ERROR(cuda::BiasAdd(v, w.bv.as<float>(), n, c.kv_dim(), stream));
  }
  if (c.qk_norm) {
    SEXTANT_RETURN_IF_ERROR(
        cuda::HeadRmsNorm({q, w.q_norm.as<float>(), n, c.n_head, c.head_dim, c.rms_eps}, stream));
    SEXTANT_RETURN_IF_ERROR(cuda::HeadRmsNorm(
        {k, w.k_norm.as<float>(), n, c.n_head_kv, c.head_dim, c.rms_eps}, stream));
  }
  uint16_t* kc = LayerCache(k_cache, l);
  uint16_t* vc = LayerCache(v_cache, l);
  SEXTANT_RETURN_IF_ERROR(RopeAndAppend(kc, vc, n));
  cuda::AttentionParams a;
  a.q = q;
  a.k_cache = kc;
  a.v_cache = vc;
  a.slots = slots;
  a.positions = positions;
  a.out = attn;
  a.n_tokens = n;
  a.n_head = c.n_head;
  a.n_head_kv = c.n_head_kv;
  a.head_dim = c.head_dim;
  a.n_ctx = options.n_ctx;
  a.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  a.n_splits = n_splits;
  a.workspace = workspace;
  a.out_q = QuantizedInput({&w.wo}, n);  // attention writes wo's int8 input itself
  SEXTANT_RETURN_IF_ERROR(cuda::Attention(a, stream));
  return MatMul(w.wo, attn, n, proj, a.out_q);
}

Status CudaModel::Impl::Layer(int64_t l, int64_t n, int64_t n_splits) {
  const ModelConfig& c = config;
  const DeviceLayer& w = weights.layers[static_cast<size_t>(l)];
  // The previous layer's FFN output (proj) joins the residual here; the
  // norm also writes the quantized input of q, k and v when they take one.
  void* xn_q = QuantizedInput({&w.wq, &w.wk, &w.wv}, n);
  SEXTANT_RETURN_IF_ERROR(cuda::AddRmsNorm(
      {x, l == 0 ? nullptr : proj, w.attn_norm.as<float>(), xn, n, c.n_embd, c.rms_eps, xn_q},
      stream));
  SEXTANT_RETURN_IF_ERROR(AttentionBlock(l, w, n, n_splits, xn_q));
  return FeedForward(w, n);
}

Status CudaModel::Impl::FeedForward(const DeviceLayer& w, int64_t n) {
  const ModelConfig& c = config;
  void* xn_q = QuantizedInput({&w.w_gate, &w.w_up}, n);
  SEXTANT_RETURN_IF_ERROR(cuda::AddRmsNorm(
      {x, proj, w.ffn_norm.as<float>(), xn, n, c.n_embd, c.rms_eps, xn_q}, stream));
  SEXTANT_RETURN_IF_ERROR(MatMuls({{&w.w_gate, gate}, {&w.w_up, up}}, xn, n, xn_q));
  void* gate_q = QuantizedInput({&w.w_down}, n);
  if (gate_q != nullptr) {
    SEXTANT_RETURN_IF_ERROR(cuda::SwiGluQuantized(gate, up, gate, n, c.n_ff, gate_q, stream));
  } else {
    SEXTANT_RETURN_IF_ERROR(cuda::SwiGlu(gate, up, gate, n * c.n_ff, stream));
  }
  return MatMul(w.w_down, gate, n, proj, gate_q);
}

Status CudaModel::Impl::Upload(std::span<const int32_t> tokens, std::span<const int32_t> step_slots,
                               std::span<const int32_t> step_positions) {
  const auto bytes = static_cast<int64_t>(tokens.size() * sizeof(int32_t));
  SEXTANT_RETURN_IF_ERROR(cuda::CopyToDeviceAsync(ids, tokens.data(), bytes, stream));
  SEXTANT_RETURN_IF_ERROR(cuda::CopyToDeviceAsync(slots, step_slots.data(), bytes, stream));
  return cuda::CopyToDeviceAsync(positions, step_positions.data(), bytes, stream);
}

// Runs the n <= n_batch tokens already uploaded and leaves logits for rows
// logits_from..n-1 in `logits` (row 0 is token logits_from); with greedy,
// also their argmax in `ids`. Issues no synchronization, so it can be
// captured into a graph.
Status CudaModel::Impl::Body(int64_t n, int64_t logits_from, int64_t n_splits, bool greedy) {
  const cuda::DependentLaunchScope dependent_launch(options.dependent_launch);
  cuda::EmbeddingParams e = weights.embedding.params;
  e.ids = ids;
  e.n_tokens = n;
  e.out = x;
  SEXTANT_RETURN_IF_ERROR(cuda::EmbeddingGather(e, stream));
  for (int64_t l = 0; l < config.n_layer; ++l) SEXTANT_RETURN_IF_ERROR(Layer(l, n, n_splits));
  if (logits_from >= n) return Status::Ok();
  const int64_t rows = n - logits_from;
  const int64_t off = logits_from * config.n_embd;
  void* xn_q = QuantizedInput({&weights.output}, rows);
  SEXTANT_RETURN_IF_ERROR(cuda::AddRmsNorm({x + off, proj + off, weights.output_norm.as<float>(),
                                            xn + off, rows, config.n_embd, config.rms_eps, xn_q},
                                           stream));
  SEXTANT_RETURN_IF_ERROR(MatMul(weights.output, xn + off, rows, logits, xn_q));
  if (!greedy) return Status::Ok();
  return cuda::ArgmaxRows(logits, rows, config.n_vocab, ids, stream);
}

// One decode step of n uploaded tokens, every row's logits kept. With
// graphs on, the step is captured once per (n, greedy) and replayed; the
// split count then follows n_ctx, not the current length, so one graph
// serves every position.
Status CudaModel::Impl::DecodeStep(int64_t n, bool greedy) {
  const int64_t n_splits = cuda::AttentionSplits(n, config.n_head_kv, options.n_ctx);
  if (!options.cuda_graphs) return Body(n, 0, n_splits, greedy);
  const int64_t key = 2 * n + (greedy ? 1 : 0);
  auto it = graphs.find(key);
  if (it == graphs.end()) {
    SEXTANT_RETURN_IF_ERROR(cuda::Graph::BeginCapture(stream));
    const Status body = Body(n, 0, n_splits, greedy);
    auto graph = cuda::Graph::EndCapture(stream);
    SEXTANT_RETURN_IF_ERROR(body);
    SEXTANT_RETURN_IF_ERROR(graph.status());
    it = graphs.emplace(key, std::move(graph).value()).first;
  }
  return it->second.Launch(stream);
}

Result<CudaMemoryPlan> CudaModel::Plan(const ModelConfig& config, const ModelWeights& weights,
                                       const CudaModelOptions& options) {
  if (options.n_ctx <= 0 || options.n_slots <= 0 || options.n_batch <= 0) {
    return InvalidArgumentError("CUDA model: n_ctx, n_slots and n_batch must be positive");
  }
  CudaMemoryPlan plan;
  SEXTANT_ASSIGN_OR_RETURN(plan.weight_bytes, internal::DeviceWeightBytes(config, weights));
  plan.kv_cache_bytes =
      2 * config.n_layer * options.n_slots * options.n_ctx * config.kv_dim() * kBf16;
  plan.scratch_bytes = ScratchBytes(config, options);
  SEXTANT_ASSIGN_OR_RETURN(cuda::DeviceMemoryInfo info, cuda::DeviceMemory());
  plan.free_bytes = info.free_bytes;
  return plan;
}

Result<std::unique_ptr<CudaModel>> CudaModel::Create(
    const ModelConfig& config, const ModelWeights& weights, const CudaModelOptions& options,
    const std::function<void(const CudaMemoryPlan&)>& on_plan) {
  if (cuda::DeviceCount() == 0) {
    return FailedPreconditionError("CUDA model: no CUDA device is visible");
  }
  SEXTANT_ASSIGN_OR_RETURN(CudaMemoryPlan plan, Plan(config, weights, options));
  if (on_plan) on_plan(plan);
  if (plan.total() > plan.free_bytes) {
    return ResourceExhaustedError("the model does not fit the GPU: " + plan.ToString(options) +
                                  "; lower the context or the number of slots");
  }
  if (config.n_head / config.n_head_kv > cuda::kMaxAttentionGroup) {
    return UnimplementedError("CUDA model: more than " + std::to_string(cuda::kMaxAttentionGroup) +
                              " query heads per kv head");
  }
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->options = options;
  impl->plan = plan;
  SEXTANT_ASSIGN_OR_RETURN(impl->weights, internal::UploadWeights(config, weights));
  SEXTANT_ASSIGN_OR_RETURN(impl->k_cache, Allocate(plan.kv_cache_bytes / 2));
  SEXTANT_ASSIGN_OR_RETURN(impl->v_cache, Allocate(plan.kv_cache_bytes / 2));
  // The GEMMs allocate their own parts of the planned scratch.
  const int64_t gemm_bytes =
      cuda::Gemm::ScratchBytes(options.n_batch, MaxCols(config)) + cuda::Int8Gemm::ScratchBytes();
  SEXTANT_ASSIGN_OR_RETURN(impl->scratch, Allocate(plan.scratch_bytes - gemm_bytes));
  impl->CarveScratch();
  SEXTANT_ASSIGN_OR_RETURN(impl->stream, cuda::CreateStream());
  SEXTANT_ASSIGN_OR_RETURN(impl->gemm,
                           cuda::Gemm::Create(impl->stream, options.n_batch, MaxCols(config)));
  SEXTANT_ASSIGN_OR_RETURN(impl->int8_gemm, cuda::Int8Gemm::Create());
  return std::unique_ptr<CudaModel>(new CudaModel(std::move(impl)));
}

CudaModel::CudaModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaModel::~CudaModel() = default;
void CudaModel::SetCudaGraphs(bool on) { impl_->options.cuda_graphs = on; }
void CudaModel::SetInt8Gemv(bool on) {
  impl_->options.int8_gemv = on;
  impl_->graphs.clear();
}
void CudaModel::SetInt8Gemm(bool on, int64_t max_tokens) {
  impl_->options.int8_gemm = on;
  impl_->options.int8_gemm_max_tokens = max_tokens;
  impl_->graphs.clear();
}
void CudaModel::SetDependentLaunch(bool on) {
  impl_->options.dependent_launch = on;
  impl_->graphs.clear();
}
const CudaModelOptions& CudaModel::options() const { return impl_->options; }
const CudaMemoryPlan& CudaModel::plan() const { return impl_->plan; }

namespace {

Status CheckTokens(std::span<const int32_t> tokens, int64_t n_vocab) {
  for (int32_t t : tokens) {
    if (t < 0 || t >= n_vocab) {
      return InvalidArgumentError("forward: token id " + std::to_string(t) +
                                  " is outside the vocabulary of " + std::to_string(n_vocab));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CudaModel::Forward(std::span<const int32_t> tokens, int64_t slot, int64_t n_past,
                          LogitsMode mode, std::vector<float>* logits) {
  Impl& m = *impl_;
  const auto n = static_cast<int64_t>(tokens.size());
  if (n == 0) return InvalidArgumentError("forward: no tokens");
  if (slot < 0 || slot >= m.options.n_slots) {
    return OutOfRangeError("forward: slot " + std::to_string(slot) + " of " +
                           std::to_string(m.options.n_slots));
  }
  if (n_past < 0 || n_past + n > m.options.n_ctx) {
    return OutOfRangeError("context full: " + std::to_string(n_past) + " + " + std::to_string(n) +
                           " tokens exceed the context of " + std::to_string(m.options.n_ctx));
  }
  SEXTANT_RETURN_IF_ERROR(CheckTokens(tokens, m.config.n_vocab));
  const int64_t n_vocab = m.config.n_vocab;
  logits->assign(static_cast<size_t>(mode == LogitsMode::kAll ? n * n_vocab : n_vocab), 0.0f);
  std::vector<int32_t> slots;
  std::vector<int32_t> positions;
  for (int64_t start = 0; start < n; start += m.options.n_batch) {
    const int64_t count = std::min(m.options.n_batch, n - start);
    slots.assign(static_cast<size_t>(count), static_cast<int32_t>(slot));
    positions.resize(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) positions[i] = static_cast<int32_t>(n_past + start + i);
    const bool last = start + count == n;
    const int64_t from = mode == LogitsMode::kAll ? 0 : (last ? count - 1 : count);
    SEXTANT_RETURN_IF_ERROR(m.Upload(
        tokens.subspan(static_cast<size_t>(start), static_cast<size_t>(count)), slots, positions));
    if (count == 1 && from == 0) {
      SEXTANT_RETURN_IF_ERROR(m.DecodeStep(1, false));
    } else {
      const int64_t max_keys = positions.back() + 1;
      SEXTANT_RETURN_IF_ERROR(
          m.Body(count, from, cuda::AttentionSplits(count, m.config.n_head_kv, max_keys), false));
    }
    if (from < count) {
      float* dst = mode == LogitsMode::kAll ? logits->data() + start * n_vocab : logits->data();
      SEXTANT_RETURN_IF_ERROR(
          cuda::CopyToHostAsync(dst, m.logits, (count - from) * n_vocab * kFloat, m.stream));
    }
    SEXTANT_RETURN_IF_ERROR(cuda::Synchronize(m.stream));
  }
  return Status::Ok();
}

Status CudaModel::Decode(std::span<const int32_t> tokens, std::span<const int32_t> slots,
                         std::span<const int32_t> positions, std::vector<float>* logits,
                         std::vector<int32_t>* ids) {
  Impl& m = *impl_;
  const auto n = static_cast<int64_t>(tokens.size());
  if (n == 0 || n > m.options.n_batch || slots.size() != tokens.size() ||
      positions.size() != tokens.size()) {
    return InvalidArgumentError("decode: 1.." + std::to_string(m.options.n_batch) +
                                " tokens, with one slot and one position each");
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (slots[i] < 0 || slots[i] >= m.options.n_slots || positions[i] < 0 ||
        positions[i] >= m.options.n_ctx) {
      return OutOfRangeError("decode: slot " + std::to_string(slots[i]) + " position " +
                             std::to_string(positions[i]) + " is outside the cache");
    }
  }
  SEXTANT_RETURN_IF_ERROR(CheckTokens(tokens, m.config.n_vocab));
  SEXTANT_RETURN_IF_ERROR(m.Upload(tokens, slots, positions));
  SEXTANT_RETURN_IF_ERROR(m.DecodeStep(n, ids != nullptr));
  if (ids != nullptr) {
    ids->resize(static_cast<size_t>(n));
    SEXTANT_RETURN_IF_ERROR(cuda::CopyToHostAsync(
        ids->data(), m.ids, n * static_cast<int64_t>(sizeof(int32_t)), m.stream));
  } else {
    logits->resize(static_cast<size_t>(n * m.config.n_vocab));
    SEXTANT_RETURN_IF_ERROR(
        cuda::CopyToHostAsync(logits->data(), m.logits, n * m.config.n_vocab * kFloat, m.stream));
  }
  return cuda::Synchronize(m.stream);
}

}  // namespace sextant::llm
