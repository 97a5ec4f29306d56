// The vocabulary and merge table of a byte-level BPE model, and the merge
// loop that turns one pre-token into token ids.
//
// Tokens are kept both as their vocabulary spelling (byte-level alphabet,
// e.g. "Ġthe") and as the bytes they decode to. Merges are keyed by the ids
// of their two halves, so the merge loop works on integers only.
//
// Thread safety: immutable after Finalize(); EncodeWord may run
// concurrently (each caller brings its own WordCache).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace sextant::llm::internal {

enum class TokenKind : uint8_t {
  kNormal,       // an ordinary vocabulary entry
  kControl,      // special: matched in text only with parse_special
  kUserDefined,  // added but not special: always matched in text
  kUnused,       // a hole in the id space, or an unused slot
};

struct TokenEntry {
  std::string text;   // vocabulary spelling
  std::string bytes;  // what the token decodes to
  TokenKind kind = TokenKind::kUnused;
};

// Hash for heterogeneous string lookup in unordered maps.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringIdMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

// Results of EncodeWord for words seen before within one Encode call.
class WordCache {
 public:
  static constexpr size_t kMaxEntries = 1 << 16;
  static constexpr size_t kMaxWordBytes = 48;

  // The cached ids of `word`, or nullptr.
  const std::vector<int32_t>* Find(std::string_view word) const;
  void Insert(std::string_view word, std::vector<int32_t> ids);

 private:
  std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> map_;
};

class BpeModel {
 public:
  // Sets the size of the id space; every id starts as an unused hole.
  void Resize(int32_t n_tokens);
  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  TokenEntry& mutable_token(int32_t id) { return tokens_[static_cast<size_t>(id)]; }
  const TokenEntry& token(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }

  // Builds the lookup maps once every token is set. invalid_argument when two
  // ids share one spelling.
  Status Finalize();

  // Adds the merge of `left` and `right` (vocabulary spellings) with the
  // next rank. invalid_argument, naming the merge, when either half or their
  // concatenation is not in the vocabulary. Call after Finalize().
  Status AddMerge(std::string_view left, std::string_view right);
  size_t merge_count() const { return n_merges_; }

  // With ignore_merges, a pre-token that is itself in the vocabulary is
  // emitted as that one token.
  void set_ignore_merges(bool v) { ignore_merges_ = v; }
  bool ignore_merges() const { return ignore_merges_; }

  // The id of a vocabulary spelling (any kind of token), or -1.
  int32_t FindText(std::string_view text) const;

  // Appends the ids of one pre-token given as raw bytes. Bytes whose
  // single-byte token is missing from the vocabulary are dropped.
  void EncodeWord(std::string_view word, std::vector<int32_t>& out, WordCache* cache) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t PairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  void MergeWord(std::string_view word, std::vector<int32_t>& out) const;
  // The merge of the pair, or nullptr; an open-addressing table over the
  // pair keys, rebuilt as merges are added.
  const Merge* FindMerge(int32_t left, int32_t right) const;
  void InsertSlot(uint64_t key, Merge merge);

  std::vector<TokenEntry> tokens_;
  StringIdMap text_to_id_;   // every spelling
  StringIdMap bytes_to_id_;  // normal tokens by their bytes
  std::array<int32_t, 256> byte_to_id_{};
  static constexpr uint64_t kEmptyKey = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmptyKey;
    Merge merge{};
  };
  std::vector<Slot> slots_;  // (capacity,) a power of two, at most half full
  size_t n_merges_ = 0;      // distinct pairs
  int32_t next_rank_ = 0;    // merges added, repeats included
  bool ignore_merges_ = false;
};

}  // namespace sextant::llm::internal
