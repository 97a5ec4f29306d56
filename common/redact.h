// Redaction of secrets from text and JSON before they are logged, audited or
// displayed.
//
// What is redacted, and how it reads afterwards:
//   - values of fields whose names look secret (see IsSecretName), in JSON
//     objects at any depth and in text as `name=value`, `name: value`,
//     `"name": "value"` and `--name value`: the value becomes ***;
//   - `Authorization: <scheme> <credentials>` (and Proxy-Authorization):
//     `Authorization: Bearer ***`; `Cookie:`/`Set-Cookie:` to the end of line;
//   - `Bearer <token>` anywhere, when the token has a digit or is 20+ chars
//     long (so prose like "a Bearer token" stays): `Bearer ***`;
//   - well-known key shapes keep their prefix as a hint: OpenAI/Anthropic
//     `sk-***`, GitHub `ghp_***` and `github_pat_***`, Slack `xoxb-***`,
//     Hugging Face `hf_***`, AWS `AKIA***`, Google `AIza***`, JWTs `eyJ***`,
//     PEM private key blocks `-----BEGIN PRIVATE KEY-----***`;
//   - passwords in URLs: `https://user:***@host`;
//   - every registered secret value (e.g. config keys declared secret), as ***.
// Names or words that merely mention "token" (max_tokens, token_count, "the
// token limit") are left alone.
//
// Thread safety: Redactor is immutable after construction. The process-wide
// functions are safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace sextant {

inline constexpr std::string_view kRedactedMark = "***";

// True when a field, header, flag or variable name looks like it holds a
// secret: one of its words (split at punctuation and camelCase, any case) is
// token, secret, password, passwd, passphrase, apikey, authorization, cookie,
// credential(s) or privatekey, or two adjacent words are api+key, private+key
// or access+key; unless its last word says it is about the secret rather than
// the secret itself (count, limit, max, min, size, length, type, id, file,
// path, url, endpoint, env, name, ...). "openai.api_key", "X-Api-Key",
// "accessToken" and "DB_PASSWORD" are secret; "max_tokens", "token_count" and
// "password_file" are not.
bool IsSecretName(std::string_view name);

struct RedactOptions {
  static constexpr int kDefaultMaxDepth = 64;
  static constexpr std::size_t kDefaultMinSecretValueBytes = 6;

  // JSON nested deeper than this is replaced by *** as a whole.
  int max_depth = kDefaultMaxDepth;
  // Registered secret values shorter than this are not searched for in text
  // (a two-letter "secret" would mangle every line); fields named as secrets
  // are still masked whatever their length.
  std::size_t min_secret_value_bytes = kDefaultMinSecretValueBytes;
};

// Redacts with the built-in rules plus a fixed list of secret values.
//
// Ownership: a value that owns its list.
// Thread safety: immutable; const methods may be called from many threads.
// Errors: none; text that the pattern engine cannot process (a resource limit
// hit) is replaced by *** from that point on, never passed through.
class Redactor {
 public:
  explicit Redactor(std::vector<std::string> secret_values = {}, RedactOptions options = {});

  std::string RedactText(std::string_view text) const;
  Json RedactJson(const Json& value) const;

 private:
  Json RedactJsonAt(const Json& value, int depth) const;

  std::vector<std::string> secret_values_;  // longest first
  RedactOptions options_;
};

// Adds values to the process-wide list (empty values are ignored).
void AddRedactedValues(const std::vector<std::string>& values);

// Redacts with the built-in rules and the process-wide list.
std::string RedactText(std::string_view text);
Json RedactJson(const Json& value);

}  // namespace sextant
