// spmd-partition: turns a propagated module into ONE per-device program (spec section 4),
// as GSPMD does. For every op it picks the factor sharding of its computation by cost
// (bytes the reshards and the op's own collectives put on the wire, then local work),
// reshards the operands to it, emits the local op (with masks for padding, offsets where the
// op depends on global positions, and halo exchanges where slice, pad or concatenate change
// a split dimension) and leaves the result in that sharding, with reductions
// pending when summed factors were split. Consumers reshard lazily to what they need, so
// a pending sum becomes a reduce_scatter when the consumer wants the result split.
// Nothing here iterates over devices: program size and build time are independent of the
// device count.
#include "passes/Partitioning.h"

#include "ir/OpAttrs.h"
#include "ir/Printer.h"
#include "passes/Reshard.h"
#include "passes/ShardingRules.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace partita {

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct Plan {
  std::vector<std::vector<std::string>> factors; // factor → axes
  std::vector<ShardState> operands;
  ShardState result; // the state the local op produces (with pending reductions)
  double cost = 0;
};

class Partitioner {
public:
  Partitioner(Func &f, const Mesh &mesh, Diagnostics &diags) : f_(f), mesh_(mesh), diags_(diags) {}

  std::unique_ptr<Func> run() {
    nf_ = std::make_unique<Func>();
    nf_->name = f_.name;
    nf_->loc = f_.loc;
    nf_->attrs = f_.attrs;
    nf_->attrs["partitioned"] = Attr::ofSymbol(mesh_.name);
    nf_->returnLoc = f_.returnLoc;
    ctx_ = std::make_unique<SpmdContext>(*nf_, nf_->ops, mesh_, diags_);

    for (size_t i = 0; i < f_.args.size(); ++i) {
      Value *a = f_.args[i];
      Sharding s = argSharding(a);
      ShardState st{s.dims, {}, ReduceKind::Sum};
      Value *na = nf_->addArg(a->name, ctx_->localType(a->type, st), a->loc);
      na->sharding = s;
      nf_->argAttrs[i] = f_.argAttrs[i];
      nf_->argAttrs[i]["global"] = Attr::ofType(a->type);
      local_[a] = {na, st};
    }
    for (auto &op : f_.ops) {
      ctx_->b.setLoc(op->loc);
      if (!partitionOp(*op)) return nullptr;
    }
    for (size_t i = 0; i < f_.returns.size(); ++i) {
      Value *r = f_.returns[i];
      FuncResult fr = f_.results[i];
      Sharding s = fr.sharding   ? *fr.sharding
                   : r->sharding ? *r->sharding
                                 : Sharding::replicatedOf(mesh_.name, r->type.rank());
      s.unreduced.clear();
      ShardState st{s.dims, {}, ReduceKind::Sum};
      ctx_->b.setLoc(f_.returnLoc);
      nf_->returns.push_back(get(r, st, f_.returnLoc));
      fr.type = ctx_->localType(r->type, st);
      fr.sharding = s;
      fr.attrs["global"] = Attr::ofType(r->type);
      nf_->results.push_back(fr);
    }
    return std::move(nf_);
  }

private:
  struct Local {
    Value *v = nullptr;
    ShardState st;
  };

  Func &f_;
  const Mesh &mesh_;
  Diagnostics &diags_;
  std::unique_ptr<Func> nf_;
  std::unique_ptr<SpmdContext> ctx_;
  std::map<const Value *, Local> local_;
  std::map<std::pair<const Value *, std::string>, Value *> cache_;

  Sharding argSharding(const Value *a) const {
    Sharding s = a->sharding ? *a->sharding : Sharding::replicatedOf(mesh_.name, a->type.rank());
    s.unreduced.clear();
    return s;
  }

  static ShardState targetOf(const Value *v, const Mesh &mesh) {
    if (!v->sharding)
      return ShardState{std::vector<std::vector<std::string>>(v->type.rank()), {}, ReduceKind::Sum};
    return ShardState{v->sharding->dims, {}, ReduceKind::Sum};
  }

