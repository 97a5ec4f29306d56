// Character encodings of fetched pages: finding the charset of a body and
// decoding it to UTF-8.
//
// DecodeToUtf8 takes the first of these that applies:
//   1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE), always trusted;
//   2. the charset= parameter of the Content-Type header;
//   3. for HTML, a <meta charset> or <meta http-equiv=content-type
//      content="...; charset=..."> in the first meta_scan_bytes (a UTF-16
//      label there means UTF-8, as in browsers);
//   4. sniffing: valid UTF-8 is UTF-8; otherwise byte patterns are scored for
//      UTF-8, windows-1252, GB18030 and Shift_JIS and the best one wins;
//   5. windows-1252.
// A label from 2 or 3 that the bytes prove wrong is passed over, and the
// next source is tried:
//   - a body that is valid UTF-8, and not pure ASCII, passes over every
//     label but UTF-8 (text in a legacy charset is almost never valid UTF-8
//     by chance, while servers often send a wrong default label);
//   - a label is wrong when decoding with it replaces more byte sequences
//     than it yields non-ASCII characters.
// So a page labelled utf-8 that is really windows-1252 or GBK, or labelled
// iso-8859-1 but written in UTF-8, still decodes, while a UTF-8 page with a
// few broken bytes keeps its label.
//
// Labels are matched without regard to case, surrounding blanks or quotes.
// The WHATWG aliases of utf-8, windows-1252 (latin1, iso-8859-1, us-ascii,
// ...), gb18030 (gbk, gb2312, x-gbk, ...), shift_jis (sjis, ms932,
// windows-31j, ...), euc-kr, big5, euc-jp, iso-2022-jp and utf-16 are known;
// any other label iconv accepts is used as iconv spells it. Labels WHATWG
// maps to its "replacement" encoding (iso-2022-kr, hz-gb-2312, ...) are
// not supported.
//
// Decoding never fails and always ends: a byte sequence that does not decode
// becomes U+FFFD and decoding goes on after it; windows-1252 and UTF-8 follow
// the WHATWG decoders, the rest go through glibc's iconv.
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sextant::toolserver::web {

struct CharsetOptions {
  static constexpr std::size_t kDefaultMetaScanBytes = 4096;

  // How much of an HTML body is searched for a <meta> charset.
  std::size_t meta_scan_bytes = kDefaultMetaScanBytes;
};

struct DecodedText {
  std::string text;          // valid UTF-8, without a byte order mark
  std::string charset;       // canonical name: "utf-8", "windows-1252", "gb18030", ...
  std::string charset_from;  // "bom", "header", "meta", "sniff" or "default"
  std::size_t replaced = 0;  // sequences replaced by U+FFFD
};

// The canonical name of a charset label ("UTF8" -> "utf-8", " 'GBK' " ->
// "gb18030"), or "" when the label names nothing supported.
std::string CanonicalCharset(std::string_view label);

// The charset parameter of a Content-Type value, as written (unquoted), or "".
std::string CharsetParameter(std::string_view content_type);

// The charset that a byte order mark at the start of `bytes` gives
// ("utf-8", "utf-16le", "utf-16be"), or "".
std::string_view BomCharset(std::string_view bytes);

// The canonical charset of the first <meta> declaration with a supported
// label in the first `scan_bytes` of `html`, or "".
std::string MetaCharset(std::string_view html, std::size_t scan_bytes);

// "utf-8" for valid UTF-8 (pure ASCII included); otherwise whichever of
// "utf-8", "windows-1252", "gb18030" and "shift_jis" the byte patterns favour,
// or "" when none of them shows any evidence.
std::string SniffCharset(std::string_view bytes);

// Decodes `bytes` in `charset` (a canonical name) to UTF-8. `replaced`, when
// given, receives how many sequences became U+FFFD. A charset iconv cannot
// open decodes as windows-1252.
std::string ConvertToUtf8(std::string_view bytes, std::string_view charset,
                          std::size_t* replaced = nullptr);

// Finds the charset of `body` as the file comment says and decodes it.
// `content_type` is the Content-Type header ("" when absent); `html` turns on
// the <meta> scan.
DecodedText DecodeToUtf8(std::string_view body, std::string_view content_type, bool html,
                         const CharsetOptions& options = {});

}  // namespace sextant::toolserver::web
