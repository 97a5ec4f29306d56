#include "common/redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace sextant {
namespace {

constexpr std::size_t kBearerMinChars = 8;
constexpr std::size_t kBearerLongChars = 20;
constexpr std::size_t kErrorMessageBytes = 256;

// Words that make a name secret when a word ends with one of them
// ("accesstoken", "DB_PASSWORD"); plurals like "tokens" are not among them.
constexpr std::string_view kSecretWordEndings[] = {
    "token",  "secret",        "secrets", "password", "passwords",  "passwd",      "passphrase",
    "apikey", "authorization", "cookie",  "cookies",  "credential", "credentials", "privatekey"};
// Adjacent word pairs that make a name secret ("api_key", "privateKey").
constexpr std::pair<std::string_view, std::string_view> kSecretWordPairs[] = {
    {"api", "key"}, {"private", "key"}, {"access", "key"}};
// A last word that makes the name about a secret, not the secret itself.
constexpr std::string_view kMetadataWords[] = {
    "count",  "counts",  "limit",      "limits",   "max",     "min",    "size",  "len",  "length",
    "type",   "id",      "ids",        "file",     "path",    "dir",    "url",   "uri",  "endpoint",
    "env",    "var",     "name",       "names",    "usage",   "budget", "kind",  "mode", "ttl",
    "expiry", "expires", "expiration", "required", "enabled", "format", "prefix"};
// Header names redacted by their own rules, skipped by the generic one.
constexpr std::string_view kHeaderNames[] = {"authorization", "proxy-authorization", "cookie",
                                             "set-cookie"};

std::string Mark() { return std::string(kRedactedMark); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsUpper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool IsLower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Splits at punctuation and camelCase: "XApiKey" -> x, api, key; "APIKey" -> api, key.
std::vector<std::string> SplitWords(std::string_view name) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(std::move(current));
    current.clear();
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!IsAlnum(c)) {
      flush();
      continue;
    }
    if (IsUpper(c) && !current.empty()) {
      const char prev = name[i - 1];
      const char next = i + 1 < name.size() ? name[i + 1] : '\0';
      if (IsLower(prev) || IsDigit(prev) || (IsUpper(prev) && IsLower(next))) flush();
    }
    current += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  flush();
  return words;
}

template <typename Array>
bool Contains(const Array& array, std::string_view s) {
  return std::find(std::begin(array), std::end(array), s) != std::end(array);
}

bool HasDigit(std::string_view s) { return std::any_of(s.begin(), s.end(), IsDigit); }

bool IsValueStop(char c) {
  switch (c) {
    case '"':
    case '\'':
    case '&':
    case ',':
    case ';':
    case '#':
    case '<':
    case '>':
      return true;
    default:
      return std::isspace(static_cast<unsigned char>(c)) != 0;
  }
}

// The end of the value that starts at `pos`: a quoted string up to its
// closing quote (or the end of the line), else a run up to a blank or a
// separator.
std::size_t ValueEnd(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return pos;
  const char quote = text[pos];
  if (quote == '"' || quote == '\'') {
    for (std::size_t i = pos + 1; i < text.size(); ++i) {
      if (text[i] == '\\' && quote == '"') {
        ++i;
      } else if (text[i] == quote) {
        return i + 1;
      } else if (text[i] == '\n') {
        return i;
      }
    }
    return text.size();
  }
  std::size_t i = pos;
  while (i < text.size() && !IsValueStop(text[i])) ++i;
  return i;
}

bool StartsWithQuote(std::string_view s) { return !s.empty() && (s[0] == '"' || s[0] == '\''); }
bool Closed(std::string_view s) { return s.size() >= 2 && StartsWithQuote(s) && s.back() == s[0]; }

// The value without its quotes.
std::string_view Inner(std::string_view value) {
  if (!StartsWithQuote(value)) return value;
  return Closed(value) ? value.substr(1, value.size() - 2) : value.substr(1);
}

