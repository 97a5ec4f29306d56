#include "common/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/config.h"
#include "common/redact.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

// Collects lines; the logger serialises calls, so no lock is needed.
class CaptureSink final : public LogSink {
 public:
  explicit CaptureSink(std::shared_ptr<std::vector<std::string>> lines)
      : lines_(std::move(lines)) {}
  void Write(std::string_view line) override { lines_->emplace_back(line); }

 private:
  std::shared_ptr<std::vector<std::string>> lines_;
};

struct Captured {
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
  std::unique_ptr<Logger> logger;

  explicit Captured(LogOptions options = {}) {
    logger = std::make_unique<Logger>(std::make_unique<CaptureSink>(lines), options);
  }
};

// "2026-11-28T10:30:00.123Z": digits where the pattern has 'd'.
bool IsTimestamp(std::string_view s) {
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != kPattern.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    if (kPattern[i] == 'd' ? !digit : s[i] != kPattern[i]) return false;
  }
  return true;
}

Json ParseLine(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  auto parsed = ParseJson(line);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << " in " << line;
  return parsed.ok() ? *parsed : Json();
}

TEST(LogTest, LevelFiltering) {
  Captured c({.level = LogLevel::kWarn});
  c.logger->Log(LogLevel::kTrace, "t", "trace");
  c.logger->Log(LogLevel::kDebug, "t", "debug");
  c.logger->Log(LogLevel::kInfo, "t", "info");
  c.logger->Log(LogLevel::kWarn, "t", "warn");
  c.logger->Log(LogLevel::kError, "t", "error");
  c.logger->Log(LogLevel::kOff, "t", "never");
  ASSERT_EQ(c.lines->size(), 2u);
  EXPECT_NE((*c.lines)[0].find("WARN  [t] warn"), std::string::npos) << (*c.lines)[0];
  EXPECT_NE((*c.lines)[1].find("ERROR [t] error"), std::string::npos) << (*c.lines)[1];
  EXPECT_FALSE(c.logger->Enabled(LogLevel::kInfo));
  EXPECT_TRUE(c.logger->Enabled(LogLevel::kError));

  c.logger->SetLevel(LogLevel::kOff);
  c.logger->Log(LogLevel::kError, "t", "silenced");
  EXPECT_EQ(c.lines->size(), 2u);
  EXPECT_FALSE(c.logger->Enabled(LogLevel::kOff));

  c.logger->SetLevel(LogLevel::kTrace);
  c.logger->Log(LogLevel::kTrace, "t", "now visible");
  EXPECT_EQ(c.lines->size(), 3u);
}

TEST(LogTest, TextFormat) {
  Captured c;
  c.logger->Log(LogLevel::kInfo, "http", "request done",
                {{"path", "/a b"}, {"bytes", 512}, {"ok", true}, {"empty", ""}, {"plain", "x"}});
  ASSERT_EQ(c.lines->size(), 1u);
  const std::string& line = (*c.lines)[0];
  constexpr std::size_t kTimestampBytes = 24;
  EXPECT_TRUE(IsTimestamp(line.substr(0, kTimestampBytes))) << line;
  EXPECT_EQ(line.substr(kTimestampBytes),
            " INFO  [http] request done path=\"/a b\" bytes=512 ok=true empty=\"\" plain=x\n");
}

TEST(LogTest, TextFormatKeepsOneLinePerEntry) {
  Captured c;
  c.logger->Log(LogLevel::kWarn, "", "line1\nline2\r\x01", {{"v", "a\nb"}, {"eq", "k=v"}});
  ASSERT_EQ(c.lines->size(), 1u);
  const std::string& line = (*c.lines)[0];
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_NE(line.find(R"(WARN  line1\nline2\r\x01 v="a\nb" eq="k=v")"), std::string::npos) << line;
}

