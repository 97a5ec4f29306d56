// Sampling on the GPU: greedy against a plain CPU argmax with the same tie
// and NaN rules; top-k / top-p / min-p with temperature against a double
// precision CPU version of llm::Sampler's procedure.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/cuda_test_util.h"

namespace sextant::kernels::cuda {
namespace {

using testing::ToDevice;

// The lowest index of the largest non-NaN value; 0 when there is none.
int32_t CpuArgmax(const float* row, int64_t n) {
  int32_t best = -1;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(row[i])) continue;
    if (best < 0 || row[i] > row[best]) best = static_cast<int32_t>(i);
  }
  return best < 0 ? 0 : best;
}

std::vector<int32_t> GpuArgmax(const std::vector<float>& logits, int64_t rows, int64_t n) {
  DeviceBuffer d_logits = ToDevice(logits);
  DeviceBuffer d_ids = ToDevice(std::vector<int32_t>(static_cast<size_t>(rows), -7));
  const Status st = ArgmaxRows(d_logits.as<float>(), rows, n, d_ids.as<int32_t>(), nullptr);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<int32_t> ids(static_cast<size_t>(rows));
  EXPECT_TRUE(d_ids.CopyToHost(ids.data(), rows * static_cast<int64_t>(sizeof(int32_t))).ok());
  return ids;
}

TEST(ArgmaxRowsTest, MatchesCpuOnRealVocabularySizes) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (const int64_t n : {1, 7, 1024 + 3, 128256, 151936}) {
    for (const int64_t rows : {1, 3, 8}) {
      std::vector<float> logits(static_cast<size_t>(rows * n));
      for (auto& v : logits) v = dist(rng);
      const auto ids = GpuArgmax(logits, rows, n);
      for (int64_t r = 0; r < rows; ++r) {
        EXPECT_EQ(ids[r], CpuArgmax(&logits[r * n], n)) << "n " << n << " row " << r;
      }
    }
  }
}

