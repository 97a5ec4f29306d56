// The GPT-2 byte-level alphabet and the UTF-8 helpers of the BPE tokenizer.
//
// Byte-level BPE vocabularies spell every byte 0..255 as one printable
// Unicode character (printable Latin-1 bytes as themselves, the rest as
// U+0100.. in byte order), so that any byte string is a string of
// vocabulary characters.
//
// Thread safety: pure functions over constant tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sextant::llm::internal {

// The UTF-8 spelling (2 bytes at most) of byte `b` in the byte-level alphabet.
std::string_view ByteToAlphabet(uint8_t b);

// Appends the byte-level spelling of `bytes` to `out`.
void AppendByteLevel(std::string_view bytes, std::string& out);

// Decodes a byte-level spelling back to bytes. nullopt when a character is
// not in the alphabet (or the text is not valid UTF-8).
std::optional<std::string> ByteLevelToBytes(std::string_view text);

// The byte offset of the first byte that does not start a valid UTF-8
// sequence (overlong forms, surrogates and code points past U+10FFFF are
// invalid), or nullopt when all of `text` is valid.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

// The length of the UTF-8 sequence that a lead byte announces: 1..4, or 0
// when `lead` cannot start a sequence.
int Utf8SequenceLength(uint8_t lead);

// Decodes the code point at `pos` of valid UTF-8 and advances `pos`.
uint32_t DecodeUtf8(std::string_view text, size_t& pos);

}  // namespace sextant::llm::internal
