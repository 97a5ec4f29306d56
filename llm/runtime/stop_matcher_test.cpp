#include "llm/runtime/stop_matcher.h"

#include <gtest/gtest.h>

namespace sextant::llm {
namespace {

// Feeds `pieces` and returns everything emitted (Flush included unless stopped).
std::string FeedAll(StopMatcher& matcher, const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& piece : pieces) {
    StopMatcher::Step step = matcher.Feed(piece);
    out += step.emit;
    if (step.stopped) return out;
  }
  return out + matcher.Flush();
}

TEST(StopMatcherTest, PassesTextWithoutStops) {
  StopMatcher matcher({});
  EXPECT_EQ(matcher.Feed("hello ").emit, "hello ");
  EXPECT_EQ(matcher.Feed("world").emit, "world");
  EXPECT_FALSE(matcher.stopped());
  EXPECT_EQ(matcher.Flush(), "");
}

TEST(StopMatcherTest, StopInsideOnePiece) {
  StopMatcher matcher({"STOP"});
  StopMatcher::Step step = matcher.Feed("abcSTOPdef");
  EXPECT_EQ(step.emit, "abc");
  EXPECT_TRUE(step.stopped);
  EXPECT_EQ(matcher.matched(), "STOP");
  StopMatcher::Step after = matcher.Feed("more");
  EXPECT_TRUE(after.stopped);
  EXPECT_EQ(after.emit, "");
  EXPECT_EQ(matcher.Flush(), "");
}

TEST(StopMatcherTest, StopSplitAcrossPiecesIsHeldBack) {
  StopMatcher matcher({"</answer>"});
  StopMatcher::Step a = matcher.Feed("42 </an");
  EXPECT_EQ(a.emit, "42 ");
  EXPECT_FALSE(a.stopped);
  StopMatcher::Step b = matcher.Feed("sw");
  EXPECT_EQ(b.emit, "");
  StopMatcher::Step c = matcher.Feed("er> tail");
  EXPECT_EQ(c.emit, "");
  EXPECT_TRUE(c.stopped);
}

TEST(StopMatcherTest, FalseStartIsReleased) {
  StopMatcher matcher({"</answer>"});
  EXPECT_EQ(matcher.Feed("a </an").emit, "a ");
  EXPECT_EQ(matcher.Feed("d b").emit, "</and b");
  EXPECT_EQ(matcher.Feed("<").emit, "");
  EXPECT_EQ(matcher.Flush(), "<");
}

TEST(StopMatcherTest, OverlappingPrefixes) {
  // "aab" inside "aaab": the first 'a' is safe, the rest could still start a stop.
  StopMatcher self_overlap({"aab"});
  EXPECT_EQ(self_overlap.Feed("aa").emit, "");
  EXPECT_EQ(self_overlap.Feed("a").emit, "a");
  StopMatcher::Step hit = self_overlap.Feed("b!");
  EXPECT_TRUE(hit.stopped);
  EXPECT_EQ(hit.emit, "");

  // Two stops that overlap: the earliest match wins.
  StopMatcher two({"bcd", "abc"});
  EXPECT_EQ(FeedAll(two, {"xa", "b", "cd"}), "x");
  EXPECT_EQ(two.matched(), "abc");

  // One stop a prefix of another: the shorter one ends the text first.
  StopMatcher nested({"END", "ENDING"});
  EXPECT_EQ(FeedAll(nested, {"the ", "EN", "DING"}), "the ");
  EXPECT_EQ(nested.matched(), "END");
}

TEST(StopMatcherTest, EveryPieceSplitGivesTheSameText) {
  const std::string text = "The result is <|im_end|> and more";
  for (size_t split = 0; split <= text.size(); ++split) {
    StopMatcher matcher({"<|im_end|>", "\n\n"});
    EXPECT_EQ(FeedAll(matcher, {text.substr(0, split), text.substr(split)}), "The result is ")
        << split;
    EXPECT_TRUE(matcher.stopped());
  }
  const std::string clean = "no stop here <|im_";
  for (size_t split = 0; split <= clean.size(); ++split) {
    StopMatcher matcher({"<|im_end|>"});
    EXPECT_EQ(FeedAll(matcher, {clean.substr(0, split), clean.substr(split)}), clean) << split;
    EXPECT_FALSE(matcher.stopped());
  }
}

TEST(StopMatcherTest, MultibyteTextIsEmittedWholeCharacters) {
  // U+00E9 (2 bytes), U+20AC (3 bytes), U+1F600 (4 bytes), fed byte by byte.
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80!";
  StopMatcher matcher({});
  std::string out;
  for (char c : text) {
    StopMatcher::Step step = matcher.Feed(std::string(1, c));
    if (!step.emit.empty()) {
      const auto last = static_cast<unsigned char>(step.emit.back());
      EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << "ends inside a character";
      const auto first = static_cast<unsigned char>(step.emit.front());
      EXPECT_NE(first & 0xC0, 0x80) << "starts inside a character";
    }
    out += step.emit;
  }
  out += matcher.Flush();
  EXPECT_EQ(out, text);

  // A multibyte stop string split inside a character.
  StopMatcher euro({"\xE2\x82\xAC"});
  EXPECT_EQ(FeedAll(euro, {"5 \xE2", "\x82", "\xAC", " more"}), "5 ");
  EXPECT_TRUE(euro.stopped());
}

TEST(StopMatcherTest, EmptyStopsAreIgnored) {
  StopMatcher matcher({"", "x"});
  EXPECT_EQ(FeedAll(matcher, {"abc"}), "abc");
  EXPECT_FALSE(matcher.stopped());
}

}  // namespace
}  // namespace sextant::llm
