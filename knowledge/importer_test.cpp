#include "knowledge/importer.h"

#include <gtest/gtest.h>

#include "knowledge/importer_test_util.h"

namespace sextant::knowledge {
namespace {

TEST_F(ImporterTest, TsvWithSourceColumnHeaderAndCrlf) {
  ImportOptions options;
  options.header = true;
  options.default_source = "file";
  auto report = Import(
      "subject\trelation\tobject\tsource\r\n"
      "Suriname\thasOfficialLanguage\tDutch_language\tyago\r\n"
      "\r\n"
      "Paris\tcapitalOf\tFrance\r\n"
      "paris\tcapital_of\tfrance\textra\textra2\n",
      ImportFormat::kTsv, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, 3);
  EXPECT_EQ(report->added, 2);
  EXPECT_EQ(report->duplicates, 1);
  EXPECT_EQ(report->rejected, 0);
  auto rows = Query("suriname", std::nullopt, std::nullopt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].o, "Dutch_language");
  EXPECT_EQ(rows[0].source, "yago");
  auto paris = Query("Paris", "capital of", std::nullopt);
  ASSERT_EQ(paris.size(), 1u);
  EXPECT_EQ(paris[0].source, "file");
}

TEST_F(ImporterTest, TsvWithoutSourceColumn) {
  ImportOptions options;
  options.source_column = std::nullopt;
  auto report =
      Import("land_reform\t_hypernym\treform\t00260881\t00260622\n", ImportFormat::kTsv, options);
  ASSERT_TRUE(report.ok());
  auto rows = Query("land reform", "hypernym", std::nullopt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].source, "");
}

TEST_F(ImporterTest, CsvQuotingPerRfc4180) {
  auto report = Import(
      "\"Washington, D.C.\",capitalOf,United_States,\"census \"\"2020\"\"\"\r\n"
      "\"multi\nline\",r,o\n"
      "a,\"\",b\n"
      "plain,r,\"o,with,commas\"\n",
      ImportFormat::kCsv);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records, 4);
  EXPECT_EQ(report->added, 3);
  ASSERT_EQ(report->rejected, 1);
  EXPECT_EQ(report->rejects[0].line, 4);
  EXPECT_NE(report->rejects[0].reason.find("empty relation"), std::string::npos);
  auto rows = Query("washington, d.c.", std::nullopt, std::nullopt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].source, "census \"2020\"");
  EXPECT_EQ(Query("multi line", std::nullopt, std::nullopt).size(), 1u);
  EXPECT_EQ(Query(std::nullopt, std::nullopt, "o,with,commas").size(), 1u);
}

TEST_F(ImporterTest, NTriplesWithLabelsEscapesAndDatatypes) {
  auto report = Import(
      "# a comment\n"
      "<http://yago/Suriname> <http://yago/hasOfficialLanguage> <http://yago/Dutch_language> .\n"
      "<http://yago/Suriname> <http://www.w3.org/2000/01/rdf-schema#label> \"Surinam\"@de .\n"
      "<http://yago/Suriname> <http://www.w3.org/2000/01/rdf-schema#label> \"Republic of "
      "Suriname\"@en .\n"
      "<http://yago/Suriname> <http://yago/motto> \"Justitia \\\"Pietas\\\" \\u00C9\"@la .\n"
      "_:b1 <http://yago/population> \"612985\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
      "<http://x.org/a%20b> <http://x.org/p#rel> <http://x.org/c/> .   # trailing comment\n",
      ImportFormat::kNTriples);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rejected, 0) << report->rejects[0].reason;
  EXPECT_EQ(report->added, 4);
  EXPECT_EQ(report->labels, 2);
  // The English label names the entity; every label is an alias.
  auto rows = Query("surinam", "has official language", std::nullopt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].s, "Republic of Suriname");
  EXPECT_EQ(rows[0].o, "Dutch_language");
  EXPECT_EQ(Query("Republic of Suriname", std::nullopt, std::nullopt).size(), 2u);
  auto motto = Query("suriname", "motto", std::nullopt);
  ASSERT_EQ(motto.size(), 1u);
  EXPECT_EQ(motto[0].o, "Justitia \"Pietas\" \xC3\x89");
  EXPECT_EQ(Query("_:b1", "population", "612985").size(), 1u);
  EXPECT_EQ(Query("a b", "rel", "c").size(), 1u);
}

