// propagate-sharding: from user annotations (arguments, results, sharding_constraint and
// annotated ops) to every value, forward and backward, to a fixpoint, with one engine over
// the factor rules of ShardingRules.h. User annotations never change.
//
// Priority: elementwise-like ops (rule level 0) propagate to a fixpoint before einsums,
// reductions and gathers (level 1) join in, so an annotation reaches along cheap paths
// first. Within an op, a factor takes the longest of its tensors' compatible shardings;
// on a conflict the annotated tensor wins, then the result, then operands in order. An
// axis claimed by two factors stays with the factor that comes first in the rule.
#include "passes/Partitioning.h"

#include "passes/Pass.h"
#include "passes/ShardingRules.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace partita {

namespace {

bool isPrefix(const std::vector<std::string> &a, const std::vector<std::string> &b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

struct Propagator {
  const Mesh &mesh;
  std::unordered_set<const Value *> fixed;  // user-annotated values
  std::vector<const Value *> changedValues; // appended to by every refinement

  // One tensor taking part in an op's propagation step.
  struct Slot {
    Value *v;
    const std::vector<std::vector<int>> *dimFactors;
  };

  // Extends `v`'s sharding with `dims` where compatible; returns true if it changed.
  bool refine(Value *v, const std::vector<std::vector<std::string>> &dims) {
    if (fixed.count(v)) return false;
    Sharding s = v->sharding ? *v->sharding : Sharding::replicatedOf(mesh.name, v->type.rank());
    std::set<std::string> used;
    for (const auto &d : s.dims)
      used.insert(d.begin(), d.end());
    bool changed = !v->sharding;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (!isPrefix(s.dims[d], dims[d]) || s.dims[d].size() == dims[d].size()) continue;
      std::vector<std::string> extra(dims[d].begin() + s.dims[d].size(), dims[d].end());
      bool clash = false;
      for (const auto &a : extra)
        clash |= used.count(a) > 0;
      if (clash) continue;
      // Uneven splits of a dimension are legal but never introduced by propagation beyond
      // what an annotation already asked for.
      s.dims[d] = dims[d];
      used.insert(extra.begin(), extra.end());
      changed = true;
    }
    if (!changed) return false;
    v->sharding = s;
    changedValues.push_back(v);
    return true;
  }

  bool propagate(const std::vector<Slot> &slots, const OpRule &rule) {
    // Candidates per factor, in priority order: fixed tensors, then the result, then operands.
    std::vector<std::vector<std::vector<std::string>>> cands(rule.numFactors());
    std::vector<const Slot *> order;
    for (const auto &s : slots)
      if (fixed.count(s.v)) order.push_back(&s);
    for (const auto &s : slots)
      if (!fixed.count(s.v)) order.push_back(&s);
    for (const Slot *s : order) {
      if (!s->v->sharding) continue;
      std::vector<std::vector<std::string>> fa;
      projectToFactors(s->v->sharding->dims, *s->dimFactors, rule, mesh, fa);
      for (int f = 0; f < rule.numFactors(); ++f)
        if (!fa[f].empty()) cands[f].push_back(fa[f]);
    }
    std::vector<std::vector<std::string>> chosen(rule.numFactors());
    std::set<std::string> used;
    for (int f = 0; f < rule.numFactors(); ++f) {
      if (rule.kind[f] == FactorKind::Blocked || cands[f].empty()) continue;
      std::vector<std::string> best = cands[f][0];
      for (size_t i = 1; i < cands[f].size(); ++i)
        if (isPrefix(best, cands[f][i]))
          best = cands[f][i];
        else if (!isPrefix(cands[f][i], best))
          break; // conflict: keep the higher priority
      std::vector<std::string> axes;
      for (const auto &a : best) {
        if (used.count(a)) break;
        axes.push_back(a);
      }
      used.insert(axes.begin(), axes.end());
      chosen[f] = axes;
    }
    bool changed = false;
    for (const auto &s : slots) {
      std::vector<std::vector<std::string>> dims;
      // Project factor by factor so that a dim whose major factor is unsplit still gets
      // nothing rather than failing the whole tensor.
      if (!factorsToDims(chosen, *s.dimFactors, rule, mesh, dims)) continue;
      changed |= refine(s.v, dims);
    }
    return changed;
  }
};

class PropagateShardingPass : public Pass {
public:
  std::string name() const override { return "propagate-sharding"; }

