// GEMV on the GPU against the device's copy bandwidth: for Llama-3-8B and
// Qwen2.5-0.5B matrix shapes, each GEMV type, batch 1 and 4 (and the int8
// tensor-core GEMM at batch 32 for the quantized types), prints the
// weight bytes read per second and their ratio to a device-to-device copy
// (bytes read plus written) measured in the same run. Times are medians of
// CUDA-event timings over groups of launches that rotate among enough weight
// copies to keep them out of L2.
// Usage: bench_gemv_cuda [--models llama3-8b,qwen2.5-0.5b] [--types Q8_0,Q4_K]
//                        [--batches 1,4] [--no-gemm]
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_util.h"
#include "bench/internal/cuda_timing.h"
#include "kernels/cpu/quant.h"
#include "kernels/cuda/cuda_ops.h"

namespace sextant::bench {
namespace {

using kernels::DType;
namespace kc = kernels::cuda;

constexpr int64_t kRotationBytes = int64_t{512} << 20;  // weights cycled through, >> L2
constexpr int kMaxCopies = 256;
constexpr int kLaunchesPerGroup = 20;
constexpr int kGroups = 15;

uint64_t Next(uint64_t* s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

// A random finite fp16 with its exponent field in [e0, e0 + 4] and a random sign.
uint16_t RandomHalf(uint64_t* s, int e0) {
  const uint64_t r = Next(s);
  return static_cast<uint16_t>(((r >> 20) & 1) << 15 | static_cast<uint64_t>(e0 + r % 5) << 10 |
                               ((r >> 8) & 0x3ff));
}

// rows x cols GGUF rows of random data with finite values and scales.
std::vector<uint8_t> RandomWeights(DType t, int64_t rows, int64_t cols) {
  constexpr int kValueExp = 10;  // values of magnitude 2^-5 .. 1
  constexpr int kScaleExp = 5;   // scales of magnitude 2^-10 .. 2^-5
  const int64_t row_bytes = *kernels::RowBytes(t, cols);
  std::vector<uint8_t> w(static_cast<size_t>(rows * row_bytes));
  uint64_t s = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(t);
  for (size_t i = 0; i + 8 <= w.size(); i += 8) {
    const uint64_t v = Next(&s);
    std::memcpy(w.data() + i, &v, 8);
  }
  auto put = [&](int64_t at, uint16_t h) { std::memcpy(w.data() + at, &h, 2); };
  const int64_t n_blocks = rows * row_bytes / kernels::BlockBytes(t);
  const int64_t bb = kernels::BlockBytes(t);
  for (int64_t b = 0; b < n_blocks; ++b) {
    switch (t) {
      case DType::kF16:
        put(b * 2, RandomHalf(&s, kValueExp));
        break;
      case DType::kBF16:
        put(b * 2, kernels::cpu::Fp32ToBf16(kernels::cpu::Fp16ToFp32(RandomHalf(&s, kValueExp))));
        break;
      case DType::kQ8_0:
      case DType::kQ4_0:
        put(b * bb, RandomHalf(&s, kScaleExp));
        break;
      case DType::kQ4_K:
        put(b * bb, RandomHalf(&s, kScaleExp));
        put(b * bb + 2, RandomHalf(&s, kScaleExp));
        break;
      case DType::kQ6_K:
        put(b * bb + 208, RandomHalf(&s, kScaleExp));
        break;
      default:
        break;
    }
  }
  return w;
}

struct Shape {
  const char* model;
  const char* name;
  int64_t rows;
  int64_t cols;
};

constexpr Shape kShapes[] = {
    {"llama3-8b", "attn_q", 4096, 4096},      {"llama3-8b", "attn_kv", 1024, 4096},
    {"llama3-8b", "ffn_up", 14336, 4096},     {"llama3-8b", "ffn_down", 4096, 14336},
    {"llama3-8b", "lm_head", 128256, 4096},   {"qwen2.5-0.5b", "attn_q", 896, 896},
    {"qwen2.5-0.5b", "ffn_up", 4864, 896},    {"qwen2.5-0.5b", "ffn_down", 896, 4864},
    {"qwen2.5-0.5b", "lm_head", 151936, 896},
};

constexpr DType kTypes[] = {DType::kBF16, DType::kF16,  DType::kQ8_0,
                            DType::kQ6_K, DType::kQ4_K, DType::kQ4_0};

constexpr int64_t kGemmBatch = 32;  // the int8 tensor-core GEMM's row

struct Options {
  std::vector<std::string> models;  // empty: all
  std::vector<std::string> types;   // empty: all
  std::vector<int64_t> batches = {1, 4};
  bool gemm = true;
};

bool Wanted(const std::vector<std::string>& list, std::string_view name) {
  return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}

// The first name in o.models or o.types that no shape or type has, or "".
std::string UnknownName(const Options& o) {
  for (const std::string& m : o.models) {
    if (std::none_of(std::begin(kShapes), std::end(kShapes),
                     [&](const Shape& s) { return m == s.model; })) {
      return m;
    }
  }
  for (const std::string& t : o.types) {
    if (std::none_of(std::begin(kTypes), std::end(kTypes),
                     [&](DType d) { return t == kernels::DTypeName(d); })) {
      return t;
    }
  }
  return "";
}

int Run(const Options& o) {
  if (const std::string name = UnknownName(o); !name.empty()) {
    std::fprintf(stderr, "bench_gemv_cuda: no model or type \"%s\" (types are spelled Q4_K)\n",
                 name.c_str());
    return 2;
  }
  if (kc::DeviceCount() == 0) {
    std::fprintf(stderr, "bench_gemv_cuda: no CUDA device\n");
    return 1;
  }
  auto device = kc::DeviceDescription();
  CheckStatus(device.status(), "device");
  const double copy_gbs = CopyBandwidthGBs();
  std::printf("device: %s\ncopy bandwidth (D2D, read+write): %.0f GB/s\n", device->c_str(),
              copy_gbs);
  Table table({"model", "matrix", "rows x cols", "type", "batch", "MB", "us", "GB/s", "of copy"});
  auto gemm = kc::Int8Gemm::Create();
  CheckStatus(gemm.status(), "int8 GEMM");
  for (const Shape& shape : kShapes) {
    if (!Wanted(o.models, shape.model)) continue;
    for (const DType t : kTypes) {
      if (!Wanted(o.types, kernels::DTypeName(t))) continue;
      if (!kc::GemvLayoutBytes(t, shape.rows, shape.cols).ok()) continue;
      const std::vector<uint8_t> host = RandomWeights(t, shape.rows, shape.cols);
      const int64_t gguf_bytes = static_cast<int64_t>(host.size());
      kc::DeviceBuffer first;
      kc::GemvWeights w;
      CheckStatus(kc::UploadGemvWeights(t, host.data(), shape.rows, shape.cols,
                                        *kernels::RowBytes(t, shape.cols), &first, &w),
                  "upload");
      const int copies =
          static_cast<int>(std::clamp<int64_t>(kRotationBytes / first.bytes(), 1, kMaxCopies));
      std::vector<kc::DeviceBuffer> more;
      std::vector<kc::GemvWeights> ws = {w};
      for (int c = 1; c < copies; ++c) {
        auto buf = kc::DeviceBuffer::Allocate(first.bytes());
        CheckStatus(buf.status(), "copy");
        BENCH_CHECK(cudaMemcpy(buf->data(), first.data(), first.bytes(), cudaMemcpyDeviceToDevice));
        kc::GemvWeights wc = w;
        wc.data = buf->data();
        ws.push_back(wc);
        more.push_back(std::move(buf).value());
      }
      std::vector<float> x_host(static_cast<size_t>(kGemmBatch * shape.cols));
      uint64_t s = 12345;
      for (auto& v : x_host) v = static_cast<float>(Next(&s) % 2001) / 1000.0f - 1.0f;
      auto x = kc::DeviceBuffer::Allocate(static_cast<int64_t>(x_host.size() * sizeof(float)));
      auto y = kc::DeviceBuffer::Allocate(kGemmBatch * shape.rows * 4);
      CheckStatus(x.status(), "x");
      CheckStatus(y.status(), "y");
      CheckStatus(x->CopyFromHost(x_host.data(), x->bytes()), "x upload");
      // Types with an int8 path run twice: float32 x, then x quantized once
      // beforehand (as the model does for the matrices sharing an input).
      auto xq = kc::DeviceBuffer::Allocate(kGemmBatch * kc::QuantizedXRowBytes(shape.cols));
      CheckStatus(xq.status(), "xq");
      CheckStatus(kc::QuantizeX(x->as<float>(), kGemmBatch, shape.cols, xq->data(), nullptr),
                  "quantize");
      auto add_row = [&](const std::string& type, int64_t batch, double ms) {
        const double gbs = static_cast<double>(gguf_bytes) / (ms * 1e6);
        table.AddRow({shape.model, shape.name,
                      std::to_string(shape.rows) + " x " + std::to_string(shape.cols), type,
                      std::to_string(batch), Fixed(static_cast<double>(gguf_bytes) / 1e6, 1),
                      Fixed(ms * 1e3, 1), Fixed(gbs, 0), Fixed(100.0 * gbs / copy_gbs, 0) + "%"});
      };
      for (const bool int8 : {false, true}) {
        if (int8 && !kc::GemvTakesQuantizedX(t)) continue;
        for (const int64_t batch : o.batches) {
          const double ms = MedianMs(kGroups, kLaunchesPerGroup, [&](int i) {
            kc::GemvParams p;
            p.w = ws[static_cast<size_t>(i % copies)];
            p.x = x->as<float>();
            p.xq = int8 ? xq->data() : nullptr;
            p.y = y->as<float>();
            p.batch = batch;
            CheckStatus(kc::GemvRun(p, nullptr), "gemv");
          });
          CheckStatus(kc::Synchronize(nullptr), "sync");
          add_row(std::string(kernels::DTypeName(t)) + (int8 ? " x8" : ""), batch, ms);
        }
      }
      if (o.gemm && kc::GemvTakesQuantizedX(t)) {
        const double ms = MedianMs(kGroups, kLaunchesPerGroup, [&](int i) {
          CheckStatus((*gemm)->Run(ws[static_cast<size_t>(i % copies)], xq->data(), kGemmBatch,
                                   y->as<float>(), nullptr),
                      "int8 gemm");
        });
        CheckStatus(kc::Synchronize(nullptr), "sync");
        add_row(std::string(kernels::DTypeName(t)) + " mma", kGemmBatch, ms);
      }
    }
  }
  std::printf(
      "GB/s counts the GGUF weight bytes once per GEMV (activations excluded). \"x8\": "
      "activations quantized to int8 beforehand (not timed), int8 dot products. \"mma\": the "
      "int8 tensor-core GEMM (Int8Gemm) at batch 32 on the same quantized activations.\n");
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
    if (arg == "--models" && has_value) {
      o.models = sextant::bench::Split(argv[++i]);
    } else if (arg == "--types" && has_value) {
      o.types = sextant::bench::Split(argv[++i]);
    } else if (arg == "--batches" && has_value) {
      o.batches.clear();
      constexpr int64_t kMax = sextant::kernels::cuda::kMaxGemvBatch;
      for (const std::string& b : sextant::bench::Split(argv[++i])) {
        const std::optional<int64_t> v = sextant::bench::ParseIntIn(b, 1, kMax);
        if (!v) {
          std::fprintf(stderr, "bench_gemv_cuda: a batch is 1 to %lld, got \"%s\"\n",
                       static_cast<long long>(kMax), b.c_str());
          return 2;
        }
        o.batches.push_back(*v);
      }
    } else if (arg == "--no-gemm") {
      o.gemm = false;
    } else {
      std::fprintf(stderr,
                   "usage: bench_gemv_cuda [--models A,B] [--types T,U] [--batches 1,4] "
                   "[--no-gemm]\n");
      return 2;
    }
  }
  return sextant::bench::Run(o);
}
