#include "common/internal/config_toml.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <tuple>

#include <toml++/toml.h>

#include "common/internal/config_value.h"

namespace sextant::internal {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kReadChunkBytes = 64 * 1024;
constexpr std::string_view kListValueKey = "v";

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

Status ReadBounded(const std::string& path, std::size_t max_bytes, std::string& out) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return NotFoundError("config file " + path + " does not exist");
  if (fs::is_directory(st)) return InvalidArgumentError("config file " + path + " is a directory");
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    const int err = errno;
    std::string msg = "cannot open config file " + path + ": " + std::strerror(err);
    if (err == EACCES || err == EPERM) return PermissionDeniedError(std::move(msg));
    return UnavailableError(std::move(msg));
  }
  out.clear();
  std::string chunk(kReadChunkBytes, '\0');
  while (true) {
    std::size_t n = std::fread(chunk.data(), 1, chunk.size(), f.get());
    out.append(chunk.data(), n);
    if (out.size() > max_bytes) {
      return ResourceExhaustedError("config file " + path + " is larger than the limit of " +
                                    std::to_string(max_bytes) + " bytes");
    }
    if (n < chunk.size()) {
      if (std::ferror(f.get())) {
        return UnavailableError("cannot read config file " + path + ": " + std::strerror(errno));
      }
      return Status::Ok();
    }
  }
}

std::string_view NodeTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string DescribeNode(const ConfigKey& key, const toml::node& node) {
  std::string out(NodeTypeName(node));
  if (key.secret) return out;
  if (const auto* s = node.as_string()) return out + " " + QuoteValue(key, s->get());
  if (const auto* i = node.as_integer()) return out + " " + std::to_string(i->get());
  if (const auto* b = node.as_boolean()) return out + (b->get() ? " true" : " false");
  return out;
}

Status WrongType(const ConfigKey& key, const toml::node& node) {
  return InvalidArgumentError(key.name + ": expected " +
                              std::string(ConfigTypeArticleName(key.type)) + ", got " +
                              DescribeNode(key, node));
}

Result<std::vector<std::string>> StringArray(const toml::node& node, std::string_view what) {
  const auto* array = node.as_array();
  if (!array) return InvalidArgumentError(std::string(what) + ": expected an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto* s = (*array)[i].as_string();
    if (!s) {
      return InvalidArgumentError(std::string(what) + ": item " + std::to_string(i) + " is " +
                                  std::string(NodeTypeName((*array)[i])) + ", expected a string");
    }
    out.push_back(s->get());
  }
  return out;
}

// Converts `node` to a value of `key`'s type in `out`, which is left alone on error.
Status ConvertNode(const ConfigKey& key, const toml::node& node, ConfigValue& out) {
  switch (key.type) {
    case ConfigType::kString:
      if (const auto* s = node.as_string()) {
        out.emplace<std::string>(s->get());
        return Status::Ok();
      }
      break;
    case ConfigType::kInt:
      if (const auto* i = node.as_integer()) {
        out.emplace<std::int64_t>(i->get());
        return Status::Ok();
      }
      break;
    case ConfigType::kBool:
      if (const auto* b = node.as_boolean()) {
        out.emplace<bool>(b->get());
        return Status::Ok();
      }
      break;
    case ConfigType::kDouble:
      if (const auto* i = node.as_integer()) {
        out.emplace<double>(static_cast<double>(i->get()));
        return Status::Ok();
      }
      if (const auto* d = node.as_floating_point()) {
        if (!std::isfinite(d->get())) {
          return InvalidArgumentError(key.name + ": expected a finite number");
        }
        out.emplace<double>(d->get());
        return Status::Ok();
      }
      break;
    case ConfigType::kStringList:
      if (node.is_array()) {
        auto list = StringArray(node, key.name);
        if (!list.ok()) return list.status();
        out.emplace<std::vector<std::string>>(std::move(list).value());
        return Status::Ok();
      }
      break;
  }
  return WrongType(key, node);
}

// One problem found in the file, ordered by place.
struct Problem {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  Status status;
};

class Walker {
 public:
  Walker(const ConfigRegistry& registry, const std::string& path)
      : registry_(registry), path_(path) {
    for (const ConfigKey* key : registry.Keys()) {
      names_.push_back(key->name);
      for (std::size_t dot = key->name.find('.'); dot != std::string::npos;
           dot = key->name.find('.', dot + 1)) {
        tables_.push_back(key->name.substr(0, dot));
      }
    }
  }

