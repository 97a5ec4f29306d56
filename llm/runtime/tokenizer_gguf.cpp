// Tokenizer loading from GGUF metadata (tokenizer.ggml.*), as llama.cpp
// reads a "gpt2" (byte-level BPE) vocabulary.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "llm/runtime/gguf.h"
#include "llm/runtime/internal/bpe_bytes.h"
#include "llm/runtime/internal/bpe_tokenizer_impl.h"
#include "llm/runtime/tokenizer.h"

namespace sextant::llm {
namespace {

using internal::TokenKind;

// tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
enum class GgufTokenType : int64_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

constexpr std::string_view kDefaultPreType = "default";

// Texts that llama.cpp treats as control tokens whatever their stored type.
constexpr std::string_view kForcedControlTexts[] = {
    "<|eot_id|>",  "<|im_end|>",   "<|end|>",        "<end_of_turn>",  "<|endoftext|>",
    "<EOT>",       "<|eom_id|>",   "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>",
    "<|fim_pad|>", "<|fim_repo|>", "<|file_sep|>",   "<|repo_name|>"};

// An optional integer key: nullopt when absent, an error for a wrong type.
Result<std::optional<int64_t>> OptionalInt(const GgufFile& gguf, std::string_view key) {
  if (gguf.Find(key) == nullptr) return std::optional<int64_t>();
  SEXTANT_ASSIGN_OR_RETURN(int64_t v, gguf.GetInt(key));
  return std::optional<int64_t>(v);
}

Result<std::optional<int32_t>> OptionalTokenId(const GgufFile& gguf, std::string_view key,
                                               int32_t n_tokens) {
  SEXTANT_ASSIGN_OR_RETURN(std::optional<int64_t> v, OptionalInt(gguf, key));
  if (!v) return std::optional<int32_t>();
  if (*v < 0 || *v >= n_tokens) {
    return InvalidArgumentError("gguf: " + std::string(key) + " = " + std::to_string(*v) +
                                " is outside the vocabulary of " + std::to_string(n_tokens));
  }
  return std::optional<int32_t>(static_cast<int32_t>(*v));
}

Status LoadTokens(const GgufFile& gguf, internal::TokenizerState& state) {
  SEXTANT_ASSIGN_OR_RETURN(std::vector<std::string_view> tokens,
                           gguf.GetStringArray("tokenizer.ggml.tokens"));
  if (tokens.empty()) return InvalidArgumentError("gguf: tokenizer.ggml.tokens is empty");
  if (static_cast<int64_t>(tokens.size()) > state.limits.max_vocab) {
    return ResourceExhaustedError("gguf: " + std::to_string(tokens.size()) +
                                  " tokens exceed the vocabulary limit of " +
                                  std::to_string(state.limits.max_vocab));
  }
  std::vector<int64_t> types;
  if (gguf.Find("tokenizer.ggml.token_type") != nullptr) {
    SEXTANT_ASSIGN_OR_RETURN(types, gguf.GetIntArray("tokenizer.ggml.token_type"));
    if (types.size() != tokens.size()) {
      return InvalidArgumentError("gguf: tokenizer.ggml.token_type has " +
                                  std::to_string(types.size()) + " entries for " +
                                  std::to_string(tokens.size()) + " tokens");
    }
  }
  const auto n = static_cast<int32_t>(tokens.size());
  state.model.Resize(n);
  for (int32_t id = 0; id < n; ++id) {
    const std::string_view text = tokens[static_cast<size_t>(id)];
    if (internal::FindInvalidUtf8(text)) {
      return InvalidArgumentError("gguf: token " + std::to_string(id) + " is not valid UTF-8");
    }
    auto type = types.empty() ? GgufTokenType::kNormal
                              : static_cast<GgufTokenType>(types[static_cast<size_t>(id)]);
    for (std::string_view forced : kForcedControlTexts) {
      if (text == forced) type = GgufTokenType::kControl;
    }
    internal::TokenEntry& t = state.model.mutable_token(id);
    t.text = std::string(text);
    switch (type) {
      case GgufTokenType::kControl:
      case GgufTokenType::kUnknown:
        t.kind = TokenKind::kControl;
        t.bytes = t.text;
        break;
      case GgufTokenType::kUserDefined:
        t.kind = TokenKind::kUserDefined;
        t.bytes = t.text;
        break;
      case GgufTokenType::kUnused:
        t.kind = TokenKind::kUnused;
        break;
      default: {
        t.kind = TokenKind::kNormal;
        auto bytes = internal::ByteLevelToBytes(t.text);
        t.bytes = bytes ? std::move(*bytes) : t.text;
        break;
      }
    }
    if (t.kind == TokenKind::kControl || t.kind == TokenKind::kUserDefined) {
      internal::AddedToken added;
      added.id = id;
      added.content = t.text;
      added.special = t.kind == TokenKind::kControl;
      state.specials.Add(added);
    }
  }
  return state.model.Finalize().WithContext("gguf");
}

Status LoadMerges(const GgufFile& gguf, internal::TokenizerState& state) {
  if (gguf.Find("tokenizer.ggml.merges") == nullptr) {
    return InvalidArgumentError("gguf: tokenizer.ggml.merges is missing");
  }
  SEXTANT_ASSIGN_OR_RETURN(std::vector<std::string_view> merges,
                           gguf.GetStringArray("tokenizer.ggml.merges"));
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string_view m = merges[i];
    const size_t space = m.find(' ', 1);
    if (space == std::string_view::npos) {
      return InvalidArgumentError("gguf: merge " + std::to_string(i) + " ('" + std::string(m) +
                                  "') is not two tokens separated by a space");
    }
    SEXTANT_RETURN_IF_ERROR(
        state.model.AddMerge(m.substr(0, space), m.substr(space + 1)).WithContext("gguf"));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromGguf(const GgufFile& gguf,
                                                       const TokenizerLimits& limits) {
  const Result<std::string> model = gguf.GetString("tokenizer.ggml.model");
  if (!model.ok()) return model.status().WithContext("gguf tokenizer");
  if (*model != "gpt2") {
    return UnimplementedError("gguf: tokenizer model '" + *model +
                              "' is not supported (byte-level BPE \"gpt2\" only)");
  }
  const Result<std::string> pre = gguf.Find("tokenizer.ggml.pre") != nullptr
                                      ? gguf.GetString("tokenizer.ggml.pre")
                                      : Result<std::string>(std::string(kDefaultPreType));
  if (!pre.ok()) return pre.status().WithContext("gguf tokenizer");
  SEXTANT_ASSIGN_OR_RETURN(internal::PreTypeInfo info, internal::LookupPreType(*pre));

  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  internal::TokenizerState& state = tok->impl_->state;
  state.limits = limits;
  state.pre_type = *pre;
  SEXTANT_RETURN_IF_ERROR(LoadTokens(gguf, state));
  SEXTANT_RETURN_IF_ERROR(LoadMerges(gguf, state));
  state.model.set_ignore_merges(info.ignore_merges);
  std::vector<internal::SplitPattern> patterns;
  for (std::string& p : info.patterns) patterns.push_back({std::move(p), false});
  SEXTANT_ASSIGN_OR_RETURN(state.pre, internal::PreTokenizer::Create(patterns));

  const int32_t n = state.model.size();
  SEXTANT_ASSIGN_OR_RETURN(state.bos, OptionalTokenId(gguf, "tokenizer.ggml.bos_token_id", n));
  SEXTANT_ASSIGN_OR_RETURN(state.eos, OptionalTokenId(gguf, "tokenizer.ggml.eos_token_id", n));
  SEXTANT_ASSIGN_OR_RETURN(std::optional<int32_t> eot,
                           OptionalTokenId(gguf, "tokenizer.ggml.eot_token_id", n));
  SEXTANT_ASSIGN_OR_RETURN(std::optional<int32_t> eom,
                           OptionalTokenId(gguf, "tokenizer.ggml.eom_token_id", n));
  state.add_bos = info.add_bos;
  if (gguf.Find("tokenizer.ggml.add_bos_token") != nullptr) {
    SEXTANT_ASSIGN_OR_RETURN(state.add_bos, gguf.GetBool("tokenizer.ggml.add_bos_token"));
  }
  if (gguf.Find("tokenizer.chat_template") != nullptr) {
    const Result<std::string> tmpl = gguf.GetString("tokenizer.chat_template");
    if (!tmpl.ok()) return tmpl.status().WithContext("gguf tokenizer");
    state.chat_template = *tmpl;
  }
  std::vector<int32_t> extra;
  if (eot) extra.push_back(*eot);
  if (eom) extra.push_back(*eom);
  internal::CollectEndIds(state, extra);
  return tok;
}

}  // namespace sextant::llm
