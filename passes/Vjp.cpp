// The VJP rule of every differentiable op. Conventions (docs/training.md): max/min and
// reduce_max/reduce_min send the cotangent to one element on ties (binary max/min: the first
// operand; reductions: the first maximal element in row-major order, the element argmax
// picks, which is also where a NaN wins); abs has derivative 0 at 0; pow's derivative with
// respect to the exponent is 0 where the base is 0.
#include "passes/Vjp.h"

#include "ir/Einsum.h"
#include "ir/OpAttrs.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace partita {

namespace {

using Grads = std::vector<Value *>;

Value *cst(Builder &b, const TensorType &t, double v) {
  return b.create(Opcode::Constant, {}, {{"value", Attr::ofFloat(v)}}, t, "grad.c");
}
Value *zeros(Builder &b, const TensorType &t) { return cst(b, t, 0.0); }
Value *un(Builder &b, Opcode c, Value *x) { return b.create(c, {x}, {}, x->type, "grad"); }
Value *bin(Builder &b, Opcode c, Value *x, Value *y) {
  return b.create(c, {x, y}, {}, x->type, "grad");
}
Value *mul(Builder &b, Value *x, Value *y) { return bin(b, Opcode::Mul, x, y); }
Value *mulc(Builder &b, Value *x, double v) { return mul(b, x, cst(b, x->type, v)); }
Value *cmp(Builder &b, Value *x, Value *y, const char *dir) {
  return b.create(Opcode::Compare, {x, y}, {{"direction", Attr::ofString(dir)}},
                  TensorType(DType::I1, x->type.shape), "grad.p");
}
Value *sel(Builder &b, Value *p, Value *x, Value *y) {
  return b.create(Opcode::Select, {p, x, y}, {}, x->type, "grad");
}
Value *reshape(Builder &b, Value *x, TensorType t) {
  if (x->type == t) return x;
  return b.create(Opcode::Reshape, {x}, {}, t, "grad");
}
Value *transpose(Builder &b, Value *x, const std::vector<int64_t> &perm) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity &= perm[i] == (int64_t)i;
  if (identity) return x;
  TensorType t = x->type;
  for (size_t i = 0; i < perm.size(); ++i)
    t.shape[i] = x->type.shape[perm[i]];
  return b.create(Opcode::Transpose, {x}, {{"perm", Attr::ofInts(perm)}}, t, "grad");
}
Value *broadcast(Builder &b, Value *x, const TensorType &t, const std::vector<int64_t> &dims) {
  if (x->type == t) return x;
  return b.create(Opcode::BroadcastInDim, {x}, {{"dims", Attr::ofInts(dims)}}, t, "grad");
}
Value *slice(Builder &b, Value *x, std::vector<int64_t> start, std::vector<int64_t> limit) {
  TensorType t = x->type;
  bool whole = true;
  for (size_t d = 0; d < start.size(); ++d) {
    t.shape[d] = limit[d] - start[d];
    whole &= start[d] == 0 && limit[d] == x->type.shape[d];
  }
  if (whole) return x;
  return b.create(Opcode::Slice, {x},
                  {{"start", Attr::ofInts(start)}, {"limit", Attr::ofInts(limit)}}, t, "grad");
}
Value *pad(Builder &b, Value *x, std::vector<int64_t> low, std::vector<int64_t> high) {
  TensorType t = x->type;
  bool none = true;
  for (size_t d = 0; d < low.size(); ++d) {
    t.shape[d] += low[d] + high[d];
    none &= low[d] == 0 && high[d] == 0;
  }
  if (none) return x;
  return b.create(
      Opcode::Pad, {x},
      {{"low", Attr::ofInts(low)}, {"high", Attr::ofInts(high)}, {"value", Attr::ofFloat(0.0)}}, t,
      "grad");
}
Value *sumOver(Builder &b, Value *x, const std::vector<int64_t> &dims) {
  if (dims.empty()) return x;
  TensorType t = x->type;
  t.shape.clear();
  for (int64_t d = 0; d < x->type.rank(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) t.shape.push_back(x->type.shape[d]);
  return b.create(Opcode::ReduceSum, {x}, {{"dims", Attr::ofInts(dims)}}, t, "grad");
}

Value *x0(VjpContext &c) { return c.op.operands[0]; }
Value *x1(VjpContext &c) { return c.op.operands[1]; }
Value *y(VjpContext &c) { return c.op.result; }

// ---- elementwise ----
Grads vjpNeg(VjpContext &c) { return {un(c.b, Opcode::Neg, c.ct)}; }
Grads vjpAbs(VjpContext &c) {
  Value *zero = zeros(c.b, x0(c)->type);
  Value *neg = sel(c.b, cmp(c.b, x0(c), zero, "lt"), un(c.b, Opcode::Neg, c.ct), zero);
  return {sel(c.b, cmp(c.b, x0(c), zero, "gt"), c.ct, neg)};
}
Grads vjpExp(VjpContext &c) { return {mul(c.b, c.ct, y(c))}; }
Grads vjpLog(VjpContext &c) { return {bin(c.b, Opcode::Div, c.ct, x0(c))}; }
Grads vjpSqrt(VjpContext &c) { return {bin(c.b, Opcode::Div, mulc(c.b, c.ct, 0.5), y(c))}; }
Grads vjpRsqrt(VjpContext &c) {
  Value *y3 = mul(c.b, mul(c.b, y(c), y(c)), y(c));
  return {mul(c.b, c.ct, mulc(c.b, y3, -0.5))};
}
Grads vjpTanh(VjpContext &c) {
  Value *d = bin(c.b, Opcode::Sub, cst(c.b, y(c)->type, 1.0), mul(c.b, y(c), y(c)));
  return {mul(c.b, c.ct, d)};
}
Grads vjpLogistic(VjpContext &c) {
  Value *d = mul(c.b, y(c), bin(c.b, Opcode::Sub, cst(c.b, y(c)->type, 1.0), y(c)));
  return {mul(c.b, c.ct, d)};
}
Grads vjpErf(VjpContext &c) {
  Value *e = un(c.b, Opcode::Exp, un(c.b, Opcode::Neg, mul(c.b, x0(c), x0(c))));
  return {mul(c.b, c.ct, mulc(c.b, e, 2.0 / std::sqrt(M_PI)))};
}
// gelu(x) = 0.5 x (1 + tanh(k (x + a x^3))), the tanh form of the spec.
Grads vjpGelu(VjpContext &c) {
  const double k = 0.7978845608, a = 0.044715;
  Builder &b = c.b;
  Value *x = x0(c), *x2 = mul(b, x, x);
  Value *inner = mulc(b, bin(b, Opcode::Add, x, mulc(b, mul(b, x2, x), a)), k);
  Value *t = un(b, Opcode::Tanh, inner);
  Value *one = cst(b, x->type, 1.0);
  Value *left = mulc(b, bin(b, Opcode::Add, one, t), 0.5);
  Value *sech2 = bin(b, Opcode::Sub, one, mul(b, t, t));
  Value *dinner = mulc(b, bin(b, Opcode::Add, one, mulc(b, x2, 3 * a)), k);
  Value *right = mul(b, mulc(b, x, 0.5), mul(b, sech2, dinner));
  return {mul(b, c.ct, bin(b, Opcode::Add, left, right))};
}
Grads vjpConvert(VjpContext &c) {
  if (!isFloat(x0(c)->type.dtype)) return {nullptr};
  if (x0(c)->type == c.ct->type) return {c.ct};
  return {c.b.create(Opcode::Convert, {c.ct}, {}, x0(c)->type, "grad")};
}
Grads vjpAdd(VjpContext &c) { return {c.ct, c.ct}; }
Grads vjpSub(VjpContext &c) { return {c.ct, c.want[1] ? un(c.b, Opcode::Neg, c.ct) : nullptr}; }
Grads vjpMul(VjpContext &c) {
  return {c.want[0] ? mul(c.b, c.ct, x1(c)) : nullptr, c.want[1] ? mul(c.b, c.ct, x0(c)) : nullptr};
}
Grads vjpDiv(VjpContext &c) {
  Value *q = bin(c.b, Opcode::Div, c.ct, x1(c));
  return {q, c.want[1] ? un(c.b, Opcode::Neg, mul(c.b, q, y(c))) : nullptr};
}
Grads maxMin(VjpContext &c, const char *dir) {
  Value *p = cmp(c.b, x0(c), x1(c), dir), *zero = zeros(c.b, c.ct->type);
  return {c.want[0] ? sel(c.b, p, c.ct, zero) : nullptr,
          c.want[1] ? sel(c.b, p, zero, c.ct) : nullptr};
}
Grads vjpMax(VjpContext &c) { return maxMin(c, "ge"); }
Grads vjpMin(VjpContext &c) { return maxMin(c, "le"); }
Grads vjpPow(VjpContext &c) {
  Builder &b = c.b;
  Value *x = x0(c), *e = x1(c);
  Grads g(2, nullptr);
  if (c.want[0]) {
    Value *em1 = bin(b, Opcode::Sub, e, cst(b, e->type, 1.0));
    g[0] = mul(b, c.ct, mul(b, e, bin(b, Opcode::Pow, x, em1)));
  }
  if (c.want[1]) {
    Value *zero = zeros(b, x->type);
    Value *d = mul(b, c.ct, mul(b, y(c), un(b, Opcode::Log, x)));
    g[1] = sel(b, cmp(b, x, zero, "eq"), zero, d);
  }
  return g;
}
Grads vjpSelect(VjpContext &c) {
  Value *zero = zeros(c.b, c.ct->type), *p = x0(c);
  return {nullptr, c.want[1] ? sel(c.b, p, c.ct, zero) : nullptr,
          c.want[2] ? sel(c.b, p, zero, c.ct) : nullptr};
}

// ---- shapes and data movement ----
Grads vjpBroadcast(VjpContext &c) {
  const TensorType &in = x0(c)->type, &out = c.op.type();
  auto dims = BroadcastInDimOp(c.op).dims();
  // Sum over result dims that no operand dim maps to, and over expanded size-1 dims.
  std::vector<int64_t> summed;
  std::vector<bool> kept(out.rank(), false);
  for (size_t i = 0; i < dims.size(); ++i)
    if (!(in.shape[i] == 1 && out.shape[dims[i]] != 1)) kept[dims[i]] = true;
  for (int64_t d = 0; d < out.rank(); ++d)
    if (!kept[d]) summed.push_back(d);
  Value *s = sumOver(c.b, c.ct, summed);
  // The kept dims are in ascending result order; put them in operand order.
  std::vector<int64_t> order; // operand dims whose result dim is kept, in operand order
  for (size_t i = 0; i < dims.size(); ++i)
    if (kept[dims[i]]) order.push_back((int64_t)i);
  std::vector<int64_t> byResult = order;
  std::sort(byResult.begin(), byResult.end(),
            [&](int64_t a, int64_t b) { return dims[a] < dims[b]; });
  std::vector<int64_t> perm;
  for (int64_t i : order)
    perm.push_back(std::find(byResult.begin(), byResult.end(), i) - byResult.begin());
  return {reshape(c.b, transpose(c.b, s, perm), in)};
}
Grads vjpReshape(VjpContext &c) { return {reshape(c.b, c.ct, x0(c)->type)}; }
Grads vjpTranspose(VjpContext &c) {
  auto perm = TransposeOp(c.op).perm();
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[perm[i]] = (int64_t)i;
  return {transpose(c.b, c.ct, inv)};
}
Grads vjpSlice(VjpContext &c) {
  Builder &b = c.b;
  const TensorType &in = x0(c)->type;
  auto start = SliceOp(c.op).start();
  auto stride =
      c.op.hasAttr("stride") ? SliceOp(c.op).stride() : std::vector<int64_t>(in.rank(), 1);
  if (c.op.type().numElements() == 0) return {zeros(b, in)};
  Value *g = c.ct;
  std::vector<int64_t> low(in.rank()), high(in.rank());
  for (int64_t d = 0; d < in.rank(); ++d) {
    int64_t n = g->type.shape[d], s = stride[d];
    if (s > 1 && n > 1) {
      // Interleave s-1 zeros after each element: [.., n, ..] → [.., n, s, ..] → [.., n*s, ..].
      TensorType t1 = g->type;
      t1.shape.insert(t1.shape.begin() + d + 1, 1);
      Value *g1 = reshape(b, g, t1);
      TensorType tz = t1;
      tz.shape[d + 1] = s - 1;
      TensorType tc = t1;
      tc.shape[d + 1] = s;
      Value *cat = b.create(Opcode::Concatenate, {g1, zeros(b, tz)}, {{"dim", Attr::ofInt(d + 1)}},
                            tc, "grad");
      TensorType tf = g->type;
      tf.shape[d] = n * s;
      Value *flat = reshape(b, cat, tf);
      std::vector<int64_t> st(in.rank(), 0), lim = tf.shape;
      lim[d] = (n - 1) * s + 1;
      g = slice(b, flat, st, lim);
    }
    low[d] = start[d];
    high[d] = in.shape[d] - start[d] - g->type.shape[d];
  }
  return {pad(b, g, low, high)};
}
Grads vjpPad(VjpContext &c) {
  auto low = PadOp(c.op).low();
  const auto &in = x0(c)->type.shape;
  std::vector<int64_t> limit(in.size());
  for (size_t d = 0; d < in.size(); ++d)
    limit[d] = low[d] + in[d];
  return {slice(c.b, c.ct, low, limit)};
}
Grads vjpConcatenate(VjpContext &c) {
  int64_t dim = ConcatenateOp(c.op).dim(), at = 0;
  Grads g;
  for (size_t k = 0; k < c.op.operands.size(); ++k) {
    const TensorType &t = c.op.operands[k]->type;
    std::vector<int64_t> start(t.rank(), 0), limit = c.ct->type.shape;
    start[dim] = at;
    limit[dim] = at + t.shape[dim];
    at += t.shape[dim];
    g.push_back(c.want[k] ? slice(c.b, c.ct, start, limit) : nullptr);
  }
  return g;
}
Grads vjpEinsum(VjpContext &c) {
  const EinsumSpec &spec = EinsumOp(c.op).spec();
  Grads g(2, nullptr);
  for (int k = 0; k < 2; ++k) {
    if (!c.want[k]) continue;
    const std::string &mine = spec.inputs[k], &other = spec.inputs[1 - k];
    Value *o = c.op.operands[1 - k];
    const TensorType &t = c.op.operands[k]->type;
    // Letters of this operand that the output or the other operand carries; the rest were
    // summed within this operand alone, so their cotangent is a broadcast.
    std::string reached;
    std::vector<int64_t> dims;
    TensorType rt(t.dtype, {});
    for (size_t d = 0; d < mine.size(); ++d)
      if (spec.output.find(mine[d]) != std::string::npos ||
          other.find(mine[d]) != std::string::npos) {
        reached += mine[d];
        dims.push_back((int64_t)d);
        rt.shape.push_back(t.shape[d]);
      }
    Value *e = c.b.create(Opcode::Einsum, {c.ct, o},
                          {{"spec", Attr::ofString(spec.output + "," + other + "->" + reached)}},
                          rt, "grad");
    g[k] = broadcast(c.b, e, t, dims);
  }
  return g;
}
Grads vjpReduceSum(VjpContext &c) {
  auto dims = ReduceSumOp(c.op).dims();
  const TensorType &in = x0(c)->type;
  std::vector<int64_t> kept;
  for (int64_t d = 0; d < in.rank(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) kept.push_back(d);
  return {broadcast(c.b, c.ct, in, kept)};
}
// The cotangent goes to the element argmax picks over the reduced dims (flattened).
Grads reduceExtremum(VjpContext &c, bool isMax) {
  Builder &b = c.b;
  Value *x = x0(c);
  const TensorType &in = x->type;
  auto rdims = isMax ? ReduceMaxOp(c.op).dims() : ReduceMinOp(c.op).dims();
  std::sort(rdims.begin(), rdims.end());
  std::vector<int64_t> perm, kshape;
  int64_t rsize = 1;
  for (int64_t d = 0; d < in.rank(); ++d)
    if (!std::binary_search(rdims.begin(), rdims.end(), d)) {
      perm.push_back(d);
      kshape.push_back(in.shape[d]);
    }
  for (int64_t d : rdims) {
    perm.push_back(d);
    rsize *= in.shape[d];
  }
  Value *xt = transpose(b, isMax ? x : un(b, Opcode::Neg, x), perm);
  TensorType flatT(in.dtype, kshape);
  flatT.shape.push_back(rsize);
  Value *flat = reshape(b, xt, flatT);
  int64_t k = (int64_t)kshape.size();
  Value *am = b.create(Opcode::Argmax, {flat}, {{"dim", Attr::ofInt(k)}},
                       TensorType(DType::I32, kshape), "grad.arg");
  Value *mask = b.create(Opcode::OneHot, {am}, {{"depth", Attr::ofInt(rsize)}}, flatT, "grad");
  std::vector<int64_t> lead(k);
  std::iota(lead.begin(), lead.end(), 0);
  Value *g = mul(b, mask, broadcast(b, c.ct, flatT, lead));
  g = reshape(b, g, xt->type);
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[perm[i]] = (int64_t)i;
  return {transpose(b, g, inv)};
}
Grads vjpReduceMax(VjpContext &c) { return reduceExtremum(c, true); }
Grads vjpReduceMin(VjpContext &c) { return reduceExtremum(c, false); }
Grads vjpCumsum(VjpContext &c) {
  AttrDict a = c.op.attrs;
  a["reverse"] = Attr::ofBool(!c.op.getBool("reverse"));
  return {c.b.create(Opcode::Cumsum, {c.ct}, a, c.ct->type, "grad")};
}
Grads vjpTake(VjpContext &c) {
  Value *table = x0(c);
  return {c.b.create(Opcode::ScatterAdd, {zeros(c.b, table->type), x1(c), c.ct},
                     {{"axis", c.op.attrs.at("axis")}}, table->type, "grad"),
          nullptr};
}
Grads vjpScatterAdd(VjpContext &c) {
  Value *upd = c.op.operands[2];
  return {c.ct, nullptr,
          c.want[2] ? c.b.create(Opcode::Take, {c.ct, x1(c)}, {{"axis", c.op.attrs.at("axis")}},
                                 upd->type, "grad")
                    : nullptr};
}
Grads vjpShardingConstraint(VjpContext &c) {
  Value *g = c.b.create(Opcode::ShardingConstraint, {c.ct}, {}, c.ct->type, "grad");
  g->sharding = c.op.result->sharding;
  return {g};
}
Grads vjpDynamicSlice(VjpContext &c) {
  Value *x = x0(c);
  std::vector<Value *> ops{zeros(c.b, x->type), c.ct};
  ops.insert(ops.end(), c.op.operands.begin() + 1, c.op.operands.end());
  Grads g(c.op.operands.size(), nullptr);
  g[0] = c.b.create(Opcode::DynamicUpdateSlice, ops, {}, x->type, "grad");
  return g;
}
Grads vjpDynamicUpdateSlice(VjpContext &c) {
  Value *upd = x1(c);
  std::vector<Value *> offs(c.op.operands.begin() + 2, c.op.operands.end());
  Grads g(c.op.operands.size(), nullptr);
  if (c.want[0]) {
    std::vector<Value *> ops{c.ct, zeros(c.b, upd->type)};
    ops.insert(ops.end(), offs.begin(), offs.end());
    g[0] = c.b.create(Opcode::DynamicUpdateSlice, ops, {}, c.ct->type, "grad");
  }
  if (c.want[1]) {
    std::vector<Value *> ops{c.ct};
    ops.insert(ops.end(), offs.begin(), offs.end());
    g[1] = c.b.create(Opcode::DynamicSlice, ops, {{"sizes", Attr::ofInts(upd->type.shape)}},
                      upd->type, "grad");
  }
  return g;
}

} // namespace

const VjpRule *vjpRule(Opcode code) {
  static const std::map<Opcode, VjpRule> rules = {
      {Opcode::Neg, vjpNeg},
      {Opcode::Abs, vjpAbs},
      {Opcode::Exp, vjpExp},
      {Opcode::Log, vjpLog},
      {Opcode::Sqrt, vjpSqrt},
      {Opcode::Rsqrt, vjpRsqrt},
      {Opcode::Tanh, vjpTanh},
      {Opcode::Logistic, vjpLogistic},
      {Opcode::Erf, vjpErf},
      {Opcode::Gelu, vjpGelu},
      {Opcode::Convert, vjpConvert},
      {Opcode::Add, vjpAdd},
      {Opcode::Sub, vjpSub},
      {Opcode::Mul, vjpMul},
      {Opcode::Div, vjpDiv},
      {Opcode::Max, vjpMax},
      {Opcode::Min, vjpMin},
      {Opcode::Pow, vjpPow},
      {Opcode::Select, vjpSelect},
      {Opcode::BroadcastInDim, vjpBroadcast},
      {Opcode::Reshape, vjpReshape},
      {Opcode::Transpose, vjpTranspose},
      {Opcode::Slice, vjpSlice},
      {Opcode::Concatenate, vjpConcatenate},
      {Opcode::Pad, vjpPad},
      {Opcode::Einsum, vjpEinsum},
      {Opcode::ReduceSum, vjpReduceSum},
      {Opcode::ReduceMax, vjpReduceMax},
      {Opcode::ReduceMin, vjpReduceMin},
      {Opcode::Cumsum, vjpCumsum},
      {Opcode::Take, vjpTake},
      {Opcode::ScatterAdd, vjpScatterAdd},
      {Opcode::ShardingConstraint, vjpShardingConstraint},
      {Opcode::DynamicSlice, vjpDynamicSlice},
      {Opcode::DynamicUpdateSlice, vjpDynamicUpdateSlice},
  };
  auto it = rules.find(code);
  return it == rules.end() ? nullptr : &it->second;
}

} // namespace partita
