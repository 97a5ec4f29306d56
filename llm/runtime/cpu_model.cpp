#include "llm/runtime/cpu_model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/cpu/ops.h"
#include "kernels/cpu/quant.h"

namespace sextant::llm {

namespace cpu = kernels::cpu;

CpuModel::CpuModel(const ModelConfig& config, const ModelWeights& weights, cpu::ThreadPool* pool,
                   int64_t n_batch)
    : config_(config),
      weights_(weights),
      pool_(pool),
      n_batch_(std::max<int64_t>(1, n_batch)),
      inv_freq_(RopeInverseFrequencies(config.rope, weights.rope_freq_factors)) {
  auto sized = [&](int64_t width) {
    return std::vector<float>(static_cast<size_t>(n_batch_ * width));
  };
  x_ = sized(config.n_embd);
  xn_ = sized(config.n_embd);
  q_ = sized(config.q_dim());
  k_ = sized(config.kv_dim());
  v_ = sized(config.kv_dim());
  attn_ = sized(config.q_dim());
  proj_ = sized(config.n_embd);
  gate_ = sized(config.n_ff);
  up_ = sized(config.n_ff);
}

int64_t CpuModel::ScratchBytes(const ModelConfig& c, int64_t n_batch, int64_t n_ctx) {
  const int64_t per_token = 3 * c.n_embd + 2 * c.q_dim() + 2 * c.kv_dim() + 2 * c.n_ff;
  // Attention scores: one row of n_ctx per worker chunk, bounded by the heads.
  const int64_t scores = c.n_head * n_ctx;
  return (n_batch * per_token + scores + c.n_vocab) * static_cast<int64_t>(sizeof(float));
}

Status CpuModel::Forward(std::span<const int32_t> tokens, KvCache& cache, LogitsMode mode,
                         std::vector<float>* logits) {
  const auto n = static_cast<int64_t>(tokens.size());
  if (n == 0) return Status(StatusCode::kInvalidArgument, "forward: no tokens");
  if (cache.on_device()) {
    return FailedPreconditionError("forward: the CPU pass got a GPU cache (use Model::Forward)");
  }
  if (cache.n_past() + n > cache.n_ctx()) {
    return Status(StatusCode::kOutOfRange,
                  "context full: " + std::to_string(cache.n_past()) + " + " + std::to_string(n) +
                      " tokens exceed the context of " + std::to_string(cache.n_ctx()));
  }
  for (int32_t t : tokens) {
    if (t < 0 || t >= config_.n_vocab) {
      return Status(StatusCode::kInvalidArgument, "forward: token id " + std::to_string(t) +
                                                      " is outside the vocabulary of " +
                                                      std::to_string(config_.n_vocab));
    }
  }
  const int64_t n_vocab = config_.n_vocab;
  logits->assign(static_cast<size_t>(mode == LogitsMode::kAll ? n * n_vocab : n_vocab), 0.0f);
  for (int64_t start = 0; start < n; start += n_batch_) {
    const int64_t count = std::min(n_batch_, n - start);
    RunBatch(tokens.subspan(static_cast<size_t>(start), static_cast<size_t>(count)), cache);
    const bool last_chunk = start + count == n;
    if (mode == LogitsMode::kLast && !last_chunk) continue;
    const int64_t first_row = mode == LogitsMode::kAll ? 0 : count - 1;
    const int64_t rows = count - first_row;
    for (int64_t t = first_row; t < count; ++t) {
      cpu::RmsNorm(&x_[t * config_.n_embd], weights_.output_norm.data(), &xn_[t * config_.n_embd],
                   config_.n_embd, config_.rms_eps);
    }
    float* out = mode == LogitsMode::kAll ? logits->data() + start * n_vocab : logits->data();
    cpu::MatMul(weights_.output, &xn_[first_row * config_.n_embd], rows, out, pool_);
  }
  return Status::Ok();
}

void CpuModel::RunBatch(std::span<const int32_t> tokens, KvCache& cache) {
  const auto n = static_cast<int64_t>(tokens.size());
  const int64_t n_embd = config_.n_embd;
  const cpu::MatrixView& embd = weights_.token_embd;
  for (int64_t t = 0; t < n; ++t) {
    const auto* row = static_cast<const uint8_t*>(embd.data) + tokens[t] * embd.row_bytes;
    cpu::DequantizeRow(embd.type, row, &x_[t * n_embd], n_embd);
  }
  for (int64_t l = 0; l < config_.n_layer; ++l) {
    const LayerWeights& w = weights_.layers[l];
    for (int64_t t = 0; t < n; ++t) {
      cpu::RmsNorm(&x_[t * n_embd], w.attn_norm.data(), &xn_[t * n_embd], n_embd, config_.rms_eps);
    }
    Attention(l, n, cache);
    cpu::MatMul(w.wo, attn_.data(), n, proj_.data(), pool_);
    for (int64_t t = 0; t < n; ++t) cpu::AddInPlace(&x_[t * n_embd], &proj_[t * n_embd], n_embd);
    for (int64_t t = 0; t < n; ++t) {
      cpu::RmsNorm(&x_[t * n_embd], w.ffn_norm.data(), &xn_[t * n_embd], n_embd, config_.rms_eps);
    }
    FeedForward(w, n);
    for (int64_t t = 0; t < n; ++t) cpu::AddInPlace(&x_[t * n_embd], &proj_[t * n_embd], n_embd);
  }
  cache.Advance(n);
}

void CpuModel::Attention(int64_t layer, int64_t n, KvCache& cache) {
  const LayerWeights& w = weights_.layers[layer];
  const ModelConfig& c = config_;
  const int64_t q_dim = c.q_dim();
  const int64_t kv_dim = c.kv_dim();
  const int64_t hd = c.head_dim;
  cpu::MatMul(w.wq, xn_.data(), n, q_.data(), pool_);
  cpu::MatMul(w.wk, xn_.data(), n, k_.data(), pool_);
  cpu::MatMul(w.wv, xn_.data(), n, v_.data(), pool_);
  const int64_t n_past = cache.n_past();
  for (int64_t t = 0; t < n; ++t) {
    float* q = &q_[t * q_dim];
    float* k = &k_[t * kv_dim];
    float* v = &v_[t * kv_dim];
    if (c.qkv_bias) {
      cpu::AddInPlace(q, w.bq.data(), q_dim);
      cpu::AddInPlace(k, w.bk.data(), kv_dim);
      cpu::AddInPlace(v, w.bv.data(), kv_dim);
    }
    if (c.qk_norm) {
      for (int64_t h = 0; h < c.n_head; ++h) {
        cpu::RmsNorm(q + h * hd, w.q_norm.data(), q + h * hd, hd, c.rms_eps);
      }
      for (int64_t h = 0; h < c.n_head_kv; ++h) {
        cpu::RmsNorm(k + h * hd, w.k_norm.data(), k + h * hd, hd, c.rms_eps);
      }
    }
    const int64_t pos = n_past + t;
    cpu::Rope(q, c.n_head, hd, c.rope.dim, pos, inv_freq_.data(), c.rope.layout);
    cpu::Rope(k, c.n_head_kv, hd, c.rope.dim, pos, inv_freq_.data(), c.rope.layout);
    std::copy(k, k + kv_dim, cache.k(layer, pos));
    std::copy(v, v + kv_dim, cache.v(layer, pos));
  }

  // One task per (token, head): causal softmax(q k^T * scale) v.
  const int64_t group = c.n_head / c.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  pool_->ParallelFor(n * c.n_head, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(n_past + n));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t t = task / c.n_head;
      const int64_t h = task % c.n_head;
      const int64_t kvh = h / group;
      const int64_t n_keys = n_past + t + 1;
      const float* q = &q_[t * q_dim + h * hd];
      for (int64_t p = 0; p < n_keys; ++p) {
        scores[p] = cpu::DotF32(q, cache.k(layer, p) + kvh * hd, hd) * scale;
      }
      cpu::Softmax(scores.data(), n_keys);
      float* out = &attn_[t * q_dim + h * hd];
      std::fill(out, out + hd, 0.0f);
      for (int64_t p = 0; p < n_keys; ++p)
        cpu::Axpy(scores[p], cache.v(layer, p) + kvh * hd, out, hd);
    }
  });
}

void CpuModel::FeedForward(const LayerWeights& w, int64_t n) {
  const int64_t n_ff = config_.n_ff;
  cpu::MatMul(w.w_gate, xn_.data(), n, gate_.data(), pool_);
  cpu::MatMul(w.w_up, xn_.data(), n, up_.data(), pool_);
  cpu::SwiGlu(gate_.data(), up_.data(), gate_.data(), n * n_ff);
  cpu::MatMul(w.w_down, gate_.data(), n, proj_.data(), pool_);
}

}  // namespace sextant::llm
