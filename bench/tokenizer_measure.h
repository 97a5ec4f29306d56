// Tokenizer throughput against the Node.js peer in bench/tokenizer_peer
// (run `npm install` there first), on mozilla/readability's test pages with
// the tags stripped.
#pragma once

#include <filesystem>

namespace sextant::bench {

inline constexpr double kTokenizerBenchMegabytes = 4.0;
inline constexpr int kTokenizerBenchRuns = 5;

// Encodes about `megabytes` of text with the llama3 and qwen3
// tokenizer.json files, `runs` times each, and prints a table of MB/s for
// ours and the peer (when node and its packages are installed). Returns 0,
// or 1 when a tokenizer fails to load or the token counts disagree.
int PrintTokenizerTable(const std::filesystem::path& testdata,
                        const std::filesystem::path& peer_dir,
                        double megabytes = kTokenizerBenchMegabytes,
                        int runs = kTokenizerBenchRuns);

}  // namespace sextant::bench