  // The per-device value of `orig` in state `want`, resharding (once) if needed.
  Value *get(const Value *orig, const ShardState &want, const Loc &loc) {
    const Local &l = local_.at(orig);
    if (l.st == want) return l.v;
    auto key = std::make_pair(orig, want.key());
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    ReshardResult r = reshard(ctx_.get(), mesh_, l.v, orig->type, l.st, want);
    if (r.replicatedAll)
      diags_.warning(loc, "resharding %" + orig->name + " (" + orig->type.str() + ") from " +
                              stateStr(l.st) + " to " + stateStr(want) +
                              " goes through full replication: " +
                              std::to_string(orig->type.bytes()) + " bytes per device");
    cache_[key] = r.value;
    return r.value;
  }

  std::string stateStr(const ShardState &st) const {
    Sharding s;
    s.mesh = mesh_.name;
    s.dims = st.dims;
    s.unreduced = st.pending;
    return s.str();
  }

  // Drops blocked factors and axes already used by an earlier factor.
  void sanitize(const OpRule &rule, std::vector<std::vector<std::string>> &fa) const {
    std::set<std::string> used;
    for (int f = 0; f < rule.numFactors(); ++f) {
      if (rule.kind[f] == FactorKind::Blocked) fa[f].clear();
      std::vector<std::string> keep;
      for (const auto &a : fa[f]) {
        if (used.count(a)) break;
        keep.push_back(a);
      }
      used.insert(keep.begin(), keep.end());
      fa[f] = keep;
    }
  }

  std::optional<Plan> evaluate(const Op &op, const OpRule &rule,
                               const std::vector<std::vector<std::string>> &fa) {
    Plan p;
    p.factors = fa;
    for (size_t k = 0; k < op.operands.size(); ++k) {
      ShardState st;
      if (!factorsToDims(fa, rule.operand[k], rule, mesh_, st.dims)) return std::nullopt;
      p.operands.push_back(st);
    }
    if (!factorsToDims(fa, rule.result, rule, mesh_, p.result.dims)) return std::nullopt;
    std::optional<ReduceKind> kind;
    double internal = 0;
    for (int f = 0; f < rule.numFactors(); ++f) {
      if (fa[f].empty()) continue;
      FactorKind k = rule.kind[f];
      if (k == FactorKind::Sum || k == FactorKind::Max || k == FactorKind::Min) {
        ReduceKind rk = k == FactorKind::Sum   ? ReduceKind::Sum
                        : k == FactorKind::Max ? ReduceKind::Max
                                               : ReduceKind::Min;
        if (kind && *kind != rk) return std::nullopt;
        kind = rk;
        p.result.pending.insert(p.result.pending.end(), fa[f].begin(), fa[f].end());
      }
    }
    if (kind) p.result.kind = *kind;
    std::sort(p.result.pending.begin(), p.result.pending.end(),
              [&](const std::string &a, const std::string &b) {
                return mesh_.axisIndex(a) < mesh_.axisIndex(b);
              });
    TensorType localResult = ctx_->localType(op.type(), p.result);
    // Collectives the op's own lowering adds when its special factor is split.
    if (op.opcode == Opcode::Argmax || op.opcode == Opcode::Cumsum) {
      int64_t dim = op.opcode == Opcode::Argmax ? ArgmaxOp(op).dim() : CumsumOp(op).dim();
      int f = rule.operand[0][dim].empty() ? -1 : rule.operand[0][dim][0];
      if (f >= 0 && !fa[f].empty()) {
        int64_t n = mesh_.groupSize(fa[f]);
        // argmax: two all_reduces of the local result; cumsum: an all_gather of the totals.
        internal = op.opcode == Opcode::Argmax
                       ? 2 * wireBytes(Opcode::AllReduce, 4 * localResult.numElements(), n)
                       : wireBytes(Opcode::AllGather,
                                   4 * localResult.numElements() / localResult.shape[dim], n);
      }
    }
    if (hasSplitWindow(rule, p)) {
      Windowed w = windowed(op, rule, p, std::vector<Value *>(op.operands.size()), true);
      if (w.depth > kMaxHaloDepth) return std::nullopt; // its window-free variant gathers
      internal += w.wire;
    }
    if (op.opcode == Opcode::Constant && ConstantOp(op).value().kind == Attr::Kind::List) {
      for (const auto &d : p.result.dims)
        if (!d.empty()) return std::nullopt; // a literal is materialized whole, then sliced
    }
    double comm = internal;
    for (size_t k = 0; k < op.operands.size(); ++k) {
      const Local &l = local_.at(op.operands[k]);
      if (cache_.count({op.operands[k], p.operands[k].key()}))
        continue; // already resharded that way
      comm += reshard(nullptr, mesh_, nullptr, op.operands[k]->type, l.st, p.operands[k]).wire;
    }
    comm += reshard(nullptr, mesh_, nullptr, op.type(), p.result, targetOf(op.result, mesh_)).wire;
    // Local work breaks ties between equally cheap plans, favouring split computation.
    double work = (double)localResult.bytes();
    for (size_t k = 0; k < op.operands.size(); ++k)
      work += (double)ctx_->localType(op.operands[k]->type, p.operands[k]).bytes();
    p.cost = comm + 1e-3 * work;
    return p;
  }

