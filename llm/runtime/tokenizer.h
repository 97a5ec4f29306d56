// Byte-level BPE tokenizer (GPT-2 style), loaded from a Hugging Face
// tokenizer.json or from GGUF metadata (tokenizer.ggml.model = "gpt2").
//
// Encoding: added/special tokens are split out first (longest match), then
// each remaining span is pre-tokenized with the model's regexes (PCRE2, UTF
// and UCP), mapped to the byte-level alphabet and merged by rank. With
// ignore_merges, a pre-token that is itself in the vocabulary is one token.
// Input that is not valid UTF-8 is rejected with invalid_argument naming
// the byte offset.
//
// Thread safety: immutable after load; Encode/Decode may run concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::llm {

class GgufFile;

struct TokenizerLimits {
  int64_t max_file_bytes = int64_t{64} << 20;  // tokenizer.json
  int64_t max_vocab = int64_t{1} << 22;
  int64_t max_input_bytes = int64_t{64} << 20;  // one Encode call
};

struct EncodeOptions {
  bool add_bos = false;  // prepend BOS when the tokenizer has one
  // Recognize special (control) tokens in the text. Added tokens that are
  // not special (GGUF user-defined) are recognized either way.
  bool parse_special = true;
};

class Tokenizer {
 public:
  // From a tokenizer.json file, or its text. tokenizer_config.json beside
  // the file (when present) supplies bos/eos, add_bos_token and chat_template.
  static Result<std::unique_ptr<Tokenizer>> FromTokenizerJsonFile(
      const std::filesystem::path& path, const TokenizerLimits& limits = {});
  static Result<std::unique_ptr<Tokenizer>> FromTokenizerJsonText(
      std::string_view json, const TokenizerLimits& limits = {});
  // From a model folder (tokenizer.json + tokenizer_config.json).
  static Result<std::unique_ptr<Tokenizer>> FromModelDir(const std::filesystem::path& dir,
                                                         const TokenizerLimits& limits = {});
  // From GGUF metadata: tokenizer.ggml.{model,pre,tokens,token_type,merges,
  // bos_token_id,eos_token_id,eot_token_id,add_bos_token,chat_template}.
  // unimplemented for a model other than "gpt2" or an unknown pre type.
  static Result<std::unique_ptr<Tokenizer>> FromGguf(const GgufFile& gguf,
                                                     const TokenizerLimits& limits = {});
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  Result<std::vector<int32_t>> Encode(std::string_view text,
                                      const EncodeOptions& options = {}) const;
  // Concatenated bytes of the tokens (special tokens as their text unless
  // skipped). Ids out of range are invalid_argument.
  Result<std::string> Decode(std::span<const int32_t> ids, bool skip_special = false) const;

  int32_t vocab_size() const;
  // The vocabulary string of a token (byte-level alphabet, e.g. "Ġthe").
  std::string_view TokenText(int32_t id) const;
  // The bytes a token decodes to.
  std::string TokenBytes(int32_t id) const;
  // The id of a vocabulary string (as TokenText spells it), or nullopt.
  std::optional<int32_t> FindToken(std::string_view text) const;
  bool IsSpecial(int32_t id) const;  // control or added-special token

  std::optional<int32_t> bos_id() const;
  std::optional<int32_t> eos_id() const;
  // Every token that ends a turn or the text (eos, eot, <|im_end|>, <|eot_id|>, ...).
  const std::vector<int32_t>& end_ids() const;
  bool add_bos_default() const;
  // The Jinja chat template from the model's files, or "" when none.
  const std::string& chat_template() const;
  // "llama-bpe", "qwen2", "gpt-2", ... or "tokenizer.json".
  const std::string& pre_type() const;

 private:
  Tokenizer();
  friend class TokenizerBuilder;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Turns a stream of token ids into text without ever emitting part of a
// UTF-8 character: bytes of an incomplete character wait for the next token.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special = false);
  // The text completed by this token (may be empty).
  std::string Push(int32_t id);
  // Whatever is left at the end; invalid trailing bytes become U+FFFD.
  std::string Flush();

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::string pending_;
};

}  // namespace sextant::llm
