#include "llm/openai/internal/openai_wire.h"

#include <cctype>
#include <charconv>
#include <utility>

#include "common/http_client.h"

namespace sextant::llm::openai_internal {
namespace {

constexpr std::size_t kMaxErrorTextBytes = 300;
constexpr std::int64_t kMaxRetryAfterSeconds = 24 * 60 * 60;
constexpr std::int64_t kMillisPerSecond = 1000;
constexpr std::string_view kDoneMarker = "[DONE]";

Status Malformed(const std::string& what) { return DataLossError("malformed reply: " + what); }

std::string CleanExcerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxErrorTextBytes)) {
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  if (text.size() > kMaxErrorTextBytes) out += "...";
  return out;
}

// "content" of a message or delta: a string, null, or absent.
Status ReadText(const Json& object, const std::string& where, std::string& out) {
  const auto it = object.find("content");
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Malformed(where + ".content must be a string or null");
  out += it->get_ref<const std::string&>();
  return Status::Ok();
}

// Parses the JSON text of one call's arguments into an object.
Result<Json> ParseArguments(const std::string& text, const std::string& call) {
  if (text.empty()) return Json::object();
  Result<Json> parsed = ParseJson(text);
  if (!parsed.ok()) {
    return InvalidArgumentError(call +
                                ": arguments are not valid JSON: " + parsed.status().message());
  }
  if (!parsed->is_object()) {
    return InvalidArgumentError(call + ": arguments must be a JSON object, got " +
                                CleanExcerpt(text));
  }
  return std::move(parsed).value();
}

std::string CallName(std::size_t index, const std::string& name) {
  return "tool call " + std::to_string(index) + " (" + (name.empty() ? "?" : name) + ")";
}

Status ReadUsage(const Json& object, std::optional<Usage>& out) {
  const auto it = object.find("usage");
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return Malformed("usage must be an object");
  Usage usage;
  Status st = ReadJsonMember(*it, "prompt_tokens", usage.prompt_tokens);
  if (st.ok()) st = ReadJsonMember(*it, "completion_tokens", usage.completion_tokens);
  if (!st.ok()) return Malformed("usage: " + st.message());
  out = usage;
  return Status::Ok();
}

Status ReadFinishReason(const Json& choice, const std::string& where,
                        std::optional<std::string>& out) {
  const auto it = choice.find("finish_reason");
  if (it == choice.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Malformed(where + ".finish_reason must be a string or null");
  out = it->get<std::string>();
  return Status::Ok();
}

Result<Json> ParseObject(std::string_view body, const std::string& what) {
  Result<Json> json = ParseJson(body);
  if (!json.ok()) {
    return Malformed(what + " is not JSON (" + json.status().message() +
                     "): " + CleanExcerpt(body));
  }
  if (!json->is_object()) return Malformed(what + " is not a JSON object: " + CleanExcerpt(body));
  return std::move(json).value();
}

Status StreamError(const Json& chunk) {
  return UnavailableError("the server reported an error in the stream: " +
                          ErrorMessageOf(DumpJson(chunk)));
}

}  // namespace

Json BuildRequestBody(std::string_view model, const std::vector<Message>& messages,
                      const std::vector<Json>& tools, const ChatOptions& options, bool stream) {
  Json body = Json::object();
  if (!model.empty()) body["model"] = model;
  body["messages"] = MessagesToJson(messages);
  if (!tools.empty()) {
    body["tools"] = tools;
    body["tool_choice"] = "auto";
  }
  const SamplingParams& s = options.sampling;
  body["max_tokens"] = options.max_tokens;
  body["temperature"] = s.temperature > 0 ? s.temperature : 0.0f;
  body["top_p"] = s.top_p;
  if (s.presence_penalty != 0) body["presence_penalty"] = s.presence_penalty;
  if (s.frequency_penalty != 0) body["frequency_penalty"] = s.frequency_penalty;
  if (s.seed != 0) body["seed"] = s.seed;
  if (!options.stop.empty()) body["stop"] = options.stop;
  if (options.response_schema) {
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema",
         {{"name", "response"}, {"schema", *options.response_schema}, {"strict", true}}}};
  }
  body["stream"] = stream;
  if (stream) body["stream_options"] = {{"include_usage", true}};
  return body;
}

