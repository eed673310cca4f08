// The code generator's analysis (runtime/LoweringPlan.h): value kinds and fusion groups,
// per-root leaves, scratch and thread split, and the workspace arena plan. Pure C++ over
// ir/IR.h, so it can be unit-tested without LLVM.
#include "runtime/LoweringPlan.h"

#include "ir/OpAttrs.h"
#include "ir/OpInfo.h"

#include <algorithm>
#include <map>
#include <set>

namespace partita {

bool isElementalOp(Opcode c) {
  if (isElementwise(c)) return true;
  switch (c) {
  case Opcode::Constant:
  case Opcode::Iota:
  case Opcode::AxisIndex:
  case Opcode::BroadcastInDim:
  case Opcode::Transpose:
  case Opcode::Slice:
  case Opcode::Pad:
  case Opcode::Concatenate:
  case Opcode::DynamicSlice:
  case Opcode::DynamicUpdateSlice:
  case Opcode::OneHot:
  case Opcode::Take:
    return true;
  default:
    return false;
  }
}

bool isSplatConstant(const Op &op) {
  return op.opcode == Opcode::Constant && ConstantOp(op).value().kind != Attr::Kind::List;
}

int64_t alignBuffer(int64_t x) { return (x + kBufferAlign - 1) / kBufferAlign * kBufferAlign; }

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = (int)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

int64_t shapeProduct(const std::vector<int64_t> &v, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i)
    p *= v[i];
  return p;
}

const Value *LoweringPlan::storageOf(const Value *v) const {
  while (kind.at(v) == ValueKind::Alias)
    v = v->def->operands[0];
  return v;
}

std::vector<int64_t> LoweringPlan::stridesOf(const Value *v) const {
  if (kind.at(v) == ValueKind::Alias && v->def->opcode == Opcode::Transpose) {
    std::vector<int64_t> src = stridesOf(v->def->operands[0]);
    auto perm = TransposeOp(*v->def).perm();
    std::vector<int64_t> out(perm.size());
    for (size_t i = 0; i < perm.size(); ++i)
      out[i] = src[perm[i]];
    return out;
  }
  return rowMajorStrides(v->type.shape);
}

// Recursion depth is bounded by the fusion group's size (kMaxFusionGroup).
bool LoweringPlan::flatFusable(const Op &op) const {
  if (!(isElementwise(op.opcode) || isSplatConstant(op))) return false;
  for (const Value *o : op.operands)
    if (!isLeaf(o) && !flatFusable(*o->def)) return false;
  return true;
}

namespace {

using Users = std::unordered_map<const Value *, std::vector<std::pair<const Op *, size_t>>>;

// Users that evaluate their operands element by element, so the operands may be fused.
bool readsElementally(const Op &user) {
  if (isElementalOp(user.opcode)) return true;
  switch (user.opcode) {
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
  case Opcode::Cumsum:
  case Opcode::Argmax:
  case Opcode::ScatterAdd:
    return true;
  default:
    return false;
  }
}

// Users that read one operand element many times; fusing an expensive producer there would
// recompute it that many times.
bool replicatesOperand(const Op &user, size_t i) {
  switch (user.opcode) {
  case Opcode::BroadcastInDim:
    return user.operands[0]->type.numElements() < user.type().numElements();
  case Opcode::Take:
  case Opcode::OneHot:
    return true;
  case Opcode::ScatterAdd:
    return i == 1;
  case Opcode::Cumsum:
    return CumsumOp(user).exclusive(); // reads the previous element too
  default:
    return false;
  }
}

bool isCheap(const Op &op) {
  return isSplatConstant(op) || op.opcode == Opcode::Iota || op.opcode == Opcode::AxisIndex;
}

class Planner {
public:
  Planner(const Func &f, const Mesh *mesh, LoweringPlan &p, Diagnostics &diags)
      : f_(f), mesh_(mesh), p_(p), diags_(diags) {}
  bool run();

private:
  void classify();
  void fuse(const Users &users);
  void capFusionGroups();
  void aliasEinsumTransposes(const Users &users);
  bool checkSupported(const Op &op);
  std::vector<const Value *> collectLeaves(const Op &op) const;
  void threadPlan(RootPlan &r) const;
  int64_t scratchBytesFor(const Op &op) const;
  void planMemory();

