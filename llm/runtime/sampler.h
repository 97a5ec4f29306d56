// Token sampling from logits, in llama.cpp's default order: penalties over
// recent history, then top-k, top-p, min-p, temperature, softmax and a seeded
// draw. A temperature <= 0 means greedy (argmax after penalties; ties go to the
// lowest id).
//
// Thread safety: a Sampler holds its random state; use one per sequence.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "common/status.h"

namespace sextant::llm {

struct SamplingParams {
  float temperature = 0.8f;     // <= 0: greedy
  int32_t top_k = 40;           // 0: off
  float top_p = 0.95f;          // (0, 1]; 1: off
  float min_p = 0.05f;          // [0, 1]; 0: off
  float repeat_penalty = 1.0f;  // > 0; 1: off
  float presence_penalty = 0;   // [-2, 2], OpenAI semantics
  float frequency_penalty = 0;  // [-2, 2], OpenAI semantics
  int32_t penalty_last_n = 64;  // history tokens the penalties look at; -1: all; 0: off
  uint64_t seed = 0;
};

// invalid_argument naming the first field out of range (non-finite floats too).
Status ValidateSamplingParams(const SamplingParams& params);

// A token the filters kept, with the probability the draw gave it.
struct TokenProb {
  int32_t id;
  float prob;
};

class Sampler {
 public:
  // `params` should have passed ValidateSamplingParams; out-of-range values
  // are clamped to the nearest meaningful setting.
  explicit Sampler(SamplingParams params);

  // Picks the next token id. `logits` (vocab_size,) must be non-empty; it is
  // used as scratch and holds the penalized logits afterwards. `history` is
  // the sequence so far (prompt and completion); ids outside the vocabulary
  // are ignored. NaN logits are never picked unless all are NaN.
  int32_t Sample(std::span<float> logits, std::span<const int32_t> history);

  // Restarts the random sequence from the seed.
  void Reset();

  // The tokens the last Sample call chose from, with their probabilities
  // (summing to 1), in no particular order. After a greedy Sample: the chosen
  // token alone, with probability 1.
  const std::vector<TokenProb>& last_candidates() const { return last_; }

  const SamplingParams& params() const { return params_; }

 private:
  struct Candidate {
    float logit;
    int32_t id;
  };

  void ApplyPenalties(std::span<float> logits, std::span<const int32_t> history);
  // Fills candidates_ from the non-NaN logits, keeping only the top k (sorted)
  // when top-k is on.
  void GatherCandidates(std::span<const float> logits);
  void KeepTopP();
  void KeepMinP();
  int32_t Draw();

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<Candidate> candidates_;                // (n_candidates,) the surviving tokens
  bool sorted_ = false;                              // candidates_ sorted by logit, descending
  std::vector<std::pair<int32_t, int32_t>> counts_;  // (token, count) scratch
  std::vector<double> probs_;                        // (n_candidates,) scratch
  std::vector<double> bucket_mass_;                  // (n_buckets,) top-p scratch
  std::vector<TokenProb> last_;                      // (n_candidates,) of the last Sample
};

}  // namespace sextant::llm
