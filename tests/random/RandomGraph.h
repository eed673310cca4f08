// Random small programs with random meshes and shardings, for the randomized
// partition-versus-reference checker.
#pragma once

#include "ir/IR.h"

#include <cstdint>
#include <memory>

namespace partita {

// A module with one mesh (1D, 2D or 3D, at most 8 devices) and an unpartitioned @main of a
// few ops over small, often uneven shapes, with shardings on some arguments, results and
// sharding_constraint ops. The same seed always gives the same module.
std::unique_ptr<Module> randomModule(uint64_t seed);

} // namespace partita
