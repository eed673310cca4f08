// Type inference and the verifier: checks every op's operands, attributes and declared
// result type, and every sharding against its mesh and value. Runs after parsing and
// between passes as an invariant check.
#pragma once

#include "ir/IR.h"

#include <optional>
#include <string>
#include <vector>

namespace partita {

struct InferredType {
  std::optional<TensorType> type; // set when the result type follows from operands/attrs
  std::string error;              // non-empty when the operands or attributes are invalid
};

// Result type of `code` applied to operands of the given types with `attrs`. For ops whose
// result type is not determined by operands and attributes (reshape, broadcast_in_dim,
// constant, iota, convert, ...), `type` is empty and no error is set.
InferredType inferResultType(Opcode code, const std::vector<TensorType> &operands,
                             const AttrDict &attrs);

// Verifies one op (given its module for meshes); errors are located at the op or attribute.
bool verifyOp(const Op &op, const Module &m, Diagnostics &diags);
// Verifies the whole module: meshes, functions, ops, shardings, return types. Returns
// true when no error was added.
bool verifyModule(const Module &m, Diagnostics &diags);

} // namespace partita
