#include "toolserver/tool.h"

namespace sextant::toolserver {

Json ToolSpec::ToOpenAi() const {
  return Json{
      {"type", "function"},
      {"function", {{"name", name}, {"description", description}, {"parameters", parameters}}}};
}

}  // namespace sextant::toolserver
