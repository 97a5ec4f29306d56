// safetensors reader: one file (8-byte header length, JSON header, data), or
// a Hugging Face model folder with config.json and either model.safetensors
// or model.safetensors.index.json naming shards.
//
// The header length, the JSON (size and depth bounded), every dtype, shape
// and data_offsets pair are checked against the file before use: a bad file
// gives a clear Status naming the tensor and field, never a crash. Tensor
// data ranges may not overlap; gaps between them are allowed.
//
// Thread safety: immutable after Open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/status.h"
#include "kernels/dtype.h"

namespace sextant::llm {

// Limits on what a file may claim; exceeding one gives resource_exhausted.
struct SafetensorsLimits {
  // The JSON header of one file; also bounds config.json and the shard index.
  int64_t max_header_bytes = int64_t{100} << 20;
  int64_t max_tensors = int64_t{1} << 20;
  int64_t max_dims = 8;
  int64_t max_shards = 1024;
};

struct SafetensorsTensor {
  std::string name;
  std::string dtype_name;  // as in the file: "BF16", "F32", "I64", ...
  // True for F32, F16 and BF16, the dtypes the runtime computes with. Other
  // dtypes (I64, F64, BOOL, U8, F8_E4M3, ...) are still read and bounds-checked,
  // but then `dtype` is meaningless.
  bool supported = false;
  kernels::DType dtype = kernels::DType::kF32;  // F32, F16 or BF16 only
  // Row-major, outermost first, as in the file (a Linear weight is [out, in]).
  std::vector<int64_t> shape;
  int64_t n_elements = 0;
  int64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // inside the mapping
};

class SafetensorsFile {
 public:
  static Result<std::unique_ptr<SafetensorsFile>> Open(const std::filesystem::path& path,
                                                       const SafetensorsLimits& limits = {});
  // Parses bytes the caller keeps alive (tests, fuzzing).
  static Result<std::unique_ptr<SafetensorsFile>> FromBuffer(std::string_view bytes,
                                                             const SafetensorsLimits& limits = {});
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::vector<SafetensorsTensor>& tensors() const;
  const SafetensorsTensor* Find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const;  // "__metadata__"

 private:
  SafetensorsFile();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A model folder: config.json (a JSON object) plus model.safetensors, or
// model.safetensors.index.json whose "weight_map" maps each tensor name to a
// shard. Shards must be plain file names inside the folder; each is opened
// once, every weight_map entry must be in its shard, and a tensor found in
// two shards is an error. Errors: not_found (missing config or weights),
// invalid_argument, data_loss, resource_exhausted (max_shards and the file
// limits).
class SafetensorsModel {
 public:
  static Result<std::unique_ptr<SafetensorsModel>> Open(const std::filesystem::path& dir,
                                                        const SafetensorsLimits& limits = {});
  ~SafetensorsModel();
  SafetensorsModel(const SafetensorsModel&) = delete;
  SafetensorsModel& operator=(const SafetensorsModel&) = delete;

  const std::filesystem::path& dir() const;
  const Json& config() const;  // config.json
  // Every tensor of every shard (a name appears once).
  std::vector<const SafetensorsTensor*> tensors() const;
  const SafetensorsTensor* Find(std::string_view name) const;

 private:
  SafetensorsModel();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::llm
