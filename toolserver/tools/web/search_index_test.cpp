// SearchIndex on real SQLite files: incremental adds, ranking, snippets,
// stats, safe query building, malformed queries, limits, read-only use and
// the "local" SearchBackend.
#include "toolserver/tools/web/search_index.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/testdata.h"
#include "toolserver/tools/web/internal/index_text.h"

namespace sextant::toolserver::web {
namespace {

using ::sextant::testing::Contains;
using ::sextant::testing::TempDir;
using ::sextant::testing::WriteFile;

class SearchIndexTest : public ::testing::Test {
 protected:
  std::unique_ptr<SearchIndex> OpenIndex(const SearchIndexOptions& options = {}) {
    auto index = SearchIndex::Open(path_, options);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? std::move(*index) : nullptr;
  }

  static AddOutcome MustAdd(SearchIndex& index, const IndexDocument& doc) {
    auto outcome = index.Add(doc);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? *outcome : AddOutcome::kUnchanged;
  }

  static std::vector<IndexHit> MustSearch(SearchIndex& index, std::string_view query,
                                          std::size_t k = 10) {
    auto hits = index.Search(query, k);
    EXPECT_TRUE(hits.ok()) << query << ": " << hits.status().ToString();
    return hits.ok() ? *hits : std::vector<IndexHit>{};
  }

  static std::vector<std::string> Urls(const std::vector<IndexHit>& hits) {
    std::vector<std::string> urls;
    for (const auto& hit : hits) urls.push_back(hit.url);
    return urls;
  }

  TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "index.sqlite";
};

TEST_F(SearchIndexTest, AddThenSameContentIsUnchangedAndChangedIsUpdated) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  const IndexDocument doc{"https://a.test/1", "Otters", "Otters hold hands while sleeping."};
  EXPECT_EQ(MustAdd(*index, doc), AddOutcome::kAdded);
  EXPECT_EQ(MustAdd(*index, doc), AddOutcome::kUnchanged);
  IndexDocument changed = doc;
  changed.text = "Otters eat sea urchins.";
  EXPECT_EQ(MustAdd(*index, changed), AddOutcome::kUpdated);
  EXPECT_TRUE(MustSearch(*index, "sleeping").empty());
  ASSERT_EQ(Urls(MustSearch(*index, "urchins")), std::vector<std::string>{doc.url});
  IndexDocument retitled = changed;
  retitled.title = "Sea otters";
  EXPECT_EQ(MustAdd(*index, retitled), AddOutcome::kUpdated);
  EXPECT_EQ(MustSearch(*index, "urchins")[0].title, "Sea otters");
  auto stats = index->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->documents, 1);
}

TEST_F(SearchIndexTest, UnchangedWritesNothing) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  const IndexDocument doc{"https://a.test/1", "T", "some text"};
  MustAdd(*index, doc);
  // PRAGMA data_version moves when another connection commits a change.
  auto watcher = Database::Open(path_);
  ASSERT_TRUE(watcher.ok()) << watcher.status().ToString();
  auto version = [&] { return *(*watcher)->QueryOne<std::int64_t>("PRAGMA data_version"); };
  const auto before = version();
  EXPECT_EQ(MustAdd(*index, doc), AddOutcome::kUnchanged);
  EXPECT_EQ(version(), before);
  EXPECT_EQ(MustAdd(*index, {doc.url, doc.title, "other text"}), AddOutcome::kUpdated);
  EXPECT_NE(version(), before);
}

TEST_F(SearchIndexTest, AddAllCountsEachAndReportsInvalidDocumentsInPlace) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/old", "Old", "old text"});
  const std::vector<IndexDocument> docs = {
      {"https://a.test/new", "New", "new text"},
      {"", "No URL", "text"},
      {"https://a.test/old", "Old", "old text"},
  };
  auto outcomes = index->AddAll(docs);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status().ToString();
  ASSERT_EQ(outcomes->size(), 3u);
  EXPECT_EQ(*(*outcomes)[0], AddOutcome::kAdded);
  EXPECT_EQ((*outcomes)[1].status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*(*outcomes)[2], AddOutcome::kUnchanged);
  EXPECT_EQ(index->Stats()->documents, 2);
}