  void Walk(const toml::table& table, const std::string& prefix) {
    for (auto&& [k, node] : table) {
      const std::string segment(k.str());
      const std::string name = prefix.empty() ? segment : prefix + "." + segment;
      const toml::source_position at = k.source().begin ? k.source().begin : node.source().begin;
      const bool plain = !segment.empty() && segment.find('.') == std::string::npos;
      const ConfigKey* key = plain ? registry_.Find(name) : nullptr;
      if (!plain) {
        Add(at, InvalidArgumentError("key \"" + segment +
                                     "\" is quoted with a dot inside; write it unquoted, as " +
                                     "dotted keys or a [table]"));
      } else if (key) {
        ConfigValue value;
        Status st = ConvertNode(*key, node, value);
        if (st.ok()) st = CheckConfigValue(*key, value);
        if (!st.ok()) {
          Add(at, st);
          continue;
        }
        settings_.push_back({name, std::move(value),
                             "file " + path_ + ":" + std::to_string(node.source().begin.line)});
      } else if (node.is_table() && !node.as_table()->empty()) {
        Walk(*node.as_table(), name);
      } else if (node.is_table()) {
        if (!IsTable(name)) {
          Add(at, InvalidArgumentError("unknown table '" + name + "'" + DidYouMean(name, tables_)));
        }
      } else if (IsTable(name)) {
        Add(at, InvalidArgumentError("'" + name + "' is a table of settings, not " +
                                     std::string(NodeTypeName(node))));
      } else {
        Add(at, InvalidArgumentError("unknown key '" + name + "'" + DidYouMean(name, names_)));
      }
    }
  }

  Result<std::vector<FileSetting>> Finish() {
    if (problems_.empty()) return std::move(settings_);
    auto first = std::min_element(problems_.begin(), problems_.end(), [](auto& a, auto& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    Status st = first->status.WithContext(Place(first->line, first->column));
    if (problems_.size() > 1) {
      st = Status(st.code(), st.message() + " (and " + std::to_string(problems_.size() - 1) +
                                 " more problem" + (problems_.size() > 2 ? "s" : "") +
                                 " in the file)");
    }
    return st;
  }

  std::string Place(std::uint32_t line, std::uint32_t column) const {
    return "file " + path_ + ":" + std::to_string(line) + ":" + std::to_string(column);
  }

 private:
  bool IsTable(const std::string& name) const {
    return std::find(tables_.begin(), tables_.end(), name) != tables_.end();
  }
  void Add(const toml::source_position& at, Status st) {
    problems_.push_back({at.line, at.column, std::move(st)});
  }

  const ConfigRegistry& registry_;
  const std::string& path_;
  std::vector<std::string> names_;
  std::vector<std::string> tables_;
  std::vector<FileSetting> settings_;
  std::vector<Problem> problems_;
};

// Parses a TOML document. A syntax error names "file PATH:LINE:COLUMN", or
// without a path reads "invalid TOML: <description>".
Result<toml::table> ParseToml(std::string_view text, const std::string& path) {
  const std::string place_prefix = path.empty() ? std::string("TOML") : "file " + path;
  auto syntax_error = [&](const toml::parse_error& e) {
    if (path.empty()) return InvalidArgumentError("invalid TOML: " + std::string(e.description()));
    const auto& at = e.source().begin;
    return InvalidArgumentError(place_prefix + ":" + std::to_string(at.line) + ":" +
                                std::to_string(at.column) +
                                ": TOML syntax error: " + std::string(e.description()));
  };
  try {
#if TOML_EXCEPTIONS
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return syntax_error(e);
#else
    toml::parse_result parsed = toml::parse(text, path);
    if (!parsed) return syntax_error(parsed.error());
    return std::move(parsed).table();
#endif
  } catch (const std::exception& e) {
    return InvalidArgumentError(place_prefix + ": cannot parse TOML: " + e.what());
  }
}

}  // namespace

Result<std::vector<std::string>> ParseTomlStringArray(std::string_view text) {
  std::string doc = std::string(kListValueKey) + " = " + std::string(text);
  auto table = ParseToml(doc, "");
  if (!table.ok()) return table.status();
  const toml::node* node = table->get(kListValueKey);
  if (table->size() != 1 || !node || !node->is_array()) {
    return InvalidArgumentError("expected one array of strings like [\"a\", \"b\"]");
  }
  return StringArray(*node, "TOML array");
}

Result<std::vector<FileSetting>> ReadConfigFile(const ConfigRegistry& registry,
                                                const std::string& path, std::size_t max_bytes) {
  std::string text;
  SEXTANT_RETURN_IF_ERROR(ReadBounded(path, max_bytes, text));
  auto table = ParseToml(text, path);
  if (!table.ok()) return table.status();
  Walker walker(registry, path);
  try {
    walker.Walk(*table, "");
  } catch (const std::exception& e) {
    return InternalError("file " + path + ": " + e.what());
  }
  return walker.Finish();
}

}  // namespace sextant::internal
