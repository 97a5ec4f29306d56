// The agent's prompt texts. Each lives in agent/prompts/<name>.txt, is
// compiled into the binary, and may be replaced by a file of the same name in
// the directory that the config key agent.prompts_dir names.
//
// Templates use {{key}} placeholders, filled by FillPrompt.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sextant::agent {

class PromptSet {
 public:
  // The embedded texts.
  static PromptSet Embedded();
  // The embedded texts with the *.txt files of `dir` in place of the ones of
  // the same name. A file whose name is not a known prompt is
  // invalid_argument (a misspelled override must not go unnoticed); an
  // unreadable dir or file is not_found / permission_denied.
  static Result<PromptSet> WithOverrides(const std::filesystem::path& dir);

  // The text of `name`; every name in PromptNames() is present.
  const std::string& Get(std::string_view name) const;
  // Where each text came from: "embedded" or the override's path.
  const std::string& Source(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> texts_;
  std::map<std::string, std::string, std::less<>> sources_;
};

std::vector<std::string> PromptNames();

// `text` with each {{key}} replaced by vars.at(key). A placeholder with no
// value is left as it is, so a custom prompt's typo shows in the output.
std::string FillPrompt(std::string_view text, const std::map<std::string, std::string>& vars);

}  // namespace sextant::agent
