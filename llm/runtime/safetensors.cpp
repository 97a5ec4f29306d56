#include "llm/runtime/safetensors.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "llm/runtime/mapped_file.h"

namespace sextant::llm {
namespace {

constexpr size_t kHeaderLengthBytes = 8;
// The header is an object of objects holding arrays: anything deeper is
// malformed, and the bound keeps parsing cheap.
constexpr int kHeaderMaxDepth = 4;
constexpr std::string_view kMetadataKey = "__metadata__";
constexpr int64_t kBitsPerByte = 8;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

struct DTypeRow {
  std::string_view name;
  int64_t bits;
};

// The dtypes of the safetensors format, with their widths in bits.
constexpr std::array<DTypeRow, 20> kDTypes = {{
    {"BOOL", 8},    {"U8", 8},   {"I8", 8},   {"F8_E5M2", 8}, {"F8_E4M3", 8},
    {"F8_E8M0", 8}, {"I16", 16}, {"U16", 16}, {"F16", 16},    {"BF16", 16},
    {"I32", 32},    {"U32", 32}, {"F32", 32}, {"F64", 64},    {"I64", 64},
    {"U64", 64},    {"C64", 64}, {"F4", 4},   {"F6_E2M3", 6}, {"F6_E3M2", 6},
}};

std::optional<int64_t> DTypeBits(std::string_view name) {
  for (const DTypeRow& row : kDTypes) {
    if (row.name == name) return row.bits;
  }
  return std::nullopt;
}

std::optional<kernels::DType> ComputeDType(std::string_view name) {
  if (name == "F32") return kernels::DType::kF32;
  if (name == "F16") return kernels::DType::kF16;
  if (name == "BF16") return kernels::DType::kBF16;
  return std::nullopt;
}

// A tensor entry with its offsets relative to the data section.
struct Entry {
  SafetensorsTensor tensor;
  uint64_t begin = 0;
  uint64_t end = 0;
};

class HeaderParser {
 public:
  HeaderParser(const Json& header, uint64_t data_size, const SafetensorsLimits& limits)
      : header_(header), data_size_(data_size), limits_(limits) {}

  Status Parse(std::vector<Entry>& entries, std::map<std::string, std::string>& metadata) {
    if (!header_.is_object()) return InvalidArgumentError("safetensors: header is not an object");
    const size_t n_tensors = header_.size() - (header_.contains(kMetadataKey) ? 1 : 0);
    if (n_tensors > static_cast<uint64_t>(limits_.max_tensors)) {
      return ResourceExhaustedError("safetensors: " + std::to_string(n_tensors) +
                                    " tensors exceed max_tensors " +
                                    std::to_string(limits_.max_tensors));
    }
    entries.reserve(n_tensors);
    for (const auto& [name, value] : header_.items()) {
      if (name == kMetadataKey) {
        SEXTANT_RETURN_IF_ERROR(ParseMetadata(value, metadata));
        continue;
      }
      Entry entry;
      entry.tensor.name = name;
      SEXTANT_RETURN_IF_ERROR(ParseEntry(value, entry));
      entries.push_back(std::move(entry));
    }
    return CheckOverlaps(entries);
  }

 private:
  static Status ParseMetadata(const Json& value, std::map<std::string, std::string>& out) {
    if (!value.is_object()) {
      return InvalidArgumentError("safetensors: __metadata__ is not an object");
    }
    for (const auto& [key, item] : value.items()) {
      if (!item.is_string()) {
        return InvalidArgumentError("safetensors: __metadata__ '" + key + "' is not a string");
      }
      out.emplace(key, item.get_ref<const std::string&>());
    }
    return Status::Ok();
  }

  Status ParseEntry(const Json& value, Entry& entry) const {
    SafetensorsTensor& t = entry.tensor;
    const std::string prefix = "safetensors: tensor '" + t.name + "': ";
    if (t.name.empty()) return InvalidArgumentError("safetensors: empty tensor name");
    if (!value.is_object()) return InvalidArgumentError(prefix + "entry is not an object");

    auto dtype = value.find("dtype");
    if (dtype == value.end() || !dtype->is_string()) {
      return InvalidArgumentError(prefix + "dtype is missing or not a string");
    }
    t.dtype_name = dtype->get_ref<const std::string&>();
    const std::optional<int64_t> bits = DTypeBits(t.dtype_name);
    if (!bits) return InvalidArgumentError(prefix + "unknown dtype '" + t.dtype_name + "'");
    if (std::optional<kernels::DType> compute = ComputeDType(t.dtype_name)) {
      t.supported = true;
      t.dtype = *compute;
    }

    auto shape = value.find("shape");
    if (shape == value.end() || !shape->is_array()) {
      return InvalidArgumentError(prefix + "shape is missing or not an array");
    }
    if (shape->size() > static_cast<uint64_t>(limits_.max_dims)) {
      return ResourceExhaustedError(prefix + std::to_string(shape->size()) +
                                    " dimensions exceed max_dims " +
                                    std::to_string(limits_.max_dims));
    }
    int64_t n_elements = 1;
    for (const Json& dim : *shape) {
      if (!dim.is_number_unsigned() || dim.get<uint64_t>() > static_cast<uint64_t>(kInt64Max)) {
        return InvalidArgumentError(prefix + "shape holds " + DumpJson(dim) +
                                    ", not a non-negative integer");
      }
      const auto d = static_cast<int64_t>(dim.get<uint64_t>());
      if (d != 0 && n_elements > kInt64Max / d) {
        return InvalidArgumentError(prefix + "element count overflows int64");
      }
      n_elements *= d;
      t.shape.push_back(d);
    }
    t.n_elements = n_elements;
    if (n_elements > kInt64Max / *bits || (n_elements * *bits) % kBitsPerByte != 0) {
      return InvalidArgumentError(prefix + std::to_string(n_elements) + " elements of " +
                                  t.dtype_name + " do not fill whole bytes");
    }
    t.n_bytes = n_elements * *bits / kBitsPerByte;
    return ParseOffsets(value, entry, prefix);
  }