TEST(ArgmaxRowsTest, TiesGoToTheLowestIndexAndNanNeverWins) {
  SEXTANT_SKIP_WITHOUT_GPU();
  constexpr int64_t kN = 5000;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> logits(3 * kN, 0.0f);
  logits[4999] = 2.0f;  // row 0: a tie far apart, across warps
  logits[17] = 2.0f;
  logits[kN + 3] = nan;  // row 1: NaN beside the maximum
  logits[kN + 4] = 1.0f;
  for (int64_t i = 0; i < kN; ++i) logits[2 * kN + i] = nan;  // row 2: only NaN
  EXPECT_EQ(GpuArgmax(logits, 3, kN), (std::vector<int32_t>{17, 4, 0}));
  std::vector<float> all_neg_inf(kN, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(GpuArgmax(all_neg_inf, 1, kN), (std::vector<int32_t>{0}));
}

TEST(ArgmaxRowsTest, RejectsBadArguments) {
  float v = 0.0f;
  int32_t id = 0;
  EXPECT_EQ(ArgmaxRows(nullptr, 1, 1, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ArgmaxRows(&v, 1, 0, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ArgmaxRows(&v, -1, 1, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ArgmaxRows(&v, 0, 1, &id, nullptr).ok());
}

// A draw or top-p cut whose cumulative mass lies within this fraction of the
// total from the target may differ between the two summation orders.
constexpr double kBoundaryTolerance = 1e-6;

struct Candidate {
  float logit;
  int32_t id;
};

// The non-NaN logits of a row in Sampler order (larger first, ties to the
// lower id), the first `limit` of them.
std::vector<Candidate> SortedCandidates(const float* row, int64_t n, int64_t limit) {
  std::vector<Candidate> c;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isnan(row[i])) c.push_back({row[i], static_cast<int32_t>(i)});
  }
  const auto before = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  const auto keep = std::min<size_t>(c.size(), static_cast<size_t>(limit));
  std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(keep), c.end(), before);
  c.resize(keep);
  return c;
}

struct RefDraw {
  int32_t id = 0;
  bool near_boundary = false;
};

// Sampler::Sample without penalties, on candidates from SortedCandidates
// (at least top_k of them, or all).
RefDraw CpuSample(const std::vector<Candidate>& sorted, const SampleParams& p, float u) {
  RefDraw r;
  if (sorted.empty()) return r;
  if (p.temperature <= 0) return RefDraw{sorted[0].id, false};
  size_t m = std::min(sorted.size(), static_cast<size_t>(p.top_k));
  const float max_logit = sorted[0].logit;
  if (std::isinf(max_logit)) return RefDraw{sorted[0].id, false};
  const auto near = [](double cum, double target, double total) {
    return std::fabs(cum - target) <= kBoundaryTolerance * total;
  };
  if (p.top_p < 1 && m > 1) {
    double total = 0;
    for (size_t i = 0; i < m; ++i)
      total += std::exp(static_cast<double>(sorted[i].logit - max_logit));
    const double target = static_cast<double>(p.top_p) * total;
    double cum = 0;
    for (size_t i = 0; i < m; ++i) {
      cum += std::exp(static_cast<double>(sorted[i].logit - max_logit));
      r.near_boundary = r.near_boundary || near(cum, target, total);
      if (cum >= target) {
        m = i + 1;
        break;
      }
    }
  }
  if (p.min_p > 0 && m > 1) {
    const float threshold = max_logit + std::log(p.min_p);
    size_t kept = 1;
    while (kept < m && sorted[kept].logit >= threshold) ++kept;
    m = kept;
  }
  const double inv_temp = 1.0 / static_cast<double>(p.temperature);
  std::vector<double> prob(m);
  double total = 0;
  for (size_t i = 0; i < m; ++i) {
    prob[i] = std::exp(static_cast<double>(sorted[i].logit - max_logit) * inv_temp);
    total += prob[i];
  }
  const double target = static_cast<double>(u) * total;
  double cum = 0;
  for (size_t i = 0; i < m; ++i) {
    cum += prob[i];
    r.near_boundary = r.near_boundary || near(cum, target, total);
    if (target < cum) {
      r.id = sorted[i].id;
      return r;
    }
  }
  for (size_t i = m; i-- > 0;) {
    if (prob[i] > 0) {
      r.id = sorted[i].id;
      return r;
    }
  }
  r.id = sorted[0].id;
  return r;
}

// A float in [0, 1) from 24 random bits.
float Uniform(std::mt19937& rng) {
  constexpr int kBits = 24;
  return static_cast<float>(rng() >> (32 - kBits)) / static_cast<float>(1 << kBits);
}

std::vector<int32_t> GpuSample(const DeviceBuffer& d_logits, int64_t rows, int64_t n,
                               const SampleParams& p, const std::vector<float>& uniforms) {
  DeviceBuffer d_uniforms = ToDevice(uniforms);
  DeviceBuffer d_ids = ToDevice(std::vector<int32_t>(static_cast<size_t>(rows), -7));
  const Status st = SampleRows(d_logits.as<float>(), rows, n, p, d_uniforms.as<float>(),
                               d_ids.as<int32_t>(), nullptr);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<int32_t> ids(static_cast<size_t>(rows));
  EXPECT_TRUE(d_ids.CopyToHost(ids.data(), rows * static_cast<int64_t>(sizeof(int32_t))).ok());
  return ids;
}

std::vector<SampleParams> ParamGrid() {
  std::vector<SampleParams> grid;
  for (const int32_t top_k : {1, 40, 1024}) {
    for (const float top_p : {1.0f, 0.9f, 0.5f}) {
      for (const float min_p : {0.0f, 0.05f}) {
        for (const float temperature : {0.0f, 0.7f, 1.5f}) {
          grid.push_back(SampleParams{temperature, top_k, top_p, min_p});
        }
      }
    }
  }
  return grid;
}

// Continuous logits, and logits rounded to halves (many ties across the
// k-th boundary), on real vocabulary sizes and every parameter set.
TEST(SampleRowsTest, MatchesCpuSamplerOnRandomLogits) {
  SEXTANT_SKIP_WITHOUT_GPU();
  std::mt19937 rng(23);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  const std::vector<SampleParams> grid = ParamGrid();
  int compared = 0;
  int near = 0;
  int near_differ = 0;
  for (const bool coarse : {false, true}) {
    for (const int64_t n : {1, 7, 1000, 151936}) {
      const int64_t rows = n == 1 ? 1 : (n == 7 ? 5 : 8);
      std::vector<float> logits(static_cast<size_t>(rows * n));
      for (auto& v : logits) v = coarse ? std::round(dist(rng) * 2.0f) / 2.0f : dist(rng);
      DeviceBuffer d_logits = ToDevice(logits);
      std::vector<std::vector<Candidate>> sorted;
      for (int64_t r = 0; r < rows; ++r) {
        sorted.push_back(SortedCandidates(&logits[r * n], n, kMaxGpuTopK));
      }
      for (const SampleParams& p : grid) {
        std::vector<float> uniforms(static_cast<size_t>(rows));
        for (auto& u : uniforms) u = Uniform(rng);
        const auto ids = GpuSample(d_logits, rows, n, p, uniforms);
        for (int64_t r = 0; r < rows; ++r) {
          const RefDraw ref = CpuSample(sorted[r], p, uniforms[r]);
          ++compared;
          if (ref.near_boundary) {
            ++near;
            near_differ += ids[r] != ref.id ? 1 : 0;
            continue;
          }
          EXPECT_EQ(ids[r], ref.id)
              << "n " << n << " row " << r << " coarse " << coarse << " top_k " << p.top_k
              << " top_p " << p.top_p << " min_p " << p.min_p << " temperature " << p.temperature;
        }
      }
    }
  }
  std::printf("SampleRows vs CPU: %d rows, %d near a boundary (%d of them differ)\n", compared,
              near, near_differ);
  EXPECT_LE(near, compared / 100 + 2);
}

// 100 logits of 1.0 spread over 5000 ids (the rest 0): top_k 40 keeps the 40
// lowest of those ids, in id order, each with mass 1/40.
TEST(SampleRowsTest, TiesAtTheKthBoundaryTakeTheLowerIds) {
  SEXTANT_SKIP_WITHOUT_GPU();
  constexpr int64_t kN = 5000;
  constexpr int kTied = 100;
  constexpr int kTopK = 40;
  std::mt19937 rng(5);
  std::vector<int32_t> tied_ids;
  std::vector<float> row(kN, 0.0f);
  while (static_cast<int>(tied_ids.size()) < kTied) {
    const auto id = static_cast<int32_t>(rng() % kN);
    if (row[static_cast<size_t>(id)] == 0.0f) {
      row[static_cast<size_t>(id)] = 1.0f;
      tied_ids.push_back(id);
    }
  }
  std::sort(tied_ids.begin(), tied_ids.end());
  for (const int32_t top_k : {kTopK, kTied, kTied + 7}) {
    const int64_t rows = std::min(top_k, kTied);
    std::vector<float> logits;
    std::vector<float> uniforms;
    for (int64_t r = 0; r < rows; ++r) {
      logits.insert(logits.end(), row.begin(), row.end());
      uniforms.push_back((static_cast<float>(r) + 0.5f) / static_cast<float>(top_k));
    }
    DeviceBuffer d_logits = ToDevice(logits);
    const SampleParams p{1.0f, top_k, 1.0f, 0.0f};
    const auto ids = GpuSample(d_logits, rows, kN, p, uniforms);
    if (top_k <= kTied) {
      EXPECT_EQ(ids, std::vector<int32_t>(tied_ids.begin(), tied_ids.begin() + rows));
    }
    const auto sorted = SortedCandidates(row.data(), kN, kMaxGpuTopK);
    for (int64_t r = 0; r < rows; ++r) {
      EXPECT_EQ(ids[r], CpuSample(sorted, p, uniforms[r]).id) << "top_k " << top_k << " row " << r;
    }
  }
}

// A whole vocabulary of equal logits: the top k are ids 0..k-1.
TEST(SampleRowsTest, AllEqualLogitsKeepTheLowestIds) {
  SEXTANT_SKIP_WITHOUT_GPU();
  constexpr int64_t kN = 151936;
  constexpr int64_t kRows = 40;
  DeviceBuffer d_logits = ToDevice(std::vector<float>(static_cast<size_t>(kRows * kN), -2.5f));
  for (const int32_t top_k : {40, 1000}) {
    // Row r draws the candidate at position step * r, each of mass 1 / top_k.
    const int64_t step = top_k / kRows;
    std::vector<float> uniforms;
    for (int64_t r = 0; r < kRows; ++r) {
      uniforms.push_back((static_cast<float>(step * r) + 0.5f) / static_cast<float>(top_k));
    }
    const auto ids =
        GpuSample(d_logits, kRows, kN, SampleParams{1.0f, top_k, 1.0f, 0.0f}, uniforms);
    for (int64_t r = 0; r < kRows; ++r) EXPECT_EQ(ids[r], step * r) << "top_k " << top_k;
  }
}

TEST(SampleRowsTest, NanIsNeverPicked) {
  SEXTANT_SKIP_WITHOUT_GPU();
  constexpr int64_t kN = 1000;
  constexpr int64_t kRows = 64;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> logits(kRows * kN);
  std::vector<float> uniforms(kRows);
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t i = 0; i < kN; ++i) {
      // Rows past the first keep only a few numbers; row 1 is all NaN.
      const bool keep = r == 0 ? i % 2 == 0 : (r > 1 && i % 97 == 3);
      logits[r * kN + i] = keep ? dist(rng) : (i % 3 == 0 ? -nan : nan);
    }
    uniforms[r] = Uniform(rng);
  }
  DeviceBuffer d_logits = ToDevice(logits);
  for (const int32_t top_k : {1, 40, 1024}) {
    const SampleParams p{1.5f, top_k, 1.0f, 0.0f};
    const auto ids = GpuSample(d_logits, kRows, kN, p, uniforms);
    EXPECT_EQ(ids[1], 0);
    for (int64_t r = 0; r < kRows; ++r) {
      if (r != 1) {
        EXPECT_FALSE(std::isnan(logits[r * kN + ids[r]])) << "row " << r;
      }
      const auto sorted = SortedCandidates(&logits[r * kN], kN, kMaxGpuTopK);
      EXPECT_EQ(ids[r], CpuSample(sorted, p, uniforms[r]).id) << "top_k " << top_k << " row " << r;
    }
  }
}