Result<ChatResult> ParseCompletion(std::string_view body) {
  SEXTANT_ASSIGN_OR_RETURN(Json json, ParseObject(body, "the reply"));
  if (json.contains("error")) {
    return UnavailableError("the server reported an error: " + ErrorMessageOf(body));
  }
  const auto choices = json.find("choices");
  if (choices == json.end() || !choices->is_array()) return Malformed("choices must be an array");
  if (choices->empty()) return Malformed("choices is empty");
  const Json& choice = (*choices)[0];
  if (!choice.is_object()) return Malformed("choices[0] must be an object");
  const auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) {
    return Malformed("choices[0].message must be an object");
  }
  ChatResult result;
  SEXTANT_RETURN_IF_ERROR(ReadText(*message, "choices[0].message", result.text));
  if (const auto calls = message->find("tool_calls");
      calls != message->end() && !calls->is_null()) {
    if (!calls->is_array()) return Malformed("choices[0].message.tool_calls must be an array");
    if (calls->size() > kMaxToolCalls) {
      return Malformed("more than " + std::to_string(kMaxToolCalls) + " tool calls");
    }
    for (std::size_t i = 0; i < calls->size(); ++i) {
      const Json& call = (*calls)[i];
      const std::string where = "choices[0].message.tool_calls[" + std::to_string(i) + "]";
      const auto function = call.is_object() ? call.find("function") : call.end();
      if (!call.is_object() || function == call.end() || !function->is_object()) {
        return Malformed(where + ".function must be an object");
      }
      ToolCall out;
      Status st = ReadJsonMember(call, "id", out.id);
      if (st.ok()) st = ReadJsonMember(*function, "name", out.name);
      if (!st.ok()) return Malformed(where + ": " + st.message());
      if (out.name.empty()) return Malformed(where + ".function.name is missing");
      const auto args = function->find("arguments");
      if (args == function->end() || args->is_null()) {
        out.arguments = Json::object();
      } else if (args->is_object()) {
        out.arguments = *args;
      } else if (args->is_string()) {
        SEXTANT_ASSIGN_OR_RETURN(out.arguments,
                                 ParseArguments(args->get<std::string>(), CallName(i, out.name)));
      } else {
        return Malformed(where + ".function.arguments must be a string");
      }
      result.tool_calls.push_back(std::move(out));
    }
  }
  std::optional<std::string> finish;
  SEXTANT_RETURN_IF_ERROR(ReadFinishReason(choice, "choices[0]", finish));
  result.finish = MapFinishReason(finish, !result.tool_calls.empty());
  std::optional<Usage> usage;
  SEXTANT_RETURN_IF_ERROR(ReadUsage(json, usage));
  if (usage) result.usage = *usage;
  return result;
}

Status StreamAccumulator::Add(std::string_view data, std::string& delta) {
  delta.clear();
  if (done_) return Status::Ok();
  if (data == kDoneMarker) {
    done_ = true;
    return Status::Ok();
  }
  const std::string name = "stream chunk " + std::to_string(chunks_++);
  SEXTANT_ASSIGN_OR_RETURN(Json chunk, ParseObject(data, name));
  if (chunk.contains("error")) return StreamError(chunk);
  SEXTANT_RETURN_IF_ERROR(ReadUsage(chunk, usage_).WithContext(name));
  const auto choices = chunk.find("choices");
  if (choices == chunk.end() || choices->is_null()) return Status::Ok();
  if (!choices->is_array()) return Malformed(name + ": choices must be an array");
  if (choices->empty()) return Status::Ok();
  const Json& choice = (*choices)[0];
  if (!choice.is_object()) return Malformed(name + ": choices[0] must be an object");
  SEXTANT_RETURN_IF_ERROR(ReadFinishReason(choice, name + ": choices[0]", finish_reason_));
  const auto d = choice.find("delta");
  if (d == choice.end() || d->is_null()) return Status::Ok();
  if (!d->is_object()) return Malformed(name + ": choices[0].delta must be an object");
  SEXTANT_RETURN_IF_ERROR(ReadText(*d, name + ": choices[0].delta", delta));
  text_ += delta;
  const auto calls = d->find("tool_calls");
  if (calls == d->end() || calls->is_null()) return Status::Ok();
  return AddToolCallDeltas(*calls, name + ": choices[0].delta.tool_calls");
}

