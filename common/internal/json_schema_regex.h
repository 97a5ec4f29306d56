// Regular expressions for "pattern" and "patternProperties": ECMA-262 syntax
// translated to PCRE2 (UTF mode, JIT when available), with a match limit.
//
// Thread safety: a SchemaRegex is immutable after Compile and may be used by
// many threads at once, each with its own RegexScratch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sextant::internal::json_schema {

enum class RegexMatch {
  kMatch,
  kNoMatch,
  kLimitExceeded,  // the match limit (or PCRE2's heap or depth limit) was hit
};

// Matching state reused across matches by one thread (one per validation).
class RegexScratch {
 public:
  RegexScratch();
  ~RegexScratch();
  RegexScratch(const RegexScratch&) = delete;
  RegexScratch& operator=(const RegexScratch&) = delete;

 private:
  friend class SchemaRegex;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class SchemaRegex {
 public:
  // Compiles `pattern`. An invalid pattern gives invalid_argument with PCRE2's
  // reason and the offset.
  static Result<std::unique_ptr<SchemaRegex>> Compile(std::string_view pattern,
                                                      std::uint32_t match_limit);
  ~SchemaRegex();
  SchemaRegex(const SchemaRegex&) = delete;
  SchemaRegex& operator=(const SchemaRegex&) = delete;

  // Searches `subject` anywhere, as ECMA-262 RegExp.prototype.test does. A
  // subject that is not valid UTF-8 never matches.
  RegexMatch Search(std::string_view subject, RegexScratch& scratch) const;

  const std::string& pattern() const;

 private:
  struct Impl;
  explicit SchemaRegex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Rewrites ECMA-262 pattern syntax into PCRE2 syntax. With `strict`, syntax
// that ECMA-262 lacks (inline flags, comments, atomic groups, Python named
// groups, escapes such as \a or \A) is an error; without it, such syntax passes
// through to PCRE2.
Result<std::string> TranslateEcmaPattern(std::string_view pattern, bool strict);

// Whether `pattern` is a valid ECMA-262 regular expression, as far as this
// translation can tell (for format "regex").
bool IsEcmaRegex(std::string_view pattern);

}  // namespace sextant::internal::json_schema
