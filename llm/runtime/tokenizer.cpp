#include "llm/runtime/tokenizer.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <utility>

#include <utf8proc.h>

#include "llm/runtime/internal/bpe_bytes.h"
#include "llm/runtime/internal/bpe_tokenizer_impl.h"

namespace sextant::llm {
namespace internal {

void CollectEndIds(TokenizerState& impl, const std::vector<int32_t>& extra) {
  std::vector<int32_t> ids = extra;
  if (impl.eos) ids.push_back(*impl.eos);
  for (std::string_view text : kEndTokenTexts) {
    const int32_t id = impl.model.FindText(text);
    if (id >= 0 && impl.model.token(id).kind == TokenKind::kControl) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  impl.end_ids = std::move(ids);
}

Status NormalizeNfc(std::string_view text, std::string& out) {
  out.clear();
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    out.assign(text);
    return Status::Ok();
  }
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                   static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {
    return InternalError(std::string("NFC normalization failed: ") + utf8proc_errmsg(n));
  }
  out.assign(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
  std::free(mapped);  // NOLINT(cppcoreguidelines-no-malloc): utf8proc allocates with malloc
  return Status::Ok();
}

}  // namespace internal

using internal::TokenKind;

Tokenizer::Tokenizer() : impl_(std::make_unique<Impl>()) {}
Tokenizer::~Tokenizer() = default;

Result<std::vector<int32_t>> Tokenizer::Encode(std::string_view text,
                                               const EncodeOptions& options) const {
  const internal::TokenizerState& im = impl_->state;
  if (static_cast<int64_t>(text.size()) > im.limits.max_input_bytes) {
    return ResourceExhaustedError("encode: input of " + std::to_string(text.size()) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(im.limits.max_input_bytes));
  }
  if (auto bad = internal::FindInvalidUtf8(text)) {
    return InvalidArgumentError("encode: invalid UTF-8 at byte offset " + std::to_string(*bad));
  }
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (options.add_bos && im.bos) out.push_back(*im.bos);

  std::vector<internal::TextPiece> pieces;
  im.specials.Partition(text, options.parse_special, pieces);
  std::vector<internal::Span> words;
  internal::WordCache cache;
  std::string normalized;
  for (const internal::TextPiece& piece : pieces) {
    if (piece.id >= 0) {
      out.push_back(piece.id);
      continue;
    }
    std::string_view span = text.substr(piece.offset, piece.length);
    if (im.normalizer == internal::NormalizerKind::kNfc) {
      SEXTANT_RETURN_IF_ERROR(internal::NormalizeNfc(span, normalized));
      span = normalized;
    }
    if (im.add_prefix_space && span.front() != ' ') {
      std::string prefixed;
      prefixed.reserve(span.size() + 1);
      prefixed.append(" ").append(span);
      normalized.swap(prefixed);
      span = normalized;
    }
    SEXTANT_RETURN_IF_ERROR(im.pre.Split(span, words));
    for (const internal::Span& w : words) {
      im.model.EncodeWord(span.substr(w.offset, w.length), out, &cache);
    }
  }
  return out;
}

Result<std::string> Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || id >= vocab_size()) {
      return InvalidArgumentError("decode: token id " + std::to_string(id) + " at position " +
                                  std::to_string(i) + " is outside the vocabulary of " +
                                  std::to_string(vocab_size()));
    }
    if (skip_special && IsSpecial(id)) continue;
    out += impl_->state.model.token(id).bytes;
  }
  return out;
}

int32_t Tokenizer::vocab_size() const { return impl_->state.model.size(); }

std::string_view Tokenizer::TokenText(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return impl_->state.model.token(id).text;
}

std::string Tokenizer::TokenBytes(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return impl_->state.model.token(id).bytes;
}

std::optional<int32_t> Tokenizer::FindToken(std::string_view text) const {
  const int32_t id = impl_->state.model.FindText(text);
  if (id < 0) return std::nullopt;
  return id;
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return id >= 0 && id < vocab_size() && impl_->state.model.token(id).kind == TokenKind::kControl;
}

std::optional<int32_t> Tokenizer::bos_id() const { return impl_->state.bos; }
std::optional<int32_t> Tokenizer::eos_id() const { return impl_->state.eos; }
const std::vector<int32_t>& Tokenizer::end_ids() const { return impl_->state.end_ids; }
bool Tokenizer::add_bos_default() const { return impl_->state.add_bos; }
const std::string& Tokenizer::chat_template() const { return impl_->state.chat_template; }
const std::string& Tokenizer::pre_type() const { return impl_->state.pre_type; }

// StreamDecoder

namespace {

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// Whether `rest` (shorter than its lead byte announces) can still become
// a valid character when more bytes arrive.
bool CouldComplete(std::string_view rest) {
  const auto lead = static_cast<uint8_t>(rest[0]);
  for (size_t k = 1; k < rest.size(); ++k) {
    const auto c = static_cast<uint8_t>(rest[k]);
    uint8_t lo = 0x80;
    uint8_t hi = 0xBF;
    if (k == 1 && lead == 0xE0) lo = 0xA0;
    if (k == 1 && lead == 0xED) hi = 0x9F;
    if (k == 1 && lead == 0xF0) lo = 0x90;
    if (k == 1 && lead == 0xF4) hi = 0x8F;
    if (c < lo || c > hi) return false;
  }
  return true;
}

// Moves the longest prefix of `pending` that holds only complete characters
// into the result; bytes that cannot be part of a valid character become
// U+FFFD. An incomplete character that may still complete stays pending,
// unless `at_end`.
std::string TakeComplete(std::string& pending, bool at_end) {
  std::string out;
  const std::string_view all = pending;
  size_t i = 0;
  while (i < all.size()) {
    const std::string_view rest = all.substr(i);
    const auto len =
        static_cast<size_t>(internal::Utf8SequenceLength(static_cast<uint8_t>(rest[0])));
    if (len > rest.size() && !at_end && CouldComplete(rest)) break;
    if (len == 0 || len > rest.size() || internal::FindInvalidUtf8(rest.substr(0, len))) {
      out += kReplacementChar;
      ++i;
      continue;
    }
    out.append(rest.substr(0, len));
    i += len;
  }
  pending.erase(0, i);
  return out;
}

}  // namespace

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special)
    : tokenizer_(tokenizer), skip_special_(skip_special) {}

std::string StreamDecoder::Push(int32_t id) {
  if (skip_special_ && tokenizer_.IsSpecial(id)) return {};
  pending_ += tokenizer_.TokenBytes(id);
  return TakeComplete(pending_, /*at_end=*/false);
}

std::string StreamDecoder::Flush() { return TakeComplete(pending_, /*at_end=*/true); }

}  // namespace sextant::llm
