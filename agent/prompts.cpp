#include "agent/prompts.h"

#include <fstream>
#include <sstream>

#include "agent/internal/prompt_data.h"

namespace sextant::agent {

PromptSet PromptSet::Embedded() {
  PromptSet set;
  for (const internal::EmbeddedPrompt& prompt : internal::EmbeddedPrompts()) {
    set.texts_.emplace(std::string(prompt.name), std::string(prompt.text));
    set.sources_.emplace(std::string(prompt.name), "embedded");
  }
  return set;
}

Result<PromptSet> PromptSet::WithOverrides(const std::filesystem::path& dir) {
  PromptSet set = Embedded();
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    return Status(StatusCode::kNotFound,
                  "agent.prompts_dir: cannot read '" + dir.string() + "': " + ec.message());
  }
  for (const auto& entry : it) {
    if (entry.path().extension() != ".txt") continue;
    const std::string name = entry.path().stem().string();
    auto found = set.texts_.find(name);
    if (found == set.texts_.end()) {
      std::string known;
      for (const std::string& n : PromptNames()) known += (known.empty() ? "" : ", ") + n;
      return InvalidArgumentError("agent.prompts_dir: '" + entry.path().filename().string() +
                                  "' is not a prompt name; the prompts are " + known);
    }
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) {
      return Status(StatusCode::kPermissionDenied,
                    "agent.prompts_dir: cannot open '" + entry.path().string() + "'");
    }
    std::ostringstream text;
    text << in.rdbuf();
    found->second = text.str();
    set.sources_[name] = entry.path().string();
  }
  return set;
}

const std::string& PromptSet::Get(std::string_view name) const {
  static const std::string kEmpty;
  auto it = texts_.find(name);
  return it == texts_.end() ? kEmpty : it->second;
}

const std::string& PromptSet::Source(std::string_view name) const {
  static const std::string kEmpty;
  auto it = sources_.find(name);
  return it == sources_.end() ? kEmpty : it->second;
}

std::vector<std::string> PromptNames() {
  std::vector<std::string> names;
  for (const internal::EmbeddedPrompt& prompt : internal::EmbeddedPrompts()) {
    names.emplace_back(prompt.name);
  }
  return names;
}

std::string FillPrompt(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(text.substr(pos, open - pos));
    const std::string key(text.substr(open + 2, close - open - 2));
    auto it = vars.find(key);
    if (it != vars.end()) {
      out += it->second;
    } else {
      out.append(text.substr(open, close + 2 - open));
    }
    pos = close + 2;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace sextant::agent
