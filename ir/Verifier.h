// The verifier: checks every op's operands, attributes and declared result type (through
// its record), and every sharding against its mesh and value. Runs after parsing and
// between passes as an invariant check. Type inference alone is ir/ShapeInference.h.
#pragma once

#include "ir/IR.h"
#include "ir/ShapeInference.h"

#include <optional>
#include <string>
#include <vector>

namespace partita {

// Verifies one op (given its module for meshes); errors are located at the op or attribute.
bool verifyOp(const Op &op, const Module &m, Diagnostics &diags);
// Verifies the whole module: meshes, functions, ops, shardings, return types. Returns
// true when no error was added.
bool verifyModule(const Module &m, Diagnostics &diags);

} // namespace partita
