// bench_tokenizer: encoding throughput of the byte-level BPE tokenizer
// against @lenml/tokenizers on Node.js, on the same text in the same run.
//
// Usage: bench_tokenizer [--testdata DIR] [--mb N] [--runs N] [--peer DIR]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "bench/bench_util.h"
#include "bench/tokenizer_measure.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const char* env = std::getenv("SEXTANT_TESTDATA");
  fs::path testdata =
      env != nullptr ? fs::path(env) : fs::path(SEXTANT_SOURCE_DIR) / ".." / "shared" / "testdata";
  fs::path peer_dir = fs::path(SEXTANT_SOURCE_DIR) / "bench" / "tokenizer_peer";
  double megabytes = sextant::bench::kTokenizerBenchMegabytes;
  int runs = sextant::bench::kTokenizerBenchRuns;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--testdata") {
      testdata = value;
    } else if (flag == "--mb") {
      megabytes = std::stod(value);
    } else if (flag == "--runs") {
      runs = std::max(1, std::stoi(value));
    } else if (flag == "--peer") {
      peer_dir = value;
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  std::printf("bench_tokenizer on %s\n", sextant::bench::CpuModelName().c_str());
  return sextant::bench::PrintTokenizerTable(testdata, peer_dir, megabytes, runs);
}