TEST_F(ImporterTest, JsonLinesWithConfidence) {
  auto report = Import(
      "{\"s\": \"Paris\", \"r\": \"capitalOf\", \"o\": \"France\", \"source\": \"wiki\", "
      "\"confidence\": 0.75}\n"
      "{\"s\": \"Lyon\", \"r\": \"locatedIn\", \"o\": \"France\"}\n",
      ImportFormat::kJsonLines);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->added, 2);
  auto rows = Query("paris", std::nullopt, std::nullopt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].source, "wiki");
  EXPECT_DOUBLE_EQ(rows[0].confidence, 0.75);
  EXPECT_DOUBLE_EQ(Query("lyon", std::nullopt, std::nullopt)[0].confidence, 1.0);
}

TEST_F(ImporterTest, NameMapRenamesIdsAndKeepsThemAsAliases) {
  const auto map_path = Write("names.txt", "/m/1\tJeremy_Irons\n/m/2\tDie_Hard\n");
  auto names = ReadNameMap(map_path);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  auto report = Import("/m/1\t/film/actor/film\t/m/2\n/m/1\t/people/person/gender\t/m/9\n",
                       ImportFormat::kTsv, {}, &*names);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->added, 2);
  auto rows = Query("Jeremy Irons", "/film/actor/film", std::nullopt);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].s, "Jeremy_Irons");
  EXPECT_EQ(rows[0].o, "Die_Hard");
  EXPECT_EQ(Query("/m/1", std::nullopt, std::nullopt).size(), 2u);
  EXPECT_EQ(Query(std::nullopt, std::nullopt, "/m/9").size(), 1u);  // unmapped ids stay
}

TEST_F(ImporterTest, CommitsInBatches) {
  // With batch_rows 2 and no rejects allowed, a bad 5th record keeps the two
  // committed batches and drops the open one.
  ImportOptions options;
  options.batch_rows = 2;
  options.max_rejects = 0;
  auto report = Import("a\tr\t1\na\tr\t2\na\tr\t3\na\tr\t4\nbad line\na\tr\t6\n",
                       ImportFormat::kTsv, options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(report.status().message().find("line 5"), std::string::npos);
  EXPECT_EQ(Query("a", std::nullopt, std::nullopt).size(), 4u);
  // The store keeps working after the rolled-back batch.
  auto again = Import("a\tr\t7\n", ImportFormat::kTsv);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Query("a", std::nullopt, std::nullopt).size(), 5u);
}

TEST(ImportFormatTest, ParsesNames) {
  EXPECT_EQ(*ParseImportFormat("tsv"), ImportFormat::kTsv);
  EXPECT_EQ(*ParseImportFormat("csv"), ImportFormat::kCsv);
  EXPECT_EQ(*ParseImportFormat("nt"), ImportFormat::kNTriples);
  EXPECT_EQ(*ParseImportFormat("ntriples"), ImportFormat::kNTriples);
  EXPECT_EQ(*ParseImportFormat("jsonl"), ImportFormat::kJsonLines);
  EXPECT_EQ(ParseImportFormat("xml").status().code(), StatusCode::kInvalidArgument);
  for (auto f : {ImportFormat::kTsv, ImportFormat::kCsv, ImportFormat::kNTriples,
                 ImportFormat::kJsonLines}) {
    EXPECT_EQ(*ParseImportFormat(ImportFormatName(f)), f);
  }
}

}  // namespace
}  // namespace sextant::knowledge
