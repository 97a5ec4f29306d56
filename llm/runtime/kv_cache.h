// The key/value cache of one sequence: float32 arrays for the CPU forward
// pass, or, for the GPU, a lease on one of the device cache's slots (the
// keys and values then live on the device and only the length lives here).
// Thread safety: none; owned by one generation at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "llm/runtime/model_config.h"

namespace sextant::llm {

class KvCache {
 public:
  // Room for n_ctx positions of every layer.
  KvCache(const ModelConfig& config, int64_t n_ctx)
      : n_layer_(config.n_layer),
        kv_dim_(config.kv_dim()),
        n_ctx_(n_ctx),
        k_(static_cast<size_t>(n_layer_ * n_ctx_ * kv_dim_)),
        v_(k_.size()) {}

  // A device cache: slot `slot` of the GPU cache (-1: none was free), handed
  // back through `release` on destruction.
  KvCache(int64_t n_ctx, int64_t slot, std::function<void(int64_t)> release)
      : n_layer_(0), kv_dim_(0), n_ctx_(n_ctx), slot_(slot), release_(std::move(release)) {}
  ~KvCache() {
    if (release_ && slot_ >= 0) release_(slot_);
  }
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  bool on_device() const { return static_cast<bool>(release_); }
  int64_t slot() const { return slot_; }

  static int64_t Bytes(const ModelConfig& config, int64_t n_ctx) {
    return 2 * config.n_layer * n_ctx * config.kv_dim() * static_cast<int64_t>(sizeof(float));
  }

  int64_t n_ctx() const { return n_ctx_; }
  int64_t n_past() const { return n_past_; }
  // Positions [0, n) stay; later ones are forgotten (prefix reuse).
  void Truncate(int64_t n) { n_past_ = n < n_past_ ? n : n_past_; }
  void Advance(int64_t n) { n_past_ += n; }

  float* k(int64_t layer, int64_t pos) { return &k_[Index(layer, pos)]; }  // (kv_dim)
  float* v(int64_t layer, int64_t pos) { return &v_[Index(layer, pos)]; }  // (kv_dim)

 private:
  size_t Index(int64_t layer, int64_t pos) const {
    return static_cast<size_t>((layer * n_ctx_ + pos) * kv_dim_);
  }

  int64_t n_layer_;
  int64_t kv_dim_;
  int64_t n_ctx_;
  int64_t n_past_ = 0;
  int64_t slot_ = -1;
  std::function<void(int64_t)> release_;
  std::vector<float> k_;  // (n_layer, n_ctx, kv_dim)
  std::vector<float> v_;  // (n_layer, n_ctx, kv_dim)
};

}  // namespace sextant::llm
