// combine-collectives: merges independent all_reduces of the same axes, reduction and
// dtype into one all_reduce of a concatenated 1-D buffer (XLA's AllReduceCombiner):
//   %a.r = all_reduce(%a)   %b.r = all_reduce(%b)
// becomes
//   %c = concatenate(reshape(%a), reshape(%b)) ; %c.r = all_reduce(%c)
//   %a.r = reshape(slice(%c.r, 0..|a|))      ; %b.r = reshape(slice(%c.r, |a|..))
// Every collective pays a latency (a synchronisation and, under MPI, a few messages per
// round), so many small reductions (layer-norm statistics, losses, router sums) cost more
// than their bytes; one buffer pays it once, and the bytes on the wire do not change.
//
// Members need not be adjacent: an all_reduce may join a group when neither depends on the
// other through the program, counting every group already formed as one node (merging two
// nodes of a DAG makes a cycle exactly when a path joins them). The program is then
// rescheduled in its original order as far as the data allows: each combined all_reduce
// comes right after the last of its operands, and the ops that use a member's result before
// that point move down behind it, in their order.
// all_gather and reduce_scatter are not combined: gathering concatenated pieces
// interleaves them by device, which would need a transpose per member to undo.
#include "ir/OpAttrs.h"
#include "ir/OpInfo.h"
#include "ir/Reduction.h"
#include "passes/Partitioning.h"

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

namespace partita {

namespace {

// Largest combined operand, in bytes per device. Above it the latency saved is small next
// to the transfer, while the concatenation copies and the combined result, alive until its
// last slice is read, grow with it. XLA's CPU/GPU combiners use thresholds of the same order.
constexpr int64_t kCombineThresholdBytes = 1 << 20;
// Members are at most this many ops apart in the original program: the users of an early
// member wait for the group's last operand, so far-apart members would delay them and keep
// values alive across everything in between.
constexpr int64_t kCombineWindowOps = 2000;

struct Group {
  std::vector<Op *> members;
  int64_t bytes = 0;
  int64_t firstPos = 0;
};

// The program's data-flow graph, by op position, with the groups formed so far merged into
// single nodes.
class Graph {
public:
  Graph(Func &f, const std::vector<Group> &groups) : groups_(groups) {
    const size_t n = f.ops.size();
    for (size_t i = 0; i < n; ++i)
      pos_[f.ops[i].get()] = (int64_t)i;
    preds_.resize(n);
    succs_.resize(n);
    groupOf_.assign(n, -1);
    stamp_.assign(n, 0);
    for (size_t i = 0; i < n; ++i)
      for (const Value *v : f.ops[i]->operands)
        if (v->def) {
          int64_t d = pos_.at(v->def);
          preds_[i].push_back(d);
          succs_[d].push_back((int64_t)i);
        }
  }
  int64_t pos(const Op *op) const { return pos_.at(op); }
  int group(const Op *op) const { return groupOf_[pos(op)]; }
  void assign(const Op *op, int g) { groupOf_[pos(op)] = g; }

  // Whether the op at `c` and group `g` are joined by a path of the merged graph, in either
  // direction.
  bool connected(int64_t c, int g) { return reaches(c, g, preds_) || reaches(c, g, succs_); }

private:
  // Searches from `c` along `edges` (preds_: what c depends on; succs_: what depends on c)
  // for a member of group g, stepping from any member of a group to all of them.
  bool reaches(int64_t c, int g, const std::vector<std::vector<int64_t>> &edges) {
    ++epoch_;
    std::vector<int64_t> stack;
    auto expand = [&](int64_t o) {
      auto step = [&](int64_t m) {
        for (int64_t x : edges[m])
          if (stamp_[x] != epoch_) {
            stamp_[x] = epoch_;
            stack.push_back(x);
          }
      };
      int h = groupOf_[o];
      if (h < 0) return step(o);
      for (const Op *m : groups_[h].members)
        step(pos(m));
    };
    stamp_[c] = epoch_;
    expand(c);
    while (!stack.empty()) {
      int64_t o = stack.back();
      stack.pop_back();
      if (groupOf_[o] == g) return true;
      expand(o);
    }
    return false;
  }

  const std::vector<Group> &groups_;
  std::unordered_map<const Op *, int64_t> pos_;
  std::vector<std::vector<int64_t>> preds_, succs_;
  std::vector<int> groupOf_;
  std::vector<uint32_t> stamp_;
  uint32_t epoch_ = 0;
};

class CombineCollectivesPass : public Pass {
public:
  std::string name() const override { return "combine-collectives"; }

  PassResult run(Module &m, Diagnostics &) override {
    PassResult r;
    for (auto &f : m.funcs)
      r.changed |= runOn(*f);
    return r;
  }

private:
  static std::string keyOf(const Op &op) {
    AllReduceOp ar(op);
    std::string key = std::string(reductionName(ar.reduction())) + "|" +
                      dtypeName(op.operands[0]->type.dtype) + "|";
    for (const auto &a : ar.axes())
      key += a + ",";
    return key;
  }

