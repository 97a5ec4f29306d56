#include "llm/runtime/stop_matcher.h"

#include <algorithm>
#include <utility>

namespace sextant::llm {
namespace {

constexpr unsigned char kContinuationMask = 0xC0;
constexpr unsigned char kContinuationBits = 0x80;
constexpr unsigned char kLead2Mask = 0xE0;
constexpr unsigned char kLead2Bits = 0xC0;
constexpr unsigned char kLead3Mask = 0xF0;
constexpr unsigned char kLead3Bits = 0xE0;
constexpr unsigned char kLead4Mask = 0xF8;
constexpr unsigned char kLead4Bits = 0xF0;
constexpr size_t kMaxUtf8Length = 4;

// Bytes at the end of `text` that begin a UTF-8 sequence not yet complete.
size_t IncompleteUtf8Tail(std::string_view text) {
  const size_t n = text.size();
  for (size_t back = 1; back <= std::min(n, kMaxUtf8Length); ++back) {
    const auto c = static_cast<unsigned char>(text[n - back]);
    if ((c & kContinuationMask) == kContinuationBits) continue;
    size_t need = 1;
    if ((c & kLead2Mask) == kLead2Bits) {
      need = 2;
    } else if ((c & kLead3Mask) == kLead3Bits) {
      need = 3;
    } else if ((c & kLead4Mask) == kLead4Bits) {
      need = 4;
    }
    return need > back ? back : 0;
  }
  return 0;  // only continuation bytes: malformed, pass it through
}

}  // namespace

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

StopMatcher::Step StopMatcher::Feed(std::string_view piece) {
  Step step;
  if (stopped_) {
    step.stopped = true;
    return step;
  }
  pending_.append(piece);

  size_t hit = std::string::npos;
  for (const std::string& stop : stops_) {
    const size_t at = pending_.find(stop);
    if (at < hit) {
      hit = at;
      matched_ = stop;
    }
  }
  if (hit != std::string::npos) {
    step.emit = pending_.substr(0, hit);
    step.stopped = true;
    stopped_ = true;
    pending_.clear();
    return step;
  }

  // Hold back the longest suffix that is a proper prefix of some stop string.
  size_t hold = 0;
  const std::string_view pending = pending_;
  for (const std::string& stop_string : stops_) {
    const std::string_view stop = stop_string;
    const size_t longest = std::min(stop.size() - 1, pending.size());
    for (size_t len = longest; len > hold; --len) {
      if (pending.substr(pending.size() - len) == stop.substr(0, len)) {
        hold = len;
        break;
      }
    }
  }
  size_t emit_len = pending_.size() - hold;
  emit_len -= IncompleteUtf8Tail(pending.substr(0, emit_len));
  step.emit = pending_.substr(0, emit_len);
  pending_.erase(0, emit_len);
  return step;
}

std::string StopMatcher::Flush() {
  std::string out = std::move(pending_);
  pending_.clear();
  return out;
}

}  // namespace sextant::llm
