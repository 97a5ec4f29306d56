#include "llm/runtime/sampler.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

namespace sextant::llm {
namespace {

constexpr float kMaxOpenAiPenalty = 2.0f;
// Logit buckets top-p uses to avoid sorting the whole vocabulary.
constexpr size_t kTopPBuckets = 1024;
// 53 random bits make a double in [0, 1).
constexpr int kDoubleMantissaBits = 53;
constexpr int kUint64Bits = 64;

bool Finite(float v) { return std::isfinite(v); }

Status Field(const char* name, const std::string& rule, double value) {
  return InvalidArgumentError(std::string("sampling ") + name + " must be " + rule + "; got " +
                              std::to_string(value));
}

template <typename C>
bool Before(const C& a, const C& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

}  // namespace

Status ValidateSamplingParams(const SamplingParams& p) {
  if (!Finite(p.temperature)) return Field("temperature", "finite", p.temperature);
  if (p.top_k < 0) return Field("top_k", ">= 0 (0 turns it off)", p.top_k);
  if (!Finite(p.top_p) || p.top_p <= 0 || p.top_p > 1) return Field("top_p", "in (0, 1]", p.top_p);
  if (!Finite(p.min_p) || p.min_p < 0 || p.min_p > 1) return Field("min_p", "in [0, 1]", p.min_p);
  if (!Finite(p.repeat_penalty) || p.repeat_penalty <= 0) {
    return Field("repeat_penalty", "> 0", p.repeat_penalty);
  }
  if (!Finite(p.presence_penalty) || std::fabs(p.presence_penalty) > kMaxOpenAiPenalty) {
    return Field("presence_penalty", "in [-2, 2]", p.presence_penalty);
  }
  if (!Finite(p.frequency_penalty) || std::fabs(p.frequency_penalty) > kMaxOpenAiPenalty) {
    return Field("frequency_penalty", "in [-2, 2]", p.frequency_penalty);
  }
  if (p.penalty_last_n < -1) return Field("penalty_last_n", ">= -1", p.penalty_last_n);
  return Status::Ok();
}

Sampler::Sampler(SamplingParams params) : params_(params), rng_(params.seed) {
  const SamplingParams defaults;
  if (!Finite(params_.temperature)) params_.temperature = defaults.temperature;
  params_.top_k = std::max(params_.top_k, 0);
  if (!Finite(params_.top_p) || params_.top_p > 1) params_.top_p = 1;
  if (params_.top_p <= 0) params_.top_p = std::numeric_limits<float>::min();
  if (!Finite(params_.min_p)) params_.min_p = 0;
  params_.min_p = std::clamp(params_.min_p, 0.0f, 1.0f);
  if (!Finite(params_.repeat_penalty) || params_.repeat_penalty <= 0) params_.repeat_penalty = 1;
  if (!Finite(params_.presence_penalty)) params_.presence_penalty = 0;
  if (!Finite(params_.frequency_penalty)) params_.frequency_penalty = 0;
  params_.penalty_last_n = std::max(params_.penalty_last_n, -1);
}

void Sampler::Reset() { rng_.seed(params_.seed); }

int32_t Sampler::Sample(std::span<float> logits, std::span<const int32_t> history) {
  assert(!logits.empty());
  if (logits.empty()) return 0;
  ApplyPenalties(logits, history);

  if (params_.temperature <= 0) {
    int32_t best = -1;
    for (size_t i = 0; i < logits.size(); ++i) {
      if (std::isnan(logits[i])) continue;
      if (best < 0 || logits[i] > logits[static_cast<size_t>(best)]) best = static_cast<int32_t>(i);
    }
    best = std::max(best, 0);
    last_.assign(1, TokenProb{best, 1.0f});
    return best;
  }

  GatherCandidates(logits);
  if (candidates_.empty()) {
    last_.assign(1, TokenProb{0, 1.0f});
    return 0;
  }
  KeepTopP();
  KeepMinP();
  return Draw();
}

void Sampler::ApplyPenalties(std::span<float> logits, std::span<const int32_t> history) {
  const bool active = params_.repeat_penalty != 1 || params_.presence_penalty != 0 ||
                      params_.frequency_penalty != 0;
  if (!active || params_.penalty_last_n == 0 || history.empty()) return;
  size_t n = history.size();
  if (params_.penalty_last_n > 0) n = std::min(n, static_cast<size_t>(params_.penalty_last_n));
  counts_.clear();
  for (int32_t id : history.subspan(history.size() - n)) {
    if (id >= 0 && static_cast<size_t>(id) < logits.size()) counts_.emplace_back(id, 1);
  }
  std::sort(counts_.begin(), counts_.end());
  for (size_t i = 0; i < counts_.size();) {
    size_t j = i;
    while (j < counts_.size() && counts_[j].first == counts_[i].first) ++j;
    const auto count = static_cast<float>(j - i);
    float& logit = logits[static_cast<size_t>(counts_[i].first)];
    if (logit <= 0) {
      logit *= params_.repeat_penalty;
    } else {
      logit /= params_.repeat_penalty;
    }
    logit -= count * params_.frequency_penalty + params_.presence_penalty;
    i = j;
  }
}

void Sampler::GatherCandidates(std::span<const float> logits) {
  const auto cmp = [](const Candidate& a, const Candidate& b) { return Before(a, b); };
  const auto k = static_cast<size_t>(params_.top_k);
  candidates_.clear();
  if (k == 0 || k >= logits.size()) {
    candidates_.reserve(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) {
      if (!std::isnan(logits[i])) candidates_.push_back({logits[i], static_cast<int32_t>(i)});
    }
    sorted_ = false;
    return;
  }
  // Top-k in one pass: a heap of the k best so far, its worst at the front.
  candidates_.reserve(k);
  for (size_t i = 0; i < logits.size(); ++i) {
    const Candidate c{logits[i], static_cast<int32_t>(i)};
    if (std::isnan(c.logit)) continue;
    if (candidates_.size() < k) {
      candidates_.push_back(c);
      std::push_heap(candidates_.begin(), candidates_.end(), cmp);
    } else if (Before(c, candidates_.front())) {
      std::pop_heap(candidates_.begin(), candidates_.end(), cmp);
      candidates_.back() = c;
      std::push_heap(candidates_.begin(), candidates_.end(), cmp);
    }
  }
  std::sort_heap(candidates_.begin(), candidates_.end(), cmp);
  sorted_ = true;
}

void Sampler::KeepTopP() {
  if (params_.top_p >= 1 || candidates_.size() <= 1) return;
  const auto cmp = [](const Candidate& a, const Candidate& b) { return Before(a, b); };
  float max_logit = -std::numeric_limits<float>::infinity();
  float min_logit = std::numeric_limits<float>::infinity();
  for (const Candidate& c : candidates_) {
    max_logit = std::max(max_logit, c.logit);
    if (std::isfinite(c.logit)) min_logit = std::min(min_logit, c.logit);
  }
  if (!std::isfinite(max_logit)) return;  // no mass anywhere (or +inf): nothing to cut by

  double total = 0;
  if (!sorted_) {
    // Bucket the candidates by logit, find the bucket where the kept mass
    // reaches top_p, and sort only the candidates at or above it.
    const float range = max_logit - min_logit;
    const float scale = range > 0 ? static_cast<float>(kTopPBuckets - 1) / range : 0.0f;
    const auto bucket_of = [&](float logit) {
      const float f = (max_logit - logit) * scale;
      return f < static_cast<float>(kTopPBuckets - 1) ? static_cast<size_t>(f) : kTopPBuckets - 1;
    };
    bucket_mass_.assign(kTopPBuckets, 0.0);
    for (const Candidate& c : candidates_) {
      const double w = std::exp(static_cast<double>(c.logit - max_logit));
      bucket_mass_[bucket_of(c.logit)] += w;
      total += w;
    }
    const double target = static_cast<double>(params_.top_p) * total;
    size_t last_bucket = kTopPBuckets - 1;
    double cum = 0;
    for (size_t b = 0; b < kTopPBuckets; ++b) {
      cum += bucket_mass_[b];
      if (cum >= target) {
        last_bucket = b;
        break;
      }
    }
    const auto kept =
        std::partition(candidates_.begin(), candidates_.end(),
                       [&](const Candidate& c) { return bucket_of(c.logit) <= last_bucket; });
    candidates_.erase(kept, candidates_.end());
    std::sort(candidates_.begin(), candidates_.end(), cmp);
    sorted_ = true;
  } else {
    for (const Candidate& c : candidates_)
      total += std::exp(static_cast<double>(c.logit - max_logit));
  }

  const double target = static_cast<double>(params_.top_p) * total;
  double cum = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    cum += std::exp(static_cast<double>(candidates_[i].logit - max_logit));
    if (cum >= target) {
      candidates_.resize(i + 1);
      return;
    }
  }
  // Rounding left the kept mass just short of the target: keep them all.
}

void Sampler::KeepMinP() {
  if (params_.min_p <= 0 || candidates_.size() <= 1) return;
  float max_logit = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : candidates_) max_logit = std::max(max_logit, c.logit);
  const float threshold = max_logit + std::log(params_.min_p);
  std::erase_if(candidates_, [threshold](const Candidate& c) { return c.logit < threshold; });
}