  Status ParseOffsets(const Json& value, Entry& entry, const std::string& prefix) const {
    auto offsets = value.find("data_offsets");
    if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
      return InvalidArgumentError(prefix + "data_offsets is not a pair of non-negative integers");
    }
    entry.begin = (*offsets)[0].get<uint64_t>();
    entry.end = (*offsets)[1].get<uint64_t>();
    const std::string range =
        "data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "]";
    if (entry.begin > entry.end) {
      return InvalidArgumentError(prefix + range + " end before they begin");
    }
    if (entry.end > data_size_) {
      return DataLossError(prefix + range + " extend past the data section of " +
                           std::to_string(data_size_) + " bytes");
    }
    if (entry.end - entry.begin != static_cast<uint64_t>(entry.tensor.n_bytes)) {
      return InvalidArgumentError(
          prefix + range + " span " + std::to_string(entry.end - entry.begin) + " bytes, but " +
          std::to_string(entry.tensor.n_elements) + " elements of " + entry.tensor.dtype_name +
          " need " + std::to_string(entry.tensor.n_bytes));
    }
    return Status::Ok();
  }

  static Status CheckOverlaps(std::vector<Entry>& entries) {
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (size_t i = 1; i < entries.size(); ++i) {
      if (entries[i - 1].end > entries[i].begin) {
        return InvalidArgumentError("safetensors: tensor '" + entries[i - 1].tensor.name +
                                    "' overlaps tensor '" + entries[i].tensor.name +
                                    "' at data offset " + std::to_string(entries[i].begin));
      }
    }
    return Status::Ok();
  }

  const Json& header_;
  uint64_t data_size_;
  const SafetensorsLimits& limits_;
};

}  // namespace

struct SafetensorsFile::Impl {
  std::unique_ptr<MappedFile> file;        // null for FromBuffer
  std::vector<SafetensorsTensor> tensors;  // in data order
  std::unordered_map<std::string_view, size_t> index;
  std::map<std::string, std::string> metadata;
};

SafetensorsFile::SafetensorsFile() : impl_(std::make_unique<Impl>()) {}
SafetensorsFile::~SafetensorsFile() = default;

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::FromBuffer(
    std::string_view bytes, const SafetensorsLimits& limits) {
  if (bytes.size() < kHeaderLengthBytes) {
    return DataLossError("safetensors: file of " + std::to_string(bytes.size()) +
                         " bytes is shorter than the 8-byte header length");
  }
  uint64_t header_size = 0;
  for (size_t i = 0; i < kHeaderLengthBytes; ++i) {
    header_size |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  }
  if (header_size > static_cast<uint64_t>(limits.max_header_bytes)) {
    return ResourceExhaustedError("safetensors: header length " + std::to_string(header_size) +
                                  " exceeds max_header_bytes " +
                                  std::to_string(limits.max_header_bytes));
  }
  if (header_size > bytes.size() - kHeaderLengthBytes) {
    return DataLossError("safetensors: header length " + std::to_string(header_size) +
                         " exceeds the " + std::to_string(bytes.size() - kHeaderLengthBytes) +
                         " bytes after it");
  }
  JsonLimits json_limits;
  json_limits.max_bytes = header_size;
  json_limits.max_depth = kHeaderMaxDepth;
  auto header = ParseJson(bytes.substr(kHeaderLengthBytes, header_size), json_limits);
  if (!header.ok()) return header.status().WithContext("safetensors header");

  const size_t data_start = kHeaderLengthBytes + header_size;
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
  try {
    HeaderParser parser(*header, bytes.size() - data_start, limits);
    SEXTANT_RETURN_IF_ERROR(parser.Parse(entries, metadata));
  } catch (const Json::exception& e) {
    return InvalidArgumentError(std::string("safetensors: malformed header: ") + e.what());
  }

  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  Impl& impl = *file->impl_;
  impl.metadata = std::move(metadata);
  impl.tensors.reserve(entries.size());
  const auto* base = reinterpret_cast<const uint8_t*>(bytes.data()) + data_start;
  for (Entry& entry : entries) {
    entry.tensor.data = base + entry.begin;
    impl.tensors.push_back(std::move(entry.tensor));
  }
  impl.index.reserve(impl.tensors.size());
  for (size_t i = 0; i < impl.tensors.size(); ++i) impl.index.emplace(impl.tensors[i].name, i);
  return file;
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::filesystem::path& path,
                                                               const SafetensorsLimits& limits) {
  SEXTANT_ASSIGN_OR_RETURN(auto mapped, MappedFile::Open(path));
  const std::string_view bytes(reinterpret_cast<const char*>(mapped->data()), mapped->size());
  auto file = FromBuffer(bytes, limits);
  if (!file.ok()) return file.status().WithContext(path.string());
  (*file)->impl_->file = std::move(mapped);
  return file;
}

const std::vector<SafetensorsTensor>& SafetensorsFile::tensors() const { return impl_->tensors; }

const SafetensorsTensor* SafetensorsFile::Find(std::string_view name) const {
  auto it = impl_->index.find(name);
  return it == impl_->index.end() ? nullptr : &impl_->tensors[it->second];
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const {
  return impl_->metadata;
}

}  // namespace sextant::llm
