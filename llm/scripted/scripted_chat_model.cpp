#include "llm/scripted/scripted_chat_model.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace sextant::llm {
namespace {

constexpr std::int64_t kDefaultContextLength = 8192;
constexpr std::int64_t kBytesPerToken = 4;
constexpr std::size_t kTokenPieces = 3;
constexpr std::size_t kMaxQuotedBytes = 200;
constexpr std::size_t kMaxFileBytes = std::size_t{64} << 20;

struct ScriptedResponse {
  std::string text;
  std::vector<ToolCall> tool_calls;
  FinishReason finish = FinishReason::kStop;
  std::optional<Usage> usage;
  std::optional<std::string> expect;
};

Status Bad(const std::string& where, const std::string& what) {
  return InvalidArgumentError(where + ": " + what);
}

Status CheckMembers(const Json& object, const std::string& where,
                    std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Bad(where, "unknown member \"" + key + "\"");
    }
  }
  return Status::Ok();
}

Result<ToolCall> ParseToolCall(const Json& json, const std::string& where) {
  if (!json.is_object()) return Bad(where, "must be an object");
  SEXTANT_RETURN_IF_ERROR(CheckMembers(json, where, {"name", "arguments", "id"}));
  ToolCall call;
  const auto name = json.find("name");
  if (name == json.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    return Bad(where + ".name", "must be a non-empty string");
  }
  call.name = name->get<std::string>();
  if (const auto args = json.find("arguments"); args != json.end()) {
    if (!args->is_object()) return Bad(where + ".arguments", "must be a JSON object");
    call.arguments = *args;
  }
  if (const auto id = json.find("id"); id != json.end()) {
    if (!id->is_string()) return Bad(where + ".id", "must be a string");
    call.id = id->get<std::string>();
  }
  return call;
}

Result<Usage> ParseUsage(const Json& json, const std::string& where) {
  if (!json.is_object()) return Bad(where, "must be an object");
  SEXTANT_RETURN_IF_ERROR(CheckMembers(json, where, {"prompt_tokens", "completion_tokens"}));
  Usage usage;
  for (const auto& [key, out] :
       {std::pair<std::string_view, std::int64_t*>{"prompt_tokens", &usage.prompt_tokens},
        {"completion_tokens", &usage.completion_tokens}}) {
    const auto it = json.find(key);
    if (it == json.end()) continue;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
      return Bad(where + "." + std::string(key), "must be a non-negative integer");
    }
    *out = it->get<std::int64_t>();
  }
  return usage;
}

Result<ScriptedResponse> ParseResponse(const Json& json, std::size_t index) {
  const std::string where = "responses[" + std::to_string(index) + "]";
  if (!json.is_object()) return Bad(where, "must be an object");
  SEXTANT_RETURN_IF_ERROR(
      CheckMembers(json, where, {"text", "tool_calls", "finish", "usage", "expect"}));
  ScriptedResponse r;
  if (const auto text = json.find("text"); text != json.end()) {
    if (!text->is_string()) return Bad(where + ".text", "must be a string");
    r.text = text->get<std::string>();
  }
  if (const auto calls = json.find("tool_calls"); calls != json.end()) {
    if (!calls->is_array()) return Bad(where + ".tool_calls", "must be an array");
    for (std::size_t i = 0; i < calls->size(); ++i) {
      SEXTANT_ASSIGN_OR_RETURN(
          ToolCall call,
          ParseToolCall((*calls)[i], where + ".tool_calls[" + std::to_string(i) + "]"));
      if (call.id.empty()) call.id = "call_" + std::to_string(index) + "_" + std::to_string(i);
      r.tool_calls.push_back(std::move(call));
    }
  }
  r.finish = r.tool_calls.empty() ? FinishReason::kStop : FinishReason::kToolCalls;
  if (const auto finish = json.find("finish"); finish != json.end()) {
    if (!finish->is_string()) return Bad(where + ".finish", "must be a string");
    Result<FinishReason> parsed = ParseFinishReason(finish->get<std::string>());
    if (!parsed.ok()) return Bad(where + ".finish", parsed.status().message());
    r.finish = *parsed;
  }
  if (const auto usage = json.find("usage"); usage != json.end()) {
    SEXTANT_ASSIGN_OR_RETURN(r.usage, ParseUsage(*usage, where + ".usage"));
  }
  if (const auto expect = json.find("expect"); expect != json.end()) {
    if (!expect->is_string()) return Bad(where + ".expect", "must be a string");
    r.expect = expect->get<std::string>();
  }
  return r;
}

