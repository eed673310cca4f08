// Op sharding rules as factor mappings (as Shardy's OpShardingRule): each op maps the
// dimensions of its operands and result onto shared factors. Each op's rule is part of its
// record (ir/OpInfo.h); propagation and partitioning are single engines driven by them.
#pragma once

#include "ir/IR.h"

#include <string>
#include <vector>

namespace partita {

enum class FactorKind {
  Pass,    // appears in the result; sharding it shards the computation
  Sum,     // summed away: sharding it leaves a pending sum (unreduced)
  Max,     // max-reduced away: pending max
  Min,     // min-reduced away: pending min
  Special, // may be sharded; the op's lowering handles it (offsets, prefix sums, ...)
  Window,  // a dimension whose extent changes (slice, pad, concatenate): operand and result
           // dims are split alike, with different extents; the lowering exchanges halos
  Blocked, // must not be sharded (an extent-changing dimension of size 1 in the result,
           // reshape dimensions without a common refinement)
};

struct OpRule {
  std::vector<int64_t> size;                          // global size of each factor
  std::vector<FactorKind> kind;                       // per factor
  std::vector<std::vector<std::vector<int>>> operand; // [operand][dim] → factors, major first
  std::vector<std::vector<int>> result;               // [dim] → factors, major first
  // Propagation priority: 0 for elementwise-like ops (elementwise, reshape, transpose,
  // broadcast, sharding_constraint), 1 for the rest (einsum, reductions, gathers, ...).
  int level = 1;

  int numFactors() const { return (int)size.size(); }
  // Shardy's notation: `([i,j],[j,k])->([i,k]) {i=4,j=8,k=16} reduction={j}`. Factors are
  // named i, j, k, ... in factor order; a merged dimension lists its factors major first
  // (`[ij]`); a size-1 dimension has none (`[]`); non-Pass kinds follow as lists
  // (docs/partitioning.md, "Printing rules").
  std::string str() const;
};

// Building blocks the per-op rules (ir/ops/*.cpp) share.
namespace rules {
// Adds a factor and returns its index.
int addFactor(OpRule &r, int64_t size, FactorKind kind);
// {f}, or {} for f < 0 (size-1 dimensions get no factor: they can never be split).
std::vector<int> one(int f);
// Every dim of the result is a factor that all operands share dimension by dimension.
OpRule sameShape(const Op &op, int level);
// Ops that change some dimensions' extent (slice, pad, concatenate).
OpRule extentChanging(const Op &op, const std::vector<bool> &changed);
} // namespace rules

} // namespace partita