TEST(LogTest, JsonFormatParsesBack) {
  Captured c({.level = LogLevel::kDebug, .format = LogFormat::kJson});
  c.logger->Log(LogLevel::kDebug, "llm", "sampled \"quoted\"",
                {{"bytes", 5}, {"path", "/tmp/x"}, {"args", Json{{"n", 1}, {"list", {1, 2}}}}});
  ASSERT_EQ(c.lines->size(), 1u);
  const Json j = ParseLine((*c.lines)[0]);
  EXPECT_EQ(j["level"], "debug");
  EXPECT_EQ(j["component"], "llm");
  EXPECT_EQ(j["msg"], "sampled \"quoted\"");
  EXPECT_EQ(j["fields"]["bytes"], 5);
  EXPECT_EQ(j["fields"]["path"], "/tmp/x");
  EXPECT_EQ(j["fields"]["args"]["list"][1], 2);
  EXPECT_TRUE(IsTimestamp(j["ts"].get<std::string>())) << j["ts"];
  EXPECT_EQ((*c.lines)[0].rfind("{\"ts\":", 0), 0u) << (*c.lines)[0];
}

TEST(LogTest, JsonFormatIsValidForOddBytes) {
  Captured c({.format = LogFormat::kJson});
  const std::string odd =
      std::string("bad \xff\xfe utf8, nul ") + std::string(1, '\0') + " ctl \x01\x1b[31m\nnew line";
  c.logger->Log(LogLevel::kError, odd, odd, {{odd, odd}});
  ASSERT_EQ(c.lines->size(), 1u);
  const Json j = ParseLine((*c.lines)[0]);
  EXPECT_EQ(j["level"], "error");
  EXPECT_NE(j["msg"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(j["fields"].size(), 1u);
}

TEST(LogTest, RedactsMessagesAndFields) {
  AddRedactedValues({"zebra-horse-battery-77"});
  for (LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
    Captured c({.format = format});
    c.logger->Log(LogLevel::kInfo, "openai",
                  "POST with Authorization: Bearer abcdef1234567890 and zebra-horse-battery-77",
                  {{"api_key", "sk-proj-abcdefghijklmnop1234"},
                   {"url", "https://x.test/?token=tok123456&q=1"},
                   {"headers", Json{{"Cookie", "sid=abc"}, {"Accept", "text/html"}}},
                   {"max_tokens", 100}});
    ASSERT_EQ(c.lines->size(), 1u);
    const std::string& line = (*c.lines)[0];
    for (const char* leaked :
         {"abcdef1234567890", "zebra-horse", "abcdefghijklmnop", "tok123456", "sid=abc"}) {
      EXPECT_EQ(line.find(leaked), std::string::npos) << leaked << " in " << line;
    }
    EXPECT_NE(line.find("Bearer ***"), std::string::npos) << line;
    EXPECT_NE(line.find("text/html"), std::string::npos) << line;
    EXPECT_NE(line.find("100"), std::string::npos) << line;
    if (format == LogFormat::kJson) {
      const Json j = ParseLine(line);
      EXPECT_EQ(j["fields"]["api_key"], "***");
      EXPECT_EQ(j["fields"]["max_tokens"], 100);
      EXPECT_EQ(j["fields"]["url"], "https://x.test/?token=***&q=1");
    }
  }
}

TEST(LogTest, ValueSizeLimitIsEnforced) {
  Captured c({.format = LogFormat::kJson, .max_value_bytes = 10});
  // "ééééé..." is two bytes a character: the cut must not split one.
  std::string accents;
  for (int i = 0; i < 20; ++i) accents += "\xC3\xA9";
  c.logger->Log(LogLevel::kInfo, "c", std::string(100, 'm'), {{"f", accents}, {"n", 123456789}});
  ASSERT_EQ(c.lines->size(), 1u);
  const Json j = ParseLine((*c.lines)[0]);
  EXPECT_EQ(j["msg"], std::string(10, 'm') + "...(90 bytes more)");
  EXPECT_EQ(j["fields"]["f"], accents.substr(0, 10) + "...(30 bytes more)");
  EXPECT_EQ(j["fields"]["n"], 123456789);

  Captured odd({.format = LogFormat::kJson, .max_value_bytes = 9});
  odd.logger->Log(LogLevel::kInfo, "c", accents);
  const Json k = ParseLine((*odd.lines)[0]);
  EXPECT_EQ(k["msg"], accents.substr(0, 8) + "...(32 bytes more)");
}

TEST(LogTest, ConcurrentWritersNeverInterleaveLines) {
  testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "log.jsonl";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  {
    Logger logger(MakeFdLogSink(fd), {.format = LogFormat::kJson});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&logger, t] {
        const std::string payload(200 + t * 37, static_cast<char>('a' + t));
        for (int i = 0; i < kPerThread; ++i) {
          logger.Log(LogLevel::kInfo, "thread", payload, {{"t", t}, {"i", i}});
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  ::close(fd);

  std::ifstream in(path);
  std::string line;
  std::vector<std::vector<bool>> seen(kThreads, std::vector<bool>(kPerThread, false));
  int count = 0;
  while (std::getline(in, line)) {
    auto j = ParseJson(line);
    ASSERT_TRUE(j.ok()) << "line " << count << ": " << j.status().ToString();
    const int t = (*j)["fields"]["t"];
    const int i = (*j)["fields"]["i"];
    ASSERT_TRUE(t >= 0 && t < kThreads && i >= 0 && i < kPerThread);
    EXPECT_EQ((*j)["msg"], std::string(200 + t * 37, static_cast<char>('a' + t)));
    EXPECT_FALSE(seen[t][i]);
    seen[t][i] = true;
    ++count;
  }
  EXPECT_EQ(count, kThreads * kPerThread);
}

int evaluations = 0;
int CountedValue() { return ++evaluations; }

TEST(LogTest, MacroSkipsArgumentsWhenDisabled) {
  Logger& logger = DefaultLogger();
  const LogLevel saved = logger.level();
  auto lines = std::make_shared<std::vector<std::string>>();
  logger.SetSink(std::make_unique<CaptureSink>(lines));
  logger.SetLevel(LogLevel::kInfo);
  evaluations = 0;
  SEXTANT_LOG(LogLevel::kDebug, "c", "hidden", {{"v", CountedValue()}});
  EXPECT_EQ(evaluations, 0);
  EXPECT_TRUE(lines->empty());
  SEXTANT_LOG(LogLevel::kWarn, "c", "shown", {{"v", CountedValue()}});
  EXPECT_EQ(evaluations, 1);
  LogInfo("c", "plain function");
  LogDebug("c", "filtered");
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_NE((*lines)[0].find("shown v=1"), std::string::npos) << (*lines)[0];
  logger.SetSink(nullptr);
  logger.SetLevel(saved);
}

TEST(LogTest, ConfiguresFromConfig) {
  ConfigRegistry registry;
  DeclareCommonConfig(registry);
  ConfigSources sources;
  sources.flags = {{"log.level", "debug", "--log-level"}, {"log.format", "json", "--log-format"}};
  auto config = LoadConfig(registry, sources);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  Captured c;
  c.logger->Configure(*config);
  EXPECT_EQ(c.logger->level(), LogLevel::kDebug);
  c.logger->Log(LogLevel::kDebug, "c", "m");
  ASSERT_EQ(c.lines->size(), 1u);
  EXPECT_EQ(ParseLine((*c.lines)[0])["level"], "debug");
}

TEST(LogTest, ParseLevelAndFormat) {
  EXPECT_EQ(ParseLogLevel("WARN"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("off"), LogLevel::kOff);
  EXPECT_EQ(ParseLogLevel("verbose"), std::nullopt);
  EXPECT_EQ(ParseLogFormat("Json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("xml"), std::nullopt);
  EXPECT_EQ(LogLevelName(LogLevel::kError), "error");
}

}  // namespace
}  // namespace sextant