std::string Quote(std::string_view text) {
  std::string out = "\"" + std::string(text.substr(0, kMaxQuotedBytes)) + "\"";
  if (text.size() > kMaxQuotedBytes) out += "...";
  return out;
}

// Splits `text` into about kTokenPieces pieces, never inside a UTF-8 character.
std::vector<std::string_view> Pieces(std::string_view text) {
  std::vector<std::string_view> pieces;
  const std::size_t target =
      std::max<std::size_t>(1, (text.size() + kTokenPieces - 1) / kTokenPieces);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.size(), start + target);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

std::int64_t EstimatePromptTokens(const std::vector<Message>& messages) {
  std::size_t bytes = 0;
  for (const Message& m : messages) {
    bytes += m.content.size();
    for (const ToolCall& call : m.tool_calls)
      bytes += call.name.size() + DumpJson(call.arguments).size();
  }
  return static_cast<std::int64_t>(bytes) / kBytesPerToken;
}

// Like a real backend, a prompt (with its tool descriptions) that leaves no
// room for max_tokens in the context is refused.
Status CheckFits(const std::vector<Message>& messages, const std::vector<Json>& tools,
                 const ChatOptions& options, std::int64_t context_length) {
  std::int64_t tokens = EstimatePromptTokens(messages);
  for (const Json& tool : tools) {
    tokens += static_cast<std::int64_t>(DumpJson(tool).size()) / kBytesPerToken;
  }
  if (tokens + options.max_tokens <= context_length) return Status();
  return Status(StatusCode::kResourceExhausted,
                "scripted: a prompt of about " + std::to_string(tokens) + " tokens plus " +
                    std::to_string(options.max_tokens) + " to generate exceeds the context of " +
                    std::to_string(context_length));
}

class ScriptedChatModel final : public ChatModel {
 public:
  ScriptedChatModel(std::vector<ScriptedResponse> responses, std::int64_t context_length,
                    std::string source, std::size_t next)
      : responses_(std::move(responses)),
        context_length_(context_length),
        source_(std::move(source)),
        next_(next) {}

