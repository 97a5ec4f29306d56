#include "common/redact.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace sextant {
namespace {

struct TextCase {
  std::string input;
  std::string want;
};

TEST(RedactTest, TextRules) {
  const std::string pem =
      "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----\n"
      "done";
  const TextCase cases[] = {
      {"Authorization: Bearer abc123def456ghi", "Authorization: Bearer ***"},
      {"authorization: Basic dXNlcjpwYXNzd29yZA==", "authorization: Basic ***"},
      {"curl -H 'Authorization: token ghp_0123456789abcdefghijABCDEFGHIJ' x",
       "curl -H 'Authorization: token ***' x"},
      {R"({"Authorization": "Bearer abc123def456", "Accept": "*/*"})",
       R"({"Authorization": "Bearer ***", "Accept": "*/*"})"},
      {"Proxy-Authorization: Digest abc", "Proxy-Authorization: Digest ***"},
      {"Authorization: Digest username=\"u\", response=\"r\"", "Authorization: Digest ***"},
      {R"({"authorization": "raw value", "a": 1})", R"({"authorization": "***", "a": 1})"},
      {"got Authorization: Bearer abc123def456 back", "got Authorization: Bearer *** back"},
      {"Authorization: raw-value with blanks", "Authorization: ***"},
      {"Authorization: Bearer \"abc def\" x", "Authorization: Bearer \"***\" x"},
      {"sent Bearer eyJhbGciOiJIUzI1NiJ9 to it", "sent Bearer *** to it"},
      {"Cookie: session=abc; theme=dark\nnext", "Cookie: ***\nnext"},
      {"Set-Cookie: id=a3fWa; Expires=Thu", "Set-Cookie: ***"},
      {"key sk-proj-AbC123dEf456GhI789jKl end", "key sk-*** end"},
      {"token ghp_0123456789abcdefghijABCDEFGHIJ", "token ghp_***"},
      {"github_pat_11ABCDEFG0123456789_abcdefghijk", "github_pat_***"},
      {"slack xoxb-1234567890-abcdefghij", "slack xoxb-***"},
      {"hf_abcdefghijKLMNOPQRST1234", "hf_***"},
      {"aws AKIAIOSFODNN7EXAMPLE here", "aws AKIA*** here"},
      {"AIzaSyA-1234567890abcdefghijklmnopqrstu", "AIza***"},
      {"jwt "
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
       "jwt eyJ***"},
      {pem, "key:\n-----BEGIN PRIVATE KEY-----***\ndone"},
      {"oops -----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN", "oops -----BEGIN PRIVATE KEY-----***"},
      {"https://api.example.com/v1?api_key=abc123&q=1",
       "https://api.example.com/v1?api_key=***&q=1"},
      {"GET /cb?access_token=xyz.abc&state=5", "GET /cb?access_token=***&state=5"},
      {"GET /cb?code=1&token=t0k#frag", "GET /cb?code=1&token=***#frag"},
      {"postgres://admin:s3cr3t@db:5432/x", "postgres://admin:***@db:5432/x"},
      {"password: hunter22 user: bob", "password: *** user: bob"},
      {"DB_PASSWORD=hunter2 HOME=/root", "DB_PASSWORD=*** HOME=/root"},
      {R"({"api_key": "abc def", "model": "gpt"})", R"({"api_key": "***", "model": "gpt"})"},
      {R"(client_secret = 'x y z')", R"(client_secret = '***')"},
      {R"(secret="unterminated)", R"(secret="***)"},
      {"run --api-key abc123 --model x", "run --api-key *** --model x"},
      {"run --password \"a b\" --verbose", "run --password \"***\" --verbose"},
      {"run --token=abc --x", "run --token=*** --x"},
      {"SEXTANT_OPENAI_API_KEY=sk-1", "SEXTANT_OPENAI_API_KEY=***"},
  };
  const Redactor redactor;
  for (const TextCase& c : cases) {
    EXPECT_EQ(redactor.RedactText(c.input), c.want) << c.input;
  }
}

TEST(RedactTest, TextThatOnlyMentionsSecretsIsKept) {
  const std::string keep[] = {
      "",
      "the token limit is 4096 tokens",
      "max_tokens=100 token_count=5 prompt_tokens: 12",
      "tokenizer: bpe",
      "use a Bearer token for auth",
      "Bearer authentication is required",
      "the password was changed",
      "see sk-learn-tutorials-and-more",
      "desk-0123456789abcdefghij",
      "--max-tokens 100 --token-limit 5",
      "api_key_env=OPENAI_API_KEY password_file=/run/secrets/db",
      "token: ***",
      "https://example.com/path?q=1&page=2",
      "time 12:30:45, ratio=0.5",
      "no secrets \xff\xfe here",
      "password:",
      "token=",
  };
  const Redactor redactor;
  for (const std::string& text : keep) EXPECT_EQ(redactor.RedactText(text), text) << text;
}

TEST(RedactTest, SecretNames) {
  for (const char* name : {"token",
                           "api_key",
                           "apiKey",
                           "APIKey",
                           "X-Api-Key",
                           "OPENAI_API_KEY",
                           "openai.api_key",
                           "accessToken",
                           "access_token",
                           "refresh_token",
                           "authtoken",
                           "client_secret",
                           "DB_PASSWORD",
                           "passwd",
                           "passphrase",
                           "Authorization",
                           "proxy-authorization",
                           "Cookie",
                           "set-cookie",
                           "credentials",
                           "private_key",
                           "privateKey",
                           "aws_secret_access_key",
                           "secrets",
                           "password_plain"}) {
    EXPECT_TRUE(IsSecretName(name)) << name;
  }
  for (const char* name :
       {"", "max_tokens", "token_count", "prompt_tokens", "tokens", "tokenizer", "password_file",
        "api_key_env", "secret_name", "key", "monkey", "id", "token_limit", "private_key_path",
        "cookie_name", "keyboard", "AWS_ACCESS_KEY_ID", "session"}) {
    EXPECT_FALSE(IsSecretName(name)) << name;
  }
}

TEST(RedactTest, JsonNesting) {
  const Json in = Json::parse(R"({
    "model": "gpt",
    "token_count": 5,
    "token": null,
    "password": "",
    "secret_enabled": true,
    "headers": {"Authorization": "Bearer abc123def456", "Accept": "text/html"},
    "messages": [
      {"role": "user", "content": "my key is sk-proj-AbC123dEf456GhI789jKl"},
      {"nested": [{"credentials": {"user": "u", "pass": "p"}}, "plain"]}
    ],
    "apiKey": 12345
  })");
  const Json want = Json::parse(R"({
    "model": "gpt",
    "token_count": 5,
    "token": null,
    "password": "",
    "secret_enabled": true,
    "headers": {"Authorization": "***", "Accept": "text/html"},
    "messages": [
      {"role": "user", "content": "my key is sk-***"},
      {"nested": [{"credentials": "***"}, "plain"]}
    ],
    "apiKey": "***"
  })");
  EXPECT_EQ(Redactor().RedactJson(in), want);
  EXPECT_EQ(Redactor().RedactJson(Json("Bearer abc123def456")), Json("Bearer ***"));
  EXPECT_EQ(Redactor().RedactJson(Json(42)), Json(42));
}

