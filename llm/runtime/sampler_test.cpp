#include "llm/runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace sextant::llm {
namespace {

// Filters off and temperature 1: the draw follows softmax(logits).
SamplingParams Plain() {
  SamplingParams p;
  p.temperature = 1;
  p.top_k = 0;
  p.top_p = 1;
  p.min_p = 0;
  return p;
}

std::vector<float> LogitsOf(const std::vector<double>& probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

// Probabilities 1/2, 1/4, 1/8, 1/16, 1/16 for ids 0..4.
std::vector<float> Halving() { return LogitsOf({0.5, 0.25, 0.125, 0.0625, 0.0625}); }

std::set<int32_t> Survivors(const SamplingParams& params, std::vector<float> logits) {
  Sampler sampler(params);
  (void)sampler.Sample(logits, {});
  std::set<int32_t> ids;
  for (const TokenProb& t : sampler.last_candidates()) ids.insert(t.id);
  return ids;
}

TEST(SamplerTest, GreedyTakesArgmaxWithTiesToLowestId) {
  SamplingParams p = Plain();
  p.temperature = 0;
  Sampler sampler(p);
  std::vector<float> logits = {1, 3, 3, 2};
  EXPECT_EQ(sampler.Sample(logits, {}), 1);
  p.temperature = -1;
  Sampler negative(p);
  std::vector<float> more = {0, -1, 5, 5, std::numeric_limits<float>::quiet_NaN()};
  EXPECT_EQ(negative.Sample(more, {}), 2);
  ASSERT_EQ(negative.last_candidates().size(), 1u);
  EXPECT_EQ(negative.last_candidates()[0].id, 2);
}

TEST(SamplerTest, TopKAlone) {
  SamplingParams p = Plain();
  p.top_k = 2;
  EXPECT_EQ(Survivors(p, Halving()), (std::set<int32_t>{0, 1}));
  p.top_k = 1;
  EXPECT_EQ(Survivors(p, Halving()), (std::set<int32_t>{0}));
  p.top_k = 100;
  EXPECT_EQ(Survivors(p, Halving()).size(), 5u);
  p.top_k = 2;  // ties at the cut go to the lower id
  EXPECT_EQ(Survivors(p, {1, 3, 2, 3, 3}), (std::set<int32_t>{1, 3}));
}

TEST(SamplerTest, TopPAlone) {
  SamplingParams p = Plain();
  p.top_p = 0.4f;
  EXPECT_EQ(Survivors(p, Halving()), (std::set<int32_t>{0}));
  p.top_p = 0.7f;
  EXPECT_EQ(Survivors(p, Halving()), (std::set<int32_t>{0, 1}));
  p.top_p = 0.8f;
  EXPECT_EQ(Survivors(p, Halving()), (std::set<int32_t>{0, 1, 2}));
}

TEST(SamplerTest, MinPAlone) {
  SamplingParams p = Plain();
  p.min_p = 0.2f;  // keeps p >= 0.1
  EXPECT_EQ(Survivors(p, Halving()), (std::set<int32_t>{0, 1, 2}));
  p.min_p = 0.3f;  // keeps p >= 0.15
  EXPECT_EQ(Survivors(p, Halving()), (std::set<int32_t>{0, 1}));
}

TEST(SamplerTest, TopPRenormalizesAfterTopK) {
  SamplingParams p = Plain();
  p.top_p = 0.8f;
  p.top_k = 3;  // 0.5, 0.25, 0.125 renormalized: 0.571, 0.857 reaches 0.8 at id 1
  EXPECT_EQ(Survivors(p, Halving()), (std::set<int32_t>{0, 1}));
}

TEST(SamplerTest, TemperatureSharpensProbabilities) {
  SamplingParams p = Plain();
  p.temperature = 0.5f;
  Sampler sampler(p);
  std::vector<float> logits = LogitsOf({0.4, 0.3, 0.2, 0.1});
  (void)sampler.Sample(logits, {});
  std::map<int32_t, float> probs;
  for (const TokenProb& t : sampler.last_candidates()) probs[t.id] = t.prob;
  const double total = 0.16 + 0.09 + 0.04 + 0.01;  // p^(1/T) with T = 0.5
  EXPECT_NEAR(probs[0], 0.16 / total, 1e-5);
  EXPECT_NEAR(probs[3], 0.01 / total, 1e-5);
}

TEST(SamplerTest, SameSeedSameSequence) {
  SamplingParams p = Plain();
  p.seed = 1234;
  Sampler a(p);
  Sampler b(p);
  p.seed = 99;
  Sampler c(p);
  const std::vector<float> base(50, 0.0f);
  std::vector<int32_t> seq_a;
  std::vector<int32_t> seq_b;
  std::vector<int32_t> seq_c;
  for (int i = 0; i < 64; ++i) {
    std::vector<float> la = base;
    std::vector<float> lb = base;
    std::vector<float> lc = base;
    seq_a.push_back(a.Sample(la, {}));
    seq_b.push_back(b.Sample(lb, {}));
    seq_c.push_back(c.Sample(lc, {}));
  }
  EXPECT_EQ(seq_a, seq_b);
  EXPECT_NE(seq_a, seq_c);
  a.Reset();
  std::vector<float> again = base;
  EXPECT_EQ(a.Sample(again, {}), seq_a[0]);
}

// Chi-square goodness of fit of the draw frequencies, for a fixed seed (so
// deterministic), against a generous bound: 3 degrees of freedom have a
// 0.1% critical value of 16.3.
void ExpectFrequencies(float temperature, const std::vector<double>& probs) {
  SamplingParams p = Plain();
  p.temperature = temperature;
  p.seed = 7;
  Sampler sampler(p);
  constexpr int kDraws = 20000;
  std::vector<double> expected(probs.size());
  double total = 0;
  for (double q : probs) total += std::pow(q, 1.0 / temperature);
  for (size_t i = 0; i < probs.size(); ++i) {
    expected[i] = kDraws * std::pow(probs[i], 1.0 / temperature) / total;
  }
  std::vector<int> counts(probs.size());
  for (int i = 0; i < kDraws; ++i) {
    std::vector<float> logits = LogitsOf(probs);
    ++counts.at(static_cast<size_t>(sampler.Sample(logits, {})));
  }
  double chi2 = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    chi2 += (counts[i] - expected[i]) * (counts[i] - expected[i]) / expected[i];
  }
  EXPECT_LT(chi2, 30.0) << "temperature " << temperature;
}

TEST(SamplerTest, DrawFrequenciesFollowTemperature) {
  ExpectFrequencies(1.0f, {0.4, 0.3, 0.2, 0.1});
  ExpectFrequencies(0.5f, {0.4, 0.3, 0.2, 0.1});
  ExpectFrequencies(2.0f, {0.4, 0.3, 0.2, 0.1});
}

TEST(SamplerTest, RepeatPenaltyDividesPositiveAndMultipliesNegative) {
  SamplingParams p = Plain();
  p.temperature = 0;
  p.repeat_penalty = 2;
  Sampler sampler(p);
  std::vector<float> logits = {2, -2, 1.5f};
  const std::vector<int32_t> history = {0, 1, 0, 7000, -3};
  EXPECT_EQ(sampler.Sample(logits, history), 2);
  EXPECT_FLOAT_EQ(logits[0], 1);
  EXPECT_FLOAT_EQ(logits[1], -4);
  EXPECT_FLOAT_EQ(logits[2], 1.5f);
}

TEST(SamplerTest, PresenceAndFrequencyPenaltiesAsOpenAi) {
  SamplingParams p = Plain();
  p.temperature = 0;
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.25f;
  Sampler sampler(p);
  std::vector<float> logits = {3, 2, 1};
  (void)sampler.Sample(logits, std::vector<int32_t>{0, 0, 2});
  EXPECT_FLOAT_EQ(logits[0], 3 - 2 * 0.25f - 0.5f);
  EXPECT_FLOAT_EQ(logits[1], 2);
  EXPECT_FLOAT_EQ(logits[2], 1 - 0.25f - 0.5f);
}

TEST(SamplerTest, PenaltyWindowIsConfigurable) {
  SamplingParams p = Plain();
  p.temperature = 0;
  p.presence_penalty = 1;
  p.penalty_last_n = 1;
  std::vector<float> logits = {3, 2};
  Sampler last_one(p);
  (void)last_one.Sample(logits, std::vector<int32_t>{0, 1});
  EXPECT_FLOAT_EQ(logits[0], 3);
  EXPECT_FLOAT_EQ(logits[1], 1);
  p.penalty_last_n = 0;
  std::vector<float> off = {3, 2};
  Sampler none(p);
  (void)none.Sample(off, std::vector<int32_t>{0, 1});
  EXPECT_FLOAT_EQ(off[0], 3);
  p.penalty_last_n = -1;
  std::vector<float> all = {3, 2};
  Sampler whole(p);
  (void)whole.Sample(all, std::vector<int32_t>{0, 1});
  EXPECT_FLOAT_EQ(all[0], 2);
}

// Top-p over a large vocabulary without top-k buckets the logits instead of
// sorting them all; it must keep exactly the tokens a full sort keeps.
TEST(SamplerTest, TopPOnLargeVocabularyMatchesFullSort) {
  constexpr size_t kVocab = 150000;
  std::mt19937 gen(42);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> logits(kVocab);
  for (float& l : logits) l = normal(gen);

  SamplingParams p = Plain();
  p.top_p = 0.9f;
  const std::set<int32_t> got = Survivors(p, logits);

  std::vector<int32_t> order(kVocab);
  for (size_t i = 0; i < kVocab; ++i) order[i] = static_cast<int32_t>(i);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  const float max_logit = logits[order[0]];
  double total = 0;
  for (float l : logits) total += std::exp(static_cast<double>(l - max_logit));
  std::set<int32_t> want;
  double cum = 0;
  for (int32_t id : order) {
    want.insert(id);
    cum += std::exp(static_cast<double>(logits[id] - max_logit));
    if (cum >= 0.9 * total) break;
  }
  EXPECT_GT(want.size(), 1000u);  // the cut falls deep inside the vocabulary
  EXPECT_EQ(got, want);
}

TEST(SamplerTest, NanLogitsAreNeverDrawn) {
  SamplingParams p = Plain();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Sampler sampler(p);
  for (int i = 0; i < 100; ++i) {
    std::vector<float> logits = {nan, 0, nan, 0};
    const int32_t id = sampler.Sample(logits, {});
    EXPECT_TRUE(id == 1 || id == 3) << id;
  }
}

TEST(SamplingParamsTest, ValidationNamesTheField) {
  EXPECT_TRUE(ValidateSamplingParams({}).ok());
  struct Case {
    SamplingParams params;
    const char* field;
  };
  std::vector<Case> cases;
  const auto with = [&](const char* field, auto change) {
    SamplingParams p;
    change(p);
    cases.push_back({p, field});
  };
  with("temperature", [](SamplingParams& p) { p.temperature = INFINITY; });
  with("top_k", [](SamplingParams& p) { p.top_k = -1; });
  with("top_p", [](SamplingParams& p) { p.top_p = -0.1f; });
  with("top_p", [](SamplingParams& p) { p.top_p = 0; });
  with("top_p", [](SamplingParams& p) { p.top_p = 1.5f; });
  with("min_p", [](SamplingParams& p) { p.min_p = -0.5f; });
  with("min_p", [](SamplingParams& p) { p.min_p = NAN; });
  with("repeat_penalty", [](SamplingParams& p) { p.repeat_penalty = 0; });
  with("presence_penalty", [](SamplingParams& p) { p.presence_penalty = 2.5f; });
  with("frequency_penalty", [](SamplingParams& p) { p.frequency_penalty = -3; });
  with("penalty_last_n", [](SamplingParams& p) { p.penalty_last_n = -2; });
  for (const Case& c : cases) {
    Status s = ValidateSamplingParams(c.params);
    ASSERT_FALSE(s.ok()) << c.field;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace sextant::llm