  Result<ChatResult> Chat(const std::vector<Message>& messages, const std::vector<Json>& tools,
                          const ChatOptions& options, const TokenCallback& on_token) override {
    SEXTANT_RETURN_IF_ERROR(ValidateChatOptions(options));
    SEXTANT_RETURN_IF_ERROR(CheckToolSpecs(tools));
    std::size_t index = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (next_ >= responses_.size()) {
        return FailedPreconditionError("scripted transcript exhausted after " +
                                       std::to_string(responses_.size()) + " responses");
      }
      index = next_;
      SEXTANT_RETURN_IF_ERROR(CheckFits(messages, tools, options, context_length_));
      SEXTANT_RETURN_IF_ERROR(CheckExpect(responses_[index], index, messages));
      ++next_;
    }
    const ScriptedResponse& r = responses_[index];
    ChatResult result;
    result.finish = r.finish;
    if (r.usage) {
      result.usage = *r.usage;
    } else {
      result.usage.prompt_tokens = EstimatePromptTokens(messages);
      result.usage.completion_tokens =
          r.text.empty() ? 0
                         : std::max<std::int64_t>(
                               1, static_cast<std::int64_t>(r.text.size()) / kBytesPerToken);
    }
    for (std::string_view piece : Pieces(r.text)) {
      result.text += piece;
      if (on_token && !on_token(piece)) {
        result.finish = FinishReason::kCancelled;
        return result;
      }
    }
    result.tool_calls = r.tool_calls;
    return result;
  }

  std::string Describe() const override {
    return "scripted: " + source_ + " (" + std::to_string(responses_.size()) + " responses)";
  }

  int64_t ContextLength() const override { return context_length_; }

 private:
  static Status CheckExpect(const ScriptedResponse& r, std::size_t index,
                            const std::vector<Message>& messages) {
    if (!r.expect) return Status::Ok();
    const auto last = std::find_if(messages.rbegin(), messages.rend(), [](const Message& m) {
      return m.role == Role::kUser || m.role == Role::kTool;
    });
    if (last != messages.rend() && last->content.find(*r.expect) != std::string::npos) {
      return Status::Ok();
    }
    return FailedPreconditionError(
        "scripted response " + std::to_string(index) +
        " expected the last user or tool message to contain " + Quote(*r.expect) + ", got " +
        (last == messages.rend()
             ? std::string("no user or tool message")
             : std::string(RoleName(last->role)) + " message " + Quote(last->content)));
  }

  const std::vector<ScriptedResponse> responses_;
  const std::int64_t context_length_;
  const std::string source_;
  std::mutex mu_;
  std::size_t next_;  // guarded by mu_
};

Result<std::unique_ptr<ChatModel>> Make(const Json& transcript, ScriptedOptions options,
                                        std::string source) {
  if (!transcript.is_object()) return InvalidArgumentError("transcript: must be a JSON object");
  SEXTANT_RETURN_IF_ERROR(CheckMembers(transcript, "transcript", {"responses", "context_length"}));
  std::int64_t context_length = kDefaultContextLength;
  if (const auto it = transcript.find("context_length"); it != transcript.end()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1) {
      return Bad("context_length", "must be a positive integer");
    }
    context_length = it->get<std::int64_t>();
  }
  const auto list = transcript.find("responses");
  if (list == transcript.end() || !list->is_array()) return Bad("responses", "must be an array");
  std::vector<ScriptedResponse> responses;
  for (std::size_t i = 0; i < list->size(); ++i) {
    SEXTANT_ASSIGN_OR_RETURN(ScriptedResponse r, ParseResponse((*list)[i], i));
    responses.push_back(std::move(r));
  }
  if (options.start_index > responses.size()) {
    return InvalidArgumentError("start_index " + std::to_string(options.start_index) +
                                " is past the transcript's " + std::to_string(responses.size()) +
                                " responses");
  }
  return std::unique_ptr<ChatModel>(new ScriptedChatModel(std::move(responses), context_length,
                                                          std::move(source), options.start_index));
}

}  // namespace

Result<std::unique_ptr<ChatModel>> MakeScriptedChatModel(const Json& transcript,
                                                         ScriptedOptions options) {
  return Make(transcript, options, "inline");
}

Result<std::unique_ptr<ChatModel>> LoadScriptedChatModel(const std::filesystem::path& file,
                                                         ScriptedOptions options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return NotFoundError("scripted transcript " + file.string() + ": " + ec.message());
  if (size > kMaxFileBytes) {
    return ResourceExhaustedError("scripted transcript " + file.string() + ": larger than " +
                                  std::to_string(kMaxFileBytes) + " bytes");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFoundError("scripted transcript " + file.string() + ": cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  JsonLimits limits;
  limits.max_bytes = kMaxFileBytes;
  Result<Json> json = ParseJson(text.str(), limits);
  if (!json.ok()) return json.status().WithContext("scripted transcript " + file.string());
  Result<std::unique_ptr<ChatModel>> model = Make(*json, options, file.string());
  if (!model.ok()) return model.status().WithContext("scripted transcript " + file.string());
  return model;
}

}  // namespace sextant::llm
