// Small helpers shared by the format checkers.
//
// Thread safety: FixedRegex is immutable after construction and may be used
// from many threads; the functions have no shared state.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/internal/json_schema_regex.h"

namespace sextant::internal::json_schema {

inline constexpr int kDecimalBase = 10;
inline constexpr unsigned char kNonAscii = 0x80;

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// A regex written into this code (so known to be valid), for full-string
// format grammars.
class FixedRegex {
 public:
  explicit FixedRegex(std::string_view pattern) {
    constexpr std::uint32_t kMatchLimit = 100'000;
    auto compiled = SchemaRegex::Compile(pattern, kMatchLimit);
    assert(compiled.ok() && "built-in format regex must compile");
    if (compiled.ok()) regex_ = std::move(compiled).value();
  }

  bool Matches(std::string_view text) const {
    RegexScratch scratch;
    return regex_ != nullptr && regex_->Search(text, scratch) == RegexMatch::kMatch;
  }

 private:
  std::unique_ptr<SchemaRegex> regex_;
};

// Decodes UTF-8 into code points; nullopt when malformed.
std::optional<std::u32string> DecodeUtf8(std::string_view text);

// Encodes one code point as UTF-8.
std::string EncodeUtf8(char32_t code_point);

}  // namespace sextant::internal::json_schema