TEST_F(SearchIndexTest, TitleOutranksTextAndAllWordsOutrankSome) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/text", "Cooking", "A note on the vacuum cleaner and dust."});
  MustAdd(*index, {"https://a.test/title", "Vacuum", "Reclaiming space in the file and dust."});
  MustAdd(*index, {"https://a.test/other", "Gardening", "Nothing relevant here at all."});
  auto hits = MustSearch(*index, "vacuum");
  ASSERT_EQ(Urls(hits), (std::vector<std::string>{"https://a.test/title", "https://a.test/text"}));
  EXPECT_GT(hits[0].score, hits[1].score);
  EXPECT_EQ(hits[0].rank, 1);
  EXPECT_EQ(hits[1].rank, 2);

  // "vacuum cleaner": only /text has both words; /title has one and follows.
  hits = MustSearch(*index, "vacuum cleaner");
  ASSERT_EQ(Urls(hits), (std::vector<std::string>{"https://a.test/text", "https://a.test/title"}));
  // k cuts the list, and a full AND list needs no OR hits.
  EXPECT_EQ(Urls(MustSearch(*index, "vacuum cleaner", 1)),
            std::vector<std::string>{"https://a.test/text"});
}

TEST_F(SearchIndexTest, StemmingAndDiacriticsAndCase) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/1", "Indexing", "The planner is choosing indexes."});
  MustAdd(*index, {"https://a.test/2", "Café", "Crème brûlée recipes."});
  EXPECT_EQ(MustSearch(*index, "CHOOSE INDEX").size(), 1u);
  EXPECT_EQ(MustSearch(*index, "creme brulee").size(), 1u);
  EXPECT_EQ(MustSearch(*index, "cafe").size(), 1u);
}

TEST_F(SearchIndexTest, SnippetMarksQueryWords) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/wal", "WAL",
                   "In write-ahead log mode a checkpoint moves pages back into the database."});
  auto hits = MustSearch(*index, "checkpoint pages");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(Contains(hits[0].snippet, "[checkpoint]")) << hits[0].snippet;
  EXPECT_TRUE(Contains(hits[0].snippet, "[pages]")) << hits[0].snippet;
  EXPECT_FALSE(Contains(hits[0].snippet, "[database]")) << hits[0].snippet;
}

TEST_F(SearchIndexTest, SnippetTokensLimitsSnippetLength) {
  SearchIndexOptions options;
  options.snippet_tokens = 4;
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/1", "T",
                   "one two three four five six seven eight nine ten eleven twelve target "
                   "thirteen fourteen fifteen sixteen seventeen eighteen"});
  auto hits = MustSearch(*index, "target");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(Contains(hits[0].snippet, "[target]"));
  EXPECT_FALSE(Contains(hits[0].snippet, "five")) << hits[0].snippet;
  EXPECT_FALSE(Contains(hits[0].snippet, "sixteen")) << hits[0].snippet;

  for (int bad : {0, SearchIndexOptions::kMaxSnippetTokens + 1}) {
    SearchIndexOptions b;
    b.snippet_tokens = bad;
    EXPECT_EQ(SearchIndex::Open(dir_.path() / "b.sqlite", b).status().code(),
              StatusCode::kInvalidArgument);
  }
}

TEST_F(SearchIndexTest, StatsCountDocumentsBytesFileAndTime) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  auto empty = index->Stats();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->documents, 0);
  EXPECT_EQ(empty->last_indexed_at, 0);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  MustAdd(*index, {"https://a.test/1", "T", "12345"});
  MustAdd(*index, {"https://a.test/2", "T", "héllo"});
  auto stats = index->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->documents, 2);
  EXPECT_EQ(stats->text_bytes, 5 + 6);
  EXPECT_GT(stats->database_bytes, 0);
  EXPECT_GE(stats->last_indexed_at, now);
  EXPECT_LE(stats->last_indexed_at, now + 60);
}

