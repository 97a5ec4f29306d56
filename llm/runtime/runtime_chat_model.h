// The embedded runtime as an llm::ChatModel: renders the conversation with
// the model's chat template, generates with a Session that reuses the KV
// cache across turns, and parses the family's tool-call syntax.
// Thread safety: one Chat at a time (calls are serialized by a mutex).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "llm/chat_model.h"
#include "llm/runtime/chat_template.h"
#include "llm/runtime/model.h"

namespace sextant::llm {

// The chat template for a model: `override_name` ("chatml", "llama3",
// "mistral") when not empty, else recognized from the tokenizer's template.
// invalid_argument when neither works, suggesting --template.
Result<ChatTemplateKind> ChooseChatTemplate(const Tokenizer& tokenizer,
                                            const std::string& override_name);

// Options for rendering with `kind`: the tokenizer's BOS/EOS text and the
// family's variant as the model's own template shows it.
RenderOptions RenderOptionsForModel(ChatTemplateKind kind, const Tokenizer& tokenizer);

Result<std::unique_ptr<ChatModel>> MakeRuntimeChatModel(std::unique_ptr<Model> model,
                                                        ChatTemplateKind kind);

}  // namespace sextant::llm
