// Vector-Jacobian product (VJP) rules: given an op and the cotangent of its result, each rule
// emits IR that computes the cotangents of the op's operands. The autodiff pass walks the
// program backwards and calls these; a rule never sees the rest of the program.
#pragma once

#include "ir/IR.h"

#include <vector>

namespace partita {

struct VjpContext {
  Builder &b;
  const Op &op;       // the forward op; op.result is its (already computed) value
  Value *ct;          // cotangent of op.result, of op.result's type
  const std::vector<bool> &want; // want[k]: operand k needs a cotangent
};

// Returns one cotangent per operand (nullptr where none is wanted or the operand is not
// differentiable), each of its operand's type.
using VjpRule = std::vector<Value *> (*)(VjpContext &);

// The rule of `code`, or nullptr for ops without a derivative (the pass reports them).
const VjpRule *vjpRule(Opcode code);

} // namespace partita
