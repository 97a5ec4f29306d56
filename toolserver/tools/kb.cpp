#include "toolserver/tools/kb.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "knowledge/cok.h"
#include "toolserver/tools/function_tool.h"

namespace sextant::toolserver::tools {
namespace {

namespace kn = sextant::knowledge;

constexpr double kMaxConfidence = 1.0;

// What the tools of one MakeKnowledgeTools call share.
struct KbState {
  KbState(kn::KnowledgeBase& k, kn::Verifier& v, const KbToolOptions& o)
      : kb(k), verifier(v), options(o) {
    options.max_results = std::max<std::size_t>(options.max_results, 1);
    options.max_triples = std::max<std::size_t>(options.max_triples, 1);
    options.max_text_bytes = std::max<std::size_t>(options.max_text_bytes, 1);
  }
  kn::KnowledgeBase& kb;
  kn::Verifier& verifier;
  KbToolOptions options;
  std::timed_mutex mu;  // guards kb and verifier
};

Result<std::unique_lock<std::timed_mutex>> Lock(KbState& state, const ToolContext& ctx) {
  std::unique_lock<std::timed_mutex> lock(state.mu, std::defer_lock);
  if (!lock.try_lock_until(ctx.deadline)) {
    return DeadlineExceededError("the knowledge base stayed busy until the call's deadline");
  }
  return lock;
}

Result<std::optional<std::string>> OptionalString(const Json& args, const char* key,
                                                  std::size_t max_bytes) {
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return InvalidArgumentError(std::string(key) + " must be a string");
  std::string value = it->get<std::string>();
  if (value.empty()) return InvalidArgumentError(std::string(key) + " must not be empty");
  if (value.size() > max_bytes) {
    return ResourceExhaustedError(std::string(key) + " is over " + std::to_string(max_bytes) +
                                  " bytes");
  }
  return std::optional<std::string>(std::move(value));
}

// The call's `limit`: default min(kDefaultLimit, max_results), at most max_results.
Result<std::size_t> LimitArg(const Json& args, std::size_t max_results) {
  auto it = args.find("limit");
  if (it == args.end() || it->is_null()) {
    return std::min(KbToolOptions::kDefaultLimit, max_results);
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1) {
    return InvalidArgumentError("limit must be an integer >= 1");
  }
  const auto limit = it->get<std::int64_t>();
  if (static_cast<std::uint64_t>(limit) > max_results) {
    return ResourceExhaustedError("limit " + std::to_string(limit) + " is over the maximum of " +
                                  std::to_string(max_results));
  }
  return static_cast<std::size_t>(limit);
}

Result<std::vector<kn::Triple>> TriplesArg(const Json& args, std::size_t max_triples) {
  auto it = args.find("triples");
  if (it == args.end() || !it->is_array()) {
    return InvalidArgumentError("triples must be an array of [subject, relation, object]");
  }
  if (it->empty()) return InvalidArgumentError("triples must not be empty");
  if (it->size() > max_triples) {
    return ResourceExhaustedError(std::to_string(it->size()) + " triples are over the maximum of " +
                                  std::to_string(max_triples) + " per call");
  }
  std::vector<kn::Triple> triples;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const Json& t = (*it)[i];
    const bool shaped =
        t.is_array() && t.size() == 3 && std::all_of(t.begin(), t.end(), [](const Json& part) {
          return part.is_string() && !part.get_ref<const std::string&>().empty();
        });
    if (!shaped) {
      return InvalidArgumentError("triples[" + std::to_string(i) +
                                  "] must be three non-empty strings [subject, relation, object]");
    }
    triples.push_back({t[0].get<std::string>(), t[1].get<std::string>(), t[2].get<std::string>()});
  }
  return triples;
}

Json RowJson(const kn::TripleRow& row) {
  return {{"s", row.s},
          {"r", row.r},
          {"o", row.o},
          {"source", row.source},
          {"confidence", row.confidence},
          {"via_inverse", row.via_inverse}};
}

std::string RowText(const kn::TripleRow& row) { return kn::FormatTriple({row.s, row.r, row.o}); }

Result<ToolOutput> KbQuery(KbState& state, const ToolContext& ctx, const Json& args) {
  const std::size_t max_text = state.options.max_text_bytes;
  kn::TriplePattern pattern;
  SEXTANT_ASSIGN_OR_RETURN(pattern.s, OptionalString(args, "subject", max_text));
  SEXTANT_ASSIGN_OR_RETURN(pattern.r, OptionalString(args, "relation", max_text));
  SEXTANT_ASSIGN_OR_RETURN(pattern.o, OptionalString(args, "object", max_text));
  if (!pattern.s && !pattern.r && !pattern.o) {
    return InvalidArgumentError("give at least one of subject, relation and object");
  }
  SEXTANT_ASSIGN_OR_RETURN(std::size_t limit, LimitArg(args, state.options.max_results));
  std::vector<kn::TripleRow> rows;
  {
    SEXTANT_ASSIGN_OR_RETURN(auto lock, Lock(state, ctx));
    // One row more than asked tells whether the answer was cut.
    SEXTANT_ASSIGN_OR_RETURN(rows, state.kb.Query(pattern, {.limit = limit + 1}));
  }
  const bool truncated = rows.size() > limit;
  if (truncated) rows.resize(limit);
  ToolOutput out;
  Json triples = Json::array();
  for (const kn::TripleRow& row : rows) {
    out.content += RowText(row) + "\n";
    triples.push_back(RowJson(row));
  }
  if (rows.empty()) out.content = "no matching triples\n";
  if (truncated) out.content += "(more triples match; narrow the query)\n";
  out.data = {{"triples", std::move(triples)}, {"count", rows.size()}, {"truncated", truncated}};
  return out;
}

Result<ToolOutput> KbSearch(KbState& state, const ToolContext& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(std::optional<std::string> text,
                           OptionalString(args, "text", state.options.max_text_bytes));
  if (!text) return InvalidArgumentError("text is required");
  SEXTANT_ASSIGN_OR_RETURN(std::size_t limit, LimitArg(args, state.options.max_results));
  std::vector<kn::SearchHit> hits;
  {
    SEXTANT_ASSIGN_OR_RETURN(auto lock, Lock(state, ctx));
    SEXTANT_ASSIGN_OR_RETURN(hits, state.kb.Search(*text, {.limit = limit}));
  }
  ToolOutput out;
  Json results = Json::array();
  for (const kn::SearchHit& hit : hits) {
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", hit.score);
    out.content += RowText(hit.triple) + "  score " + score + "\n";
    Json row = RowJson(hit.triple);
    row["score"] = hit.score;
    row["snippet"] = hit.snippet;
    results.push_back(std::move(row));
  }
  if (hits.empty()) out.content = "no matching triples\n";
  out.data = {{"hits", std::move(results)}, {"count", hits.size()}};
  return out;
}

Result<ToolOutput> KbVerify(KbState& state, const ToolContext& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(std::vector<kn::Triple> triples,
                           TriplesArg(args, state.options.max_triples));
  std::vector<kn::TripleVerification> verdicts;
  {
    SEXTANT_ASSIGN_OR_RETURN(auto lock, Lock(state, ctx));
    for (const kn::Triple& t : triples) {
      SEXTANT_ASSIGN_OR_RETURN(kn::TripleVerification v, state.verifier.VerifyTriple(t));
      verdicts.push_back(std::move(v));
    }
  }
  ToolOutput out;
  Json results = Json::array();
  std::map<std::string, int> counts = {
      {"supported", 0}, {"partially_supported", 0}, {"contradicted", 0}, {"unknown", 0}};
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    const kn::TripleVerification& v = verdicts[i];
    const std::string verdict(kn::VerdictName(v.verdict));
    ++counts[verdict];
    char score[32];
    std::snprintf(score, sizeof score, "%.2f", v.score);
    out.content += std::to_string(i + 1) + ". " + kn::FormatTriple(v.triple) + ": " + verdict +
                   " (score " + score + ") " + v.explanation + "\n";
    for (const kn::Triple& e : v.evidence)
      out.content += "   evidence: " + kn::FormatTriple(e) + "\n";
    results.push_back(kn::ToJson(v));
  }
  out.data = {{"results", std::move(results)}, {"counts", counts}};
  return out;
}

