// Tokenizer loading from Hugging Face tokenizer.json and
// tokenizer_config.json.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/json.h"
#include "llm/runtime/internal/bpe_bytes.h"
#include "llm/runtime/internal/bpe_tokenizer_impl.h"
#include "llm/runtime/tokenizer.h"

namespace sextant::llm {
namespace {

using internal::TokenKind;
namespace fs = std::filesystem;

constexpr int kMaxJsonDepth = 128;
constexpr std::string_view kTokenizerJson = "tokenizer.json";
constexpr std::string_view kTokenizerConfigJson = "tokenizer_config.json";

Result<std::string> ReadFileLimited(const fs::path& path, int64_t max_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return NotFoundError("read " + path.string() + ": " + ec.message());
  if (static_cast<int64_t>(size) > max_bytes) {
    return ResourceExhaustedError("read " + path.string() + ": " + std::to_string(size) +
                                  " bytes exceed the limit of " + std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("read " + path.string() + ": cannot open");
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<size_t>(in.gcount()) != size) {
    return DataLossError("read " + path.string() + ": short read");
  }
  return text;
}

Result<Json> ParseLimited(std::string_view text, int64_t max_bytes, std::string_view what) {
  if (static_cast<int64_t>(text.size()) > max_bytes) {
    return ResourceExhaustedError(std::string(what) + ": " + std::to_string(text.size()) +
                                  " bytes exceed the limit of " + std::to_string(max_bytes));
  }
  JsonLimits jl;
  jl.max_bytes = static_cast<size_t>(max_bytes);
  jl.max_depth = kMaxJsonDepth;
  auto parsed = ParseJson(text, jl);
  if (!parsed.ok()) return parsed.status().WithContext(what);
  return parsed;
}

// A boolean member, or `fallback` when absent or null.
Result<bool> BoolMember(const Json& obj, std::string_view key, bool fallback,
                        std::string_view where) {
  bool v = fallback;
  Status s = ReadJsonMember(obj, key, v);
  if (!s.ok()) return s.WithContext(where);
  return v;
}

Result<std::string> TypeOf(const Json& obj, std::string_view where) {
  if (!obj.is_object()) return InvalidArgumentError(std::string(where) + ": not an object");
  auto it = obj.find("type");
  if (it == obj.end() || !it->is_string()) {
    return InvalidArgumentError(std::string(where) + ": missing string \"type\"");
  }
  return it->get<std::string>();
}

// Reads model.vocab and added_tokens into the id space.
Status LoadVocab(const Json& model, const Json& root, internal::TokenizerState& impl) {
  auto vit = model.find("vocab");
  if (vit == model.end() || !vit->is_object()) {
    return InvalidArgumentError("tokenizer.json: model.vocab is missing or not an object");
  }
  const Json& vocab = *vit;
  const Json empty = Json::array();
  auto ait = root.find("added_tokens");
  const Json& added = (ait == root.end() || ait->is_null()) ? empty : *ait;
  if (!added.is_array())
    return InvalidArgumentError("tokenizer.json: added_tokens is not an array");
  const int64_t max_vocab = impl.limits.max_vocab;
  if (static_cast<int64_t>(vocab.size() + added.size()) > max_vocab) {
    return ResourceExhaustedError("tokenizer.json: " + std::to_string(vocab.size() + added.size()) +
                                  " tokens exceed the vocabulary limit of " +
                                  std::to_string(max_vocab));
  }
  int64_t max_id = -1;
  const auto check_id = [&](const Json& v, std::string_view what) -> Result<int32_t> {
    if (!v.is_number_integer()) {
      return InvalidArgumentError("tokenizer.json: id of " + std::string(what) +
                                  " is not an integer");
    }
    const auto id = v.get<int64_t>();
    if (id < 0 || id >= max_vocab) {
      return InvalidArgumentError("tokenizer.json: id " + std::to_string(id) + " of " +
                                  std::string(what) + " is out of range [0, " +
                                  std::to_string(max_vocab) + ")");
    }
    max_id = std::max(max_id, id);
    return static_cast<int32_t>(id);
  };
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    SEXTANT_RETURN_IF_ERROR(check_id(it.value(), "vocab entry '" + it.key() + "'").status());
  }
  for (const Json& a : added) {
    if (!a.is_object() || !a.contains("id")) {
      return InvalidArgumentError("tokenizer.json: an added token lacks an id");
    }
    SEXTANT_RETURN_IF_ERROR(check_id(a["id"], "an added token").status());
  }
  impl.model.Resize(static_cast<int32_t>(max_id + 1));
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    const auto id = it.value().get<int32_t>();
    internal::TokenEntry& t = impl.model.mutable_token(id);
    if (t.kind != TokenKind::kUnused) {
      return InvalidArgumentError("tokenizer.json: duplicate id " + std::to_string(id) + " ('" +
                                  t.text + "' and '" + it.key() + "')");
    }
    t.text = it.key();
    auto bytes = internal::ByteLevelToBytes(t.text);
    t.bytes = bytes ? std::move(*bytes) : t.text;
    t.kind = TokenKind::kNormal;
  }
  std::vector<bool> seen_added(static_cast<size_t>(max_id + 1), false);
  for (const Json& a : added) {
    const auto id = a["id"].get<int32_t>();
    internal::AddedToken tok;
    tok.id = id;
    SEXTANT_RETURN_IF_ERROR(ReadJsonMember(a, "content", tok.content).WithContext("added token"));
    if (tok.content.empty()) {
      return InvalidArgumentError("tokenizer.json: added token " + std::to_string(id) +
                                  " has no content");
    }
    if (internal::FindInvalidUtf8(tok.content)) {
      return InvalidArgumentError("tokenizer.json: added token " + std::to_string(id) +
                                  " is not valid UTF-8");
    }
    SEXTANT_RETURN_IF_ERROR(ReadJsonMember(a, "special", tok.special).WithContext("added token"));
    SEXTANT_RETURN_IF_ERROR(ReadJsonMember(a, "lstrip", tok.lstrip).WithContext("added token"));
    SEXTANT_RETURN_IF_ERROR(ReadJsonMember(a, "rstrip", tok.rstrip).WithContext("added token"));
    SEXTANT_RETURN_IF_ERROR(
        ReadJsonMember(a, "single_word", tok.single_word).WithContext("added token"));
    if (seen_added[static_cast<size_t>(id)]) {
      return InvalidArgumentError("tokenizer.json: duplicate added token id " + std::to_string(id));
    }
    seen_added[static_cast<size_t>(id)] = true;
    internal::TokenEntry& t = impl.model.mutable_token(id);
    // An added token may repeat a vocabulary entry; its content wins.
    t.text = tok.content;
    t.bytes = tok.content;
    t.kind = tok.special ? TokenKind::kControl : TokenKind::kUserDefined;
    impl.specials.Add(tok);
  }
  return impl.model.Finalize().WithContext("tokenizer.json");
}

Status LoadMerges(const Json& model, internal::TokenizerState& impl) {
  auto mit = model.find("merges");
  if (mit == model.end() || mit->is_null()) return Status::Ok();
  if (!mit->is_array()) return InvalidArgumentError("tokenizer.json: model.merges is not an array");
  size_t index = 0;
  for (const Json& m : *mit) {
    std::string left;
    std::string right;
    if (m.is_string()) {
      const auto& s = m.get_ref<const std::string&>();
      const size_t space = s.find(' ', 1);
      if (space == std::string::npos) {
        return InvalidArgumentError("tokenizer.json: merge " + std::to_string(index) + " ('" + s +
                                    "') is not two tokens separated by a space");
      }
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      left = m[0].get<std::string>();
      right = m[1].get<std::string>();
    } else {
      return InvalidArgumentError("tokenizer.json: merge " + std::to_string(index) +
                                  " is neither \"a b\" nor [\"a\", \"b\"]");
    }
    SEXTANT_RETURN_IF_ERROR(impl.model.AddMerge(left, right).WithContext("tokenizer.json"));
    ++index;
  }
  return Status::Ok();
}

Status LoadNormalizer(const Json& root, internal::TokenizerState& impl) {
  auto it = root.find("normalizer");
  if (it == root.end() || it->is_null()) return Status::Ok();
  SEXTANT_ASSIGN_OR_RETURN(std::string type, TypeOf(*it, "tokenizer.json: normalizer"));
  std::vector<const Json*> parts;
  if (type == "Sequence") {
    auto nit = it->find("normalizers");
    if (nit == it->end() || !nit->is_array()) {
      return InvalidArgumentError("tokenizer.json: normalizer Sequence lacks \"normalizers\"");
    }
    for (const Json& n : *nit) parts.push_back(&n);
  } else {
    parts.push_back(&*it);
  }
  for (const Json* n : parts) {
    SEXTANT_ASSIGN_OR_RETURN(std::string t, TypeOf(*n, "tokenizer.json: normalizer"));
    if (t != "NFC")
      return UnimplementedError("tokenizer.json: normalizer type '" + t + "' is not supported");
    impl.normalizer = internal::NormalizerKind::kNfc;
  }
  return Status::Ok();
}

Status AddPreTokenizerStep(const Json& step, bool first,
                           std::vector<internal::SplitPattern>& patterns,
                           internal::TokenizerState& impl) {
  SEXTANT_ASSIGN_OR_RETURN(std::string type, TypeOf(step, "tokenizer.json: pre_tokenizer"));
  if (type == "Split") {
    std::string behavior = "Isolated";
    SEXTANT_RETURN_IF_ERROR(ReadJsonMember(step, "behavior", behavior).WithContext("Split"));
    SEXTANT_ASSIGN_OR_RETURN(bool invert, BoolMember(step, "invert", false, "Split"));
    if (behavior != "Isolated" || invert) {
      return UnimplementedError("tokenizer.json: Split with behavior '" + behavior + "'" +
                                (invert ? " and invert" : "") + " is not supported");
    }
    auto pit = step.find("pattern");
    if (pit == step.end() || !pit->is_object()) {
      return InvalidArgumentError("tokenizer.json: Split lacks a pattern object");
    }
    internal::SplitPattern p;
    if (pit->contains("Regex") && (*pit)["Regex"].is_string()) {
      p.pattern = (*pit)["Regex"].get<std::string>();
    } else if (pit->contains("String") && (*pit)["String"].is_string()) {
      p.pattern = (*pit)["String"].get<std::string>();
      p.literal = true;
    } else {
      return InvalidArgumentError("tokenizer.json: Split pattern is neither Regex nor String");
    }
    patterns.push_back(std::move(p));
    return Status::Ok();
  }
  if (type == "ByteLevel") {
    SEXTANT_ASSIGN_OR_RETURN(bool use_regex, BoolMember(step, "use_regex", true, "ByteLevel"));
    SEXTANT_ASSIGN_OR_RETURN(bool prefix, BoolMember(step, "add_prefix_space", true, "ByteLevel"));
    if (prefix) {
      if (!first) {
        return UnimplementedError(
            "tokenizer.json: ByteLevel with add_prefix_space after another pre-tokenizer is not "
            "supported");
      }
      impl.add_prefix_space = true;
    }
    if (use_regex) patterns.push_back({std::string(internal::kGpt2Pattern), false});
    return Status::Ok();
  }
  if (type == "Digits") {
    SEXTANT_ASSIGN_OR_RETURN(bool individual,
                             BoolMember(step, "individual_digits", false, "Digits"));
    patterns.push_back({individual ? R"(\p{N})" : R"(\p{N}+)", false});
    return Status::Ok();
  }
  return UnimplementedError("tokenizer.json: pre_tokenizer type '" + type + "' is not supported");
}

Status LoadPreTokenizer(const Json& root, internal::TokenizerState& impl) {
  std::vector<internal::SplitPattern> patterns;
  auto it = root.find("pre_tokenizer");
  if (it != root.end() && !it->is_null()) {
    SEXTANT_ASSIGN_OR_RETURN(std::string type, TypeOf(*it, "tokenizer.json: pre_tokenizer"));
    if (type == "Sequence") {
      auto pit = it->find("pretokenizers");
      if (pit == it->end() || !pit->is_array()) {
        return InvalidArgumentError(
            "tokenizer.json: pre_tokenizer Sequence lacks \"pretokenizers\"");
      }
      bool first = true;
      for (const Json& step : *pit) {
        SEXTANT_RETURN_IF_ERROR(AddPreTokenizerStep(step, first, patterns, impl));
        first = false;
      }
    } else {
      SEXTANT_RETURN_IF_ERROR(AddPreTokenizerStep(*it, true, patterns, impl));
    }
  }
  SEXTANT_ASSIGN_OR_RETURN(impl.pre, internal::PreTokenizer::Create(patterns));
  return Status::Ok();
}

Status LoadModel(const Json& root, internal::TokenizerState& impl) {
  if (!root.is_object())
    return InvalidArgumentError("tokenizer.json: the top level is not an object");
  auto mit = root.find("model");
  if (mit == root.end() || !mit->is_object()) {
    return InvalidArgumentError("tokenizer.json: missing \"model\" object");
  }
  const Json& model = *mit;
  std::string type = "BPE";
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(model, "type", type).WithContext("tokenizer.json model"));
  if (type != "BPE") {
    return UnimplementedError("tokenizer.json: model type '" + type +
                              "' is not supported (BPE only)");
  }
  SEXTANT_ASSIGN_OR_RETURN(bool byte_fallback, BoolMember(model, "byte_fallback", false, "model"));
  std::string prefix;
  std::string suffix;
  SEXTANT_RETURN_IF_ERROR(
      ReadJsonMember(model, "continuing_subword_prefix", prefix).WithContext("model"));
  SEXTANT_RETURN_IF_ERROR(ReadJsonMember(model, "end_of_word_suffix", suffix).WithContext("model"));
  if (byte_fallback || !prefix.empty() || !suffix.empty()) {
    return UnimplementedError(
        "tokenizer.json: BPE with byte_fallback, continuing_subword_prefix or end_of_word_suffix "
        "is not supported (byte-level BPE only)");
  }
  SEXTANT_ASSIGN_OR_RETURN(bool ignore_merges, BoolMember(model, "ignore_merges", false, "model"));
  impl.model.set_ignore_merges(ignore_merges);
  SEXTANT_RETURN_IF_ERROR(LoadVocab(model, root, impl));
  SEXTANT_RETURN_IF_ERROR(LoadMerges(model, impl));
  SEXTANT_RETURN_IF_ERROR(LoadNormalizer(root, impl));
  return LoadPreTokenizer(root, impl);
}

