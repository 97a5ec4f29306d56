// A tool the ToolServer serves: its OpenAI-style description and a call.
//
// Built-in tools (files, shell, python, web), MCP plugin tools and manifest
// tools all implement Tool, and the registry serves them alike. The server
// validates arguments against spec().parameters before Call, so Call may
// assume they satisfy the schema.
//
// Ownership: tools are owned by the registry (unique_ptr). Thread safety:
// Call is thread-safe; many sessions call one tool at once. Errors: Call
// returns a Status for the tool's failure (invalid_argument for a bad path,
// permission_denied for an escape, deadline_exceeded for a timeout, and so
// on); the server maps the code to the API's error.code.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "common/json.h"
#include "common/status.h"

namespace sextant::toolserver {

namespace sandbox {
class Sandbox;
enum class Network;
}  // namespace sandbox

struct ToolSpec {
  std::string name;  // [a-zA-Z0-9_-]{1,64}; plugin tools are "<server>__<tool>"
  std::string description;
  Json parameters;  // a JSON Schema object

  // {"type":"function","function":{"name","description","parameters"}}
  Json ToOpenAi() const;
};

// What a call may use. The pointers outlive the call.
struct ToolContext {
  std::string session_id;
  std::filesystem::path workspace;  // host path of the session's workspace
  std::chrono::steady_clock::time_point deadline;
  const sandbox::Sandbox* sandbox = nullptr;
  bool network_allowed = false;  // the session's policy
};

struct ToolOutput {
  std::string content;  // text for the model
  Json data = nullptr;  // structured result, or null
};

class Tool {
 public:
  virtual ~Tool() = default;
  virtual const ToolSpec& spec() const = 0;
  virtual Result<ToolOutput> Call(const ToolContext& context, const Json& arguments) = 0;
};

}  // namespace sextant::toolserver
