// bench_llm_gpu: prefill and decode speed of the CUDA forward pass on
// synthesized llama3-8b and qwen2.5-0.5b shapes at bf16, q8_0 and q4_k_m,
// against the decode roofline: the device copy bandwidth measured in the same
// run divided by the weight bytes one token reads (plus, for decode at
// position 4,096, the keys and values it reads).
//
//   bench_llm_gpu [--work DIR] [--models llama3-8b,qwen2.5-0.5b] [--types bf16,q8_0,q4_k_m]
//                 [--keep] [--profile-decode BATCH | --profile-prefill | --profile-long]
//
// --profile-decode BATCH skips the measurements: after a warm-up it runs
// kProfileSteps decode steps of BATCH sequences between cudaProfilerStart
// and cudaProfilerStop, for `ncu --profile-from-start off`
// (scripts/gpu/profile.sh). --profile-prefill does the same for one
// kPrompt-token prompt, --profile-long for batch-1 steps from position
// kLongContext (the "b1 at 4k" column's model).
#include <cuda_profiler_api.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_util.h"
#include "bench/internal/cuda_timing.h"
#include "llm/runtime/cuda_model.h"
#include "llm/runtime/model.h"
#include "llm/runtime/synth.h"

namespace sextant::bench {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kPrompt = 512;
constexpr int64_t kDecode = 128;
constexpr int64_t kMaxBatch = 32;
constexpr int kReps = 3;
constexpr int64_t kProfileSteps = 4;
// The long-context decode column starts here, after a prefill this long.
constexpr int64_t kLongContext = 4096;

struct Options {
  fs::path work = fs::temp_directory_path() / "sextant-bench-gpu";
  std::vector<std::string> models = {"llama3-8b", "qwen2.5-0.5b"};
  std::vector<std::string> types = {"bf16", "q8_0", "q4_k_m"};
  bool keep = false;
  int64_t profile_batch = 0;  // > 0: --profile-decode
  bool profile_prefill = false;
  bool profile_long = false;
};

// Weight bytes one decode step reads: every matrix but the embedding table
// (one row of it is gathered), in their stored types.
int64_t BytesPerToken(const llm::ModelWeights& w) {
  auto bytes = [](const kernels::cpu::MatrixView& m) { return m.rows * m.row_bytes; };
  int64_t total = bytes(w.output);
  for (const auto& l : w.layers) {
    total += bytes(l.wq) + bytes(l.wk) + bytes(l.wv) + bytes(l.wo) + bytes(l.w_gate) +
             bytes(l.w_up) + bytes(l.w_down);
  }
  return total;
}

std::vector<int32_t> RandomTokens(int64_t n, int64_t n_vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dist(0, static_cast<int32_t>(n_vocab - 1));
  std::vector<int32_t> out(static_cast<size_t>(n));
  for (auto& t : out) t = dist(rng);
  return out;
}

struct Speeds {
  double prefill_tps = 0;               // default options: prompts of 512 go to cuBLAS
  double prefill_int8_tps = 0;          // through the int8 tensor-core GEMM
  double decode_tps[3] = {0, 0, 0};     // batches 1, 8, 32, default options
  double decode_no_graph_tps = 0;       // batch 1, every kernel launched one by one
  double decode_no_pdl_tps = 0;         // batch 1, without programmatic dependent launch
  double decode_float_tps[2] = {0, 0};  // batches 1 and 8, float32 activations in the GEMV
  double decode_b32_fp16_tps = 0;       // batch 32 through the fp16 cuBLAS GEMM
  double decode_long_tps = 0;           // batch 1 from position kLongContext
};

// `steps` greedy decode steps of `batch` sequences from position `start`.
class DecodeLoop {
 public:
  DecodeLoop(llm::CudaModel& gpu, int64_t batch, int64_t n_vocab, int64_t start = 0)
      : gpu_(gpu),
        start_(start),
        tokens_(RandomTokens(batch, n_vocab, 7)),
        slots_(static_cast<size_t>(batch)),
        positions_(static_cast<size_t>(batch)) {
    for (int64_t i = 0; i < batch; ++i) slots_[i] = static_cast<int32_t>(i);
  }

