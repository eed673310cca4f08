// The clean-up passes: dead-code elimination and common-subexpression elimination. Both
// treat collectives like any other op: every device runs the same program, so removing or
// merging one does so on every device alike.
#include "passes/Passes.h"

#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace partita {

namespace {

class DcePass : public Pass {
public:
  std::string name() const override { return "dce"; }
  PassResult run(Module &m, Diagnostics &) override {
    PassResult r;
    for (auto &f : m.funcs) {
      std::unordered_set<const Value *> live(f->returns.begin(), f->returns.end());
      // One backward sweep suffices: in SSA order every use follows its definition.
      std::vector<bool> keep(f->ops.size(), false);
      size_t n = 0;
      for (size_t i = f->ops.size(); i-- > 0;) {
        const Op &op = *f->ops[i];
        if (!live.count(op.result)) continue;
        live.insert(op.operands.begin(), op.operands.end());
        keep[i] = true;
        ++n;
      }
      if (n == f->ops.size()) continue;
      std::vector<std::unique_ptr<Op>> kept;
      for (size_t i = 0; i < f->ops.size(); ++i)
        if (keep[i]) kept.push_back(std::move(f->ops[i]));
      f->ops = std::move(kept);
      f->collectGarbage();
      r.changed = true;
    }
    return r;
  }
};

// Attribute equality for merging: like Attr::operator== but floats compare bitwise, so that
// 0.0 and -0.0 stay apart (they differ under division) and equal NaNs merge.
bool sameAttr(const Attr &a, const Attr &b) {
  if (a.kind != b.kind) return false;
  if (a.kind == Attr::Kind::Float) return std::memcmp(&a.f, &b.f, sizeof(double)) == 0;
  if (a.kind != Attr::Kind::List) return a == b;
  if (a.list.size() != b.list.size()) return false;
  for (size_t i = 0; i < a.list.size(); ++i)
    if (!sameAttr(a.list[i], b.list[i])) return false;
  return true;
}

bool sameAttrs(const AttrDict &a, const AttrDict &b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
    if (i->first != j->first || !sameAttr(i->second, j->second)) return false;
  return true;
}

bool equivalent(const Op &a, const Op &b) {
  return a.opcode == b.opcode && a.operands == b.operands && a.type() == b.type() &&
         a.result->sharding == b.result->sharding && sameAttrs(a.attrs, b.attrs);
}

class CsePass : public Pass {
public:
  std::string name() const override { return "cse"; }
  PassResult run(Module &m, Diagnostics &) override {
    PassResult r;
    for (auto &f : m.funcs) {
      std::unordered_map<const Value *, Value *> replaced;
      auto repl = [&](Value *v) {
        auto it = replaced.find(v);
        return it == replaced.end() ? v : it->second;
      };
      // Candidates bucketed by opcode and operands; equivalence decides within a bucket.
      std::map<std::pair<Opcode, std::vector<Value *>>, std::vector<Op *>> seen;
      std::vector<std::unique_ptr<Op>> kept;
      for (auto &op : f->ops) {
        for (Value *&v : op->operands)
          v = repl(v);
        auto &bucket = seen[{op->opcode, op->operands}];
        Op *match = nullptr;
        for (Op *c : bucket)
          if (equivalent(*c, *op)) match = c;
        if (match) {
          replaced[op->result] = match->result;
          continue;
        }
        bucket.push_back(op.get());
        kept.push_back(std::move(op));
      }
      // Every op moved to `kept` (merged ones were dropped), so the list is always replaced.
      f->ops = std::move(kept);
      if (replaced.empty()) continue;
      for (Value *&v : f->returns)
        v = repl(v);
      f->collectGarbage();
      r.changed = true;
    }
    return r;
  }
};

} // namespace

std::unique_ptr<Pass> createDcePass() { return std::make_unique<DcePass>(); }
std::unique_ptr<Pass> createCsePass() { return std::make_unique<CsePass>(); }

} // namespace partita
