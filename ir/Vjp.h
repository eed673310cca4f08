// Vector-Jacobian product (VJP) rules, the derivative part of each op's record (ir/OpInfo.h):
// given an op and the cotangent of its result, a rule emits IR that computes the cotangents
// of the op's operands. The rules live with their op in ir/ops/<family>.cpp; the autodiff
// pass (passes/Autodiff.cpp) walks the program backwards and calls opInfo(opcode).vjp. A
// rule never sees the rest of the program. This header also holds the small IR builders
// the rules share.
//
// Conventions (docs/training.md): max/min and reduce_max/reduce_min send the cotangent to one
// element on ties (binary max/min: the first operand; reductions: the first maximal element
// in row-major order, the element argmax picks, which is also where a NaN wins); abs has
// derivative 0 at 0; pow's derivative with respect to the exponent is 0 where the base is 0.
#pragma once

#include "ir/IR.h"

#include <vector>

namespace partita {

struct VjpContext {
  Builder &b;
  const Op &op;                  // the forward op; op.result is its (already computed) value
  Value *ct;                     // cotangent of op.result, of op.result's type
  const std::vector<bool> &want; // want[k]: operand k needs a cotangent
};

namespace vjp {
// Builders emitting ops named "grad*" at the builder's location; the shape helpers return
// their input unchanged when the op would be an identity.
Value *cst(Builder &b, const TensorType &t, double v);
Value *zeros(Builder &b, const TensorType &t);
Value *un(Builder &b, Opcode c, Value *x);
Value *bin(Builder &b, Opcode c, Value *x, Value *y);
Value *mul(Builder &b, Value *x, Value *y);
Value *mulc(Builder &b, Value *x, double v);
Value *cmp(Builder &b, Value *x, Value *y, const char *dir);
Value *sel(Builder &b, Value *p, Value *x, Value *y);
Value *reshape(Builder &b, Value *x, TensorType t);
Value *transpose(Builder &b, Value *x, const std::vector<int64_t> &perm);
Value *broadcast(Builder &b, Value *x, const TensorType &t, const std::vector<int64_t> &dims);
Value *slice(Builder &b, Value *x, std::vector<int64_t> start, std::vector<int64_t> limit);
Value *pad(Builder &b, Value *x, std::vector<int64_t> low, std::vector<int64_t> high);
Value *sumOver(Builder &b, Value *x, const std::vector<int64_t> &dims);
Value *x0(VjpContext &c);
Value *x1(VjpContext &c);
Value *y(VjpContext &c);
} // namespace vjp

} // namespace partita
