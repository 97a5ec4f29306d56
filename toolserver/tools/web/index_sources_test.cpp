// IndexDirectory and ReadUrlList on real files, and the sqlite3-doc site
// (/usr/share/doc/sqlite3) indexed and searched with known answers, served
// from 127.0.0.1.
#include "toolserver/tools/web/index_sources.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"
#include "toolserver/tools/web/sqlite_doc_queries.h"
#include "toolserver/tools/web/web_test_util.h"

namespace sextant::toolserver::web {
namespace {

namespace fs = std::filesystem;
using ::sextant::testing::Contains;
using ::sextant::testing::ReadFile;
using ::sextant::testing::TempDir;
using ::sextant::testing::WriteFile;

std::string Html(std::string_view title, std::string_view body) {
  return "<html><head><title>" + std::string(title) + "</title></head><body><article><p>" +
         std::string(body) + "</p></article></body></html>";
}

class IndexDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto index = SearchIndex::Open(dir_.path() / "index.sqlite");
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(*index);
    WriteFile(site_ / "a.html", Html("Alpha page", "The aardvark lives here."));
    WriteFile(site_ / "sub/b.HTM", Html("Beta page", "The badger lives here."));
    WriteFile(site_ / "sub/with space.html", Html("Gamma", "The caracal lives here."));
    WriteFile(site_ / "notes.txt", "The dingo lives in a text file.");
    WriteFile(site_ / "style.css", "body { color: red; } /* elephant */");
  }

  std::vector<IndexHit> Search(std::string_view query) {
    auto hits = index_->Search(query, 10);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? *hits : std::vector<IndexHit>{};
  }

  TempDir dir_;
  fs::path site_ = dir_.path() / "site";
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(IndexDirectoryTest, IndexesHtmlAndTextWithUrlsUnderTheBase) {
  auto report = IndexDirectory(*index_, site_, "https://docs.test/root/");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->added, 4u);
  EXPECT_TRUE(report->failed.empty());
  auto hits = Search("aardvark");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].url, "https://docs.test/root/a.html");
  EXPECT_EQ(hits[0].title, "Alpha page");
  ASSERT_EQ(Search("badger").size(), 1u);
  EXPECT_EQ(Search("badger")[0].url, "https://docs.test/root/sub/b.HTM");
  ASSERT_EQ(Search("caracal").size(), 1u);
  EXPECT_EQ(Search("caracal")[0].url, "https://docs.test/root/sub/with%20space.html");
  auto text = Search("dingo");
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0].title, "notes.txt");
  EXPECT_TRUE(Search("elephant").empty());
}

TEST_F(IndexDirectoryTest, WithoutBaseUrlPagesGetFileUrls) {
  auto report = IndexDirectory(*index_, site_, "");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto hits = Search("aardvark");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].url, "file://" + (fs::absolute(site_) / "a.html").generic_string());
}

TEST_F(IndexDirectoryTest, AgainIsUnchangedAndAnEditIsOneUpdate) {
  ASSERT_TRUE(IndexDirectory(*index_, site_, "https://d.test").ok());
  auto again = IndexDirectory(*index_, site_, "https://d.test");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->added, 0u);
  EXPECT_EQ(again->unchanged, 4u);
  WriteFile(site_ / "sub/b.HTM", Html("Beta page", "The bobcat lives here now."));
  WriteFile(site_ / "c.html", Html("New", "The civet moved in."));
  auto edited = IndexDirectory(*index_, site_, "https://d.test");
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(edited->added, 1u);
  EXPECT_EQ(edited->updated, 1u);
  EXPECT_EQ(edited->unchanged, 3u);
  EXPECT_TRUE(Search("badger").empty());
  EXPECT_EQ(Search("bobcat").size(), 1u);
}