TEST(SampleRowsTest, TemperatureZeroEqualsArgmax) {
  SEXTANT_SKIP_WITHOUT_GPU();
  constexpr int64_t kN = 151936;
  constexpr int64_t kRows = 8;
  std::mt19937 rng(17);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> logits(kRows * kN);
  for (auto& v : logits) v = dist(rng);
  DeviceBuffer d_logits = ToDevice(logits);
  const SampleParams p{0.0f, 40, 0.5f, 0.05f};
  EXPECT_EQ(GpuSample(d_logits, kRows, kN, p, std::vector<float>(kRows, 0.99f)),
            GpuArgmax(logits, kRows, kN));
}

// 20000 draws with host uniforms follow the probabilities that top-k, top-p,
// min-p and the temperature leave.
TEST(SampleRowsTest, DrawsFollowTheKeptDistribution) {
  SEXTANT_SKIP_WITHOUT_GPU();
  const std::vector<float> row = {0.5f, 2.0f, -3.0f, 1.0f, 0.0f, 1.9f, -1.0f, 0.2f};
  const auto n = static_cast<int64_t>(row.size());
  constexpr int64_t kDraws = 20000;
  const SampleParams p{0.8f, 6, 0.95f, 0.3f};
  // Kept by hand: top_k 6 keeps ids 1, 5, 3, 0, 7, 4; top_p 0.95 of the
  // temperature-1 mass drops id 4; min_p 0.3 drops logits below
  // 2 + ln 0.3 = 0.80 (ids 0 and 7).
  const std::vector<int32_t> kept = {1, 5, 3};
  std::vector<double> expected(static_cast<size_t>(n), 0.0);
  double total = 0;
  for (const int32_t id : kept) {
    expected[static_cast<size_t>(id)] = std::exp((row[static_cast<size_t>(id)] - 2.0) / 0.8);
    total += expected[static_cast<size_t>(id)];
  }
  for (auto& e : expected) e /= total;
  std::vector<float> logits;
  std::vector<float> uniforms;
  std::mt19937 rng(31);
  for (int64_t d = 0; d < kDraws; ++d) {
    logits.insert(logits.end(), row.begin(), row.end());
    uniforms.push_back(Uniform(rng));
  }
  DeviceBuffer d_logits = ToDevice(logits);
  const auto ids = GpuSample(d_logits, kDraws, n, p, uniforms);
  std::vector<double> freq(static_cast<size_t>(n), 0.0);
  for (const int32_t id : ids) {
    ASSERT_TRUE(id >= 0 && id < n);
    freq[static_cast<size_t>(id)] += 1.0 / kDraws;
  }
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_NEAR(freq[i], expected[i], 0.01) << "id " << i;
  }
}