// The value replaced by the mark, its quotes kept.
std::string MaskValue(std::string_view value) {
  if (!StartsWithQuote(value)) return Mark();
  return value.front() + Mark() + (Closed(value) ? std::string(1, value.front()) : std::string());
}

struct Match {
  std::string_view subject;
  const PCRE2_SIZE* ovector;
  int count;

  std::string_view Group(int i) const {
    if (i >= count || ovector[2 * i] == PCRE2_UNSET) return {};
    return subject.substr(ovector[2 * i], ovector[2 * i + 1] - ovector[2 * i]);
  }
  std::size_t End() const { return ovector[1]; }
};

// Gives the replacement for a match, or nullopt to keep it. `end` starts at
// the end of the match; a replacer may move it further to replace a value it
// measured itself. A kept match is not scanned again, so patterns whose
// matches could hold secrets end where the value begins.
using Replacer = std::function<std::optional<std::string>(const Match&, std::size_t& end)>;

struct CodeFree {
  void operator()(pcre2_code* p) const { pcre2_code_free(p); }
};
struct MatchDataFree {
  void operator()(pcre2_match_data* p) const { pcre2_match_data_free(p); }
};

// One compiled pattern and what to do with its matches.
class Rule {
 public:
  Rule(std::string_view pattern, std::uint32_t options, Replacer replacer)
      : replacer_(std::move(replacer)) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options,
                              &error, &offset, nullptr));
    if (!code_) {
      std::array<PCRE2_UCHAR, kErrorMessageBytes> message{};
      pcre2_get_error_message(error, message.data(), message.size());
      std::fprintf(stderr, "redact: bad built-in pattern at %zu: %s\n",
                   static_cast<std::size_t>(offset), reinterpret_cast<char*>(message.data()));
      std::abort();
    }
    // Without JIT support the interpreter runs the same pattern.
    pcre2_jit_compile(code_.get(), PCRE2_JIT_COMPLETE);
  }

  // Appends `text` to `out` with matches replaced. Returns false when
  // matching failed part-way (a PCRE2 resource limit); the rest of the text
  // is then masked, never passed through.
  bool Apply(std::string_view text, std::string& out) const {
    std::unique_ptr<pcre2_match_data, MatchDataFree> data(
        pcre2_match_data_create_from_pattern(code_.get(), nullptr));
    if (!data) {
      out += Mark();
      return false;
    }
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t copied = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const int rc = pcre2_match(code_.get(), subject, text.size(), pos, 0, data.get(), nullptr);
      if (rc == PCRE2_ERROR_NOMATCH) break;
      if (rc <= 0) {
        out.append(text.substr(copied, pos - copied));
        out += Mark();
        return false;
      }
      const Match match{text, pcre2_get_ovector_pointer(data.get()), rc};
      const std::size_t start = match.ovector[0];
      std::size_t end = match.End();
      if (auto replacement = replacer_(match, end)) {
        out.append(text.substr(copied, start - copied));
        out += *replacement;
        copied = end;
      }
      pos = end > start ? end : start + 1;
    }
    out.append(text.substr(copied));
    return true;
  }

 private:
  std::unique_ptr<pcre2_code, CodeFree> code_;
  Replacer replacer_;
};

// Keys of these shapes mix digits or both cases in; prose such as
// "sk-learn-tutorials" does not.
bool LooksRandom(std::string_view s) {
  const bool upper = std::any_of(s.begin(), s.end(), IsUpper);
  const bool lower = std::any_of(s.begin(), s.end(), IsLower);
  return HasDigit(s) || (upper && lower && s.size() >= kBearerLongChars);
}

std::optional<std::string> KeepPrefix(const Match& m, std::size_t&) {
  for (int i = 1; i < m.count; ++i) {
    const std::string_view prefix = m.Group(i);
    if (prefix.empty()) continue;
    if (!LooksRandom(m.Group(0).substr(prefix.size()))) return std::nullopt;
    return std::string(prefix) + Mark();
  }
  return Mark();
}

