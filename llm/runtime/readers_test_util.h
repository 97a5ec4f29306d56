// Test helpers: small writers that build GGUF and safetensors bytes, valid or
// deliberately broken, for the reader tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "llm/runtime/gguf.h"

namespace sextant::llm::testing {

// Little-endian encodings of GGUF primitives.
inline std::string Le(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return out;
}
inline std::string U8(uint8_t v) { return Le(v, 1); }
inline std::string U16(uint16_t v) { return Le(v, 2); }
inline std::string U32(uint32_t v) { return Le(v, 4); }
inline std::string U64(uint64_t v) { return Le(v, 8); }
inline std::string F32(float v) {
  uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof(bits));
  return U32(bits);
}
inline std::string F64(double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(bits));
  return U64(bits);
}
inline std::string Str(std::string_view s) { return U64(s.size()) + std::string(s); }
inline std::string Type(GgufType t) { return U32(static_cast<uint32_t>(t)); }
// An array value: element type, count, then the encoded elements.
inline std::string Array(GgufType elem, const std::vector<std::string>& elems) {
  std::string out = Type(elem) + U64(elems.size());
  for (const std::string& e : elems) out += e;
  return out;
}

constexpr uint32_t kGgufMagicValue = 0x46554747;
constexpr uint64_t kGgufDefaultAlignment = 32;

// Builds a GGUF file. Tensor offsets default to a packed, aligned layout, and
// tensor data is a byte pattern that tests can check.
struct GgufBuilder {
  struct Tensor {
    std::string name;
    std::vector<uint64_t> dims;  // ggml order
    uint32_t type = 0;
    std::optional<uint64_t> offset;  // default: packed after the previous tensor
  };

  uint32_t magic = kGgufMagicValue;
  uint32_t version = 3;
  uint64_t alignment = kGgufDefaultAlignment;  // for layout; add general.alignment yourself
  std::optional<uint64_t> tensor_count;        // overrides the real count
  std::optional<uint64_t> kv_count;            // overrides the real count
  std::vector<std::string> kvs;                // encoded key, type and value
  std::vector<Tensor> tensors;
  // At most this many data bytes are written, so that hostile offsets and
  // sizes do not make the test allocate them.
  uint64_t data_limit = uint64_t{1} << 20;

  // Adds a key with a raw encoded value of `type`.
  GgufBuilder& Kv(std::string_view key, GgufType type, const std::string& value) {
    kvs.push_back(Str(key) + Type(type) + value);
    return *this;
  }
  GgufBuilder& AddTensor(std::string name, std::vector<uint64_t> dims, uint32_t type = 0) {
    tensors.push_back({std::move(name), std::move(dims), type, std::nullopt});
    return *this;
  }

  static uint64_t TensorBytes(const Tensor& t) {
    std::optional<GgmlTypeTraits> traits = GgmlTypeInfo(t.type);
    uint64_t n = 1;
    for (uint64_t d : t.dims) n *= d;
    if (!traits) return n;
    return n / static_cast<uint64_t>(traits->block_elements) *
           static_cast<uint64_t>(traits->block_bytes);
  }

  std::string Build() const {
    std::string out = U32(magic) + U32(version) + U64(tensor_count.value_or(tensors.size())) +
                      U64(kv_count.value_or(kvs.size()));
    for (const std::string& kv : kvs) out += kv;
    std::vector<uint64_t> offsets;
    uint64_t next = 0;
    uint64_t data_end = 0;
    for (const Tensor& t : tensors) {
      const uint64_t offset = t.offset.value_or((next + alignment - 1) / alignment * alignment);
      offsets.push_back(offset);
      next = offset + TensorBytes(t);
      data_end = std::max(data_end, next);
      out += Str(t.name) + U32(static_cast<uint32_t>(t.dims.size()));
      for (uint64_t d : t.dims) out += U64(d);
      out += U32(t.type) + U64(offset);
    }
    if (tensors.empty()) return out;
    out.resize((out.size() + alignment - 1) / alignment * alignment, '\0');
    const size_t data_start = out.size();
    const uint64_t data_size = std::min(data_end, data_limit);
    out.resize(data_start + data_size, '\0');
    for (uint64_t i = 0; i < data_size; ++i) out[data_start + i] = static_cast<char>(i * 31 + 7);
    return out;
  }
};

// A safetensors file from a header object and the data section.
inline std::string SafetensorsBytes(const Json& header, std::string_view data) {
  const std::string text = DumpJson(header);
  return U64(text.size()) + text + std::string(data);
}

// One tensor for BuildSafetensors: dtype, shape and raw bytes.
struct StTensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

// A valid safetensors file holding `tensors` packed in order.
inline std::string BuildSafetensors(const std::vector<StTensor>& tensors,
                                    const Json& metadata = Json()) {
  Json header = Json::object();
  std::string data;
  for (const StTensor& t : tensors) {
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", t.shape},
                      {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
    data += t.bytes;
  }
  if (!metadata.is_null()) header["__metadata__"] = metadata;
  return SafetensorsBytes(header, data);
}

}  // namespace sextant::llm::testing