int32_t Sampler::Draw() {
  float max_logit = -std::numeric_limits<float>::infinity();
  for (const Candidate& c : candidates_) max_logit = std::max(max_logit, c.logit);
  if (std::isinf(max_logit) && max_logit < 0) {
    const int32_t id =
        std::min_element(candidates_.begin(), candidates_.end(),
                         [](const Candidate& a, const Candidate& b) { return a.id < b.id; })
            ->id;
    last_.assign(1, TokenProb{id, 1.0f});
    return id;
  }
  const double inv_temp = 1.0 / static_cast<double>(params_.temperature);
  probs_.resize(candidates_.size());
  double total = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    probs_[i] = std::exp(static_cast<double>(candidates_[i].logit - max_logit) * inv_temp);
    total += probs_[i];
  }
  last_.resize(candidates_.size());
  for (size_t i = 0; i < candidates_.size(); ++i) {
    last_[i] = TokenProb{candidates_[i].id, static_cast<float>(probs_[i] / total)};
  }
  const double u = static_cast<double>(rng_() >> (kUint64Bits - kDoubleMantissaBits)) /
                   static_cast<double>(uint64_t{1} << kDoubleMantissaBits);
  const double target = u * total;
  double cum = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    cum += probs_[i];
    if (target < cum) return candidates_[i].id;
  }
  // Rounding: the draw fell on the very end; take the last token with mass.
  for (size_t i = candidates_.size(); i-- > 0;) {
    if (probs_[i] > 0) return candidates_[i].id;
  }
  return candidates_.front().id;
}

}  // namespace sextant::llm
