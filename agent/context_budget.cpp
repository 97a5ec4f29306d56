#include "agent/context_budget.h"

#include <cmath>
#include <limits>
#include <string>

namespace sextant::agent {
namespace {

constexpr std::size_t kMessageOverheadBytes = 16;

std::size_t MessageBytes(const llm::Message& message) {
  std::size_t bytes = kMessageOverheadBytes + message.content.size();
  for (const llm::ToolCall& call : message.tool_calls) {
    bytes += call.name.size() + DumpJson(call.arguments).size() + kMessageOverheadBytes;
  }
  return bytes;
}

std::size_t TotalBytes(const std::vector<llm::Message>& messages, const std::vector<Json>& tools) {
  std::size_t bytes = 0;
  for (const llm::Message& message : messages) bytes += MessageBytes(message);
  for (const Json& tool : tools) bytes += DumpJson(tool).size();
  return bytes;
}

std::int64_t Tokens(std::size_t bytes, double bytes_per_token) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(bytes) / bytes_per_token));
}

// Cuts the content of tool (observation) messages in [begin, end) down to
// `keep` bytes, oldest first, until the estimate fits. Returns how many were cut.
std::size_t CutObservations(std::vector<llm::Message>& messages, std::size_t begin, std::size_t end,
                            std::size_t keep, const std::vector<Json>& tools, std::int64_t limit,
                            double bytes_per_token) {
  std::size_t cut = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (Tokens(TotalBytes(messages, tools), bytes_per_token) <= limit) break;
    llm::Message& message = messages[i];
    if (message.role == llm::Role::kAssistant) continue;
    if (message.content.size() <= keep + 64) continue;
    const std::size_t removed = message.content.size() - keep;
    std::size_t cut_at = keep;
    while (cut_at > 0 && (static_cast<unsigned char>(message.content[cut_at]) & 0xC0U) == 0x80U) {
      --cut_at;
    }
    message.content.resize(cut_at);
    message.content += "\n[... " + std::to_string(removed) + " bytes cut to fit the context]";
    ++cut;
  }
  return cut;
}

llm::Message Note(std::size_t dropped) {
  llm::Message note;
  note.role = llm::Role::kUser;
  note.content = "[" + std::to_string(dropped) +
                 " earlier messages of this subtask were left out to fit the context]";
  return note;
}

}  // namespace

std::int64_t EstimateTokens(const std::vector<llm::Message>& messages,
                            const std::vector<Json>& tools, double bytes_per_token) {
  return Tokens(TotalBytes(messages, tools), bytes_per_token);
}

double ObservedBytesPerToken(const std::vector<llm::Message>& messages,
                             const std::vector<Json>& tools, std::int64_t prompt_tokens) {
  if (prompt_tokens <= 0) return 0;
  return static_cast<double>(TotalBytes(messages, tools)) / static_cast<double>(prompt_tokens);
}

Result<FitReport> FitContext(std::vector<llm::Message>& messages, const std::vector<Json>& tools,
                             std::size_t pinned, const ContextBudget& budget) {
  FitReport report;
  const std::int64_t limit = budget.context_tokens - budget.reserve_tokens;
  const double bpt = budget.bytes_per_token > 0 ? budget.bytes_per_token : 1.0;
  pinned = std::min(pinned, messages.size());
  auto estimate = [&] { return Tokens(TotalBytes(messages, tools), bpt); };
  if (estimate() <= limit) {
    report.estimated_tokens = estimate();
    return report;
  }
  // 1. Cut old observations, leaving the newest `keep_recent` messages whole.
  const std::size_t recent_begin =
      messages.size() > pinned + budget.keep_recent ? messages.size() - budget.keep_recent : pinned;
  report.observations_cut += CutObservations(messages, pinned, recent_begin,
                                             budget.trimmed_observation_bytes, tools, limit, bpt);
  // 2. Drop the oldest steps after the pinned head; a step is an assistant
  // message and the tool or user messages that answer it. A note, sized
  // for the largest count first, says how many messages were left out.
  if (estimate() > limit && messages.size() > pinned + 2) {
    messages.insert(messages.begin() + static_cast<std::ptrdiff_t>(pinned),
                    Note(std::numeric_limits<std::size_t>::max()));
    const std::size_t first = pinned + 1;
    std::size_t dropped = 0;
    while (estimate() > limit && messages.size() > first + 2) {
      std::size_t end = first + 1;
      while (end < messages.size() && messages[end].role != llm::Role::kAssistant) ++end;
      if (end >= messages.size() - 1) break;  // keep the newest step
      dropped += end - first;
      messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(first),
                     messages.begin() + static_cast<std::ptrdiff_t>(end));
    }
    if (dropped == 0) {
      messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(pinned));
    } else {
      messages[pinned] = Note(dropped);
    }
    report.messages_dropped = dropped;
  }
  // 3. Cut every observation that is not pinned, the newest too.
  report.observations_cut += CutObservations(messages, pinned, messages.size(),
                                             budget.trimmed_observation_bytes, tools, limit, bpt);
  report.estimated_tokens = estimate();
  if (report.estimated_tokens > limit) {
    return Status(StatusCode::kResourceExhausted,
                  "the prompt needs about " + std::to_string(report.estimated_tokens) +
                      " tokens even after trimming, but the model's context leaves " +
                      std::to_string(limit) + " (context " + std::to_string(budget.context_tokens) +
                      " minus " + std::to_string(budget.reserve_tokens) + " for the reply)");
  }
  return report;
}

}  // namespace sextant::agent
