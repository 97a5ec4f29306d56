#include "llm/runtime/internal/bpe_pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <utility>

namespace sextant::llm::internal {
namespace {

constexpr uint32_t kOvectorPairs = 16;
constexpr size_t kErrorMessageBytes = 256;

// One match data per thread serves every pattern: only the whole-match pair
// of the ovector is read.
pcre2_match_data* ThreadMatchData() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(kOvectorPairs, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
    Holder() = default;
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;
  };
  thread_local Holder holder;
  return holder.data;
}

// The length of the UTF-8 character that starts at `p`.
size_t CharLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

}  // namespace

struct PreTokenizer::Regex {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Regex() { pcre2_code_free(code); }
  Regex() = default;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
};

PreTokenizer::PreTokenizer() = default;
PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

Result<PreTokenizer> PreTokenizer::Create(const std::vector<SplitPattern>& patterns) {
  PreTokenizer pre;
  for (const SplitPattern& p : patterns) {
    auto regex = std::make_unique<Regex>();
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    // PCRE2_LITERAL admits UTF but not UCP.
    const uint32_t options = p.literal ? (PCRE2_UTF | PCRE2_LITERAL) : (PCRE2_UTF | PCRE2_UCP);
    regex->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.pattern.data()), p.pattern.size(),
                                options, &error, &error_offset, nullptr);
    if (regex->code == nullptr) {
      std::string message(kErrorMessageBytes, '\0');
      const int n = pcre2_get_error_message(error, reinterpret_cast<PCRE2_UCHAR*>(message.data()),
                                            message.size());
      message.resize(n > 0 ? static_cast<size_t>(n) : 0);
      return InvalidArgumentError("pre-tokenizer pattern '" + p.pattern +
                                  "' does not compile at offset " + std::to_string(error_offset) +
                                  ": " + message);
    }
    regex->jit = pcre2_jit_compile(regex->code, PCRE2_JIT_COMPLETE) == 0;
    pre.regexes_.push_back(std::move(regex));
  }
  return pre;
}

Status PreTokenizer::Split(std::string_view text, std::vector<Span>& out) const {
  out.clear();
  if (text.empty()) return Status::Ok();
  out.push_back(Span{0, text.size()});
  if (regexes_.empty()) return Status::Ok();
  pcre2_match_data* md = ThreadMatchData();
  std::vector<Span> next;
  const auto* subject_base = reinterpret_cast<PCRE2_SPTR>(text.data());
  for (const auto& regex : regexes_) {
    next.clear();
    next.reserve(out.size() * 2);
    for (const Span& piece : out) {
      PCRE2_SPTR subject = subject_base + piece.offset;
      size_t start = 0;  // relative to the piece
      size_t emitted = 0;
      while (start < piece.length) {
        int rc = regex->jit
                     ? pcre2_jit_match(regex->code, subject, piece.length, start, 0, md, nullptr)
                     : PCRE2_ERROR_JIT_BADOPTION;
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_JIT_BADOPTION) {
          rc = pcre2_match(regex->code, subject, piece.length, start,
                           PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
        }
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
          return ResourceExhaustedError("pre-tokenizer match failed at byte " +
                                        std::to_string(piece.offset + start) + " (PCRE2 error " +
                                        std::to_string(rc) + ")");
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
        const size_t m_begin = ov[0];
        const size_t m_end = ov[1];
        if (m_end <= m_begin) {  // empty match: step over one character
          start = m_begin + CharLength(static_cast<unsigned char>(text[piece.offset + m_begin]));
          continue;
        }
        if (m_begin > emitted) next.push_back(Span{piece.offset + emitted, m_begin - emitted});
        next.push_back(Span{piece.offset + m_begin, m_end - m_begin});
        emitted = m_end;
        start = m_end;
      }
      if (emitted < piece.length) {
        next.push_back(Span{piece.offset + emitted, piece.length - emitted});
      }
    }
    out.swap(next);
  }
  return Status::Ok();
}

}  // namespace sextant::llm::internal
