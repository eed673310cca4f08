// The reshard ladder: pending reductions first (reduce_scatter where the target splits a
// dimension over the reduced axes, all_reduce otherwise), then, until every dimension is a
// prefix of its target, free local slices for axes nobody uses yet, all_to_all for an axis
// that moves between dimensions, and when neither applies an all_gather of one dimension's
// surplus axes (or, where that would replicate the whole value, an all_to_all that parks an
// axis in another dimension); finally local slices for what is left. Also the halo windows
// of slice, pad and concatenate on split dimensions (collective_permute with neighbours).
// When the ladder would all-reduce and then move the value, reshard() also prices the
// three-step plan (reduce_scatter, the moves on the smaller value, all_gather) and takes
// the cheaper one.
#include "passes/Reshard.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace partita {

const char *reduceKindName(ReduceKind k) {
  switch (k) {
  case ReduceKind::Sum:
    return "sum";
  case ReduceKind::Max:
    return "max";
  case ReduceKind::Min:
    return "min";
  }
  return "sum";
}

std::string ShardState::key() const {
  std::string s;
  for (const auto &d : dims) {
    s += '[';
    for (const auto &a : d)
      s += a + ',';
    s += ']';
  }
  if (!pending.empty()) {
    s += std::string("|") + reduceKindName(kind) + ':';
    for (const auto &a : pending)
      s += a + ',';
  }
  return s;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t floorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
} // b > 0

double wireBytes(Opcode collective, int64_t operandBytes, int64_t n) {
  double x = (double)operandBytes;
  switch (collective) {
  case Opcode::AllGather:
    return x * (double)(n - 1);
  case Opcode::ReduceScatter:
  case Opcode::AllToAll:
    return x * (double)(n - 1) / (double)n;
  case Opcode::AllReduce:
    return 2 * x * (double)(n - 1) / (double)n;
  default:
    return x;
  }
}

Value *SpmdContext::constI32(int64_t v) {
  return b.create(Opcode::Constant, {}, {{"value", Attr::ofInt(v)}}, TensorType(DType::I32, {}),
                  "cst");
}

Value *SpmdContext::groupIndex(const std::vector<std::string> &axes) {
  if (axes.empty()) return constI32(0);
  Value *idx = nullptr;
  for (const auto &a : axes) {
    Value *ai = b.create(Opcode::AxisIndex, {}, {{"axis", Attr::ofString(a)}},
                         TensorType(DType::I32, {}), "idx");
    if (!idx) {
      idx = ai;
      continue;
    }
    Value *scaled = b.create(Opcode::Mul, {idx, constI32(mesh.axisSize(a))}, {},
                             TensorType(DType::I32, {}), "idx");
    idx = b.create(Opcode::Add, {scaled, ai}, {}, TensorType(DType::I32, {}), "idx");
  }
  return idx;
}

Value *SpmdContext::shardOffset(const std::vector<std::string> &axes, int64_t chunk) {
  Value *idx = groupIndex(axes);
  if (chunk == 1) return idx;
  return b.create(Opcode::Mul, {idx, constI32(chunk)}, {}, TensorType(DType::I32, {}), "off");
}

TensorType SpmdContext::localType(const TensorType &g, const ShardState &st) const {
  TensorType t = g;
  for (int d = 0; d < g.rank(); ++d)
    t.shape[d] = ceilDiv(g.shape[d], mesh.groupSize(st.dims[d]));
  return t;
}

Attr fillAttr(DType t, double v) {
  if (isFloat(t)) return Attr::ofFloat(v);
  double lo = t == DType::I1 ? 0 : std::numeric_limits<int32_t>::min();
  double hi = t == DType::I1 ? 1 : std::numeric_limits<int32_t>::max();
  return Attr::ofInt(std::isnan(v) ? 0 : (int64_t)std::clamp(v, lo, hi));
}

