// Malformed input for every import format, and every importer limit.
#include <gtest/gtest.h>

#include "knowledge/importer.h"
#include "knowledge/importer_test_util.h"
#include "knowledge/internal/record_parsers.h"

namespace sextant::knowledge {
namespace {

using ::sextant::testing::Contains;

// Imports `text` and expects one reject per entry of `lines`, in order, each
// reason containing the matching part of `reasons`.
void ExpectRejects(const Result<ImportReport>& report, const std::vector<std::int64_t>& lines,
                   const std::vector<std::string>& reasons) {
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->rejects.size(), lines.size());
  EXPECT_EQ(report->rejected, static_cast<std::int64_t>(lines.size()));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(report->rejects[i].line, lines[i]) << report->rejects[i].reason;
    EXPECT_TRUE(Contains(report->rejects[i].reason, reasons[i]))
        << report->rejects[i].reason << " lacks " << reasons[i];
  }
}

TEST_F(ImporterTest, MalformedTsv) {
  auto report =
      Import("only\ttwo\n\ta\tb\nok\tr\to\na\t\tb\nx\t...\ty\nbad\xFF\tr\to\n", ImportFormat::kTsv);
  ExpectRejects(
      report, {1, 2, 4, 5, 6},
      {"at least 3 fields", "empty subject", "empty relation", "normalizes to nothing", "UTF-8"});
  EXPECT_EQ(report->added, 1);
  EXPECT_EQ(report->records, 6);
}

TEST_F(ImporterTest, MalformedCsv) {
  auto report = Import(
      "a,r\"x,b\n"
      "\"a\"x,r,b\n"
      "ok,r,o\n"
      "\"never closed,r,b\n"
      "more\n",
      ImportFormat::kCsv);
  ExpectRejects(
      report, {1, 2, 4},
      {"quote inside an unquoted field", "after a closing quote", "unterminated quoted field"});
  EXPECT_EQ(report->added, 1);
}

TEST_F(ImporterTest, MalformedNTriples) {
  auto report = Import(
      "<a> <p> <o>\n"
      "<a> <p> \"unterminated .\n"
      "<a b> <p> <o> .\n"
      "\"lit\" <p> <o> .\n"
      "<a> _:p <o> .\n"
      "<a> <p> \"x\"^^bad .\n"
      "<a> <p> \"\\q\" .\n"
      "<a> <p> <o> . extra\n"
      "<a> <p> \"\\u12\"\n"
      "<a> <http://www.w3.org/2000/01/rdf-schema#label> <iri> .\n"
      "<a> <p> <o> .\n"
      "<> <p> <o> .\n"
      "<a> <p> \"\\uD800\" .\n",
      ImportFormat::kNTriples);
  ExpectRejects(report, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13},
                {"expected '.'", "unterminated literal", "not allowed in an IRI",
                 "literal can only be an object", "blank node cannot be a predicate",
                 "datatype must be", "unknown escape", "text after the final '.'", "truncated",
                 "rdfs:label object must be a literal", "empty IRI", "no Unicode scalar"});
  EXPECT_EQ(report->added, 1);
}

TEST_F(ImporterTest, MalformedJsonLines) {
  auto report = Import(
      "{\"s\": \"a\", \"r\": \"b\"\n"
      "[1, 2]\n"
      "{\"s\": \"a\", \"r\": \"b\", \"o\": 3}\n"
      "{\"s\": \"a\", \"r\": \"b\", \"o\": \"c\", \"confidence\": \"high\"}\n"
      "{\"s\": \"a\", \"r\": \"b\", \"o\": \"c\", \"confidence\": 2}\n"
      "{\"s\": \"a\", \"r\": \"b\", \"o\": \"c\", \"source\": 5}\n"
      "{\"s\": \"a\", \"r\": \"b\", \"o\": \"c\"}\n"
      "{\"s\": {\"deep\": {\"deeper\": {\"deepest\": {\"x\": 1}}}}, \"r\": \"b\", \"o\": \"c\"}\n",
      ImportFormat::kJsonLines);
  ExpectRejects(report, {1, 2, 3, 4, 5, 6, 8},
                {"", "must be an object", "\"o\" must be a string", "confidence", "outside [0, 1]",
                 "source", ""});
  EXPECT_EQ(report->added, 1);
}