  Plan choosePlan(const Op &op, const OpRule &rule) {
    std::vector<std::vector<std::vector<std::string>>> cands;
    auto project = [&](const std::vector<std::vector<std::string>> &dims,
                       const std::vector<std::vector<int>> &df) {
      std::vector<std::vector<std::string>> fa;
      projectToFactors(dims, df, rule, mesh_, fa);
      sanitize(rule, fa);
      return fa;
    };
    auto merge = [&](std::vector<std::vector<std::string>> base,
                     const std::vector<std::vector<std::string>> &more) {
      std::set<std::string> used;
      for (const auto &a : base)
        used.insert(a.begin(), a.end());
      for (int f = 0; f < rule.numFactors(); ++f) {
        if (!base[f].empty() || more[f].empty()) continue;
        bool clash = false;
        for (const auto &a : more[f])
          clash |= used.count(a) > 0;
        if (clash) continue;
        base[f] = more[f];
        used.insert(more[f].begin(), more[f].end());
      }
      return base;
    };
    auto resultFa = project(targetOf(op.result, mesh_).dims, rule.result);
    std::vector<std::vector<std::vector<std::string>>> operandFa;
    for (size_t k = 0; k < op.operands.size(); ++k)
      operandFa.push_back(project(local_.at(op.operands[k]).st.dims, rule.operand[k]));
    cands.push_back(resultFa);
    auto all = resultFa;
    for (const auto &o : operandFa)
      all = merge(all, o);
    cands.push_back(all);
    for (size_t k = 0; k < operandFa.size(); ++k) {
      cands.push_back(operandFa[k]);
      auto mk = operandFa[k];
      for (size_t j = 0; j < operandFa.size(); ++j)
        if (j != k) mk = merge(mk, operandFa[j]);
      cands.push_back(mk);
      cands.push_back(merge(mk, resultFa));
    }
    // Each candidate also without its window splits: gathering an extent-changing dimension
    // whole can beat exchanging halos (large halos, or a result wanted whole anyway).
    for (size_t i = 0, n = cands.size(); i < n; ++i) {
      auto c = cands[i];
      bool any = false;
      for (int f = 0; f < rule.numFactors(); ++f)
        if (rule.kind[f] == FactorKind::Window && !c[f].empty()) c[f].clear(), any = true;
      if (any) cands.push_back(c);
    }
    cands.push_back(std::vector<std::vector<std::string>>(rule.numFactors()));
    std::optional<Plan> best;
    std::set<std::vector<std::vector<std::string>>> seen;
    for (const auto &c : cands) {
      if (!seen.insert(c).second) continue;
      auto p = evaluate(op, rule, c);
      if (p && (!best || p->cost < best->cost - 1e-9)) best = std::move(p);
    }
    return *best; // the all-replicated candidate is always valid
  }

