#include "llm/runtime/gguf.h"

#include <limits>
#include <unordered_map>
#include <utility>

#include "llm/runtime/gguf_internal.h"
#include "llm/runtime/mapped_file.h"

namespace sextant::llm {
namespace {

bool IsUnsigned(GgufType t) {
  return t == GgufType::kUint8 || t == GgufType::kUint16 || t == GgufType::kUint32 ||
         t == GgufType::kUint64;
}

bool IsSigned(GgufType t) {
  return t == GgufType::kInt8 || t == GgufType::kInt16 || t == GgufType::kInt32 ||
         t == GgufType::kInt64;
}

bool IsInteger(GgufType t) { return IsUnsigned(t) || IsSigned(t); }

bool IsFloat(GgufType t) { return t == GgufType::kFloat32 || t == GgufType::kFloat64; }

// The value of an integer as int64, or nullopt when it does not fit.
std::optional<int64_t> AsInt(const GgufValue& v) {
  if (IsSigned(v.type)) return v.i;
  if (IsUnsigned(v.type) && v.u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return static_cast<int64_t>(v.u);
  }
  return std::nullopt;
}

std::optional<double> AsFloat(const GgufValue& v) {
  if (IsFloat(v.type)) return v.f;
  if (IsSigned(v.type)) return static_cast<double>(v.i);
  if (IsUnsigned(v.type)) return static_cast<double>(v.u);
  return std::nullopt;
}

std::string TypeDescription(const GgufValue& v) {
  if (v.type != GgufType::kArray) return std::string(GgufTypeName(v.type));
  return "array of " + std::string(GgufTypeName(v.elem_type));
}

Status WrongType(std::string_view key, std::string_view expected, const GgufValue& v) {
  return InvalidArgumentError("gguf key '" + std::string(key) + "': expected " +
                              std::string(expected) + ", found " + TypeDescription(v));
}

}  // namespace

struct GgufFile::Impl {
  std::unique_ptr<MappedFile> file;  // null for FromBuffer
  gguf_internal::GgufParsed parsed;
  // Keys view the strings in `parsed`, which never change after parsing.
  std::unordered_map<std::string_view, size_t> keys;
  std::unordered_map<std::string_view, size_t> tensor_names;

