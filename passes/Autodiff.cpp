// Reverse-mode automatic differentiation of @main (the `autodiff` pass, partita-opt
// --differentiate). It runs on unpartitioned programs, before propagation and partitioning,
// as JAX differentiates before GSPMD partitions: the backward ops are ordinary IR, so the
// same passes shard them. Each op's derivative is the VJP rule of its record
// (opInfo(opcode).vjp, ir/Vjp.h, defined beside the op in ir/ops/); this file only walks the
// program backwards, accumulates cotangents and assembles the results.
#include "ir/OpInfo.h"
#include "ir/Vjp.h"
#include "passes/Passes.h"

#include <unordered_map>
#include <unordered_set>

namespace partita {

namespace {

bool isTrainable(const AttrDict &attrs) {
  auto it = attrs.find("trainable");
  return it != attrs.end() && it->second.kind == Attr::Kind::Bool && it->second.b;
}

class AutodiffPass : public Pass {
public:
  std::string name() const override { return "autodiff"; }

  PassResult run(Module &m, Diagnostics &diags) override {
    PassResult r;
    Func *f = m.main();
    if (!f) {
      r.ok = false;
      Loc at;
      if (!m.funcs.empty()) at = m.funcs.front()->loc;
      diags.error(at, "autodiff: module has no @main function");
      return r;
    }
    if (f->partitionedMesh()) {
      r.ok = false;
      diags.error(f->loc, "autodiff: @main is already partitioned; differentiate the "
                          "unpartitioned program (before --partition)");
      return r;
    }
    std::vector<size_t> trainable;
    for (size_t i = 0; i < f->args.size(); ++i) {
      if (!isTrainable(f->argAttrs[i])) continue;
      const Value *a = f->args[i];
      if (!isFloat(a->type.dtype)) {
        diags.error(a->loc, "autodiff: trainable argument %" + a->name + " has type " +
                                a->type.str() + "; only float arguments can be differentiated");
        r.ok = false;
      }
      trainable.push_back(i);
    }
    if (!r.ok) return r;
    if (trainable.empty()) {
      diags.error(f->loc, "autodiff: no argument of @main is marked `trainable = true`");
      r.ok = false;
      return r;
    }
    // The loss is a float scalar: f32, or bf16 when a mixed-precision program returns it in
    // its activation dtype (the cotangents then start in bf16, as the forward ran).
    if (f->returns.empty() || f->returns[0]->type.rank() != 0 ||
        !isFloat(f->returns[0]->type.dtype)) {
      Loc at = f->results.empty() ? f->returnLoc : f->results[0].loc;
      if (!at.known()) at = f->returnLoc;
      diags.error(at,
                  "autodiff: the first result of @main must be the loss, a float scalar; got " +
                      (f->returns.empty() ? std::string("no result") : f->returns[0]->type.str()));
      r.ok = false;
      return r;
    }

    // Active values: float values that depend on a trainable argument. Only they carry
    // cotangents, so integer index computations (argmax, one_hot of ids, iota) and
    // constants never need a rule.
    std::unordered_set<const Value *> active;
    for (size_t i : trainable)
      active.insert(f->args[i]);
    for (const auto &op : f->ops) {
      if (!isFloat(op->type().dtype)) continue;
      for (const Value *o : op->operands)
        if (active.count(o)) {
          active.insert(op->result);
          break;
        }
    }
    // Ops whose result is needed for the loss's gradient: active and reaching result 0.
    std::unordered_set<const Value *> useful{f->returns[0]};
    for (size_t i = f->ops.size(); i-- > 0;) {
      const Op &op = *f->ops[i];
      if (!useful.count(op.result)) continue;
      for (const Value *o : op.operands)
        if (active.count(o)) useful.insert(o);
    }

    Builder b(*f);
    std::unordered_map<const Value *, Value *> ct; // value → its accumulated cotangent
    auto accumulate = [&](const Value *v, Value *c) {
      auto it = ct.find(v);
      if (it == ct.end()) {
        ct[v] = c;
        return;
      }
      it->second = b.create(Opcode::Add, {it->second, c}, {}, v->type, "grad." + v->name);
    };
    b.setLoc(f->returnLoc);
    Value *seed = b.create(Opcode::Constant, {}, {{"value", Attr::ofFloat(1.0)}},
                           f->returns[0]->type, "grad.seed");
    accumulate(f->returns[0], seed);

    size_t forwardOps = f->ops.size();
    for (size_t i = forwardOps; i-- > 0;) {
      Op &op = *f->ops[i];
      if (!active.count(op.result) || !useful.count(op.result)) continue;
      auto it = ct.find(op.result);
      if (it == ct.end()) continue;
      VjpFn rule = opInfo(op.opcode).vjp;
      if (!rule) {
        diags.error(op.loc, std::string("autodiff: op '") + opcodeName(op.opcode) +
                                "' has no derivative rule (its result %" + op.result->name +
                                " depends on a trainable argument)");
        r.ok = false;
        return r;
      }
      b.setLoc(op.loc);
      std::vector<bool> want(op.operands.size());
      for (size_t k = 0; k < op.operands.size(); ++k)
        want[k] = active.count(op.operands[k]) != 0;
      VjpContext cx{b, op, it->second, want};
      std::vector<Value *> grads = rule(cx);
      for (size_t k = 0; k < op.operands.size(); ++k)
        if (want[k] && k < grads.size() && grads[k]) accumulate(op.operands[k], grads[k]);
    }

    for (size_t i : trainable) {
      Value *a = f->args[i];
      Value *g;
      auto it = ct.find(a);
      if (it != ct.end()) {
        g = it->second;
      } else {
        b.setLoc(a->loc);
        g = b.create(Opcode::Constant, {}, {{"value", Attr::ofFloat(0.0)}}, a->type,
                     "grad." + a->name);
      }
      FuncResult res;
      res.type = a->type;
      res.sharding = a->sharding;
      res.loc = a->loc;
      f->results.push_back(res);
      f->returns.push_back(g);
    }
    // Cotangents that never reached an argument are dead.
    Diagnostics none;
    createDcePass()->run(m, none);
    r.changed = true;
    return r;
  }
};

} // namespace

std::unique_ptr<Pass> createAutodiffPass() { return std::make_unique<AutodiffPass>(); }

} // namespace partita
