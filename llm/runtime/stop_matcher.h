// Streams generated text while watching for stop strings. Text that could be
// the start of a stop string is held back until it is known not to be one;
// an incomplete UTF-8 sequence at the end is held back too, so every emitted
// piece is whole characters when the input is valid UTF-8.
//
// Thread safety: none; one matcher per generation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sextant::llm {

class StopMatcher {
 public:
  // Empty strings in `stops` are ignored; with no stops, text passes through
  // (less any incomplete trailing UTF-8 sequence).
  explicit StopMatcher(std::vector<std::string> stops);

  struct Step {
    std::string emit;      // safe to show now
    bool stopped = false;  // a stop string was hit; it and everything after are dropped
  };

  // Appends `piece` to the stream. After a stop, further calls return an
  // empty, stopped Step.
  Step Feed(std::string_view piece);

  // The text still held back (at the end of generation); empty after a stop.
  std::string Flush();

  bool stopped() const { return stopped_; }
  // The stop string that was hit, or "" when none was.
  const std::string& matched() const { return matched_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;  // held back: a possible stop prefix or a partial character
  bool stopped_ = false;
  std::string matched_;
};

}  // namespace sextant::llm
