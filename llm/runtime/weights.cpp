#include "llm/runtime/weights.h"

#include <functional>
#include <optional>
#include <string>

#include "kernels/cpu/quant.h"
#include "llm/runtime/gguf.h"
#include "llm/runtime/safetensors.h"

namespace sextant::llm {
namespace {

using kernels::DType;
using kernels::cpu::MatrixView;

// A tensor as the loader sees it, whatever the file format.
struct TensorRef {
  DType type = DType::kF32;
  std::vector<int64_t> dims;  // outermost first: a weight is (rows, cols)
  const uint8_t* data = nullptr;
};

// Finds a tensor by its name in the file's own naming scheme; nullopt when
// absent; an error when present but unusable.
using Lookup = std::function<Result<std::optional<TensorRef>>(const std::string&)>;

std::string Dims(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

Status ShapeError(const std::string& name, const std::vector<int64_t>& got,
                  const std::vector<int64_t>& want) {
  return Status(StatusCode::kInvalidArgument,
                "tensor '" + name + "' has shape " + Dims(got) + ", expected " + Dims(want));
}

class Loader {
 public:
  explicit Loader(Lookup lookup) : lookup_(std::move(lookup)) {}

  Result<std::optional<TensorRef>> Find(const std::string& name) { return lookup_(name); }

  Result<TensorRef> Require(const std::string& name) {
    SEXTANT_ASSIGN_OR_RETURN(auto t, lookup_(name));
    if (!t) return Status(StatusCode::kNotFound, "model file has no tensor '" + name + "'");
    return *t;
  }

  Result<MatrixView> Matrix(const std::string& name, int64_t rows, int64_t cols) {
    SEXTANT_ASSIGN_OR_RETURN(TensorRef t, Require(name));
    return AsMatrix(name, t, rows, cols);
  }

  Result<MatrixView> AsMatrix(const std::string& name, const TensorRef& t, int64_t rows,
                              int64_t cols) {
    if (t.dims != std::vector<int64_t>{rows, cols}) return ShapeError(name, t.dims, {rows, cols});
    auto row_bytes = kernels::RowBytes(t.type, cols);
    if (!row_bytes) {
      return Status(StatusCode::kInvalidArgument, "tensor '" + name + "': rows of " +
                                                      std::to_string(cols) + " do not fit type " +
                                                      std::string(kernels::DTypeName(t.type)));
    }
    matrix_bytes_ += *row_bytes * rows;
    return MatrixView{t.type, t.data, rows, cols, *row_bytes};
  }

  // A 1-D tensor of n values, as float32; empty when absent and optional.
  Result<std::vector<float>> Vector(const std::string& name, int64_t n, bool required = true) {
    SEXTANT_ASSIGN_OR_RETURN(auto t, lookup_(name));
    if (!t) {
      if (!required) return std::vector<float>{};
      return Status(StatusCode::kNotFound, "model file has no tensor '" + name + "'");
    }
    if (t->dims != std::vector<int64_t>{n}) return ShapeError(name, t->dims, {n});
    if (!kernels::RowBytes(t->type, n)) {
      return Status(StatusCode::kInvalidArgument, "tensor '" + name + "' has an unusable type");
    }
    std::vector<float> out(static_cast<size_t>(n));
    kernels::cpu::DequantizeRow(t->type, t->data, out.data(), n);
    return out;
  }

  int64_t matrix_bytes() const { return matrix_bytes_; }

 private:
  Lookup lookup_;
  int64_t matrix_bytes_ = 0;
};

// Tensor names of one file format.
struct Names {
  std::string token_embd, output_norm, output, rope_freqs;
  std::function<std::string(int64_t layer, const char* part)> layer;
  const char* attn_norm;
  const char* wq;
  const char* wk;
  const char* wv;
  const char* wo;
  const char* bq;
  const char* bk;
  const char* bv;
  const char* q_norm;
  const char* k_norm;
  const char* ffn_norm;
  const char* gate;
  const char* up;
  const char* down;
};

Names GgufNames() {
  Names n{"token_embd.weight",
          "output_norm.weight",
          "output.weight",
          "rope_freqs.weight",
          [](int64_t l, const char* part) { return "blk." + std::to_string(l) + "." + part; },
          "attn_norm.weight",
          "attn_q.weight",
          "attn_k.weight",
          "attn_v.weight",
          "attn_output.weight",
          "attn_q.bias",
          "attn_k.bias",
          "attn_v.bias",
          "attn_q_norm.weight",
          "attn_k_norm.weight",
          "ffn_norm.weight",
          "ffn_gate.weight",
          "ffn_up.weight",
          "ffn_down.weight"};
  return n;
}

Names HfNames() {
  Names n{
      "model.embed_tokens.weight",
      "model.norm.weight",
      "lm_head.weight",
      "",
      [](int64_t l, const char* part) { return "model.layers." + std::to_string(l) + "." + part; },
      "input_layernorm.weight",
      "self_attn.q_proj.weight",
      "self_attn.k_proj.weight",
      "self_attn.v_proj.weight",
      "self_attn.o_proj.weight",
      "self_attn.q_proj.bias",
      "self_attn.k_proj.bias",
      "self_attn.v_proj.bias",
      "self_attn.q_norm.weight",
      "self_attn.k_norm.weight",
      "post_attention_layernorm.weight",
      "mlp.gate_proj.weight",
      "mlp.up_proj.weight",
      "mlp.down_proj.weight"};
  return n;
}

Result<LayerWeights> LoadLayer(Loader& ld, const Names& n, const ModelConfig& c, int64_t l) {
  auto name = [&](const char* part) { return n.layer(l, part); };
  LayerWeights w;
  SEXTANT_ASSIGN_OR_RETURN(w.attn_norm, ld.Vector(name(n.attn_norm), c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(w.wq, ld.Matrix(name(n.wq), c.q_dim(), c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(w.wk, ld.Matrix(name(n.wk), c.kv_dim(), c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(w.wv, ld.Matrix(name(n.wv), c.kv_dim(), c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(w.wo, ld.Matrix(name(n.wo), c.n_embd, c.q_dim()));
  SEXTANT_ASSIGN_OR_RETURN(w.bq, ld.Vector(name(n.bq), c.q_dim(), c.qkv_bias));
  SEXTANT_ASSIGN_OR_RETURN(w.bk, ld.Vector(name(n.bk), c.kv_dim(), c.qkv_bias));
  SEXTANT_ASSIGN_OR_RETURN(w.bv, ld.Vector(name(n.bv), c.kv_dim(), c.qkv_bias));
  if (c.qk_norm) {
    SEXTANT_ASSIGN_OR_RETURN(w.q_norm, ld.Vector(name(n.q_norm), c.head_dim));
    SEXTANT_ASSIGN_OR_RETURN(w.k_norm, ld.Vector(name(n.k_norm), c.head_dim));
  }
  SEXTANT_ASSIGN_OR_RETURN(w.ffn_norm, ld.Vector(name(n.ffn_norm), c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(w.w_gate, ld.Matrix(name(n.gate), c.n_ff, c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(w.w_up, ld.Matrix(name(n.up), c.n_ff, c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(w.w_down, ld.Matrix(name(n.down), c.n_embd, c.n_ff));
  return w;
}

Result<ModelWeights> LoadAll(Loader& ld, const Names& n, const ModelConfig& c) {
  ModelWeights w;
  SEXTANT_ASSIGN_OR_RETURN(w.token_embd, ld.Matrix(n.token_embd, c.n_vocab, c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(w.output_norm, ld.Vector(n.output_norm, c.n_embd));
  SEXTANT_ASSIGN_OR_RETURN(auto output, ld.Find(n.output));
  if (output && !c.tied_embeddings) {
    SEXTANT_ASSIGN_OR_RETURN(w.output, ld.AsMatrix(n.output, *output, c.n_vocab, c.n_embd));
  } else if (c.tied_embeddings) {
    w.output = w.token_embd;
  } else {
    return Status(StatusCode::kNotFound,
                  "model file has no tensor '" + n.output + "' and embeddings are not tied");
  }
  if (!n.rope_freqs.empty()) {
    SEXTANT_ASSIGN_OR_RETURN(w.rope_freq_factors,
                             ld.Vector(n.rope_freqs, c.rope.dim / 2, /*required=*/false));
  }
  w.layers.reserve(static_cast<size_t>(c.n_layer));
  for (int64_t l = 0; l < c.n_layer; ++l) {
    SEXTANT_ASSIGN_OR_RETURN(LayerWeights layer, LoadLayer(ld, n, c, l));
    w.layers.push_back(std::move(layer));
  }
  w.matrix_bytes = ld.matrix_bytes();
  return w;
}

}  // namespace

Result<ModelWeights> LoadWeightsFromGguf(const GgufFile& gguf, const ModelConfig& config) {
  Loader loader([&gguf](const std::string& name) -> Result<std::optional<TensorRef>> {
    const GgufTensorInfo* info = gguf.FindTensor(name);
    if (info == nullptr) return std::optional<TensorRef>();
    if (!info->type) {
      return Status(StatusCode::kUnimplemented, "tensor '" + name + "' has type " +
                                                    info->type_name +
                                                    ", which this build cannot compute");
    }
    TensorRef t{*info->type, {info->shape.rbegin(), info->shape.rend()}, info->data};
    return std::optional<TensorRef>(t);
  });
  return LoadAll(loader, GgufNames(), config);
}

Result<ModelWeights> LoadWeightsFromSafetensors(const SafetensorsModel& model,
                                                const ModelConfig& config) {
  Loader loader([&model](const std::string& name) -> Result<std::optional<TensorRef>> {
    const SafetensorsTensor* t = model.Find(name);
    if (t == nullptr) return std::optional<TensorRef>();
    if (t->dtype_name != "F32" && t->dtype_name != "F16" && t->dtype_name != "BF16") {
      return Status(StatusCode::kUnimplemented, "tensor '" + name + "' has dtype " + t->dtype_name +
                                                    " (F32, F16, BF16 are supported)");
    }
    return std::optional<TensorRef>(TensorRef{t->dtype, t->shape, t->data});
  });
  return LoadAll(loader, HfNames(), config);
}

}  // namespace sextant::llm