Status StreamAccumulator::AddToolCallDeltas(const Json& deltas, const std::string& where) {
  if (!deltas.is_array()) return Malformed(where + " must be an array");
  for (std::size_t i = 0; i < deltas.size(); ++i) {
    const Json& d = deltas[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!d.is_object()) return Malformed(at + " must be an object");
    auto index = static_cast<std::int64_t>(i);
    if (Status st = ReadJsonMember(d, "index", index); !st.ok()) {
      return Malformed(at + ": " + st.message());
    }
    if (index < 0) return Malformed(at + ".index must not be negative");
    if (!calls_.contains(index) && calls_.size() >= kMaxToolCalls) {
      return Malformed("more than " + std::to_string(kMaxToolCalls) + " tool calls");
    }
    PartialCall& call = calls_[index];
    std::string id;
    if (Status st = ReadJsonMember(d, "id", id); !st.ok())
      return Malformed(at + ": " + st.message());
    if (!id.empty()) call.id = id;
    const auto function = d.find("function");
    if (function == d.end() || function->is_null()) continue;
    if (!function->is_object()) return Malformed(at + ".function must be an object");
    std::string name;
    std::string arguments;
    Status st = ReadJsonMember(*function, "name", name);
    if (st.ok()) st = ReadJsonMember(*function, "arguments", arguments);
    if (!st.ok()) return Malformed(at + ".function: " + st.message());
    // The name comes whole in the first delta; some servers repeat it later.
    if (call.name.empty()) {
      call.name = name;
    } else if (!name.empty() && name != call.name) {
      call.name += name;
    }
    call.arguments += arguments;
  }
  return Status::Ok();
}

Result<ChatResult> StreamAccumulator::Finish() {
  ChatResult result;
  result.text = text_;
  std::size_t position = 0;
  for (const auto& [index, call] : calls_) {
    const std::string name = CallName(static_cast<std::size_t>(index), call.name);
    if (call.name.empty()) return Malformed("streamed " + name + " has no function name");
    ToolCall out;
    out.id = call.id;
    out.name = call.name;
    SEXTANT_ASSIGN_OR_RETURN(out.arguments, ParseArguments(call.arguments, name));
    result.tool_calls.push_back(std::move(out));
    ++position;
  }
  result.finish = MapFinishReason(finish_reason_, position > 0);
  if (usage_) result.usage = *usage_;
  return result;
}

FinishReason MapFinishReason(const std::optional<std::string>& reason, bool has_tool_calls) {
  if (reason == "length") return FinishReason::kLength;
  if (has_tool_calls || reason == "tool_calls" || reason == "function_call") {
    return FinishReason::kToolCalls;
  }
  return FinishReason::kStop;
}

std::string ErrorMessageOf(std::string_view body) {
  Result<Json> json = ParseJson(body);
  if (json.ok() && json->is_object()) {
    const auto error = json->find("error");
    if (error != json->end()) {
      if (error->is_string()) return CleanExcerpt(error->get<std::string>());
      if (error->is_object()) {
        const auto message = error->find("message");
        if (message != error->end() && message->is_string()) {
          return CleanExcerpt(message->get<std::string>());
        }
      }
    }
  }
  return body.empty() ? std::string("(empty body)") : CleanExcerpt(body);
}

bool IsRetryableHttpStatus(long http_status) {
  constexpr long kTooManyRequests = 429;
  constexpr long kFirstServerError = 500;
  constexpr long kLastServerError = 599;
  return http_status == kTooManyRequests ||
         (http_status >= kFirstServerError && http_status <= kLastServerError);
}

Status StatusForHttpError(long http_status, std::string_view body) {
  constexpr long kFirstServerError = 500;
  constexpr long kLastServerError = 599;
  StatusCode code = HttpStatusToStatus(http_status, body).code();
  if (http_status >= kFirstServerError && http_status <= kLastServerError) {
    code = StatusCode::kUnavailable;
  }
  return Status(code, "HTTP " + std::to_string(http_status) + ": " + ErrorMessageOf(body));
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())) != 0) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) {
    value.remove_suffix(1);
  }
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || seconds < 0 ||
      seconds > kMaxRetryAfterSeconds) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(seconds * kMillisPerSecond);
}

}  // namespace sextant::llm::openai_internal
