// merge-collectives: fuses a collective into the one that consumes it when together they
// are one collective over the union of their axes:
//   all_reduce(all_reduce(x, A), B) with the same reduction → all_reduce(x, A ++ B)
//   all_gather(all_gather(x, A, d), B, d)                   → all_gather(x, B ++ A, d)
// (gathering the minor axes A first and then B is one gather over B major, A minor.)
// The inner op must have no other use. Fewer, larger messages are cheaper on every network.
#include "passes/Partitioning.h"

#include "ir/OpAttrs.h"

#include <map>
#include <set>

namespace partita {

namespace {

class MergeCollectivesPass : public Pass {
public:
  std::string name() const override { return "merge-collectives"; }
  PassResult run(Module &m, Diagnostics &) override {
    PassResult r;
    for (auto &f : m.funcs) {
      std::map<const Value *, int> uses;
      for (const auto &op : f->ops)
        for (const Value *v : op->operands) ++uses[v];
      for (const Value *v : f->returns) ++uses[v];
      std::set<const Op *> dead;
      for (auto &op : f->ops) {
        if (op->operands.size() != 1) continue;
        Op *in = op->operands[0]->def;
        if (!in || in->opcode != op->opcode || uses[in->result] != 1) continue;
        auto a = collectiveAxes(*in), b = collectiveAxes(*op);
        std::vector<std::string> axes;
        if (op->opcode == Opcode::AllReduce &&
            AllReduceOp(*in).reduction() == AllReduceOp(*op).reduction()) {
          axes = a;
          axes.insert(axes.end(), b.begin(), b.end());
        } else if (op->opcode == Opcode::AllGather &&
                   AllGatherOp(*in).dim() == AllGatherOp(*op).dim()) {
          axes = b;
          axes.insert(axes.end(), a.begin(), a.end());
        } else {
          continue;
        }
        op->operands[0] = in->operands[0];
        op->attrs["axes"] = Attr::ofStrings(axes);
        dead.insert(in);
        r.changed = true;
      }
      if (dead.empty()) continue;
      std::vector<std::unique_ptr<Op>> kept;
      for (auto &op : f->ops)
        if (!dead.count(op.get())) kept.push_back(std::move(op));
      f->ops = std::move(kept);
      f->collectGarbage();
    }
    return r;
  }
};

} // namespace

std::unique_ptr<Pass> createMergeCollectivesPass() { return std::make_unique<MergeCollectivesPass>(); }

} // namespace partita
