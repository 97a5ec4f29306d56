// A Tool made of a spec and a function; the built-in tools use it.
//
// Thread safety: as thread-safe as the function (the built-ins' are).
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "toolserver/tool.h"

namespace sextant::toolserver::tools {

using ToolFunction = std::function<Result<ToolOutput>(const ToolContext&, const Json&)>;

class FunctionTool final : public Tool {
 public:
  FunctionTool(ToolSpec spec, ToolFunction fn) : spec_(std::move(spec)), fn_(std::move(fn)) {}
  const ToolSpec& spec() const override { return spec_; }
  Result<ToolOutput> Call(const ToolContext& context, const Json& arguments) override {
    return fn_(context, arguments);
  }

 private:
  ToolSpec spec_;
  ToolFunction fn_;
};

inline std::unique_ptr<Tool> MakeFunctionTool(ToolSpec spec, ToolFunction fn) {
  return std::make_unique<FunctionTool>(std::move(spec), std::move(fn));
}

}  // namespace sextant::toolserver::tools
