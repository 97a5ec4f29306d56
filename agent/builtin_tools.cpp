#include "agent/builtin_tools.h"

namespace sextant::agent {
namespace {

Json Function(std::string_view name, std::string_view description, Json properties, Json required) {
  return Json{{"type", "function"},
              {"function",
               {{"name", name},
                {"description", description},
                {"parameters",
                 {{"type", "object"},
                  {"properties", std::move(properties)},
                  {"required", std::move(required)},
                  {"additionalProperties", false}}}}}};
}

Json TripleList(std::string_view description) {
  return Json{{"type", "array"},
              {"description", description},
              {"maxItems", 64},
              {"items",
               {{"type", "array"},
                {"items", {{"type", "string"}, {"minLength", 1}}},
                {"minItems", 3},
                {"maxItems", 3}}}};
}

}  // namespace

Json SubtaskSubmitTool() {
  return Function(kSubtaskSubmit,
                  "End the current subtask: report its result, whether its goal was met, and "
                  "suggestions for the rest of the plan.",
                  {{"result", {{"type", "string"}, {"description", "what was found or done"}}},
                   {"success", {{"type", "boolean"}}},
                   {"suggestions", {{"type", "string"}}}},
                  Json::array({"result", "success"}));
}

Json AskHumanTool() {
  return Function(kAskHuman, "Ask the user a question and wait for the answer.",
                  {{"question", {{"type", "string"}, {"minLength", 1}}}},
                  Json::array({"question"}));
}

Json FinalAnswerTool() {
  return Function(kFinalAnswer,
                  "Give the final answer to the whole task, with the evidence triples it rests "
                  "on and short explanation hints. Ends the run.",
                  {{"answer", {{"type", "string"}, {"minLength", 1}}},
                   {"evidence", TripleList("(subject, relation, object) facts")},
                   {"hints", {{"type", "string"}}}},
                  Json::array({"answer"}));
}

Json KbVerifyTool() {
  return Function(kKbVerify,
                  "Check (subject, relation, object) claims against the knowledge base. Each "
                  "comes back supported, partially_supported, contradicted or unknown, with the "
                  "knowledge base's own triples as evidence.",
                  {{"triples", TripleList("the claims to check")}}, Json::array({"triples"}));
}

Json ReflectTool() {
  return Function(kReflect,
                  "Reflect on the subtask that just ended: what was learned, lessons for the "
                  "rest, and whether the remaining plan should be refined.",
                  {{"summary", {{"type", "string"}}},
                   {"lessons", {{"type", "string"}}},
                   {"refine", {{"type", "boolean"}}}},
                  Json::array({"summary", "refine"}));
}

std::string_view ToolName(const Json& tool) {
  const Json& function = tool.at("function");
  return function.at("name").get_ref<const std::string&>();
}

const Json& ToolParameters(const Json& tool) {
  static const Json kEmpty = Json::object();
  const Json& function = tool.at("function");
  auto it = function.find("parameters");
  return it == function.end() ? kEmpty : *it;
}

}  // namespace sextant::agent
