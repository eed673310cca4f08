// Rule look-up through the op records, rule printing, and the projections between tensor
// and factor shardings.
#include "passes/ShardingRules.h"

#include "ir/OpInfo.h"

namespace partita {

std::optional<OpRule> ruleFor(const Op &op, std::string *why) {
  const OpInfo &info = opInfo(op.opcode);
  if (info.shardingRule) return info.shardingRule(op);
  if (why)
    *why = std::string("'") + info.name + "' is a per-device op; it cannot be partitioned again";
  return std::nullopt;
}

void printShardingRules(const Module &m, std::ostream &os) {
  for (const auto &f : m.funcs) {
    if (m.funcs.size() > 1) os << "// @" << f->name << "\n";
    for (const auto &op : f->ops) {
      std::string why;
      auto rule = ruleFor(*op, &why);
      os << "%" << op->result->name << " = " << opcodeName(op->opcode) << ": "
         << (rule ? rule->str() : "no rule: " + why) << "\n";
    }
  }
}

bool projectToFactors(const std::vector<std::vector<std::string>> &dims,
                      const std::vector<std::vector<int>> &dimFactors, const OpRule &rule,
                      const Mesh &mesh, std::vector<std::vector<std::string>> &factorAxes) {
  factorAxes.assign(rule.numFactors(), {});
  bool ok = true;
  for (size_t d = 0; d < dims.size() && d < dimFactors.size(); ++d) {
    const auto &axes = dims[d];
    const auto &fs = dimFactors[d];
    if (axes.empty()) continue;
    if (fs.empty()) {
      ok = false; // a sharded size-1 or unmapped dimension
      continue;
    }
    if (fs.size() == 1) {
      factorAxes[fs[0]] = axes;
      continue;
    }
    // A merged dimension: axes fill factors from the major one, each exactly.
    size_t fi = 0;
    int64_t remaining = rule.size[fs[0]];
    for (const auto &a : axes) {
      int64_t n = mesh.axisSize(a);
      while (fi < fs.size() && remaining == 1) {
        if (++fi < fs.size()) remaining = rule.size[fs[fi]];
      }
      if (fi >= fs.size() || remaining % n != 0) {
        ok = false;
        break;
      }
      factorAxes[fs[fi]].push_back(a);
      remaining /= n;
    }
  }
  return ok;
}

bool factorsToDims(const std::vector<std::vector<std::string>> &factorAxes,
                   const std::vector<std::vector<int>> &dimFactors, const OpRule &rule,
                   const Mesh &mesh, std::vector<std::vector<std::string>> &dims) {
  dims.assign(dimFactors.size(), {});
  for (size_t d = 0; d < dimFactors.size(); ++d) {
    const auto &fs = dimFactors[d];
    bool minorOnly = false; // a more major factor of this dim is not fully split
    for (size_t i = 0; i < fs.size(); ++i) {
      const auto &axes = factorAxes[fs[i]];
      if (axes.empty()) {
        minorOnly = true;
        continue;
      }
      if (minorOnly) return false;
      int64_t n = mesh.groupSize(axes);
      if (fs.size() > 1 && rule.size[fs[i]] % n != 0) return false;
      if (rule.size[fs[i]] != n) minorOnly = true;
      dims[d].insert(dims[d].end(), axes.begin(), axes.end());
    }
  }
  return true;
}

} // namespace partita
