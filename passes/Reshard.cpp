// The reshard ladder: pending reductions first (reduce_scatter where the target splits a
// dimension over the reduced axes, all_reduce otherwise), then free local slices for axes
// nobody uses yet, then all_to_all for an axis that moves between dimensions, then
// all_gather for axes that must leave a dimension, then local slices for what is left.
#include "passes/Reshard.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace partita {

const char *reduceKindName(ReduceKind k) {
  switch (k) {
  case ReduceKind::Sum: return "sum";
  case ReduceKind::Max: return "max";
  case ReduceKind::Min: return "min";
  }
  return "sum";
}

std::string ShardState::key() const {
  std::string s;
  for (const auto &d : dims) {
    s += '[';
    for (const auto &a : d) s += a + ',';
    s += ']';
  }
  if (!pending.empty()) {
    s += std::string("|") + reduceKindName(kind) + ':';
    for (const auto &a : pending) s += a + ',';
  }
  return s;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

Value *SpmdContext::constI32(int64_t v) {
  return b.create(Opcode::Constant, {}, {{"value", Attr::ofInt(v)}}, TensorType(DType::I32, {}), "cst");
}

Value *SpmdContext::constScalar(DType t, double v) {
  Attr a = isFloat(t) ? Attr::ofFloat(v) : Attr::ofInt((int64_t)v);
  return b.create(Opcode::Constant, {}, {{"value", a}}, TensorType(t, {}), "cst");
}

Value *SpmdContext::groupIndex(const std::vector<std::string> &axes) {
  if (axes.empty()) return constI32(0);
  Value *idx = nullptr;
  for (const auto &a : axes) {
    Value *ai = b.create(Opcode::AxisIndex, {}, {{"axis", Attr::ofString(a)}}, TensorType(DType::I32, {}), "idx");
    if (!idx) {
      idx = ai;
      continue;
    }
    Value *scaled = b.create(Opcode::Mul, {idx, constI32(mesh.axisSize(a))}, {}, TensorType(DType::I32, {}), "idx");
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
  for (int d = 0; d < g.rank(); ++d) t.shape[d] = ceilDiv(g.shape[d], mesh.groupSize(st.dims[d]));
  return t;
}

Value *SpmdContext::maskPadding(Value *x, int dim, const std::vector<std::string> &axes, int64_t globalSize,
                                double fill) {
  const TensorType &t = x->type;
  TensorType it(DType::I32, t.shape), pt(DType::I1, t.shape);
  Value *iota = b.create(Opcode::Iota, {}, {{"dim", Attr::ofInt(dim)}}, it, "pos");
  Value *off = shardOffset(axes, t.shape[dim]);
  Value *offb = b.create(Opcode::BroadcastInDim, {off}, {{"dims", Attr::ofInts({})}}, it, "off");
  Value *pos = b.create(Opcode::Add, {iota, offb}, {}, it, "pos");
  Value *lim = b.create(Opcode::Constant, {}, {{"value", Attr::ofInt(globalSize)}}, it, "cst");
  Value *pred = b.create(Opcode::Compare, {pos, lim}, {{"direction", Attr::ofString("lt")}}, pt, "valid");
  Attr fa = isFloat(t.dtype) ? Attr::ofFloat(fill) : Attr::ofInt((int64_t)fill);
  Value *fv = b.create(Opcode::Constant, {}, {{"value", fa}}, t, "cst");
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

  int64_t shards(const std::vector<std::string> &axes) const { return mesh.groupSize(axes); }
  int64_t expected(int d) const { return ceilDiv(g.shape[d], shards(cur.dims[d])); }
  // Splitting a dimension from m shards into m*n (or merging back) keeps every shard's
  // start where the ceil-sized layout wants it.
  bool aligned(int d, int64_t m, int64_t n) const {
    return m == 1 || ceilDiv(g.shape[d], m) == n * ceilDiv(g.shape[d], m * n);
  }

  Value *emit(Opcode code, std::vector<Value *> operands, AttrDict attrs, const std::string &suffix) {
    if (!ctx) return nullptr;
    return ctx->b.create(code, std::move(operands), std::move(attrs), local, base + "." + suffix);
  }

  void padDimTo(int d, int64_t size) {
    if (local.shape[d] >= size) return;
    std::vector<int64_t> low(local.rank(), 0), high(local.rank(), 0);
    high[d] = size - local.shape[d];
    local.shape[d] = size;
    v = emit(Opcode::Pad, {v}, {{"low", Attr::ofInts(low)}, {"high", Attr::ofInts(high)}, {"value", isFloat(local.dtype) ? Attr::ofFloat(0) : Attr::ofInt(0)}},
             "pad");
  }

  void sliceDimTo(int d, int64_t size) {
    if (local.shape[d] <= size) return;
    std::vector<int64_t> start(local.rank(), 0), limit = local.shape;
    limit[d] = size;
    local.shape[d] = size;
    v = emit(Opcode::Slice, {v}, {{"start", Attr::ofInts(start)}, {"limit", Attr::ofInts(limit)}}, "sl");
  }

  void allReduce(const std::vector<std::string> &axes, ReduceKind k) {
    if (axes.empty()) return;
    res.bytes += local.bytes();
    v = emit(Opcode::AllReduce, {v}, {{"axes", Attr::ofStrings(axes)}, {"reduction", Attr::ofString(reduceKindName(k))}},
             "ar");
  }

  void reduceScatter(const std::vector<std::string> &axes, int d, ReduceKind k) {
    int64_t n = shards(axes);
    padDimTo(d, ceilDiv(local.shape[d], n) * n);
    res.bytes += local.bytes();
    local.shape[d] /= n;
    v = emit(Opcode::ReduceScatter, {v},
             {{"axes", Attr::ofStrings(axes)}, {"dim", Attr::ofInt(d)}, {"reduction", Attr::ofString(reduceKindName(k))}},
             "rs");
  }

  void allGather(const std::vector<std::string> &axes, int d) {
    int64_t n = shards(axes);
    res.bytes += local.bytes();
    local.shape[d] *= n;
    v = emit(Opcode::AllGather, {v}, {{"axes", Attr::ofStrings(axes)}, {"dim", Attr::ofInt(d)}}, "ag");
  }

  void allToAll(const std::vector<std::string> &axes, int split, int concat) {
    int64_t n = shards(axes);
    padDimTo(split, ceilDiv(local.shape[split], n) * n);
    res.bytes += local.bytes();
    local.shape[split] /= n;
    local.shape[concat] *= n;
    v = emit(Opcode::AllToAll, {v},
             {{"axes", Attr::ofStrings(axes)}, {"split_dim", Attr::ofInt(split)}, {"concat_dim", Attr::ofInt(concat)}},
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
  }

  void noteReplication(const ShardState &from, const ShardState &to) {
    bool nowRepl = true;
    for (const auto &d : cur.dims) nowRepl &= d.empty();
    bool fromSharded = false, toSharded = false;
    for (const auto &d : from.dims) fromSharded |= !d.empty();
    for (const auto &d : to.dims) toSharded |= !d.empty();
    if (nowRepl && fromSharded && toSharded) res.replicatedAll = true;
  }

  void run(const ShardState &to) {
    const ShardState from = cur;
    // 1. Pending reductions.
    if (!cur.pending.empty() && !(cur.pending == to.pending && cur.kind == to.kind)) {
      std::vector<std::string> remaining = cur.pending;
      auto pendingHas = [&](const std::string &a) {
        return std::find(remaining.begin(), remaining.end(), a) != remaining.end();
      };
      for (int d = 0; d < g.rank(); ++d) {
        if (!isPrefix(cur.dims[d], to.dims[d]) || cur.dims[d].size() == to.dims[d].size()) continue;
        std::vector<std::string> x(to.dims[d].begin() + cur.dims[d].size(), to.dims[d].end());
        bool ok = true;
        for (const auto &a : x) ok &= pendingHas(a);
        if (!ok || !aligned(d, shards(cur.dims[d]), shards(x))) continue;
        reduceScatter(x, d, cur.kind);
        cur.dims[d] = to.dims[d];
        for (const auto &a : x) remaining.erase(std::find(remaining.begin(), remaining.end(), a));
      }
      allReduce(remaining, cur.kind);
      cur.pending.clear();
    }
    // 2. Free slices for axes that are not in use.
    std::set<std::string> used(cur.pending.begin(), cur.pending.end());
    for (const auto &d : cur.dims) used.insert(d.begin(), d.end());
    for (int d = 0; d < g.rank(); ++d) {
      if (!isPrefix(cur.dims[d], to.dims[d]) || cur.dims[d].size() == to.dims[d].size()) continue;
      std::vector<std::string> x(to.dims[d].begin() + cur.dims[d].size(), to.dims[d].end());
      bool free = true;
      for (const auto &a : x) free &= !used.count(a);
      if (!free || !aligned(d, shards(cur.dims[d]), shards(x))) continue;
      dynSlice(x, d);
      cur.dims[d] = to.dims[d];
      used.insert(x.begin(), x.end());
    }
    // 3. An axis that moves from the minor end of one dimension to the next free position of
    // another: one all_to_all.
    for (bool moved = true; moved;) {
      moved = false;
      for (int d = 0; d < g.rank() && !moved; ++d) {
        if (isPrefix(cur.dims[d], to.dims[d])) continue;
        const std::string a = cur.dims[d].back();
        for (int e = 0; e < g.rank(); ++e) {
          if (e == d || !isPrefix(cur.dims[e], to.dims[e]) || to.dims[e].size() <= cur.dims[e].size() ||
              to.dims[e][cur.dims[e].size()] != a)
            continue;
          int64_t n = mesh.axisSize(a);
          if (!aligned(d, shards(cur.dims[d]) / n, n) || !aligned(e, shards(cur.dims[e]), n)) continue;
          allToAll({a}, e, d);
          cur.dims[d].pop_back();
          cur.dims[e].push_back(a);
          sliceDimTo(d, expected(d));
          moved = true;
          break;
        }
      }
    }
    // 4. Gather what must leave a dimension.
    for (int d = 0; d < g.rank(); ++d) {
      size_t p = 0;
      while (p < cur.dims[d].size() && p < to.dims[d].size() && cur.dims[d][p] == to.dims[d][p]) ++p;
      if (p < cur.dims[d].size()) gatherDim(d, p);
    }
    noteReplication(from, to);
    // 5. Slice what the target adds.
    for (int d = 0; d < g.rank(); ++d) {
      if (cur.dims[d].size() == to.dims[d].size()) continue;
      std::vector<std::string> x(to.dims[d].begin() + cur.dims[d].size(), to.dims[d].end());
      if (!aligned(d, shards(cur.dims[d]), shards(x))) {
        gatherDim(d, 0);
        x = to.dims[d];
      }
      dynSlice(x, d);
      cur.dims[d] = to.dims[d];
    }
  }
};

} // namespace

ReshardResult reshard(SpmdContext *ctx, const Mesh &mesh, Value *v, const TensorType &g, const ShardState &from,
                      const ShardState &to) {
  Resharder r{ctx, mesh, v, g, TensorType(), from, {}, v ? v->name : std::string("v")};
  r.local = g;
  for (int d = 0; d < g.rank(); ++d) r.local.shape[d] = ceilDiv(g.shape[d], mesh.groupSize(from.dims[d]));
  if (from != to) r.run(to);
  r.res.value = r.v;
  return r.res;
}

} // namespace partita
