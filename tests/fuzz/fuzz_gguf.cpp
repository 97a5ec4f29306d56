// libFuzzer target: GgufFile::FromBuffer on arbitrary bytes, then a walk over
// everything it returned.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "llm/runtime/gguf.h"
#include "tests/fuzz/walk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto file = sextant::llm::GgufFile::FromBuffer(bytes);
  if (file.ok()) {
    volatile uint64_t sink = sextant::fuzz::WalkGguf(**file);
    (void)sink;
  }
  return 0;
}
