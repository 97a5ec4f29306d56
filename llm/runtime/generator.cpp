#include "llm/runtime/generator.h"

#include <algorithm>
#include <chrono>

#include "llm/runtime/stop_matcher.h"

namespace sextant::llm {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Session::Session(Model& model) : model_(model), cache_(model.NewCache()) {}

void Session::Reset() {
  cache_->Truncate(0);
  tokens_.clear();
}

Status Session::Prefill(std::span<const int32_t> prompt, GenerateResult& result) {
  // Reuse the common prefix, but always run at least one token for logits.
  size_t common = 0;
  const size_t limit = std::min(tokens_.size(), prompt.size() - 1);
  while (common < limit && tokens_[common] == prompt[common]) ++common;
  cache_->Truncate(static_cast<int64_t>(common));
  tokens_.resize(common);
  result.reused_tokens = static_cast<int64_t>(common);
  const auto start = std::chrono::steady_clock::now();
  auto rest = prompt.subspan(common);
  SEXTANT_RETURN_IF_ERROR(model_.Forward(rest, *cache_, LogitsMode::kLast, &logits_));
  tokens_.insert(tokens_.end(), rest.begin(), rest.end());
  result.prompt_seconds = SecondsSince(start);
  return Status::Ok();
}

Result<GenerateResult> Session::Generate(std::span<const int32_t> prompt,
                                         const GenerateOptions& options, const TokenSink& sink) {
  if (prompt.empty()) return Status(StatusCode::kInvalidArgument, "generate: empty prompt");
  SEXTANT_RETURN_IF_ERROR(ValidateSamplingParams(options.sampling));
  if (options.max_tokens < 0) {
    return Status(StatusCode::kInvalidArgument, "generate: max_tokens must be >= 0");
  }
  const int64_t context = cache_->n_ctx();
  if (static_cast<int64_t>(prompt.size()) >= context) {
    return Status(StatusCode::kOutOfRange,
                  "prompt of " + std::to_string(prompt.size()) +
                      " tokens does not fit the context of " + std::to_string(context) +
                      " (raise --context up to the model's " +
                      std::to_string(model_.config().context_length) + ")");
  }
  GenerateResult result;
  result.prompt_tokens = static_cast<int64_t>(prompt.size());
  SEXTANT_RETURN_IF_ERROR(Prefill(prompt, result));

  const Tokenizer& tok = model_.tokenizer();
  std::vector<int32_t> stops = options.stop_tokens;
  if (options.stop_at_end_tokens)
    stops.insert(stops.end(), tok.end_ids().begin(), tok.end_ids().end());
  Sampler sampler(options.sampling);
  StreamDecoder decoder(tok);
  StopMatcher matcher(options.stop);
  const auto start = std::chrono::steady_clock::now();
  result.finish = FinishReason::kLength;
  auto emit = [&](int32_t id, const std::string& text) {
    result.text += text;
    return !sink || sink(id, text);
  };
  for (int64_t i = 0; i < options.max_tokens; ++i) {
    const int32_t id = sampler.Sample(logits_, tokens_);
    result.tokens.push_back(id);
    if (std::find(stops.begin(), stops.end(), id) != stops.end()) {
      result.finish = FinishReason::kStop;
      break;
    }
    const StopMatcher::Step step = matcher.Feed(decoder.Push(id));
    if (!emit(id, step.emit)) {
      result.finish = FinishReason::kCancelled;
      break;
    }
    if (step.stopped) {
      result.finish = FinishReason::kStop;
      break;
    }
    if (cache_->n_past() >= context) break;  // kLength
    SEXTANT_RETURN_IF_ERROR(model_.Forward({&id, 1}, *cache_, LogitsMode::kLast, &logits_));
    tokens_.push_back(id);
  }
  if (result.finish != FinishReason::kCancelled && !matcher.stopped()) {
    const StopMatcher::Step tail = matcher.Feed(decoder.Flush());
    std::string rest = tail.emit;
    if (!tail.stopped) rest += matcher.Flush();
    if (!rest.empty()) emit(-1, rest);
  }
  result.generation_seconds = SecondsSince(start);
  return result;
}

}  // namespace sextant::llm
