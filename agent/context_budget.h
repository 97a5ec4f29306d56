// Keeps a conversation inside the model's context window. Tokens are
// estimated from bytes (calibrated by the backend's reported prompt_tokens),
// and when the estimate is over the budget, old observations are cut down,
// then old steps are dropped, never the pinned head (the system prompt, the
// plan and the current subtask).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "llm/chat_model.h"

namespace sextant::agent {

struct ContextBudget {
  std::int64_t context_tokens = 8192;  // the model's window
  std::int64_t reserve_tokens = 1024;  // kept free for the reply
  double bytes_per_token = 3.0;        // estimate; lower is more cautious
  std::size_t keep_recent = 4;         // newest messages left whole while older ones are cut
  std::size_t trimmed_observation_bytes = 400;  // what is left of a cut observation
};

// The estimated prompt tokens of `messages` plus `tools`.
std::int64_t EstimateTokens(const std::vector<llm::Message>& messages,
                            const std::vector<Json>& tools, double bytes_per_token);

struct FitReport {
  std::int64_t estimated_tokens = 0;  // after fitting
  std::size_t observations_cut = 0;
  std::size_t messages_dropped = 0;
};

// Fits `messages` (the first `pinned` of which are never changed) and `tools`
// into the budget, in place. An assistant message with tool calls is dropped
// together with its tool results, and a note says how many steps were left
// out. resource_exhausted when even the pinned messages and the tools alone
// do not fit.
Result<FitReport> FitContext(std::vector<llm::Message>& messages, const std::vector<Json>& tools,
                             std::size_t pinned, const ContextBudget& budget);

// Observed bytes per token from a call: the estimate's bytes over the
// backend's prompt_tokens. 0 when unknown.
double ObservedBytesPerToken(const std::vector<llm::Message>& messages,
                             const std::vector<Json>& tools, std::int64_t prompt_tokens);

}  // namespace sextant::agent
