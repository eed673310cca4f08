// The async-collectives pass: every collective becomes a start (the op with `async = true`)
// and a wait (an `await` of its pending result), and the function is rescheduled so that
// each start sits as early as its operand allows and each wait just before the first op that
// reads the value, with at most `maxOutstanding` collectives in flight (XLA's async collective
// creation followed by its latency-hiding scheduler, with program order as the cost model).
// docs/partitioning.md, "Overlapping collectives".
#include "passes/Passes.h"

#include "ir/OpInfo.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <unordered_map>
#include <unordered_set>

namespace partita {

namespace {

class AsyncCollectivesPass : public Pass {
public:
  explicit AsyncCollectivesPass(int maxOutstanding) : max_(maxOutstanding) {}
  std::string name() const override { return "async-collectives"; }

  PassResult run(Module &m, Diagnostics &) override {
    PassResult r;
    for (auto &f : m.funcs) {
      bool converted = convert(*f);
      bool moved = schedule(*f);
      r.changed = r.changed || converted || moved;
    }
    return r;
  }

private:
  int max_;

  // Splits each blocking collective into itself marked async and an await that takes over
  // its uses (and its name's meaning: later ops read the await).
  bool convert(Func &f) {
    std::vector<std::unique_ptr<Op>> ops = std::move(f.ops);
    f.ops.clear();
    std::unordered_map<const Value *, Value *> done;
    auto renamed = [&](Value *v) {
      auto it = done.find(v);
      return it == done.end() ? v : it->second;
    };
    bool changed = false;
    for (auto &op : ops) {
      for (Value *&v : op->operands)
        v = renamed(v);
      Op *raw = op.get();
      f.ops.push_back(std::move(op));
      if (!isCollective(raw->opcode) || isAsyncCollective(*raw)) continue;
      raw->attrs["async"] = Attr::ofBool(true);
      Builder b(f);
      b.setLoc(raw->loc);
      Value *w =
          b.create(Opcode::Await, {raw->result}, {}, raw->type(), raw->result->name + "_done");
      w->sharding = raw->result->sharding;
      done[raw->result] = w;
      changed = true;
    }
    for (Value *&v : f.returns)
      v = renamed(v);
    return changed;
  }

  // List scheduling over the program order of the other ops: they keep their relative
  // order; starts are issued as soon as their operand exists and a slot is free; a wait is
  // placed only when something reads its value (or, to free a slot for a start that is
  // needed now, the oldest outstanding collective is waited for early).
  bool schedule(Func &f) {
    enum Role { Compute, Start, Wait };
    auto role = [](const Op &op) {
      return isAsyncCollective(op) ? Start : op.opcode == Opcode::Await ? Wait : Compute;
    };
    std::unordered_map<const Value *, Op *> waitOf;
    for (const auto &op : f.ops)
      if (role(*op) == Wait) waitOf[op->operands[0]] = op.get();

    std::unordered_set<const Value *> defined(f.args.begin(), f.args.end());
    std::unordered_set<const Op *> emitted;
    std::vector<Op *> order;
    std::deque<Op *> outstanding; // started, not yet waited for, oldest first
    auto emit = [&](Op *op) {
      order.push_back(op);
      emitted.insert(op);
      defined.insert(op->result);
      if (role(*op) == Start) outstanding.push_back(op);
      if (role(*op) == Wait) {
        auto it = std::find(outstanding.begin(), outstanding.end(), op->operands[0]->def);
        if (it != outstanding.end()) outstanding.erase(it);
      }
    };
    std::function<void(Op *)> force = [&](Op *op) {
      if (emitted.count(op)) return;
      for (Value *v : op->operands)
        if (!defined.count(v) && v->def) force(v->def);
      if (role(*op) == Start)
        while ((int)outstanding.size() >= max_ && waitOf.count(outstanding.front()->result))
          emit(waitOf.at(outstanding.front()->result));
      emit(op);
    };
    std::vector<Op *> starts;
    for (const auto &op : f.ops)
      if (role(*op) == Start) starts.push_back(op.get());
    auto issueReady = [&] {
      for (Op *s : starts) {
        if ((int)outstanding.size() >= max_) return;
        if (emitted.count(s)) continue;
        bool ready = std::all_of(s->operands.begin(), s->operands.end(),
                                 [&](const Value *v) { return defined.count(v) > 0; });
        if (ready) emit(s);
      }
    };
    issueReady();
    for (const auto &op : f.ops) {
      if (role(*op) != Compute) continue;
      force(op.get());
      issueReady();
    }
    for (Value *v : f.returns)
      if (v->def) force(v->def);
    for (const auto &op : f.ops)
      force(op.get());

    bool changed = false;
    std::unordered_map<const Op *, std::unique_ptr<Op>> owner;
    for (size_t i = 0; i < f.ops.size(); ++i) {
      changed = changed || f.ops[i].get() != order[i];
      owner[f.ops[i].get()] = std::move(f.ops[i]);
    }
    for (size_t i = 0; i < order.size(); ++i)
      f.ops[i] = std::move(owner.at(order[i]));
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createAsyncCollectivesPass(int maxOutstanding) {
  return std::make_unique<AsyncCollectivesPass>(std::max(1, maxOutstanding));
}

} // namespace partita
