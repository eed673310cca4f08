// The entry points propagation and partitioning use to read op sharding rules (each op's
// rule is in its record, ir/OpInfo.h; OpRule is in ir/ShardingRule.h), and the projections
// between tensor shardings and factor shardings.
#pragma once

#include "ir/IR.h"
#include "ir/ShardingRule.h"

#include <ostream>

#include <optional>
#include <string>
#include <vector>

namespace partita {

// The rule of `op`, or nullopt with *why set for ops that cannot be partitioned (the
// per-device ops of the second table).
std::optional<OpRule> ruleFor(const Op &op, std::string *why);

// One line per op of every function: `%name = opname: RULE` (OpRule::str), or the reason
// the op has none (`partita-opt --print-sharding-rules`).
void printShardingRules(const Module &m, std::ostream &os);

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
