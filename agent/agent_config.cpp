#include "agent/agent_config.h"

namespace sextant::agent {

void DeclareAgentConfig(ConfigRegistry& registry) {
  const RunnerOptions d;
  auto declare = [&registry](ConfigKey key) {
    Status status = registry.Declare(std::move(key));
    (void)status;  // declaring twice is the caller's bug; the registry keeps the first
  };
  declare(ConfigKey::String("agent.mode", "auto",
                            "auto: no questions; confirm: approve each tool call; manual: "
                            "also review the plan")
              .OneOf({"auto", "confirm", "manual"}));
  declare(ConfigKey::Int("agent.max_steps", d.max_steps,
                         "Function calls per subtask; the last one must submit")
              .Range(1, 1000));
  declare(ConfigKey::Int("agent.max_refine_rounds", d.max_refine_rounds,
                         "Plan changes after one subtask")
              .Range(0, 100));
  declare(ConfigKey::Int("agent.max_model_retries", d.max_model_retries,
                         "Invalid model replies in a row before a phase gives up")
              .Range(0, 100));
  declare(ConfigKey::Int("agent.max_rethink_rounds", d.max_rethink_rounds,
                         "Answers rethought after failing verification")
              .Range(0, 100));
  declare(ConfigKey::Int("agent.max_total_tokens", d.max_total_tokens,
                         "Prompt plus completion tokens over a run (0: no limit)")
              .Range(0, std::int64_t{1} << 40));
  declare(ConfigKey::Int("agent.subtask_seconds", d.subtask_time.count(),
                         "Wall time of one subtask before it must submit")
              .Range(1, 86400 * 7));
  declare(ConfigKey::Int("agent.run_seconds", d.run_time.count(),
                         "Wall time of a whole run (0: no limit)")
              .Range(0, 86400 * 30));
  declare(
      ConfigKey::Int("agent.tool_timeout_ms", d.tool_timeout.count(), "Time limit of one tool call")
          .Range(1, 3'600'000));
  declare(ConfigKey::Int("agent.max_observation_bytes",
                         static_cast<std::int64_t>(d.max_observation_bytes),
                         "A tool result as the model sees it")
              .Range(256, 1 << 24));
  declare(ConfigKey::Int("agent.max_tokens", d.chat.max_tokens, "Completion tokens per model call")
              .Range(1, 1 << 20));
  declare(ConfigKey::Double("agent.temperature", 0.0, "Sampling temperature of the agent's calls"));
  declare(ConfigKey::Double("agent.reliability_threshold", d.reliability_threshold,
                            "Answers verified below this are rethought"));
  declare(ConfigKey::String("agent.prompts_dir", "",
                            "A directory of <prompt>.txt files replacing the embedded prompts"));
  declare(ConfigKey::String("agent.run_store", "",
                            "The run store file (default: $XDG_DATA_HOME/sextant/runs.sqlite)"));
  declare(ConfigKey::Int("planner.max_depth", d.plan_limits.max_depth, "Levels of the plan tree")
              .Range(1, 8));
  declare(ConfigKey::Int("planner.max_width", d.plan_limits.max_width,
                         "Subtasks under one parent, and at the top")
              .Range(1, 50));
  declare(ConfigKey::Int("planner.max_subtasks", d.plan_limits.max_subtasks,
                         "Subtasks in the whole plan")
              .Range(1, 1000));
}

Result<RunnerOptions> RunnerOptionsFromConfig(const Config& config) {
  RunnerOptions options;
  SEXTANT_ASSIGN_OR_RETURN(options.mode, ParseRunMode(config.GetString("agent.mode")));
  options.max_steps = static_cast<int>(config.GetInt("agent.max_steps"));
  options.max_refine_rounds = static_cast<int>(config.GetInt("agent.max_refine_rounds"));
  options.max_model_retries = static_cast<int>(config.GetInt("agent.max_model_retries"));
  options.max_rethink_rounds = static_cast<int>(config.GetInt("agent.max_rethink_rounds"));
  options.max_total_tokens = config.GetInt("agent.max_total_tokens");
  options.subtask_time = std::chrono::seconds(config.GetInt("agent.subtask_seconds"));
  options.run_time = std::chrono::seconds(config.GetInt("agent.run_seconds"));
  options.tool_timeout = std::chrono::milliseconds(config.GetInt("agent.tool_timeout_ms"));
  options.max_observation_bytes =
      static_cast<std::size_t>(config.GetInt("agent.max_observation_bytes"));
  options.chat.max_tokens = config.GetInt("agent.max_tokens");
  options.chat.sampling.temperature = static_cast<float>(config.GetDouble("agent.temperature"));
  options.reliability_threshold = config.GetDouble("agent.reliability_threshold");
  options.plan_limits.max_depth = static_cast<int>(config.GetInt("planner.max_depth"));
  options.plan_limits.max_width = static_cast<int>(config.GetInt("planner.max_width"));
  options.plan_limits.max_subtasks = static_cast<int>(config.GetInt("planner.max_subtasks"));
  const std::string& dir = config.GetString("agent.prompts_dir");
  if (!dir.empty()) {
    SEXTANT_ASSIGN_OR_RETURN(options.prompts, PromptSet::WithOverrides(dir));
  }
  return options;
}

}  // namespace sextant::agent