TEST_F(IndexDirectoryTest, OversizedFileIsAFailureAndTheRestIsIndexed) {
  IndexSourceOptions options;
  options.max_file_bytes = 64;
  WriteFile(site_ / "big.html", Html("Big", std::string(100, 'z') + " ferret"));
  auto report = IndexDirectory(*index_, site_, "https://d.test", options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_GE(report->failed.size(), 1u);
  bool big_failed = false;
  for (const auto& f : report->failed) {
    if (Contains(f.source, "big.html")) {
      big_failed = true;
      EXPECT_TRUE(Contains(f.reason, "over the limit of 64")) << f.reason;
    }
  }
  EXPECT_TRUE(big_failed);
  EXPECT_EQ(report->added + report->failed.size(), 5u);
  EXPECT_TRUE(Search("ferret").empty());
}

TEST_F(IndexDirectoryTest, SmallBatchesGiveTheSameResult) {
  IndexSourceOptions options;
  options.batch_docs = 1;
  auto report = IndexDirectory(*index_, site_, "https://d.test", options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->added, 4u);
  options.batch_docs = 0;
  EXPECT_EQ(IndexDirectory(*index_, site_, "https://d.test", options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(IndexDirectoryTest, FileCountLimit) {
  IndexSourceOptions options;
  options.max_files = 3;
  auto report = IndexDirectory(*index_, site_, "https://d.test", options);
  EXPECT_EQ(report.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(index_->Stats()->documents, 0);
  options.max_files = 4;
  EXPECT_TRUE(IndexDirectory(*index_, site_, "https://d.test", options).ok());
}

TEST_F(IndexDirectoryTest, DocumentErrorsAreFailuresNotFatal) {
  SearchIndexOptions small;
  small.max_url_bytes = 22;
  auto index = SearchIndex::Open(dir_.path() / "small.sqlite", small);
  ASSERT_TRUE(index.ok());
  // "https://d.test/a.html" fits; "https://d.test/sub/with%20space.html" does not.
  auto report = IndexDirectory(**index, site_, "https://d.test");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->added, 1u);
  EXPECT_EQ(report->failed.size(), 3u);
}

TEST_F(IndexDirectoryTest, MissingDirectoryAndReadOnlyIndex) {
  EXPECT_EQ(IndexDirectory(*index_, dir_.path() / "absent", "").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(IndexDirectory(*index_, site_ / "a.html", "").status().code(), StatusCode::kNotFound);
  SearchIndexOptions ro;
  ro.read_only = true;
  auto index = SearchIndex::Open(dir_.path() / "index.sqlite", ro);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ(IndexDirectory(**index, site_, "").status().code(), StatusCode::kPermissionDenied);
}

TEST(PageUrlTest, JoinsAndEncodes) {
  EXPECT_EQ(PageUrl("http://h/doc", "/x", "a/b.html"), "http://h/doc/a/b.html");
  EXPECT_EQ(PageUrl("http://h/doc//", "/x", "a/b.html"), "http://h/doc/a/b.html");
  EXPECT_EQ(PageUrl("http://h", "/x", "é #?%.html"), "http://h/%C3%A9%20%23%3F%25.html");
  EXPECT_EQ(PageUrl("", "/x/y", "../y/z.html"), "file:///x/y/z.html");
}

TEST(ReadUrlListTest, SkipsCommentsAndBlanksAndTrims) {
  TempDir dir;
  WriteFile(dir.path() / "urls.txt",
            "# pages\n\nhttp://a.test/1\r\n   http://a.test/2   \n\t# indented comment\n"
            "http://a.test/3");
  auto urls = ReadUrlList(dir.path() / "urls.txt");
  ASSERT_TRUE(urls.ok()) << urls.status().ToString();
  EXPECT_EQ(*urls,
            (std::vector<std::string>{"http://a.test/1", "http://a.test/2", "http://a.test/3"}));
}

TEST(ReadUrlListTest, Limits) {
  TempDir dir;
  WriteFile(dir.path() / "urls.txt", "http://a.test/1\nhttp://a.test/2\nhttp://a.test/3\n");
  IndexSourceOptions options;
  options.max_files = 2;
  EXPECT_EQ(ReadUrlList(dir.path() / "urls.txt", options).status().code(),
            StatusCode::kResourceExhausted);
  options = {};
  options.max_file_bytes = 10;
  EXPECT_EQ(ReadUrlList(dir.path() / "urls.txt", options).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(ReadUrlList(dir.path() / "absent.txt").status().code(), StatusCode::kNotFound);
  // Binary junk is read as lines; the fetcher judges each.
  WriteFile(dir.path() / "junk.txt", std::string("\xff\x00\x01\nhttp://a\xfe\n", 13));
  auto junk = ReadUrlList(dir.path() / "junk.txt");
  ASSERT_TRUE(junk.ok());
  EXPECT_EQ(junk->size(), 2u);
}

TEST(IndexUrlListTest, FetchDeadlineAndUrlCountLimits) {
  auto server = sextant::testing::LoopbackHttpServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  (*server)->On("/silent.html", sextant::testing::ScriptedReply::Silent());
  (*server)->On("/ok.html",
                sextant::testing::ScriptedReply::Full(200, Html("Ok", "The quoll answered."),
                                                      {{"Content-Type", "text/html"}}));
  FetchOptions fetch;
  fetch.allow_addresses = {"127.0.0.1"};
  auto fetcher = Fetcher::Create(fetch);
  ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();
  TempDir dir;
  auto index = SearchIndex::Open(dir.path() / "index.sqlite");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  const std::vector<std::string> urls = {(*server)->Url("/silent.html"),
                                         (*server)->Url("/ok.html")};

  IndexSourceOptions options;
  options.fetch_timeout_ms = 300;
  auto report = IndexUrlList(**index, **fetcher, urls, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->added, 1u);
  ASSERT_EQ(report->failed.size(), 1u);
  EXPECT_EQ(report->failed[0].source, urls[0]);
  EXPECT_TRUE(Contains(report->failed[0].reason, "deadline_exceeded")) << report->failed[0].reason;

  options.max_files = 1;
  EXPECT_EQ(IndexUrlList(**index, **fetcher, urls, options).status().code(),
            StatusCode::kResourceExhausted);
  options = {};
  options.fetch_timeout_ms = 0;
  EXPECT_EQ(IndexUrlList(**index, **fetcher, urls, options).status().code(),
            StatusCode::kInvalidArgument);
}

// The sqlite3-doc site, copied to a temp dir (so that a test may edit it),
// served on 127.0.0.1 under /doc and indexed once for the suite.
class SqliteDocSiteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::is_directory(kSqliteDocDir)) return;
    dir_ = new TempDir();
    fs::copy(kSqliteDocDir, Site(), fs::copy_options::recursive);
    auto server = sextant::testing::LoopbackHttpServer::Start();
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = server->release();
    testing::ServeDirectory(*server_, "/doc", Site());
    auto index = SearchIndex::Open(dir_->path() / "index.sqlite");
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = index->release();
    auto report = IndexDirectory(*index_, Site(), BaseUrl());
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    first_report_ = new IndexReport(*report);
  }

  static void TearDownTestSuite() {
    delete first_report_;
    delete index_;
    delete server_;
    delete dir_;
  }

  void SetUp() override {
    if (dir_ == nullptr)
      GTEST_SKIP() << kSqliteDocDir << " is absent (apt-get install sqlite3-doc)";
    ASSERT_NE(index_, nullptr);
    ASSERT_NE(first_report_, nullptr);
  }

  static fs::path Site() { return dir_->path() / "site"; }
  static std::string BaseUrl() { return server_->Url("/doc"); }

  static inline TempDir* dir_ = nullptr;
  static inline sextant::testing::LoopbackHttpServer* server_ = nullptr;
  static inline SearchIndex* index_ = nullptr;
  static inline IndexReport* first_report_ = nullptr;
};

TEST_F(SqliteDocSiteTest, IndexesEveryPage) {
  EXPECT_GE(first_report_->added, 766u);
  EXPECT_TRUE(first_report_->failed.empty())
      << first_report_->failed[0].source << ": " << first_report_->failed[0].reason;
  std::printf("indexed %zu pages in %.2f s\n", first_report_->added, first_report_->seconds);
}

TEST_F(SqliteDocSiteTest, KnownAnswersRankInTheTopThree) {
  const QuerySetScore score = ScoreSqliteDocQueries(*index_, BaseUrl());
  std::printf("sqlite3-doc: %zu queries, recall@3 %.3f, MRR %.3f\n", score.queries,
              score.recall_at_k, score.mrr);
  for (const auto& miss : score.misses) std::printf("  miss: %s\n", miss.c_str());
  EXPECT_GE(score.queries, 20u);
  EXPECT_GE(score.recall_at_k, 0.9);
}

TEST_F(SqliteDocSiteTest, HitUrlsAreServedPagesWithMarkedSnippets) {
  auto hits = index_->Search("write-ahead log checkpoint", 3);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_FALSE(hits->empty());
  for (const IndexHit& hit : *hits) {
    ASSERT_EQ(hit.url.rfind(BaseUrl() + "/", 0), 0u) << hit.url;
    const fs::path file = Site() / hit.url.substr(BaseUrl().size() + 1);
    EXPECT_TRUE(fs::is_regular_file(file)) << file;
    EXPECT_FALSE(hit.title.empty());
    EXPECT_TRUE(Contains(hit.snippet, "[")) << hit.snippet;
  }
}

TEST_F(SqliteDocSiteTest, UrlListThroughTheFetcher) {
  // Every answer page, a few others, one missing page and one bad URL.
  std::vector<std::string> urls;
  for (const SqliteDocQuery& q : kSqliteDocQueries)
    urls.push_back(BaseUrl() + "/" + std::string(q.page));
  for (std::string_view page : {"index.html", "lang.html", "c3ref/exec.html", "robots.txt"}) {
    urls.push_back(BaseUrl() + "/" + std::string(page));
  }
  const std::string missing = BaseUrl() + "/no-such-page.html";
  urls.push_back(missing);
  urls.push_back("http://[::1");
  FetchOptions fetch;
  fetch.allow_addresses = {"127.0.0.1"};
  auto fetcher = Fetcher::Create(fetch);
  ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();
  auto index = SearchIndex::Open(dir_->path() / "fetched.sqlite");
  ASSERT_TRUE(index.ok()) << index.status().ToString();

  auto report = IndexUrlList(**index, **fetcher, urls);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const std::size_t good = urls.size() - 2;
  EXPECT_EQ(report->added, good);
  ASSERT_EQ(report->failed.size(), 2u);
  EXPECT_EQ(report->failed[0].source, missing);
  EXPECT_TRUE(Contains(report->failed[0].reason, "404")) << report->failed[0].reason;
  EXPECT_EQ(report->failed[1].source, "http://[::1");

  const QuerySetScore score = ScoreSqliteDocQueries(**index, BaseUrl());
  std::printf("fetched %zu pages: recall@3 %.3f, MRR %.3f\n", good, score.recall_at_k, score.mrr);
  EXPECT_GE(score.recall_at_k, 0.9);

  auto again = IndexUrlList(**index, **fetcher, urls);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->unchanged, good);
  EXPECT_EQ(again->failed.size(), 2u);

  // The list file form of the same URLs gives the same pages.
  std::string list = "# sqlite3-doc\n";
  for (const std::string& url : urls) list += url + "\n";
  WriteFile(dir_->path() / "urls.txt", list);
  auto read = ReadUrlList(dir_->path() / "urls.txt");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, urls);
}

TEST_F(SqliteDocSiteTest, ReindexIsUnchangedAndOneEditIsOneUpdate) {
  auto again = IndexDirectory(*index_, Site(), BaseUrl());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->unchanged, first_report_->pages());
  EXPECT_EQ(again->added + again->updated, 0u);

  const fs::path page = Site() / "about.html";
  std::string html = ReadFile(page);
  const std::string sentence = "SQLite is an embedded SQL database engine.";
  const auto at = html.find(sentence);
  ASSERT_NE(at, std::string::npos);
  html.replace(at, sentence.size(), "SQLite is an embedded quokkaword SQL database engine.");
  WriteFile(page, html);
  auto edited = IndexDirectory(*index_, Site(), BaseUrl());
  ASSERT_TRUE(edited.ok()) << edited.status().ToString();
  EXPECT_EQ(edited->updated, 1u);
  EXPECT_EQ(edited->unchanged, first_report_->pages() - 1);
  auto hits = index_->Search("quokkaword", 5);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].url, BaseUrl() + "/about.html");
}

}  // namespace
}  // namespace sextant::toolserver::web
