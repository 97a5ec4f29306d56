// The functions the runner itself answers, in the OpenAI function format:
// subtask_submit, ask_human, final_answer and kb_verify in the inner loop,
// and reflect after each subtask.
#pragma once

#include <string_view>
#include <vector>

#include "common/json.h"

namespace sextant::agent {

inline constexpr std::string_view kSubtaskSubmit = "subtask_submit";
inline constexpr std::string_view kAskHuman = "ask_human";
inline constexpr std::string_view kFinalAnswer = "final_answer";
inline constexpr std::string_view kKbVerify = "kb_verify";
inline constexpr std::string_view kReflect = "reflect";

Json SubtaskSubmitTool();
Json AskHumanTool();
// final_answer(answer, evidence?, hints?): evidence is a list of
// [subject, relation, object] triples.
Json FinalAnswerTool();
// kb_verify(triples): each a [subject, relation, object] triple.
Json KbVerifyTool();
Json ReflectTool();

// The function's name in a tool description.
std::string_view ToolName(const Json& tool);
// The "parameters" schema of a tool description (an empty object if none).
const Json& ToolParameters(const Json& tool);

}  // namespace sextant::agent
