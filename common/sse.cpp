#include "common/sse.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace sextant {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Scans the UTF-8 sequence that starts at in[i]. Returns true when it is well
// formed; `length` is then its length, or else the length of its maximal
// subpart (at least 1), which the WHATWG decoder replaces with one U+FFFD.
bool ScanUtf8(std::string_view in, std::size_t i, std::size_t& length) {
  const auto b = static_cast<unsigned char>(in[i]);
  length = 1;
  int needed = 0;
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  if (b <= 0x7F) {
    return true;
  } else if (b >= 0xC2 && b <= 0xDF) {
    needed = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    needed = 2;
    if (b == 0xE0) lower = 0xA0;
    if (b == 0xED) upper = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    needed = 3;
    if (b == 0xF0) lower = 0x90;
    if (b == 0xF4) upper = 0x8F;
  } else {
    return false;
  }
  for (int seen = 0; seen < needed; ++seen) {
    if (i + length >= in.size()) return false;
    const auto c = static_cast<unsigned char>(in[i + length]);
    if (c < lower || c > upper) return false;
    lower = 0x80;
    upper = 0xBF;
    ++length;
  }
  return true;
}

bool IsValidUtf8(std::string_view in) {
  std::size_t i = 0;
  std::size_t length = 0;
  while (i < in.size()) {
    if (!ScanUtf8(in, i, length)) return false;
    i += length;
  }
  return true;
}

// Appends `in` to `out` with each ill-formed sequence replaced by U+FFFD.
void AppendUtf8Replacing(std::string_view in, std::string& out) {
  std::size_t i = 0;
  std::size_t length = 0;
  while (i < in.size()) {
    if (ScanUtf8(in, i, length)) {
      out.append(in.substr(i, length));
    } else {
      out += kReplacementChar;
    }
    i += length;
  }
}

// A `retry` value: only ASCII digits, at least one, within int.
std::optional<int> ParseRetry(std::string_view value) {
  if (value.empty()) return std::nullopt;
  long long result = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    result = result * 10 + (c - '0');
    if (result > std::numeric_limits<int>::max()) return std::nullopt;
  }
  return static_cast<int>(result);
}

}  // namespace

SseParser::SseParser(SseParserOptions options) : options_(options) {}

Status SseParser::Feed(std::string_view chunk, const EventCallback& on_event) {
  if (!error_.ok()) return error_;
  if (!bom_done_) {
    // Hold the first bytes until they are known to be a BOM or not.
    const std::size_t take = std::min(kBom.size() - bom_prefix_.size(), chunk.size());
    bom_prefix_.append(chunk.substr(0, take));
    chunk.remove_prefix(take);
    if (kBom.substr(0, bom_prefix_.size()) == bom_prefix_) {
      if (bom_prefix_.size() < kBom.size()) return Status::Ok();
      bom_done_ = true;
    } else {
      bom_done_ = true;
      const std::string held = std::move(bom_prefix_);
      error_ = FeedBody(held, on_event);
      if (!error_.ok()) return error_;
    }
    bom_prefix_.clear();
  }
  error_ = FeedBody(chunk, on_event);
  return error_;
}

Status SseParser::FeedBody(std::string_view chunk, const EventCallback& on_event) {
  std::size_t pos = 0;
  if (skip_lf_ && !chunk.empty()) {
    skip_lf_ = false;
    if (chunk[0] == '\n') pos = 1;
  }
  while (pos < chunk.size()) {
    const std::size_t end = chunk.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      SEXTANT_RETURN_IF_ERROR(CheckSize(line_.size() + chunk.size() - pos));
      line_.append(chunk.substr(pos));
      return Status::Ok();
    }
    const std::string_view piece = chunk.substr(pos, end - pos);
    if (line_.empty()) {
      SEXTANT_RETURN_IF_ERROR(ProcessLine(piece, on_event));
    } else {
      SEXTANT_RETURN_IF_ERROR(CheckSize(line_.size() + piece.size()));
      line_.append(piece);
      const std::string line = std::move(line_);
      line_.clear();
      SEXTANT_RETURN_IF_ERROR(ProcessLine(line, on_event));
    }
    pos = end + 1;
    if (chunk[end] == '\r') {
      if (pos == chunk.size()) {
        skip_lf_ = true;
      } else if (chunk[pos] == '\n') {
        ++pos;
      }
    }
  }
  return Status::Ok();
}

Status SseParser::CheckSize(std::size_t pending_line_bytes) const {
  const std::size_t total = pending_line_bytes + data_.size() + event_type_.size();
  if (total > options_.max_event_bytes) {
    return ResourceExhaustedError("server-sent event exceeds " +
                                  std::to_string(options_.max_event_bytes) + " bytes");
  }
  return Status::Ok();
}

Status SseParser::ProcessLine(std::string_view raw_line, const EventCallback& on_event) {
  SEXTANT_RETURN_IF_ERROR(CheckSize(raw_line.size()));
  if (raw_line.empty()) return Dispatch(on_event);
  if (raw_line.front() == ':') return Status::Ok();  // a comment

  std::string decoded;
  std::string_view line = raw_line;
  if (!IsValidUtf8(raw_line)) {
    AppendUtf8Replacing(raw_line, decoded);
    line = decoded;
  }
  std::string_view field = line;
  std::string_view value;
  if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  ProcessField(field, value);
  return CheckSize(0);
}

void SseParser::ProcessField(std::string_view field, std::string_view value) {
  if (field == "event") {
    event_type_.assign(value);
  } else if (field == "data") {
    data_.append(value);
    data_ += '\n';
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    if (auto retry = ParseRetry(value)) retry_ms_ = retry;
  }
  // Any other field is ignored.
}

Status SseParser::Dispatch(const EventCallback& on_event) {
  if (data_.empty()) {
    event_type_.clear();
    return Status::Ok();
  }
  if (data_.back() == '\n') data_.pop_back();
  SseEvent event;
  if (!event_type_.empty()) event.event = std::move(event_type_);
  event.data = std::move(data_);
  event.id = last_event_id_;
  event.retry_ms = retry_ms_;
  event_type_.clear();
  data_.clear();
  if (!on_event(event)) return AbortedError("server-sent event stream stopped by the callback");
  return Status::Ok();
}

}  // namespace sextant
