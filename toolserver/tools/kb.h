// The knowledge base as tools: kb_query, kb_search, kb_verify, and kb_add
// when allowed (knowledge/knowledge_base.h, knowledge/verifier.h).
//
//   kb_query  {subject?, relation?, object?, limit?}  stored triples matching
//             the given parts (at least one), through aliases and inverses
//   kb_search {text, limit?}                         FTS5 hits, best BM25 first
//   kb_verify {triples: [[s, r, o], ...]}            F² verdict per triple
//   kb_add    {triples: [[s, r, o], ...], source, confidence?}
//             stores the triples (all or none), with provenance in each new
//             triple's source field (FormatKbAddSource)
//
// Each result has text content for the model and JSON `data`. `limit`
// defaults to min(kDefaultLimit, max_results); a larger limit than
// max_results, or more triples than max_triples, breaks the schema (and is
// resource_exhausted when the tool is called without the schema check).
//
// Ownership: the tools borrow the KnowledgeBase and the Verifier (which must
// use that KnowledgeBase); both must outlive them, and nothing else may use
// them while the tools exist. Thread safety: the tools of one
// MakeKnowledgeTools call share a mutex around the KnowledgeBase, so they may
// be called concurrently; a call that cannot take it before its deadline is
// deadline_exceeded. Errors: invalid_argument for bad arguments (no part
// given, a name the knowledge base cannot read), resource_exhausted over a
// limit, SQLite errors as they come (permission_denied for kb_add on a
// knowledge base opened read-only).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/verifier.h"
#include "toolserver/tool.h"

namespace sextant::toolserver::tools {

struct KbToolOptions {
  static constexpr std::size_t kDefaultLimit = 20;
  static constexpr std::size_t kDefaultMaxResults = 50;
  static constexpr std::size_t kDefaultMaxTriples = 64;
  static constexpr std::size_t kDefaultMaxTextBytes = 4096;

  // Whether kb_add is made at all.
  bool allow_add = false;
  // Most rows kb_query and kb_search return per call; >= 1.
  std::size_t max_results = kDefaultMaxResults;
  // Most triples per kb_verify or kb_add call; >= 1.
  std::size_t max_triples = kDefaultMaxTriples;
  // Longest kb_search text, kb_add source, and name in a kb_query, in bytes;
  // >= 1.
  std::size_t max_text_bytes = kDefaultMaxTextBytes;
};

// The tools above, configured by `options`.
std::vector<std::unique_ptr<Tool>> MakeKnowledgeTools(knowledge::KnowledgeBase& kb,
                                                      knowledge::Verifier& verifier,
                                                      const KbToolOptions& options);

// The source field kb_add stores:
//   "kb_add session=<session id> time=<YYYY-MM-DDTHH:MM:SSZ> source=<source>"
// with the time in UTC; the given source comes last, as given.
std::string FormatKbAddSource(std::string_view session_id,
                              std::chrono::system_clock::time_point time, std::string_view source);

// A knowledge base opened for the tools, with its verifier.
struct KnowledgeToolBackend {
  std::unique_ptr<knowledge::KnowledgeBase> kb;
  std::unique_ptr<knowledge::Verifier> verifier;
};

// Opens the knowledge base file at `path` (which must exist: not_found
// otherwise), read-only unless `writable`, and makes a Verifier with the
// default options on it.
Result<KnowledgeToolBackend> OpenKnowledgeToolBackend(const std::filesystem::path& path,
                                                      bool writable);

}  // namespace sextant::toolserver::tools
