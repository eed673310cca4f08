// The body of each root function: loop nests for elementwise roots, reductions, cumsum,
// argmax and scatter_add (reading operands through the ElementEmitter), and calls into the
// runtime's extern "C" functions (runtime/Abi.h) for einsums and collectives.
#pragma once

#include "runtime/ElementEmitter.h"

namespace partita {

class KernelEmitter {
public:
  // `groups` collects the mesh axis lists of the collectives (LoweredFunc::groups).
  KernelEmitter(IrEmitter &ir, ElementEmitter &elem, const LoweringPlan &plan,
                std::vector<std::vector<int64_t>> &groups)
      : ir_(ir), B(ir.B), elem_(elem), plan_(plan), groups_(groups) {}

  // Emits root `r` writing `out`, with `scratch` (RootPlan::scratchBytes) at hand, at the
  // builder's insertion point in the root's function (ir.frame set up for it).
  void emitRoot(const RootPlan &r, LV *out, LV *scratch);

private:
  void elementalRoot(const RootPlan &r, LV *out);
  void reduction(const Op &op, LV *out, LV *scratch);
  LV *reduceStep(const Op &op, LV *acc, LV *v);
  void cumsum(const Op &op, LV *out, LV *scratch);
  void argmax(const Op &op, LV *out, LV *scratch);
  void scatterAdd(const Op &op, LV *out, LV *scratch);
  void einsum(const Op &op, LV *out, LV *scratch);
  // Collectives: one partita_rt_collective call on the root's plan (RootPlan::collective),
  // whose descriptor is a private constant; the runtime does the packing and the exchange.
  void collective(const RootPlan &r, LV *out, LV *scratch);
  // Rows of the output (elements per index of its leading dimension), for ranged loops.
  static int64_t perLeading(const TensorType &t);

  IrEmitter &ir_;
  llvm::IRBuilder<> &B;
  ElementEmitter &elem_;
  const LoweringPlan &plan_;
  std::vector<std::vector<int64_t>> &groups_;
};

} // namespace partita
