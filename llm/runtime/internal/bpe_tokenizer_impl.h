// The state behind sextant::llm::Tokenizer, shared by its loaders
// (tokenizer.json, GGUF) and its encoder. Internal to the tokenizer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "llm/runtime/internal/bpe_model.h"
#include "llm/runtime/internal/bpe_pretokenizer.h"
#include "llm/runtime/internal/bpe_special.h"
#include "llm/runtime/tokenizer.h"

namespace sextant::llm {
namespace internal {

enum class NormalizerKind : uint8_t { kNone, kNfc };

struct TokenizerState {
  TokenizerLimits limits;
  internal::BpeModel model;
  internal::PreTokenizer pre;
  internal::SpecialMatcher specials;
  NormalizerKind normalizer = NormalizerKind::kNone;
  bool add_prefix_space = false;  // ByteLevel(add_prefix_space) before any split

  std::optional<int32_t> bos;
  std::optional<int32_t> eos;
  std::vector<int32_t> end_ids;  // sorted, unique
  bool add_bos = false;
  std::string chat_template;
  std::string pre_type;
};

// The token texts that end a turn when present as special tokens.
inline constexpr std::string_view kEndTokenTexts[] = {"<|eot_id|>", "<|im_end|>", "<|end_of_text|>",
                                                      "<|endoftext|>", "<|eom_id|>"};

// Fills impl.end_ids from eos, `extra` ids and the special tokens named in
// kEndTokenTexts.
void CollectEndIds(TokenizerState& impl, const std::vector<int32_t>& extra);

// NFC of valid UTF-8 `text` into `out`; internal error when utf8proc fails.
Status NormalizeNfc(std::string_view text, std::string& out);

}  // namespace internal

struct Tokenizer::Impl {
  internal::TokenizerState state;
};

}  // namespace sextant::llm
