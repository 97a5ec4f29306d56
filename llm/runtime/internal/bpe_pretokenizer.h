// Pre-tokenization: splits text into the pieces ("words") that BPE merges
// within. A PreTokenizer is a sequence of PCRE2 patterns (UTF and UCP, JIT
// compiled when available); each pattern splits every piece the previous
// one produced, keeping both the matches and the text between them
// ("Isolated" in Hugging Face terms). A pattern sees only its piece, so
// anchors and lookarounds stop at the piece's ends.
//
// Thread safety: immutable after Create; Split may run concurrently.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::llm::internal {

struct SplitPattern {
  std::string pattern;
  bool literal = false;  // match `pattern` as plain text, not as a regex
};

// One piece of the text: [offset, offset + length).
struct Span {
  size_t offset = 0;
  size_t length = 0;
};

class PreTokenizer {
 public:
  PreTokenizer();
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;

  // Compiles the patterns; invalid_argument naming the pattern and the
  // PCRE2 error when one does not compile. No patterns: the whole text is
  // one piece.
  static Result<PreTokenizer> Create(const std::vector<SplitPattern>& patterns);

  // Replaces `out` with the pieces of `text` (valid UTF-8), in order, none
  // empty. resource_exhausted when PCRE2 hits its match limits.
  Status Split(std::string_view text, std::vector<Span>& out) const;

  size_t pattern_count() const { return regexes_.size(); }

 private:
  struct Regex;
  std::vector<std::unique_ptr<Regex>> regexes_;
};

// The GPT-2 pattern that a ByteLevel pre-tokenizer with use_regex applies.
inline constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// The patterns llama.cpp uses for a GGUF tokenizer.ggml.pre name, and
// whether that type merges whole pre-tokens found in the vocabulary
// (ignore_merges) and adds BOS by default. unimplemented for unknown names.
struct PreTypeInfo {
  std::vector<std::string> patterns;
  bool ignore_merges = false;
  bool add_bos = false;
};
Result<PreTypeInfo> LookupPreType(std::string_view name);

}  // namespace sextant::llm::internal
