// The reference interpreter: plain loops that evaluate any op on host tensors, the oracle
// every partitioned, simulated, MPI or JIT run is compared with.
#pragma once

#include "ir/IR.h"
#include "ir/Tensor.h"

#include <string>
#include <vector>

namespace partita {

// Where a per-device op runs: needed by axis_index. Absent for unpartitioned programs.
struct DeviceContext {
  const Mesh *mesh = nullptr;
  int64_t device = 0;
  // Keep every value in double precision instead of rounding each op's result to its
  // dtype: finite-difference gradient checks need the function without f32 noise.
  bool exact = false;
};

// Evaluates one non-collective op. Collectives (all_reduce, all_gather, ...) need every
// device's operand and are evaluated by evalCollective. Throws std::runtime_error with a
// message for an op that cannot be evaluated (e.g. axis_index outside a mesh).
Tensor evalOp(const Op &op, const std::vector<const Tensor *> &operands,
              const DeviceContext *ctx = nullptr);

// Evaluates a collective op for all devices of the mesh at once: perDevice[d] is device
// d's operand; returns each device's result.
std::vector<Tensor> evalCollective(const Op &op, const Mesh &mesh,
                                   const std::vector<const Tensor *> &perDevice);

// Runs a function on one device (no collectives allowed unless the mesh has one device).
std::vector<Tensor> runFunction(const Func &f, const std::vector<Tensor> &args,
                                const DeviceContext *ctx = nullptr);

} // namespace partita
