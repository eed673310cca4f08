// The body of each root function: loop nests for elementwise roots, reductions, cumsum,
// argmax and scatter_add (reading operands through the ElementEmitter), and calls into the
// runtime's extern "C" functions (runtime/Abi.h) for einsums and collectives.
#pragma once

#include "runtime/ElementEmitter.h"

namespace partita {

class KernelEmitter {
public:
  // `groups` collects the mesh axis lists of the collectives (LoweredFunc::groups).
  KernelEmitter(IrEmitter &ir, ElementEmitter &elem, const LoweringPlan &plan, const Mesh *mesh,
                std::vector<std::vector<int64_t>> &groups)
      : ir_(ir), B(ir.B), elem_(elem), plan_(plan), mesh_(mesh), groups_(groups) {}

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
  // Collectives: one runtime call each, with partita_kernel_swap01 packing around the calls
  // that work on leading pieces when the op's dimension is not the leading one.
  void collective(const Op &op, LV *out, LV *scratch);
  void allGather(const Op &op, LV *axes, int64_t naxes, LV *out, LV *scratch);
  void reduceScatter(const Op &op, LV *axes, int64_t naxes, LV *out, LV *scratch);
  void allToAll(const Op &op, LV *axes, int64_t naxes, LV *out, LV *scratch);
  llvm::FunctionCallee runtimeFn(const char *name, std::vector<llvm::Type *> extra);
  void swap01(LV *from, LV *to, int64_t a, int64_t b, int64_t blockBytes);
  int32_t reductionCode(const Op &op);
  LV *axisArray(const std::vector<std::string> &axes, int64_t *n);
  // Rows of the output (elements per index of its leading dimension), for ranged loops.
  static int64_t perLeading(const TensorType &t);

  IrEmitter &ir_;
  llvm::IRBuilder<> &B;
  ElementEmitter &elem_;
  const LoweringPlan &plan_;
  const Mesh *mesh_;
  std::vector<std::vector<int64_t>> &groups_;
};

} // namespace partita