  void Run(int64_t steps) {
    for (int64_t step = 0; step < steps; ++step) {
      std::fill(positions_.begin(), positions_.end(), static_cast<int32_t>(start_ + step));
      CheckStatus(gpu_.Decode(tokens_, slots_, positions_, nullptr, &ids_), "decode");
      tokens_ = ids_;
    }
  }

 private:
  llm::CudaModel& gpu_;
  int64_t start_;
  std::vector<int32_t> tokens_;
  std::vector<int32_t> slots_;
  std::vector<int32_t> positions_;
  std::vector<int32_t> ids_;
};

// Tokens per second over kDecode steps of `batch` sequences from position
// `start`, median of kReps.
double DecodeTps(llm::CudaModel& gpu, int64_t batch, int64_t n_vocab, int64_t start = 0) {
  DecodeLoop loop(gpu, batch, n_vocab, start);
  const double ms = MedianMs(kReps, 1, [&](int) { loop.Run(kDecode); });
  return static_cast<double>(kDecode * batch) / (ms / 1e3);
}

// A model with one slot of kLongContext + kDecode positions that has read
// a prompt of kLongContext random tokens: its decode steps from position
// kLongContext read about that many keys a layer.
std::unique_ptr<llm::CudaModel> LongContextModel(const llm::Model& model) {
  llm::CudaModelOptions options;
  options.n_ctx = kLongContext + kDecode;
  options.n_batch = kPrompt;
  auto gpu = llm::CudaModel::Create(model.config(), model.weights(), options);
  CheckStatus(gpu.status(), "cuda model (long context)");
  std::vector<float> logits;
  CheckStatus((*gpu)->Forward(RandomTokens(kLongContext, model.config().n_vocab, 5), 0, 0,
                              llm::LogitsMode::kLast, &logits),
              "long prompt");
  return std::move(gpu).value();
}

// Key and value bytes one decode step reads at position `pos` (bf16 cache).
int64_t KvBytesPerToken(const llm::ModelConfig& c, int64_t pos) {
  return pos * c.n_layer * c.kv_dim() * 2 * 2;
}

// The profiled range of --profile-decode and --profile-long: kProfileSteps
// steps from position start + kProfileSteps, after a warm-up that captures
// the step's CUDA graph.
void ProfileDecode(llm::CudaModel& gpu, int64_t batch, int64_t n_vocab, int64_t start = 0) {
  DecodeLoop loop(gpu, batch, n_vocab, start);
  loop.Run(kProfileSteps);
  BENCH_CHECK(cudaDeviceSynchronize());
  BENCH_CHECK(cudaProfilerStart());
  loop.Run(kProfileSteps);
  BENCH_CHECK(cudaDeviceSynchronize());
  BENCH_CHECK(cudaProfilerStop());
  std::printf("profiled %lld decode steps at batch %lld\n", static_cast<long long>(kProfileSteps),
              static_cast<long long>(batch));
}

// The profiled range of --profile-prefill: one kPrompt-token prompt after a
// warm-up one.
void ProfilePrefill(llm::CudaModel& gpu, int64_t n_vocab) {
  const std::vector<int32_t> prompt = RandomTokens(kPrompt, n_vocab, 3);
  std::vector<float> logits;
  CheckStatus(gpu.Forward(prompt, 0, 0, llm::LogitsMode::kLast, &logits), "prefill");
  BENCH_CHECK(cudaProfilerStart());
  CheckStatus(gpu.Forward(prompt, 0, 0, llm::LogitsMode::kLast, &logits), "prefill");
  BENCH_CHECK(cudaProfilerStop());
  std::printf("profiled 1 prefill of %lld tokens\n", static_cast<long long>(kPrompt));
}

// One kPrompt-token prompt: tokens per second, median of kReps.
double PrefillTps(llm::CudaModel& gpu, int64_t n_vocab) {
  const std::vector<int32_t> prompt = RandomTokens(kPrompt, n_vocab, 3);
  std::vector<float> logits;
  const double ms = MedianMs(kReps, 1, [&](int) {
    CheckStatus(gpu.Forward(prompt, 0, 0, llm::LogitsMode::kLast, &logits), "prefill");
  });
  return static_cast<double>(kPrompt) / (ms / 1e3);
}

Speeds Measure(llm::CudaModel& gpu, int64_t n_vocab) {
  Speeds s;
  s.prefill_tps = PrefillTps(gpu, n_vocab);
  const int64_t batches[3] = {1, 8, kMaxBatch};
  for (int i = 0; i < 3; ++i) s.decode_tps[i] = DecodeTps(gpu, batches[i], n_vocab);
  gpu.SetCudaGraphs(false);
  s.decode_no_graph_tps = DecodeTps(gpu, 1, n_vocab);
  gpu.SetCudaGraphs(true);
  gpu.SetDependentLaunch(false);
  s.decode_no_pdl_tps = DecodeTps(gpu, 1, n_vocab);
  gpu.SetDependentLaunch(true);
  gpu.SetInt8Gemv(false);
  s.decode_float_tps[0] = DecodeTps(gpu, 1, n_vocab);
  s.decode_float_tps[1] = DecodeTps(gpu, 8, n_vocab);
  gpu.SetInt8Gemv(true);
  gpu.SetInt8Gemm(false);
  s.decode_b32_fp16_tps = DecodeTps(gpu, kMaxBatch, n_vocab);
  gpu.SetInt8Gemm(true, kPrompt);
  s.prefill_int8_tps = PrefillTps(gpu, n_vocab);
  gpu.SetInt8Gemm(true);
  return s;
}

int Run(const Options& o) {
  auto device = kernels::cuda::DeviceDescription();
  CheckStatus(device.status(), "device");
  const double copy_gbs = CopyBandwidthGBs();
  std::printf("device: %s\ncopy bandwidth (read + write): %.0f GB/s\n", device->c_str(), copy_gbs);
  fs::create_directories(o.work);
  Table table({"model", "type", "GB/token", "prefill-512 tok/s", "prefill int8 GEMM",
               "decode b1 tok/s", "roofline tok/s", "b1 of roofline", "b1 no graphs", "b1 no PDL",
               "b1 float GEMV", "b8 tok/s", "b8 float GEMV", "b32 tok/s", "b32 fp16 GEMM",
               "b1 at 4k tok/s", "4k of roofline"});
  for (const auto& shape : o.models) {
    for (const auto& type : o.types) {
      llm::SynthOptions synth;
      synth.arch = shape.rfind("qwen", 0) == 0 ? llm::Arch::kQwen2 : llm::Arch::kLlama;
      synth.shape = shape;
      synth.type = type;
      const fs::path file = o.work / (shape + "-" + type + ".gguf");
      if (!fs::exists(file)) CheckStatus(llm::SynthesizeModel(synth, file).status(), "synth");
      llm::LoadOptions load;
      load.context = kPrompt + kDecode;
      auto model = llm::Model::Load(file, load);
      CheckStatus(model.status(), "load");
      llm::CudaModelOptions options;
      options.n_ctx = kPrompt + kDecode;
      options.n_slots = kMaxBatch;
      options.n_batch = kPrompt;
      auto gpu = llm::CudaModel::Create(
          (*model)->config(), (*model)->weights(), options, [&](const llm::CudaMemoryPlan& plan) {
            std::printf("%s %s: %s\n", shape.c_str(), type.c_str(), plan.ToString(options).c_str());
          });
      CheckStatus(gpu.status(), "cuda model");
      if (o.profile_batch > 0 || o.profile_prefill || o.profile_long) {
        if (o.profile_prefill) {
          ProfilePrefill(**gpu, (*model)->config().n_vocab);
        } else if (o.profile_long) {
          gpu->reset();  // the long-context model takes its place on the device
          ProfileDecode(*LongContextModel(**model), 1, (*model)->config().n_vocab, kLongContext);
        } else {
          ProfileDecode(**gpu, o.profile_batch, (*model)->config().n_vocab);
        }
        if (!o.keep) fs::remove(file);
        continue;
      }
      Speeds s = Measure(**gpu, (*model)->config().n_vocab);
      gpu->reset();  // the long-context model takes its place on the device
      s.decode_long_tps =
          DecodeTps(*LongContextModel(**model), 1, (*model)->config().n_vocab, kLongContext);
      const int64_t bytes = BytesPerToken((*model)->weights());
      const double roofline = copy_gbs * 1e9 / static_cast<double>(bytes);
      const double long_roofline =
          copy_gbs * 1e9 /
          static_cast<double>(bytes + KvBytesPerToken((*model)->config(), kLongContext));
      table.AddRow(
          {shape, type, Fixed(static_cast<double>(bytes) / 1e9, 2), Fixed(s.prefill_tps, 0),
           Fixed(s.prefill_int8_tps, 0), Fixed(s.decode_tps[0], 0), Fixed(roofline, 0),
           Fixed(100.0 * s.decode_tps[0] / roofline, 0) + "%", Fixed(s.decode_no_graph_tps, 0),
           Fixed(s.decode_no_pdl_tps, 0), Fixed(s.decode_float_tps[0], 0),
           Fixed(s.decode_tps[1], 0), Fixed(s.decode_float_tps[1], 0), Fixed(s.decode_tps[2], 0),
           Fixed(s.decode_b32_fp16_tps, 0), Fixed(s.decode_long_tps, 0),
           Fixed(100.0 * s.decode_long_tps / long_roofline, 0) + "%"});
      std::fflush(stdout);
      if (!o.keep) fs::remove(file);
    }
  }
  std::printf(
      "Decode runs %lld steps from position 0, greedy on the GPU; prefill is one %lld-token "
      "prompt. Medians of %d runs after a warm-up. Default options: int8 activations for the "
      "quantized types (int8 GEMV to batch 8, int8 tensor-core GEMM to 32 tokens, cuBLAS "
      "above), programmatic dependent launch. \"no PDL\": dependent_launch off; \"float GEMV\": "
      "int8_gemv off; \"fp16 GEMM\": int8_gemm off; \"prefill int8 "
      "GEMM\": the int8 GEMM for the whole prompt. \"b1 at 4k\": %lld steps from position "
      "%lld after a prompt that long, one slot; its roofline counts the keys and values read "
      "too.\n",
      static_cast<long long>(kDecode), static_cast<long long>(kPrompt), kReps,
      static_cast<long long>(kDecode), static_cast<long long>(kLongContext));
  table.Print(std::cout);
  return 0;
}

}  // namespace
}  // namespace sextant::bench

