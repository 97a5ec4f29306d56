// GGUF parsing behind GgufFile: the parsed header, metadata and tensor infos
// of one buffer. Internal to the GGUF reader.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "llm/runtime/gguf.h"

namespace sextant::llm::gguf_internal {

struct GgufParsed {
  uint32_t version = 0;
  uint64_t alignment = 0;
  std::vector<GgufKeyValue> metadata;   // in file order
  std::vector<GgufTensorInfo> tensors;  // in file order; data points into `bytes`
};

// Parses and checks a whole GGUF file held in `bytes`; every string view and
// data pointer of the result points into `bytes`.
Result<GgufParsed> ParseGguf(std::string_view bytes, const GgufLimits& limits);

}  // namespace sextant::llm::gguf_internal
