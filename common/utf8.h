// Small UTF-8 helpers shared by the tokenizer and the importers.
#pragma once

#include <cstdint>
#include <string>

namespace sextant {

// True for a Unicode scalar value: at most U+10FFFF and not a surrogate.
bool IsUnicodeScalarValue(std::uint32_t cp);

// Appends cp as UTF-8; a value that is not a scalar value becomes U+FFFD.
void AppendUtf8(std::uint32_t cp, std::string& out);

}  // namespace sextant
