#include "llm/runtime/synth.h"

#include <cstring>

#include "common/json.h"
#include "kernels/cpu/quant.h"
#include "llm/runtime/gguf_writer.h"

namespace sextant::llm {
namespace {

using kernels::DType;

struct Shape {
  int64_t vocab, embd, layers, heads, kv_heads, ff, head_dim, context;
  bool tied;
};

constexpr Shape kLlama3_8b{128256, 4096, 32, 32, 8, 14336, 128, 8192, false};
constexpr Shape kQwen25_7b{152064, 3584, 28, 28, 4, 18944, 128, 32768, false};
constexpr Shape kQwen25_05b{151936, 896, 24, 14, 2, 4864, 64, 32768, true};
constexpr float kWeightScale = 0.02f;  // typical weight magnitude

Result<Shape> ParseShape(const std::string& text) {
  if (text == "llama3-8b") return kLlama3_8b;
  if (text == "qwen2.5-7b") return kQwen25_7b;
  if (text == "qwen2.5-0.5b") return kQwen25_05b;
  auto j = ParseJson(text);
  if (!j.ok() || !j->is_object()) {
    return Status(StatusCode::kInvalidArgument,
                  "synth: --shape must be llama3-8b, qwen2.5-7b, qwen2.5-0.5b or a JSON object");
  }
  Shape s{};
  try {
    s.vocab = j->at("vocab").get<int64_t>();
    s.embd = j->at("embd").get<int64_t>();
    s.layers = j->at("layers").get<int64_t>();
    s.heads = j->at("heads").get<int64_t>();
    s.kv_heads = j->value("kv_heads", s.heads);
    s.ff = j->at("ff").get<int64_t>();
    s.head_dim = j->value("head_dim", s.heads > 0 ? s.embd / s.heads : 0);
    s.context = j->value("context", int64_t{4096});
    s.tied = j->value("tied", false);
  } catch (const Json::exception& e) {
    return Status(StatusCode::kInvalidArgument, std::string("synth: bad shape JSON: ") + e.what());
  }
  return s;
}

// splitmix64: fast, seedable, good enough for random weights.
struct Rng {
  uint64_t state;
  uint64_t Next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  float Uniform() {
    return static_cast<float>(Next() >> 40) / static_cast<float>(1 << 24) * 2.0f - 1.0f;
  }
};

void PutHalf(uint8_t* p, float v) {
  const uint16_t h = kernels::cpu::Fp32ToFp16(v);
  std::memcpy(p, &h, sizeof(h));
}

// Random block bytes with each scale field set to a finite, plausible value.
void FillBlocks(DType type, Rng& rng, std::span<uint8_t> out) {
  for (size_t i = 0; i + 8 <= out.size(); i += 8) {
    const uint64_t r = rng.Next();
    std::memcpy(&out[i], &r, 8);
  }
  for (size_t i = out.size() / 8 * 8; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(rng.Next());
  const int64_t block = kernels::BlockBytes(type);
  for (size_t b = 0; b + block <= out.size(); b += block) {
    uint8_t* p = &out[b];
    const float d = kWeightScale * (0.05f + 0.05f * (rng.Uniform() + 1.0f));
    switch (type) {
      case DType::kF32: {
        const float v = kWeightScale * rng.Uniform();
        std::memcpy(p, &v, 4);
        break;
      }
      case DType::kF16:
        PutHalf(p, kWeightScale * rng.Uniform());
        break;
      case DType::kBF16: {
        const uint16_t v = kernels::cpu::Fp32ToBf16(kWeightScale * rng.Uniform());
        std::memcpy(p, &v, 2);
        break;
      }
      case DType::kQ4_1:
      case DType::kQ5_1:
        PutHalf(p, d);
        PutHalf(p + 2, -8.0f * d);
        break;
      case DType::kQ4_K:
        PutHalf(p, d / 8.0f);
        PutHalf(p + 2, d / 8.0f);
        break;
      case DType::kQ6_K:
        PutHalf(p + block - 2, d / 16.0f);
        break;
      default:  // Q4_0, Q5_0, Q8_0: the scale comes first
        PutHalf(p, type == DType::kQ8_0 ? d / 16.0f : d);
        break;
    }
  }
}

Result<DType> ParseType(const std::string& name) {
  if (name == "q4_k_m") return DType::kQ4_K;
  auto t = kernels::DTypeFromName(name);
  if (!t) {
    return Status(StatusCode::kInvalidArgument,
                  "synth: unknown --type '" + name +
                      "' (bf16, f16, f32, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q6_k, q4_k_m)");
  }
  return *t;
}

// The type a tensor gets, with llama.cpp's fallbacks for K-quant rows that
// are not a multiple of 256 and Q4_K_M's mixture.
DType TensorType(DType base, bool q4_k_m, const std::string& role, int64_t layer, int64_t n_layer,
                 int64_t row) {
  DType t = base;
  if (q4_k_m) {
    const bool more_bits =
        layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
    if (role == "output" || ((role == "attn_v" || role == "ffn_down") && more_bits)) {
      t = DType::kQ6_K;
    }
  }
  if (kernels::BlockElements(t) == 256 && row % 256 != 0) {
    t = t == DType::kQ6_K ? DType::kQ8_0 : DType::kQ5_0;
  }
  return t;
}

// GPT-2's byte-to-character map for byte-level BPE vocabularies.
std::string ByteToken(int b) {
  uint32_t cp = static_cast<uint32_t>(b);
  const bool printable =
      (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  if (!printable) {
    int n = 0;
    for (int x = 0; x < b; ++x) {
      const bool p = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
      if (!p) ++n;
    }
    cp = 256 + static_cast<uint32_t>(n);
  }
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

void WriteTokenizer(GgufWriter& w, const ModelConfig& c) {
  const std::vector<std::string> specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(ByteToken(b));
    types.push_back(1);
  }
  const auto n_normal = static_cast<int64_t>(c.n_vocab - specials.size());
  for (int64_t i = 256; i < n_normal; ++i) {
    tokens.push_back("<|filler_" + std::to_string(i) + "|>");
    types.push_back(5);  // unused
  }
  for (const std::string& s : specials) {
    tokens.push_back(s);
    types.push_back(3);  // control
  }
  w.SetString("tokenizer.ggml.model", "gpt2");
  w.SetString("tokenizer.ggml.pre", c.arch == Arch::kLlama ? "llama-bpe" : "qwen2");
  w.SetStringArray("tokenizer.ggml.tokens", tokens);
  w.SetInt32Array("tokenizer.ggml.token_type", types);
  w.SetStringArray("tokenizer.ggml.merges", {});
  w.SetUint32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(n_normal));
  w.SetUint32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(n_normal + 2));
  w.SetBool("tokenizer.ggml.add_bos_token", false);
  w.SetString("tokenizer.chat_template",
              "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
              "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if "
              "add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
}

void WriteHyperParameters(GgufWriter& w, const ModelConfig& c) {
  const std::string a(ArchName(c.arch));
  w.SetString("general.architecture", a);
  w.SetString("general.name", "synthetic-" + a);
  w.SetUint32(a + ".context_length", static_cast<uint32_t>(c.context_length));
  w.SetUint32(a + ".embedding_length", static_cast<uint32_t>(c.n_embd));
  w.SetUint32(a + ".block_count", static_cast<uint32_t>(c.n_layer));
  w.SetUint32(a + ".feed_forward_length", static_cast<uint32_t>(c.n_ff));
  w.SetUint32(a + ".attention.head_count", static_cast<uint32_t>(c.n_head));
  w.SetUint32(a + ".attention.head_count_kv", static_cast<uint32_t>(c.n_head_kv));
  w.SetUint32(a + ".attention.key_length", static_cast<uint32_t>(c.head_dim));
  w.SetUint32(a + ".attention.value_length", static_cast<uint32_t>(c.head_dim));
  w.SetFloat32(a + ".attention.layer_norm_rms_epsilon", c.rms_eps);
  w.SetFloat32(a + ".rope.freq_base", c.rope.theta);
  w.SetUint32(a + ".rope.dimension_count", static_cast<uint32_t>(c.rope.dim));
}

Status AddTensors(GgufWriter& w, const ModelConfig& c, DType base, bool q4_k_m) {
  auto matrix = [&](const std::string& name, const std::string& role, int64_t layer, int64_t rows,
                    int64_t cols) {
    return w.AddTensor(name, {cols, rows}, TensorType(base, q4_k_m, role, layer, c.n_layer, cols));
  };
  auto vec = [&](const std::string& name, int64_t n) {
    return w.AddTensor(name, {n}, DType::kF32);
  };
  SEXTANT_RETURN_IF_ERROR(
      matrix("token_embd.weight", c.tied_embeddings ? "output" : "embd", 0, c.n_vocab, c.n_embd));
  SEXTANT_RETURN_IF_ERROR(vec("output_norm.weight", c.n_embd));
  if (!c.tied_embeddings) {
    SEXTANT_RETURN_IF_ERROR(matrix("output.weight", "output", 0, c.n_vocab, c.n_embd));
  }
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    SEXTANT_RETURN_IF_ERROR(vec(p + "attn_norm.weight", c.n_embd));
    SEXTANT_RETURN_IF_ERROR(matrix(p + "attn_q.weight", "attn_q", l, c.q_dim(), c.n_embd));
    SEXTANT_RETURN_IF_ERROR(matrix(p + "attn_k.weight", "attn_k", l, c.kv_dim(), c.n_embd));
    SEXTANT_RETURN_IF_ERROR(matrix(p + "attn_v.weight", "attn_v", l, c.kv_dim(), c.n_embd));
    SEXTANT_RETURN_IF_ERROR(
        matrix(p + "attn_output.weight", "attn_output", l, c.n_embd, c.q_dim()));
    if (c.qkv_bias) {
      SEXTANT_RETURN_IF_ERROR(vec(p + "attn_q.bias", c.q_dim()));
      SEXTANT_RETURN_IF_ERROR(vec(p + "attn_k.bias", c.kv_dim()));
      SEXTANT_RETURN_IF_ERROR(vec(p + "attn_v.bias", c.kv_dim()));
    }
    if (c.qk_norm) {
      SEXTANT_RETURN_IF_ERROR(vec(p + "attn_q_norm.weight", c.head_dim));
      SEXTANT_RETURN_IF_ERROR(vec(p + "attn_k_norm.weight", c.head_dim));
    }
    SEXTANT_RETURN_IF_ERROR(vec(p + "ffn_norm.weight", c.n_embd));
    SEXTANT_RETURN_IF_ERROR(matrix(p + "ffn_gate.weight", "ffn_gate", l, c.n_ff, c.n_embd));
    SEXTANT_RETURN_IF_ERROR(matrix(p + "ffn_up.weight", "ffn_up", l, c.n_ff, c.n_embd));
    SEXTANT_RETURN_IF_ERROR(matrix(p + "ffn_down.weight", "ffn_down", l, c.n_embd, c.n_ff));
  }
  return Status::Ok();
}

}  // namespace

Result<ModelConfig> SynthConfig(const SynthOptions& options) {
  SEXTANT_ASSIGN_OR_RETURN(Shape s, ParseShape(options.shape));
  ModelConfig c;
  c.arch = options.arch;
  c.n_vocab = s.vocab;
  c.n_embd = s.embd;
  c.n_layer = s.layers;
  c.n_head = s.heads;
  c.n_head_kv = s.kv_heads;
  c.head_dim = s.head_dim;
  c.n_ff = s.ff;
  c.context_length = s.context;
  c.tied_embeddings = s.tied;
  c.qkv_bias = c.arch == Arch::kQwen2;
  c.qk_norm = c.arch == Arch::kQwen3;
  const bool llama = c.arch == Arch::kLlama || c.arch == Arch::kMistral;
  c.rms_eps = llama ? 1e-5f : 1e-6f;
  c.rope.theta = llama ? 500000.0f : 1000000.0f;
  c.rope.dim = c.head_dim;
  constexpr int64_t kMinVocab = 260;  // bytes plus specials
  if (c.n_vocab < kMinVocab) {
    return Status(StatusCode::kInvalidArgument, "synth: vocab must be at least 260");
  }
  SEXTANT_RETURN_IF_ERROR(ValidateModelConfig(c));
  return c;
}

Result<int64_t> SynthesizeModel(const SynthOptions& options, const std::filesystem::path& out) {
  SEXTANT_ASSIGN_OR_RETURN(ModelConfig c, SynthConfig(options));
  SEXTANT_ASSIGN_OR_RETURN(DType base, ParseType(options.type));
  GgufWriter w;
  WriteHyperParameters(w, c);
  w.SetUint32("general.file_type", static_cast<uint32_t>(base));
  WriteTokenizer(w, c);
  SEXTANT_RETURN_IF_ERROR(AddTensors(w, c, base, options.type == "q4_k_m"));
  Rng rng{options.seed};
  const auto& tensors = w.tensors();
  SEXTANT_RETURN_IF_ERROR(w.Write(out, [&](size_t i, int64_t, std::span<uint8_t> bytes) {
    const auto& t = tensors[i];
    if (t.shape.size() == 1) {  // norms and biases: ones and small values
      const bool norm = t.name.find("norm") != std::string::npos;
      for (size_t k = 0; k + 4 <= bytes.size(); k += 4) {
        const float v = norm ? 1.0f : kWeightScale * rng.Uniform();
        std::memcpy(&bytes[k], &v, 4);
      }
      return;
    }
    FillBlocks(t.type, rng, bytes);
  }));
  std::error_code ec;
  return static_cast<int64_t>(std::filesystem::file_size(out, ec));
}

}  // namespace sextant::llm
