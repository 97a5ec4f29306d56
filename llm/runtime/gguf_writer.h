// Writes GGUF version 3 files: metadata, tensor infos, then aligned tensor
// data streamed from a caller's fill function, so a multi-GB model never
// needs to sit in memory.
// Thread safety: none; build and write from one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kernels/dtype.h"

namespace sextant::llm {

class GgufWriter {
 public:
  static constexpr uint64_t kAlignment = 32;

  void SetString(std::string_view key, std::string_view value);
  void SetUint32(std::string_view key, uint32_t value);
  void SetInt32(std::string_view key, int32_t value);
  void SetFloat32(std::string_view key, float value);
  void SetBool(std::string_view key, bool value);
  void SetStringArray(std::string_view key, const std::vector<std::string>& values);
  void SetInt32Array(std::string_view key, const std::vector<int32_t>& values);

  // `shape` in ggml order (shape[0] is the row length). invalid_argument when
  // the row length does not fit the type's blocks.
  Status AddTensor(std::string_view name, const std::vector<int64_t>& shape, kernels::DType type);

  struct TensorSpec {
    std::string name;
    std::vector<int64_t> shape;
    kernels::DType type;
    int64_t n_bytes;
  };
  const std::vector<TensorSpec>& tensors() const { return tensors_; }

  // fill(index, byte_offset, out) writes bytes [byte_offset, +out.size()) of
  // tensor `index`; it is called in order, in chunks of whole blocks.
  using Fill = std::function<void(size_t index, int64_t byte_offset, std::span<uint8_t> out)>;
  Status Write(const std::filesystem::path& path, const Fill& fill) const;

 private:
  std::string kv_;  // encoded key/value pairs
  uint64_t kv_count_ = 0;
  std::vector<TensorSpec> tensors_;
};

}  // namespace sextant::llm
