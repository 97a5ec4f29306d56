#include "toolserver/tools/kb.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/registry.h"
#include "toolserver/server_config.h"

namespace sextant::toolserver::tools {
namespace {

namespace fs = std::filesystem;
namespace kn = sextant::knowledge;
using sextant::testing::Contains;
using sextant::testing::TempDir;
using std::chrono::seconds;

constexpr char kSession[] = "sess-1";
// Subjects with this many triples each, for the limit tests.
constexpr int kManyObjects = 6;

// A knowledge base file with capitals (functional, inverse has_capital),
// an alias, and one subject with kManyObjects "knows" triples.
void MakeKbFile(const fs::path& path) {
  auto kb = kn::KnowledgeBase::Open(path);
  ASSERT_TRUE(kb.ok()) << kb.status().ToString();
  for (const auto& [s, o] : std::vector<std::pair<const char*, const char*>>{
           {"Paris", "France"}, {"Berlin", "Germany"}, {"Rome", "Italy"}}) {
    ASSERT_TRUE((*kb)->AddTriple({s, "capital_of", o, "test", 1.0}).ok());
  }
  ASSERT_TRUE((*kb)->SetRelationFunctional("capital_of", true).ok());
  ASSERT_TRUE((*kb)->SetRelationInverse("capital_of", "has_capital").ok());
  ASSERT_TRUE((*kb)->AddEntityAlias("France", "French Republic").ok());
  for (int i = 0; i < kManyObjects; ++i) {
    ASSERT_TRUE((*kb)->AddTriple({"Alice", "knows", "Person " + std::to_string(i), "", 1.0}).ok());
  }
}

class KbToolsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = tmp_.path() / "kb.sqlite";
    MakeKbFile(path_);
    ctx_.session_id = kSession;
    ctx_.workspace = tmp_.path();
    ctx_.deadline = std::chrono::steady_clock::now() + seconds(60);
  }
  // Opens the file and makes the tools with `options`.
  void Make(const KbToolOptions& options, bool writable) {
    tools_.clear();
    registry_ = std::make_unique<ToolRegistry>();
    auto backend = OpenKnowledgeToolBackend(path_, writable);
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(backend).value();
    for (auto& t : MakeKnowledgeTools(*backend_.kb, *backend_.verifier, options)) {
      tools_[t->spec().name] = t.get();
      ASSERT_TRUE(registry_->Add(std::move(t)).ok());
    }
  }
  Result<ToolOutput> Call(const std::string& name, const Json& args) {
    return tools_.at(name)->Call(ctx_, args);
  }
  // Whether the arguments pass the tool's schema.
  bool Valid(const std::string& name, const Json& args) {
    return registry_->Validate(name, args).empty();
  }

  TempDir tmp_;
  fs::path path_;
  KnowledgeToolBackend backend_;
  std::unique_ptr<ToolRegistry> registry_;
  std::map<std::string, Tool*> tools_;
  ToolContext ctx_;
};

TEST_F(KbToolsTest, AddIsServedOnlyWhenAllowed) {
  Make({}, false);
  EXPECT_EQ(tools_.size(), 3u);
  EXPECT_EQ(tools_.count("kb_add"), 0u);
  for (const char* name : {"kb_query", "kb_search", "kb_verify"}) EXPECT_EQ(tools_.count(name), 1u);
  KbToolOptions allow;
  allow.allow_add = true;
  Make(allow, true);
  EXPECT_EQ(tools_.size(), 4u);
  EXPECT_EQ(tools_.count("kb_add"), 1u);
}