Result<ToolOutput> KbAdd(KbState& state, const ToolContext& ctx, const Json& args) {
  SEXTANT_ASSIGN_OR_RETURN(std::vector<kn::Triple> triples,
                           TriplesArg(args, state.options.max_triples));
  SEXTANT_ASSIGN_OR_RETURN(std::optional<std::string> source,
                           OptionalString(args, "source", state.options.max_text_bytes));
  if (!source) return InvalidArgumentError("source is required: say where the triples come from");
  double confidence = kMaxConfidence;
  if (auto it = args.find("confidence"); it != args.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > kMaxConfidence) {
      return InvalidArgumentError("confidence must be a number in [0, 1]");
    }
    confidence = it->get<double>();
  }
  const std::string provenance =
      FormatKbAddSource(ctx.session_id, std::chrono::system_clock::now(), *source);
  int added = 0;
  int present = 0;
  {
    SEXTANT_ASSIGN_OR_RETURN(auto lock, Lock(state, ctx));
    auto txn = state.kb.Begin();
    if (!txn.ok()) return txn.status();
    Status st = Status::Ok();
    for (std::size_t i = 0; i < triples.size() && st.ok(); ++i) {
      const kn::Triple& t = triples[i];
      Result<bool> r =
          state.kb.AddTriple({t.subject, t.relation, t.object, provenance, confidence});
      if (!r.ok()) {
        st = Status(r.status().code(), "triples[" + std::to_string(i) + "] " + kn::FormatTriple(t) +
                                           ": " + r.status().message() + "; nothing was added");
      } else {
        ++(*r ? added : present);
      }
    }
    if (st.ok()) st = txn->Commit();
    if (!st.ok()) {
      if (txn->active()) txn->Rollback().IgnoreError();
      state.kb.ClearCache();
      return st;
    }
  }
  ToolOutput out;
  out.content = "added " + std::to_string(added) + " triples; " + std::to_string(present) +
                " were already present\n";
  out.data = {{"added", added}, {"present", present}, {"source", provenance}};
  return out;
}

