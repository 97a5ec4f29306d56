// Test helper: real encoded text, made with glibc's iconv from UTF-8.
#pragma once

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace sextant::toolserver::web::testing {

// `utf8` encoded in `charset` (an iconv name such as "CP1252", "GBK",
// "SHIFT_JIS", "UTF-16LE"); fails the current test when iconv cannot.
inline std::string Encode(std::string_view utf8, const char* charset) {
  iconv_t cd = iconv_open(charset, "UTF-8");
  if (reinterpret_cast<std::intptr_t>(cd) == -1) {
    ADD_FAILURE() << "iconv cannot encode " << charset;
    return "";
  }
  std::vector<char> out(utf8.size() * 4 + 16);
  char* in = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  const std::size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
  const bool ok = rc != static_cast<std::size_t>(-1) &&
                  iconv(cd, nullptr, nullptr, &dst, &dst_left) != static_cast<std::size_t>(-1);
  iconv_close(cd);
  EXPECT_TRUE(ok) << "iconv failed to encode into " << charset << ": errno " << errno;
  return std::string(out.data(), out.size() - dst_left);
}

}  // namespace sextant::toolserver::web::testing