  bool partitionOp(const Op &op) {
    if (op.opcode == Opcode::ShardingConstraint) {
      ShardState want = targetOf(op.result, mesh_);
      local_[op.result] = {get(op.operands[0], want, op.loc), want};
      return true;
    }
    std::string why;
    auto rule = ruleFor(op, &why);
    if (!rule) {
      diags_.error(op.loc, why);
      return false;
    }
    Plan p = choosePlan(op, *rule);
    std::vector<Value *> in;
    for (size_t k = 0; k < op.operands.size(); ++k)
      in.push_back(get(op.operands[k], p.operands[k], op.loc));
    Value *out = lower(op, *rule, p, in);
    local_[op.result] = {out, p.result};
    return true;
  }

  // Axes of the factor mapped to operand `k`'s dimension `d` (empty if unsplit).
  std::vector<std::string> axesAt(const OpRule &rule, const Plan &p, int k, int d) const {
    const auto &fs = k < 0 ? rule.result[d] : rule.operand[k][d];
    std::vector<std::string> out;
    for (int f : fs)
      out.insert(out.end(), p.factors[f].begin(), p.factors[f].end());
    return out;
  }

  int factorAt(const OpRule &rule, int k, int d) const {
    const auto &fs = k < 0 ? rule.result[d] : rule.operand[k][d];
    return fs.size() == 1 ? fs[0] : -1;
  }

  bool uneven(const OpRule &rule, const Plan &p, int f) const {
    return f >= 0 && !p.factors[f].empty() && rule.size[f] % mesh_.groupSize(p.factors[f]) != 0;
  }

  Value *broadcastScalar(Value *s, const TensorType &t) {
    return ctx_->b.create(Opcode::BroadcastInDim, {s}, {{"dims", Attr::ofInts({})}}, t, s->name);
  }

  // ids → ids - offset where 0 <= ids < size, else -1 (out of range: zeros / ignored).
  Value *localIds(Value *ids, const std::vector<std::string> &axes, int64_t chunk, int64_t size) {
    SpmdContext &c = *ctx_;
    TensorType it = ids->type, pt(DType::I1, ids->type.shape);
    Value *off = broadcastScalar(c.shardOffset(axes, chunk), it);
    Value *shifted = c.b.create(Opcode::Sub, {ids, off}, {}, it, ids->name + ".local");
    Value *lim = c.b.create(Opcode::Constant, {}, {{"value", Attr::ofInt(size)}}, it, "cst");
    Value *ok = c.b.create(Opcode::Compare, {ids, lim}, {{"direction", Attr::ofString("lt")}}, pt,
                           "inrange");
    Value *neg = c.b.create(Opcode::Constant, {}, {{"value", Attr::ofInt(-1)}}, it, "cst");
    return c.b.create(Opcode::Select, {ok, shifted, neg}, {}, it, ids->name + ".local");
  }

  bool hasSplitWindow(const OpRule &rule, const Plan &p) const {
    for (int f = 0; f < rule.numFactors(); ++f)
      if (rule.kind[f] == FactorKind::Window && !p.factors[f].empty()) return true;
    return false;
  }

  struct Windowed {
    Value *v = nullptr;
    double wire = 0;
    int64_t depth = 0; // the deepest halo, in neighbour shards
  };