// The token a post-processor TemplateProcessing puts first, if any.
std::optional<std::string> TemplateFirstSpecial(const Json& root) {
  auto it = root.find("post_processor");
  if (it == root.end() || !it->is_object()) return std::nullopt;
  std::vector<const Json*> procs;
  if (it->value("type", "") == "Sequence" && it->contains("processors") &&
      (*it)["processors"].is_array()) {
    for (const Json& p : (*it)["processors"]) procs.push_back(&p);
  } else {
    procs.push_back(&*it);
  }
  for (const Json* p : procs) {
    if (!p->is_object() || p->value("type", "") != "TemplateProcessing") continue;
    auto sit = p->find("single");
    if (sit == p->end() || !sit->is_array() || sit->empty()) return std::nullopt;
    const Json& first = (*sit)[0];
    if (first.is_object() && first.contains("SpecialToken") && first["SpecialToken"].is_object() &&
        first["SpecialToken"].contains("id") && first["SpecialToken"]["id"].is_string()) {
      return first["SpecialToken"]["id"].get<std::string>();
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// A token named in tokenizer_config.json: a string, {"content": ...} or null.
Result<std::optional<std::string>> ConfigTokenName(const Json& config, std::string_view key) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::optional<std::string>();
  if (it->is_string()) return std::optional<std::string>(it->get<std::string>());
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
    return std::optional<std::string>((*it)["content"].get<std::string>());
  }
  return InvalidArgumentError("tokenizer_config.json: \"" + std::string(key) +
                              "\" is neither a string nor {\"content\": string}");
}

Status ApplyConfig(const Json* config, const Json& root, internal::TokenizerState& impl) {
  std::optional<bool> add_bos;
  std::optional<std::string> bos_name;
  std::optional<std::string> eos_name;
  if (config != nullptr) {
    if (!config->is_object()) return InvalidArgumentError("tokenizer_config.json: not an object");
    SEXTANT_ASSIGN_OR_RETURN(bos_name, ConfigTokenName(*config, "bos_token"));
    SEXTANT_ASSIGN_OR_RETURN(eos_name, ConfigTokenName(*config, "eos_token"));
    auto ait = config->find("add_bos_token");
    if (ait != config->end() && !ait->is_null()) {
      if (!ait->is_boolean())
        return InvalidArgumentError("tokenizer_config.json: add_bos_token is not a boolean");
      add_bos = ait->get<bool>();
    }
    auto cit = config->find("chat_template");
    if (cit != config->end() && !cit->is_null()) {
      if (cit->is_string()) {
        impl.chat_template = cit->get<std::string>();
      } else if (cit->is_array()) {
        for (const Json& t : *cit) {
          if (t.is_object() && t.value("name", "") == "default" && t.contains("template") &&
              t["template"].is_string()) {
            impl.chat_template = t["template"].get<std::string>();
          }
        }
      } else {
        return InvalidArgumentError(
            "tokenizer_config.json: chat_template is neither a string nor a list");
      }
    }
  }
  const std::optional<std::string> template_first = TemplateFirstSpecial(root);
  if (!bos_name) bos_name = template_first;
  const auto find = [&](const std::optional<std::string>& name,
                        std::string_view key) -> Result<std::optional<int32_t>> {
    if (!name) return std::optional<int32_t>();
    const int32_t id = impl.model.FindText(*name);
    if (id < 0) {
      return InvalidArgumentError("tokenizer_config.json: " + std::string(key) + " '" + *name +
                                  "' is not in the vocabulary");
    }
    return std::optional<int32_t>(id);
  };
  SEXTANT_ASSIGN_OR_RETURN(impl.bos, find(bos_name, "bos_token"));
  SEXTANT_ASSIGN_OR_RETURN(impl.eos, find(eos_name, "eos_token"));
  impl.add_bos =
      add_bos.value_or(template_first.has_value() && template_first == bos_name && impl.bos);
  internal::CollectEndIds(impl, {});
  return Status::Ok();
}

Result<Json> ReadConfigBeside(const fs::path& dir, int64_t max_bytes, bool& found) {
  const fs::path path = dir / kTokenizerConfigJson;
  std::error_code ec;
  found = fs::exists(path, ec);
  if (!found) return Json();
  SEXTANT_ASSIGN_OR_RETURN(std::string text, ReadFileLimited(path, max_bytes));
  return ParseLimited(text, max_bytes, path.string());
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromTokenizerJsonText(std::string_view json,
                                                                    const TokenizerLimits& limits) {
  SEXTANT_ASSIGN_OR_RETURN(Json root, ParseLimited(json, limits.max_file_bytes, kTokenizerJson));
  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  internal::TokenizerState& state = tok->impl_->state;
  state.limits = limits;
  state.pre_type = std::string(kTokenizerJson);
  SEXTANT_RETURN_IF_ERROR(LoadModel(root, state));
  SEXTANT_RETURN_IF_ERROR(ApplyConfig(nullptr, root, state));
  return tok;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromTokenizerJsonFile(const fs::path& path,
                                                                    const TokenizerLimits& limits) {
  SEXTANT_ASSIGN_OR_RETURN(std::string text, ReadFileLimited(path, limits.max_file_bytes));
  SEXTANT_ASSIGN_OR_RETURN(Json root, ParseLimited(text, limits.max_file_bytes, path.string()));
  text.clear();
  text.shrink_to_fit();
  bool has_config = false;
  SEXTANT_ASSIGN_OR_RETURN(Json config,
                           ReadConfigBeside(path.parent_path(), limits.max_file_bytes, has_config));
  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  internal::TokenizerState& state = tok->impl_->state;
  state.limits = limits;
  state.pre_type = std::string(kTokenizerJson);
  SEXTANT_RETURN_IF_ERROR(LoadModel(root, state).WithContext(path.string()));
  SEXTANT_RETURN_IF_ERROR(ApplyConfig(has_config ? &config : nullptr, root, state));
  return tok;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromModelDir(const fs::path& dir,
                                                           const TokenizerLimits& limits) {
  return FromTokenizerJsonFile(dir / kTokenizerJson, limits);
}

}  // namespace sextant::llm
