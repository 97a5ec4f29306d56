// GGUF parser: header, metadata values and tensor infos, each count, length
// and offset checked against the bytes left and the limits before use.
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_set>

#include "llm/runtime/gguf_internal.h"

namespace sextant::llm::gguf_internal {
namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr uint32_t kMinVersion = 2;
constexpr uint32_t kMaxVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr std::string_view kAlignmentKey = "general.alignment";
constexpr uint32_t kValueTypeCount = 13;
constexpr uint64_t kStringLengthBytes = 8;
constexpr uint64_t kArrayHeaderBytes = 4 + kStringLengthBytes;  // element type, count
// Smallest encodings: an empty key, a value type and a one-byte value; an
// empty name, one dimension, a ggml type and an offset.
constexpr uint64_t kMinKeyValueBytes = kStringLengthBytes + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = kStringLengthBytes + 4 + 8 + 4 + 8;
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

uint64_t MinEncodedBytes(GgufType t) {
  switch (t) {
    case GgufType::kUint8:
    case GgufType::kInt8:
    case GgufType::kBool:
      return 1;
    case GgufType::kUint16:
    case GgufType::kInt16:
      return 2;
    case GgufType::kUint32:
    case GgufType::kInt32:
    case GgufType::kFloat32:
      return 4;
    case GgufType::kUint64:
    case GgufType::kInt64:
    case GgufType::kFloat64:
    case GgufType::kString:
      return 8;
    case GgufType::kArray:
      return kArrayHeaderBytes;
  }
  return 1;
}

// Where a value sits, for error messages: a root ("metadata key #3 'x'") or
// element `index` of an enclosing array.
struct Where {
  std::string_view root;
  const Where* parent = nullptr;
  uint64_t index = 0;

  std::string Describe() const {
    if (parent == nullptr) return std::string(root);
    return parent->Describe() + "[" + std::to_string(index) + "]";
  }
};

class Parser {
 public:
  Parser(std::string_view bytes, const GgufLimits& limits) : bytes_(bytes), limits_(limits) {}

  Result<GgufParsed> Parse() {
    GgufParsed out;
    uint64_t tensor_count = 0;
    uint64_t kv_count = 0;
    SEXTANT_RETURN_IF_ERROR(ReadHeader(out, tensor_count, kv_count));
    SEXTANT_RETURN_IF_ERROR(ReadMetadata(kv_count, out));
    SEXTANT_RETURN_IF_ERROR(ResolveAlignment(out));
    SEXTANT_RETURN_IF_ERROR(ReadTensorInfos(tensor_count, out));
    SEXTANT_RETURN_IF_ERROR(PlaceTensors(out));
    return out;
  }

 private:
  size_t Remaining() const { return bytes_.size() - pos_; }

  Status Error(StatusCode code, const Where& where, const std::string& what, size_t at) const {
    return Status(code,
                  "gguf: " + where.Describe() + ": " + what + " at offset " + std::to_string(at));
  }

