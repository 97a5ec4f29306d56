#include "agent/human_channel.h"

#include <cctype>

namespace sextant::agent {
namespace {

constexpr std::size_t kMaxAnswerBytes = 1 << 20;

std::string Trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.pop_back();
  }
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start])) != 0) {
    ++start;
  }
  return text.substr(start);
}

enum class Reply { kYes, kNo, kEdit, kOther };

Reply Classify(std::string_view answer) {
  if (answer.empty() || answer == "y" || answer == "yes") return Reply::kYes;
  if (answer == "n" || answer == "no" || answer.starts_with("n ") || answer.starts_with("no ")) {
    return Reply::kNo;
  }
  if (answer == "e" || answer == "edit") return Reply::kEdit;
  return Reply::kOther;
}

}  // namespace

Result<std::string> AutoHumanChannel::Ask(const std::string& /*question*/) {
  return std::string(kNoHumanAnswer);
}

Result<ToolDecision> AutoHumanChannel::ConfirmToolCall(const std::string& /*name*/,
                                                       const Json& /*arguments*/) {
  return ToolDecision{};
}

Result<PlanDecision> AutoHumanChannel::ReviewPlan(const Json& /*plan*/,
                                                  const std::string& /*rendered*/) {
  return PlanDecision{};
}

TerminalHumanChannel::TerminalHumanChannel(std::FILE* in, std::FILE* out, int max_attempts)
    : in_(in), out_(out), max_attempts_(max_attempts < 1 ? 1 : max_attempts) {}

Result<std::string> TerminalHumanChannel::ReadLine() {
  std::fflush(out_);
  std::string line;
  int c = 0;
  while ((c = std::fgetc(in_)) != EOF && c != '\n') {
    if (line.size() >= kMaxAnswerBytes) {
      return Status(StatusCode::kResourceExhausted, "the answer is over 1 MiB");
    }
    line.push_back(static_cast<char>(c));
  }
  if (c == EOF && line.empty()) {
    return Status(StatusCode::kUnavailable, "no person is answering (end of input)");
  }
  return Trim(std::move(line));
}

Result<std::string> TerminalHumanChannel::Ask(const std::string& question) {
  std::fprintf(out_, "\n? The agent asks: %s\n> ", question.c_str());
  return ReadLine();
}

Result<ToolDecision> TerminalHumanChannel::ConfirmToolCall(const std::string& name,
                                                           const Json& arguments) {
  std::fprintf(out_, "\n? Run %s %s\n", name.c_str(), DumpJson(arguments).c_str());
  for (int attempt = 0; attempt < max_attempts_; ++attempt) {
    std::fprintf(out_, "  [y]es / [n]o [reason] / [e]dit > ");
    SEXTANT_ASSIGN_OR_RETURN(std::string answer, ReadLine());
    const Reply reply = Classify(answer);
    if (reply == Reply::kYes) return ToolDecision{};
    if (reply == Reply::kNo) {
      ToolDecision decision;
      decision.kind = ToolDecisionKind::kReject;
      const std::size_t space = answer.find(' ');
      decision.reason = space == std::string::npos ? "" : Trim(answer.substr(space + 1));
      return decision;
    }
    if (reply == Reply::kEdit) {
      std::fprintf(out_, "  new arguments (one line of JSON) > ");
      SEXTANT_ASSIGN_OR_RETURN(std::string text, ReadLine());
      Result<Json> edited = ParseJson(text);
      if (edited.ok() && edited->is_object()) {
        ToolDecision decision;
        decision.kind = ToolDecisionKind::kEdit;
        decision.arguments = std::move(*edited);
        return decision;
      }
      std::fprintf(out_, "  not a JSON object: %s\n",
                   edited.ok() ? "another JSON type" : edited.status().message().c_str());
      continue;
    }
    std::fprintf(out_, "  answer y, n [reason] or e\n");
  }
  return Status(StatusCode::kUnavailable,
                "no valid answer after " + std::to_string(max_attempts_) + " attempts");
}

Result<PlanDecision> TerminalHumanChannel::ReviewPlan(const Json& /*plan*/,
                                                      const std::string& rendered) {
  std::fprintf(out_, "\nPlan:\n%s\n", rendered.c_str());
  for (int attempt = 0; attempt < max_attempts_; ++attempt) {
    std::fprintf(out_, "? Approve the plan: [y]es / [e]dit > ");
    SEXTANT_ASSIGN_OR_RETURN(std::string answer, ReadLine());
    const Reply reply = Classify(answer);
    if (reply == Reply::kYes) return PlanDecision{};
    if (reply == Reply::kEdit) {
      std::fprintf(out_, "  the plan as one line of JSON > ");
      SEXTANT_ASSIGN_OR_RETURN(std::string text, ReadLine());
      Result<Json> edited = ParseJson(text);
      if (edited.ok() && edited->is_object()) {
        PlanDecision decision;
        decision.kind = PlanDecisionKind::kEdit;
        decision.plan = std::move(*edited);
        return decision;
      }
      std::fprintf(out_, "  not a JSON object: %s\n",
                   edited.ok() ? "another JSON type" : edited.status().message().c_str());
      continue;
    }
    std::fprintf(out_, "  answer y or e\n");
  }
  return Status(StatusCode::kUnavailable,
                "no valid answer after " + std::to_string(max_attempts_) + " attempts");
}

}  // namespace sextant::agent