// Replaces the value after a secret name and separator (the match ends there).
std::optional<std::string> MaskNamedValue(const Match& m, std::string_view name, std::size_t& end) {
  if (!IsSecretName(name)) return std::nullopt;
  const std::size_t value_end = ValueEnd(m.subject, end);
  const std::string_view value = m.subject.substr(end, value_end - end);
  const std::string_view inner = Inner(value);
  if (inner.empty() || inner == kRedactedMark) return std::nullopt;
  std::string out(m.Group(0));
  end = value_end;
  return out + MaskValue(value);
}

std::vector<Rule> BuildRules() {
  constexpr std::uint32_t kCaseless = PCRE2_CASELESS;
  std::vector<Rule> rules;
  rules.emplace_back(
      R"(-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z))", 0,
      [](const Match&, std::size_t&) {
        return std::optional<std::string>("-----BEGIN PRIVATE KEY-----" + Mark());
      });
  rules.emplace_back(
      R"(\b((?:proxy-)?authorization)(["']?[ \t]*[:=][ \t]*["']?)(?:(basic|bearer|digest|token|negotiate|ntlm)[ \t]+)?([^\r\n]+))",
      kCaseless, [](const Match& m, std::size_t& end) -> std::optional<std::string> {
        const std::string_view separator = m.Group(2);
        const std::string_view scheme = m.Group(3);
        const std::string_view credentials = m.Group(4);
        // Single-token schemes end at a blank, quoted values at their quote;
        // Digest and bare values run to the end of the line.
        std::size_t length = credentials.size();
        if (!scheme.empty() && Lower(scheme) != "digest") {
          length = ValueEnd(credentials, 0);
        } else if (StartsWithQuote(separator.substr(separator.size() - 1))) {
          length = std::min(length, credentials.find(separator.back()));
        }
        end = m.End() - credentials.size() + length;
        const std::string_view value = credentials.substr(0, length);
        if (Inner(value) == kRedactedMark) return std::nullopt;
        std::string out(m.Group(1));
        out += separator;
        if (!scheme.empty()) out += std::string(scheme) + " ";
        return out + MaskValue(value);
      });
  rules.emplace_back(R"(\b((?:set-)?cookie)(["']?[ \t]*:[ \t]*["']?)([^\r\n"']+))", kCaseless,
                     [](const Match& m, std::size_t&) -> std::optional<std::string> {
                       if (m.Group(3) == kRedactedMark) return std::nullopt;
                       return std::string(m.Group(1)) + std::string(m.Group(2)) + Mark();
                     });
  rules.emplace_back(R"(\b(bearer)[ \t]+([A-Za-z0-9\-._~+/]+=*))", kCaseless,
                     [](const Match& m, std::size_t&) -> std::optional<std::string> {
                       const std::string_view token = m.Group(2);
                       if (token.size() < kBearerMinChars || !LooksRandom(token)) {
                         return std::nullopt;
                       }
                       return std::string(m.Group(1)) + " " + Mark();
                     });
  rules.emplace_back(
      R"(\b(sk-|gh[pousr]_|github_pat_|xox[abprs]-|hf_)[A-Za-z0-9_\-]{16,}|\b(AKIA)[0-9A-Z]{16}\b|\b(AIza)[0-9A-Za-z_\-]{35}|\b(eyJ)[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)",
      0, KeepPrefix);
  rules.emplace_back(R"(\b([a-z][a-z0-9+.\-]*://[^/\s:@]+:)([^@\s/]+)@)", kCaseless,
                     [](const Match& m, std::size_t&) -> std::optional<std::string> {
                       if (m.Group(2) == kRedactedMark) return std::nullopt;
                       return std::string(m.Group(1)) + Mark() + "@";
                     });
  // Names are bounded so that scanning stays linear on inputs like "a.a.a.a...".
  rules.emplace_back(
      R"((?<![\w-])--([A-Za-z][A-Za-z0-9_\-]{0,63})[ \t]+(?=[^\s\-]))", 0,
      [](const Match& m, std::size_t& end) { return MaskNamedValue(m, m.Group(1), end); });
  rules.emplace_back(R"(\b([A-Za-z][A-Za-z0-9_.\-]{0,63})["']?[ \t]*[:=][ \t]*)", 0,
                     [](const Match& m, std::size_t& end) -> std::optional<std::string> {
                       if (Contains(kHeaderNames, Lower(m.Group(1)))) return std::nullopt;
                       return MaskNamedValue(m, m.Group(1), end);
                     });
  return rules;
}

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = BuildRules();
  return rules;
}

