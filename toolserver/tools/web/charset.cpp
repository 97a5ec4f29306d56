#include "toolserver/tools/web/charset.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "common/utf8.h"
#include "toolserver/tools/web/internal/charset_sniff.h"
#include "toolserver/tools/web/internal/meta_prescan.h"

namespace sextant::toolserver::web {
namespace {

constexpr std::string_view kUtf8 = "utf-8";
constexpr std::string_view kWindows1252 = "windows-1252";
constexpr std::string_view kGb18030 = "gb18030";
constexpr std::string_view kShiftJis = "shift_jis";
constexpr std::string_view kUtf16Le = "utf-16le";
constexpr std::string_view kUtf16Be = "utf-16be";
constexpr std::size_t kMaxLabelBytes = 64;
constexpr unsigned char kAsciiEnd = 0x80;
constexpr unsigned char kC1Start = 0x80;
constexpr unsigned char kC1End = 0xA0;

struct Alias {
  std::string_view label;
  std::string_view charset;
};

// WHATWG Encoding labels of the encodings given special names here; "" marks
// the labels WHATWG maps to its replacement encoding.
constexpr Alias kAliases[] = {
    {"utf-8", kUtf8},
    {"utf8", kUtf8},
    {"unicode-1-1-utf-8", kUtf8},
    {"unicode11utf8", kUtf8},
    {"unicode20utf8", kUtf8},
    {"x-unicode20utf8", kUtf8},
    {"windows-1252", kWindows1252},
    {"ansi_x3.4-1968", kWindows1252},
    {"ascii", kWindows1252},
    {"cp1252", kWindows1252},
    {"cp819", kWindows1252},
    {"csisolatin1", kWindows1252},
    {"ibm819", kWindows1252},
    {"iso-8859-1", kWindows1252},
    {"iso-ir-100", kWindows1252},
    {"iso8859-1", kWindows1252},
    {"iso88591", kWindows1252},
    {"iso_8859-1", kWindows1252},
    {"iso_8859-1:1987", kWindows1252},
    {"l1", kWindows1252},
    {"latin1", kWindows1252},
    {"us-ascii", kWindows1252},
    {"x-cp1252", kWindows1252},
    {"gb18030", kGb18030},
    {"chinese", kGb18030},
    {"csgb2312", kGb18030},
    {"csiso58gb231280", kGb18030},
    {"gb2312", kGb18030},
    {"gb_2312", kGb18030},
    {"gb_2312-80", kGb18030},
    {"gbk", kGb18030},
    {"iso-ir-58", kGb18030},
    {"x-gbk", kGb18030},
    {"shift_jis", kShiftJis},
    {"csshiftjis", kShiftJis},
    {"ms932", kShiftJis},
    {"ms_kanji", kShiftJis},
    {"shift-jis", kShiftJis},
    {"sjis", kShiftJis},
    {"windows-31j", kShiftJis},
    {"x-sjis", kShiftJis},
    {"euc-jp", "euc-jp"},
    {"cseucpkdfmtjapanese", "euc-jp"},
    {"x-euc-jp", "euc-jp"},
    {"iso-2022-jp", "iso-2022-jp"},
    {"csiso2022jp", "iso-2022-jp"},
    {"euc-kr", "euc-kr"},
    {"cseuckr", "euc-kr"},
    {"csksc56011987", "euc-kr"},
    {"iso-ir-149", "euc-kr"},
    {"korean", "euc-kr"},
    {"ks_c_5601-1987", "euc-kr"},
    {"ks_c_5601-1989", "euc-kr"},
    {"ksc5601", "euc-kr"},
    {"ksc_5601", "euc-kr"},
    {"windows-949", "euc-kr"},
    {"big5", "big5"},
    {"big5-hkscs", "big5"},
    {"cn-big5", "big5"},
    {"csbig5", "big5"},
    {"x-x-big5", "big5"},
    {"utf-16", kUtf16Le},
    {"utf-16le", kUtf16Le},
    {"csunicode", kUtf16Le},
    {"iso-10646-ucs-2", kUtf16Le},
    {"ucs-2", kUtf16Le},
    {"unicode", kUtf16Le},
    {"unicodefeff", kUtf16Le},
    {"utf-16be", kUtf16Be},
    {"unicodefffe", kUtf16Be},
    {"csiso2022kr", ""},
    {"hz-gb-2312", ""},
    {"iso-2022-cn", ""},
    {"iso-2022-cn-ext", ""},
    {"iso-2022-kr", ""},
    {"replacement", ""},
};

// iconv's names for the canonical names that differ from them. Shift_JIS is
// decoded as Microsoft's superset, as browsers do.
constexpr Alias kIconvNames[] = {
    {kGb18030, "GB18030"},  {kShiftJis, "CP932"},   {"euc-jp", "EUC-JP"},
    {"euc-kr", "CP949"},    {"big5", "BIG5-HKSCS"}, {"iso-2022-jp", "ISO-2022-JP"},
    {kUtf16Le, "UTF-16LE"}, {kUtf16Be, "UTF-16BE"},
};

// windows-1252's bytes 0x80..0x9F; the other bytes are their own code points.
constexpr std::array<std::uint16_t, kC1End - kC1Start> kWindows1252C1 = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Label characters iconv names use; anything else ("//IGNORE") is refused.
bool IsLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == ':';
}

std::string_view IconvName(std::string_view charset) {
  for (const Alias& a : kIconvNames) {
    if (a.label == charset) return a.charset;
  }
  return charset;
}

// iconv_open's failure value, (iconv_t)-1.
bool IconvFailed(iconv_t cd) { return reinterpret_cast<std::intptr_t>(cd) == -1; }

bool IconvKnows(const std::string& name) {
  iconv_t cd = iconv_open("UTF-8", name.c_str());
  if (IconvFailed(cd)) return false;
  iconv_close(cd);
  return true;
}

std::string DecodeWindows1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < kAsciiEnd) {
      out += c;
    } else if (b < kC1End) {
      AppendUtf8(kWindows1252C1[b - kC1Start], out);
    } else {
      AppendUtf8(b, out);
    }
  }
  return out;
}