TEST(SampleRowsTest, CapturedInAGraph) {
  SEXTANT_SKIP_WITHOUT_GPU();
  constexpr int64_t kN = 128256;
  constexpr int64_t kRows = 4;
  std::mt19937 rng(41);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> logits(kRows * kN);
  for (auto& v : logits) v = dist(rng);
  std::vector<float> uniforms(kRows);
  for (auto& u : uniforms) u = Uniform(rng);
  DeviceBuffer d_logits = ToDevice(logits);
  DeviceBuffer d_uniforms = ToDevice(uniforms);
  DeviceBuffer d_ids = ToDevice(std::vector<int32_t>(kRows, -7));
  const SampleParams p{0.7f, 40, 0.9f, 0.05f};
  auto stream = CreateStream();
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(Graph::BeginCapture(*stream).ok());
  ASSERT_TRUE(SampleRows(d_logits.as<float>(), kRows, kN, p, d_uniforms.as<float>(),
                         d_ids.as<int32_t>(), *stream)
                  .ok());
  auto graph = Graph::EndCapture(*stream);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  ASSERT_TRUE(graph->Launch(*stream).ok());
  ASSERT_TRUE(Synchronize(*stream).ok());
  std::vector<int32_t> ids(kRows);
  ASSERT_TRUE(d_ids.CopyToHost(ids.data(), kRows * static_cast<int64_t>(sizeof(int32_t))).ok());
  EXPECT_EQ(ids, GpuSample(d_logits, kRows, kN, p, uniforms));
  DestroyStream(*stream);
}

