#include "toolserver/registry.h"

#include <utility>

namespace sextant::toolserver {
namespace {

constexpr std::size_t kMaxToolNameBytes = 64;
constexpr std::size_t kMaxListedErrors = 5;

}  // namespace

bool IsValidToolName(std::string_view name) {
  if (name.empty() || name.size() > kMaxToolNameBytes) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Json ArgumentErrorsToJson(const std::vector<ArgumentError>& errors) {
  Json out = Json::array();
  for (const ArgumentError& e : errors)
    out.push_back({{"pointer", e.pointer}, {"message", e.message}});
  return out;
}

std::string DescribeArgumentErrors(const std::vector<ArgumentError>& errors) {
  std::string text;
  for (std::size_t i = 0; i < errors.size() && i < kMaxListedErrors; ++i) {
    if (!text.empty()) text += "; ";
    text += "arguments" + errors[i].pointer + ": " + errors[i].message;
  }
  if (errors.size() > kMaxListedErrors) {
    text += "; and " + std::to_string(errors.size() - kMaxListedErrors) + " more";
  }
  return text;
}

Status ToolRegistry::Add(std::unique_ptr<Tool> tool) {
  if (tool == nullptr) return InvalidArgumentError("tool registry: null tool");
  const ToolSpec& spec = tool->spec();
  if (!IsValidToolName(spec.name)) {
    return InvalidArgumentError("tool registry: bad tool name '" + spec.name +
                                "' (want [a-zA-Z0-9_-]{1,64})");
  }
  if (entries_.contains(spec.name)) {
    return AlreadyExistsError("tool registry: a tool named '" + spec.name + "' exists already");
  }
  if (!spec.parameters.is_object()) {
    return InvalidArgumentError("tool registry: tool '" + spec.name +
                                "': parameters must be a JSON Schema object");
  }
  auto schema = JsonSchema::Compile(spec.parameters);
  if (!schema.ok()) return schema.status().WithContext("tool registry: tool '" + spec.name + "'");
  std::string name = spec.name;
  entries_.emplace(std::move(name), Entry{std::move(tool), std::move(schema).value()});
  return Status::Ok();
}

Tool* ToolRegistry::Find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.tool.get();
}

std::vector<ArgumentError> ToolRegistry::Validate(std::string_view name,
                                                  const Json& arguments) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return {{"", "unknown tool"}};
  std::vector<ArgumentError> out;
  for (const SchemaError& e : it->second.schema.Validate(arguments)) {
    out.push_back({e.instance_location, e.message});
  }
  return out;
}

Json ToolRegistry::List() const {
  Json out = Json::array();
  for (const auto& [name, entry] : entries_) out.push_back(entry.tool->spec().ToOpenAi());
  return out;
}

}  // namespace sextant::toolserver
