// Tokenizer throughput on a few MB of real web text, against a peer
// (@lenml/tokenizers on Node.js, a port of Hugging Face tokenizers) run on
// the same text in the same run. Shared by bench_tokenizer and bench_llm_cpu.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/tokenizer_measure.h"
#include "common/json.h"
#include "llm/runtime/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using sextant::llm::Tokenizer;

constexpr double kBytesPerMegabyte = 1e6;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool StartsWithNoCase(const std::string& s, size_t pos, std::string_view word) {
  if (pos + word.size() > s.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[pos + i])) != word[i]) return false;
  }
  return true;
}

// A crude tag stripper: drops <script>/<style> bodies and every tag, decodes
// a few entities, and keeps the text. Invalid UTF-8 bytes become '?'.
std::string StripTags(const std::string& html) {
  std::string out;
  out.reserve(html.size() / 2);
  size_t i = 0;
  while (i < html.size()) {
    if (html[i] == '<') {
      for (std::string_view block : {"script", "style"}) {
        if (StartsWithNoCase(html, i + 1, block)) {
          const size_t end = html.find("</", i + 1 + block.size());
          i = end == std::string::npos ? html.size() : end;
          break;
        }
      }
      const size_t close = html.find('>', i);
      i = close == std::string::npos ? html.size() : close + 1;
      out += ' ';
      continue;
    }
    if (html[i] == '&') {
      static const std::pair<std::string_view, std::string_view> kEntities[] = {
          {"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
          {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
      bool matched = false;
      for (const auto& [entity, text] : kEntities) {
        if (html.compare(i, entity.size(), entity) == 0) {
          out += text;
          i += entity.size();
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    out += html[i++];
  }
  // Collapse runs of blank lines and spaces that tag removal leaves behind.
  std::string collapsed;
  collapsed.reserve(out.size());
  int spaces = 0;
  int newlines = 0;
  for (char c : out) {
    if (c == '\n') {
      if (++newlines <= 2) collapsed += c;
      spaces = 0;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (++spaces <= 1) collapsed += ' ';
    } else {
      spaces = 0;
      newlines = 0;
      collapsed += c;
    }
  }
  // Replace invalid UTF-8 with '?'.
  std::string valid;
  valid.reserve(collapsed.size());
  for (size_t k = 0; k < collapsed.size();) {
    const auto lead = static_cast<unsigned char>(collapsed[k]);
    size_t len = lead < 0x80                      ? 1
                 : (lead >= 0xC2 && lead <= 0xDF) ? 2
                 : (lead >= 0xE0 && lead <= 0xEF) ? 3
                 : (lead >= 0xF0 && lead <= 0xF4) ? 4
                                                  : 0;
    bool ok = len > 0 && k + len <= collapsed.size();
    for (size_t j = 1; ok && j < len; ++j)
      ok = (static_cast<unsigned char>(collapsed[k + j]) & 0xC0) == 0x80;
    if (ok && len == 3) {
      const auto b1 = static_cast<unsigned char>(collapsed[k + 1]);
      ok = !(lead == 0xE0 && b1 < 0xA0) && !(lead == 0xED && b1 > 0x9F);
    }
    if (ok && len == 4) {
      const auto b1 = static_cast<unsigned char>(collapsed[k + 1]);
      ok = !(lead == 0xF0 && b1 < 0x90) && !(lead == 0xF4 && b1 > 0x8F);
    }
    if (!ok) {
      valid += '?';
      ++k;
      continue;
    }
    valid.append(collapsed, k, len);
    k += len;
  }
  return valid;
}

std::string BuildText(const fs::path& testdata, double megabytes) {
  std::vector<fs::path> pages;
  const fs::path dir = testdata / "html/readability/test-pages";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (fs::exists(entry.path() / "source.html")) pages.push_back(entry.path() / "source.html");
  }
  std::sort(pages.begin(), pages.end());
  std::string corpus;
  for (const fs::path& p : pages) corpus += StripTags(ReadAll(p)) + "\n";
  if (corpus.empty()) return corpus;
  const auto target = static_cast<size_t>(megabytes * kBytesPerMegabyte);
  std::string text;
  while (text.size() < target) text += corpus;
  // Cut at a character boundary.
  size_t cut = std::min(target, text.size());
  while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
  text.resize(cut);
  return text;
}

struct Measured {
  double mb_per_s = 0;
  size_t tokens = 0;
};

std::optional<Measured> MeasureOurs(const Tokenizer& tok, const std::string& text, int runs) {
  size_t tokens = 0;
  bool ok = true;
  const double seconds = sextant::bench::MedianSeconds(runs, [&] {
    auto ids = tok.Encode(text, {false, true});
    if (!ids.ok()) {
      std::cerr << "encode failed: " << ids.status().ToString() << "\n";
      ok = false;
      return;
    }
    tokens = ids->size();
  });
  if (!ok) return std::nullopt;
  return Measured{static_cast<double>(text.size()) / kBytesPerMegabyte / seconds, tokens};
}

std::optional<Measured> MeasurePeer(const fs::path& peer_dir, const fs::path& json,
                                    const fs::path& text_file, int runs) {
  if (!fs::exists(peer_dir / "node_modules") ||
      std::system("node --version > /dev/null 2>&1") != 0) {
    return std::nullopt;
  }
  const std::string cmd = "node '" + (peer_dir / "encode.mjs").string() + "' '" + json.string() +
                          "' '" + text_file.string() + "' " + std::to_string(runs);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) output.append(buf, n);
  if (pclose(pipe) != 0) return std::nullopt;
  auto parsed = sextant::ParseJson(output);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  return Measured{parsed->value("mb_per_s", 0.0), parsed->value("tokens", size_t{0})};
}

}  // namespace

namespace sextant::bench {

int PrintTokenizerTable(const fs::path& testdata, const fs::path& peer_dir, double megabytes,
                        int runs) {
  const std::string text = BuildText(testdata, megabytes);
  if (text.empty()) {
    std::cerr << "no readability test pages under " << testdata << "\n";
    return 1;
  }
  const fs::path text_file = fs::temp_directory_path() / "sextant_bench_tokenizer.txt";
  {
    std::ofstream out(text_file, std::ios::binary);
    out << text;
  }
  std::printf("tokenizer: %.2f MB of readability test-page text, median of %d runs\n\n",
              static_cast<double>(text.size()) / kBytesPerMegabyte, runs);
  sextant::bench::Table table(
      {"tokenizer", "tokens", "ours MB/s", "peer tokens", "peer MB/s", "ours/peer"});
  int status = 0;
  for (const char* name : {"llama3", "qwen3"}) {
    const fs::path json = testdata / "tokenizer/hf" / name / "tokenizer.json";
    auto tok = Tokenizer::FromTokenizerJsonFile(json);
    if (!tok.ok()) {
      std::cerr << name << ": load failed: " << tok.status().ToString() << "\n";
      status = 1;
      continue;
    }
    const auto ours = MeasureOurs(**tok, text, runs);
    if (!ours) {
      status = 1;
      continue;
    }
    const auto peer = MeasurePeer(peer_dir, json, text_file, runs);
    if (peer) {
      table.AddRow({name, std::to_string(ours->tokens), sextant::bench::Fixed(ours->mb_per_s, 2),
                    std::to_string(peer->tokens), sextant::bench::Fixed(peer->mb_per_s, 2),
                    sextant::bench::Fixed(ours->mb_per_s / peer->mb_per_s, 2) + "x"});
      // Both tokenizers must agree on the token count.
      if (peer->tokens != ours->tokens) status = 1;
    } else {
      table.AddRow({name, std::to_string(ours->tokens), sextant::bench::Fixed(ours->mb_per_s, 2),
                    "-", "-", "- (peer not installed)"});
    }
  }
  table.Print(std::cout);
  fs::remove(text_file);
  return status;
}

}  // namespace sextant::bench
