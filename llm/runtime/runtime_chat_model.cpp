#include "llm/runtime/runtime_chat_model.h"

#include <chrono>
#include <mutex>

#include "llm/runtime/generator.h"

namespace sextant::llm {
namespace {

class RuntimeChatModel final : public ChatModel {
 public:
  RuntimeChatModel(std::unique_ptr<Model> model, ChatTemplateKind kind)
      : model_(std::move(model)),
        kind_(kind),
        render_(RenderOptionsForModel(kind, model_->tokenizer())),
        session_(*model_) {}

  Result<ChatResult> Chat(const std::vector<Message>& messages, const std::vector<Json>& tools,
                          const ChatOptions& options, const TokenCallback& on_token) override {
    if (options.response_schema) {
      return Status(StatusCode::kUnimplemented,
                    "runtime backend: constrained decoding to a schema is not available yet");
    }
    SEXTANT_RETURN_IF_ERROR(CheckToolSpecs(tools));
    SEXTANT_ASSIGN_OR_RETURN(std::string prompt, RenderChat(kind_, messages, tools, render_));
    SEXTANT_ASSIGN_OR_RETURN(std::vector<int32_t> ids, model_->tokenizer().Encode(prompt));
    GenerateOptions gen;
    gen.max_tokens = options.max_tokens;
    gen.sampling = options.sampling;
    gen.stop = options.stop;
    std::lock_guard<std::mutex> lock(mu_);
    TokenSink sink;
    if (on_token) sink = [&](int32_t, std::string_view text) { return on_token(text); };
    SEXTANT_ASSIGN_OR_RETURN(GenerateResult out, session_.Generate(ids, gen, sink));
    ChatResult result;
    result.finish = out.finish;
    result.usage.prompt_tokens = out.prompt_tokens;
    result.usage.completion_tokens = static_cast<int64_t>(out.tokens.size());
    result.usage.prompt_seconds = out.prompt_seconds;
    result.usage.generation_seconds = out.generation_seconds;
    result.text = std::move(out.text);
    if (options.parse_tool_calls && !tools.empty()) {
      ParsedReply parsed = ParseToolCalls(kind_, result.text);
      if (!parsed.calls.empty()) {
        result.text = std::move(parsed.content);
        result.tool_calls = std::move(parsed.calls);
        if (result.finish == FinishReason::kStop) result.finish = FinishReason::kToolCalls;
      }
    }
    return result;
  }

  std::string Describe() const override {
    const ModelConfig& c = model_->config();
    std::string types;
    for (const auto& [type, count] : model_->summary().tensor_types) {
      types += (types.empty() ? "" : ",") + type;
    }
    return "runtime: " + (c.name.empty() ? std::string(ArchName(c.arch)) : c.name) + " " + types +
           " (cpu, " + std::string(ChatTemplateName(kind_)) + " template)";
  }

  int64_t ContextLength() const override { return model_->context(); }

 private:
  std::unique_ptr<Model> model_;
  ChatTemplateKind kind_;
  RenderOptions render_;
  std::mutex mu_;
  Session session_;
};

}  // namespace

Result<ChatTemplateKind> ChooseChatTemplate(const Tokenizer& tokenizer,
                                            const std::string& override_name) {
  if (!override_name.empty()) return ParseChatTemplateName(override_name);
  const std::string& jinja = tokenizer.chat_template();
  if (jinja.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "the model has no chat template; pass --template chatml|llama3|mistral");
  }
  auto kind = DetectChatTemplate(jinja);
  if (!kind) {
    return Status(StatusCode::kInvalidArgument,
                  "the model's chat template is not one Sextant recognizes; pass --template "
                  "chatml|llama3|mistral");
  }
  return *kind;
}

RenderOptions RenderOptionsForModel(ChatTemplateKind kind, const Tokenizer& tokenizer) {
  RenderOptions options = RenderOptionsForTemplate(kind, tokenizer.chat_template());
  // ChatML templates write no BOS; Llama 3 and Mistral begin with it.
  if (kind != ChatTemplateKind::kChatML && tokenizer.bos_id()) {
    options.bos_text = std::string(tokenizer.TokenText(*tokenizer.bos_id()));
  }
  if (kind == ChatTemplateKind::kMistral && tokenizer.eos_id()) {
    options.eos_text = std::string(tokenizer.TokenText(*tokenizer.eos_id()));
  }
  return options;
}

Result<std::unique_ptr<ChatModel>> MakeRuntimeChatModel(std::unique_ptr<Model> model,
                                                        ChatTemplateKind kind) {
  if (!model) return Status(StatusCode::kInvalidArgument, "no model");
  return std::unique_ptr<ChatModel>(new RuntimeChatModel(std::move(model), kind));
}

}  // namespace sextant::llm