Value *SpmdContext::maskPadding(Value *x, int dim, const std::vector<std::string> &axes,
                                int64_t globalSize, double fill) {
  const TensorType &t = x->type;
  TensorType it(DType::I32, t.shape), pt(DType::I1, t.shape);
  Value *iota = b.create(Opcode::Iota, {}, {{"dim", Attr::ofInt(dim)}}, it, "pos");
  Value *off = shardOffset(axes, t.shape[dim]);
  Value *offb = b.create(Opcode::BroadcastInDim, {off}, {{"dims", Attr::ofInts({})}}, it, "off");
  Value *pos = b.create(Opcode::Add, {iota, offb}, {}, it, "pos");
  Value *lim = b.create(Opcode::Constant, {}, {{"value", Attr::ofInt(globalSize)}}, it, "cst");
  Value *pred =
      b.create(Opcode::Compare, {pos, lim}, {{"direction", Attr::ofString("lt")}}, pt, "valid");
  Value *fv = b.create(Opcode::Constant, {}, {{"value", fillAttr(t.dtype, fill)}}, t, "cst");
  return b.create(Opcode::Select, {pred, x, fv}, {}, t, x->name + ".masked");
}

namespace {

bool isPrefix(const std::vector<std::string> &a, const std::vector<std::string> &b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

struct Resharder {
  SpmdContext *ctx;
  const Mesh &mesh;
  Value *v;
  TensorType g, local;
  ShardState cur;
  ReshardResult res;
  std::string base;
  ShardState from, target;
  // The three-step plan: reduce_scatter the pending axes that would be all-reduced along
  // this dimension instead, let the rest of the ladder move the smaller value, and gather
  // them back at the end (-1: all_reduce them).
  int scatterDim = -1;
  double wireAfterReduce = 0;          // wire bytes of what follows the pending reductions
  std::vector<std::string> allReduced; // pending axes the plain plan all-reduces

  int64_t shards(const std::vector<std::string> &axes) const { return mesh.groupSize(axes); }
  int64_t expected(int d) const { return ceilDiv(g.shape[d], shards(cur.dims[d])); }
  // Splitting a dimension from m shards into m*n (or merging back) keeps every shard's
  // start where the ceil-sized layout wants it.
  bool aligned(int d, int64_t m, int64_t n) const {
    return m == 1 || ceilDiv(g.shape[d], m) == n * ceilDiv(g.shape[d], m * n);
  }

  Value *emit(Opcode code, std::vector<Value *> operands, AttrDict attrs,
              const std::string &suffix) {
    if (!ctx) return nullptr;
    return ctx->b.create(code, std::move(operands), std::move(attrs), local, base + "." + suffix);
  }

  void padDimTo(int d, int64_t size) {
    if (local.shape[d] >= size) return;
    std::vector<int64_t> low(local.rank(), 0), high(local.rank(), 0);
    high[d] = size - local.shape[d];
    local.shape[d] = size;
    v = emit(Opcode::Pad, {v},
             {{"low", Attr::ofInts(low)},
              {"high", Attr::ofInts(high)},
              {"value", isFloat(local.dtype) ? Attr::ofFloat(0) : Attr::ofInt(0)}},
             "pad");
  }

  void sliceDimTo(int d, int64_t size) {
    if (local.shape[d] <= size) return;
    std::vector<int64_t> start(local.rank(), 0), limit = local.shape;
    limit[d] = size;
    local.shape[d] = size;
    v = emit(Opcode::Slice, {v}, {{"start", Attr::ofInts(start)}, {"limit", Attr::ofInts(limit)}},
             "sl");
  }

  void count(Opcode code, int64_t n) {
    res.bytes += local.bytes();
    res.wire += wireBytes(code, local.bytes(), n);
  }

  void allReduce(const std::vector<std::string> &axes, ReduceKind k) {
    if (axes.empty()) return;
    count(Opcode::AllReduce, shards(axes));
    v = emit(Opcode::AllReduce, {v},
             {{"axes", Attr::ofStrings(axes)}, {"reduction", Attr::ofString(reduceKindName(k))}},
             "ar");
  }

  void reduceScatter(const std::vector<std::string> &axes, int d, ReduceKind k) {
    int64_t n = shards(axes);
    padDimTo(d, ceilDiv(local.shape[d], n) * n);
    count(Opcode::ReduceScatter, n);
    local.shape[d] /= n;
    v = emit(Opcode::ReduceScatter, {v},
             {{"axes", Attr::ofStrings(axes)},
              {"dim", Attr::ofInt(d)},
              {"reduction", Attr::ofString(reduceKindName(k))}},
             "rs");
  }

  void allGather(const std::vector<std::string> &axes, int d) {
    int64_t n = shards(axes);
    count(Opcode::AllGather, n);
    local.shape[d] *= n;
    v = emit(Opcode::AllGather, {v}, {{"axes", Attr::ofStrings(axes)}, {"dim", Attr::ofInt(d)}},
             "ag");
  }

  void allToAll(const std::vector<std::string> &axes, int split, int concat) {
    int64_t n = shards(axes);
    padDimTo(split, ceilDiv(local.shape[split], n) * n);
    count(Opcode::AllToAll, n);
    local.shape[split] /= n;
    local.shape[concat] *= n;
    v = emit(Opcode::AllToAll, {v},
             {{"axes", Attr::ofStrings(axes)},
              {"split_dim", Attr::ofInt(split)},
              {"concat_dim", Attr::ofInt(concat)}},
             "a2a");
  }

  // Keeps this device's piece of dimension d among the group of `axes`.
  void dynSlice(const std::vector<std::string> &axes, int d) {
    int64_t n = shards(axes);
    int64_t chunk = ceilDiv(local.shape[d], n);
    padDimTo(d, chunk * n);
    if (ctx) {
      std::vector<Value *> operands{v};
      for (int k = 0; k < local.rank(); ++k)
        operands.push_back(k == d ? ctx->shardOffset(axes, chunk) : ctx->constI32(0));
      local.shape[d] = chunk;
      v = emit(Opcode::DynamicSlice, operands, {{"sizes", Attr::ofInts(local.shape)}}, "ds");
    } else {
      local.shape[d] = chunk;
    }
  }

  void gatherDim(int d, size_t keep) {
    int64_t m = shards(std::vector<std::string>(cur.dims[d].begin(), cur.dims[d].begin() + keep));
    std::vector<std::string> x(cur.dims[d].begin() + keep, cur.dims[d].end());
    if (!aligned(d, m, shards(x))) {
      keep = 0;
      x = cur.dims[d];
    }
    if (x.empty()) return;
    allGather(x, d);
    cur.dims[d].resize(keep);
    sliceDimTo(d, expected(d));
    noteReplication();
  }

  // Moves axis `a` from the minor end of dimension `d` to the minor end of dimension `e`.
  void moveAxis(const std::string &a, int d, int e) {
    allToAll({a}, e, d);
    cur.dims[d].pop_back();
    cur.dims[e].push_back(a);
    sliceDimTo(d, expected(d));
  }

  bool sharded(const ShardState &s) const {
    for (const auto &d : s.dims)
      if (!d.empty()) return true;
    return false;
  }

  // A gather that leaves the value whole on every device, when both ends of the reshard are
  // split, is what the partitioner warns about.
  void noteReplication() {
    if (!sharded(cur) && cur.pending.empty() && sharded(from) && sharded(target))
      res.replicatedAll = true;
  }

  size_t commonPrefix(int d) const {
    size_t p = 0;
    while (p < cur.dims[d].size() && p < target.dims[d].size() &&
           cur.dims[d][p] == target.dims[d][p])
      ++p;
    return p;
  }

  // Local slices for axes the target adds to a dimension that nobody uses yet (free).
  bool freeSlices() {
    bool any = false;
    std::set<std::string> used(cur.pending.begin(), cur.pending.end());
    for (const auto &d : cur.dims)
      used.insert(d.begin(), d.end());
    for (int d = 0; d < g.rank(); ++d) {
      if (!isPrefix(cur.dims[d], target.dims[d]) || cur.dims[d].size() == target.dims[d].size())
        continue;
      std::vector<std::string> x(target.dims[d].begin() + cur.dims[d].size(), target.dims[d].end());
      bool free = true;
      for (const auto &a : x)
        free &= !used.count(a);
      if (!free || !aligned(d, shards(cur.dims[d]), shards(x))) continue;
      dynSlice(x, d);
      cur.dims[d] = target.dims[d];
      used.insert(x.begin(), x.end());
      any = true;
    }
    return any;
  }

  // An axis at the minor end of a dimension it must leave that is the next axis another
  // dimension wants: one all_to_all.
  bool allToAllMoves() {
    for (int d = 0; d < g.rank(); ++d) {
      if (isPrefix(cur.dims[d], target.dims[d])) continue;
      const std::string a = cur.dims[d].back();
      for (int e = 0; e < g.rank(); ++e) {
        if (e == d || !isPrefix(cur.dims[e], target.dims[e]) ||
            target.dims[e].size() <= cur.dims[e].size() || target.dims[e][cur.dims[e].size()] != a)
          continue;
        int64_t n = mesh.axisSize(a);
        if (!aligned(d, shards(cur.dims[d]) / n, n) || !aligned(e, shards(cur.dims[e]), n))
          continue;
        moveAxis(a, d, e);
        return true;
      }
    }
    return false;
  }

  // Neither a free slice nor an all_to_all applies but some dimension still holds axes it
  // must lose (e.g. the swap [{a},{b}] -> [{b},{a}]: each dimension waits for the other).
  // Gather the surplus of one dimension, preferring one whose next wanted axis sits at the
  // minor end of another dimension (the all_to_all it unblocks) and then the smallest
  // group. If that gather would replicate the whole value while the target is split, park
  // the surplus minor axis in another dimension with an all_to_all instead: it is gathered
  // later, from a value already split by the target's axes.
  void breakStall(std::set<std::string> &parked) {
    int best = -1;
    bool bestUnblocks = false;
    int64_t bestSize = 0;
    for (int e = 0; e < g.rank(); ++e) {
      if (isPrefix(cur.dims[e], target.dims[e])) continue;
      size_t p = commonPrefix(e);
      bool unblocks = false;
      if (p < target.dims[e].size()) {
        for (int d = 0; d < g.rank(); ++d)
          unblocks |= d != e && !cur.dims[d].empty() && cur.dims[d].back() == target.dims[e][p] &&
                      !isPrefix(cur.dims[d], target.dims[d]);
      }
      int64_t size = shards(std::vector<std::string>(cur.dims[e].begin() + p, cur.dims[e].end()));
      if (best < 0 || (unblocks && !bestUnblocks) ||
          (unblocks == bestUnblocks && size < bestSize)) {
        best = e;
        bestUnblocks = unblocks;
        bestSize = size;
      }
    }
    size_t p = commonPrefix(best);
    bool replicates = sharded(target) && cur.pending.empty();
    for (int d = 0; d < g.rank() && replicates; ++d)
      replicates = d == best ? p == 0 : cur.dims[d].empty();
    const std::string a = cur.dims[best].back();
    if (replicates && !parked.count(a)) {
      int64_t n = mesh.axisSize(a);
      int park = -1;
      for (int f = 0; f < g.rank(); ++f) {
        if (f == best || local.shape[f] < n || !aligned(f, shards(cur.dims[f]), n) ||
            !aligned(best, shards(cur.dims[best]) / n, n))
          continue;
        if (park < 0 || local.shape[f] > local.shape[park]) park = f;
      }
      if (park >= 0) {
        parked.insert(a);
        moveAxis(a, best, park);
        return;
      }
    }
    gatherDim(best, p);
  }

  void run() {
    // 1. Pending reductions.
    if (!cur.pending.empty() && !(cur.pending == target.pending && cur.kind == target.kind)) {
      std::vector<std::string> remaining = cur.pending;
      auto pendingHas = [&](const std::string &a) {
        return std::find(remaining.begin(), remaining.end(), a) != remaining.end();
      };
      for (int d = 0; d < g.rank(); ++d) {
        if (!isPrefix(cur.dims[d], target.dims[d]) || cur.dims[d].size() == target.dims[d].size())
          continue;
        std::vector<std::string> x(target.dims[d].begin() + cur.dims[d].size(),
                                   target.dims[d].end());
        bool ok = true;
        for (const auto &a : x)
          ok &= pendingHas(a);
        if (!ok || !aligned(d, shards(cur.dims[d]), shards(x))) continue;
        reduceScatter(x, d, cur.kind);
        cur.dims[d] = target.dims[d];
        for (const auto &a : x)
          remaining.erase(std::find(remaining.begin(), remaining.end(), a));
      }
      allReduced = remaining;
      if (scatterDim >= 0 && !remaining.empty() && local.shape[scatterDim] >= shards(remaining) &&
          aligned(scatterDim, shards(cur.dims[scatterDim]), shards(remaining))) {
        reduceScatter(remaining, scatterDim, cur.kind);
        cur.dims[scatterDim].insert(cur.dims[scatterDim].end(), remaining.begin(), remaining.end());
        remaining.clear();
      }
      allReduce(remaining, cur.kind);
      cur.pending.clear();
    }
    double before = res.wire;
    // 2-4. Free slices first (they only shrink the value), then all_to_all moves, and when
    // both are stuck one gather (or park); repeat until every dimension is a prefix of its
    // target. Each round adds a target axis or removes a surplus one (an axis is parked at
    // most once), so this ends.
    std::set<std::string> parked;
    for (;;) {
      freeSlices();
      if (allToAllMoves()) continue;
      bool done = true;
      for (int d = 0; d < g.rank(); ++d)
        done &= isPrefix(cur.dims[d], target.dims[d]);
      if (done) break;
      breakStall(parked);
    }
    // 5. Slice what the target still adds (axes that were in use, or misaligned splits,
    // which gather the dimension whole first).
    for (int d = 0; d < g.rank(); ++d) {
      if (cur.dims[d].size() == target.dims[d].size()) continue;
      std::vector<std::string> x(target.dims[d].begin() + cur.dims[d].size(), target.dims[d].end());
      if (!aligned(d, shards(cur.dims[d]), shards(x))) {
        gatherDim(d, 0);
        x = target.dims[d];
      }
      dynSlice(x, d);
      cur.dims[d] = target.dims[d];
    }
    wireAfterReduce = res.wire - before;
  }
};

} // namespace

namespace {

// One plan of the ladder; `scatterDim` as in Resharder.
Resharder runLadder(SpmdContext *ctx, const Mesh &mesh, Value *v, const TensorType &g,
                    const ShardState &from, const ShardState &to, int scatterDim) {
  Resharder r{ctx, mesh,       v, g, TensorType(), from, {}, v ? v->name : std::string("v"), from,
              to,  scatterDim, 0, {}};
  r.local = g;
  for (int d = 0; d < g.rank(); ++d)
    r.local.shape[d] = ceilDiv(g.shape[d], mesh.groupSize(from.dims[d]));
  if (from != to) r.run();
  r.res.value = r.v;
  return r;
}

} // namespace

// A pending reduction that the target does not split into is all-reduced first, and then
// whatever moves the value (all_to_all, all_gather) moves all of it. Reduce-scattering it
// along some dimension instead, moving the smaller value and all-gathering at the end sends
// the same bytes for the reduction (a ring all_reduce is a reduce_scatter and an
// all_gather) and divides the moves by the group size. It costs one more collective, so it
// is taken only when its wire bytes are lower; every dimension is tried in dry run.
ReshardResult reshard(SpmdContext *ctx, const Mesh &mesh, Value *v, const TensorType &g,
                      const ShardState &from, const ShardState &to) {
  Resharder plain = runLadder(nullptr, mesh, nullptr, g, from, to, -1);
  int best = -1;
  double bestWire = plain.res.wire;
  if (!plain.allReduced.empty() && plain.wireAfterReduce > 0) {
    for (int d = 0; d < g.rank(); ++d) {
      Resharder alt = runLadder(nullptr, mesh, nullptr, g, from, to, d);
      if (alt.res.wire < bestWire * (1 - 1e-9)) { // not a rounding tie: it adds a collective
        best = d;
        bestWire = alt.res.wire;
      }
    }
  }
  if (!ctx && best < 0) return plain.res;
  return runLadder(ctx, mesh, v, g, from, to, best).res;
}

Value *windowMask(SpmdContext &ctx, const std::vector<int64_t> &shape, int dim,
                  const std::vector<std::string> &axes, int64_t a, int64_t b, int64_t lo,
                  int64_t hi) {
  Builder &bd = ctx.b;
  TensorType it(DType::I32, shape), pt(DType::I1, shape);
  int64_t n = ctx.mesh.groupSize(axes);
  Value *pos = bd.create(Opcode::Iota, {}, {{"dim", Attr::ofInt(dim)}}, it, "pos");
  Value *start = ctx.constI32(a);
  if (n > 1 && b != 0) {
    Value *off = ctx.shardOffset(axes, b);
    start =
        a == 0 ? off : bd.create(Opcode::Add, {off, start}, {}, TensorType(DType::I32, {}), "off");
  }
  if (n > 1 || a != 0) {
    Value *sb = bd.create(Opcode::BroadcastInDim, {start}, {{"dims", Attr::ofInts({})}}, it, "off");
    pos = bd.create(Opcode::Add, {pos, sb}, {}, it, "pos");
  }
  // Bounds that no device's window crosses need no comparison.
  int64_t minStart = std::min(a, a + b * (n - 1)),
          maxEnd = std::max(a, a + b * (n - 1)) + shape[dim];
  Value *pred = nullptr;
  auto both = [&](Value *p) {
    pred = pred ? bd.create(Opcode::And, {pred, p}, {}, pt, "valid") : p;
  };
  if (minStart < lo) {
    Value *l = bd.create(Opcode::Constant, {}, {{"value", Attr::ofInt(lo)}}, it, "cst");
    both(bd.create(Opcode::Compare, {pos, l}, {{"direction", Attr::ofString("ge")}}, pt, "valid"));
  }
  if (maxEnd > hi) {
    Value *h = bd.create(Opcode::Constant, {}, {{"value", Attr::ofInt(hi)}}, it, "cst");
    both(bd.create(Opcode::Compare, {pos, h}, {{"direction", Attr::ofString("lt")}}, pt, "valid"));
  }
  return pred;
}

HaloResult haloWindow(SpmdContext *ctx, const Mesh &mesh, Value *x, const TensorType &local,
                      const HaloWindow &w) {
  HaloResult res;
  const int d = w.dim;
  const int64_t n = mesh.groupSize(w.axes);
  const bool split = !w.from.empty() && mesh.groupSize(w.from) > 1;
  const int64_t c = local.shape[d]; // this device's extent: its shard, or the whole dimension
  const int64_t cs = split ? c : 0; // where device i's shard starts: cs * i
  // Devices whose window meets the valid range: a + b*i < validHi and a + b*i + size > validLo.
  int64_t i0 = std::max<int64_t>(0, floorDiv(w.validLo - w.size - w.a, w.b) + 1);
  int64_t i1 = std::min<int64_t>(n - 1, floorDiv(w.validHi - 1 - w.a, w.b));
  if (i0 > i1) i0 = i1 = 0; // nobody needs anything: any window of the right size will do
  // The extremes below are of piecewise linear functions of i (one clip each), so they are
  // reached at the ends of [i0, i1] or next to a clip's breakpoint: no loop over devices.
  std::vector<int64_t> cand{i0, i1};
  for (int64_t at : {w.validLo, w.validHi - w.size}) {
    int64_t f = floorDiv(at - w.a, w.b);
    for (int64_t k : {f, f + 1})
      if (k >= i0 && k <= i1) cand.push_back(k);
  }
  // bufLo/bufHi: how far the window reaches left/right of this device's own cells (the
  // local buffer must hold that much so the dynamic_slice never clamps); haloLo/haloHi: how
  // much of that holds data some device needs (what the neighbours send).
  int64_t bufLo = 0, bufHi = 0, haloLo = 0, haloHi = 0;
  for (int64_t i : cand) {
    int64_t lo = w.a + w.b * i, hi = lo + w.size;
    bufLo = std::max(bufLo, cs * i - lo);
    bufHi = std::max(bufHi, hi - cs * i - c);
    int64_t nlo = std::max(lo, w.validLo), nhi = std::min(hi, w.validHi);
    if (!split || nlo >= nhi) continue;
    haloLo = std::max(haloLo, cs * i - nlo);
    haloHi = std::max(haloHi, nhi - cs * i - c);
  }
  const int64_t kLo = ceilDiv(haloLo, c), kHi = ceilDiv(haloHi, c);
  res.depth = std::max(kLo, kHi);
  TensorType t = local;
  auto sliceDim = [&](Value *v, int64_t from, int64_t to, const std::string &name) -> Value * {
    TensorType st = v->type;
    std::vector<int64_t> start(st.rank(), 0), limit = st.shape;
    start[d] = from;
    limit[d] = to;
    st.shape[d] = to - from;
    if (from == 0 && to == v->type.shape[d]) return v;
    return ctx->b.create(Opcode::Slice, {v},
                         {{"start", Attr::ofInts(start)}, {"limit", Attr::ofInts(limit)}}, st,
                         name);
  };
  std::vector<Value *> parts;
  auto piece = [&](int64_t j, int64_t from, int64_t to) { // cells [from, to) of the shard j away
    TensorType pt = local;
    pt.shape[d] = to - from;
    res.bytes += pt.bytes();
    res.wire += (double)pt.bytes();
    if (!ctx) return;
    Value *p = sliceDim(x, from, to, x->name + ".edge");
    // Every device sends these cells of its shard to the device -j away along the group (a
    // ring shift, spec section 3), so this one receives them from the device j away.
    parts.push_back(ctx->b.create(Opcode::CollectivePermute, {p},
                                  {{"axes", Attr::ofStrings(w.from)}, {"shift", Attr::ofInt(-j)}},
                                  p->type, x->name + ".halo"));
  };
  // Left halo: the last cells of the shards before this one (the farthest first).
  for (int64_t j = kLo; j >= 1; --j)
    piece(-j, c - std::min(c, haloLo - (j - 1) * c), c);
  if (ctx) parts.push_back(x);
  for (int64_t j = 1; j <= kHi; ++j)
    piece(j, 0, std::min(c, haloHi - (j - 1) * c));
  t.shape[d] = c + haloLo + haloHi;
  if (!ctx) return res;
  Builder &bd = ctx->b;
  Value *ext = parts.size() == 1 ? x
                                 : bd.create(Opcode::Concatenate, parts, {{"dim", Attr::ofInt(d)}},
                                             t, x->name + ".ext");
  if (bufLo > haloLo || bufHi > haloHi) {
    // Room for window cells that no device needs (they are masked or land in padding).
    std::vector<int64_t> low(t.rank(), 0), high(t.rank(), 0);
    low[d] = bufLo - haloLo;
    high[d] = bufHi - haloHi;
    t.shape[d] += low[d] + high[d];
    ext = bd.create(Opcode::Pad, {ext},
                    {{"low", Attr::ofInts(low)},
                     {"high", Attr::ofInts(high)},
                     {"value", isFloat(t.dtype) ? Attr::ofFloat(0) : Attr::ofInt(0)}},
                    t, x->name + ".ext");
  }
  // The window starts at bufLo + a + (b - cs) * i in the buffer.
  int64_t slope = n > 1 ? w.b - cs : 0, base = bufLo + w.a;
  if (slope == 0) {
    res.value = sliceDim(ext, base, base + w.size, x->name + ".win");
    return res;
  }
  std::vector<Value *> operands{ext};
  for (int k = 0; k < t.rank(); ++k) {
    if (k != d) {
      operands.push_back(ctx->constI32(0));
      continue;
    }
    Value *off = ctx->shardOffset(w.axes, slope);
    if (base != 0)
      off =
          bd.create(Opcode::Add, {off, ctx->constI32(base)}, {}, TensorType(DType::I32, {}), "off");
    operands.push_back(off);
  }
  TensorType wt = t;
  wt.shape[d] = w.size;
  res.value = bd.create(Opcode::DynamicSlice, operands, {{"sizes", Attr::ofInts(wt.shape)}}, wt,
                        x->name + ".win");
  return res;
}

} // namespace partita