  Result<const GgufValue*> Get(std::string_view key) const {
    auto it = keys.find(key);
    if (it == keys.end()) return NotFoundError("gguf key '" + std::string(key) + "' not found");
    return &parsed.metadata[it->second].value;
  }
};

GgufFile::GgufFile() : impl_(std::make_unique<Impl>()) {}
GgufFile::~GgufFile() = default;

Result<std::unique_ptr<GgufFile>> GgufFile::FromBuffer(std::string_view bytes,
                                                       const GgufLimits& limits) {
  SEXTANT_ASSIGN_OR_RETURN(auto parsed, gguf_internal::ParseGguf(bytes, limits));
  std::unique_ptr<GgufFile> file(new GgufFile());
  Impl& impl = *file->impl_;
  impl.parsed = std::move(parsed);
  impl.keys.reserve(impl.parsed.metadata.size());
  for (size_t i = 0; i < impl.parsed.metadata.size(); ++i) {
    impl.keys.emplace(impl.parsed.metadata[i].key, i);
  }
  impl.tensor_names.reserve(impl.parsed.tensors.size());
  for (size_t i = 0; i < impl.parsed.tensors.size(); ++i) {
    impl.tensor_names.emplace(impl.parsed.tensors[i].name, i);
  }
  return file;
}

Result<std::unique_ptr<GgufFile>> GgufFile::Open(const std::filesystem::path& path,
                                                 const GgufLimits& limits) {
  SEXTANT_ASSIGN_OR_RETURN(auto mapped, MappedFile::Open(path));
  const std::string_view bytes(reinterpret_cast<const char*>(mapped->data()), mapped->size());
  auto file = FromBuffer(bytes, limits);
  if (!file.ok()) return file.status().WithContext(path.string());
  (*file)->impl_->file = std::move(mapped);
  return file;
}

uint32_t GgufFile::version() const { return impl_->parsed.version; }
uint64_t GgufFile::alignment() const { return impl_->parsed.alignment; }
const std::vector<GgufKeyValue>& GgufFile::metadata() const { return impl_->parsed.metadata; }
const std::vector<GgufTensorInfo>& GgufFile::tensors() const { return impl_->parsed.tensors; }

const GgufValue* GgufFile::Find(std::string_view key) const {
  auto it = impl_->keys.find(key);
  return it == impl_->keys.end() ? nullptr : &impl_->parsed.metadata[it->second].value;
}

const GgufTensorInfo* GgufFile::FindTensor(std::string_view name) const {
  auto it = impl_->tensor_names.find(name);
  return it == impl_->tensor_names.end() ? nullptr : &impl_->parsed.tensors[it->second];
}

Result<std::string> GgufFile::GetString(std::string_view key) const {
  SEXTANT_ASSIGN_OR_RETURN(const GgufValue* v, impl_->Get(key));
  if (v->type != GgufType::kString) return WrongType(key, "string", *v);
  return std::string(v->str);
}

Result<int64_t> GgufFile::GetInt(std::string_view key) const {
  SEXTANT_ASSIGN_OR_RETURN(const GgufValue* v, impl_->Get(key));
  if (!IsInteger(v->type)) return WrongType(key, "an integer", *v);
  std::optional<int64_t> value = AsInt(*v);
  if (!value) {
    return InvalidArgumentError("gguf key '" + std::string(key) + "': value " +
                                std::to_string(v->u) + " does not fit int64");
  }
  return *value;
}

Result<double> GgufFile::GetFloat(std::string_view key) const {
  SEXTANT_ASSIGN_OR_RETURN(const GgufValue* v, impl_->Get(key));
  std::optional<double> value = AsFloat(*v);
  if (!value) return WrongType(key, "a number", *v);
  return *value;
}

Result<bool> GgufFile::GetBool(std::string_view key) const {
  SEXTANT_ASSIGN_OR_RETURN(const GgufValue* v, impl_->Get(key));
  if (v->type != GgufType::kBool) return WrongType(key, "bool", *v);
  return v->b;
}

Result<std::vector<std::string_view>> GgufFile::GetStringArray(std::string_view key) const {
  SEXTANT_ASSIGN_OR_RETURN(const GgufValue* v, impl_->Get(key));
  if (v->type != GgufType::kArray || v->elem_type != GgufType::kString) {
    return WrongType(key, "array of string", *v);
  }
  std::vector<std::string_view> out;
  out.reserve(v->array.size());
  for (const GgufValue& e : v->array) out.push_back(e.str);
  return out;
}

Result<std::vector<int64_t>> GgufFile::GetIntArray(std::string_view key) const {
  SEXTANT_ASSIGN_OR_RETURN(const GgufValue* v, impl_->Get(key));
  if (v->type != GgufType::kArray || !IsInteger(v->elem_type)) {
    return WrongType(key, "array of integers", *v);
  }
  std::vector<int64_t> out;
  out.reserve(v->array.size());
  for (size_t i = 0; i < v->array.size(); ++i) {
    std::optional<int64_t> value = AsInt(v->array[i]);
    if (!value) {
      return InvalidArgumentError("gguf key '" + std::string(key) + "': element " +
                                  std::to_string(i) + " value " + std::to_string(v->array[i].u) +
                                  " does not fit int64");
    }
    out.push_back(*value);
  }
  return out;
}

Result<std::vector<double>> GgufFile::GetFloatArray(std::string_view key) const {
  SEXTANT_ASSIGN_OR_RETURN(const GgufValue* v, impl_->Get(key));
  if (v->type != GgufType::kArray || !(IsFloat(v->elem_type) || IsInteger(v->elem_type))) {
    return WrongType(key, "array of numbers", *v);
  }
  std::vector<double> out;
  out.reserve(v->array.size());
  for (const GgufValue& e : v->array) out.push_back(AsFloat(e).value_or(0.0));
  return out;
}

}  // namespace sextant::llm
