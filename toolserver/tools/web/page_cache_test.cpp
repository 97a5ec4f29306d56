// The page cache on real SQLite files: round trips, freshness, purging, the
// entry bound, threads, and files that are not a page cache.
#include "toolserver/tools/web/page_cache.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/sqlite.h"
#include "common/testing/testdata.h"

namespace sextant::toolserver::web {
namespace {

using ::sextant::testing::Contains;
using ::sextant::testing::TempDir;
using ::sextant::testing::WriteFile;

constexpr std::int64_t kHourMs = 3600 * 1000;
constexpr int kDaySeconds = 24 * 3600;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

CachedPage Page(std::string body, std::int64_t fetched_at_ms = 0) {
  CachedPage p;
  p.final_url = "https://example.test/final";
  p.status = 200;
  p.media_type = "text/html";
  p.charset = "gb18030";
  p.charset_from = "meta";
  p.body = std::move(body);
  p.fetched_at_ms = fetched_at_ms;
  return p;
}

class PageCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<PageCache> Open(PageCacheOptions options = {}) {
    auto cache = PageCache::Create(path_, options);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    return cache.ok() ? std::move(cache).value() : nullptr;
  }

  TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "sub" / "pages.sqlite";
};

TEST_F(PageCacheTest, PutThenGetRoundTripsEveryField) {
  auto cache = Open();
  ASSERT_NE(cache, nullptr);
  const CachedPage in = Page("<p>中文 and ✓</p>");
  ASSERT_TRUE(cache->Put("https://example.test/a", in).ok());
  auto got = cache->Get("https://example.test/a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  const CachedPage& out = **got;
  EXPECT_EQ(out.final_url, in.final_url);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.media_type, "text/html");
  EXPECT_EQ(out.charset, "gb18030");
  EXPECT_EQ(out.charset_from, "meta");
  EXPECT_EQ(out.body, in.body);
  EXPECT_GT(out.fetched_at_ms, NowMs() - kHourMs);
  auto missing = cache->Get("https://example.test/b");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(PageCacheTest, PutReplacesTheUrlsRow) {
  auto cache = Open();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Put("u", Page("old")).ok());
  ASSERT_TRUE(cache->Put("u", Page("new")).ok());
  auto got = cache->Get("u");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->body, "new");
  EXPECT_EQ(*cache->Count(), 1);
}

TEST_F(PageCacheTest, GetServesOnlyFreshPages) {
  PageCacheOptions day;
  day.ttl_seconds = kDaySeconds;
  PageCacheOptions hour;
  hour.ttl_seconds = 3600;
  auto long_lived = Open(day);
  auto short_lived = Open(hour);
  ASSERT_NE(long_lived, nullptr);
  ASSERT_NE(short_lived, nullptr);
  ASSERT_TRUE(long_lived->Put("old", Page("two hours old", NowMs() - 2 * kHourMs)).ok());
  ASSERT_TRUE(long_lived->Put("new", Page("a minute old", NowMs() - 60 * 1000)).ok());
  EXPECT_FALSE(short_lived->Get("old")->has_value());
  EXPECT_TRUE(short_lived->Get("new")->has_value());
  EXPECT_TRUE(long_lived->Get("old")->has_value());
}

TEST_F(PageCacheTest, PurgeExpiredDeletesOnlyExpiredRows) {
  PageCacheOptions day;
  day.ttl_seconds = kDaySeconds;
  PageCacheOptions hour;
  hour.ttl_seconds = 3600;
  auto long_lived = Open(day);
  auto short_lived = Open(hour);
  ASSERT_NE(long_lived, nullptr);
  ASSERT_NE(short_lived, nullptr);
  ASSERT_TRUE(long_lived->Put("a", Page("a", NowMs() - 3 * kHourMs)).ok());
  ASSERT_TRUE(long_lived->Put("b", Page("b", NowMs() - 2 * kHourMs)).ok());
  ASSERT_TRUE(long_lived->Put("c", Page("c")).ok());
  auto purged = short_lived->PurgeExpired();
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 2);
  EXPECT_EQ(*long_lived->Count(), 1);
  EXPECT_TRUE(long_lived->Get("c")->has_value());
}