TEST(RedactTest, DepthLimitIsEnforced) {
  Json deep = "Bearer abc123def456";
  for (int i = 0; i < 10; ++i) deep = Json::array({deep});
  RedactOptions options;
  options.max_depth = 3;
  Json out = Redactor({}, options).RedactJson(deep);
  // Depths 0..3 are kept; the subtree below is replaced whole.
  EXPECT_EQ(out, Json::array({Json::array({Json::array({Json::array({"***"})})})}));

  Json shallow = Json::array({Json::array({"Bearer abc123def456"})});
  EXPECT_EQ(Redactor({}, options).RedactJson(shallow), Json::array({Json::array({"Bearer ***"})}));
}

TEST(RedactTest, RegisteredSecretValues) {
  const Redactor redactor({"correct-horse-battery", "battery", "abc", ""});
  EXPECT_EQ(redactor.RedactText("pw=correct-horse-battery; then battery x"), "pw=***; then *** x");
  // "abc" is below the minimum length for free text.
  EXPECT_EQ(redactor.RedactText("abc"), "abc");
  EXPECT_EQ(redactor.RedactJson(Json{{"note", "correct-horse-battery"}, {"password", "abc"}}),
            (Json{{"note", "***"}, {"password", "***"}}));

  RedactOptions options;
  options.min_secret_value_bytes = 3;
  EXPECT_EQ(Redactor({"abc"}, options).RedactText("xabcx"), "x***x");
}

TEST(RedactTest, ProcessWideValues) {
  const std::string secret = "process-wide-secret-7f3a";
  EXPECT_EQ(RedactText("v " + secret), "v " + secret);
  AddRedactedValues({secret, ""});
  EXPECT_EQ(RedactText("v " + secret), "v ***");
  EXPECT_EQ(RedactJson(Json::array({secret})), Json::array({"***"}));
}

TEST(RedactTest, HostileInputStaysLinear) {
  const std::string inputs[] = {
      [] {
        std::string s;
        for (int i = 0; i < 100000; ++i) s += "a.";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 50000; ++i) s += "a=a:";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 40000; ++i) s += "Bearer ";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 40000; ++i) s += "sk-sk-";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 30000; ++i) s += "x://a:b";
        return s;
      }(),
      std::string(200000, '"'),
      std::string(200000, '\xff'),
  };
  const Redactor redactor;
  for (const std::string& in : inputs) {
    const auto start = std::chrono::steady_clock::now();
    const std::string out = redactor.RedactText(in);
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(out.empty());
    // A generous bound: quadratic behaviour would take minutes on these.
    EXPECT_LT(took, std::chrono::seconds(5)) << in.substr(0, 20);
  }
}

TEST(RedactTest, LongValuesAreMaskedWhole) {
  const Redactor redactor;
  const std::string body(1 << 20, 'A');
  EXPECT_EQ(redactor.RedactText("-----BEGIN PRIVATE KEY-----\n" + body),
            "-----BEGIN PRIVATE KEY-----***");
  EXPECT_EQ(redactor.RedactText("Authorization: " + body), "Authorization: ***");
  EXPECT_EQ(redactor.RedactText("token=" + body + " next"), "token=*** next");
  EXPECT_EQ(redactor.RedactText("Bearer 1" + body), "Bearer ***");
}

TEST(RedactTest, DuplicateSecretValues) {
  const Redactor redactor({"bbbbbbbb", "aaaaaaaa", "bbbbbbbb", "aaaaaaaa"});
  EXPECT_EQ(redactor.RedactText("aaaaaaaa bbbbbbbb"), "*** ***");
}

TEST(RedactTest, SecretsNeverSurviveInLargeText) {
  std::string text(100000, 'x');
  text += " Authorization: Bearer zz9-abcdefgh ";
  text += std::string(100000, 'y');
  const std::string out = Redactor().RedactText(text);
  EXPECT_EQ(out.find("zz9-abcdefgh"), std::string::npos);
  EXPECT_EQ(out.size(), text.size() - std::string("zz9-abcdefgh").size() + 3);
  EXPECT_NE(out.find("Bearer *** yyy"), std::string::npos);
}

}  // namespace
}  // namespace sextant
