// Test helpers: small byte-level BPE tokenizer.json documents.
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "llm/runtime/internal/bpe_bytes.h"

namespace sextant::llm::testing {

// A tokenizer.json whose vocabulary holds the 256 byte tokens (id = byte)
// and then the results of `merges` ("a b" strings, in rank order) from id
// 256 on. The pre-tokenizer is the GPT-2 ByteLevel regex without a prefix
// space.
inline Json ByteLevelTokenizerJson(const std::vector<std::string>& merges) {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) {
    vocab[std::string(internal::ByteToAlphabet(static_cast<uint8_t>(b)))] = b;
  }
  int next = 256;
  Json merge_list = Json::array();
  for (const std::string& m : merges) {
    const size_t space = m.find(' ');
    const std::string joined = m.substr(0, space) + m.substr(space + 1);
    if (!vocab.contains(joined)) vocab[joined] = next++;
    merge_list.push_back(m);
  }
  return Json{
      {"version", "1.0"},
      {"added_tokens", Json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"model",
       {{"type", "BPE"}, {"ignore_merges", false}, {"vocab", vocab}, {"merges", merge_list}}},
  };
}

}  // namespace sextant::llm::testing
