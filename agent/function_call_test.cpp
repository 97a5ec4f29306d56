#include "agent/function_call.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/testing/testdata.h"

namespace sextant::agent {
namespace {

using ::sextant::testing::Contains;

FunctionCall MustParse(std::string_view text, const FunctionCallLimits& limits = {}) {
  auto call = ParseFunctionCall(text, limits);
  EXPECT_TRUE(call.ok()) << call.status().ToString() << "\n  for: " << text;
  return call.ok() ? *call : FunctionCall{};
}

// The failure message; fails the test when parsing succeeds or the code is wrong.
std::string MustFail(std::string_view text, const FunctionCallLimits& limits = {}) {
  auto call = ParseFunctionCall(text, limits);
  EXPECT_FALSE(call.ok()) << "parsed: " << text;
  if (call.ok()) return "";
  EXPECT_EQ(call.status().code(), StatusCode::kInvalidArgument);
  return call.status().message();
}

TEST(ParseFunctionCall, PlainObject) {
  const FunctionCall call = MustParse(R"({"name": "shell", "arguments": {"cmd": "ls -l"}})");
  EXPECT_EQ(call.name, "shell");
  EXPECT_EQ(call.arguments, (Json{{"cmd", "ls -l"}}));
}

TEST(ParseFunctionCall, FencedWithProse) {
  const FunctionCall call = MustParse(
      "I will list the files.\n```json\n{\"name\": \"shell\", \"arguments\": {\"cmd\": \"ls\"}}\n"
      "```\nThat should work {hopefully}.");
  EXPECT_EQ(call.name, "shell");
  EXPECT_EQ(call.arguments, (Json{{"cmd", "ls"}}));
  const FunctionCall bare = MustParse("```\n{\"name\": \"a\"}\n```");
  EXPECT_EQ(bare.name, "a");
  EXPECT_EQ(bare.arguments, Json::object());
}

TEST(ParseFunctionCall, FenceIsPreferredOverEarlierBraces) {
  const FunctionCall call =
      MustParse("Template: {\"name\": \"example\"}\n```json\n{\"name\": \"real\"}\n```");
  EXPECT_EQ(call.name, "real");
}

TEST(ParseFunctionCall, ProseAroundWithoutFence) {
  const FunctionCall call = MustParse(
      "Let me search. {\"name\": \"web_search\", \"arguments\": {\"q\": \"x\"}} Then I "
      "will read the results.");
  EXPECT_EQ(call.name, "web_search");
  EXPECT_EQ(call.arguments, (Json{{"q", "x"}}));
}

TEST(ParseFunctionCall, SkipsBracesInProseThatAreNotJson) {
  const FunctionCall call = MustParse("Using {curly braces}: {\"name\": \"a\", \"arguments\": {}}");
  EXPECT_EQ(call.name, "a");
}

TEST(ParseFunctionCall, SingleQuotesTrailingCommasAndPythonLiterals) {
  const FunctionCall call = MustParse(
      "{'name': 'file_write', 'arguments': {'path': 'a.txt', 'append': True, 'mode': None, "
      "'force': False, 'lines': [1, 2,], 'note': 'it\\'s \"ok\"',},}");
  EXPECT_EQ(call.name, "file_write");
  EXPECT_EQ(call.arguments, (Json{{"path", "a.txt"},
                                  {"append", true},
                                  {"mode", nullptr},
                                  {"force", false},
                                  {"lines", {1, 2}},
                                  {"note", "it's \"ok\""}}));
}

TEST(ParseFunctionCall, BareKeysCommentsAndRawNewlines) {
  const FunctionCall call = MustParse(
      "{name: \"python\", // the tool\n arguments: {code: \"print(1)\nprint(2)\"} /* done */}");
  EXPECT_EQ(call.name, "python");
  EXPECT_EQ(call.arguments, (Json{{"code", "print(1)\nprint(2)"}}));
}

TEST(ParseFunctionCall, ArgumentsAsString) {
  const FunctionCall call = MustParse(R"({"name": "a", "arguments": "{\"x\": 1, \"y\": [true]}"})");
  EXPECT_EQ(call.arguments, (Json{{"x", 1}, {"y", {true}}}));
  const FunctionCall lenient = MustParse(R"({"name": "a", "arguments": "{'x': 'v',}"})");
  EXPECT_EQ(lenient.arguments, (Json{{"x", "v"}}));
  const FunctionCall empty = MustParse(R"({"name": "a", "arguments": "  "})");
  EXPECT_EQ(empty.arguments, Json::object());
  const FunctionCall null_args = MustParse(R"({"name": "a", "arguments": null})");
  EXPECT_EQ(null_args.arguments, Json::object());
}

TEST(ParseFunctionCall, Shapes) {
  const FunctionCall function = MustParse(R"({"function": {"name": "a", "arguments": {"x": 1}}})");
  EXPECT_EQ(function.name, "a");
  EXPECT_EQ(function.arguments, (Json{{"x", 1}}));
  const FunctionCall openai = MustParse(
      R"({"id": "call_1", "type": "function", "function": {"name": "b", "arguments": "{\"y\": 2}"}})");
  EXPECT_EQ(openai.name, "b");
  EXPECT_EQ(openai.arguments, (Json{{"y", 2}}));
  const FunctionCall tool_calls = MustParse(
      R"({"tool_calls": [{"function": {"name": "first", "arguments": {}}}, {"name": "second"}]})");
  EXPECT_EQ(tool_calls.name, "first");
  const FunctionCall parameters = MustParse(R"({"name": "c", "parameters": {"z": 3}})");
  EXPECT_EQ(parameters.name, "c");
  EXPECT_EQ(parameters.arguments, (Json{{"z", 3}}));
  const FunctionCall named_function = MustParse(R"({"function": "d", "arguments": {"w": 4}})");
  EXPECT_EQ(named_function.name, "d");
  EXPECT_EQ(named_function.arguments, (Json{{"w", 4}}));
  const FunctionCall trimmed = MustParse(R"({"name": "  e \n"})");
  EXPECT_EQ(trimmed.name, "e");
}

TEST(ParseFunctionCall, NoObjectMessage) {
  EXPECT_EQ(MustFail(""), "no JSON object found in the reply");
  EXPECT_EQ(MustFail("I am done thinking."), "no JSON object found in the reply");
  EXPECT_EQ(MustFail("[1, 2, 3]"), "no JSON object found in the reply");
}

TEST(ParseFunctionCall, SyntaxErrorNamesLineAndColumn) {
  const std::string message = MustFail("{\n  \"name\": \"a\",\n  \"arguments\": {\"x\" 1}\n}");
  EXPECT_TRUE(Contains(message, "JSON syntax error at line 3 column 21")) << message;
  EXPECT_TRUE(Contains(message, "expected ':' after the key \"x\"")) << message;
  const std::string unclosed = MustFail(R"(Call: {"name": "a", "arguments": {"x": 1})");
  EXPECT_TRUE(Contains(unclosed, "JSON syntax error at line 1 column")) << unclosed;
  EXPECT_TRUE(Contains(unclosed, "object opened at line 1 column 7 is not closed")) << unclosed;
  const std::string unterminated = MustFail(R"({"name": "a)");
  EXPECT_TRUE(Contains(unterminated, "unterminated string")) << unterminated;
  const std::string word = MustFail(R"({"name": shell})");
  EXPECT_TRUE(Contains(word, "unexpected word 'shell'")) << word;
}

TEST(ParseFunctionCall, BrokenOuterCallIsNotReplacedByAnInnerObject) {
  const std::string message =
      MustFail(R"({"name": "write", "arguments": {"name": "inner", "body": "x"} oops})");
  EXPECT_TRUE(Contains(message, "JSON syntax error")) << message;
}

TEST(ParseFunctionCall, ShapeErrorMessages) {
  EXPECT_EQ(MustFail(R"({"arguments": {}})"), "the call has no \"name\" string");
  EXPECT_EQ(MustFail(R"({"name": 5})"), "the call has no \"name\" string");
  EXPECT_EQ(MustFail(R"({"name": " "})"), "the call's \"name\" is empty");
  EXPECT_EQ(MustFail(R"({"name": "a", "arguments": [1]})"),
            "\"arguments\" must be an object, got array");
  EXPECT_EQ(MustFail(R"({"name": "a", "parameters": 7})"),
            "\"parameters\" must be an object, got number");
  EXPECT_EQ(MustFail(R"({"name": "a", "arguments": "[1]"})"),
            "\"arguments\" must be an object, got a string holding an array");
  const std::string bad_string = MustFail(R"({"name": "a", "arguments": "{\"x\": }"})");
  EXPECT_TRUE(Contains(bad_string, "\"arguments\" is a string that does not hold a JSON object"))
      << bad_string;
  EXPECT_TRUE(Contains(bad_string, "line 1 column 7 of the string")) << bad_string;
  const std::string trailing = MustFail(R"({"name": "a", "arguments": "{} and more"})");
  EXPECT_TRUE(Contains(trailing, "text after its JSON object")) << trailing;
  EXPECT_EQ(MustFail(R"({"tool_calls": []})"), "\"tool_calls\" is empty");
  EXPECT_EQ(MustFail(R"({"tool_calls": {}})"),
            "\"tool_calls\" must be an array of calls, got object");
  EXPECT_EQ(MustFail(R"({"tool_calls": [3]})"), "the call must be a JSON object, got number");
}

TEST(ParseFunctionCall, TextLimitAtValueAndOneOver) {
  constexpr std::size_t kLimit = 64;
  FunctionCallLimits limits;
  limits.max_text_bytes = kLimit;
  std::string text = R"({"name": "a"})";
  text.append(kLimit - text.size(), ' ');
  ASSERT_EQ(text.size(), kLimit);
  EXPECT_EQ(MustParse(text, limits).name, "a");
  text += ' ';
  const std::string message = MustFail(text, limits);
  EXPECT_TRUE(Contains(message, "over the limit of 64 bytes")) << message;
}

TEST(ParseFunctionCall, DepthLimitAtValueAndOneOver) {
  FunctionCallLimits limits;
  limits.max_depth = 4;  // the call, arguments, x, and y's array
  EXPECT_EQ(MustParse(R"({"name": "a", "arguments": {"x": {"y": [1]}}})", limits).name, "a");
  const std::string message =
      MustFail(R"({"name": "a", "arguments": {"x": {"y": [[1]]}}})", limits);
  EXPECT_TRUE(Contains(message, "too deep")) << message;
  const std::string in_string =
      MustFail(R"({"name": "a", "arguments": "{\"x\": {\"y\": {\"z\": [[1]]}}}"})", limits);
  EXPECT_TRUE(Contains(in_string, "too deep")) << in_string;
}

TEST(ParseFunctionCall, VeryDeepNestingFailsCleanly) {
  std::string text = R"({"name": "a", "arguments": {"x": )";
  text.append(200000, '[');
  const std::string message = MustFail(text);
  EXPECT_TRUE(Contains(message, "too deep")) << message;
}

TEST(ParseFunctionCall, MutatedInputNeverCrashes) {
  const std::vector<std::string> seeds = {
      R"({"name": "shell", "arguments": {"cmd": "ls", "n": [1, 2.5e3, -0, true, null]}})",
      "```json\n{'function': {'name': 'a', 'arguments': \"{\\\"x\\\": "
      "\\\"\\u00e9\\ud83d\\ude00\\\"}\"}}\n```",
      R"(text {"tool_calls": [{"name": "b", "parameters": {"k": 'v',}}]} /* c */ more)",
  };
  const std::string alphabet = "{}[]\"',:\\/*` \n-+.0123456789eEtfnTFNu";
  std::mt19937 rng(12345);
  int parsed = 0;
  int failed = 0;
  constexpr int kRounds = 20000;
  for (int round = 0; round < kRounds; ++round) {
    std::string text = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      const char c =
          (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          text[at] = c;
          break;
        case 1:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          text.erase(at, 1);
          break;
      }
    }
    auto call = ParseFunctionCall(text);
    if (call.ok()) {
      ++parsed;
      ASSERT_FALSE(call->name.empty()) << text;
      ASSERT_TRUE(call->arguments.is_object()) << text;
    } else {
      ++failed;
      ASSERT_EQ(call.status().code(), StatusCode::kInvalidArgument) << text;
      ASSERT_FALSE(call.status().message().empty()) << text;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(failed, 0);
}

const std::vector<std::string> kTools = {"web_search", "web_browse", "shell",
                                         "python",     "file_read",  "file_write"};

TEST(CloseNames, ClosestFirst) {
  auto names = CloseNames("web_serch", kTools);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "web_search");
  EXPECT_EQ(CloseNames("SHELL", kTools), std::vector<std::string>{"shell"});
  auto files = CloseNames("file_reed", kTools);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], "file_read");
  EXPECT_EQ(files[1], "file_write");
}