TEST(QueryWordsTest, SplitsOnPunctuationAndKeepsLetters) {
  EXPECT_EQ(QueryWords("write-ahead log: \"checkpoint\"!", 10),
            (std::vector<std::string>{"write", "ahead", "log", "checkpoint"}));
  EXPECT_EQ(QueryWords("json_extract(x, '$.a')", 10),
            (std::vector<std::string>{"json", "extract", "x", "a"}));
  EXPECT_EQ(QueryWords("crème — brûlée “quoted” 日本語", 10),
            (std::vector<std::string>{"crème", "brûlée", "quoted", "日本語"}));
  EXPECT_EQ(QueryWords("a b c d", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(QueryWords("", 10).empty());
  EXPECT_TRUE(QueryWords("*()-\"'^:+", 10).empty());
}

TEST(QueryWordsTest, InvalidUtf8SeparatesWords) {
  EXPECT_EQ(QueryWords("ab\xff"
                       "cd",
                       10),
            (std::vector<std::string>{"ab", "cd"}));
  EXPECT_EQ(QueryWords("ab\xc3", 10), (std::vector<std::string>{"ab"}));              // cut short
  EXPECT_EQ(QueryWords("x\xc0\xafy", 10), (std::vector<std::string>{"x", "y"}));      // overlong
  EXPECT_EQ(QueryWords("x\xed\xa0\x80y", 10), (std::vector<std::string>{"x", "y"}));  // surrogate
}

TEST(MakeSnippetTest, MarksQueryWordsAndTheirEndings) {
  using internal::MakeSnippet;
  EXPECT_EQ(MakeSnippet("The planner is Choosing indexes.", {"choose", "index"}, 24),
            "The planner is [Choosing] [indexes].");
  EXPECT_EQ(MakeSnippet("by bye BY", {"by"}, 24), "[by] bye [BY]");
  EXPECT_EQ(MakeSnippet("index indexing", {"indexes"}, 24), "[index] [indexing]");
  EXPECT_EQ(MakeSnippet("a\n\n  b\t c  ", {"zz"}, 24), "a b c");
  EXPECT_EQ(MakeSnippet("", {"a"}, 24), "");
  EXPECT_EQ(MakeSnippet("-- !! --", {"a"}, 24), "");
}

TEST(MakeSnippetTest, CentresTheWindowOnTheMatches) {
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += (i == 50 ? std::string("target") : "w" + std::to_string(i)) + " ";
  EXPECT_EQ(internal::MakeSnippet(text, {"target"}, 5), "…w48 w49 [target] w51 w52…");
  EXPECT_EQ(internal::MakeSnippet(text, {"zzz"}, 3), "w0 w1 w2…");
  EXPECT_EQ(internal::MakeSnippet("w1 w2 end.", {"end"}, 2), "…w2 [end].");
  EXPECT_EQ(internal::MakeSnippet("start. w1 w2", {"start"}, 2), "[start]. w1…");
}

TEST(MakeSnippetTest, PrefersTheWindowWithMoreDistinctWords) {
  const std::string text =
      "alpha alpha alpha x x x x x x x x x x x alpha beta x x x x x x x x x x x beta beta beta";
  EXPECT_EQ(internal::MakeSnippet(text, {"alpha", "beta"}, 2), "…[alpha] [beta]…");
}

TEST(ExpandHomeTest, ReplacesALeadingTilde) {
  EXPECT_EQ(ExpandHome("~/.local/i.sqlite", "/home/u"), "/home/u/.local/i.sqlite");
  EXPECT_EQ(ExpandHome("~", "/home/u"), "/home/u");
  EXPECT_EQ(ExpandHome("~other/i.sqlite", "/home/u"), "~other/i.sqlite");
  EXPECT_EQ(ExpandHome("/abs/~/i.sqlite", "/home/u"), "/abs/~/i.sqlite");
  EXPECT_EQ(ExpandHome("~/i.sqlite", ""), "~/i.sqlite");
}

TEST(BuildFtsQueryTest, QuotesEveryWord) {
  EXPECT_EQ(BuildFtsQuery({"near", "and", "x"}, true), "\"near\" \"and\" \"x\"");
  EXPECT_EQ(BuildFtsQuery({"near", "or"}, false), "\"near\" OR \"or\"");
  EXPECT_EQ(BuildFtsQuery({"a\"b"}, true), "\"a\"\"b\"");
  EXPECT_EQ(BuildFtsQuery({}, true), "");
}

TEST_F(SearchIndexTest, MalformedQueriesNeverReachFtsAsSyntax) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/near", "NEAR and OR",
                   "The NEAR operator, AND, OR and NOT are FTS5 keywords; so is col:term."});
  for (std::string_view q :
       {"\"near", "near(", "NEAR(a b", "AND", "OR OR", "NOT near", "near*", "-near", "col:term",
        "^near", "near + and", "(near) AND (", "{near}", "near\"\"\"", "'near'"}) {
    auto hits = index->Search(q, 10);
    ASSERT_TRUE(hits.ok()) << q << ": " << hits.status().ToString();
    EXPECT_EQ(hits->size(), 1u) << q;
  }
  // Words that FTS5's tokenizer drops (symbols it treats as separators)
  // neither fail nor empty an AND query.
  auto emoji = index->Search("near \xF0\x9F\x98\x80", 10);
  ASSERT_TRUE(emoji.ok()) << emoji.status().ToString();
  EXPECT_EQ(emoji->size(), 1u);
}

