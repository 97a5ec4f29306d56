// `sextant kb import|query|search|neighbors|stats|verify`: the knowledge
// base from the command line. Results go to stdout (text or --json); import
// rejects and notes go to stderr.
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/json.h"
#include "knowledge/importer.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/verifier.h"

namespace sextant::cli {
namespace {

using knowledge::KnowledgeBase;

constexpr const char* kDefaultDb = "kb.sqlite";

int Fail(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
  return 1;
}

Result<std::unique_ptr<KnowledgeBase>> OpenKb(const std::string& path, bool write) {
  knowledge::KnowledgeBaseOptions options;
  options.database.read_only = !write;
  options.database.create = write;
  return KnowledgeBase::Open(path, options);
}

Json RowJson(const knowledge::TripleRow& row) {
  Json j = {{"s", row.s}, {"r", row.r}, {"o", row.o}, {"confidence", row.confidence}};
  j["source"] = row.source.empty() ? Json(nullptr) : Json(row.source);
  if (row.via_inverse) j["via_inverse"] = true;
  return j;
}

void PrintRow(const knowledge::TripleRow& row) {
  std::printf("%s\t%s\t%s%s\n", row.s.c_str(), row.r.c_str(), row.o.c_str(),
              row.via_inverse ? "\t(inverse)" : "");
}

struct ImportFlags {
  std::string file;
  std::string format = "tsv";
  std::string names;
  std::string db = kDefaultDb;
  std::string source;
  std::string source_column = "3";
  bool header = false;
  knowledge::ImportOptions options;
};

int RunImport(ImportFlags& f) {
  auto format = knowledge::ParseImportFormat(f.format);
  if (!format.ok()) return Fail(format.status());
  f.options.format = *format;
  f.options.header = f.header;
  f.options.default_source = f.source;
  if (f.source_column == "none") {
    f.options.source_column = std::nullopt;
  } else {
    try {
      f.options.source_column = std::stoul(f.source_column);
    } catch (const std::exception&) {
      return Fail(InvalidArgumentError("--source-column takes a column number or 'none'"));
    }
  }
  std::optional<knowledge::NameMap> names;
  if (!f.names.empty()) {
    auto map = knowledge::ReadNameMap(f.names, f.options.max_line_bytes);
    if (!map.ok()) return Fail(map.status());
    names = std::move(*map);
  }
  auto kb = OpenKb(f.db, /*write=*/true);
  if (!kb.ok()) return Fail(kb.status());
  auto report = knowledge::ImportFile(**kb, f.file, f.options, names ? &*names : nullptr);
  if (!report.ok()) return Fail(report.status());
  for (const auto& reject : report->rejects) {
    std::fprintf(stderr, "reject: line %lld: %s\n", static_cast<long long>(reject.line),
                 reject.reason.c_str());
  }
  if (report->rejected > static_cast<std::int64_t>(report->rejects.size())) {
    std::fprintf(stderr, "reject: ... %lld more\n",
                 static_cast<long long>(report->rejected -
                                        static_cast<std::int64_t>(report->rejects.size())));
  }
  std::printf(
      "imported %s: %lld records, %lld added, %lld duplicates, %lld labels, %lld rejected in "
      "%.2f s (%.0f records/s)\n",
      f.file.c_str(), static_cast<long long>(report->records),
      static_cast<long long>(report->added), static_cast<long long>(report->duplicates),
      static_cast<long long>(report->labels), static_cast<long long>(report->rejected),
      report->seconds, report->RecordsPerSecond());
  return 0;
}

struct QueryFlags {
  std::optional<std::string> s;
  std::optional<std::string> r;
  std::optional<std::string> o;
  std::string db = kDefaultDb;
  std::size_t limit = knowledge::QueryOptions::kDefaultLimit;
  bool json = false;
};

int RunQuery(const QueryFlags& f) {
  auto kb = OpenKb(f.db, false);
  if (!kb.ok()) return Fail(kb.status());
  knowledge::TriplePattern pattern{f.s, f.r, f.o};
  knowledge::QueryOptions options;
  options.limit = f.limit;
  auto rows = (*kb)->Query(pattern, options);
  if (!rows.ok()) return Fail(rows.status());
  if (f.json) {
    Json out = Json::array();
    for (const auto& row : *rows) out.push_back(RowJson(row));
    std::printf("%s\n", DumpJson(out, 2).c_str());
  } else {
    for (const auto& row : *rows) PrintRow(row);
  }
  return 0;
}

struct SearchFlags {
  std::string text;
  std::string db = kDefaultDb;
  std::size_t limit = knowledge::SearchOptions::kDefaultLimit;
  bool json = false;
};

int RunSearch(const SearchFlags& f) {
  auto kb = OpenKb(f.db, false);
  if (!kb.ok()) return Fail(kb.status());
  knowledge::SearchOptions options;
  options.limit = f.limit;
  auto hits = (*kb)->Search(f.text, options);
  if (!hits.ok()) return Fail(hits.status());
  if (f.json) {
    Json out = Json::array();
    for (const auto& hit : *hits) {
      Json j = RowJson(hit.triple);
      j["score"] = hit.score;
      j["snippet"] = hit.snippet;
      out.push_back(std::move(j));
    }
    std::printf("%s\n", DumpJson(out, 2).c_str());
  } else {
    for (const auto& hit : *hits) std::printf("%.3f\t%s\n", hit.score, hit.snippet.c_str());
  }
  return 0;
}

struct NeighborFlags {
  std::string entity;
  std::string db = kDefaultDb;
  knowledge::NeighborOptions options;
  bool json = false;
};

int RunNeighbors(const NeighborFlags& f) {
  auto kb = OpenKb(f.db, false);
  if (!kb.ok()) return Fail(kb.status());
  auto result = (*kb)->Neighbors(f.entity, f.options);
  if (!result.ok()) return Fail(result.status());
  if (f.json) {
    Json edges = Json::array();
    for (const auto& edge : result->edges) {
      Json j = RowJson(edge.triple);
      j["hop"] = edge.hop;
      edges.push_back(std::move(j));
    }
    std::printf("%s\n", DumpJson({{"edges", edges}, {"truncated", result->truncated}}, 2).c_str());
    return 0;
  }
  for (const auto& edge : result->edges) {
    std::printf("%d\t", edge.hop);
    PrintRow(edge.triple);
  }
  if (result->truncated) {
    std::fprintf(stderr, "note: stopped at --limit %zu edges\n", f.options.max_edges);
  }
  return 0;
}

int RunStats(const std::string& db, std::size_t top, bool json) {
  auto kb = OpenKb(db, false);
  if (!kb.ok()) return Fail(kb.status());
  auto stats = (*kb)->Stats(top);
  if (!stats.ok()) return Fail(stats.status());
  if (json) {
    Json rels = Json::array();
    for (const auto& r : stats->top_relations)
      rels.push_back({{"name", r.name}, {"triples", r.triples}});
    std::printf("%s\n", DumpJson({{"entities", stats->entities},
                                  {"entity_aliases", stats->entity_aliases},
                                  {"relations", stats->relations},
                                  {"triples", stats->triples},
                                  {"top_relations", rels}},
                                 2)
                            .c_str());
    return 0;
  }
  std::printf("entities\t%lld\nentity aliases\t%lld\nrelations\t%lld\ntriples\t%lld\n",
              static_cast<long long>(stats->entities),
              static_cast<long long>(stats->entity_aliases),
              static_cast<long long>(stats->relations), static_cast<long long>(stats->triples));
  for (const auto& r : stats->top_relations) {
    std::printf("  %s\t%lld\n", r.name.c_str(), static_cast<long long>(r.triples));
  }
  return 0;
}

struct VerifyFlags {
  std::string triple;
  std::string file;
  std::string db = kDefaultDb;
  bool json = false;
  knowledge::VerifyOptions options;
};

void PrintVerification(const knowledge::TripleVerification& v) {
  std::printf("%s (score %.2f)\n%s\n", std::string(knowledge::VerdictName(v.verdict)).c_str(),
              v.score, v.explanation.c_str());
  for (const auto& t : v.evidence) {
    std::printf("evidence: %s\n", knowledge::FormatTriple(t).c_str());
  }
}

// One "s<TAB>r<TAB>o" line (more columns ignored).
Result<knowledge::Triple> TabTriple(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (fields.size() < 3) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  if (fields.size() < 3) {
    return InvalidArgumentError("expected 3 tab-separated fields (s, r, o), found " +
                                std::to_string(fields.size()));
  }
  for (const std::string& f : fields) {
    if (f.empty()) return InvalidArgumentError("empty field");
  }
  return knowledge::Triple{fields[0], fields[1], fields[2]};
}

int RunVerifyFile(knowledge::Verifier& verifier, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(NotFoundError("cannot read " + path));
  std::string line;
  std::int64_t line_no = 0;
  std::int64_t malformed = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto triple = TabTriple(line);
    if (!triple.ok()) {
      ++malformed;
      std::printf("%s\n",
                  DumpJson({{"line", line_no}, {"error", triple.status().message()}}).c_str());
      continue;
    }
    auto v = verifier.VerifyTriple(*triple);
    if (!v.ok()) return Fail(v.status());
    Json j = knowledge::ToJson(*v);
    j["line"] = line_no;
    std::printf("%s\n", DumpJson(j).c_str());
  }
  if (malformed > 0) {
    std::fprintf(stderr, "error: %lld malformed line(s) in %s\n", static_cast<long long>(malformed),
                 path.c_str());
    return 1;
  }
  return 0;
}

int RunVerify(const VerifyFlags& f) {
  if (f.triple.empty() == f.file.empty()) {
    return Fail(InvalidArgumentError("give one triple \"(s, r, o)\" or --file F"));
  }
  std::optional<knowledge::Triple> triple;
  if (!f.triple.empty()) {
    auto parsed = knowledge::ParseTriple(f.triple);
    if (!parsed.ok()) return Fail(parsed.status());
    triple = std::move(*parsed);
  }
  auto kb = OpenKb(f.db, false);
  if (!kb.ok()) return Fail(kb.status());
  knowledge::Verifier verifier(**kb, f.options);
  if (!triple) return RunVerifyFile(verifier, f.file);
  auto v = verifier.VerifyTriple(*triple);
  if (!v.ok()) return Fail(v.status());
  if (f.json) {
    std::printf("%s\n", DumpJson(knowledge::ToJson(*v), 2).c_str());
  } else {
    PrintVerification(*v);
  }
  return 0;
}

void AddDbFlag(CLI::App& cmd, std::string& db) {
  cmd.add_option("--db", db, "Knowledge base file")->capture_default_str();
}

}  // namespace