// Prints the time per call next to ArgmaxRows (launch included); not asserted.
TEST(SampleRowsTest, ReportsTimePerCall) {
  SEXTANT_SKIP_WITHOUT_GPU();
  constexpr int64_t kN = 128256;
  constexpr int kCalls = 200;
  std::mt19937 rng(43);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (const int64_t rows : {1, 8}) {
    std::vector<float> logits(static_cast<size_t>(rows * kN));
    for (auto& v : logits) v = dist(rng);
    DeviceBuffer d_logits = ToDevice(logits);
    DeviceBuffer d_uniforms = ToDevice(std::vector<float>(static_cast<size_t>(rows), 0.5f));
    DeviceBuffer d_ids = ToDevice(std::vector<int32_t>(static_cast<size_t>(rows), 0));
    const auto time_us = [&](const SampleParams& p) {
      const auto call = [&] {
        return SampleRows(d_logits.as<float>(), rows, kN, p, d_uniforms.as<float>(),
                          d_ids.as<int32_t>(), nullptr);
      };
      EXPECT_TRUE(call().ok());
      EXPECT_TRUE(Synchronize(nullptr).ok());
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < kCalls; ++i) EXPECT_TRUE(call().ok());
      EXPECT_TRUE(Synchronize(nullptr).ok());
      const std::chrono::duration<double, std::micro> us = std::chrono::steady_clock::now() - start;
      return us.count() / kCalls;
    };
    std::printf(
        "n %lld rows %lld: argmax %.1f us, top_k 40 %.1f us, top_k 1024 top_p 0.9 %.1f us\n",
        static_cast<long long>(kN), static_cast<long long>(rows),
        time_us(SampleParams{0.0f, 40, 1.0f, 0.0f}), time_us(SampleParams{0.8f, 40, 0.9f, 0.05f}),
        time_us(SampleParams{0.8f, 1024, 0.9f, 0.0f}));
  }
}

TEST(SampleRowsTest, RejectsBadArguments) {
  float v = 0.0f;
  float u = 0.5f;
  int32_t id = 0;
  const SampleParams ok{1.0f, 40, 0.9f, 0.05f};
  EXPECT_TRUE(SampleRows(&v, 0, 1, ok, &u, &id, nullptr).ok());
  EXPECT_EQ(SampleRows(nullptr, 1, 1, ok, &u, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SampleRows(&v, 1, 1, ok, nullptr, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SampleRows(&v, 1, 1, ok, &u, nullptr, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SampleRows(&v, 1, 0, ok, &u, &id, nullptr).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SampleRows(&v, -1, 1, ok, &u, &id, nullptr).code(), StatusCode::kInvalidArgument);
  const auto field_error = [&](SampleParams p, const char* field) {
    const Status st = SampleRows(&v, 1, 1, p, &u, &id, nullptr);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << field;
    EXPECT_NE(st.message().find(field), std::string::npos) << st.ToString();
  };
  SampleParams p = ok;
  p.temperature = std::numeric_limits<float>::infinity();
  field_error(p, "temperature");
  for (const int32_t top_k : {0, -1, static_cast<int32_t>(kMaxGpuTopK) + 1}) {
    p = ok;
    p.top_k = top_k;
    field_error(p, "top_k");
  }
  for (const float top_p : {0.0f, -0.5f, 1.01f, std::numeric_limits<float>::quiet_NaN()}) {
    p = ok;
    p.top_p = top_p;
    field_error(p, "top_p");
  }
  for (const float min_p : {-0.01f, 1.5f, std::numeric_limits<float>::quiet_NaN()}) {
    p = ok;
    p.min_p = min_p;
    field_error(p, "min_p");
  }
}

}  // namespace
}  // namespace sextant::kernels::cuda
