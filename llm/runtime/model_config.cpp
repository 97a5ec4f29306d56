#include "llm/runtime/model_config.h"

#include <cmath>
#include <numbers>

#include "llm/runtime/gguf.h"

namespace sextant::llm {
namespace {

constexpr int64_t kMaxDim = int64_t{1} << 20;  // any single size (vocab, ff, embd)
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxHeads = 4096;
constexpr int64_t kMaxContext = int64_t{1} << 24;
constexpr float kDefaultRopeTheta = 10000.0f;

Status Invalid(const std::string& what) {
  return Status(StatusCode::kInvalidArgument, "model config: " + what);
}

std::optional<Arch> ArchFromName(std::string_view name) {
  if (name == "llama") return Arch::kLlama;
  if (name == "mistral") return Arch::kMistral;
  if (name == "qwen2") return Arch::kQwen2;
  if (name == "qwen3") return Arch::kQwen3;
  return std::nullopt;
}

void SetArchFeatures(ModelConfig& c) {
  c.qkv_bias = c.arch == Arch::kQwen2;
  c.qk_norm = c.arch == Arch::kQwen3;
}

// An optional integer key: `fallback` when absent.
Result<int64_t> GgufIntOr(const GgufFile& gguf, const std::string& key, int64_t fallback) {
  if (gguf.Find(key) == nullptr) return fallback;
  return gguf.GetInt(key);
}

Result<double> GgufFloatOr(const GgufFile& gguf, const std::string& key, double fallback) {
  if (gguf.Find(key) == nullptr) return fallback;
  return gguf.GetFloat(key);
}

Status ReadGgufRopeScaling(const GgufFile& gguf, const std::string& p, ModelConfig& c) {
  const std::string type_key = p + "rope.scaling.type";
  if (gguf.Find(type_key) == nullptr) return Status::Ok();
  SEXTANT_ASSIGN_OR_RETURN(std::string type, gguf.GetString(type_key));
  if (type == "none") return Status::Ok();
  if (type != "linear") {
    return Status(StatusCode::kUnimplemented,
                  "model config: rope scaling type '" + type + "' is not supported (linear is)");
  }
  c.rope.scaling = RopeScaling::kLinear;
  SEXTANT_ASSIGN_OR_RETURN(double factor, GgufFloatOr(gguf, p + "rope.scaling.factor", 1.0));
  c.rope.factor = static_cast<float>(factor);
  return Status::Ok();
}

}  // namespace

std::string_view ArchName(Arch arch) {
  switch (arch) {
    case Arch::kLlama:
      return "llama";
    case Arch::kQwen2:
      return "qwen2";
    case Arch::kQwen3:
      return "qwen3";
    case Arch::kMistral:
      return "mistral";
  }
  return "unknown";
}

Result<ModelConfig> ModelConfigFromGguf(const GgufFile& gguf) {
  ModelConfig c;
  SEXTANT_ASSIGN_OR_RETURN(std::string arch, gguf.GetString("general.architecture"));
  auto parsed = ArchFromName(arch);
  if (!parsed) {
    return Status(StatusCode::kUnimplemented,
                  "model config: architecture '" + arch +
                      "' is not supported (llama, mistral, qwen2, qwen3 are)");
  }
  c.arch = *parsed;
  SetArchFeatures(c);
  if (gguf.Find("general.name") != nullptr) {
    SEXTANT_ASSIGN_OR_RETURN(c.name, gguf.GetString("general.name"));
  }
  const std::string p = arch + ".";
  SEXTANT_ASSIGN_OR_RETURN(c.n_embd, gguf.GetInt(p + "embedding_length"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_layer, gguf.GetInt(p + "block_count"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_ff, gguf.GetInt(p + "feed_forward_length"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_head, gguf.GetInt(p + "attention.head_count"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_head_kv, GgufIntOr(gguf, p + "attention.head_count_kv", c.n_head));
  SEXTANT_ASSIGN_OR_RETURN(c.context_length, gguf.GetInt(p + "context_length"));
  SEXTANT_ASSIGN_OR_RETURN(double eps, gguf.GetFloat(p + "attention.layer_norm_rms_epsilon"));
  c.rms_eps = static_cast<float>(eps);
  const int64_t default_head_dim = c.n_head > 0 ? c.n_embd / c.n_head : 0;
  SEXTANT_ASSIGN_OR_RETURN(c.head_dim,
                           GgufIntOr(gguf, p + "attention.key_length", default_head_dim));
  SEXTANT_ASSIGN_OR_RETURN(int64_t v_dim,
                           GgufIntOr(gguf, p + "attention.value_length", c.head_dim));
  if (v_dim != c.head_dim) return Invalid("attention.value_length differs from key_length");
  SEXTANT_ASSIGN_OR_RETURN(double theta,
                           GgufFloatOr(gguf, p + "rope.freq_base", kDefaultRopeTheta));
  c.rope.theta = static_cast<float>(theta);
  SEXTANT_ASSIGN_OR_RETURN(c.rope.dim, GgufIntOr(gguf, p + "rope.dimension_count", c.head_dim));
  SEXTANT_RETURN_IF_ERROR(ReadGgufRopeScaling(gguf, p, c));
  const bool permuted = c.arch == Arch::kLlama || c.arch == Arch::kMistral;
  c.rope.layout =
      permuted ? kernels::cpu::RopeLayout::kInterleaved : kernels::cpu::RopeLayout::kSplitHalf;

  const GgufTensorInfo* embd = gguf.FindTensor("token_embd.weight");
  if (embd == nullptr || embd->shape.size() != 2) {
    return Invalid("token_embd.weight is missing or not 2-D");
  }
  c.n_vocab = embd->shape[1];
  c.tied_embeddings = gguf.FindTensor("output.weight") == nullptr;
  c.qkv_bias = c.qkv_bias || gguf.FindTensor("blk.0.attn_q.bias") != nullptr;
  SEXTANT_RETURN_IF_ERROR(ValidateModelConfig(c));
  return c;
}

namespace {

Result<int64_t> JsonInt(const Json& j, const char* key, std::optional<int64_t> fallback = {}) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback) return *fallback;
    return Invalid(std::string("config.json has no '") + key + "'");
  }
  if (!it->is_number_integer()) return Invalid(std::string("'") + key + "' is not an integer");
  return it->get<int64_t>();
}

Result<double> JsonNumber(const Json& j, const char* key, std::optional<double> fallback = {}) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback) return *fallback;
    return Invalid(std::string("config.json has no '") + key + "'");
  }
  if (!it->is_number()) return Invalid(std::string("'") + key + "' is not a number");
  return it->get<double>();
}