  // slice, pad and concatenate with a split extent-changing dimension: the result stays split
  // the same way, and each device builds its cells from its own shard plus halos from its
  // neighbours (haloWindow), masking the cells that come from outside the operand. With
  // `dry` nothing is emitted and only the cost is returned (in[] may be null then).
  Windowed windowed(const Op &op, const OpRule &rule, const Plan &p, std::vector<Value *> in,
                    bool dry) {
    Windowed r;
    SpmdContext *c = dry ? nullptr : ctx_.get();
    const TensorType &g = op.type();
    const int rank = g.rank();
    auto splitAt = [&](int d) {
      int f = factorAt(rule, -1, d);
      return f >= 0 && rule.kind[f] == FactorKind::Window ? p.factors[f]
                                                          : std::vector<std::string>{};
    };
    auto window = [&](Value *x, TensorType &t, const HaloWindow &w) {
      HaloResult h = haloWindow(c, mesh_, x, t, w);
      r.wire += h.wire;
      r.depth = std::max(r.depth, h.depth);
      t.shape[w.dim] = w.size;
      return h.value;
    };
    auto fill = [&](Value *x, const TensorType &t, int d, const HaloWindow &w, double value) {
      if (dry) return x;
      Value *mask = windowMask(*c, t.shape, d, w.axes, w.a, w.b, w.validLo, w.validHi);
      if (!mask) return x;
      Value *cst =
          c->b.create(Opcode::Constant, {}, {{"value", fillAttr(t.dtype, value)}}, t, "cst");
      return c->b.create(Opcode::Select, {mask, x, cst}, {}, t, x->name + ".masked");
    };
    std::vector<TensorType> lt;
    for (size_t k = 0; k < op.operands.size(); ++k)
      lt.push_back(ctx_->localType(op.operands[k]->type, p.operands[k]));
    const std::string &name = op.result->name;
    switch (op.opcode) {
    case Opcode::Slice: {
      auto start = SliceOp(op).start(), limit = SliceOp(op).limit(), stride = SliceOp(op).stride();
      if (stride.empty()) stride.assign(rank, 1);
      Value *x = in[0];
      TensorType t = lt[0];
      for (int d = 0; d < rank; ++d) {
        auto axes = splitAt(d);
        int64_t din = op.operands[0]->type.shape[d];
        if (axes.empty()) {
          if (t.shape[d] != din)
            start[d] = 0, limit[d] = t.shape[d], stride[d] = 1; // split pass-through
          continue;
        }
        int64_t cout = ceilDiv(g.shape[d], mesh_.groupSize(axes)), st = stride[d];
        HaloWindow w;
        w.dim = d;
        w.global = din;
        w.from = p.operands[0].dims[d];
        w.axes = axes;
        w.a = start[d];
        w.b = cout * st;
        w.size = (cout - 1) * st + 1;
        w.validLo = start[d];
        w.validHi = start[d] + (g.shape[d] - 1) * st + 1;
        x = window(x, t, w);
        start[d] = 0;
        limit[d] = w.size;
      }
      if (dry) return r;
      bool identity = true;
      for (int d = 0; d < rank; ++d)
        identity &= start[d] == 0 && limit[d] == t.shape[d] && stride[d] == 1;
      if (identity) return {x, r.wire, r.depth};
      AttrDict attrs{{"start", Attr::ofInts(start)}, {"limit", Attr::ofInts(limit)}};
      bool strided = false;
      for (int64_t st : stride)
        strided |= st != 1;
      if (strided) attrs["stride"] = Attr::ofInts(stride);
      r.v = c->b.create(Opcode::Slice, {x}, attrs, c->localType(g, p.result), name);
      return r;
    }
    case Opcode::Pad: {
      auto low = PadOp(op).low(), high = PadOp(op).high();
      double value = PadOp(op).value();
      Value *x = in[0];
      TensorType t = lt[0];
      for (int d = 0; d < rank; ++d) {
        auto axes = splitAt(d);
        if (axes.empty()) continue;
        HaloWindow w;
        w.dim = d;
        w.global = op.operands[0]->type.shape[d];
        w.from = p.operands[0].dims[d];
        w.axes = axes;
        w.a = -low[d];
        w.b = w.size = ceilDiv(g.shape[d], mesh_.groupSize(axes));
        w.validLo = 0;
        w.validHi = w.global;
        x = fill(window(x, t, w), t, d, w, value);
        low[d] = high[d] = 0;
      }
      if (dry) return r;
      bool any = false;
      for (int d = 0; d < rank; ++d)
        any |= low[d] != 0 || high[d] != 0;
      if (!any) return {x, r.wire, r.depth};
      AttrDict attrs = op.attrs;
      attrs["low"] = Attr::ofInts(low);
      attrs["high"] = Attr::ofInts(high);
      r.v = c->b.create(Opcode::Pad, {x}, attrs, c->localType(g, p.result), name);
      return r;
    }
    case Opcode::Concatenate: {
      int d = (int)ConcatenateOp(op).dim();
      auto axes = splitAt(d);
      int64_t cout = ceilDiv(g.shape[d], mesh_.groupSize(axes)), at = 0;
      Value *acc = nullptr;
      for (size_t k = 0; k < op.operands.size(); ++k) {
        HaloWindow w;
        w.dim = d;
        w.global = op.operands[k]->type.shape[d];
        w.from = p.operands[k].dims[d];
        w.axes = axes;
        w.a = -at;
        w.b = w.size = cout;
        w.validLo = 0;
        w.validHi = w.global;
        at += w.global;
        TensorType t = lt[k];
        Value *win = window(in[k], t, w);
        if (dry) continue;
        // Cells outside this operand's range keep what the operands before it put there.
        Value *mask =
            acc ? windowMask(*c, t.shape, d, w.axes, w.a, w.b, w.validLo, w.validHi) : nullptr;
        acc = !acc ? win : mask ? c->b.create(Opcode::Select, {mask, win, acc}, {}, t, name) : win;
      }
      r.v = acc;
      return r;
    }
    default:
      return r;
    }
  }

