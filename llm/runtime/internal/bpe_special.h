// Finds added and special tokens in text before pre-tokenization.
//
// Matching is leftmost-longest over the token contents (as Hugging Face
// tokenizers' added-token splitter does). Special tokens match only when
// the caller asks for it; non-special added tokens always match. lstrip and
// rstrip extend a match over the ASCII whitespace beside it; single_word
// requires no letter, digit or '_' on either side.
//
// Thread safety: immutable after Build(); Partition may run concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sextant::llm::internal {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

// A piece of the partitioned text: a token (id >= 0) or plain text (id -1).
struct TextPiece {
  size_t offset = 0;
  size_t length = 0;
  int32_t id = -1;
};

class SpecialMatcher {
 public:
  // Adds a token; empty contents are ignored. A later token with the same
  // content replaces the earlier one.
  void Add(const AddedToken& token);
  size_t size() const { return tokens_.size(); }

  // Appends the pieces of `text` to `out`, in order, covering all of it.
  void Partition(std::string_view text, bool parse_special, std::vector<TextPiece>& out) const;

 private:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> next;  // sorted by byte
    int32_t token = -1;                             // index into tokens_
  };
  int32_t Child(int32_t node, uint8_t byte) const;
  // The token index and end of the longest allowed match at `pos`, or -1.
  int32_t LongestAt(std::string_view text, size_t pos, bool parse_special, size_t& end) const;

  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_{Node{}};
  std::array<bool, 256> first_any_{};    // some token starts with this byte
  std::array<bool, 256> first_plain_{};  // some non-special token does
};

}  // namespace sextant::llm::internal