  const Func &f_;
  const Mesh *mesh_;
  LoweringPlan &p_;
  Diagnostics &diags_;
  std::unordered_map<const Value *, int> uses_;
  std::unordered_map<const Op *, CollectivePlan> collectives_; // filled by checkSupported
};

void Planner::classify() {
  auto &kind = p_.kind;
  for (const Value *a : f_.args)
    kind[a] = ValueKind::Arg;
  std::unordered_map<const Value *, bool> live;
  for (const Value *r : f_.returns)
    live[r] = true;
  for (int i = (int)f_.ops.size() - 1; i >= 0; --i) {
    const Op &op = *f_.ops[i];
    p_.pos[op.result] = i;
    if (!live[op.result]) continue;
    for (const Value *o : op.operands) {
      live[o] = true;
      ++uses_[o];
    }
  }
  for (const auto &opp : f_.ops) {
    const Op &op = *opp;
    const Value *v = op.result;
    if (!live[v])
      kind[v] = ValueKind::Dead;
    else if (op.opcode == Opcode::Reshape || op.opcode == Opcode::ShardingConstraint ||
             op.opcode == Opcode::Await)
      kind[v] = ValueKind::Alias;
    else if (op.opcode == Opcode::Constant && !isSplatConstant(op))
      kind[v] = ValueKind::Global;
    else
      kind[v] = ValueKind::Root;
  }
  Users users;
  for (const auto &opp : f_.ops)
    if (kind[opp->result] != ValueKind::Dead)
      for (size_t i = 0; i < opp->operands.size(); ++i)
        users[opp->operands[i]].push_back({opp.get(), i});
  fuse(users);
  capFusionGroups();
  aliasEinsumTransposes(users);
}

// A producer is fused when every live user evaluates it elementally, it is used once (or is
// free to recompute), and it is not a result.
void Planner::fuse(const Users &users) {
  std::set<const Value *> returned(f_.returns.begin(), f_.returns.end());
  for (const auto &opp : f_.ops) {
    const Op &op = *opp;
    const Value *v = op.result;
    if (p_.kind[v] != ValueKind::Root || !isElementalOp(op.opcode) || returned.count(v)) continue;
    auto it = users.find(v);
    if (it == users.end()) continue;
    bool fuse = true;
    for (auto [u, i] : it->second)
      fuse = fuse && readsElementally(*u) &&
             (isCheap(op) || (uses_[v] == 1 && !replicatesOperand(*u, i)));
    if (fuse) p_.kind[v] = ValueKind::Fused;
  }
}

// In program order, each op's group is itself plus its fused operands' groups; while that
// exceeds kMaxFusionGroup, the largest fused operand becomes a root. So no group, and no
// recursion of the element emitter, grows with the program.
void Planner::capFusionGroups() {
  auto &kind = p_.kind;
  std::unordered_map<const Value *, int> size; // ops in a fused value's group
  for (const auto &opp : f_.ops) {
    const Value *v = opp->result;
    if (kind[v] != ValueKind::Fused && kind[v] != ValueKind::Root) continue;
    auto groupSize = [&] {
      int s = 1;
      for (const Value *o : opp->operands)
        if (kind[o] == ValueKind::Fused) s += size[o];
      return s;
    };
    int s = groupSize();
    while (s > kMaxFusionGroup) {
      const Value *largest = nullptr;
      for (const Value *o : opp->operands)
        if (kind[o] == ValueKind::Fused && (!largest || size[o] > size[largest])) largest = o;
      if (!largest) break;
      kind[largest] = ValueKind::Root;
      s = groupSize();
    }
    size[v] = s;
  }
}

// A transpose read only by einsums is never materialized: the einsum kernel reads its
// operand through permuted strides (einsumDescriptor), as a transposed GEMM operand or a
// packed one, instead of copying it first.
void Planner::aliasEinsumTransposes(const Users &users) {
  auto &kind = p_.kind;
  std::set<const Value *> returned(f_.returns.begin(), f_.returns.end());
  for (const auto &opp : f_.ops) {
    const Value *v = opp->result;
    auto it = users.find(v);
    if (opp->opcode != Opcode::Transpose || kind[v] != ValueKind::Root || returned.count(v) ||
        it == users.end() || kind[opp->operands[0]] == ValueKind::Fused)
      continue;
    bool einsumsOnly = true;
    for (auto [u, i] : it->second)
      einsumsOnly = einsumsOnly && u->opcode == Opcode::Einsum;
    if (einsumsOnly) kind[v] = ValueKind::Alias;
  }
}

// The storages a root's fusion group reads, in a deterministic order (arguments, then
// program order; pointer order is not stable), so the IR text and its cache key are.
std::vector<const Value *> Planner::collectLeaves(const Op &root) const {
  std::set<const Value *> seen;
  std::vector<const Op *> work = {&root};
  while (!work.empty()) {
    const Op *op = work.back();
    work.pop_back();
    for (const Value *o : op->operands) {
      if (p_.isLeaf(o))
        seen.insert(p_.storageOf(o));
      else
        work.push_back(o->def);
    }
  }
  std::vector<const Value *> leaves(seen.begin(), seen.end());
  auto order = [&](const Value *v) {
    return p_.kind.at(v) == ValueKind::Arg ? v->argIndex : (int)f_.args.size() + p_.pos.at(v);
  };
  std::sort(leaves.begin(), leaves.end(), [&](auto *a, auto *b) { return order(a) < order(b); });
  return leaves;
}

bool Planner::checkSupported(const Op &op) {
  auto fail = [&](const std::string &msg) {
    diags_.error(op.loc, msg);
    return false;
  };
  bool needsMesh = isCollective(op.opcode) || op.opcode == Opcode::AxisIndex;
  if (needsMesh && !mesh_)
    return fail(std::string("'") + opcodeName(op.opcode) +
                "' needs a mesh: the function must be marked 'attributes {partitioned = @mesh}'");
  if (needsMesh) {
    std::vector<std::string> axes = op.opcode == Opcode::AxisIndex
                                        ? std::vector<std::string>{AxisIndexOp(op).axis()}
                                        : collectiveAxes(op);
    for (const auto &a : axes)
      if (mesh_->axisIndex(a) < 0)
        return fail("axis \"" + a + "\" is not an axis of mesh @" + mesh_->name);
  }
  if (isCollective(op.opcode)) {
    try {
      collectives_[&op] = planCollective(op, *mesh_);
    } catch (const std::exception &e) {
      return fail(e.what());
    }
  }
  return true;
}

// Roots whose outer loop may be split over threads: elementwise/data-movement roots (over
// the flat index, or the leading output dimension for loop nests), and reductions, cumsum
// and argmax whose leading dimension is kept (each thread then owns its outputs). Small
// roots stay serial: waking a thread costs more than a few thousand elements.
void Planner::threadPlan(RootPlan &r) const {
  const Op &op = *r.op;
  const TensorType &t = op.type();
  int64_t n = 0, work = 0;
  if (isElementalOp(op.opcode)) {
    work = t.numElements();
    n = r.flat ? work : (t.rank() > 0 ? t.shape[0] : 0);
  } else if (op.opcode == Opcode::ReduceSum || op.opcode == Opcode::ReduceMax ||
             op.opcode == Opcode::ReduceMin) {
    const TensorType &in = op.operands[0]->type;
    auto dims = reducedDims(op);
    bool keeps0 = in.rank() > 0 && std::find(dims.begin(), dims.end(), 0) == dims.end();
    work = in.numElements();
    n = keeps0 ? in.shape[0] : 0;
  } else if (op.opcode == Opcode::Cumsum || op.opcode == Opcode::Argmax) {
    const TensorType &in = op.operands[0]->type;
    work = in.numElements();
    int64_t dim = op.opcode == Opcode::Cumsum ? CumsumOp(op).dim() : ArgmaxOp(op).dim();
    n = in.rank() > 0 && dim != 0 ? in.shape[0] : 0;
  }
  const int64_t minWork = 1 << 16, minPart = 1 << 14;
  if (n < 2 || work < minWork) return;
  r.parN = n;
  r.parGrain = std::max<int64_t>(1, minPart / std::max<int64_t>(1, work / n));
}

int64_t Planner::scratchBytesFor(const Op &op) const {
  const TensorType &t = op.type();
  switch (op.opcode) {
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
  case Opcode::Cumsum:
  case Opcode::ScatterAdd:
    return t.dtype == DType::BF16 ? t.numElements() * 4 : 0; // f32 accumulators
  case Opcode::Argmax:
    return t.numElements() * 4; // the best value so far
  case Opcode::Einsum: {
    int64_t bytes = 0;
    einsumDescriptor(op, p_, &bytes);
    return bytes;
  }
  case Opcode::AllReduce:
  case Opcode::AllGather:
  case Opcode::ReduceScatter:
  case Opcode::AllToAll:
  case Opcode::CollectivePermute:
    return collectives_.at(&op).scratchBytes;
  default:
    return 0;
  }
}

bool Planner::run() {
  classify();
  bool ok = true;
  for (const auto &opp : f_.ops)
    if (p_.kind[opp->result] != ValueKind::Dead && !checkSupported(*opp)) ok = false;
  if (!ok) return false;
  std::unordered_map<const Value *, int64_t> slotOf; // pending value -> its request slot
  for (const auto &opp : f_.ops) {
    // An await computes nothing but must run where it stands: a root without a buffer.
    if (opp->opcode == Opcode::Await && p_.kind[opp->result] == ValueKind::Alias) {
      RootPlan w;
      w.op = opp.get();
      w.pos = p_.pos[opp->result];
      w.isWait = true;
      w.asyncSlot = slotOf.at(opp->operands[0]);
      p_.roots.push_back(std::move(w));
      continue;
    }
    if (p_.kind[opp->result] != ValueKind::Root) continue;
    RootPlan r;
    r.op = opp.get();
    r.pos = p_.pos[opp->result];
    if (isAsyncCollective(*opp)) {
      r.asyncSlot = (int64_t)slotOf.size();
      slotOf[opp->result] = r.asyncSlot;
    }
    r.leaves = collectLeaves(*opp);
    r.flat = isElementalOp(opp->opcode) && p_.flatFusable(*opp);
    r.scratchBytes = scratchBytesFor(*opp);
    if (auto it = collectives_.find(opp.get()); it != collectives_.end()) r.collective = it->second;
    threadPlan(r);
    p_.roots.push_back(std::move(r));
  }
  planMemory();
  return true;
}

// ---- the arena ----

struct Item {
  int64_t size;
  int start, end; // live interval in op positions, inclusive
  int64_t offset = 0;
};

// The sum of the buffers live at once, at its peak: what no placement can beat.
int64_t peakLiveBytes(const std::vector<Item> &items) {
  std::map<int, int64_t> delta;
  for (const Item &it : items) {
    delta[it.start] += it.size;
    delta[it.end + 1] -= it.size;
  }
  int64_t live = 0, peak = 0;
  for (auto [pos, d] : delta) {
    live += d;
    peak = std::max(peak, live);
  }
  return peak;
}

// Greedy by size, first fit among the items whose intervals overlap; returns the arena size.
int64_t placeItems(std::vector<Item> &items) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  // Largest first, ties in creation order (std::sort with the tie-break: libstdc++'s
  // stable_sort warns under clang about its deprecated get_temporary_buffer).
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return items[a].size != items[b].size ? items[a].size > items[b].size : a < b;
  });
  std::vector<size_t> placed;
  int64_t total = 0;
  for (size_t idx : order) {
    Item &it = items[idx];
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t pi : placed) {
      const Item &p = items[pi];
      if (p.start <= it.end && it.start <= p.end) busy.push_back({p.offset, p.offset + p.size});
    }
    std::sort(busy.begin(), busy.end());
    int64_t off = 0;
    for (auto [b, e] : busy) {
      if (off + it.size <= b) break;
      off = std::max(off, e);
    }
    it.offset = off;
    total = std::max(total, off + it.size);
    placed.push_back(idx);
  }
  return total;
}

