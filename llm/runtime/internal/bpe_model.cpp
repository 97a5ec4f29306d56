#include "llm/runtime/internal/bpe_model.h"

#include <algorithm>
#include <utility>

#include "llm/runtime/internal/bpe_bytes.h"

namespace sextant::llm::internal {

const std::vector<int32_t>* WordCache::Find(std::string_view word) const {
  auto it = map_.find(word);
  return it == map_.end() ? nullptr : &it->second;
}

void WordCache::Insert(std::string_view word, std::vector<int32_t> ids) {
  if (map_.size() >= kMaxEntries) return;
  map_.emplace(std::string(word), std::move(ids));
}

void BpeModel::Resize(int32_t n_tokens) {
  tokens_.assign(static_cast<size_t>(n_tokens), TokenEntry{});
}

Status BpeModel::Finalize() {
  text_to_id_.clear();
  bytes_to_id_.clear();
  text_to_id_.reserve(tokens_.size());
  bytes_to_id_.reserve(tokens_.size());
  byte_to_id_.fill(-1);
  for (int32_t id = 0; id < size(); ++id) {
    const TokenEntry& t = tokens_[static_cast<size_t>(id)];
    if (t.kind == TokenKind::kUnused || t.text.empty()) continue;
    auto [it, inserted] = text_to_id_.emplace(t.text, id);
    if (!inserted) {
      return InvalidArgumentError("token '" + t.text + "' has two ids: " +
                                  std::to_string(it->second) + " and " + std::to_string(id));
    }
    if (t.kind == TokenKind::kNormal) {
      bytes_to_id_.emplace(t.bytes, id);
      if (t.bytes.size() == 1) byte_to_id_[static_cast<uint8_t>(t.bytes[0])] = id;
    }
  }
  return Status::Ok();
}

int32_t BpeModel::FindText(std::string_view text) const {
  auto it = text_to_id_.find(text);
  return it == text_to_id_.end() ? -1 : it->second;
}

namespace {

constexpr size_t kMinSlots = 1024;

size_t SlotHash(uint64_t key) {
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  return static_cast<size_t>(key);
}

}  // namespace

void BpeModel::InsertSlot(uint64_t key, Merge merge) {
  const size_t mask = slots_.size() - 1;
  for (size_t i = SlotHash(key) & mask;; i = (i + 1) & mask) {
    if (slots_[i].key == key) return;  // a repeated pair keeps its first rank
    if (slots_[i].key == kEmptyKey) {
      slots_[i] = Slot{key, merge};
      ++n_merges_;
      return;
    }
  }
}

const BpeModel::Merge* BpeModel::FindMerge(int32_t left, int32_t right) const {
  if (slots_.empty()) return nullptr;
  const uint64_t key = PairKey(left, right);
  const size_t mask = slots_.size() - 1;
  for (size_t i = SlotHash(key) & mask;; i = (i + 1) & mask) {
    if (slots_[i].key == key) return &slots_[i].merge;
    if (slots_[i].key == kEmptyKey) return nullptr;
  }
}

Status BpeModel::AddMerge(std::string_view left, std::string_view right) {
  const int32_t rank = next_rank_++;
  const int32_t l = FindText(left);
  const int32_t r = FindText(right);
  std::string joined;
  joined.reserve(left.size() + right.size());
  joined.append(left).append(right);
  const int32_t m = FindText(joined);
  if (l < 0 || r < 0 || m < 0) {
    std::string missing = l < 0 ? std::string(left) : r < 0 ? std::string(right) : joined;
    return InvalidArgumentError("merge " + std::to_string(rank) + " ('" + std::string(left) + " " +
                                std::string(right) + "') names unknown token '" + missing + "'");
  }
  if (2 * (n_merges_ + 1) > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max(kMinSlots, 2 * old.size()), Slot{});
    n_merges_ = 0;
    for (const Slot& s : old) {
      if (s.key != kEmptyKey) InsertSlot(s.key, s.merge);
    }
  }
  InsertSlot(PairKey(l, r), Merge{rank, m});
  return Status::Ok();
}

void BpeModel::EncodeWord(std::string_view word, std::vector<int32_t>& out,
                          WordCache* cache) const {
  if (word.empty()) return;
  if (word.size() == 1) {
    const int32_t id = byte_to_id_[static_cast<uint8_t>(word[0])];
    if (id >= 0) out.push_back(id);
    return;
  }
  if (ignore_merges_) {
    auto it = bytes_to_id_.find(word);
    if (it != bytes_to_id_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  const bool cacheable = cache != nullptr && word.size() <= WordCache::kMaxWordBytes;
  if (cacheable) {
    if (const auto* hit = cache->Find(word)) {
      out.insert(out.end(), hit->begin(), hit->end());
      return;
    }
  }
  const size_t before = out.size();
  MergeWord(word, out);
  if (cacheable) {
    cache->Insert(
        word, std::vector<int32_t>(out.begin() + static_cast<std::ptrdiff_t>(before), out.end()));
  }
}

// Merges adjacent symbols lowest rank first (leftmost among equal ranks),
// using a heap of candidate pairs that are checked again when popped.
void BpeModel::MergeWord(std::string_view word, std::vector<int32_t>& out) const {
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
  };
  struct Candidate {
    int32_t rank;
    int32_t left;  // symbol index
    int32_t left_id;
    int32_t right_id;
    int32_t result;
  };
  const auto later = [](const Candidate& a, const Candidate& b) {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  };

  const auto n = static_cast<int32_t>(word.size());
  std::vector<Symbol> symbols(static_cast<size_t>(n));  // one per byte at first
  for (int32_t i = 0; i < n; ++i) {
    symbols[static_cast<size_t>(i)] =
        Symbol{byte_to_id_[static_cast<uint8_t>(word[static_cast<size_t>(i)])], i - 1,
               i + 1 < n ? i + 1 : -1};
  }
  std::vector<Candidate> heap;
  heap.reserve(static_cast<size_t>(n));
  const auto push_pair = [&](int32_t left) {
    if (left < 0) return;
    const int32_t right = symbols[static_cast<size_t>(left)].next;
    if (right < 0) return;
    const int32_t lid = symbols[static_cast<size_t>(left)].id;
    const int32_t rid = symbols[static_cast<size_t>(right)].id;
    if (lid < 0 || rid < 0) return;
    const Merge* merge = FindMerge(lid, rid);
    if (merge == nullptr) return;
    heap.push_back(Candidate{merge->rank, left, lid, rid, merge->result});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t i = 0; i + 1 < n; ++i) push_pair(i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& left = symbols[static_cast<size_t>(c.left)];
    if (left.id != c.left_id || left.next < 0) continue;  // stale
    Symbol& right = symbols[static_cast<size_t>(left.next)];
    if (right.id != c.right_id) continue;  // stale
    left.id = c.result;
    right.id = -2;  // merged away
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = c.left;
    push_pair(left.prev);
    push_pair(c.left);
  }
  for (int32_t i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
    if (symbols[static_cast<size_t>(i)].id >= 0) out.push_back(symbols[static_cast<size_t>(i)].id);
  }
}

}  // namespace sextant::llm::internal
