// Entry points of sharding propagation and SPMD partitioning.
#pragma once

#include "ir/IR.h"
#include "passes/Pass.h"

#include <memory>

namespace partita {

std::unique_ptr<Pass> createPropagateShardingPass();
std::unique_ptr<Pass> createSpmdPartitionPass();
std::unique_ptr<Pass> createMergeCollectivesPass();
// Merges independent all_reduces of equal axes, reduction and dtype
// (passes/CombineCollectives.cpp).
std::unique_ptr<Pass> createCombineCollectivesPass();

// The mesh a function's shardings refer to (the module's only mesh when nothing is
// annotated); nullptr when there is none. Two meshes in one function is an error.
const Mesh *functionMesh(const Module &m, const Func &f, Diagnostics &diags);

} // namespace partita