Json Schema(Json properties, std::vector<std::string> required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

Json TripleList(std::size_t max_triples, std::string_view description) {
  return {{"type", "array"},
          {"description", description},
          {"minItems", 1},
          {"maxItems", max_triples},
          {"items",
           {{"type", "array"},
            {"items", {{"type", "string"}, {"minLength", 1}}},
            {"minItems", 3},
            {"maxItems", 3}}}};
}

}  // namespace

std::string FormatKbAddSource(std::string_view session_id,
                              std::chrono::system_clock::time_point time, std::string_view source) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char stamp[32];
  if (std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) stamp[0] = '\0';
  return "kb_add session=" + std::string(session_id) + " time=" + stamp +
         " source=" + std::string(source);
}

std::vector<std::unique_ptr<Tool>> MakeKnowledgeTools(knowledge::KnowledgeBase& kb,
                                                      knowledge::Verifier& verifier,
                                                      const KbToolOptions& options) {
  auto state = std::make_shared<KbState>(kb, verifier, options);
  const KbToolOptions& o = state->options;
  const Json name = {{"type", "string"}, {"minLength", 1}, {"maxLength", o.max_text_bytes}};
  const Json limit = {
      {"type", "integer"},
      {"minimum", 1},
      {"maximum", o.max_results},
      {"description", "Most results (default " +
                          std::to_string(std::min(KbToolOptions::kDefaultLimit, o.max_results)) +
                          ")"}};
  std::vector<std::unique_ptr<Tool>> tools;
  tools.push_back(MakeFunctionTool(
      {"kb_query",
       "Look up (subject, relation, object) triples in the knowledge base. Give at least one "
       "part; names match through aliases, relations also through their inverses.",
       Schema({{"subject", name}, {"relation", name}, {"object", name}, {"limit", limit}}, {})},
      [state](const ToolContext& c, const Json& a) { return KbQuery(*state, c, a); }));
  tools.push_back(MakeFunctionTool(
      {"kb_search", "Full-text search over the knowledge base's triples, best matches first.",
       Schema({{"text", name}, {"limit", limit}}, {"text"})},
      [state](const ToolContext& c, const Json& a) { return KbSearch(*state, c, a); }));
  tools.push_back(MakeFunctionTool(
      {"kb_verify",
       "Check (subject, relation, object) claims against the knowledge base. Each comes back "
       "supported, partially_supported, contradicted or unknown, with the knowledge base's own "
       "triples as evidence.",
       Schema({{"triples", TripleList(o.max_triples, "the claims to check")}}, {"triples"})},
      [state](const ToolContext& c, const Json& a) { return KbVerify(*state, c, a); }));
  if (o.allow_add) {
    tools.push_back(MakeFunctionTool(
        {"kb_add",
         "Add (subject, relation, object) facts to the knowledge base, with where they come "
         "from. All are added or none.",
         Schema({{"triples", TripleList(o.max_triples, "the facts to add")},
                 {"source",
                  {{"type", "string"},
                   {"minLength", 1},
                   {"maxLength", o.max_text_bytes},
                   {"description", "where the facts come from (a URL, a document, a person)"}}},
                 {"confidence", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}},
                {"triples", "source"})},
        [state](const ToolContext& c, const Json& a) { return KbAdd(*state, c, a); }));
  }
  return tools;
}

Result<KnowledgeToolBackend> OpenKnowledgeToolBackend(const std::filesystem::path& path,
                                                      bool writable) {
  knowledge::KnowledgeBaseOptions options;
  options.database.read_only = !writable;
  options.database.create = false;
  KnowledgeToolBackend backend;
  SEXTANT_ASSIGN_OR_RETURN(backend.kb, knowledge::KnowledgeBase::Open(path, options));
  backend.verifier = std::make_unique<knowledge::Verifier>(*backend.kb);
  return backend;
}

}  // namespace sextant::toolserver::tools
