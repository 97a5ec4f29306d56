// The prompt texts compiled into the binary (generated from agent/prompts/).
#pragma once

#include <string_view>
#include <vector>

namespace sextant::agent::internal {

struct EmbeddedPrompt {
  std::string_view name;  // the file name without ".txt"
  std::string_view text;
};

const std::vector<EmbeddedPrompt>& EmbeddedPrompts();

}  // namespace sextant::agent::internal