void Planner::planMemory() {
  // Results computed by a root go straight into the caller's result buffer.
  for (size_t k = 0; k < f_.returns.size(); ++k) {
    const Value *v = f_.returns[k];
    // An async collective whose await is returned receives straight into the result too.
    if (p_.kind[v] == ValueKind::Alias && v->def->opcode == Opcode::Await) v = p_.storageOf(v);
    if (p_.kind[v] == ValueKind::Root && !p_.resultSlot.count(v)) p_.resultSlot[v] = (int)k;
  }
  std::unordered_map<const Value *, int> lastUse;
  for (const RootPlan &r : p_.roots)
    for (const Value *l : r.leaves)
      lastUse[l] = std::max(lastUse[l], r.pos);
  for (const Value *v : f_.returns)
    lastUse[p_.storageOf(v)] = (int)f_.ops.size() + 1; // copied out at the end
  // An async collective reads its operand and writes its result and scratch until its
  // await: all three stay live (and unshared) up to there.
  std::unordered_map<const Op *, int> waitPos;
  for (const RootPlan &r : p_.roots)
    if (r.isWait) {
      const Op *start = r.op->operands[0]->def;
      waitPos[start] = r.pos;
      lastUse[start->result] = std::max(lastUse[start->result], r.pos);
      lastUse[p_.storageOf(start->operands[0])] =
          std::max(lastUse[p_.storageOf(start->operands[0])], r.pos);
    }

  std::vector<Item> items;
  std::unordered_map<const Value *, size_t> itemOf; // root value -> its buffer's item
  std::vector<size_t> scratchItem(p_.roots.size(), SIZE_MAX);
  for (size_t i = 0; i < p_.roots.size(); ++i) {
    RootPlan &r = p_.roots[i];
    if (r.isWait) continue;
    const Value *v = r.op->result;
    int end = std::max(r.pos, lastUse[v]);
    if (!p_.resultSlot.count(v)) {
      // A flat elementwise root may write over an operand that dies here: it reads each
      // element at the index it writes, before writing it. The two values share one buffer.
      for (const Value *l : r.leaves) {
        auto it = itemOf.find(l);
        if (it == itemOf.end() || lastUse[l] != r.pos || !r.flat ||
            l->type.bytes() != v->type.bytes() ||
            dtypeBytes(l->type.dtype) != dtypeBytes(v->type.dtype))
          continue;
        r.inPlace = l;
        items[it->second].end = std::max(items[it->second].end, end);
        itemOf[v] = it->second;
        break;
      }
      if (!r.inPlace) {
        itemOf[v] = items.size();
        items.push_back({alignBuffer(v->type.bytes()), r.pos, end});
      }
    }
    if (r.scratchBytes > 0) {
      scratchItem[i] = items.size();
      auto w = waitPos.find(r.op);
      items.push_back({alignBuffer(r.scratchBytes), r.pos, w == waitPos.end() ? r.pos : w->second});
    }
  }
  p_.liveBytes = peakLiveBytes(items);
  for (const Item &it : items)
    p_.unplannedBytes += it.size;
  p_.workspaceBytes = placeItems(items);
  for (size_t i = 0; i < p_.roots.size(); ++i) {
    if (p_.roots[i].isWait) continue;
    const Value *v = p_.roots[i].op->result;
    if (!p_.resultSlot.count(v)) p_.offset[v] = items[itemOf.at(v)].offset;
    if (scratchItem[i] != SIZE_MAX) p_.roots[i].scratchOffset = items[scratchItem[i]].offset;
  }
}

} // namespace

bool planLowering(const Func &f, const Mesh *mesh, LoweringPlan *plan, Diagnostics &diags) {
  *plan = LoweringPlan();
  return Planner(f, mesh, *plan, diags).run();
}

} // namespace partita
