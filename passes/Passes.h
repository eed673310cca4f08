// Factory functions of every pass that passes/Registry.cpp registers. Propagation and
// partitioning are declared in passes/Partitioning.h.
#pragma once

#include "passes/Pass.h"

#include <memory>

namespace partita {

// Dead-code elimination: removes ops whose result no live op and no `return` uses.
std::unique_ptr<Pass> createDcePass();
// Common-subexpression elimination: merges ops with the same opcode, operands, attributes,
// result type and sharding into the first of them.
std::unique_ptr<Pass> createCsePass();
// Reverse-mode autodiff of @main: appends d(result 0)/d(arg) for every `trainable` argument.
std::unique_ptr<Pass> createAutodiffPass();
// Adafactor training step: turns a differentiated @main into the step program of
// docs/training.md (parameters, optimizer state, step, batch -> loss, aux, next state).
std::unique_ptr<Pass> createAdafactorPass();
// Rematerialization of functions with `remat = "<prefix>"`: the backward ops recompute the
// forward values of each segment (values named <prefix><N>.*) instead of reading the stored
// ones (passes/Remat.cpp).
std::unique_ptr<Pass> createRematPass();

// Async collectives: each collective becomes a start (async = true) and an await, starts
// as early and awaits as late as data allow, at most `maxOutstanding` in flight.
constexpr int kDefaultMaxOutstandingCollectives = 4;
std::unique_ptr<Pass>
createAsyncCollectivesPass(int maxOutstanding = kDefaultMaxOutstandingCollectives);

} // namespace partita
