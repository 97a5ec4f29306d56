// Runs `sextant kb ...` against a real SQLite file and checks what a user
// sees: results on stdout, rejects and errors on stderr.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "common/json.h"
#include "common/testing/testdata.h"

namespace sextant {
namespace {

using ::sextant::testing::Contains;

class KbCliTest : public CliTest {
 protected:
  std::string Db() const { return Path("kb.sqlite").string(); }
};

TEST_F(KbCliTest, ImportQuerySearchNeighborsStats) {
  const auto tsv = Path("facts.tsv");
  testing::WriteFile(tsv,
                     "Suriname\thasOfficialLanguage\tDutch_language\n"
                     "Netherlands\thasOfficialLanguage\tDutch_language\n"
                     "Suriname\thasCapital\tParamaribo\n"
                     "broken line\n");
  RunResult imp = Run({"kb", "import", tsv.string(), "--format", "tsv", "--db", Db()});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_TRUE(Contains(imp.out, "4 records, 3 added")) << imp.out;
  EXPECT_TRUE(Contains(imp.out, "records/s")) << imp.out;
  EXPECT_TRUE(Contains(imp.err, "reject: line 4: expected at least 3 fields")) << imp.err;

  RunResult q = Run(
      {"kb", "query", "--s", "suriname", "--r", "has official language", "--db", Db(), "--json"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  auto rows = ParseJson(q.out);
  ASSERT_TRUE(rows.ok()) << q.out;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0]["o"], "Dutch_language");

  RunResult text = Run({"kb", "query", "--o", "Dutch language", "--db", Db()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out,
            "Suriname\thasOfficialLanguage\tDutch_language\n"
            "Netherlands\thasOfficialLanguage\tDutch_language\n");

  RunResult s = Run({"kb", "search", "capital of suriname", "--db", Db(), "--json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto hits = ParseJson(s.out);
  ASSERT_TRUE(hits.ok()) << s.out;
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0]["o"], "Paramaribo");
  EXPECT_TRUE(Contains((*hits)[0]["snippet"].get<std::string>(), "[capital]"));

  RunResult n = Run({"kb", "neighbors", "Netherlands", "--hops", "2", "--db", Db()});
  ASSERT_EQ(n.exit_code, 0) << n.err;
  EXPECT_TRUE(Contains(n.out, "1\tNetherlands\thasOfficialLanguage\tDutch_language\n")) << n.out;
  EXPECT_TRUE(Contains(n.out, "2\tSuriname\thasOfficialLanguage\tDutch_language\n")) << n.out;
  EXPECT_FALSE(Contains(n.out, "Paramaribo")) << n.out;

  RunResult st = Run({"kb", "stats", "--db", Db(), "--json"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  auto stats = ParseJson(st.out);
  ASSERT_TRUE(stats.ok()) << st.out;
  EXPECT_EQ((*stats)["triples"], 3);
  EXPECT_EQ((*stats)["top_relations"][0]["name"], "hasOfficialLanguage");
}

TEST_F(KbCliTest, ImportsFb15kWithNames) {
  SEXTANT_TESTDATA_OR_SKIP(dir, "kb/FB15k-237");
  RunResult imp = Run({"kb", "import", (dir / "test.txt").string(), "--format", "tsv", "--names",
                       (dir / "FB15k_mid2name.txt").string(), "--db", Db()});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_TRUE(Contains(imp.out, " 0 rejected")) << imp.out;
  // The first fact of the file, asked by its subject's id.
  std::ifstream in(dir / "test.txt");
  std::string s;
  std::string r;
  ASSERT_TRUE(in >> s >> r);
  RunResult q = Run({"kb", "query", "--s", s, "--r", r, "--db", Db(), "--json"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  auto rows = ParseJson(q.out);
  ASSERT_TRUE(rows.ok());
  EXPECT_FALSE(rows->empty());
}

TEST_F(KbCliTest, Errors) {
  RunResult fmt = Run({"kb", "import", "x.tsv", "--format", "xml", "--db", Db()});
  EXPECT_EQ(fmt.exit_code, 1);
  EXPECT_TRUE(Contains(fmt.err, "unknown import format 'xml'")) << fmt.err;
  RunResult missing = Run({"kb", "import", Path("none.tsv").string(), "--db", Db()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "not_found")) << missing.err;
  RunResult no_db = Run({"kb", "query", "--s", "x", "--db", Path("absent.sqlite").string()});
  EXPECT_EQ(no_db.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(Path("absent.sqlite")));
  const auto bad = Path("bad.tsv");
  testing::WriteFile(bad, "x\nx\n");
  RunResult limit = Run({"kb", "import", bad.string(), "--max-rejects", "1", "--db", Db()});
  EXPECT_EQ(limit.exit_code, 1);
  EXPECT_TRUE(Contains(limit.err, "max_rejects 1")) << limit.err;
  RunResult hops = Run({"kb", "neighbors", "x", "--hops", "0", "--db", Db()});
  EXPECT_EQ(hops.exit_code, 1);
}

TEST_F(KbCliTest, Verify) {
  const auto tsv = Path("facts.tsv");
  testing::WriteFile(tsv,
                     "Suriname\thasOfficialLanguage\tDutch_language\n"
                     "France\thas_capital\tParis\n"
                     "Zambia\tlocatedin\tEastern_Africa\n"
                     "Eastern_Africa\tlocatedin\tAfrica\n");
  ASSERT_EQ(Run({"kb", "import", tsv.string(), "--db", Db()}).exit_code, 0);

  RunResult text =
      Run({"kb", "verify", "(Suriname, hasOfficialLanguage, Dutch_language)", "--db", Db()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out,
            "supported (score 1.00)\n"
            "KB has (Suriname, hasOfficialLanguage, Dutch_language)\n"
            "evidence: (Suriname, hasOfficialLanguage, Dutch_language)\n");

  RunResult json =
      Run({"kb", "verify", "(suriname; has official language; Dutch)", "--db", Db(), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = ParseJson(json.out);
  ASSERT_TRUE(j.ok()) << json.out;
  EXPECT_EQ((*j)["verdict"], "unknown");
  EXPECT_EQ((*j)["score"], 0.5);
  EXPECT_TRUE((*j)["evidence"].empty());
  EXPECT_EQ((*j)["triple"]["o"], "Dutch");

  RunResult chain = Run({"kb", "verify", "(Zambia, locatedin, Africa)", "--db", Db(),
                         "--transitive", "locatedin", "--json"});
  ASSERT_EQ(chain.exit_code, 0) << chain.err;
  auto c = ParseJson(chain.out);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["verdict"], "supported");
  EXPECT_EQ((*c)["evidence"].size(), 2u);

  RunResult close = Run({"kb", "verify", "(France, has capital, Pariss)", "--db", Db(), "--json",
                         "--partial-threshold", "0.7"});
  ASSERT_EQ(close.exit_code, 0) << close.err;
  auto p = ParseJson(close.out);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)["verdict"], "partially_supported");
  EXPECT_EQ((*p)["evidence"][0]["o"], "Paris");

  const auto lines = Path("claims.tsv");
  testing::WriteFile(lines,
                     "France\thas_capital\tParis\textra\n"
                     "\n"
                     "not a triple\n"
                     "Atlantis\thas_capital\tPoseidonia\r\n");
  RunResult file = Run({"kb", "verify", "--file", lines.string(), "--db", Db()});
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_TRUE(Contains(file.err, "1 malformed line(s)")) << file.err;
  std::vector<Json> out;
  std::size_t start = 0;
  while (start < file.out.size()) {
    const std::size_t nl = file.out.find('\n', start);
    auto row = ParseJson(file.out.substr(start, nl - start));
    ASSERT_TRUE(row.ok()) << file.out;
    out.push_back(*row);
    start = nl + 1;
  }
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["verdict"], "supported");
  EXPECT_EQ(out[0]["line"], 1);
  EXPECT_EQ(out[1]["line"], 3);
  EXPECT_TRUE(Contains(out[1]["error"].get<std::string>(), "expected 3 tab-separated fields"));
  EXPECT_EQ(out[2]["verdict"], "unknown");
  EXPECT_EQ(out[2]["triple"]["o"], "Poseidonia");
}

TEST_F(KbCliTest, VerifyErrors) {
  RunResult none = Run({"kb", "verify", "--db", Db()});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_TRUE(Contains(none.err, "give one triple")) << none.err;
  RunResult bad = Run({"kb", "verify", "(a, b)", "--db", Db()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(Contains(bad.err, "expected 3 parts")) << bad.err;
  RunResult no_db = Run({"kb", "verify", "(a, b, c)", "--db", Path("absent.sqlite").string()});
  EXPECT_EQ(no_db.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(Path("absent.sqlite")));
  const auto tsv = Path("facts.tsv");
  testing::WriteFile(tsv, "a\tb\tc\n");
  ASSERT_EQ(Run({"kb", "import", tsv.string(), "--db", Db()}).exit_code, 0);
  RunResult threshold =
      Run({"kb", "verify", "(a, b, c)", "--db", Db(), "--partial-threshold", "2"});
  EXPECT_EQ(threshold.exit_code, 1);
  EXPECT_TRUE(Contains(threshold.err, "partial_threshold")) << threshold.err;
  RunResult missing = Run({"kb", "verify", "--file", Path("none.tsv").string(), "--db", Db()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "not_found")) << missing.err;
}

}  // namespace
}  // namespace sextant