// Converts with iconv; nullopt when iconv cannot open `iconv_name`.
std::optional<std::string> DecodeWithIconv(std::string_view bytes, const std::string& iconv_name,
                                           std::size_t& replaced) {
  iconv_t cd = iconv_open("UTF-8", iconv_name.c_str());
  if (IconvFailed(cd)) return std::nullopt;
  constexpr std::size_t kChunk = 4096;
  std::string out;
  std::vector<char> buffer(kChunk);
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; not written
  std::size_t in_left = bytes.size();
  bool flushing = false;
  while (true) {
    char* dst = buffer.data();
    std::size_t dst_left = buffer.size();
    const std::size_t rc = flushing ? iconv(cd, nullptr, nullptr, &dst, &dst_left)
                                    : iconv(cd, &in, &in_left, &dst, &dst_left);
    const int error = rc == static_cast<std::size_t>(-1) ? errno : 0;
    out.append(buffer.data(), buffer.size() - dst_left);
    if (error == E2BIG) continue;  // the buffer was full and is drained now
    if (error == 0 && !flushing) {
      flushing = true;  // all input read; write any pending shift sequence
      continue;
    }
    if (error == 0 || flushing) break;
    // EILSEQ: skip the byte that starts the bad sequence and go on; EINVAL:
    // a sequence cut off by the end of the input.
    out += "\xEF\xBF\xBD";
    ++replaced;
    if (error == EILSEQ && in_left > 0) {
      ++in;
      --in_left;
    } else {
      in_left = 0;
    }
  }
  iconv_close(cd);
  return out;
}

// Non-ASCII characters in `utf8` that are not replacements.
std::size_t GoodNonAscii(std::string_view utf8, std::size_t replaced) {
  std::size_t leads = 0;
  for (char c : utf8) {
    if (static_cast<unsigned char>(c) >= 0xC0) ++leads;
  }
  return leads > replaced ? leads - replaced : 0;
}

struct Candidate {
  std::string charset;
  std::string_view from;
};

}  // namespace

std::string CanonicalCharset(std::string_view label) {
  label = Trim(label);
  while (label.size() >= 2 && (label.front() == '"' || label.front() == '\'') &&
         label.back() == label.front()) {
    label = Trim(label.substr(1, label.size() - 2));
  }
  if (label.empty() || label.size() > kMaxLabelBytes) return "";
  std::string lower;
  for (char c : label) {
    const char l = ToLower(c);
    if (!IsLabelChar(l)) return "";
    lower += l;
  }
  for (const Alias& a : kAliases) {
    if (a.label == lower) return std::string(a.charset);
  }
  return IconvKnows(lower) ? lower : "";
}

