#include <set>

#include "toolserver/plugins/mcp_result.h"
#include "toolserver/plugins/plugins.h"

namespace sextant::toolserver::plugins {
namespace {

// The longest server name that leaves room for "__" and a one-letter tool.
constexpr std::size_t kMaxServerNameLength = kMaxToolNameLength - 3;

Status ServerError(std::size_t index, std::string_view name, std::string_view field,
                   std::string_view problem) {
  std::string where = "mcp_servers[" + std::to_string(index) + "]";
  if (!name.empty()) where += " ('" + std::string(name) + "')";
  return InvalidArgumentError("plugins config: " + where + "." + std::string(field) + " " +
                              std::string(problem));
}

Status ReadMillis(const Json& server, std::size_t index, std::string_view name,
                  std::string_view key, std::chrono::milliseconds& out) {
  auto it = server.find(key);
  if (it == server.end()) return Status::Ok();
  if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return ServerError(index, name, key, "must be a positive integer (milliseconds)");
  }
  out = std::chrono::milliseconds(it->get<std::int64_t>());
  return Status::Ok();
}

Result<McpServerConfig> ParseServer(const Json& server, std::size_t index) {
  if (!server.is_object()) return ServerError(index, "", "", "must be an object");
  static const std::set<std::string, std::less<>> kKnown = {"name",
                                                            "command",
                                                            "args",
                                                            "env",
                                                            "start_timeout_ms",
                                                            "call_timeout_ms",
                                                            "max_restarts",
                                                            "max_message_bytes",
                                                            "probe_timeout_ms",
                                                            "restart_backoff_initial_ms",
                                                            "restart_backoff_max_ms",
                                                            "restart_reset_after_ms"};
  McpServerConfig c;
  auto name = server.find("name");
  if (name == server.end() || !name->is_string()) {
    return ServerError(index, "", "name", "is missing or not a string");
  }
  c.name = name->get<std::string>();
  if (c.name.size() > kMaxServerNameLength || !IsValidToolName(c.name)) {
    return ServerError(index, c.name, "name", "must match [a-zA-Z0-9_-]{1,61}");
  }
  for (const auto& [key, value] : server.items()) {
    if (!kKnown.contains(key)) return ServerError(index, c.name, key, "is not a known field");
  }
  auto command = server.find("command");
  if (command == server.end() || !command->is_string() || command->get<std::string>().empty()) {
    return ServerError(index, c.name, "command", "must be a non-empty string");
  }
  c.command = command->get<std::string>();
  if (auto args = server.find("args"); args != server.end()) {
    if (!args->is_array()) return ServerError(index, c.name, "args", "must be an array of strings");
    for (const Json& a : *args) {
      if (!a.is_string()) return ServerError(index, c.name, "args", "must hold only strings");
      c.args.push_back(a.get<std::string>());
    }
  }
  if (auto env = server.find("env"); env != server.end()) {
    if (!env->is_object()) return ServerError(index, c.name, "env", "must be an object of strings");
    for (const auto& [key, value] : env->items()) {
      if (key.empty() || key.find('=') != std::string::npos || !value.is_string()) {
        return ServerError(index, c.name, "env." + key,
                           "must be a string, under a name without '='");
      }
      c.env.emplace_back(key, value.get<std::string>());
    }
  }
  SEXTANT_RETURN_IF_ERROR(ReadMillis(server, index, c.name, "start_timeout_ms", c.start_timeout));
  SEXTANT_RETURN_IF_ERROR(ReadMillis(server, index, c.name, "call_timeout_ms", c.call_timeout));
  SEXTANT_RETURN_IF_ERROR(ReadMillis(server, index, c.name, "probe_timeout_ms", c.probe_timeout));
  SEXTANT_RETURN_IF_ERROR(
      ReadMillis(server, index, c.name, "restart_backoff_initial_ms", c.restart_backoff_initial));
  SEXTANT_RETURN_IF_ERROR(
      ReadMillis(server, index, c.name, "restart_backoff_max_ms", c.restart_backoff_max));
  SEXTANT_RETURN_IF_ERROR(
      ReadMillis(server, index, c.name, "restart_reset_after_ms", c.restart_reset_after));
  if (auto r = server.find("max_restarts"); r != server.end()) {
    if (!r->is_number_integer() || r->get<std::int64_t>() < 0 ||
        r->get<std::int64_t>() > std::numeric_limits<int>::max()) {
      return ServerError(index, c.name, "max_restarts", "must be a non-negative integer");
    }
    c.max_restarts = r->get<int>();
  }
  if (auto m = server.find("max_message_bytes"); m != server.end()) {
    if (!m->is_number_integer() || m->get<std::int64_t>() <= 0) {
      return ServerError(index, c.name, "max_message_bytes", "must be a positive integer");
    }
    c.max_message_bytes = m->get<std::size_t>();
  }
  return c;
}

}  // namespace

Result<PluginsConfig> ParsePluginsConfig(const Json& json, const std::filesystem::path& base_dir) {
  if (!json.is_object()) return InvalidArgumentError("plugins config: not a JSON object");
  PluginsConfig config;
  for (const auto& [key, value] : json.items()) {
    if (key != "mcp_servers" && key != "manifests") {
      return InvalidArgumentError("plugins config: unknown field \"" + key + "\"");
    }
  }
  if (auto servers = json.find("mcp_servers"); servers != json.end()) {
    if (!servers->is_array()) {
      return InvalidArgumentError("plugins config: mcp_servers must be an array");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < servers->size(); ++i) {
      SEXTANT_ASSIGN_OR_RETURN(McpServerConfig server, ParseServer((*servers)[i], i));
      if (!names.insert(server.name).second) {
        return ServerError(i, server.name, "name", "is used by another server");
      }
      config.mcp_servers.push_back(std::move(server));
    }
  }
  if (auto manifests = json.find("manifests"); manifests != json.end()) {
    if (!manifests->is_array()) {
      return InvalidArgumentError("plugins config: manifests must be an array of paths");
    }
    for (std::size_t i = 0; i < manifests->size(); ++i) {
      const Json& m = (*manifests)[i];
      if (!m.is_string() || m.get<std::string>().empty()) {
        return InvalidArgumentError("plugins config: manifests[" + std::to_string(i) +
                                    "] must be a non-empty path string");
      }
      std::filesystem::path path = m.get<std::string>();
      config.manifests.push_back(path.is_absolute() ? path : base_dir / path);
    }
  }
  return config;
}

}  // namespace sextant::toolserver::plugins