TEST_F(KbToolsTest, QueryMatchesPartsAliasesAndInverses) {
  Make({}, false);
  auto by_subject = Call("kb_query", {{"subject", "paris"}});
  ASSERT_TRUE(by_subject.ok()) << by_subject.status().ToString();
  ASSERT_EQ(by_subject->data["count"], 1);
  EXPECT_EQ(by_subject->data["triples"][0]["o"], "France");
  EXPECT_TRUE(Contains(by_subject->content, "(Paris, capital_of, France)"));
  EXPECT_FALSE(by_subject->data["truncated"].get<bool>());

  auto by_alias = Call("kb_query", {{"relation", "capital of"}, {"object", "French Republic"}});
  ASSERT_TRUE(by_alias.ok());
  ASSERT_EQ(by_alias->data["count"], 1);
  EXPECT_EQ(by_alias->data["triples"][0]["s"], "Paris");

  auto inverse = Call("kb_query", {{"subject", "Germany"}, {"relation", "has_capital"}});
  ASSERT_TRUE(inverse.ok());
  ASSERT_EQ(inverse->data["count"], 1);
  EXPECT_EQ(inverse->data["triples"][0]["o"], "Berlin");
  EXPECT_TRUE(inverse->data["triples"][0]["via_inverse"].get<bool>());

  auto none = Call("kb_query", {{"subject", "Atlantis"}});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->data["count"], 0);
  EXPECT_TRUE(Contains(none->content, "no matching triples"));
}