std::string CharsetParameter(std::string_view content_type) {
  std::size_t pos = content_type.find(';');
  while (pos != std::string_view::npos) {
    ++pos;
    const std::size_t eq = content_type.find('=', pos);
    if (eq == std::string_view::npos) return "";
    std::string name;
    for (char c : Trim(content_type.substr(pos, eq - pos))) name += ToLower(c);
    std::size_t i = eq + 1;
    while (i < content_type.size() && IsAsciiSpace(content_type[i])) ++i;
    std::string value;
    if (i < content_type.size() && content_type[i] == '"') {
      for (++i; i < content_type.size() && content_type[i] != '"'; ++i) {
        if (content_type[i] == '\\' && i + 1 < content_type.size()) ++i;
        value += content_type[i];
      }
      pos = content_type.find(';', i);
    } else {
      pos = content_type.find(';', i);
      value = std::string(Trim(content_type.substr(
          i, pos == std::string_view::npos ? std::string_view::npos : pos - i)));
    }
    if (name == "charset") return value;
  }
  return "";
}

std::string_view BomCharset(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) return kUtf8;
  if (bytes.starts_with("\xFF\xFE")) return kUtf16Le;
  if (bytes.starts_with("\xFE\xFF")) return kUtf16Be;
  return "";
}

std::string MetaCharset(std::string_view html, std::size_t scan_bytes) {
  std::string found;
  internal::ScanMetaCharsets(html.substr(0, scan_bytes), [&](std::string_view label) {
    found = CanonicalCharset(label);
    if (found == kUtf16Le || found == kUtf16Be) found = kUtf8;  // as browsers do
    return !found.empty();
  });
  return found;
}

std::string SniffCharset(std::string_view bytes) {
  if (internal::IsValidUtf8(bytes)) return std::string(kUtf8);
  std::int64_t best_score = 0;
  std::string_view best;
  // In order of preference when scores tie.
  const std::pair<std::string_view, std::int64_t (*)(std::string_view)> scorers[] = {
      {kUtf8, &internal::ScoreUtf8},
      {kWindows1252, &internal::ScoreWindows1252},
      {kGb18030, &internal::ScoreGb18030},
      {kShiftJis, &internal::ScoreShiftJis},
  };
  for (const auto& [charset, score_of] : scorers) {
    const std::int64_t score = score_of(bytes);
    if (score > best_score) {
      best_score = score;
      best = charset;
    }
  }
  return std::string(best);
}

std::string ConvertToUtf8(std::string_view bytes, std::string_view charset, std::size_t* replaced) {
  std::size_t count = 0;
  std::string out;
  if (charset == kUtf8) {
    count = internal::AppendRepairedUtf8(bytes, out);
  } else if (charset == kWindows1252) {
    out = DecodeWindows1252(bytes);
  } else if (auto decoded = DecodeWithIconv(bytes, std::string(IconvName(charset)), count)) {
    // iconv's output is UTF-8 already; the pass only guards against surprises.
    internal::AppendRepairedUtf8(*decoded, out);
  } else {
    out = DecodeWindows1252(bytes);
  }
  if (replaced != nullptr) *replaced = count;
  return out;
}

DecodedText DecodeToUtf8(std::string_view body, std::string_view content_type, bool html,
                         const CharsetOptions& options) {
  DecodedText result;
  if (const std::string_view bom = BomCharset(body); !bom.empty()) {
    const std::size_t bom_bytes = bom == kUtf8 ? 3 : 2;
    result.text = ConvertToUtf8(body.substr(bom_bytes), bom, &result.replaced);
    result.charset = std::string(bom);
    result.charset_from = "bom";
    return result;
  }
  std::vector<Candidate> candidates;
  if (std::string header = CanonicalCharset(CharsetParameter(content_type)); !header.empty()) {
    candidates.push_back({std::move(header), "header"});
  }
  if (html) {
    std::string meta = MetaCharset(body, options.meta_scan_bytes);
    if (!meta.empty() && (candidates.empty() || candidates.front().charset != meta)) {
      candidates.push_back({std::move(meta), "meta"});
    }
  }
  // Legacy-encoded text is almost never valid UTF-8 by chance, while servers
  // often send a wrong default label: valid UTF-8 outranks other labels.
  const bool non_ascii = std::any_of(
      body.begin(), body.end(), [](char c) { return static_cast<unsigned char>(c) >= kAsciiEnd; });
  const bool utf8 = non_ascii && internal::IsValidUtf8(body);
  for (const Candidate& c : candidates) {
    if (utf8 && c.charset != kUtf8) continue;
    std::size_t replaced = 0;
    std::string text = ConvertToUtf8(body, c.charset, &replaced);
    if (replaced > GoodNonAscii(text, replaced)) continue;  // the label is wrong
    return {std::move(text), c.charset, std::string(c.from), replaced};
  }
  std::string sniffed = SniffCharset(body);
  result.charset_from = sniffed.empty() ? "default" : "sniff";
  result.charset = sniffed.empty() ? std::string(kWindows1252) : std::move(sniffed);
  result.text = ConvertToUtf8(body, result.charset, &result.replaced);
  return result;
}

}  // namespace sextant::toolserver::web
