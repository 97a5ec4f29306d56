#include "llm/runtime/internal/bpe_special.h"

#include <algorithm>

namespace sextant::llm::internal {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' ||
         u >= 0x80;
}

}  // namespace

int32_t SpecialMatcher::Child(int32_t node, uint8_t byte) const {
  const auto& next = nodes_[static_cast<size_t>(node)].next;
  auto it =
      std::lower_bound(next.begin(), next.end(), byte,
                       [](const std::pair<uint8_t, int32_t>& e, uint8_t b) { return e.first < b; });
  return it != next.end() && it->first == byte ? it->second : -1;
}

void SpecialMatcher::Add(const AddedToken& token) {
  if (token.content.empty()) return;
  int32_t node = 0;
  for (char c : token.content) {
    const auto byte = static_cast<uint8_t>(c);
    int32_t child = Child(node, byte);
    if (child < 0) {
      child = static_cast<int32_t>(nodes_.size());
      nodes_.emplace_back();
      auto& next = nodes_[static_cast<size_t>(node)].next;
      next.insert(std::lower_bound(next.begin(), next.end(), std::make_pair(byte, int32_t{-1})),
                  std::make_pair(byte, child));
    }
    node = child;
  }
  Node& leaf = nodes_[static_cast<size_t>(node)];
  if (leaf.token >= 0) {
    tokens_[static_cast<size_t>(leaf.token)] = token;
  } else {
    leaf.token = static_cast<int32_t>(tokens_.size());
    tokens_.push_back(token);
  }
  const auto first = static_cast<uint8_t>(token.content[0]);
  first_any_[first] = true;
  if (!token.special) first_plain_[first] = true;
}

int32_t SpecialMatcher::LongestAt(std::string_view text, size_t pos, bool parse_special,
                                  size_t& end) const {
  int32_t best = -1;
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    node = Child(node, static_cast<uint8_t>(text[i]));
    if (node < 0) break;
    const int32_t t = nodes_[static_cast<size_t>(node)].token;
    if (t < 0) continue;
    const AddedToken& tok = tokens_[static_cast<size_t>(t)];
    if (tok.special && !parse_special) continue;
    if (tok.single_word && ((pos > 0 && IsWordByte(text[pos - 1])) ||
                            (i + 1 < text.size() && IsWordByte(text[i + 1])))) {
      continue;
    }
    best = t;
    end = i + 1;
  }
  return best;
}

void SpecialMatcher::Partition(std::string_view text, bool parse_special,
                               std::vector<TextPiece>& out) const {
  const auto& first = parse_special ? first_any_ : first_plain_;
  size_t plain_start = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (!first[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    size_t end = 0;
    const int32_t t = LongestAt(text, pos, parse_special, end);
    if (t < 0) {
      ++pos;
      continue;
    }
    const AddedToken& tok = tokens_[static_cast<size_t>(t)];
    size_t begin = pos;
    if (tok.lstrip) {
      while (begin > plain_start && IsAsciiSpace(text[begin - 1])) --begin;
    }
    if (tok.rstrip) {
      while (end < text.size() && IsAsciiSpace(text[end])) ++end;
    }
    if (begin > plain_start) out.push_back(TextPiece{plain_start, begin - plain_start, -1});
    out.push_back(TextPiece{begin, end - begin, tok.id});
    plain_start = end;
    pos = end;
  }
  if (plain_start < text.size())
    out.push_back(TextPiece{plain_start, text.size() - plain_start, -1});
}

}  // namespace sextant::llm::internal
