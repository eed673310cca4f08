// The reference interpreter on one device of a real multi-process run (partita-run
// --engine=interp under mpirun): local ops through evalOp, collectives through a
// Collectives implementation, executing each collective's plan (ir/CollectivePlan.h).
#pragma once

#include "ir/IR.h"
#include "ir/Tensor.h"
#include "runtime/Collectives.h"

#include <vector>

namespace partita {

// Runs partitioned `f` as device `device` of `mesh`. Throws std::runtime_error with a
// located message on an op the interpreter rejects.
std::vector<Tensor> interpretOnDevice(const Func &f, const Mesh &mesh, int64_t device,
                                      const std::vector<Tensor> &args, Collectives &coll);

// One collective op on native buffers (runtime/Executable.h layout): runs its plan
// (runCollectivePlan). Throws std::runtime_error with a located message on a malformed op.
void runCollective(const Op &op, const Mesh &mesh, const void *in, void *out, Collectives &coll);

} // namespace partita