TEST_F(PageCacheTest, PutPurgesExpiredRows) {
  PageCacheOptions day;
  day.ttl_seconds = kDaySeconds;
  auto long_lived = Open(day);
  auto short_lived = Open();  // an hour
  ASSERT_NE(long_lived, nullptr);
  ASSERT_NE(short_lived, nullptr);
  ASSERT_TRUE(long_lived->Put("stale", Page("s", NowMs() - 2 * kHourMs)).ok());
  ASSERT_TRUE(short_lived->Put("fresh", Page("f")).ok());
  EXPECT_EQ(*short_lived->Count(), 1);
}

TEST_F(PageCacheTest, KeepsAtMostMaxEntriesDroppingTheOldest) {
  PageCacheOptions options;
  options.max_entries = 3;
  auto cache = Open(options);
  ASSERT_NE(cache, nullptr);
  const std::int64_t now = NowMs();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(cache->Put("u" + std::to_string(i), Page("b", now - (10 - i) * 1000)).ok());
  }
  EXPECT_EQ(*cache->Count(), 3);
  EXPECT_FALSE(cache->Get("u0")->has_value());
  EXPECT_FALSE(cache->Get("u1")->has_value());
  for (const char* url : {"u2", "u3", "u4"}) EXPECT_TRUE(cache->Get(url)->has_value()) << url;
}

TEST_F(PageCacheTest, RejectsBadOptions) {
  PageCacheOptions ttl;
  ttl.ttl_seconds = 0;
  EXPECT_EQ(PageCache::Create(path_, ttl).status().code(), StatusCode::kInvalidArgument);
  PageCacheOptions entries;
  entries.max_entries = 0;
  EXPECT_EQ(PageCache::Create(path_, entries).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PageCacheTest, AFileThatIsNotSqliteIsDataLoss) {
  std::string junk;
  for (int i = 0; i < 200; ++i) junk += "this is not a database. ";
  WriteFile(path_, junk);
  auto cache = PageCache::Create(path_);
  ASSERT_FALSE(cache.ok());
  EXPECT_EQ(cache.status().code(), StatusCode::kDataLoss) << cache.status().ToString();
  EXPECT_TRUE(Contains(cache.status().message(), path_.string())) << cache.status().message();
}

TEST_F(PageCacheTest, ACorruptCacheFileIsDataLoss) {
  {
    auto cache = Open();
    ASSERT_NE(cache, nullptr);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(cache->Put("u" + std::to_string(i), Page("x")).ok());
  }
  std::filesystem::remove(path_.string() + "-wal");
  std::filesystem::remove(path_.string() + "-shm");
  std::string bytes = testing::ReadFile(path_);
  ASSERT_GT(bytes.size(), 100u);
  for (std::size_t i = 0; i < 100; ++i) bytes[i] = static_cast<char>(0xA5);  // the header
  WriteFile(path_, bytes);
  auto cache = PageCache::Create(path_);
  ASSERT_FALSE(cache.ok());
  EXPECT_EQ(cache.status().code(), StatusCode::kDataLoss) << cache.status().ToString();
}

TEST_F(PageCacheTest, AnotherApplicationsDatabaseIsRefused) {
  std::filesystem::create_directories(path_.parent_path());
  {
    auto db = Database::Open(path_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec("CREATE TABLE other(x); INSERT INTO other VALUES(1);").ok());
  }
  auto cache = PageCache::Create(path_);
  ASSERT_FALSE(cache.ok());
  EXPECT_EQ(cache.status().code(), StatusCode::kFailedPrecondition) << cache.status().ToString();
}

TEST_F(PageCacheTest, ManyThreadsShareOneCache) {
  auto cache = Open();
  ASSERT_NE(cache, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRounds = 25;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string url = "u" + std::to_string((t * kRounds + i) % 20);
        if (!cache->Put(url, Page("body " + url)).ok()) ++failures[t];
        auto got = cache->Get(url);
        if (!got.ok() || !got->has_value() || (*got)->body != "body " + url) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_EQ(*cache->Count(), 20);
}

}  // namespace
}  // namespace sextant::toolserver::web