TEST(CloseNames, TiesByNameAndMax) {
  const std::vector<std::string> known = {"abcy", "abcx", "abcw", "abcv"};
  EXPECT_EQ(CloseNames("abcz", known, 3), (std::vector<std::string>{"abcv", "abcw", "abcx"}));
  EXPECT_EQ(CloseNames("abcz", known, 1), (std::vector<std::string>{"abcv"}));
  EXPECT_TRUE(CloseNames("abcz", known, 0).empty());
}

TEST(CloseNames, SubstringAndPrefixMatches) {
  auto names = CloseNames("search", kTools);
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0], "web_search");
  auto prefix = CloseNames("pyth_runner", kTools);
  ASSERT_EQ(prefix.size(), 1u);
  EXPECT_EQ(prefix[0], "python");
  EXPECT_TRUE(CloseNames("zzz", kTools).empty());
  EXPECT_TRUE(CloseNames("", kTools).empty());
  EXPECT_TRUE(CloseNames("shell", {}).empty());
}

TEST(CloseNames, HugeNameIsBounded) {
  const std::string huge(1 << 20, 'q');
  EXPECT_TRUE(CloseNames(huge, kTools).empty());
  std::vector<std::string> known = kTools;
  known.push_back(std::string(1000, 'q') + "x");
  EXPECT_EQ(CloseNames(huge, known).size(), 1u);
}

}  // namespace
}  // namespace sextant::agent
