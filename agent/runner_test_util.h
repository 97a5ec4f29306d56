// Transcript building blocks for runner tests: scripted model replies.
#pragma once

#include <string>

#include "common/json.h"

namespace sextant::agent::testing {

// A reply that calls `name` with `arguments`; `expect` is a substring the
// message the model answers must contain.
inline Json CallReply(const std::string& name, Json arguments, const std::string& expect = "") {
  Json reply = {
      {"tool_calls", Json::array({{{"name", name}, {"arguments", std::move(arguments)}}})}};
  if (!expect.empty()) reply["expect"] = expect;
  return reply;
}

inline Json TextReply(const std::string& text, const std::string& expect = "") {
  Json reply = {{"text", text}};
  if (!expect.empty()) reply["expect"] = expect;
  return reply;
}

inline Json Spec(const std::string& name, const std::string& goal) {
  return {{"name", name}, {"goal", goal}, {"criticism", "none"}, {"milestones", {goal}}};
}

inline Json PlanReply(Json subtasks) {
  return CallReply("plan_create", {{"subtasks", std::move(subtasks)}});
}

inline Json Submit(const std::string& result, bool success = true, const std::string& expect = "") {
  return CallReply("subtask_submit", {{"result", result}, {"success", success}}, expect);
}

inline Json ReflectReply(bool refine, const std::string& expect = "") {
  return CallReply(
      "reflect", {{"summary", "went fine"}, {"lessons", "keep going"}, {"refine", refine}}, expect);
}

inline Json FinalReply(const std::string& answer, const std::string& expect = "") {
  return CallReply("final_answer", {{"answer", answer}}, expect);
}

}  // namespace sextant::agent::testing