TEST_F(SearchIndexTest, QueriesWithoutWordsAreInvalid) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  for (std::string_view q : {"", "   ", "*", "\"\"", "-", "(){}[]", "\xff\xfe", "— “ ”"}) {
    EXPECT_EQ(index->Search(q, 10).status().code(), StatusCode::kInvalidArgument) << q;
  }
}

TEST_F(SearchIndexTest, NonUtf8QueryFindsTheValidWords) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/1", "T", "alpha beta"});
  auto hits = index->Search("alpha\xff\xc3(beta", 10);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_EQ(hits->size(), 1u);
}

TEST_F(SearchIndexTest, QueryByteLimit) {
  SearchIndexOptions options;
  options.max_query_bytes = 16;
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/1", "T", "alpha"});
  EXPECT_TRUE(index->Search(std::string(16, 'a'), 5).ok());
  auto over = index->Search(std::string(17, 'a'), 5);
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(over.status().message(), "limit of 16")) << over.status().ToString();
  // The default limit refuses a huge query.
  auto big = OpenIndex();
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->Search(std::string(1 << 20, 'x'), 5).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SearchIndexTest, QueryTermLimitDropsLaterWords) {
  SearchIndexOptions options;
  options.max_query_terms = 2;
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/1", "T", "alpha beta"});
  // "gamma" is past the limit, so the AND of alpha and beta matches.
  auto hits = MustSearch(*index, "alpha beta gamma");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(Contains(hits[0].snippet, "[alpha] [beta]")) << hits[0].snippet;
}

