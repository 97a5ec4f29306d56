#include "llm/runtime/gguf_writer.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "llm/runtime/gguf.h"

namespace sextant::llm {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint32_t kVersion = 3;
constexpr int64_t kChunkBytes = int64_t{16} << 20;

template <typename T>
void Put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void PutString(std::string& out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  out.append(s);
}

void PutKey(std::string& out, std::string_view key, GgufType type) {
  PutString(out, key);
  Put<uint32_t>(out, static_cast<uint32_t>(type));
}

uint64_t AlignUp(uint64_t v) {
  return (v + GgufWriter::kAlignment - 1) / GgufWriter::kAlignment * GgufWriter::kAlignment;
}

}  // namespace

void GgufWriter::SetString(std::string_view key, std::string_view value) {
  PutKey(kv_, key, GgufType::kString);
  PutString(kv_, value);
  ++kv_count_;
}

void GgufWriter::SetUint32(std::string_view key, uint32_t value) {
  PutKey(kv_, key, GgufType::kUint32);
  Put(kv_, value);
  ++kv_count_;
}

void GgufWriter::SetInt32(std::string_view key, int32_t value) {
  PutKey(kv_, key, GgufType::kInt32);
  Put(kv_, value);
  ++kv_count_;
}

void GgufWriter::SetFloat32(std::string_view key, float value) {
  PutKey(kv_, key, GgufType::kFloat32);
  Put(kv_, value);
  ++kv_count_;
}

void GgufWriter::SetBool(std::string_view key, bool value) {
  PutKey(kv_, key, GgufType::kBool);
  Put<uint8_t>(kv_, value ? 1 : 0);
  ++kv_count_;
}

void GgufWriter::SetStringArray(std::string_view key, const std::vector<std::string>& values) {
  PutKey(kv_, key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(GgufType::kString));
  Put<uint64_t>(kv_, values.size());
  for (const std::string& v : values) PutString(kv_, v);
  ++kv_count_;
}

void GgufWriter::SetInt32Array(std::string_view key, const std::vector<int32_t>& values) {
  PutKey(kv_, key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(GgufType::kInt32));
  Put<uint64_t>(kv_, values.size());
  for (int32_t v : values) Put(kv_, v);
  ++kv_count_;
}

Status GgufWriter::AddTensor(std::string_view name, const std::vector<int64_t>& shape,
                             kernels::DType type) {
  if (shape.empty())
    return Status(StatusCode::kInvalidArgument, "gguf writer: tensor without dims");
  auto row = kernels::RowBytes(type, shape[0]);
  if (!row) {
    return Status(StatusCode::kInvalidArgument,
                  "gguf writer: '" + std::string(name) + "' rows of " + std::to_string(shape[0]) +
                      " do not fit " + std::string(kernels::DTypeName(type)) + " blocks");
  }
  int64_t bytes = *row;
  for (size_t i = 1; i < shape.size(); ++i) bytes *= shape[i];
  tensors_.push_back({std::string(name), shape, type, bytes});
  return Status::Ok();
}

Status GgufWriter::Write(const std::filesystem::path& path, const Fill& fill) const {
  std::string header;
  Put(header, kMagic);
  Put(header, kVersion);
  Put<uint64_t>(header, tensors_.size());
  Put<uint64_t>(header, kv_count_);
  header += kv_;
  uint64_t offset = 0;
  for (const TensorSpec& t : tensors_) {
    PutString(header, t.name);
    Put<uint32_t>(header, static_cast<uint32_t>(t.shape.size()));
    for (int64_t d : t.shape) Put<uint64_t>(header, static_cast<uint64_t>(d));
    Put<uint32_t>(header, static_cast<uint32_t>(t.type));
    Put<uint64_t>(header, offset);
    offset = AlignUp(offset + static_cast<uint64_t>(t.n_bytes));
  }
  header.resize(AlignUp(header.size()), '\0');

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status(StatusCode::kPermissionDenied, "cannot write " + path.string());
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  std::vector<uint8_t> chunk;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const int64_t n = tensors_[i].n_bytes;
    // Whole blocks per chunk, so a fill function never sees a split block.
    const int64_t block = kernels::BlockBytes(tensors_[i].type);
    const int64_t chunk_bytes = std::max(block, kChunkBytes / block * block);
    for (int64_t pos = 0; pos < n; pos += chunk_bytes) {
      const int64_t len = std::min(chunk_bytes, n - pos);
      chunk.assign(static_cast<size_t>(len), 0);
      fill(i, pos, std::span<uint8_t>(chunk.data(), chunk.size()));
      out.write(reinterpret_cast<const char*>(chunk.data()), len);
    }
    const uint64_t pad = AlignUp(static_cast<uint64_t>(n)) - static_cast<uint64_t>(n);
    if (i + 1 < tensors_.size() && pad > 0)
      out.write(std::string(pad, '\0').data(), static_cast<std::streamsize>(pad));
  }
  out.flush();
  if (!out)
    return Status(StatusCode::kResourceExhausted, "write failed (disk full?): " + path.string());
  return Status::Ok();
}

}  // namespace sextant::llm
