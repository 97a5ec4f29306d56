// SafetensorsModel: a Hugging Face model folder (config.json plus
// model.safetensors or model.safetensors.index.json naming shards).
#include <map>
#include <set>
#include <utility>

#include "llm/runtime/mapped_file.h"
#include "llm/runtime/safetensors.h"

namespace sextant::llm {
namespace {

constexpr std::string_view kConfigFile = "config.json";
constexpr std::string_view kSingleFile = "model.safetensors";
constexpr std::string_view kIndexFile = "model.safetensors.index.json";

// Reads and parses a JSON file of at most `max_bytes`.
Result<Json> ReadJsonFile(const std::filesystem::path& path, int64_t max_bytes) {
  SEXTANT_ASSIGN_OR_RETURN(auto mapped, MappedFile::Open(path));
  JsonLimits limits;
  limits.max_bytes = static_cast<size_t>(max_bytes);
  auto json = ParseJson(
      std::string_view(reinterpret_cast<const char*>(mapped->data()), mapped->size()), limits);
  if (!json.ok()) return json.status().WithContext(path.string());
  return json;
}

// Whether `name` is a plain file name: no directory part, no "." or "..".
bool IsPlainFileName(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

// Reads the weight map of an index file: tensor name -> shard file name.
Result<std::map<std::string, std::string>> ReadWeightMap(const std::filesystem::path& path,
                                                         const SafetensorsLimits& limits) {
  SEXTANT_ASSIGN_OR_RETURN(Json index, ReadJsonFile(path, limits.max_header_bytes));
  const std::string prefix = path.string() + ": ";
  auto weight_map = index.is_object() ? index.find("weight_map") : index.end();
  if (!index.is_object() || weight_map == index.end() || !weight_map->is_object()) {
    return InvalidArgumentError(prefix + "\"weight_map\" is missing or not an object");
  }
  std::map<std::string, std::string> out;
  std::set<std::string_view> shards;
  for (const auto& [name, shard] : weight_map->items()) {
    if (!shard.is_string()) {
      return InvalidArgumentError(prefix + "weight_map entry '" + name + "' is not a string");
    }
    const auto& file = shard.get_ref<const std::string&>();
    if (!IsPlainFileName(file)) {
      return InvalidArgumentError(prefix + "shard '" + file + "' of tensor '" + name +
                                  "' is not a plain file name in the model folder");
    }
    shards.insert(file);
    if (shards.size() > static_cast<size_t>(limits.max_shards)) {
      return ResourceExhaustedError(prefix + "more than max_shards " +
                                    std::to_string(limits.max_shards) + " shards");
    }
    out.emplace(name, file);
  }
  return out;
}

}  // namespace

struct SafetensorsModel::Impl {
  std::filesystem::path dir;
  Json config;
  std::vector<std::unique_ptr<SafetensorsFile>> shards;
  std::map<std::string, const SafetensorsTensor*, std::less<>> by_name;

  // Adds every tensor of `shard` (named `shard_name`) to `by_name`.
  Status AddShard(std::unique_ptr<SafetensorsFile> shard, const std::string& shard_name,
                  std::map<std::string, std::string, std::less<>>& owner) {
    for (const SafetensorsTensor& t : shard->tensors()) {
      auto [it, inserted] = owner.emplace(t.name, shard_name);
      if (!inserted) {
        return InvalidArgumentError("safetensors model " + dir.string() + ": tensor '" + t.name +
                                    "' appears in both '" + it->second + "' and '" + shard_name +
                                    "'");
      }
      by_name.emplace(t.name, &t);
    }
    shards.push_back(std::move(shard));
    return Status::Ok();
  }
};

SafetensorsModel::SafetensorsModel() : impl_(std::make_unique<Impl>()) {}
SafetensorsModel::~SafetensorsModel() = default;

Result<std::unique_ptr<SafetensorsModel>> SafetensorsModel::Open(const std::filesystem::path& dir,
                                                                 const SafetensorsLimits& limits) {
  std::unique_ptr<SafetensorsModel> model(new SafetensorsModel());
  Impl& impl = *model->impl_;
  impl.dir = dir;
  const std::string prefix = "safetensors model " + dir.string() + ": ";

  SEXTANT_ASSIGN_OR_RETURN(impl.config, ReadJsonFile(dir / kConfigFile, limits.max_header_bytes));
  if (!impl.config.is_object()) {
    return InvalidArgumentError(prefix + std::string(kConfigFile) + " is not a JSON object");
  }

  std::error_code ec;
  std::map<std::string, std::string, std::less<>> owner;  // tensor name -> shard file name
  if (std::filesystem::exists(dir / kSingleFile, ec)) {
    SEXTANT_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(dir / kSingleFile, limits));
    SEXTANT_RETURN_IF_ERROR(impl.AddShard(std::move(file), std::string(kSingleFile), owner));
    return model;
  }
  if (!std::filesystem::exists(dir / kIndexFile, ec)) {
    return NotFoundError(prefix + "neither " + std::string(kSingleFile) + " nor " +
                         std::string(kIndexFile) + " exists");
  }

  SEXTANT_ASSIGN_OR_RETURN(auto weight_map, ReadWeightMap(dir / kIndexFile, limits));
  std::set<std::string> shard_names;
  for (const auto& [name, shard] : weight_map) shard_names.insert(shard);
  for (const std::string& shard : shard_names) {
    SEXTANT_ASSIGN_OR_RETURN(auto file, SafetensorsFile::Open(dir / shard, limits));
    SEXTANT_RETURN_IF_ERROR(impl.AddShard(std::move(file), shard, owner));
  }
  for (const auto& [name, shard] : weight_map) {
    auto it = owner.find(name);
    if (it == owner.end() || it->second != shard) {
      return InvalidArgumentError(prefix + std::string(kIndexFile) + " maps tensor '" + name +
                                  "' to shard '" + shard + "', which does not hold it");
    }
  }
  return model;
}

const std::filesystem::path& SafetensorsModel::dir() const { return impl_->dir; }

const Json& SafetensorsModel::config() const { return impl_->config; }

std::vector<const SafetensorsTensor*> SafetensorsModel::tensors() const {
  std::vector<const SafetensorsTensor*> out;
  out.reserve(impl_->by_name.size());
  for (const auto& [name, tensor] : impl_->by_name) out.push_back(tensor);
  return out;
}

const SafetensorsTensor* SafetensorsModel::Find(std::string_view name) const {
  auto it = impl_->by_name.find(name);
  return it == impl_->by_name.end() ? nullptr : it->second;
}

}  // namespace sextant::llm
