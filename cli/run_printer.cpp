#include "cli/run_printer.h"

#include <unistd.h>

#include <chrono>

#include "common/json.h"

namespace sextant::cli {
namespace {

using agent::EventType;

constexpr std::size_t kBriefBytes = 160;
constexpr auto kSpinnerPeriod = std::chrono::milliseconds(100);

// The first line of `text`, cut to `max` bytes on a character boundary.
std::string Brief(const std::string& text, std::size_t max = kBriefBytes) {
  std::string line = text.substr(0, text.find('\n'));
  bool cut = line.size() < text.size();
  if (line.size() > max) {
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0U) == 0x80U) --end;
    line.resize(end);
    cut = true;
  }
  return cut ? line + " ..." : line;
}

// All of `text` on one line ("a | b | c"), cut to `max` bytes.
std::string OneLine(const std::string& text, std::size_t max = kBriefBytes) {
  std::string joined;
  std::size_t start = 0;
  while (start < text.size() && joined.size() <= max) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) joined += (joined.empty() ? "" : " | ") + text.substr(start, end - start);
    start = end + 1;
  }
  return Brief(joined, max);
}

std::string Str(const Json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : DumpJson(*it);
}

std::string Indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string EventJsonLine(const agent::Event& event) {
  return DumpJson(Json{{"run_id", event.run_id},
                       {"seq", event.seq},
                       {"time_ms", event.time_ms},
                       {"type", agent::EventTypeName(event.type)},
                       {"data", event.data}});
}

RunPrinter::RunPrinter(PrintMode mode, std::FILE* out, std::FILE* err)
    : mode_(mode), out_(out), err_(err) {
  spinner_enabled_ = mode == PrintMode::kText && err != nullptr && isatty(fileno(err)) != 0;
}

RunPrinter::~RunPrinter() { StopSpinner(); }

void RunPrinter::StopSpinner() {
  if (!spinner_.joinable()) return;
  spinning_.store(false);
  spinner_.join();
  std::fprintf(err_, "\r\033[K");
  std::fflush(err_);
}

void RunPrinter::OnThinking(std::string_view phase) {
  if (!spinner_enabled_) return;
  StopSpinner();
  spinning_.store(true);
  spinner_ = std::thread([this, label = std::string(phase)] {
    static constexpr const char* kFrames[] = {"|", "/", "-", "\\"};
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; spinning_.load(); ++i) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(err_, "\r\033[K%s thinking (%s) %.0f s", kFrames[i % 4], label.c_str(), s);
      std::fflush(err_);
      std::this_thread::sleep_for(kSpinnerPeriod);
    }
  });
}

void RunPrinter::OnEvent(const agent::Event& event) {
  std::lock_guard<std::mutex> lock(mutex_);
  StopSpinner();
  if (event.type == EventType::kError && event.data.value("fatal", false)) {
    printed_fatal_error_ = true;
  }
  switch (mode_) {
    case PrintMode::kJson:
      std::fprintf(out_, "%s\n", EventJsonLine(event).c_str());
      break;
    case PrintMode::kQuiet:
      if (event.type == EventType::kFinalAnswer) {
        std::fprintf(out_, "%s\n", Str(event.data, "answer").c_str());
      } else if (event.type == EventType::kRunStatus && Str(event.data, "status") != "running") {
        std::fprintf(err_, "run %s %s: %s\n", event.run_id.c_str(),
                     Str(event.data, "status").c_str(), Str(event.data, "reason").c_str());
      } else if (event.type == EventType::kError && event.data.value("fatal", false)) {
        std::fprintf(err_, "error: %s\n", Str(event.data, "message").c_str());
      }
      break;
    case PrintMode::kText:
      PrintText(event);
      break;
  }
  std::fflush(out_);
}

void RunPrinter::PrintText(const agent::Event& event) {
  const Json& d = event.data;
  std::string line;
  switch (event.type) {
    case EventType::kTask:
      line = "run " + event.run_id + ": " + Str(d, "task") + "\n";
      if (const Json config = d.value("config", Json::object()); config.contains("model")) {
        line += "model: " + Str(config, "model") + "\n";
      }
      break;
    case EventType::kPlanCreated:
      line = "\nPlan:\n" + Indent(Str(d, "text"), "  ");
      break;
    case EventType::kPlanChanged:
      line = "\nPlan changed" +
             (Str(d, "summary").empty() ? " by the user" : ": " + Str(d, "summary")) + "\n" +
             Indent(Str(d, "text"), "  ");
      break;
    case EventType::kSubtaskStarted:
      line = "\n== " + Str(d, "id") + " " + Str(d, "name") + "\n   goal: " + Brief(Str(d, "goal")) +
             "\n";
      break;
    case EventType::kSubtaskFinished:
      line = std::string("   ") + (d.value("success", false) ? "done: " : "failed: ") +
             Brief(Str(d, "result")) + "\n";
      break;
    case EventType::kLlmCall: {
      const Json usage = d.value("usage", Json::object());
      char buf[160];
      std::snprintf(
          buf, sizeof buf, "   . model (%s): %lld+%lld tokens, %.1f s\n", Str(d, "phase").c_str(),
          static_cast<long long>(usage.value("prompt_tokens", 0LL)),
          static_cast<long long>(usage.value("completion_tokens", 0LL)), d.value("seconds", 0.0));
      line = buf;
      break;
    }
    case EventType::kToolCall:
      line = "   -> " + Str(d, "name") + " " + Brief(Str(d, "arguments"), 120) + "\n";
      break;
    case EventType::kToolResult:
      line = d.value("ok", false)
                 ? "   <- " + OneLine(Str(d, "content")) + "\n"
                 : "   <- error " + Str(d.value("error", Json::object()), "code") + ": " +
                       Brief(Str(d.value("error", Json::object()), "message")) + "\n";
      break;
    case EventType::kHumanRequest:
      line = Str(d, "kind") == "question" ? "   ? " + Str(d, "question") + "\n" : "";
      break;
    case EventType::kHumanResponse:
      line = Str(d, "kind") == "question" ? "   answer: " + Brief(Str(d, "answer")) + "\n"
                                          : "   user: " + Str(d, "decision") + "\n";
      break;
    case EventType::kReflection:
      line = "   reflection: " + Brief(Str(d, "summary")) +
             (d.value("refine", false) ? " (refining the plan)" : "") + "\n";
      break;
    case EventType::kVerification: {
      char buf[160];
      std::snprintf(buf, sizeof buf, "\nverification: reliability %.2f (%s)\n",
                    d.value("reliability", 0.0),
                    d.value("reliable", false) ? "reliable" : "below the threshold");
      line = buf;
      break;
    }
    case EventType::kFinalAnswer:
      line = "\nAnswer: " + Str(d, "answer") + "\n";
      break;
    case EventType::kError:
      if (d.value("fatal", false)) {
        std::fprintf(err_, "error: %s\n", Str(d, "message").c_str());
        return;
      }
      line = "   ! " + Str(d, "kind") + ": " + Brief(Str(d, "message")) + "\n";
      break;
    case EventType::kRunStatus:
      line = Str(d, "status") == "running"
                 ? "resuming run " + event.run_id + "\n"
                 : "run " + event.run_id + " " + Str(d, "status") +
                       (Str(d, "reason").empty() ? "" : ": " + Str(d, "reason")) + "\n";
      break;
  }
  std::fputs(line.c_str(), out_);
}

}  // namespace sextant::cli