  static bool runOn(Func &f) {
    std::vector<Group> groups;
    Graph graph(f, groups);
    std::map<std::string, int> open; // key -> the group the next candidate tries first
    for (size_t i = 0; i < f.ops.size(); ++i) {
      Op *op = f.ops[i].get();
      // An async all_reduce is already scheduled (its await reads it): left as it is.
      if (op->opcode != Opcode::AllReduce || op->operands.size() != 1 || isAsyncCollective(*op))
        continue;
      int64_t bytes = op->operands[0]->type.bytes();
      if (bytes > kCombineThresholdBytes) continue;
      std::string key = keyOf(*op);
      auto it = open.find(key);
      if (it != open.end()) {
        Group &g = groups[it->second];
        if (g.bytes + bytes <= kCombineThresholdBytes &&
            (int64_t)i - g.firstPos <= kCombineWindowOps &&
            !graph.connected((int64_t)i, it->second)) {
          g.members.push_back(op);
          g.bytes += bytes;
          graph.assign(op, it->second);
          continue;
        }
      }
      groups.push_back(Group{{op}, bytes, (int64_t)i});
      graph.assign(op, (int)groups.size() - 1);
      open[key] = (int)groups.size() - 1;
    }
    bool any = false;
    for (const Group &g : groups)
      any |= g.members.size() >= 2;
    if (!any) return false;
    schedule(f, graph, groups);
    return true;
  }

  // Rebuilds f.ops: Kahn's algorithm over the merged graph, always taking the ready node
  // that came first in the original program; a group's node counts as placed at its last
  // operand, so it comes as early as its data allows and its members' users follow it.
  static void schedule(Func &f, const Graph &graph, const std::vector<Group> &groups) {
    const int64_t n = (int64_t)f.ops.size();
    // Node ids: ops that stay are their position; group g with 2+ members is n + g.
    auto combined = [&](int g) { return g >= 0 && groups[g].members.size() >= 2; };
    auto nodeOf = [&](const Op *o) -> int64_t {
      int g = graph.group(o);
      return combined(g) ? n + g : graph.pos(o);
    };
    int64_t total = n + (int64_t)groups.size();
    std::vector<int64_t> indeg(total, 0), prio(total, 0);
    std::vector<std::vector<int64_t>> succ(total);
    std::vector<bool> live(total, false);
    for (int64_t i = 0; i < n; ++i) {
      const Op *op = f.ops[i].get();
      int64_t me = nodeOf(op);
      live[me] = true;
      if (me == i) prio[me] = 2 * i;
      for (const Value *v : op->operands) {
        if (!v->def) continue;
        int64_t from = nodeOf(v->def);
        if (from == me) continue;
        succ[from].push_back(me);
        ++indeg[me];
        if (me != i) prio[me] = std::max(prio[me], 2 * graph.pos(v->def) + 1);
      }
    }
    using Item = std::pair<int64_t, int64_t>; // (priority, node)
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
    for (int64_t k = 0; k < total; ++k)
      if (live[k] && indeg[k] == 0) ready.push({prio[k], k});
    std::vector<std::unique_ptr<Op>> out, old = std::move(f.ops);
    Builder b(f, out);
    while (!ready.empty()) {
      int64_t k = ready.top().second;
      ready.pop();
      if (k < n)
        out.push_back(std::move(old[k]));
      else
        emitGroup(b, groups[k - n]);
      for (int64_t s2 : succ[k])
        if (--indeg[s2] == 0) ready.push({prio[s2], s2});
    }
    f.ops = std::move(out);
    f.collectGarbage();
  }

  // Emits the combined all_reduce of `g` and, for each member, the slice and reshape that
  // now define the member's result value (so its name and its uses stay as they were).
  static void emitGroup(Builder &b, const Group &g) {
    const Op *first = g.members.front();
    b.setLoc(first->loc);
    DType dt = first->operands[0]->type.dtype;
    std::vector<Value *> flat;
    std::vector<int64_t> sizes;
    int64_t total = 0;
    for (const Op *o : g.members) {
      Value *x = o->operands[0];
      int64_t e = x->type.numElements();
      sizes.push_back(e);
      total += e;
      flat.push_back(x->type.rank() == 1 ? x
                                         : b.create(Opcode::Reshape, {x}, {}, TensorType(dt, {e}),
                                                    x->name + ".flat"));
    }
    TensorType all(dt, {total});
    Value *cat = b.create(Opcode::Concatenate, flat, {{"dim", Attr::ofInt(0)}}, all, "combined");
    Value *red = b.create(Opcode::AllReduce, {cat}, first->attrs, all, "combined.ar");
    int64_t off = 0;
    for (size_t k = 0; k < g.members.size(); ++k) {
      Value *res = g.members[k]->result;
      Value *piece =
          b.create(Opcode::Slice, {red},
                   {{"start", Attr::ofInts({off})}, {"limit", Attr::ofInts({off + sizes[k]})}},
                   TensorType(dt, {sizes[k]}), res->name + ".piece");
      off += sizes[k];
      if (res->type.rank() != 1)
        piece = b.create(Opcode::Reshape, {piece}, {}, res->type, res->name + ".piece");
      // The last op takes over the member's result value; its own fresh value is dropped
      // by collectGarbage.
      Op *def = piece->def;
      def->result = res;
      res->def = def;
    }
  }
};

} // namespace

std::unique_ptr<Pass> createCombineCollectivesPass() {
  return std::make_unique<CombineCollectivesPass>();
}

} // namespace partita
