// Renders a run's events for people (text), programs (JSON lines) or
// nobody (quiet: only the answer and errors). `sextant run` feeds it live
// events; `sextant runs replay` feeds it the stored ones, so a replay prints
// what the live run printed.
#pragma once

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "agent/run_store.h"

namespace sextant::cli {

enum class PrintMode { kText, kJson, kQuiet };

class RunPrinter {
 public:
  // Events go to `out`; the spinner (text mode, when `err` is a terminal) to `err`.
  RunPrinter(PrintMode mode, std::FILE* out, std::FILE* err);
  ~RunPrinter();
  RunPrinter(const RunPrinter&) = delete;
  RunPrinter& operator=(const RunPrinter&) = delete;

  void OnEvent(const agent::Event& event);
  // A model call starts: shows a spinner until the next event.
  void OnThinking(std::string_view phase);
  // Whether a fatal error event was printed (so the caller need not repeat it).
  bool printed_fatal_error() const { return printed_fatal_error_; }

 private:
  void PrintText(const agent::Event& event);
  void StopSpinner();

  PrintMode mode_;
  std::FILE* out_;
  std::FILE* err_;
  bool spinner_enabled_ = false;
  bool printed_fatal_error_ = false;
  std::mutex mutex_;
  std::atomic<bool> spinning_{false};
  std::thread spinner_;
};

// The JSON line of one event: {"run_id","seq","time_ms","type","data"}.
std::string EventJsonLine(const agent::Event& event);

}  // namespace sextant::cli
