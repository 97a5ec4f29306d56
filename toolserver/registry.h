// The set of tools a ToolServer serves, with each tool's compiled argument
// schema.
//
// Ownership: the registry owns its tools. Thread safety: Add only before the
// registry is shared; afterwards Find, List and Validate are const and may run
// from any number of threads. Errors: Add fails with invalid_argument for a
// bad name or an invalid parameters schema, and already_exists for a
// duplicate name; Validate reports arguments that break the schema as
// invalid_argument (see ArgumentErrors).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_schema.h"
#include "common/status.h"
#include "toolserver/tool.h"

namespace sextant::toolserver {

// One argument that failed the schema.
struct ArgumentError {
  std::string pointer;  // JSON Pointer into the arguments; "" is the whole object
  std::string message;  // e.g. "must be a string, got integer"
};

// [{"pointer": ..., "message": ...}, ...]
Json ArgumentErrorsToJson(const std::vector<ArgumentError>& errors);

// True for names of the form [a-zA-Z0-9_-]{1,64}.
bool IsValidToolName(std::string_view name);

class ToolRegistry {
 public:
  ToolRegistry() = default;
  ToolRegistry(const ToolRegistry&) = delete;
  ToolRegistry& operator=(const ToolRegistry&) = delete;

  [[nodiscard]] Status Add(std::unique_ptr<Tool> tool);

  // The tool, or nullptr when no tool has that name.
  Tool* Find(std::string_view name) const;

  // The schema errors of `arguments` for tool `name` (empty: valid). The tool
  // must exist.
  std::vector<ArgumentError> Validate(std::string_view name, const Json& arguments) const;

  // Every tool's OpenAI description, sorted by name.
  Json List() const;

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::unique_ptr<Tool> tool;
    JsonSchema schema;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

// "arguments/path: must be a string, got integer; ..." for a model to read.
std::string DescribeArgumentErrors(const std::vector<ArgumentError>& errors);

}  // namespace sextant::toolserver