int main(int argc, char** argv) {
  sextant::bench::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--work" && has_value) {
      o.work = argv[++i];
    } else if (arg == "--models" && has_value) {
      o.models = sextant::bench::Split(argv[++i]);
    } else if (arg == "--types" && has_value) {
      o.types = sextant::bench::Split(argv[++i]);
    } else if (arg == "--keep") {
      o.keep = true;
    } else if (arg == "--profile-decode" && has_value) {
      const std::optional<int64_t> batch =
          sextant::bench::ParseIntIn(argv[++i], 1, sextant::bench::kMaxBatch);
      if (!batch) {
        std::fprintf(stderr, "bench_llm_gpu: --profile-decode takes a batch of 1 to %lld\n",
                     static_cast<long long>(sextant::bench::kMaxBatch));
        return 2;
      }
      o.profile_batch = *batch;
    } else if (arg == "--profile-prefill") {
      o.profile_prefill = true;
    } else if (arg == "--profile-long") {
      o.profile_long = true;
    } else {
      std::fprintf(stderr,
                   "usage: bench_llm_gpu [--work DIR] [--models A,B] [--types T,U] [--keep] "
                   "[--profile-decode BATCH | --profile-prefill | --profile-long]\n");
      return 2;
    }
  }
  return sextant::bench::Run(o);
}
