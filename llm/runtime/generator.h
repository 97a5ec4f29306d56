// Text generation on a loaded model: prefill, then sample token by token
// with stop tokens, stop strings and a token budget. A Session keeps its KV
// cache between calls and reuses the longest common prefix of the previous
// tokens, so a multi-turn chat only prefills what is new.
//
// Thread safety: one Generate at a time per Session, and one Session
// running at a time per Model (the forward pass is not reentrant).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "llm/chat_model.h"
#include "llm/runtime/model.h"
#include "llm/runtime/sampler.h"

namespace sextant::llm {

struct GenerateOptions {
  int64_t max_tokens = 256;
  SamplingParams sampling;
  std::vector<std::string> stop;     // stop strings; the match is not returned
  bool stop_at_end_tokens = true;    // the tokenizer's end_ids() stop generation
  std::vector<int32_t> stop_tokens;  // more token ids that stop generation
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // every sampled token, including a final stop token
  std::string text;             // the emitted text
  FinishReason finish = FinishReason::kStop;
  int64_t prompt_tokens = 0;
  int64_t reused_tokens = 0;  // prompt tokens served from the cache
  double prompt_seconds = 0;
  double generation_seconds = 0;
};

// Called for each sampled token with the text it completed (possibly
// empty, never part of a UTF-8 character); return false to cancel.
using TokenSink = std::function<bool(int32_t id, std::string_view text)>;

class Session {
 public:
  explicit Session(Model& model);

  // out_of_range when the prompt alone fills the context; invalid_argument
  // for an empty prompt or bad sampling parameters. Reaching the context
  // end while generating finishes with kLength.
  Result<GenerateResult> Generate(std::span<const int32_t> prompt, const GenerateOptions& options,
                                  const TokenSink& sink = {});

  // Forgets the cached tokens.
  void Reset();
  const std::vector<int32_t>& tokens() const { return tokens_; }

 private:
  Status Prefill(std::span<const int32_t> prompt, GenerateResult& result);

  Model& model_;
  std::unique_ptr<KvCache> cache_;
  std::vector<int32_t> tokens_;  // what the cache holds
  std::vector<float> logits_;    // (n_vocab) after the last forward
};

}  // namespace sextant::llm
