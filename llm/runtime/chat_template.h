// Chat templates, rendered in C++ instead of by a Jinja engine: we recognize
// a model's template family from its Jinja text and reproduce that family's
// official output, tool descriptions included. Also parses the tool calls a
// model of each family writes.
//
//   kChatML   Qwen2.5's template (plain ChatML when there are no tools and
//             no default system prompt)
//   kLlama3   Llama 3.1/3.2/3.3 (with the dated system header) or Llama 3.0
//   kMistral  Mistral v3 ("[INST] ...", as Mistral-7B-Instruct-v0.3), or
//             v3-tekken (no spaces, as Mistral-Nemo-Instruct-2407)
//
// JSON inside prompts is written as the templates' `tojson` does (Python
// json.dumps: ", " and ": " separators, non-ASCII kept). JSON objects here
// carry no key order, so keys come out sorted, except that tool descriptions
// list "type", "function", "name", "description", "parameters" in that order.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "llm/chat_model.h"

namespace sextant::llm {

enum class ChatTemplateKind { kChatML, kLlama3, kMistral };

// "chatml", "llama3", "mistral".
std::string_view ChatTemplateName(ChatTemplateKind kind);
// The inverse of ChatTemplateName (for --template); else invalid_argument
// listing the known names.
Result<ChatTemplateKind> ParseChatTemplateName(std::string_view name);

// The family of a Jinja chat template, by its markers: "<|im_start|>" is
// ChatML, "<|start_header_id|>" Llama 3, "[INST]" Mistral. nullopt when none
// is present; the caller should then ask for --template.
std::optional<ChatTemplateKind> DetectChatTemplate(std::string_view jinja);

struct RenderOptions {
  static constexpr std::string_view kLlamaDefaultDate = "26 Jul 2024";

  bool add_generation_prompt = true;  // end with the assistant turn's header
  std::string bos_text;               // written first (e.g. "<|begin_of_text|>", "<s>")
  std::string eos_text;               // Mistral: ends each assistant turn ("</s>")
  // ChatML: the system prompt used when the conversation has none (Qwen2.5:
  // "You are Qwen, ..."). Empty: no system turn then, and with tools the
  // system turn starts at "# Tools" (as Qwen3's template).
  std::string default_system;
  // Llama 3: write the system header with the knowledge-cutoff and date lines
  // even without a system message (3.1 and later). Tools imply it.
  bool llama_dated_system = true;
  std::string llama_date = std::string(kLlamaDefaultDate);  // "Today Date: ..."
  // Mistral: the v3-tekken layout ("[INST]hi[/INST]answer</s>").
  bool mistral_tekken = false;
};

// The Qwen2.5 default system prompt.
inline constexpr std::string_view kQwenDefaultSystem =
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

// Options matching what `jinja` does for its family: the Qwen default
// system prompt when the template contains it, Llama 3.0 vs 3.1 by the
// "Cutting Knowledge Date" line, Mistral tekken by "[INST]\" +" without a
// space. bos_text and eos_text are left empty (they come from the tokenizer).
RenderOptions RenderOptionsForTemplate(ChatTemplateKind kind, std::string_view jinja);

// Renders `messages` (and the tool descriptions `tools`, see CheckToolSpec)
// as the family's template would. invalid_argument for a conversation the
// official template rejects (Llama 3: more than one tool call in a message,
// or tools with no message after the system message to put them in;
// Mistral: roles that do not alternate, or a system message that is not
// first), and for tools that fail CheckToolSpecs.
// Mistral needs 9-character alphanumeric call ids; other ids are mapped to
// such ids by a fixed hash, the same way for calls and their results.
Result<std::string> RenderChat(ChatTemplateKind kind, const std::vector<Message>& messages,
                               const std::vector<Json>& tools, const RenderOptions& options = {});

// Tool calls found in a model's reply.
struct ParsedReply {
  std::string content;                // the reply without the tool-call syntax
  std::vector<ToolCall> calls;        // ids "call_0", "call_1", ... unless the model gave one
  std::vector<std::string> problems;  // one line per malformed call; its text stays in content
};

// Finds tool calls in generated text (after the end-of-turn token is cut):
//   kChatML   <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>, any number
//   kLlama3   a reply that is a JSON object {"name", "parameters"} (or "arguments"),
//             optionally after "<|python_tag|>"; several separated by ";" or newlines
//   kMistral  [TOOL_CALLS] [{"name", "arguments", "id"?}, ...]
// Never fails: malformed JSON, a missing name or non-object arguments give a
// `problems` entry and leave that text in `content`.
ParsedReply ParseToolCalls(ChatTemplateKind kind, std::string_view generated);

}  // namespace sextant::llm