struct ProcessState {
  std::mutex mu;
  std::vector<std::string> values;
  std::shared_ptr<const Redactor> redactor = std::make_shared<const Redactor>();
};

ProcessState& Process() {
  static ProcessState state;
  return state;
}

std::shared_ptr<const Redactor> ProcessRedactor() {
  ProcessState& p = Process();
  std::lock_guard lock(p.mu);
  return p.redactor;
}

}  // namespace

bool IsSecretName(std::string_view name) {
  const std::vector<std::string> words = SplitWords(name);
  if (words.empty() || Contains(kMetadataWords, words.back())) return false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    for (std::string_view ending : kSecretWordEndings) {
      if (words[i].ends_with(ending)) return true;
    }
    if (i + 1 < words.size()) {
      for (const auto& [first, second] : kSecretWordPairs) {
        if (words[i] == first && words[i + 1] == second) return true;
      }
    }
  }
  return false;
}

Redactor::Redactor(std::vector<std::string> secret_values, RedactOptions options)
    : options_(options) {
  for (auto& v : secret_values) {
    if (v.size() >= options_.min_secret_value_bytes && v != kRedactedMark) {
      secret_values_.push_back(std::move(v));
    }
  }
  std::sort(secret_values_.begin(), secret_values_.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() != b.size() ? a.size() > b.size() : a < b;
            });
  secret_values_.erase(std::unique(secret_values_.begin(), secret_values_.end()),
                       secret_values_.end());
}

std::string Redactor::RedactText(std::string_view text) const {
  std::string current(text);
  for (const std::string& secret : secret_values_) {
    std::string next;
    std::size_t copied = 0;
    for (std::size_t at = current.find(secret); at != std::string::npos;
         at = current.find(secret, at + secret.size())) {
      next.append(current, copied, at - copied);
      next += Mark();
      copied = at + secret.size();
    }
    if (copied == 0) continue;
    next.append(current, copied);
    current = std::move(next);
  }
  for (const Rule& rule : Rules()) {
    std::string next;
    next.reserve(current.size());
    const bool complete = rule.Apply(current, next);
    current = std::move(next);
    if (!complete) break;
  }
  return current;
}

Json Redactor::RedactJson(const Json& value) const { return RedactJsonAt(value, 0); }

Json Redactor::RedactJsonAt(const Json& value, int depth) const {
  if (depth > options_.max_depth) return Mark();
  if (value.is_string()) return RedactText(value.get_ref<const std::string&>());
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& item : value) out.push_back(RedactJsonAt(item, depth + 1));
    return out;
  }
  if (!value.is_object()) return value;
  Json out = Json::object();
  for (auto it = value.begin(); it != value.end(); ++it) {
    const Json& v = it.value();
    const bool keep =
        v.is_null() || v.is_boolean() || (v.is_string() && v.get_ref<const std::string&>().empty());
    if (IsSecretName(it.key()) && !keep) {
      out[it.key()] = Mark();
    } else {
      out[it.key()] = RedactJsonAt(v, depth + 1);
    }
  }
  return out;
}

void AddRedactedValues(const std::vector<std::string>& values) {
  ProcessState& p = Process();
  std::lock_guard lock(p.mu);
  for (const auto& v : values) {
    if (!v.empty() && !Contains(p.values, v)) p.values.push_back(v);
  }
  p.redactor = std::make_shared<const Redactor>(p.values);
}

std::string RedactText(std::string_view text) { return ProcessRedactor()->RedactText(text); }

Json RedactJson(const Json& value) { return ProcessRedactor()->RedactJson(value); }

}  // namespace sextant
