#include "agent/runner.h"

#include <utility>

#include "agent/builtin_tools.h"
#include "agent/internal/runner_impl.h"
#include "planner/plan_tools.h"
#include "toolserver/client.h"

namespace sextant::agent {
namespace {

constexpr std::size_t kResultBytesInPrompt = 600;

llm::Message Text(llm::Role role, std::string content) {
  llm::Message message;
  message.role = role;
  message.content = std::move(content);
  return message;
}

void CollectResults(const std::vector<planner::Subtask>& subtasks, std::string& out) {
  for (const planner::Subtask& s : subtasks) {
    if (s.children.empty() && (s.status == planner::SubtaskStatus::kDone ||
                               s.status == planner::SubtaskStatus::kFailed)) {
      std::string result = s.result.substr(0, kResultBytesInPrompt);
      if (result.size() < s.result.size()) result += " [...]";
      out += s.id + " " + s.name + " (" + std::string(planner::StatusName(s.status)) +
             "): " + result + "\n";
    }
    CollectResults(s.children, out);
  }
}

bool IsBuiltinName(std::string_view name) {
  return name == kSubtaskSubmit || name == kAskHuman || name == kFinalAnswer || name == kReflect ||
         name == "plan_create" || planner::IsRefineFunction(name);
}

}  // namespace

std::string_view RunModeName(RunMode mode) {
  switch (mode) {
    case RunMode::kAuto:
      return "auto";
    case RunMode::kConfirm:
      return "confirm";
    case RunMode::kManual:
      return "manual";
  }
  return "auto";
}

Result<RunMode> ParseRunMode(std::string_view name) {
  if (name == "auto") return RunMode::kAuto;
  if (name == "confirm") return RunMode::kConfirm;
  if (name == "manual") return RunMode::kManual;
  return InvalidArgumentError("unknown mode '" + std::string(name) +
                              "': use auto, confirm or manual");
}

Runner::Runner(RunnerDeps deps, RunnerOptions options, RunnerCallbacks callbacks)
    : impl_(std::make_unique<Impl>(deps, std::move(options), std::move(callbacks), cancel_)) {}
Runner::~Runner() = default;

Result<RunOutcome> Runner::Start(std::string_view task, const Json& config) {
  cancel_.store(false);
  return impl_->Start(task, config);
}

Result<RunOutcome> Runner::Resume(std::string_view run_id) {
  cancel_.store(false);
  return impl_->Resume(run_id);
}

void Runner::Cancel() { cancel_.store(true); }

Runner::Impl::Impl(RunnerDeps deps, RunnerOptions options, RunnerCallbacks callbacks,
                   std::atomic<bool>& cancel)
    : deps_(deps),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      cancel_(cancel) {}

Status Runner::Impl::LoadTools() {
  server_tools_.clear();
  schemas_.clear();
  std::vector<Json> all = {SubtaskSubmitTool(), AskHumanTool(), FinalAnswerTool(), KbVerifyTool(),
                           ReflectTool()};
  for (Json& tool : planner::PlanCreateTools()) all.push_back(std::move(tool));
  for (Json& tool : planner::PlanRefineTools()) all.push_back(std::move(tool));
  if (deps_.tools != nullptr) {
    SEXTANT_ASSIGN_OR_RETURN(std::vector<toolserver::ToolSpec> specs, deps_.tools->ListTools());
    for (const toolserver::ToolSpec& spec : specs) {
      // The runner's own functions win over server tools of the same name;
      // the server's kb_verify serves when the runner has no verifier.
      const bool own_kb_verify = spec.name == kKbVerify && deps_.verifier != nullptr;
      if (own_kb_verify || IsBuiltinName(spec.name)) continue;
      server_tools_.push_back(spec.ToOpenAi());
      all.push_back(server_tools_.back());
    }
  }
  for (const Json& tool : all) {
    SEXTANT_ASSIGN_OR_RETURN(JsonSchema schema, JsonSchema::Compile(ToolParameters(tool)));
    schemas_.insert_or_assign(std::string(ToolName(tool)), std::move(schema));
  }
  return Status();
}

Result<RunOutcome> Runner::Impl::Start(std::string_view task, const Json& config) {
  SEXTANT_ASSIGN_OR_RETURN(RunInfo run, deps_.store->CreateRun(task, config));
  SEXTANT_ASSIGN_OR_RETURN(std::vector<Event> recorded, deps_.store->Events(run.id));
  task_ = run.task;
  journal_ = std::make_unique<internal::Journal>(*deps_.store, run.id, std::move(recorded),
                                                 callbacks_.on_event);
  return Drive();
}

Result<RunOutcome> Runner::Impl::Resume(std::string_view run_id) {
  SEXTANT_ASSIGN_OR_RETURN(RunInfo run, deps_.store->GetRun(run_id));
  if (run.status == RunStatus::kAnswered) {
    return Status(
        StatusCode::kFailedPrecondition,
        "run " + run.id + " is already answered; `sextant runs replay " + run.id + "` shows it");
  }
  SEXTANT_ASSIGN_OR_RETURN(std::vector<Event> recorded, deps_.store->Events(run.id));
  task_ = run.task;
  journal_ = std::make_unique<internal::Journal>(*deps_.store, run.id, std::move(recorded),
                                                 callbacks_.on_event);
  SEXTANT_RETURN_IF_ERROR(journal_->Note(EventType::kRunStatus,
                                         Json{{"status", "running"}, {"resumed", true}},
                                         StateChange{std::nullopt, RunStatus::kRunning, {}}));
  return Drive();
}

Result<RunOutcome> Runner::Impl::Drive() {
  started_ = std::chrono::steady_clock::now();
  Status status = [&]() -> Status {
    SEXTANT_RETURN_IF_ERROR(LoadTools());
    if (deps_.tools != nullptr) {
      // The run's own workspace, kept between sessions, so a resumed run
      // finds the files it made.
      SEXTANT_ASSIGN_OR_RETURN(session_id_,
                               deps_.tools->OpenSession(false, "run-" + journal_->run_id()));
    }
    return Status();
  }();
  Result<RunOutcome> outcome = status.ok() ? [&]() -> Result<RunOutcome> {
    SEXTANT_RETURN_IF_ERROR(CreatePlan());
    while (!stop_) {
      std::optional<std::string> id = plan_->NextLeaf();
      if (!id) break;
      SEXTANT_ASSIGN_OR_RETURN(SubtaskEnd end, RunSubtask(*id));
      if (stop_ || end.final_answer) break;
      SEXTANT_RETURN_IF_ERROR(Reflect(*id, end));
      if (!stop_ && options_.mode == RunMode::kManual && plan_->NextLeaf()) {
        SEXTANT_RETURN_IF_ERROR(ReviewPlan());
      }
    }
    if (stop_) {
      SEXTANT_RETURN_IF_ERROR(Stop(*stop_));
      return RunOutcome{journal_->run_id(), stop_->status, ""};
    }
    return Finalize();
  }()
      : Result<RunOutcome>(status);
  if (deps_.tools != nullptr && !session_id_.empty()) {
    Status closed = deps_.tools->CloseSession(session_id_);
    (void)closed;  // the server reaps idle sessions; the run's outcome stands
    session_id_.clear();
  }
  if (!outcome.ok()) {
    Status noted = journal_->Note(EventType::kError,
                                  Json{{"fatal", true},
                                       {"code", StatusCodeName(outcome.status().code())},
                                       {"message", outcome.status().message()}},
                                  StateChange{std::nullopt, RunStatus::kFailed, {}});
    (void)noted;  // the store may be what failed; the original error is returned
  }
  return outcome;
}

Status Runner::Impl::Stop(const RunStop& stop) {
  if (plan_ && stop.status == RunStatus::kFailed) plan_->SkipRemaining();
  StateChange change;
  change.status = stop.status;
  if (plan_) change.plan = plan_->ToJson();
  return journal_->Note(EventType::kRunStatus,
                        Json{{"status", RunStatusName(stop.status)}, {"reason", stop.reason}},
                        change);
}

StateChange Runner::Impl::WithPlan() const {
  StateChange change;
  if (plan_) change.plan = plan_->ToJson();
  return change;
}

std::string Runner::Impl::ResultsText() const {
  std::string out;
  if (plan_) CollectResults(plan_->roots(), out);
  for (const std::string& lesson : lessons_) out += "Lesson: " + lesson + "\n";
  return out.empty() ? "(none yet)" : out;
}

Status Runner::Impl::CreatePlan() {
  std::string names;
  for (const Json& tool : server_tools_)
    names += (names.empty() ? "" : ", ") + std::string(ToolName(tool));
  const std::map<std::string, std::string> vars = {
      {"task", task_},
      {"tool_names", names.empty() ? "(none)" : names},
      {"max_depth", std::to_string(options_.plan_limits.max_depth)},
      {"max_width", std::to_string(options_.plan_limits.max_width)}};
  std::vector<llm::Message> messages = {
      Text(llm::Role::kSystem, FillPrompt(options_.prompts.Get("plan_system"), vars)),
      Text(llm::Role::kUser, FillPrompt(options_.prompts.Get("plan_user"), vars))};
  const std::vector<Json> tools = planner::PlanCreateTools();
  for (int bad = 0;;) {
    if (auto stop = CheckLimits()) {
      stop_ = stop;
      return Status();
    }
    SEXTANT_ASSIGN_OR_RETURN(ModelTurn turn, CallModel("plan", "", messages, tools, false));
    if (stop_) return Status();
    CallRead read = ReadCall(turn, tools);
    if (read.ok) {
      Result<planner::Plan> plan = planner::Plan::Create(read.call.arguments, options_.plan_limits);
      if (plan.ok()) {
        plan_ = std::move(*plan);
        SEXTANT_RETURN_IF_ERROR(journal_->Emit(
            EventType::kPlanCreated,
            Json{{"source", "model"}, {"plan", plan_->ToJson()}, {"text", plan_->Render()}},
            WithPlan()));
        return options_.mode == RunMode::kManual ? ReviewPlan() : Status();
      }
      read.ok = false;
      read.kind = "invalid_plan";
      read.problem = "The plan was not accepted: " + plan.status().message();
    }
    SEXTANT_RETURN_IF_ERROR(RecordBadCall("plan", "", turn, read, messages));
    if (++bad > options_.max_model_retries) {
      stop_ = RunStop{RunStatus::kFailed,
                      "the model wrote no valid plan in " + std::to_string(bad) + " replies"};
      return Status();
    }
  }
}

Status Runner::Impl::ReviewPlan() {
  const std::string rendered = plan_->Render();
  SEXTANT_RETURN_IF_ERROR(
      journal_->Emit(EventType::kHumanRequest,
                     Json{{"kind", "plan"}, {"plan", plan_->ToJson()}, {"text", rendered}}));
  Result<Json> response = journal_->Outcome(EventType::kHumanResponse, [&]() -> Result<Json> {
    for (;;) {
      SEXTANT_ASSIGN_OR_RETURN(PlanDecision d, deps_.human->ReviewPlan(plan_->ToJson(), rendered));
      if (d.kind == PlanDecisionKind::kApprove)
        return Json{{"kind", "plan"}, {"decision", "approve"}};
      Result<planner::Plan> edited = planner::Plan::FromJson(d.plan);
      if (edited.ok()) {
        return Json{{"kind", "plan"}, {"decision", "edit"}, {"plan", edited->ToJson()}};
      }
      SEXTANT_ASSIGN_OR_RETURN(
          std::string ignored,
          deps_.human->Ask("That plan is not valid (" + edited.status().message() +
                           "). Press Enter to review it again."));
      (void)ignored;
    }
  });
  if (!response.ok()) {
    if (response.status().code() != StatusCode::kUnavailable) return response.status();
    stop_ = RunStop{RunStatus::kInterrupted,
                    "no answer from the person: " + response.status().message()};
    return Status();
  }
  if (response->value("decision", std::string()) != "edit") return Status();
  SEXTANT_ASSIGN_OR_RETURN(planner::Plan edited, planner::Plan::FromJson(response->at("plan")));
  plan_ = std::move(edited);
  return journal_->Emit(
      EventType::kPlanChanged,
      Json{{"source", "human"}, {"plan", plan_->ToJson()}, {"text", plan_->Render()}}, WithPlan());
}

Status Runner::Impl::Reflect(const std::string& id, const SubtaskEnd& end) {
  const planner::Subtask* subtask = plan_->Find(id);
  const std::map<std::string, std::string> vars = {
      {"task", task_},
      {"plan", plan_->Render(id)},
      {"subtask_id", id},
      {"subtask_name", subtask != nullptr ? subtask->name : id},
      {"subtask_outcome", end.success ? "succeeded" : "failed"},
      {"subtask_result", end.result},
      {"subtask_suggestions", end.suggestions.empty() ? "(none)" : end.suggestions}};
  std::vector<llm::Message> messages = {
      Text(llm::Role::kSystem, FillPrompt(options_.prompts.Get("plan_system"), vars)),
      Text(llm::Role::kUser, FillPrompt(options_.prompts.Get("reflect"), vars))};
  const std::vector<Json> tools = {ReflectTool()};
  for (int bad = 0;;) {
    if (auto stop = CheckLimits()) {
      stop_ = stop;
      return Status();
    }
    SEXTANT_ASSIGN_OR_RETURN(ModelTurn turn, CallModel("reflect", id, messages, tools, false));
    if (stop_) return Status();
    CallRead read = ReadCall(turn, tools);
    if (read.ok) {
      const bool refine = read.call.arguments.value("refine", false);
      const std::string lessons = JsonText(read.call.arguments.value("lessons", Json("")));
      SEXTANT_RETURN_IF_ERROR(
          journal_->Emit(EventType::kReflection,
                         Json{{"subtask", id},
                              {"summary", JsonText(read.call.arguments.value("summary", Json("")))},
                              {"lessons", lessons},
                              {"refine", refine}}));
      if (!lessons.empty()) lessons_.push_back(lessons);
      if (!refine || options_.max_refine_rounds == 0 || !plan_->NextLeaf()) return Status();
      AppendStep(read.call, "Noted.", messages);
      return Refine(id, std::move(messages));
    }
    SEXTANT_RETURN_IF_ERROR(RecordBadCall("reflect", id, turn, read, messages));
    if (++bad > options_.max_model_retries) return Status();  // go on without a reflection
  }
}

Status Runner::Impl::Refine(const std::string& id, std::vector<llm::Message> messages) {
  const std::vector<Json> tools = planner::PlanRefineTools();
  int bad = 0;
  for (int changes = 0; changes < options_.max_refine_rounds;) {
    const std::map<std::string, std::string> vars = {
        {"subtask_id", id},
        {"plan", plan_->Render(id)},
        {"max_depth", std::to_string(options_.plan_limits.max_depth)},
        {"max_width", std::to_string(options_.plan_limits.max_width)},
        {"rounds_left", std::to_string(options_.max_refine_rounds - changes)}};
    std::vector<llm::Message> asked = messages;
    asked.push_back(Text(llm::Role::kUser, FillPrompt(options_.prompts.Get("refine"), vars)));
    if (auto stop = CheckLimits()) {
      stop_ = stop;
      return Status();
    }
    SEXTANT_ASSIGN_OR_RETURN(ModelTurn turn, CallModel("refine", id, asked, tools, false));
    if (stop_) return Status();
    CallRead read = ReadCall(turn, tools);
    if (read.ok && read.call.name == "plan_refine_done") return Status();
    if (read.ok) {
      Result<std::string> summary = plan_->Apply(read.call.name, read.call.arguments, id);
      if (summary.ok()) {
        ++changes;
        bad = 0;
        SEXTANT_RETURN_IF_ERROR(journal_->Emit(EventType::kPlanChanged,
                                               Json{{"source", "model"},
                                                    {"function", read.call.name},
                                                    {"arguments", read.call.arguments},
                                                    {"summary", *summary},
                                                    {"text", plan_->Render(id)}},
                                               WithPlan()));
        AppendStep(read.call, "Done: " + *summary, messages);
        continue;
      }
      read.ok = false;
      read.kind = "invalid_refinement";
      read.problem = summary.status().message();
    }
    SEXTANT_RETURN_IF_ERROR(RecordBadCall("refine", id, turn, read, messages));
    if (++bad > options_.max_model_retries) return Status();  // keep the plan as it is
  }
  return Status();
}

}  // namespace sextant::agent