  PassResult run(Module &m, Diagnostics &diags) override {
    PassResult res;
    for (auto &fp : m.funcs) {
      Func &f = *fp;
      if (f.partitionedMesh()) continue;
      const Mesh *mesh = functionMesh(m, f, diags);
      if (diags.hasErrors()) return {false, false};
      if (!mesh) continue;
      Propagator p{*mesh, {}, {}};
      for (Value *a : f.args)
        if (a->sharding) p.fixed.insert(a);
      for (auto &op : f.ops)
        if (op->result->sharding) p.fixed.insert(op->result);

      std::vector<OpRule> rules(f.ops.size());
      std::vector<bool> has(f.ops.size(), false);
      for (size_t i = 0; i < f.ops.size(); ++i) {
        std::string why;
        if (auto r = ruleFor(*f.ops[i], &why)) {
          rules[i] = std::move(*r);
          has[i] = true;
        }
      }
      // The return acts as identity ops from returned values to annotated results.
      std::vector<OpRule> retRules;
      std::vector<Value> retSlots(f.returns.size());
      for (size_t i = 0; i < f.returns.size(); ++i) {
        OpRule r;
        for (int64_t d : f.returns[i]->type.shape) {
          r.result.push_back(d > 1 ? std::vector<int>{r.numFactors()} : std::vector<int>{});
          if (d > 1) {
            r.size.push_back(d);
            r.kind.push_back(FactorKind::Pass);
          }
        }
        r.operand = {r.result};
        retRules.push_back(r);
        retSlots[i].type = f.returns[i]->type;
        retSlots[i].sharding = f.results[i].sharding;
        if (f.results[i].sharding) p.fixed.insert(&retSlots[i]);
      }

      // An op's step is a function of its tensors' shardings alone, so an op none of whose
      // tensors changed since its last step (which changed nothing) would change nothing
      // again: the sweeps skip it. The result is that of visiting every op on every sweep,
      // at a cost that follows the changes rather than sweeps x ops.
      std::unordered_map<const Value *, std::vector<size_t>> touching;
      for (size_t i = 0; i < f.ops.size(); ++i) {
        if (!has[i]) continue;
        touching[f.ops[i]->result].push_back(i);
        for (Value *o : f.ops[i]->operands)
          touching[o].push_back(i);
      }
      std::vector<char> dirty(f.ops.size(), 1);
      auto markChanged = [&] {
        for (const Value *v : p.changedValues) {
          auto it = touching.find(v);
          if (it != touching.end())
            for (size_t i : it->second)
              dirty[i] = 1;
        }
        p.changedValues.clear();
      };
      auto step = [&](int level) {
        bool any = false;
        for (bool changed = true; changed;) {
          changed = false;
          for (int dir = 0; dir < 2; ++dir) {
            for (size_t k = 0; k < f.ops.size(); ++k) {
              size_t i = dir == 0 ? k : f.ops.size() - 1 - k;
              if (!has[i] || rules[i].level > level || !dirty[i]) continue;
              dirty[i] = 0;
              Op &op = *f.ops[i];
              std::vector<Propagator::Slot> slots;
              slots.push_back({op.result, &rules[i].result});
              for (size_t o = 0; o < op.operands.size(); ++o)
                slots.push_back({op.operands[o], &rules[i].operand[o]});
              changed |= p.propagate(slots, rules[i]);
              markChanged();
            }
            for (size_t i = 0; i < f.returns.size(); ++i)
              if (retSlots[i].sharding)
                changed |= p.propagate(
                    {{&retSlots[i], &retRules[i].result}, {f.returns[i], &retRules[i].operand[0]}},
                    retRules[i]);
            markChanged();
          }
          any |= changed;
        }
        return any;
      };
      // Level 0 alone, then everything; repeat while the wider step still changes things.
      step(0);
      while (step(1) && step(0)) {
      }

      for (Value *a : f.args)
        if (!a->sharding)
          a->sharding = Sharding::replicatedOf(mesh->name, a->type.rank()), res.changed = true;
      for (auto &op : f.ops)
        if (!op->result->sharding)
          op->result->sharding = Sharding::replicatedOf(mesh->name, op->type().rank()),
          res.changed = true;
      for (size_t i = 0; i < f.returns.size(); ++i)
        if (!f.results[i].sharding)
          f.results[i].sharding = f.returns[i]->sharding, res.changed = true;
    }
    return res;
  }
};

} // namespace

const Mesh *functionMesh(const Module &m, const Func &f, Diagnostics &diags) {
  const Mesh *mesh = nullptr;
  auto use = [&](const std::optional<Sharding> &s, const Loc &loc) {
    if (!s) return;
    const Mesh *mm = m.mesh(s->mesh);
    if (mm && mesh && mm != mesh)
      diags.error(s->loc.known() ? s->loc : loc,
                  "function @" + f.name + " uses shardings over two meshes (@" + mesh->name +
                      " and @" + mm->name + "); a function is partitioned over one mesh");
    if (mm) mesh = mm;
  };
  for (Value *a : f.args)
    use(a->sharding, a->loc);
  for (auto &op : f.ops)
    use(op->result->sharding, op->loc);
  for (auto &r : f.results)
    use(r.sharding, r.loc);
  if (!mesh && m.meshes.size() == 1) mesh = &m.meshes[0];
  return mesh;
}

std::unique_ptr<Pass> createPropagateShardingPass() {
  return std::make_unique<PropagateShardingPass>();
}

} // namespace partita
