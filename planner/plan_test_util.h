// Shared helpers of the planner tests: SubtaskSpec JSON and sample plans.
#pragma once

#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "common/json.h"
#include "planner/plan.h"

namespace sextant::planner::testing {

// {"name": name, "goal": "goal of <name>"} plus nested subtasks when given.
inline Json Spec(const std::string& name, Json subtasks = nullptr) {
  Json s = {{"name", name}, {"goal", "goal of " + name}};
  if (!subtasks.is_null()) s["subtasks"] = std::move(subtasks);
  return s;
}

// `n` specs named <prefix>1..<prefix>n.
inline Json Specs(int n, const std::string& prefix = "s") {
  Json out = Json::array();
  for (int i = 1; i <= n; ++i) out.push_back(Spec(prefix + std::to_string(i)));
  return out;
}

// The plan used by most tests:
//   1 A
//   2 B: 2.1 B1, 2.2 B2
//   3 C
inline Json SampleArgs() {
  return {{"subtasks", {Spec("A"), Spec("B", {Spec("B1"), Spec("B2")}), Spec("C")}}};
}

inline Plan MakePlan(const Json& args = SampleArgs(), const PlanLimits& limits = {}) {
  Result<Plan> plan = Plan::Create(args, limits);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? std::move(plan).value() : Plan();
}

// Starts and finishes `id` with result "r<id>".
inline void RunSubtask(Plan& plan, const std::string& id, bool success = true) {
  ASSERT_TRUE(plan.Start(id).ok()) << id;
  ASSERT_TRUE(plan.Finish(id, success, "r" + id).ok()) << id;
}

}  // namespace sextant::planner::testing
