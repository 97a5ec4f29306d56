// Walks everything a reader returned: every metadata value and the first and
// last byte of every tensor, so that a bad pointer or size shows up under
// AddressSanitizer. Shared by the fuzz targets and the corpus replay test.
#pragma once

#include <cstdint>

#include "llm/runtime/gguf.h"
#include "llm/runtime/safetensors.h"

namespace sextant::fuzz {

inline uint64_t WalkGgufValue(const llm::GgufValue& v) {
  uint64_t sum = v.u + static_cast<uint64_t>(v.i) + (v.b ? 1 : 0) + v.str.size();
  if (!v.str.empty())
    sum += static_cast<uint8_t>(v.str.front()) + static_cast<uint8_t>(v.str.back());
  for (const llm::GgufValue& e : v.array) sum += WalkGgufValue(e);
  return sum;
}

// Returns a checksum so that the compiler keeps every read.
inline uint64_t WalkGguf(const llm::GgufFile& file) {
  uint64_t sum = file.version() + file.alignment();
  for (const llm::GgufKeyValue& kv : file.metadata()) {
    sum += kv.key.size() + WalkGgufValue(kv.value);
    if (file.Find(kv.key) != &kv.value) sum += 1;
  }
  for (const llm::GgufTensorInfo& t : file.tensors()) {
    sum += static_cast<uint64_t>(t.n_bytes) + t.shape.size();
    if (t.n_bytes > 0) sum += t.data[0] + t.data[t.n_bytes - 1];
    if (file.FindTensor(t.name) != &t) sum += 1;
  }
  return sum;
}

inline uint64_t WalkSafetensors(const llm::SafetensorsFile& file) {
  uint64_t sum = 0;
  for (const auto& [key, value] : file.metadata()) sum += key.size() + value.size();
  for (const llm::SafetensorsTensor& t : file.tensors()) {
    sum += static_cast<uint64_t>(t.n_bytes) + t.shape.size();
    if (t.n_bytes > 0) sum += t.data[0] + t.data[t.n_bytes - 1];
    if (file.Find(t.name) != &t) sum += 1;
  }
  return sum;
}

}  // namespace sextant::fuzz