TEST_F(ImporterTest, LineAndFieldLimits) {
  ImportOptions options;
  options.max_line_bytes = 16;
  options.max_field_bytes = 4;
  auto report = Import(
      "abcd\tr\tefgh\n"             // 11 bytes: fits
      "abcde\tr\tb\n"               // field of 5 bytes
      "a\tr\tb\tsource_too_long\n"  // 22 bytes: line too long
      "a\tr\tb\tsrc12\n"            // source of 5 bytes
      "a\tr\tb\n",
      ImportFormat::kTsv, options);
  ExpectRejects(report, {2, 3, 4}, {"max_field_bytes 4", "max_line_bytes 16", "max_field_bytes"});
  EXPECT_EQ(report->added, 2);

  ImportOptions csv;
  csv.max_line_bytes = 12;
  auto long_record = Import("\"a\nbcdefghijklmnop\",r,o\nx,r,y\n", ImportFormat::kCsv, csv);
  ExpectRejects(long_record, {1}, {"max_line_bytes 12"});
  EXPECT_EQ(long_record->added, 1);
}

TEST_F(ImporterTest, RejectLimitAndReportedRejects) {
  ImportOptions options;
  options.max_rejects = 3;
  options.max_reported_rejects = 2;
  auto ok = Import("x\nx\nx\na\tr\tb\n", ImportFormat::kTsv, options);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->rejected, 3);
  EXPECT_EQ(ok->rejects.size(), 2u);
  auto stopped = Import("x\nx\nx\nx\na\tr\tb\n", ImportFormat::kTsv, options);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(stopped.status().message(), "line 4"));
}

TEST_F(ImporterTest, BadOptionsAndFiles) {
  for (auto mutate :
       std::vector<void (*)(ImportOptions&)>{[](ImportOptions& o) { o.batch_rows = 0; },
                                             [](ImportOptions& o) { o.max_line_bytes = 0; },
                                             [](ImportOptions& o) { o.max_field_bytes = 0; },
                                             [](ImportOptions& o) { o.max_rejects = -1; }}) {
    ImportOptions options;
    mutate(options);
    EXPECT_EQ(Import("a\tr\tb\n", ImportFormat::kTsv, options).status().code(),
              StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ImportFile(*kb_, dir_.path() / "missing.tsv", {}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(ImportFile(*kb_, dir_.path(), {}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ImporterTest, MalformedNameMaps) {
  EXPECT_EQ(ReadNameMap(Write("a.txt", "/m/1\n")).status().code(), StatusCode::kInvalidArgument);
  auto empty_name = ReadNameMap(Write("b.txt", "/m/1\tok\n/m/2\t\n"));
  ASSERT_FALSE(empty_name.ok());
  EXPECT_TRUE(Contains(empty_name.status().message(), "b.txt:2"));
  EXPECT_EQ(ReadNameMap(Write("c.txt", "/m/1\t" + std::string(40, 'x') + "\n"), 16).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadNameMap(dir_.path() / "none.txt").status().code(), StatusCode::kNotFound);
}

TEST(RecordParsersTest, IriLocalNames) {
  EXPECT_EQ(internal::IriLocalName("http://yago-knowledge.org/resource/Dutch_language"),
            "Dutch_language");
  EXPECT_EQ(internal::IriLocalName("http://www.w3.org/2000/01/rdf-schema#label"), "label");
  EXPECT_EQ(internal::IriLocalName("urn:isbn:123"), "123");
  EXPECT_EQ(internal::IriLocalName("http://x.org/a%C3%A9/"), "a\xC3\xA9");
  EXPECT_EQ(internal::IriLocalName("http://x.org/bad%zz"), "bad%zz");
}

}  // namespace
}  // namespace sextant::knowledge