Status ReadHfRope(const Json& j, ModelConfig& c) {
  // transformers 5 writes rope_parameters; older files rope_theta + rope_scaling.
  const Json* params = nullptr;
  if (auto it = j.find("rope_parameters"); it != j.end() && it->is_object()) params = &*it;
  if (auto it = j.find("rope_scaling"); params == nullptr && it != j.end() && it->is_object()) {
    params = &*it;
  }
  SEXTANT_ASSIGN_OR_RETURN(double theta, JsonNumber(j, "rope_theta", kDefaultRopeTheta));
  if (params != nullptr && params->contains("rope_theta")) {
    SEXTANT_ASSIGN_OR_RETURN(theta, JsonNumber(*params, "rope_theta"));
  }
  c.rope.theta = static_cast<float>(theta);
  c.rope.dim = c.head_dim;
  if (params == nullptr) return Status::Ok();
  std::string type = "default";
  if (auto it = params->find("rope_type"); it != params->end() && it->is_string()) {
    type = it->get<std::string>();
  } else if (auto it2 = params->find("type"); it2 != params->end() && it2->is_string()) {
    type = it2->get<std::string>();
  }
  if (type == "default") return Status::Ok();
  SEXTANT_ASSIGN_OR_RETURN(double factor, JsonNumber(*params, "factor"));
  c.rope.factor = static_cast<float>(factor);
  if (type == "linear") {
    c.rope.scaling = RopeScaling::kLinear;
    return Status::Ok();
  }
  if (type != "llama3") {
    return Status(StatusCode::kUnimplemented, "model config: rope type '" + type +
                                                  "' is not supported (default, linear, llama3)");
  }
  c.rope.scaling = RopeScaling::kLlama3;
  SEXTANT_ASSIGN_OR_RETURN(double low, JsonNumber(*params, "low_freq_factor"));
  SEXTANT_ASSIGN_OR_RETURN(double high, JsonNumber(*params, "high_freq_factor"));
  SEXTANT_ASSIGN_OR_RETURN(c.rope.original_context,
                           JsonInt(*params, "original_max_position_embeddings"));
  c.rope.low_freq_factor = static_cast<float>(low);
  c.rope.high_freq_factor = static_cast<float>(high);
  return Status::Ok();
}

}  // namespace