TEST_F(KbToolsTest, QueryNeedsOnePartAndReadableNames) {
  Make({}, false);
  EXPECT_EQ(Call("kb_query", Json::object()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Call("kb_query", {{"limit", 3}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Call("kb_query", {{"subject", 7}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Call("kb_query", {{"subject", ""}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Call("kb_query", {{"subject", "!!!"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Call("kb_query", {{"subject", "Alice"}, {"limit", 0}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(Valid("kb_query", {{"subject", 7}}));
  EXPECT_FALSE(Valid("kb_query", {{"subject", ""}}));
  EXPECT_FALSE(Valid("kb_query", {{"subjekt", "Alice"}}));
  EXPECT_TRUE(Valid("kb_query", {{"subject", "Alice"}}));
}

TEST_F(KbToolsTest, QueryAndSearchLimitsAtValueAndOneOver) {
  KbToolOptions options;
  options.max_results = kManyObjects - 2;
  Make(options, false);
  const int max = kManyObjects - 2;

  // The default limit is min(kDefaultLimit, max_results).
  auto defaulted = Call("kb_query", {{"subject", "Alice"}});
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->data["count"], max);
  EXPECT_TRUE(defaulted->data["truncated"].get<bool>());

  auto at = Call("kb_query", {{"subject", "Alice"}, {"limit", max}});
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->data["count"], max);
  EXPECT_TRUE(Valid("kb_query", {{"subject", "Alice"}, {"limit", max}}));
  EXPECT_EQ(Call("kb_query", {{"subject", "Alice"}, {"limit", max + 1}}).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_FALSE(Valid("kb_query", {{"subject", "Alice"}, {"limit", max + 1}}));

  auto search_at = Call("kb_search", {{"text", "Alice knows"}, {"limit", max}});
  ASSERT_TRUE(search_at.ok()) << search_at.status().ToString();
  EXPECT_EQ(search_at->data["count"], max);
  EXPECT_EQ(Call("kb_search", {{"text", "Alice knows"}, {"limit", max + 1}}).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_FALSE(Valid("kb_search", {{"text", "Alice knows"}, {"limit", max + 1}}));

  auto small = Call("kb_query", {{"subject", "Alice"}, {"limit", kManyObjects - 3}});
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->data["count"], kManyObjects - 3);
}

TEST_F(KbToolsTest, QueryReportsAWholeAnswerAsNotTruncated) {
  KbToolOptions options;
  options.max_results = kManyObjects;
  Make(options, false);
  auto all = Call("kb_query", {{"subject", "Alice"}, {"limit", kManyObjects}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->data["count"], kManyObjects);
  EXPECT_FALSE(all->data["truncated"].get<bool>());
}

TEST_F(KbToolsTest, SearchGivesScoredHits) {
  Make({}, false);
  auto hits = Call("kb_search", {{"text", "capital Italy"}});
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_GE(hits->data["count"].get<int>(), 1);
  const Json& best = hits->data["hits"][0];
  EXPECT_EQ(best["s"], "Rome");
  EXPECT_TRUE(best["score"].is_number());
  EXPECT_TRUE(Contains(best["snippet"].get<std::string>(), "[italy]") ||
              Contains(best["snippet"].get<std::string>(), "[Italy]"))
      << best["snippet"];
  EXPECT_TRUE(Contains(hits->content, "(Rome, capital_of, Italy)"));
  EXPECT_TRUE(Contains(hits->content, "score"));
  EXPECT_EQ(Call("kb_search", {{"text", "!!! ???"}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Call("kb_search", Json::object()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Valid("kb_search", Json::object()));
  EXPECT_FALSE(Valid("kb_search", {{"text", ""}}));
}

TEST_F(KbToolsTest, TextLongerThanTheLimitIsRefused) {
  KbToolOptions options;
  options.max_text_bytes = 8;
  Make(options, false);
  EXPECT_TRUE(Call("kb_search", {{"text", "12345678"}}).ok());
  EXPECT_EQ(Call("kb_search", {{"text", "123456789"}}).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_FALSE(Valid("kb_search", {{"text", "123456789"}}));
  EXPECT_EQ(Call("kb_query", {{"subject", "123456789"}}).status().code(),
            StatusCode::kResourceExhausted);
}

TEST_F(KbToolsTest, VerifyGivesVerdictsEvidenceAndCounts) {
  Make({}, false);
  auto r = Call("kb_verify", {{"triples",
                               {{"Paris", "capital of", "France"},
                                {"Paris", "capital_of", "Germany"},
                                {"Germany", "has capital", "Berlin"},
                                {"Zork", "ruled_by", "Nobody"}}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Json& results = r->data["results"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0]["verdict"], "supported");
  EXPECT_EQ(results[1]["verdict"], "contradicted");
  EXPECT_EQ(results[1]["evidence"][0]["o"], "France");
  EXPECT_EQ(results[2]["verdict"], "supported");
  EXPECT_EQ(results[3]["verdict"], "unknown");
  for (const Json& v : results) {
    EXPECT_TRUE(v["score"].is_number());
    EXPECT_TRUE(v["explanation"].is_string());
  }
  EXPECT_EQ(r->data["counts"]["supported"], 2);
  EXPECT_EQ(r->data["counts"]["contradicted"], 1);
  EXPECT_EQ(r->data["counts"]["unknown"], 1);
  EXPECT_EQ(r->data["counts"]["partially_supported"], 0);
  EXPECT_TRUE(Contains(r->content, "1. (Paris, capital of, France): supported"));
  EXPECT_TRUE(Contains(r->content, "2. (Paris, capital_of, Germany): contradicted"));
  EXPECT_TRUE(Contains(r->content, "evidence: (Paris, capital_of, France)"));
}

TEST_F(KbToolsTest, MalformedTriplesAreRefused) {
  Make({}, false);
  const Json bad[] = {
      Json::object(),
      {{"triples", "Paris capital_of France"}},
      {{"triples", Json::array()}},
      {{"triples", Json::array({Json::array({"Paris", "capital_of"})})}},
      {{"triples", {{"Paris", "capital_of", "France", "extra"}}}},
      {{"triples", {{"Paris", 3, "France"}}}},
      {{"triples", {{"Paris", "", "France"}}}},
      {{"triples", Json::array({"Paris"})}},
  };
  for (const Json& args : bad) {
    EXPECT_EQ(Call("kb_verify", args).status().code(), StatusCode::kInvalidArgument) << args;
    EXPECT_FALSE(Valid("kb_verify", args)) << args;
  }
  // Names the store cannot read are unknown verdicts, not errors.
  auto unreadable = Call("kb_verify", {{"triples", {{"!!!", "capital_of", "France"}}}});
  ASSERT_TRUE(unreadable.ok());
  EXPECT_EQ(unreadable->data["results"][0]["verdict"], "unknown");
}

TEST_F(KbToolsTest, TriplesPerCallLimitAtValueAndOneOver) {
  KbToolOptions options;
  options.max_triples = 3;
  options.allow_add = true;
  Make(options, true);
  const Json triple = Json::array({"Paris", "capital_of", "France"});
  const Json at = {{"triples", Json::array({triple, triple, triple})}};
  const Json over = {{"triples", Json::array({triple, triple, triple, triple})}};
  EXPECT_TRUE(Call("kb_verify", at).ok());
  EXPECT_TRUE(Valid("kb_verify", at));
  EXPECT_EQ(Call("kb_verify", over).status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(Valid("kb_verify", over));
  Json add_at = at;
  add_at["source"] = "test";
  Json add_over = over;
  add_over["source"] = "test";
  EXPECT_TRUE(Call("kb_add", add_at).ok());
  EXPECT_EQ(Call("kb_add", add_over).status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(Valid("kb_add", add_over));
}

TEST_F(KbToolsTest, AddRecordsProvenanceAndCountsPresentTriples) {
  KbToolOptions options;
  options.allow_add = true;
  Make(options, true);
  auto r = Call("kb_add", {{"triples",
                            {{"Madrid", "capital_of", "Spain"},
                             {"Paris", "capital_of", "France"},
                             {"Lisbon", "capital_of", "Portugal"}}},
                           {"source", "https://example.org/capitals"},
                           {"confidence", 0.75}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data["added"], 2);
  EXPECT_EQ(r->data["present"], 1);
  EXPECT_TRUE(Contains(r->content, "added 2"));

  auto q = Call("kb_query", {{"subject", "Madrid"}});
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->data["count"], 1);
  const std::string source = q->data["triples"][0]["source"];
  EXPECT_EQ(source, r->data["source"].get<std::string>());
  EXPECT_TRUE(std::regex_match(source, std::regex("kb_add session=sess-1 "
                                                  "time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ "
                                                  "source=https://example\\.org/capitals")))
      << source;
  EXPECT_DOUBLE_EQ(q->data["triples"][0]["confidence"].get<double>(), 0.75);
  // The triple already present keeps its own source.
  auto paris = Call("kb_query", {{"subject", "Paris"}});
  ASSERT_TRUE(paris.ok());
  EXPECT_EQ(paris->data["triples"][0]["source"], "test");

  auto verify = Call("kb_verify", {{"triples", {{"Madrid", "capital_of", "Spain"}}}});
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ(verify->data["results"][0]["verdict"], "supported");

  auto again = Call("kb_add", {{"triples", {{"Madrid", "capital_of", "Spain"}}}, {"source", "x"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->data["added"], 0);
  EXPECT_EQ(again->data["present"], 1);
}

TEST_F(KbToolsTest, AddIsAllOrNothing) {
  KbToolOptions options;
  options.allow_add = true;
  Make(options, true);
  auto r = Call("kb_add", {{"triples", {{"Oslo", "capital_of", "Norway"}, {"!!!", "is", "odd"}}},
                           {"source", "test"}});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(r.status().message(), "triples[1]")) << r.status().message();
  auto oslo = Call("kb_query", {{"subject", "Oslo"}});
  ASSERT_TRUE(oslo.ok());
  EXPECT_EQ(oslo->data["count"], 0);
  // The store still takes writes afterwards.
  auto ok = Call("kb_add", {{"triples", {{"Oslo", "capital_of", "Norway"}}}, {"source", "test"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->data["added"], 1);
}

TEST_F(KbToolsTest, AddArgumentsAreChecked) {
  KbToolOptions options;
  options.allow_add = true;
  Make(options, true);
  const Json triples = {{"Oslo", "capital_of", "Norway"}};
  const Json bad[] = {
      {{"triples", triples}},
      {{"triples", triples}, {"source", ""}},
      {{"triples", triples}, {"source", 5}},
      {{"triples", triples}, {"source", "s"}, {"confidence", 1.5}},
      {{"triples", triples}, {"source", "s"}, {"confidence", "high"}},
  };
  for (const Json& args : bad) {
    EXPECT_EQ(Call("kb_add", args).status().code(), StatusCode::kInvalidArgument) << args;
    EXPECT_FALSE(Valid("kb_add", args)) << args;
  }
}

TEST_F(KbToolsTest, AddOnAReadOnlyStoreFails) {
  KbToolOptions options;
  options.allow_add = true;
  Make(options, false);
  auto r = Call("kb_add", {{"triples", {{"Oslo", "capital_of", "Norway"}}}, {"source", "test"}});
  EXPECT_FALSE(r.ok());
  auto oslo = Call("kb_query", {{"subject", "Oslo"}});
  ASSERT_TRUE(oslo.ok());
  EXPECT_EQ(oslo->data["count"], 0);
}

TEST_F(KbToolsTest, ConcurrentCallsShareTheStore) {
  KbToolOptions options;
  options.allow_add = true;
  Make(options, true);
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        Result<ToolOutput> r = InternalError("no call made");
        switch (i % 4) {
          case 0:
            r = Call("kb_query", {{"subject", "Alice"}});
            break;
          case 1:
            r = Call("kb_search", {{"text", "capital"}});
            break;
          case 2:
            r = Call("kb_verify", {{"triples", {{"Rome", "capital_of", "Italy"}}}});
            break;
          default:
            r = Call("kb_add",
                     {{"triples", {{"T" + std::to_string(t), "step", "N" + std::to_string(i)}}},
                      {"source", "thread"}});
        }
        if (!r.ok()) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    auto added = Call("kb_query", {{"subject", "T" + std::to_string(t)}, {"relation", "step"}});
    ASSERT_TRUE(added.ok());
    EXPECT_EQ(added->data["count"], kCallsPerThread / 4) << t;
  }
}

TEST(KbToolsOpenTest, MissingFileIsNotFound) {
  TempDir tmp;
  auto r = OpenKnowledgeToolBackend(tmp.path() / "missing.sqlite", false);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  auto w = OpenKnowledgeToolBackend(tmp.path() / "missing.sqlite", true);
  EXPECT_EQ(w.status().code(), StatusCode::kNotFound) << w.status().ToString();
  EXPECT_FALSE(fs::exists(tmp.path() / "missing.sqlite"));
}

TEST(KbToolsSourceTest, FormatsSessionTimeAndSource) {
  // 2026-11-28T21:03:24Z.
  constexpr std::int64_t kEpochSeconds = 1795899804;
  const auto time = std::chrono::system_clock::time_point(seconds(kEpochSeconds));
  EXPECT_EQ(FormatKbAddSource("abc", time, "a page | with = signs"),
            "kb_add session=abc time=2026-11-28T21:03:24Z source=a page | with = signs");
}

TEST(KbToolsConfigTest, KeysSetTheOptions) {
  ConfigRegistry registry;
  DeclareToolServerConfig(registry);
  auto defaults = LoadConfig(registry, {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->GetString("toolserver.kb_path"), "");
  const KbToolOptions d = KbToolOptionsFromConfig(*defaults);
  EXPECT_FALSE(d.allow_add);
  EXPECT_EQ(d.max_results, KbToolOptions::kDefaultMaxResults);

  ConfigSources sources;
  sources.flags = {{"toolserver.kb_allow_add", "true", "--set"},
                   {"toolserver.kb_max_results", "7", "--set"}};
  auto config = LoadConfig(registry, sources);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const KbToolOptions o = KbToolOptionsFromConfig(*config);
  EXPECT_TRUE(o.allow_add);
  EXPECT_EQ(o.max_results, 7u);

  ConfigSources zero;
  zero.flags = {{"toolserver.kb_max_results", "0", "--set"}};
  EXPECT_FALSE(LoadConfig(registry, zero).ok());
}

}  // namespace
}  // namespace sextant::toolserver::tools
