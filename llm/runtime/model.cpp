#include "llm/runtime/model.h"

#include <algorithm>
#include <cstdio>

#include "common/json.h"
#include "kernels/cpu/thread_pool.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/safetensors.h"

#if SEXTANT_HAVE_CUDA
#include "kernels/cuda/cuda_ops.h"
#include "llm/runtime/cuda_model.h"
#endif

namespace sextant::llm {

namespace fs = std::filesystem;

struct Model::Impl {
  ModelFormat format = ModelFormat::kGguf;
  fs::path path;
  std::unique_ptr<GgufFile> gguf;
  std::unique_ptr<SafetensorsModel> safetensors;
  ModelConfig config;
  ModelWeights weights;
  std::unique_ptr<Tokenizer> tokenizer;
  MemoryEstimate memory;
  ModelSummary summary;
  std::unique_ptr<kernels::cpu::ThreadPool> pool;
  std::unique_ptr<CpuModel> cpu;
  Device device = Device::kCpu;
#if SEXTANT_HAVE_CUDA
  std::unique_ptr<CudaModel> cuda;
#endif
  // Which GPU cache slots are leased; shared with the caches' release hooks,
  // which may outlive the model.
  std::shared_ptr<std::vector<bool>> slots_used = std::make_shared<std::vector<bool>>();
};

Result<Device> ParseDevice(std::string_view name) {
  if (name == "auto") return Device::kAuto;
  if (name == "cpu") return Device::kCpu;
  if (name == "cuda") return Device::kCuda;
  return InvalidArgumentError("unknown device '" + std::string(name) +
                              "' (expected auto, cpu or cuda)");
}

std::string FormatBytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  auto value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f %s", value, kUnits[unit]);
  }
  return buf;
}

std::string MemoryEstimate::ToString() const {
  return "weights " + FormatBytes(weight_bytes) + " + KV cache " + FormatBytes(kv_cache_bytes) +
         " (" + std::to_string(context) + " positions) + scratch " + FormatBytes(scratch_bytes) +
         " = " + FormatBytes(total());
}

namespace {

Status OpenFiles(const fs::path& path, Model::Impl& m) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status(StatusCode::kNotFound, "model not found: " + path.string());
  }
  if (fs::is_directory(path, ec)) {
    m.format = ModelFormat::kSafetensors;
    SEXTANT_ASSIGN_OR_RETURN(m.safetensors, SafetensorsModel::Open(path));
    SEXTANT_ASSIGN_OR_RETURN(m.config, ModelConfigFromHf(m.safetensors->config()));
    SEXTANT_ASSIGN_OR_RETURN(m.tokenizer, Tokenizer::FromModelDir(path));
    for (const SafetensorsTensor* t : m.safetensors->tensors()) {
      m.summary.n_params += t->n_elements;
      m.summary.tensor_types[t->dtype_name] += 1;
      m.summary.file_bytes += t->n_bytes;
    }
    return Status::Ok();
  }
  m.format = ModelFormat::kGguf;
  SEXTANT_ASSIGN_OR_RETURN(m.gguf, GgufFile::Open(path));
  SEXTANT_ASSIGN_OR_RETURN(m.config, ModelConfigFromGguf(*m.gguf));
  SEXTANT_ASSIGN_OR_RETURN(m.tokenizer, Tokenizer::FromGguf(*m.gguf));
  for (const GgufTensorInfo& t : m.gguf->tensors()) {
    // rope_freqs holds rope factors, a buffer rather than a parameter.
    if (t.name != "rope_freqs.weight") m.summary.n_params += t.n_elements;
    m.summary.tensor_types[t.type_name] += 1;
    m.summary.file_bytes += t.n_bytes;
  }
  return Status::Ok();
}

Result<int64_t> ChooseContext(const ModelConfig& config, const LoadOptions& options) {
  if (options.context < 0) {
    return Status(StatusCode::kInvalidArgument, "context must be >= 0 (0 picks a default)");
  }
  if (options.context > config.context_length) {
    return Status(StatusCode::kInvalidArgument, "requested context " +
                                                    std::to_string(options.context) +
                                                    " exceeds the model's context length " +
                                                    std::to_string(config.context_length));
  }
  if (options.context > 0) return options.context;
  return std::min(config.context_length, LoadOptions::kDefaultContext);
}

// Chooses the device and, for CUDA, uploads the weights.
Status StartDevice(const LoadOptions& options, Model::Impl& m) {
  // A CPU model never touches the CUDA runtime.
  if (options.device == Device::kCpu) return Status::Ok();
#if SEXTANT_HAVE_CUDA
  const bool gpu = kernels::cuda::DeviceCount() > 0;
  if (options.device == Device::kAuto && !gpu) return Status::Ok();
  if (!gpu) return FailedPreconditionError("--device cuda: no CUDA device is visible");
  CudaModelOptions o;
  o.n_ctx = m.memory.context;
  o.n_slots = std::max<int64_t>(1, options.gpu_slots);
  o.n_batch = std::max<int64_t>(1, options.gpu_batch);
  o.int8_gemv = options.gpu_int8_gemv;
  o.int8_gemm = options.gpu_int8_gemm;
  auto on_plan = [&](const CudaMemoryPlan& plan) {
    if (options.on_device_plan) options.on_device_plan(plan.ToString(o));
  };
  SEXTANT_ASSIGN_OR_RETURN(m.cuda, CudaModel::Create(m.config, m.weights, o, on_plan));
  m.device = Device::kCuda;
  m.slots_used->assign(static_cast<size_t>(o.n_slots), false);
  return Status::Ok();
#else
  if (options.device == Device::kCuda) {
    return UnimplementedError("--device cuda: this build has no CUDA (the toolkit was not found)");
  }
  (void)m;
  return Status::Ok();
#endif
}

}  // namespace

