// Server-Sent Events: an incremental parser for `text/event-stream` bodies,
// following the WHATWG HTML "event stream interpretation" rules.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sextant {

// One dispatched event.
struct SseEvent {
  // The event type: the last `event:` field of the event, or "message".
  std::string event = "message";
  // The `data:` lines of the event joined with '\n'.
  std::string data;
  // The last event ID of the stream. As the spec says, it persists across
  // events until an `id:` field changes it.
  std::string id;
  // The latest reconnection time (`retry:`) the stream announced, if any.
  // Like `id`, it persists across events.
  std::optional<int> retry_ms;
};

struct SseParserOptions {
  static constexpr std::size_t kDefaultMaxEventBytes = 8u << 20;  // 8 MiB

  // The bytes held for one event (its data, its type and the line being
  // read) may not exceed this; more gives resource_exhausted.
  std::size_t max_event_bytes = kDefaultMaxEventBytes;
};

// SseParser turns chunks of an event stream into events. Chunks may split the
// stream anywhere, including inside a line, a CRLF pair or the leading BOM.
// Lines end with LF, CR or CRLF; lines starting with ':' are comments; a line
// without ':' is a field with an empty value; one space after the ':' is
// stripped; invalid UTF-8 is replaced with U+FFFD; `retry` is taken only when
// it is all digits (and fits an int); `id` is ignored when it holds a NUL; a
// blank line dispatches the event unless its data buffer is empty. An event
// still pending when the stream ends is never dispatched (spec: it is
// discarded).
//
// Ownership: a plain value owning its buffers. Thread safety: none; use one
// parser per stream from one thread at a time. Errors: Feed returns
// resource_exhausted when an event grows past max_event_bytes and aborted when
// the callback returns false; after an error the parser is spent and every
// later Feed returns the same error. Exceptions thrown by the callback
// propagate to the caller of Feed.
class SseParser {
 public:
  // Receives each event; return false to stop parsing.
  using EventCallback = std::function<bool(const SseEvent&)>;

  explicit SseParser(SseParserOptions options = {});

  // Parses `chunk` and calls `on_event` for every event it completes.
  [[nodiscard]] Status Feed(std::string_view chunk, const EventCallback& on_event);

  // The last event ID seen so far ("" when none).
  const std::string& last_event_id() const { return last_event_id_; }
  // The latest valid `retry:` value seen so far.
  std::optional<int> retry_ms() const { return retry_ms_; }

 private:
  Status FeedBody(std::string_view chunk, const EventCallback& on_event);
  Status ProcessLine(std::string_view raw_line, const EventCallback& on_event);
  void ProcessField(std::string_view field, std::string_view value);
  Status Dispatch(const EventCallback& on_event);
  Status CheckSize(std::size_t pending_line_bytes) const;

  SseParserOptions options_;
  bool bom_done_ = false;
  std::string bom_prefix_;  // the first bytes while they may still be a BOM
  bool skip_lf_ = false;    // the previous chunk ended with CR
  std::string line_;        // a line not yet ended
  std::string event_type_;
  std::string data_;
  std::string last_event_id_;
  std::optional<int> retry_ms_;
  Status error_;
};

}  // namespace sextant