TEST_F(SearchIndexTest, ResultCountLimits) {
  SearchIndexOptions options;
  options.max_results = 3;
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  for (int i = 0; i < 5; ++i) {
    MustAdd(*index, {"https://a.test/" + std::to_string(i), "T", "common word"});
  }
  EXPECT_EQ(MustSearch(*index, "common", 3).size(), 3u);
  EXPECT_EQ(MustSearch(*index, "common", 2).size(), 2u);
  EXPECT_EQ(index->Search("common", 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Search("common", 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SearchIndexTest, TextAndTitleAreCutToTheirLimits) {
  SearchIndexOptions options;
  options.max_text_bytes = 6;
  options.max_title_bytes = 5;
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  // "ab é" is 5 bytes; the next "é" would end at byte 7, so the cut is at 5.
  MustAdd(*index, {"https://a.test/1", "Hello world", "ab éé late"});
  EXPECT_TRUE(MustSearch(*index, "world").empty());
  EXPECT_TRUE(MustSearch(*index, "late").empty());
  auto hits = MustSearch(*index, "ab");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].title, "Hello");
  EXPECT_EQ(index->Stats()->text_bytes, 5);
  EXPECT_EQ(MustSearch(*index, "é").size(), 1u);
}

TEST_F(SearchIndexTest, UrlLimitAndInvalidUrls) {
  SearchIndexOptions options;
  options.max_url_bytes = 20;
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  EXPECT_TRUE(index->Add({"https://a.test/12345", "T", "x"}).ok());
  EXPECT_EQ(index->Add({"https://a.test/123456", "T", "x"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Add({"", "T", "x"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->Add({"https://a.test/\xff", "T", "x"}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SearchIndexTest, InvalidUtf8AndNulInDocumentsAreCleaned) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  MustAdd(*index,
          {"https://a.test/1", std::string("Ti\xfftle"), std::string("alpha\xc3 beta\0gamma", 17)});
  auto hits = MustSearch(*index, "gamma");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].title, "Ti\xEF\xBF\xBDtle");
  EXPECT_TRUE(Contains(hits[0].snippet, "alpha\xEF\xBF\xBD beta [gamma]")) << hits[0].snippet;
}

TEST_F(SearchIndexTest, ReadOnlyOpenSearchesButRefusesWrites) {
  {
    auto index = OpenIndex();
    ASSERT_NE(index, nullptr);
    MustAdd(*index, {"https://a.test/1", "T", "alpha"});
  }
  SearchIndexOptions options;
  options.read_only = true;
  auto index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(MustSearch(*index, "alpha").size(), 1u);
  EXPECT_EQ(index->Add({"https://a.test/2", "T", "beta"}).status().code(),
            StatusCode::kPermissionDenied);
  const std::vector<IndexDocument> docs = {{"https://a.test/3", "T", "gamma"}};
  EXPECT_EQ(index->AddAll(docs).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(index->Stats()->documents, 1);

  auto missing = SearchIndex::Open(dir_.path() / "absent.sqlite", options);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "absent.sqlite"));
}

TEST_F(SearchIndexTest, RefusesFilesThatAreNotAnIndex) {
  const auto text = dir_.path() / "notes.txt";
  WriteFile(text, std::string(8192, 'x'));
  auto not_sqlite = SearchIndex::Open(text);
  EXPECT_EQ(not_sqlite.status().code(), StatusCode::kDataLoss) << not_sqlite.status().ToString();
  EXPECT_EQ(sextant::testing::ReadFile(text), std::string(8192, 'x'));

  // Another application's SQLite file.
  const auto other = dir_.path() / "other.sqlite";
  {
    auto db = Database::Open(other);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA application_id=7; CREATE TABLE t(x);").ok());
  }
  EXPECT_EQ(SearchIndex::Open(other).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(SearchIndex::Open(dir_.path()).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SearchIndexTest, ReopenKeepsDocuments) {
  {
    auto index = OpenIndex();
    ASSERT_NE(index, nullptr);
    MustAdd(*index, {"https://a.test/1", "T", "alpha"});
  }
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(MustAdd(*index, {"https://a.test/1", "T", "alpha"}), AddOutcome::kUnchanged);
  EXPECT_EQ(MustSearch(*index, "alpha").size(), 1u);
}

TEST_F(SearchIndexTest, SearchFromManyThreads) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  for (int i = 0; i < 20; ++i) {
    MustAdd(*index,
            {"https://a.test/" + std::to_string(i), "T", "shared word " + std::to_string(i)});
  }
  std::vector<std::thread> threads;
  std::vector<std::size_t> counts(4);
  for (std::size_t t = 0; t < counts.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto hits = index->Search("shared word", 5);
        if (hits.ok()) counts[t] += hits->size();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (std::size_t c : counts) EXPECT_EQ(c, 50u * 5u);
}

TEST_F(SearchIndexTest, LocalBackendWrapsTheIndex) {
  auto index = OpenIndex();
  ASSERT_NE(index, nullptr);
  MustAdd(*index, {"https://a.test/1", "Alpha page", "alpha text"});
  auto backend = MakeLocalSearchBackend(*index);
  EXPECT_EQ(backend->name(), "local");
  const auto later = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto results = backend->Search("alpha", 5, later);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].url, "https://a.test/1");
  EXPECT_EQ((*results)[0].title, "Alpha page");
  EXPECT_TRUE(Contains((*results)[0].snippet, "[alpha]"));
  EXPECT_GT((*results)[0].score, 0);
  EXPECT_EQ(backend->Search("", 5, later).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(backend->Search("alpha", 5, std::chrono::steady_clock::now()).status().code(),
            StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace sextant::toolserver::web
