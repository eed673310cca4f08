// Per-element LLVM code for elementwise ops and data movement (XLA's "elemental emitter"):
// the value of one element of a value at a given index, loading leaves from their buffers
// and recomputing fused producers in place. The recursion follows one fusion group, whose
// size LoweringPlan caps (kMaxFusionGroup), never the length of the program.
#pragma once

#include "ir/OpAttrs.h"
#include "runtime/IrEmitter.h"
#include "runtime/LoweringPlan.h"

namespace partita {

class ElementEmitter {
public:
  ElementEmitter(IrEmitter &ir, const LoweringPlan &plan, const Mesh *mesh, Diagnostics &diags)
      : ir_(ir), B(ir.B), plan_(plan), mesh_(mesh), diags_(diags) {}

  // Element `ix` of `v` (in its compute type): a load for leaves, else its op's code.
  LV *element(const Value *v, Index ix);
  // Element `ix` of `op`'s result.
  LV *op(const Op &op, Index &ix);
  // False once an op could not be emitted (an internal error, reported to diags).
  bool ok() const { return ok_; }

private:
  LV *unary(const Op &op, LV *a);
  LV *binary(const Op &op, LV *a, LV *b);
  LV *compare(CompareDirection dir, DType t, LV *a, LV *b);
  LV *indexed(const Op &op, Index &ix); // broadcast, transpose, slice
  LV *pad(const Op &op, Index &ix);
  LV *concatenate(const Op &op, Index &ix);
  LV *dynamicSlice(const Op &op, Index &ix);
  LV *dynamicUpdateSlice(const Op &op, Index &ix);
  LV *oneHot(const Op &op, Index &ix);
  LV *take(const Op &op, Index &ix);

  IrEmitter &ir_;
  llvm::IRBuilder<> &B;
  const LoweringPlan &plan_;
  const Mesh *mesh_;
  Diagnostics &diags_;
  bool ok_ = true;
};

} // namespace partita
