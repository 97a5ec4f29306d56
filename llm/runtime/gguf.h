// GGUF reader (versions 2 and 3). Parses the header, every metadata value
// (all 13 value types, arrays nested to any depth within the limits) and
// the tensor infos, and maps tensor data in place.
//
// Every count, length, offset and size is checked against the file size and
// the limits before anything is allocated: a truncated, corrupt or hostile
// file gives a data_loss / invalid_argument / resource_exhausted Status that
// names the field and its byte offset, never a crash or a huge allocation.
//
// Thread safety: immutable after Open; safe to read from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kernels/dtype.h"

namespace sextant::llm {

class MappedFile;

// Limits on what a file may claim; exceeding one gives resource_exhausted.
// max_array_depth also bounds the parser's recursion: keep it small.
struct GgufLimits {
  int64_t max_string_bytes = int64_t{1} << 24;          // one key or string value
  int64_t max_array_elements = int64_t{1} << 24;        // one array
  int64_t max_total_array_elements = int64_t{1} << 26;  // all arrays together
  int64_t max_array_depth = 8;                          // arrays of arrays
  int64_t max_metadata_entries = int64_t{1} << 16;
  int64_t max_tensors = int64_t{1} << 16;
  int64_t max_dims = 4;
};

// GGUF metadata value types (the ids in the file).
enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};
std::string_view GgufTypeName(GgufType t);

// The layout of one ggml tensor type: a row is stored as consecutive blocks of
// `block_elements` values, each `block_bytes` bytes long.
struct GgmlTypeTraits {
  std::string_view name;  // "Q4_K", as GGUF tools print it
  int64_t block_elements = 1;
  int64_t block_bytes = 0;
};
// The traits of ggml type id `id` (every type ggml defines, including the ones
// this build cannot compute), or nullopt for an id ggml does not define.
std::optional<GgmlTypeTraits> GgmlTypeInfo(uint32_t id);

// One metadata value. Scalars are widened: unsigned ints into `u`, signed
// into `i`, floats into `f`. Strings point into the mapping.
struct GgufValue {
  GgufType type = GgufType::kUint8;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string_view str;
  GgufType elem_type = GgufType::kUint8;  // for arrays
  std::vector<GgufValue> array;           // for arrays
};

struct GgufKeyValue {
  std::string key;
  GgufValue value;
};

struct GgufTensorInfo {
  std::string name;
  // ggml order: shape[0] is the innermost (row length), as in the file.
  std::vector<int64_t> shape;
  uint32_t ggml_type = 0;              // the raw id in the file
  std::string type_name;               // "Q4_K", also for types this build cannot compute
  std::optional<kernels::DType> type;  // nullopt when unsupported here
  uint64_t offset = 0;                 // relative to the data section
  int64_t n_elements = 0;
  int64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // inside the mapping
};

class GgufFile {
 public:
  static Result<std::unique_ptr<GgufFile>> Open(const std::filesystem::path& path,
                                                const GgufLimits& limits = {});
  // Parses bytes the caller keeps alive for the GgufFile's lifetime (tests, fuzzing).
  static Result<std::unique_ptr<GgufFile>> FromBuffer(std::string_view bytes,
                                                      const GgufLimits& limits = {});
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  uint32_t version() const;
  uint64_t alignment() const;  // general.alignment, default 32
  const std::vector<GgufKeyValue>& metadata() const;
  const std::vector<GgufTensorInfo>& tensors() const;
  const GgufValue* Find(std::string_view key) const;
  const GgufTensorInfo* FindTensor(std::string_view name) const;

  // Typed getters: not_found when absent, invalid_argument (naming the key,
  // the expected and the actual type) when the type does not fit. GetInt
  // accepts any integer type whose value fits int64.
  Result<std::string> GetString(std::string_view key) const;
  Result<int64_t> GetInt(std::string_view key) const;
  Result<double> GetFloat(std::string_view key) const;  // any float or integer type
  Result<bool> GetBool(std::string_view key) const;
  Result<std::vector<std::string_view>> GetStringArray(std::string_view key) const;
  Result<std::vector<int64_t>> GetIntArray(std::string_view key) const;
  Result<std::vector<double>> GetFloatArray(std::string_view key) const;

 private:
  GgufFile();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sextant::llm
