// Op sharding rules as factor mappings (as Shardy does): each op maps the dimensions of
// its operands and result onto shared factors. Propagation and partitioning are single
// engines driven by these rules, so supporting a new op means adding a rule here.
#pragma once

#include "ir/IR.h"

#include <optional>
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
  bool inResult(int f) const;
};

// The rule of `op`, or nullopt with *why set for ops that cannot be partitioned (the
// per-device ops of the second table).
std::optional<OpRule> ruleFor(const Op &op, std::string *why);

// Projects a tensor sharding's dims onto factors: factorAxes[f] gets the axes that shard
// factor f. Returns false when the dims cannot be expressed as factor shardings (a minor
// factor of a merged dimension sharded, or uneven sharding of a merged dimension).
bool projectToFactors(const std::vector<std::vector<std::string>> &dims,
                      const std::vector<std::vector<int>> &dimFactors, const OpRule &rule,
                      const Mesh &mesh, std::vector<std::vector<std::string>> &factorAxes);
// The inverse: the dims a tensor gets from factor shardings. Returns false when the
// assignment is not expressible on this tensor.
bool factorsToDims(const std::vector<std::vector<std::string>> &factorAxes,
                   const std::vector<std::vector<int>> &dimFactors, const OpRule &rule,
                   const Mesh &mesh, std::vector<std::vector<std::string>> &dims);

} // namespace partita
