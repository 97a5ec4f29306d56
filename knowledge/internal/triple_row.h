// Reading a TripleRow from a statement whose first nine columns are
// t.id, s id, r id, o id, s name, r name, o name, t.source, t.confidence.
#pragma once

#include "common/sqlite.h"
#include "knowledge/knowledge_base.h"

namespace sextant::knowledge::internal {

// `flipped`: the row is shown as (o, inverse(r), s).
TripleRow ReadTripleRow(const Statement& stmt, bool flipped);

}  // namespace sextant::knowledge::internal
