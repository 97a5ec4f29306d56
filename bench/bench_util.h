// Shared helpers for the benchmarks: machine reference probes (memory copy
// bandwidth, FMA peak), the CPU's name, a median and a plain-text table.
// Not thread-safe; each probe runs its own threads and takes about a second.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sextant::bench {

// Default buffer size of the copy probe: far larger than any cache.
inline constexpr size_t kCopyProbeBytes = size_t{256} << 20;

// Median over `reps` (at least 5) memcpy's of a `bytes` buffer, in GB/s
// (1e9 bytes/s), counting bytes read plus bytes written, as STREAM's Copy.
double MeasureCopyBandwidthGBs(size_t bytes = kCopyProbeBytes, int reps = 5);

// Peak float32 GFLOP/s of `threads` threads each running a register-resident
// FMA loop (8-wide AVX2 FMA when the CPU has it, else scalar multiply-add),
// counting one FMA as two flops. Median of 5 runs.
double MeasureFmaPeakGflops(int threads);

// "model name" from /proc/cpuinfo, or "unknown CPU".
std::string CpuModelName();

// Median of the values (mean of the middle two for an even count); 0 for none.
double Median(std::vector<double> values);

// Median wall time in seconds of `reps` calls of fn, after one warm-up call.
double MedianSeconds(int reps, const std::function<void()>& fn);

// Columns of text padded to their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> cells);
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // header first
};

// `value` with `digits` digits after the point.
std::string Fixed(double value, int digits);

// The comma-separated parts of s ("a,b" -> {"a", "b"}), for list flags.
std::vector<std::string> Split(const std::string& s);

// The whole of `text` as a decimal integer in [lo, hi], or nullopt (for a
// flag's value: "3x", "" and out-of-range values are rejected).
std::optional<int64_t> ParseIntIn(std::string_view text, int64_t lo, int64_t hi);

// Seconds since `start` on the steady clock.
double SecondsSince(std::chrono::steady_clock::time_point start);

// Bytes on disk of a SQLite database with its -wal and -shm files.
std::uintmax_t SqliteBytes(const std::filesystem::path& db);

}  // namespace sextant::bench
