// The agent.* and planner.* config keys and the runner options they give.
// Command-line flags override them.
#pragma once

#include "agent/runner.h"
#include "common/config.h"

namespace sextant::agent {

// Declares agent.mode, agent.max_steps, agent.max_refine_rounds,
// agent.max_model_retries, agent.max_rethink_rounds, agent.max_total_tokens,
// agent.subtask_seconds, agent.run_seconds, agent.tool_timeout_ms,
// agent.max_observation_bytes, agent.max_tokens, agent.temperature,
// agent.reliability_threshold, agent.prompts_dir, agent.run_store,
// planner.max_depth, planner.max_width and planner.max_subtasks.
void DeclareAgentConfig(ConfigRegistry& registry);

// The options those keys give; prompts come from agent.prompts_dir when it
// is set (its errors are returned).
Result<RunnerOptions> RunnerOptionsFromConfig(const Config& config);

}  // namespace sextant::agent