  template <typename T>
  Status ReadUint(T& out, const Where& where, std::string_view field) {
    if (Remaining() < sizeof(T)) {
      return Error(StatusCode::kDataLoss, where,
                   std::string(field) + " needs " + std::to_string(sizeof(T)) + " bytes, only " +
                       std::to_string(Remaining()) + " remain",
                   pos_);
    }
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      value |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i));
    }
    pos_ += sizeof(T);
    out = value;
    return Status::Ok();
  }

  Status ReadString(std::string_view& out, const Where& where, std::string_view field) {
    const size_t at = pos_;
    uint64_t length = 0;
    if (Remaining() < sizeof(length)) {
      // Built here rather than passed down so that the hot path makes no string.
      return ReadUint(length, where, std::string(field) + " length");
    }
    SEXTANT_RETURN_IF_ERROR(ReadUint(length, where, field));
    if (length > static_cast<uint64_t>(limits_.max_string_bytes)) {
      return Error(StatusCode::kResourceExhausted, where,
                   std::string(field) + " length " + std::to_string(length) +
                       " exceeds max_string_bytes " + std::to_string(limits_.max_string_bytes),
                   at);
    }
    if (length > Remaining()) {
      return Error(StatusCode::kDataLoss, where,
                   std::string(field) + " length " + std::to_string(length) + " exceeds file", at);
    }
    out = bytes_.substr(pos_, length);
    pos_ += length;
    return Status::Ok();
  }

  Status ReadValueType(GgufType& out, const Where& where, std::string_view field) {
    const size_t at = pos_;
    uint32_t raw = 0;
    SEXTANT_RETURN_IF_ERROR(ReadUint(raw, where, field));
    if (raw >= kValueTypeCount) {
      return Error(StatusCode::kInvalidArgument, where,
                   "unknown " + std::string(field) + " " + std::to_string(raw), at);
    }
    out = static_cast<GgufType>(raw);
    return Status::Ok();
  }

  // Reads one value of `type`; `depth` counts the arrays around it.
  Status ReadValue(GgufType type, GgufValue& out, const Where& where, int64_t depth) {
    out.type = type;
    switch (type) {
      case GgufType::kUint8:
        return ReadUnsigned<uint8_t>(out, where);
      case GgufType::kUint16:
        return ReadUnsigned<uint16_t>(out, where);
      case GgufType::kUint32:
        return ReadUnsigned<uint32_t>(out, where);
      case GgufType::kUint64:
        return ReadUnsigned<uint64_t>(out, where);
      case GgufType::kInt8:
        return ReadSigned<uint8_t, int8_t>(out, where);
      case GgufType::kInt16:
        return ReadSigned<uint16_t, int16_t>(out, where);
      case GgufType::kInt32:
        return ReadSigned<uint32_t, int32_t>(out, where);
      case GgufType::kInt64:
        return ReadSigned<uint64_t, int64_t>(out, where);
      case GgufType::kFloat32: {
        uint32_t bits = 0;
        SEXTANT_RETURN_IF_ERROR(ReadUint(bits, where, "float32 value"));
        out.f = std::bit_cast<float>(bits);
        return Status::Ok();
      }
      case GgufType::kFloat64: {
        uint64_t bits = 0;
        SEXTANT_RETURN_IF_ERROR(ReadUint(bits, where, "float64 value"));
        out.f = std::bit_cast<double>(bits);
        return Status::Ok();
      }
      case GgufType::kBool: {
        const size_t at = pos_;
        uint8_t raw = 0;
        SEXTANT_RETURN_IF_ERROR(ReadUint(raw, where, "bool value"));
        if (raw > 1) {
          return Error(StatusCode::kInvalidArgument, where,
                       "bool value " + std::to_string(raw) + " is neither 0 nor 1", at);
        }
        out.b = raw == 1;
        return Status::Ok();
      }
      case GgufType::kString:
        return ReadString(out.str, where, "string");
      case GgufType::kArray:
        return ReadArray(out, where, depth + 1);
    }
    return Error(StatusCode::kInternal, where, "unhandled value type", pos_);
  }

  template <typename Raw>
  Status ReadUnsigned(GgufValue& out, const Where& where) {
    Raw raw = 0;
    SEXTANT_RETURN_IF_ERROR(ReadUint(raw, where, GgufTypeName(out.type)));
    out.u = raw;
    return Status::Ok();
  }

  template <typename Raw, typename Signed>
  Status ReadSigned(GgufValue& out, const Where& where) {
    Raw raw = 0;
    SEXTANT_RETURN_IF_ERROR(ReadUint(raw, where, GgufTypeName(out.type)));
    out.i = std::bit_cast<Signed>(raw);  // NOLINT(bugprone-signed-char-misuse): sign extension
    return Status::Ok();
  }

  // Reads an array whose nesting level (1 for a top-level array) is `depth`.
  Status ReadArray(GgufValue& out, const Where& where, int64_t depth) {
    const size_t at = pos_;
    if (depth > limits_.max_array_depth) {
      return Error(
          StatusCode::kResourceExhausted, where,
          "arrays nested deeper than max_array_depth " + std::to_string(limits_.max_array_depth),
          at);
    }
    SEXTANT_RETURN_IF_ERROR(ReadValueType(out.elem_type, where, "array element type"));
    const size_t count_at = pos_;
    uint64_t count = 0;
    SEXTANT_RETURN_IF_ERROR(ReadUint(count, where, "array length"));
    const auto elems = [&] {
      return std::to_string(count) + " " + std::string(GgufTypeName(out.elem_type)) + " elements";
    };
    if (count > static_cast<uint64_t>(limits_.max_array_elements)) {
      return Error(StatusCode::kResourceExhausted, where,
                   "array of " + elems() + " exceeds max_array_elements " +
                       std::to_string(limits_.max_array_elements),
                   count_at);
    }
    // count <= max_array_elements <= int64 max, so the sum cannot wrap.
    if (static_cast<int64_t>(count) > limits_.max_total_array_elements - total_array_elements_) {
      return Error(StatusCode::kResourceExhausted, where,
                   "array of " + elems() + " brings the total past max_total_array_elements " +
                       std::to_string(limits_.max_total_array_elements),
                   count_at);
    }
    if (count > Remaining() / MinEncodedBytes(out.elem_type)) {
      return Error(StatusCode::kDataLoss, where, "array of " + elems() + " exceeds file", count_at);
    }
    total_array_elements_ += static_cast<int64_t>(count);
    out.array.resize(count);
    for (uint64_t i = 0; i < count; ++i) {
      const Where element{"", &where, i};
      SEXTANT_RETURN_IF_ERROR(ReadValue(out.elem_type, out.array[i], element, depth));
    }
    return Status::Ok();
  }

  Status ReadHeader(GgufParsed& out, uint64_t& tensor_count, uint64_t& kv_count) {
    const Where where{"header"};
    uint32_t magic = 0;
    SEXTANT_RETURN_IF_ERROR(ReadUint(magic, where, "magic"));
    if (magic != kGgufMagic) {
      return Error(StatusCode::kInvalidArgument, where, "bad magic (not a GGUF file)", 0);
    }
    const size_t version_at = pos_;
    SEXTANT_RETURN_IF_ERROR(ReadUint(out.version, where, "version"));
    if (out.version == 1) {
      return Error(StatusCode::kInvalidArgument, where,
                   "version 1 is not supported (it uses 32-bit counts); re-convert the model to "
                   "GGUF version 2 or 3",
                   version_at);
    }
    if (out.version < kMinVersion || out.version > kMaxVersion) {
      const uint32_t swapped = __builtin_bswap32(out.version);
      const bool big_endian = swapped >= kMinVersion && swapped <= kMaxVersion;
      return Error(StatusCode::kInvalidArgument, where,
                   "unsupported version " + std::to_string(out.version) +
                       (big_endian ? " (a big-endian file; only little-endian is supported)"
                                   : " (supported: 2 and 3)"),
                   version_at);
    }
    const size_t counts_at = pos_;
    SEXTANT_RETURN_IF_ERROR(ReadUint(tensor_count, where, "tensor count"));
    SEXTANT_RETURN_IF_ERROR(ReadUint(kv_count, where, "metadata count"));
    if (tensor_count > static_cast<uint64_t>(limits_.max_tensors)) {
      return Error(StatusCode::kResourceExhausted, where,
                   "tensor count " + std::to_string(tensor_count) + " exceeds max_tensors " +
                       std::to_string(limits_.max_tensors),
                   counts_at);
    }
    if (kv_count > static_cast<uint64_t>(limits_.max_metadata_entries)) {
      return Error(StatusCode::kResourceExhausted, where,
                   "metadata count " + std::to_string(kv_count) + " exceeds max_metadata_entries " +
                       std::to_string(limits_.max_metadata_entries),
                   counts_at + sizeof(uint64_t));
    }
    // Both counts are bounded by int64 limits, so these products cannot wrap
    // for any sane limit; compare by division to stay exact regardless.
    if (tensor_count > Remaining() / kMinTensorInfoBytes ||
        kv_count > (Remaining() - tensor_count * kMinTensorInfoBytes) / kMinKeyValueBytes) {
      return Error(StatusCode::kDataLoss, where,
                   std::to_string(tensor_count) + " tensors and " + std::to_string(kv_count) +
                       " metadata entries cannot fit in the " + std::to_string(Remaining()) +
                       " bytes left",
                   counts_at);
    }
    return Status::Ok();
  }

  Status ReadMetadata(uint64_t count, GgufParsed& out) {
    out.metadata.resize(count);
    std::unordered_set<std::string_view> seen;
    seen.reserve(count);
    for (uint64_t n = 0; n < count; ++n) {
      const std::string label = "metadata key #" + std::to_string(n);
      const size_t at = pos_;
      std::string_view key;
      SEXTANT_RETURN_IF_ERROR(ReadString(key, Where{label}, "key"));
      const std::string named = label + " '" + std::string(key) + "'";
      const Where where{named};
      if (key.empty()) return Error(StatusCode::kInvalidArgument, where, "empty key", at);
      if (!seen.insert(key).second) {
        return Error(StatusCode::kInvalidArgument, where, "duplicate key", at);
      }
      GgufKeyValue& kv = out.metadata[n];
      kv.key = std::string(key);
      GgufType type = GgufType::kUint8;
      SEXTANT_RETURN_IF_ERROR(ReadValueType(type, where, "value type"));
      SEXTANT_RETURN_IF_ERROR(ReadValue(type, kv.value, where, 0));
    }
    return Status::Ok();
  }

  Status ResolveAlignment(GgufParsed& out) {
    out.alignment = kDefaultAlignment;
    for (const GgufKeyValue& kv : out.metadata) {
      if (kv.key != kAlignmentKey) continue;
      const std::string prefix = "gguf: " + std::string(kAlignmentKey) + ": ";
      if (kv.value.type != GgufType::kUint32) {
        return InvalidArgumentError(prefix + "has type " +
                                    std::string(GgufTypeName(kv.value.type)) + ", expected uint32");
      }
      if (kv.value.u == 0 || !std::has_single_bit(kv.value.u)) {
        return InvalidArgumentError(prefix + "value " + std::to_string(kv.value.u) +
                                    " is not a nonzero power of two");
      }
      out.alignment = kv.value.u;
    }
    return Status::Ok();
  }

  Status ReadTensorInfos(uint64_t count, GgufParsed& out) {
    out.tensors.resize(count);
    std::unordered_set<std::string_view> seen;
    seen.reserve(count);
    for (uint64_t n = 0; n < count; ++n) {
      const std::string label = "tensor #" + std::to_string(n);
      const size_t at = pos_;
      std::string_view name;
      SEXTANT_RETURN_IF_ERROR(ReadString(name, Where{label}, "name"));
      const std::string named = label + " '" + std::string(name) + "'";
      const Where where{named};
      if (name.empty()) return Error(StatusCode::kInvalidArgument, where, "empty name", at);
      if (!seen.insert(name).second) {
        return Error(StatusCode::kInvalidArgument, where, "duplicate tensor name", at);
      }
      GgufTensorInfo& info = out.tensors[n];
      info.name = std::string(name);
      SEXTANT_RETURN_IF_ERROR(ReadTensorShape(info, where));
      SEXTANT_RETURN_IF_ERROR(ReadTensorType(info, where));
      SEXTANT_RETURN_IF_ERROR(ReadUint(info.offset, where, "offset"));
    }
    return Status::Ok();
  }

  Status ReadTensorShape(GgufTensorInfo& info, const Where& where) {
    const size_t at = pos_;
    uint32_t n_dims = 0;
    SEXTANT_RETURN_IF_ERROR(ReadUint(n_dims, where, "dimension count"));
    if (n_dims == 0) {
      return Error(StatusCode::kInvalidArgument, where, "has 0 dimensions", at);
    }
    if (n_dims > limits_.max_dims) {
      return Error(StatusCode::kResourceExhausted, where,
                   std::to_string(n_dims) + " dimensions exceed max_dims " +
                       std::to_string(limits_.max_dims),
                   at);
    }
    info.shape.resize(n_dims);
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const size_t dim_at = pos_;
      uint64_t dim = 0;
      SEXTANT_RETURN_IF_ERROR(ReadUint(dim, where, "dimension"));
      const std::string label = "dimension " + std::to_string(d) + " (" + std::to_string(dim) + ")";
      if (dim == 0) return Error(StatusCode::kInvalidArgument, where, label + " is 0", dim_at);
      if (dim > static_cast<uint64_t>(kInt64Max)) {
        return Error(StatusCode::kInvalidArgument, where, label + " exceeds int64", dim_at);
      }
      const auto value = static_cast<int64_t>(dim);
      if (n_elements > kInt64Max / value) {
        return Error(StatusCode::kInvalidArgument, where, "element count overflows int64", dim_at);
      }
      n_elements *= value;
      info.shape[d] = value;
    }
    info.n_elements = n_elements;
    return Status::Ok();
  }

  Status ReadTensorType(GgufTensorInfo& info, const Where& where) {
    const size_t at = pos_;
    SEXTANT_RETURN_IF_ERROR(ReadUint(info.ggml_type, where, "ggml type"));
    const std::optional<GgmlTypeTraits> traits = GgmlTypeInfo(info.ggml_type);
    if (!traits) {
      return Error(StatusCode::kInvalidArgument, where,
                   "unknown ggml type " + std::to_string(info.ggml_type), at);
    }
    info.type_name = std::string(traits->name);
    info.type = kernels::DTypeFromGgmlId(info.ggml_type);
    if (info.shape[0] % traits->block_elements != 0) {
      return Error(StatusCode::kInvalidArgument, where,
                   "row length " + std::to_string(info.shape[0]) +
                       " is not a multiple of the block size " +
                       std::to_string(traits->block_elements) + " of " + info.type_name,
                   at);
    }
    const int64_t blocks = info.n_elements / traits->block_elements;
    if (blocks > kInt64Max / traits->block_bytes) {
      return Error(StatusCode::kInvalidArgument, where, "byte size overflows int64", at);
    }
    info.n_bytes = blocks * traits->block_bytes;
    return Status::Ok();
  }

  Status PlaceTensors(GgufParsed& out) {
    const uint64_t header_end = pos_;
    // header_end <= size and alignment is a power of two, so this cannot wrap.
    const uint64_t data_start = (header_end + out.alignment - 1) & ~(out.alignment - 1);
    if (out.tensors.empty()) return Status::Ok();
    if (data_start > bytes_.size()) {
      return DataLossError("gguf: data section starts at offset " + std::to_string(data_start) +
                           ", past the end of the file (" + std::to_string(bytes_.size()) +
                           " bytes)");
    }
    const uint64_t data_size = bytes_.size() - data_start;
    const auto* base = reinterpret_cast<const uint8_t*>(bytes_.data()) + data_start;
    for (size_t n = 0; n < out.tensors.size(); ++n) {
      GgufTensorInfo& t = out.tensors[n];
      const std::string prefix = "gguf: tensor #" + std::to_string(n) + " '" + t.name + "': ";
      if (t.offset % out.alignment != 0) {
        return InvalidArgumentError(prefix + "offset " + std::to_string(t.offset) +
                                    " is not a multiple of the alignment " +
                                    std::to_string(out.alignment));
      }
      const auto n_bytes = static_cast<uint64_t>(t.n_bytes);
      if (t.offset > data_size || n_bytes > data_size - t.offset) {
        return DataLossError(prefix + "data [" + std::to_string(t.offset) + ", +" +
                             std::to_string(n_bytes) + ") extends past the data section of " +
                             std::to_string(data_size) + " bytes at offset " +
                             std::to_string(data_start));
      }
      t.data = base + t.offset;
    }
    std::vector<const GgufTensorInfo*> by_offset;
    by_offset.reserve(out.tensors.size());
    for (const GgufTensorInfo& t : out.tensors) by_offset.push_back(&t);
    std::sort(
        by_offset.begin(), by_offset.end(),
        [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i) {
      const GgufTensorInfo& prev = *by_offset[i - 1];
      const GgufTensorInfo& cur = *by_offset[i];
      if (prev.offset + static_cast<uint64_t>(prev.n_bytes) > cur.offset) {
        return InvalidArgumentError("gguf: tensor '" + prev.name + "' data overlaps tensor '" +
                                    cur.name + "' at data offset " + std::to_string(cur.offset));
      }
    }
    return Status::Ok();
  }

  std::string_view bytes_;
  const GgufLimits& limits_;
  size_t pos_ = 0;
  int64_t total_array_elements_ = 0;
};

}  // namespace

Result<GgufParsed> ParseGguf(std::string_view bytes, const GgufLimits& limits) {
  Parser parser(bytes, limits);
  return parser.Parse();
}

}  // namespace sextant::llm::gguf_internal