  static double identityOf(FactorKind k, Opcode code) {
    if (k == FactorKind::Max || code == Opcode::Argmax)
      return -std::numeric_limits<double>::infinity();
    if (k == FactorKind::Min) return std::numeric_limits<double>::infinity();
    return 0;
  }

  Value *lower(const Op &op, const OpRule &rule, const Plan &p, std::vector<Value *> in) {
    SpmdContext &c = *ctx_;
    TensorType outT = c.localType(op.type(), p.result);
    const std::string &name = op.result->name;
    // Padding of an unevenly split reduced dimension must not reach the reduction.
    for (size_t k = 0; k < in.size(); ++k) {
      for (int d = 0; d < in[k]->type.rank(); ++d) {
        int f = factorAt(rule, (int)k, d);
        if (!uneven(rule, p, f)) continue;
        FactorKind fk = rule.kind[f];
        bool reduces = fk == FactorKind::Sum || fk == FactorKind::Max || fk == FactorKind::Min ||
                       (fk == FactorKind::Special &&
                        (op.opcode == Opcode::Argmax || op.opcode == Opcode::Cumsum));
        if (!reduces || op.opcode == Opcode::Take || (op.opcode == Opcode::ScatterAdd && k == 1))
          continue;
        in[k] = c.maskPadding(in[k], d, p.factors[f], rule.size[f], identityOf(fk, op.opcode));
      }
    }
    if (hasSplitWindow(rule, p)) return windowed(op, rule, p, in, false).v;
    switch (op.opcode) {
    case Opcode::Slice: {
      // Split dimensions here are pass-through ones (unchanged extent): they keep their
      // whole local extent.
      AttrDict attrs = op.attrs;
      auto start = SliceOp(op).start(), limit = SliceOp(op).limit();
      for (int d = 0; d < outT.rank(); ++d)
        if (in[0]->type.shape[d] != op.operands[0]->type.shape[d]) limit[d] = in[0]->type.shape[d];
      attrs["limit"] = Attr::ofInts(limit);
      return c.b.create(op.opcode, in, attrs, outT, name);
    }
    case Opcode::DynamicSlice: {
      // Split dimensions are whole-extent ones: the local slice is the whole local shard.
      AttrDict attrs = op.attrs;
      attrs["sizes"] = Attr::ofInts(outT.shape);
      return c.b.create(op.opcode, in, attrs, outT, name);
    }
    case Opcode::Iota: {
      int64_t dim = IotaOp(op).dim();
      int f = factorAt(rule, -1, dim);
      Value *iota =
          c.b.create(Opcode::Iota, {}, op.attrs, TensorType(DType::I32, outT.shape), name);
      if (f >= 0 && !p.factors[f].empty()) {
        Value *off = broadcastScalar(c.shardOffset(p.factors[f], outT.shape[dim]), iota->type);
        iota = c.b.create(Opcode::Add, {iota, off}, {}, iota->type, name);
      }
      if (outT.dtype != DType::I32) iota = c.b.create(Opcode::Convert, {iota}, {}, outT, name);
      return iota;
    }
    case Opcode::OneHot: {
      int64_t axis = OneHotOp(op).axis().value_or(op.operands[0]->type.rank());
      int f = factorAt(rule, -1, axis);
      AttrDict attrs = op.attrs;
      if (f >= 0 && !p.factors[f].empty()) {
        in[0] = localIds(in[0], p.factors[f], outT.shape[axis], rule.size[f]);
        attrs["depth"] = Attr::ofInt(outT.shape[axis]);
      }
      return c.b.create(op.opcode, in, attrs, outT, name);
    }
    case Opcode::Take:
    case Opcode::ScatterAdd: {
      int64_t axis = op.opcode == Opcode::Take ? TakeOp(op).axis() : ScatterAddOp(op).axis();
      int f = factorAt(rule, 0, axis);
      if (f >= 0 && !p.factors[f].empty())
        in[1] = localIds(in[1], p.factors[f], in[0]->type.shape[axis], rule.size[f]);
      if (op.opcode == Opcode::ScatterAdd && !p.result.pending.empty()) {
        // Every member of the summing group scatters its updates; only one adds the base.
        Value *idx = c.groupIndex(p.result.pending);
        Value *first =
            c.b.create(Opcode::Compare, {idx, c.constI32(0)}, {{"direction", Attr::ofString("eq")}},
                       TensorType(DType::I1, {}), "first");
        Value *pred = broadcastScalar(first, TensorType(DType::I1, in[0]->type.shape));
        Value *zero =
            c.b.create(Opcode::Constant, {},
                       {{"value", isFloat(in[0]->type.dtype) ? Attr::ofFloat(0) : Attr::ofInt(0)}},
                       in[0]->type, "cst");
        in[0] =
            c.b.create(Opcode::Select, {pred, in[0], zero}, {}, in[0]->type, in[0]->name + ".once");
      }
      if (op.opcode == Opcode::ScatterAdd) {
        // Padding positions of split index dimensions must scatter nothing.
        for (int d = 0; d < in[1]->type.rank(); ++d) {
          int fi = factorAt(rule, 1, d);
          if (uneven(rule, p, fi)) {
            in[1] = c.maskPadding(in[1], d, p.factors[fi], rule.size[fi], -1);
          }
        }
      }
      return c.b.create(op.opcode, in, op.attrs, outT, name);
    }
    case Opcode::Cumsum: {
      int64_t dim = CumsumOp(op).dim();
      int f = factorAt(rule, 0, dim);
      Value *cs = c.b.create(Opcode::Cumsum, in, op.attrs, outT, name);
      if (f < 0 || p.factors[f].empty()) return cs;
      // Add the totals of the shards before this one (after it, when reversed).
      const auto &axes = p.factors[f];
      int64_t n = mesh_.groupSize(axes);
      TensorType tt = outT;
      tt.shape.erase(tt.shape.begin() + dim);
      Value *tot = c.b.create(Opcode::ReduceSum, {in[0]}, {{"dims", Attr::ofInts({dim})}}, tt,
                              name + ".total");
      TensorType t1 = tt;
      t1.shape.insert(t1.shape.begin(), 1);
      Value *tot1 = c.b.create(Opcode::Reshape, {tot}, {}, t1, name + ".total");
      TensorType tn = t1;
      tn.shape[0] = n;
      Value *all = c.b.create(Opcode::AllGather, {tot1},
                              {{"axes", Attr::ofStrings(axes)}, {"dim", Attr::ofInt(0)}}, tn,
                              name + ".totals");
      Value *pos = c.b.create(Opcode::Iota, {}, {{"dim", Attr::ofInt(0)}},
                              TensorType(DType::I32, tn.shape), "pos");
      Value *me = broadcastScalar(c.groupIndex(axes), TensorType(DType::I32, tn.shape));
      bool rev = CumsumOp(op).reverse();
      Value *before =
          c.b.create(Opcode::Compare, {pos, me}, {{"direction", Attr::ofString(rev ? "gt" : "lt")}},
                     TensorType(DType::I1, tn.shape), "before");
      Value *zero =
          c.b.create(Opcode::Constant, {},
                     {{"value", isFloat(tn.dtype) ? Attr::ofFloat(0) : Attr::ofInt(0)}}, tn, "cst");
      Value *sel = c.b.create(Opcode::Select, {before, all, zero}, {}, tn, name + ".prior");
      Value *prior =
          c.b.create(Opcode::ReduceSum, {sel}, {{"dims", Attr::ofInts({0})}}, tt, name + ".prior");
      std::vector<int64_t> bdims;
      for (int d = 0; d < outT.rank(); ++d)
        if (d != dim) bdims.push_back(d);
      Value *pb = c.b.create(Opcode::BroadcastInDim, {prior}, {{"dims", Attr::ofInts(bdims)}}, outT,
                             name + ".prior");
      return c.b.create(Opcode::Add, {cs, pb}, {}, outT, name);
    }
    case Opcode::Argmax: {
      int64_t dim = ArgmaxOp(op).dim();
      int f = factorAt(rule, 0, dim);
      if (f < 0 || p.factors[f].empty())
        return c.b.create(Opcode::Argmax, in, op.attrs, outT, name);
      const auto &axes = p.factors[f];
      TensorType vt(in[0]->type.dtype, outT.shape);
      Value *lmax = c.b.create(Opcode::ReduceMax, {in[0]}, {{"dims", Attr::ofInts({dim})}}, vt,
                               name + ".max");
      Value *larg = c.b.create(Opcode::Argmax, {in[0]}, op.attrs, outT, name + ".arg");
      Value *off = broadcastScalar(c.shardOffset(axes, in[0]->type.shape[dim]), outT);
      Value *garg = c.b.create(Opcode::Add, {larg, off}, {}, outT, name + ".arg");
      Value *gmax =
          c.b.create(Opcode::AllReduce, {lmax},
                     {{"axes", Attr::ofStrings(axes)}, {"reduction", Attr::ofString("max")}}, vt,
                     name + ".max");
      TensorType pt(DType::I1, outT.shape);
      Value *won = c.b.create(Opcode::Compare, {lmax, gmax}, {{"direction", Attr::ofString("eq")}},
                              pt, name + ".won");
      if (isFloat(vt.dtype)) {
        // NaN is the maximum (the first NaN wins): both maxima propagate it, but NaN == NaN
        // is false, so a shard whose maximum is NaN wins by that alone, and no other shard
        // can then (the global maximum is NaN too).
        Value *nan = c.b.create(Opcode::Compare, {lmax, lmax},
                                {{"direction", Attr::ofString("ne")}}, pt, name + ".nan");
        won = c.b.create(Opcode::Or, {won, nan}, {}, pt, name + ".won");
      }
      Value *big =
          c.b.create(Opcode::Constant, {},
                     {{"value", Attr::ofInt(std::numeric_limits<int32_t>::max())}}, outT, "cst");
      Value *cand = c.b.create(Opcode::Select, {won, garg, big}, {}, outT, name + ".cand");
      return c.b.create(Opcode::AllReduce, {cand},
                        {{"axes", Attr::ofStrings(axes)}, {"reduction", Attr::ofString("min")}},
                        outT, name);
    }
    default:
      return c.b.create(op.opcode, in, op.attrs, outT, name);
    }
  }
};

class SpmdPartitionPass : public Pass {
public:
  std::string name() const override { return "spmd-partition"; }
  PassResult run(Module &m, Diagnostics &diags) override {
    PassResult res;
    for (auto &fp : m.funcs) {
      if (fp->partitionedMesh()) continue;
      const Mesh *mesh = functionMesh(m, *fp, diags);
      if (diags.hasErrors()) return {false, false};
      if (!mesh) continue;
      Partitioner p(*fp, *mesh, diags);
      auto nf = p.run();
      if (!nf) return {false, false};
      fp = std::move(nf);
      res.changed = true;
    }
    return res;
  }
};

} // namespace

std::unique_ptr<Pass> createSpmdPartitionPass() { return std::make_unique<SpmdPartitionPass>(); }

} // namespace partita
