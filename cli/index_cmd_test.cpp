// Runs `sextant index add|stats|search` as a subprocess on real files, with a
// URL list fetched from a server on 127.0.0.1.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "common/json.h"
#include "common/testing/loopback_http_server.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

using ::sextant::testing::Contains;
using ::sextant::testing::WriteFile;

std::string Html(std::string_view title, std::string_view body) {
  return "<html><head><title>" + std::string(title) + "</title></head><body><article><p>" +
         std::string(body) + "</p></article></body></html>";
}

class IndexCmdTest : public CliTest {
 protected:
  void SetUp() override {
    WriteFile(Path("site/a.html"), Html("Alpha page", "The aardvark digs burrows at night."));
    WriteFile(Path("site/sub/b.html"), Html("Beta page", "The badger digs too, by day."));
    WriteFile(Path("site/notes.txt"), "A caracal note.");
  }

  RunResult Add(const std::string& source, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"index", "add", source, "--db", Db()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }

  std::string Db() const { return Path("index.sqlite").string(); }
  std::string Site() const { return Path("site").string(); }
};

TEST_F(IndexCmdTest, AddDirectoryThenSearch) {
  RunResult add = Add(Site(), {"--base-url", "https://docs.test/"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out.rfind("added 3, updated 0, unchanged 0, failed 0 in ", 0), 0u) << add.out;
  EXPECT_TRUE(Contains(add.out, "pages/s)")) << add.out;

  RunResult search = Run({"index", "search", "digs", "--db", Db()});
  ASSERT_EQ(search.exit_code, 0) << search.err;
  const std::vector<std::string> lines = [&] {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < search.out.size()) {
      const std::size_t nl = search.out.find('\n', start);
      out.push_back(search.out.substr(start, nl - start));
      start = nl + 1;
    }
    return out;
  }();
  ASSERT_EQ(lines.size(), 2u) << search.out;
  EXPECT_EQ(lines[0].rfind("1\t", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("2\t", 0), 0u) << lines[1];
  const std::string both = lines[0] + lines[1];
  EXPECT_TRUE(Contains(both, "\thttps://docs.test/a.html\tAlpha page")) << search.out;
  EXPECT_TRUE(Contains(both, "\thttps://docs.test/sub/b.html\tBeta page")) << search.out;

  RunResult one = Run({"index", "search", "digs", "--k", "1", "--db", Db()});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(std::count(one.out.begin(), one.out.end(), '\n'), 1) << one.out;
}

TEST_F(IndexCmdTest, SearchJson) {
  ASSERT_EQ(Add(Site(), {"--base-url", "https://docs.test"}).exit_code, 0);
  RunResult r = Run({"index", "search", "aardvark burrows", "--json", "--db", Db()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  ASSERT_EQ(json->size(), 1u) << r.out;
  const Json& hit = (*json)[0];
  EXPECT_EQ(hit["rank"], 1);
  EXPECT_EQ(hit["url"], "https://docs.test/a.html");
  EXPECT_EQ(hit["title"], "Alpha page");
  EXPECT_GT(hit["score"].get<double>(), 0);
  EXPECT_TRUE(Contains(hit["snippet"].get<std::string>(), "[aardvark]")) << r.out;
  EXPECT_TRUE(Contains(hit["snippet"].get<std::string>(), "[burrows]")) << r.out;

  RunResult none = Run({"index", "search", "zebra", "--json", "--db", Db()});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(ParseJson(none.out)->size(), 0u) << none.out;
}

TEST_F(IndexCmdTest, AddAgainIsUnchangedAndAnEditIsUpdated) {
  ASSERT_EQ(Add(Site()).exit_code, 0);
  RunResult again = Add(Site());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.rfind("added 0, updated 0, unchanged 3, failed 0 in ", 0), 0u) << again.out;
  WriteFile(Path("site/a.html"), Html("Alpha page", "The aardvark sleeps by day."));
  RunResult edited = Add(Site());
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  EXPECT_EQ(edited.out.rfind("added 0, updated 1, unchanged 2, failed 0 in ", 0), 0u) << edited.out;
}

TEST_F(IndexCmdTest, Stats) {
  ASSERT_EQ(Add(Site()).exit_code, 0);
  RunResult text = Run({"index", "stats", "--db", Db()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(Contains(text.out, "documents\t3\n")) << text.out;
  EXPECT_TRUE(Contains(text.out, "last indexed\t20")) << text.out;
  RunResult json = Run({"index", "stats", "--json", "--db", Db()});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = ParseJson(json.out);
  ASSERT_TRUE(j.ok()) << json.out;
  EXPECT_EQ((*j)["documents"], 3);
  EXPECT_GT((*j)["text_bytes"].get<std::int64_t>(), 0);
  EXPECT_GT((*j)["database_bytes"].get<std::int64_t>(), 0);
  EXPECT_GT((*j)["last_indexed_at"].get<std::int64_t>(), 0);
}

TEST_F(IndexCmdTest, DefaultDatabaseComesFromConfig) {
  RunResult add = Run({"index", "add", Site()});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_TRUE(std::filesystem::exists(Path("home/.local/share/sextant/index.sqlite")));
  RunResult stats = Run({"index", "stats"});
  EXPECT_TRUE(Contains(stats.out, "documents\t3\n")) << stats.out << stats.err;

  const std::string other = Path("other/idx.sqlite").string();
  RunResult env_add = Run({"index", "add", Site()}, {{"SEXTANT_WEB_INDEX_PATH", other}});
  ASSERT_EQ(env_add.exit_code, 0) << env_add.err;
  EXPECT_TRUE(std::filesystem::exists(other));
  RunResult set = Run({"--set", "web.index_path=" + other, "index", "stats"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_TRUE(Contains(set.out, other)) << set.out;
}

TEST_F(IndexCmdTest, AddUrlListFetchesAndReportsBadUrls) {
  auto server = sextant::testing::LoopbackHttpServer::Start();
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  (*server)->On("/one.html", sextant::testing::ScriptedReply::Full(
                                 200, Html("One", "The okapi lives in forests."),
                                 {{"Content-Type", "text/html; charset=utf-8"}}));
  (*server)->On("/two.txt", sextant::testing::ScriptedReply::Full(
                                200, "A plain numbat note.", {{"Content-Type", "text/plain"}}));
  const std::string missing = (*server)->Url("/missing.html");
  WriteFile(Path("urls.txt"), "# test pages\n" + (*server)->Url("/one.html") + "\n\n" +
                                  (*server)->Url("/two.txt") + "\n" + missing + "\n");

  RunResult blocked = Add(Path("urls.txt").string());
  ASSERT_EQ(blocked.exit_code, 0) << blocked.err;
  EXPECT_EQ(blocked.out.rfind("added 0, updated 0, unchanged 0, failed 3 in ", 0), 0u)
      << blocked.out;
  EXPECT_TRUE(Contains(blocked.err, "permission_denied")) << blocked.err;

  RunResult add = Add(Path("urls.txt").string(), {"--allow-address", "127.0.0.1"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out.rfind("added 2, updated 0, unchanged 0, failed 1 in ", 0), 0u) << add.out;
  EXPECT_TRUE(Contains(add.err, "failed: " + missing + ": ")) << add.err;

  RunResult okapi = Run({"index", "search", "okapi", "--db", Db()});
  EXPECT_TRUE(Contains(okapi.out, "\t" + (*server)->Url("/one.html") + "\tOne\n")) << okapi.out;
  RunResult numbat = Run({"index", "search", "numbat", "--db", Db()});
  EXPECT_TRUE(Contains(numbat.out, (*server)->Url("/two.txt"))) << numbat.out;
}

TEST_F(IndexCmdTest, UsageErrorsExitTwo) {
  ASSERT_EQ(Add(Site()).exit_code, 0);
  EXPECT_EQ(Run({"index"}).exit_code, 2);
  EXPECT_EQ(Run({"index", "search"}).exit_code, 2);
  EXPECT_EQ(Run({"index", "search", "x", "--k", "many", "--db", Db()}).exit_code, 2);
  RunResult zero = Run({"index", "search", "digs", "--k", "0", "--db", Db()});
  EXPECT_EQ(zero.exit_code, 2) << zero.err;
  RunResult many = Run({"index", "search", "digs", "--k", "101", "--db", Db()});
  EXPECT_EQ(many.exit_code, 2) << many.err;
  RunResult no_words = Run({"index", "search", "\"*\" -", "--db", Db()});
  EXPECT_EQ(no_words.exit_code, 2);
  EXPECT_TRUE(Contains(no_words.err, "no words")) << no_words.err;
  WriteFile(Path("urls.txt"), "http://a.test/\n");
  EXPECT_EQ(Add(Path("urls.txt").string(), {"--base-url", "http://x"}).exit_code, 2);
  EXPECT_EQ(Add(Site(), {"--batch", "0"}).exit_code, 2);
}

TEST_F(IndexCmdTest, RuntimeErrorsExitOne) {
  RunResult missing_db = Run({"index", "search", "x", "--db", Path("absent.sqlite").string()});
  EXPECT_EQ(missing_db.exit_code, 1);
  EXPECT_TRUE(Contains(missing_db.err, "sextant index add")) << missing_db.err;
  EXPECT_FALSE(std::filesystem::exists(Path("absent.sqlite")));
  EXPECT_EQ(Run({"index", "stats", "--db", Path("absent.sqlite").string()}).exit_code, 1);

  RunResult no_source = Add(Path("nowhere").string());
  EXPECT_EQ(no_source.exit_code, 1);
  EXPECT_TRUE(Contains(no_source.err, "nowhere")) << no_source.err;

  WriteFile(Path("notes.sqlite"), std::string(4096, 'n'));
  RunResult not_db = Run({"index", "add", Site(), "--db", Path("notes.sqlite").string()});
  EXPECT_EQ(not_db.exit_code, 1);
  EXPECT_TRUE(Contains(not_db.err, "data_loss")) << not_db.err;
}

}  // namespace
}  // namespace sextant
