// LoadCokExemplars: few-shot exemplars from the question sets in
// ../shared/testdata/qa/chain-of-knowledge/.
#include <fstream>
#include <sstream>
#include <string>

#include "common/json.h"
#include "knowledge/cok.h"
#include "knowledge/internal/cok_text.h"

namespace sextant::knowledge {
namespace {

constexpr std::size_t kMaxHintBytes = 400;
constexpr std::size_t kChoices = 4;
constexpr std::string_view kChoiceKeys[kChoices] = {"opa", "opb", "opc", "opd"};

std::string StringMember(const Json& record, std::string_view key) {
  auto it = record.find(key);
  if (it == record.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// `text` cut to about kMaxHintBytes at a word boundary.
std::string Shorten(std::string text) {
  if (text.size() <= kMaxHintBytes) return text;
  std::size_t cut = text.rfind(' ', kMaxHintBytes);
  if (cut == std::string::npos) cut = kMaxHintBytes;
  text.resize(cut);
  return text + " ...";
}

void ReadPaperTriples(const Json& record, CokExemplar& ex) {
  auto it = record.find("triples");
  if (it == record.end() || !it->is_array()) return;
  for (const Json& t : *it) {
    if (t.is_array() && t.size() == 3 && t[0].is_string() && t[1].is_string() && t[2].is_string()) {
      ex.triples.push_back(
          {t[0].get<std::string>(), t[1].get<std::string>(), t[2].get<std::string>()});
    } else if (t.is_string()) {
      auto parsed = ParseTriple(t.get<std::string>());
      if (parsed.ok()) ex.triples.push_back(std::move(*parsed));
    }
  }
}

// The answer of a record, in the shapes named in cok.h; empty when none.
std::string ReadAnswer(const Json& record) {
  auto options = record.find("options");
  std::string letter = StringMember(record, "answer");
  if (options != record.end() && options->is_array() && letter.size() == 1) {
    const auto index = static_cast<std::size_t>(letter[0] - 'A');
    if (index < options->size() && (*options)[index].is_string()) {
      const std::string option = (*options)[index].get<std::string>();
      return letter + ". " + std::string(internal::Trim(option));
    }
    return "";
  }
  auto cop = record.find("cop");
  if (cop != record.end() && cop->is_number_integer()) {
    const auto index = cop->get<std::int64_t>() - 1;
    if (index < 0 || index >= static_cast<std::int64_t>(kChoices)) return "";
    return StringMember(record, kChoiceKeys[index]);
  }
  const std::string label = StringMember(record, "label");
  if (!label.empty() && record.contains("claim")) {
    if (label == "SUPPORTS") return "yes";
    if (label == "REFUTES") return "no";
    return "not enough information";
  }
  return letter;
}

std::string ReadQuestion(const Json& record) {
  std::string q = StringMember(record, "question");
  const std::string claim = StringMember(record, "claim");
  if (q.empty() && !claim.empty()) q = "Is it true that " + claim + "?";
  auto options = record.find("options");
  if (options != record.end() && options->is_array()) {
    for (std::size_t i = 0; i < options->size(); ++i) {
      if (!(*options)[i].is_string()) continue;
      q += std::string(i == 0 ? " " : "; ") + static_cast<char>('A' + i) + ". " +
           (*options)[i].get<std::string>();
    }
  } else if (record.contains("cop")) {
    for (std::size_t i = 0; i < kChoices; ++i) {
      q += std::string(i == 0 ? " " : "; ") + StringMember(record, kChoiceKeys[i]);
    }
  }
  return q;
}

}  // namespace

Result<std::vector<CokExemplar>> LoadCokExemplars(const std::filesystem::path& file,
                                                  std::size_t max) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return NotFoundError("cannot read exemplars from " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  auto json = ParseJson(text.str());
  if (!json.ok()) return json.status().WithContext(file.string());
  if (!json->is_array()) {
    return InvalidArgumentError(file.string() + ": expected a JSON array of question records");
  }
  std::vector<CokExemplar> out;
  for (const Json& record : *json) {
    if (out.size() >= max) break;
    if (!record.is_object()) continue;
    CokExemplar ex;
    ex.question = ReadQuestion(record);
    ex.answer = ReadAnswer(record);
    if (ex.question.empty() || ex.answer.empty()) continue;
    ReadPaperTriples(record, ex);
    for (std::string_view key : {"hints", "explanation", "exp"}) {
      ex.hints = StringMember(record, key);
      if (!ex.hints.empty()) break;
    }
    ex.hints = Shorten(std::move(ex.hints));
    out.push_back(std::move(ex));
  }
  return out;
}

}  // namespace sextant::knowledge