void AddKbCommand(CLI::App& app, Context& ctx) {
  auto* kb = app.add_subcommand("kb", "The knowledge base: import, query, search triples");
  kb->require_subcommand(1);

  auto* import_cmd =
      kb->add_subcommand("import", "Import triples from a file (streams, in batches)");
  auto inf = std::make_shared<ImportFlags>();
  import_cmd->add_option("FILE", inf->file, "Input file")->required();
  import_cmd->add_option("--format", inf->format, "tsv, csv, ntriples or jsonl")
      ->capture_default_str();
  import_cmd->add_option("--names", inf->names, "id<TAB>name map applied to subjects and objects");
  AddDbFlag(*import_cmd, inf->db);
  import_cmd->add_option("--batch", inf->options.batch_rows, "Records per transaction")
      ->capture_default_str();
  import_cmd
      ->add_option("--max-rejects", inf->options.max_rejects,
                   "Stop after more rejected records than this")
      ->capture_default_str();
  import_cmd->add_option("--max-line-bytes", inf->options.max_line_bytes, "Longest record")
      ->capture_default_str();
  import_cmd->add_option("--max-field-bytes", inf->options.max_field_bytes, "Longest field")
      ->capture_default_str();
  import_cmd->add_flag("--header", inf->header, "TSV/CSV: skip the first line");
  import_cmd->add_option("--source", inf->source, "Source of records that name none");
  import_cmd
      ->add_option("--source-column", inf->source_column,
                   "TSV/CSV: 0-based source column, or 'none'")
      ->capture_default_str();
  import_cmd->callback([&ctx, inf] { ctx.exit_code = RunImport(*inf); });

  auto* query =
      kb->add_subcommand("query", "Triples matching a pattern (any part may be left out)");
  auto qf = std::make_shared<QueryFlags>();
  query->add_option("--s", qf->s, "Subject");
  query->add_option("--r", qf->r, "Relation");
  query->add_option("--o", qf->o, "Object");
  AddDbFlag(*query, qf->db);
  query->add_option("--limit", qf->limit, "Most rows")->capture_default_str();
  query->add_flag("--json", qf->json, "Print JSON");
  query->callback([&ctx, qf] { ctx.exit_code = RunQuery(*qf); });

  auto* search = kb->add_subcommand("search", "Full-text search over the triples (BM25)");
  auto sf = std::make_shared<SearchFlags>();
  search->add_option("TEXT", sf->text, "Free text")->required();
  AddDbFlag(*search, sf->db);
  search->add_option("--limit", sf->limit, "Most hits")->capture_default_str();
  search->add_flag("--json", sf->json, "Print JSON");
  search->callback([&ctx, sf] { ctx.exit_code = RunSearch(*sf); });

  auto* neighbors = kb->add_subcommand("neighbors", "Triples around an entity, breadth first");
  auto nf = std::make_shared<NeighborFlags>();
  neighbors->add_option("ENTITY", nf->entity, "Entity name")->required();
  AddDbFlag(*neighbors, nf->db);
  neighbors->add_option("--hops", nf->options.hops, "Edges away from the entity")
      ->capture_default_str();
  neighbors->add_option("--limit", nf->options.max_edges, "Most edges")->capture_default_str();
  neighbors->add_flag("--json", nf->json, "Print JSON");
  neighbors->callback([&ctx, nf] { ctx.exit_code = RunNeighbors(*nf); });

  auto* stats = kb->add_subcommand("stats", "Counts and the most used relations");
  auto db = std::make_shared<std::string>(kDefaultDb);
  auto top = std::make_shared<std::size_t>(10);
  auto json = std::make_shared<bool>(false);
  AddDbFlag(*stats, *db);
  stats->add_option("--top", *top, "How many relations to list")->capture_default_str();
  stats->add_flag("--json", *json, "Print JSON");
  stats->callback([&ctx, db, top, json] { ctx.exit_code = RunStats(*db, *top, *json); });

  auto* verify = kb->add_subcommand("verify", "Verify a (subject, relation, object) triple (F²)");
  auto vf = std::make_shared<VerifyFlags>();
  verify->add_option("TRIPLE", vf->triple, "\"(s, r, o)\"");
  verify->add_option("--file", vf->file, "Verify one s<TAB>r<TAB>o a line; write JSON lines");
  AddDbFlag(*verify, vf->db);
  verify->add_flag("--json", vf->json, "Print JSON");
  verify
      ->add_option("--partial-threshold", vf->options.partial_threshold,
                   "Similarity for a close third part")
      ->capture_default_str();
  verify->add_option("--max-candidates", vf->options.max_candidates, "Candidates per query")
      ->capture_default_str();
  verify->add_option("--transitive", vf->options.transitive_relations,
                     "A relation whose chains count as support (repeatable)");
  verify->add_option("--max-chain-hops", vf->options.max_chain_hops, "Longest chain")
      ->capture_default_str();
  verify->callback([&ctx, vf] { ctx.exit_code = RunVerify(*vf); });
}

}  // namespace sextant::cli