Result<ModelConfig> ModelConfigFromHf(const Json& j) {
  if (!j.is_object()) return Invalid("config.json is not an object");
  auto type_it = j.find("model_type");
  if (type_it == j.end() || !type_it->is_string()) return Invalid("config.json has no model_type");
  const std::string type = type_it->get<std::string>();
  auto parsed = ArchFromName(type);
  if (!parsed) {
    return Status(StatusCode::kUnimplemented,
                  "model config: model_type '" + type +
                      "' is not supported (llama, mistral, qwen2, qwen3 are)");
  }
  ModelConfig c;
  c.arch = *parsed;
  SetArchFeatures(c);
  c.name = type;
  SEXTANT_ASSIGN_OR_RETURN(c.n_vocab, JsonInt(j, "vocab_size"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_embd, JsonInt(j, "hidden_size"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_layer, JsonInt(j, "num_hidden_layers"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_ff, JsonInt(j, "intermediate_size"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_head, JsonInt(j, "num_attention_heads"));
  SEXTANT_ASSIGN_OR_RETURN(c.n_head_kv, JsonInt(j, "num_key_value_heads", c.n_head));
  const int64_t default_head_dim = c.n_head > 0 ? c.n_embd / c.n_head : 0;
  SEXTANT_ASSIGN_OR_RETURN(c.head_dim, JsonInt(j, "head_dim", default_head_dim));
  SEXTANT_ASSIGN_OR_RETURN(c.context_length, JsonInt(j, "max_position_embeddings"));
  SEXTANT_ASSIGN_OR_RETURN(double eps, JsonNumber(j, "rms_norm_eps", 1e-6));
  c.rms_eps = static_cast<float>(eps);
  if (auto it = j.find("tie_word_embeddings"); it != j.end() && it->is_boolean()) {
    c.tied_embeddings = it->get<bool>();
  }
  if (c.arch != Arch::kQwen2) {  // qwen2 always has q/k/v biases
    if (auto it = j.find("attention_bias"); it != j.end() && it->is_boolean()) {
      c.qkv_bias = it->get<bool>();
    }
  }
  SEXTANT_RETURN_IF_ERROR(ReadHfRope(j, c));
  c.rope.layout = kernels::cpu::RopeLayout::kSplitHalf;
  SEXTANT_RETURN_IF_ERROR(ValidateModelConfig(c));
  return c;
}

Status ValidateModelConfig(const ModelConfig& c) {
  auto in_range = [](int64_t v, int64_t hi) { return v > 0 && v <= hi; };
  if (!in_range(c.n_vocab, kMaxDim * 4)) return Invalid("vocabulary size out of range");
  if (!in_range(c.n_embd, kMaxDim)) return Invalid("embedding length out of range");
  if (!in_range(c.n_ff, kMaxDim)) return Invalid("feed-forward length out of range");
  if (!in_range(c.n_layer, kMaxLayers)) return Invalid("block count out of range");
  if (!in_range(c.n_head, kMaxHeads) || !in_range(c.n_head_kv, kMaxHeads)) {
    return Invalid("head counts out of range");
  }
  if (c.n_head % c.n_head_kv != 0) {
    return Invalid("head_count " + std::to_string(c.n_head) +
                   " is not a multiple of head_count_kv " + std::to_string(c.n_head_kv));
  }
  if (!in_range(c.head_dim, kMaxDim / 16)) return Invalid("head dimension out of range");
  if (c.rope.dim <= 0 || c.rope.dim % 2 != 0 || c.rope.dim > c.head_dim) {
    return Invalid("rope dimension must be even and at most the head dimension");
  }
  if (!in_range(c.context_length, kMaxContext)) return Invalid("context length out of range");
  if (!(c.rms_eps > 0.0f) || !std::isfinite(c.rms_eps)) return Invalid("rms epsilon must be > 0");
  if (!(c.rope.theta > 0.0f) || !std::isfinite(c.rope.theta))
    return Invalid("rope theta must be > 0");
  if (!(c.rope.factor > 0.0f)) return Invalid("rope scaling factor must be > 0");
  if (c.rope.scaling == RopeScaling::kLlama3 &&
      (c.rope.high_freq_factor <= c.rope.low_freq_factor || c.rope.original_context <= 0)) {
    return Invalid("llama3 rope scaling needs high_freq_factor > low_freq_factor");
  }
  return Status::Ok();
}

std::vector<float> RopeInverseFrequencies(const RopeConfig& rope,
                                          const std::vector<float>& freq_factors) {
  const int64_t half = rope.dim / 2;
  std::vector<float> inv(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(rope.dim);
    inv[i] = 1.0f / std::pow(rope.theta, exponent);
  }
  if (!freq_factors.empty()) {
    for (int64_t i = 0; i < half && i < static_cast<int64_t>(freq_factors.size()); ++i) {
      inv[i] /= freq_factors[i];
    }
    return inv;
  }
  if (rope.scaling == RopeScaling::kLinear) {
    for (float& f : inv) f /= rope.factor;
  } else if (rope.scaling == RopeScaling::kLlama3) {
    const auto old_ctx = static_cast<float>(rope.original_context);
    const float low_wavelen = old_ctx / rope.low_freq_factor;
    const float high_wavelen = old_ctx / rope.high_freq_factor;
    const auto two_pi = static_cast<float>(2.0 * std::numbers::pi);
    for (float& f : inv) {
      const float wavelen = two_pi / f;
      float scaled = wavelen > low_wavelen ? f / rope.factor : f;
      const bool medium = !(wavelen < high_wavelen) && !(wavelen > low_wavelen);
      if (medium) {
        const float smooth = (old_ctx / wavelen - rope.low_freq_factor) /
                             (rope.high_freq_factor - rope.low_freq_factor);
        scaled = (1.0f - smooth) * scaled / rope.factor + smooth * scaled;
      }
      f = scaled;
    }
  }
  return inv;
}

}  // namespace sextant::llm
