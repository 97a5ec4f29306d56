// bench_llm_cpu: prefill and decode speed of the CPU reference path on the
// tiny test models and on synthesized qwen2.5-0.5b-shape models, against the
// machine's FMA peak and memory-copy bandwidth measured in the same run.
//
//   bench_llm_cpu [--threads N] [--work DIR] [--testdata DIR] [--prefill N] [--decode N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/tokenizer_measure.h"
#include "llm/runtime/model.h"
#include "llm/runtime/synth.h"

namespace {

namespace fs = std::filesystem;
using sextant::bench::Fixed;
using sextant::bench::Median;

struct Options {
  int threads = 2;
  fs::path work = fs::temp_directory_path() / "sextant-bench";
  fs::path testdata;
  int64_t prefill = 128;
  int64_t decode = 32;
  int reps = 3;
};

struct Entry {
  std::string label;
  fs::path path;
};

// Floating-point operations of one forward pass over `n` new tokens after
// `past` cached ones: 2 per weight per token, plus attention's two matmuls.
double ForwardFlops(const sextant::llm::ModelConfig& c, int64_t matrix_params, int64_t n,
                    int64_t past) {
  const double weights = 2.0 * static_cast<double>(matrix_params) * static_cast<double>(n);
  double keys = 0;
  for (int64_t t = 0; t < n; ++t) keys += static_cast<double>(past + t + 1);
  const double attention = 4.0 * static_cast<double>(c.n_layer * c.q_dim()) * keys;
  return weights + attention;
}

int64_t MatrixParams(const sextant::llm::ModelConfig& c) {
  const int64_t per_layer =
      2 * c.q_dim() * c.n_embd + 2 * c.kv_dim() * c.n_embd + 3 * c.n_embd * c.n_ff;
  return c.n_layer * per_layer + c.n_vocab * c.n_embd;  // output projection
}

struct Result {
  double prefill_tps = 0, prefill_gflops = 0, decode_tps = 0, decode_gbs = 0;
};

std::optional<Result> Measure(const Entry& e, const Options& o) {
  sextant::llm::LoadOptions lo;
  lo.device = sextant::llm::Device::kCpu;  // this benchmark measures the CPU pass
  lo.threads = o.threads;
  lo.context = o.prefill + o.decode + 1;
  auto model = sextant::llm::Model::Load(e.path, lo);
  if (!model.ok()) {
    std::cerr << e.label << ": " << model.status().message() << "\n";
    return std::nullopt;
  }
  auto& m = **model;
  const auto& c = m.config();
  std::mt19937 rng(1);
  std::uniform_int_distribution<int32_t> dist(
      0, static_cast<int32_t>(std::min<int64_t>(c.n_vocab, 256) - 1));
  std::vector<int32_t> prompt(static_cast<size_t>(o.prefill));
  for (auto& t : prompt) t = dist(rng);
  std::vector<double> prefill_s, decode_s;
  std::vector<float> logits;
  for (int r = 0; r < o.reps; ++r) {
    auto cache = m.NewCache();
    auto t0 = std::chrono::steady_clock::now();
    if (!m.cpu().Forward(prompt, *cache, sextant::llm::LogitsMode::kLast, &logits).ok())
      return std::nullopt;
    auto t1 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < o.decode; ++i) {
      const int32_t next = dist(rng);
      if (!m.cpu().Forward({&next, 1}, *cache, sextant::llm::LogitsMode::kLast, &logits).ok()) {
        return std::nullopt;
      }
    }
    auto t2 = std::chrono::steady_clock::now();
    prefill_s.push_back(std::chrono::duration<double>(t1 - t0).count());
    decode_s.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  Result res;
  const double ps = Median(prefill_s);
  const double ds = Median(decode_s);
  res.prefill_tps = static_cast<double>(o.prefill) / ps;
  res.prefill_gflops = ForwardFlops(c, MatrixParams(c), o.prefill, 0) / ps / 1e9;
  res.decode_tps = static_cast<double>(o.decode) / ds;
  // Per decoded token every weight is read once, plus the KV cache so far.
  const double kv_per_token = 2.0 * static_cast<double>(c.n_layer * c.kv_dim() * 4) *
                              (static_cast<double>(o.prefill) + static_cast<double>(o.decode) / 2);
  res.decode_gbs =
      (static_cast<double>(m.weights().matrix_bytes) + kv_per_token) * res.decode_tps / 1e9;
  return res;
}

std::vector<Entry> Models(const Options& o) {
  std::vector<Entry> list;
  for (const char* name : {"tiny-llama", "tiny-qwen2"}) {
    const fs::path dir = o.testdata / "models" / name;
    if (!fs::exists(dir)) continue;
    list.push_back({std::string(name) + " safetensors BF16", dir});
    for (const char* type : {"Q8_0", "Q4_K"}) {
      list.push_back(
          {std::string(name) + " " + type, dir / (std::string(name) + "-" + type + ".gguf")});
    }
  }
  fs::create_directories(o.work);
  for (const char* type : {"bf16", "q8_0", "q4_k_m"}) {
    const fs::path out = o.work / (std::string("qwen2.5-0.5b-") + type + ".gguf");
    if (!fs::exists(out)) {
      sextant::llm::SynthOptions so;
      so.arch = sextant::llm::Arch::kQwen2;
      so.shape = "qwen2.5-0.5b";
      so.type = type;
      std::fprintf(stderr, "synthesizing %s ...\n", out.c_str());
      auto bytes = sextant::llm::SynthesizeModel(so, out);
      if (!bytes.ok()) {
        std::cerr << bytes.status().message() << "\n";
        continue;
      }
    }
    list.push_back({std::string("qwen2.5-0.5b-shape ") + type, out});
  }
  return list;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const char* env = std::getenv("SEXTANT_TESTDATA");
  o.testdata =
      env != nullptr ? fs::path(env) : fs::path(SEXTANT_SOURCE_DIR) / ".." / "shared" / "testdata";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--threads")
      o.threads = std::stoi(value);
    else if (flag == "--work")
      o.work = value;
    else if (flag == "--testdata")
      o.testdata = value;
    else if (flag == "--prefill")
      o.prefill = std::stoll(value);
    else if (flag == "--decode")
      o.decode = std::stoll(value);
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  std::printf("bench_llm_cpu on %s, %d threads\n", sextant::bench::CpuModelName().c_str(),
              o.threads);
  const double peak = sextant::bench::MeasureFmaPeakGflops(o.threads);
  const double copy = sextant::bench::MeasureCopyBandwidthGBs();
  std::printf("measured: FMA peak %.1f GFLOP/s (%d threads), memory copy %.1f GB/s\n", peak,
              o.threads, copy);
  std::printf("prefill %lld tokens, then decode %lld; median of %d runs\n\n",
              static_cast<long long>(o.prefill), static_cast<long long>(o.decode), o.reps);

  sextant::bench::Table table({"model", "prefill tok/s", "GFLOP/s", "of FMA peak", "decode tok/s",
                               "weights+KV GB/s", "of copy BW"});
  for (const Entry& e : Models(o)) {
    auto r = Measure(e, o);
    if (!r) {
      table.AddRow({e.label, "failed"});
      continue;
    }
    table.AddRow({e.label, Fixed(r->prefill_tps, 1), Fixed(r->prefill_gflops, 1),
                  Fixed(100.0 * r->prefill_gflops / peak, 1) + "%", Fixed(r->decode_tps, 1),
                  Fixed(r->decode_gbs, 2), Fixed(100.0 * r->decode_gbs / copy, 1) + "%"});
  }
  table.Print(std::cout);
  std::printf("\n");
  return sextant::bench::PrintTokenizerTable(
      o.testdata, fs::path(SEXTANT_SOURCE_DIR) / "bench" / "tokenizer_peer");
}