Model::Model() : impl_(std::make_unique<Impl>()) {}
Model::~Model() = default;

Result<std::unique_ptr<Model>> Model::Load(const fs::path& path, const LoadOptions& options,
                                           const EstimateCallback& on_estimate) {
  std::unique_ptr<Model> model(new Model());
  Impl& m = *model->impl_;
  m.path = path;
  SEXTANT_RETURN_IF_ERROR(OpenFiles(path, m));
  if (m.tokenizer->vocab_size() > m.config.n_vocab) {
    return Status(StatusCode::kInvalidArgument,
                  "tokenizer has " + std::to_string(m.tokenizer->vocab_size()) +
                      " tokens but the model's vocabulary is " + std::to_string(m.config.n_vocab));
  }
  SEXTANT_ASSIGN_OR_RETURN(int64_t context, ChooseContext(m.config, options));
  const int64_t n_batch = std::max<int64_t>(1, options.n_batch);
  m.memory.context = context;
  m.memory.weight_bytes = m.summary.file_bytes;
  m.memory.kv_cache_bytes = KvCache::Bytes(m.config, context);
  m.memory.scratch_bytes = CpuModel::ScratchBytes(m.config, n_batch, context);
  if (on_estimate) on_estimate(m.memory);
  if (options.max_memory_bytes > 0 && m.memory.total() > options.max_memory_bytes) {
    return Status(StatusCode::kResourceExhausted,
                  "model needs " + m.memory.ToString() + ", over the limit of " +
                      FormatBytes(options.max_memory_bytes) + "; lower the context");
  }
  if (m.gguf) {
    SEXTANT_ASSIGN_OR_RETURN(m.weights, LoadWeightsFromGguf(*m.gguf, m.config));
  } else {
    SEXTANT_ASSIGN_OR_RETURN(m.weights, LoadWeightsFromSafetensors(*m.safetensors, m.config));
  }
  m.pool = std::make_unique<kernels::cpu::ThreadPool>(options.threads);
  m.cpu = std::make_unique<CpuModel>(m.config, m.weights, m.pool.get(), n_batch);
  SEXTANT_RETURN_IF_ERROR(StartDevice(options, m));
  return model;
}

ModelFormat Model::format() const { return impl_->format; }
const fs::path& Model::path() const { return impl_->path; }
const ModelConfig& Model::config() const { return impl_->config; }
const ModelWeights& Model::weights() const { return impl_->weights; }
const Tokenizer& Model::tokenizer() const { return *impl_->tokenizer; }
const MemoryEstimate& Model::memory() const { return impl_->memory; }
const ModelSummary& Model::summary() const { return impl_->summary; }
int64_t Model::context() const { return impl_->memory.context; }
CpuModel& Model::cpu() { return *impl_->cpu; }
Device Model::device() const { return impl_->device; }

std::unique_ptr<KvCache> Model::NewCache() {
  if (impl_->device == Device::kCpu) {
    return std::make_unique<KvCache>(impl_->config, impl_->memory.context);
  }
  std::vector<bool>& used = *impl_->slots_used;
  int64_t slot = -1;
  for (size_t i = 0; i < used.size(); ++i) {
    if (!used[i]) {
      used[i] = true;
      slot = static_cast<int64_t>(i);
      break;
    }
  }
  std::weak_ptr<std::vector<bool>> slots = impl_->slots_used;
  return std::make_unique<KvCache>(impl_->memory.context, slot, [slots](int64_t s) {
    if (auto live = slots.lock()) (*live)[static_cast<size_t>(s)] = false;
  });
}

Status Model::Forward(std::span<const int32_t> tokens, KvCache& cache, LogitsMode mode,
                      std::vector<float>* logits) {
  if (!cache.on_device()) return impl_->cpu->Forward(tokens, cache, mode, logits);
#if SEXTANT_HAVE_CUDA
  if (cache.slot() < 0) {
    return ResourceExhaustedError("all " + std::to_string(impl_->slots_used->size()) +
                                  " GPU sequence slots are in use (raise llm.gpu_slots)");
  }
  SEXTANT_RETURN_IF_ERROR(impl_->cuda->Forward(tokens, cache.slot(), cache.n_past(), mode, logits));
  cache.Advance(static_cast<int64_t>(tokens.size()));
  return Status::Ok();
#else
  return InternalError("a device cache in a build without CUDA");
#endif
}

}  // namespace sextant::llm
