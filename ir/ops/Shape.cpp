// Records of the shape and data-movement ops: constant, iota, broadcast_in_dim, reshape,
// transpose, slice, concatenate, pad and sharding_constraint.
#include "ir/OpAttrs.h"
#include "ir/OpInfo.h"
#include "ir/Printer.h"
#include "ir/Tensor.h"
#include "ir/Vjp.h"
#include "ir/ops/OpContext.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <set>

namespace partita::ops {

namespace {

using rules::addFactor;
using rules::one;

// ---- constant ----
std::optional<TensorType> inferConstant(const OpContext &c) {
  const Attr &v = c.need("value");
  // When verifying, the declared type gives the precise complaint instead.
  if (!c.verifying() && !v.isNumber() && v.kind != Attr::Kind::Bool && v.kind != Attr::Kind::List)
    c.badKind("value", "a number or a nested list of numbers");
  return std::nullopt;
}

void checkConstant(const OpContext &c, const Attr &v, int depth, const TensorType &t) {
  const std::string &name = c.name();
  if (v.kind == Attr::Kind::List) {
    if (depth >= t.rank())
      fail("attribute 'value' of " + name + " nests lists deeper than the rank of " + t.str(),
           "value");
    if ((int64_t)v.list.size() != t.shape[depth])
      fail("attribute 'value' of " + name + " has " + std::to_string(v.list.size()) +
               " entries at depth " + std::to_string(depth) + ", expected " +
               std::to_string(t.shape[depth]) + " for " + t.str(),
           "value");
    for (const auto &e : v.list)
      checkConstant(c, e, depth + 1, t);
    return;
  }
  if (depth > 0 && depth < t.rank())
    fail("attribute 'value' of " + name + " mixes numbers and lists at depth " +
             std::to_string(depth) + " for " + t.str(),
         "value");
  std::string where = "attribute 'value' of " + name;
  switch (t.dtype) {
  case DType::F32:
  case DType::BF16:
    if (!v.isNumber())
      fail(where + " must hold numbers for " + t.str() + ", found " + attrKindName(v.kind),
           "value");
    break;
  case DType::I32:
    if (v.kind != Attr::Kind::Int)
      fail(where + " must hold integers for " + t.str() + ", found " + attrKindName(v.kind),
           "value");
    if (v.i < std::numeric_limits<int32_t>::min() || v.i > std::numeric_limits<int32_t>::max())
      fail(where + " holds " + std::to_string(v.i) + ", which does not fit in i32", "value");
    break;
  case DType::I1:
    if (!(v.kind == Attr::Kind::Bool || (v.kind == Attr::Kind::Int && (v.i == 0 || v.i == 1))))
      fail(where + " must hold true, false, 0 or 1 for " + t.str(), "value");
    break;
  }
}

std::optional<TensorType> verifyConstant(const OpContext &c, const TensorType &declared) {
  checkConstant(c, c.need("value"), 0, declared);
  return declared;
}

OpRule constantRule(const Op &op) { return rules::sameShape(op, 1); }

// ---- iota ----
std::optional<TensorType> inferIota(const OpContext &c) {
  if (!c.verifying()) c.intAttr("dim");
  return std::nullopt;
}

std::optional<TensorType> verifyIota(const OpContext &c, const TensorType &declared) {
  if (declared.dtype == DType::I1)
    fail(c.name() + " result must be i32, f32 or bf16, found " + declared.str());
  c.dimAttr("dim", declared.rank(), declared);
  return declared;
}

// The counted dimension's shards start at different offsets.
OpRule iotaRule(const Op &op) {
  OpRule r = rules::sameShape(op, 1);
  for (int f : r.result[IotaOp(op).dim()])
    r.kind[f] = FactorKind::Special;
  return r;
}

// ---- broadcast_in_dim ----
std::optional<TensorType> inferBroadcast(const OpContext &c) {
  auto dims = c.intsAttr("dims");
  c.rankList("dims", dims, c.x().rank());
  return std::nullopt;
}

std::optional<TensorType> verifyBroadcast(const OpContext &c, const TensorType &declared) {
  const TensorType &x = c.x();
  auto dims = c.intsAttr("dims");
  c.declaredDType(declared, x.dtype);
  std::vector<bool> used(declared.rank(), false);
  for (int i = 0; i < x.rank(); ++i) {
    c.checkDim("dims", dims[i], declared.rank(), declared);
    if (used[dims[i]])
      fail("attribute 'dims' of " + c.name() + " maps two operand dimensions to result dimension " +
               std::to_string(dims[i]),
           "dims");
    used[dims[i]] = true;
    int64_t s = x.shape[i], r = declared.shape[dims[i]];
    if (s != 1 && s != r)
      fail(c.name() + " cannot broadcast operand dimension " + std::to_string(i) + " of size " +
           std::to_string(s) + " to result dimension " + std::to_string(dims[i]) + " of size " +
           std::to_string(r) + " (" + x.str() + " to " + declared.str() + ")");
  }
  return declared;
}

// Broadcast (size-1) operand dims get no factor; the others share the result's.
OpRule broadcastRule(const Op &op) {
  OpRule r = rules::sameShape(op, 0);
  r.operand.assign(1, {});
  auto dims = BroadcastInDimOp(op).dims();
  const auto &in = op.operands[0]->type.shape, &out = op.type().shape;
  for (size_t i = 0; i < in.size(); ++i)
    r.operand[0].push_back(in[i] == out[dims[i]] ? r.result[dims[i]] : std::vector<int>{});
  return r;
}

// ---- reshape ----
std::optional<TensorType> inferReshape(const OpContext &) { return std::nullopt; }

std::optional<TensorType> verifyReshape(const OpContext &c, const TensorType &declared) {
  c.declaredDType(declared, c.x().dtype);
  if (declared.numElements() != c.x().numElements())
    fail(c.name() + " must keep the element count: " + c.x().str() + " has " +
         std::to_string(c.x().numElements()) + ", " + declared.str() + " has " +
         std::to_string(declared.numElements()));
  return declared;
}

// Factors are the common refinement of both shapes' cumulative products; dims in a stretch
// without a common refinement get blocked factors of their own.
OpRule reshapeRule(const Op &op) {
  OpRule r;
  r.level = 0;
  const auto &in = op.operands[0]->type.shape, &out = op.type().shape;
  r.operand.assign(1, std::vector<std::vector<int>>(in.size()));
  r.result.assign(out.size(), {});
  size_t i = 0, j = 0;
  while (i < in.size() || j < out.size()) {
    // Grow a segment [i, i2) x [j, j2) until both products agree.
    size_t i2 = i, j2 = j;
    int64_t pi = 1, pj = 1;
    if (i2 < in.size()) pi *= in[i2++];
    if (j2 < out.size()) pj *= out[j2++];
    while (pi != pj) {
      if (pi < pj && i2 < in.size())
        pi *= in[i2++];
      else if (pj < pi && j2 < out.size())
        pj *= out[j2++];
      else
        break;
    }
    // Boundaries inside the segment from both sides; a refinement exists when they chain
    // by divisibility.
    std::set<int64_t> bounds;
    int64_t p = 1;
    for (size_t k = i; k < i2; ++k)
      bounds.insert(p *= in[k]);
    p = 1;
    for (size_t k = j; k < j2; ++k)
      bounds.insert(p *= out[k]);
    bool chain = pi == pj;
    int64_t prev = 1;
    for (int64_t b : bounds) {
      if (b % prev != 0) chain = false;
      prev = b;
    }
    if (chain) {
      std::map<int64_t, int> factorAt; // boundary → factor ending there
      prev = 1;
      for (int64_t b : bounds) {
        if (b / prev > 1) factorAt[b] = addFactor(r, b / prev, FactorKind::Pass);
        prev = b;
      }
      auto assign = [&](const std::vector<int64_t> &shape, size_t from, size_t to,
                        std::vector<std::vector<int>> &dims) {
        int64_t lo = 1;
        for (size_t k = from; k < to; ++k) {
          int64_t hi = lo * shape[k];
          for (auto &[b, f] : factorAt)
            if (b > lo && b <= hi) dims[k].push_back(f);
          lo = hi;
        }
      };
      assign(in, i, i2, r.operand[0]);
      assign(out, j, j2, r.result);
    } else {
      for (size_t k = i; k < i2; ++k)
        if (in[k] > 1) r.operand[0][k] = {addFactor(r, in[k], FactorKind::Blocked)};
      for (size_t k = j; k < j2; ++k)
        if (out[k] > 1) r.result[k] = {addFactor(r, out[k], FactorKind::Blocked)};
    }
    i = i2;
    j = j2;
  }
  return r;
}

// ---- transpose ----
std::optional<TensorType> inferTranspose(const OpContext &c) {
  const TensorType &x = c.x();
  auto perm = c.intsAttr("perm");
  c.rankList("perm", perm, x.rank());
  std::vector<bool> seen(x.rank(), false);
  TensorType r(x.dtype, {});
  for (int64_t p : perm) {
    c.checkDim("perm", p, x.rank(), x);
    if (seen[p])
      fail("attribute 'perm' of " + c.name() + " is not a permutation: " + shapeStr(perm), "perm");
    seen[p] = true;
    r.shape.push_back(x.shape[p]);
  }
  return r;
}

OpRule transposeRule(const Op &op) {
  OpRule r;
  r.level = 0;
  r.operand.assign(1, {});
  for (int64_t d : op.operands[0]->type.shape)
    r.operand[0].push_back(one(d > 1 ? addFactor(r, d, FactorKind::Pass) : -1));
  for (int64_t p : TransposeOp(op).perm())
    r.result.push_back(r.operand[0][p]);
  return r;
}

// ---- slice ----
std::optional<TensorType> inferSlice(const OpContext &c) {
  const TensorType &x = c.x();
  auto start = c.intsAttr("start"), limit = c.intsAttr("limit");
  c.rankList("start", start, x.rank());
  c.rankList("limit", limit, x.rank());
  std::vector<int64_t> stride(x.rank(), 1);
  if (c.find("stride")) {
    stride = c.intsAttr("stride");
    c.rankList("stride", stride, x.rank());
  }
  TensorType r(x.dtype, {});
  for (int i = 0; i < x.rank(); ++i) {
    if (!(0 <= start[i] && start[i] <= limit[i] && limit[i] <= x.shape[i]))
      fail(c.name() + " bounds of dimension " + std::to_string(i) + " are [" +
               std::to_string(start[i]) + ", " + std::to_string(limit[i]) +
               "), expected 0 <= start <= limit <= " + std::to_string(x.shape[i]) + " for " +
               x.str(),
           start[i] < 0 || start[i] > limit[i] ? "start" : "limit");
    if (stride[i] < 1)
      fail("attribute 'stride' of " + c.name() + " must be positive, found " +
               std::to_string(stride[i]),
           "stride");
    // ceil((limit - start) / stride) without forming limit - start + stride, which overflows
    // for strides near INT64_MAX.
    int64_t n = limit[i] - start[i];
    r.shape.push_back(n == 0 ? 0 : (n - 1) / stride[i] + 1);
  }
  return r;
}

OpRule sliceRule(const Op &op) {
  SliceOp s(op);
  auto start = s.start(), limit = s.limit(), stride = s.stride();
  const auto &out = op.type().shape;
  std::vector<bool> changed(out.size());
  for (size_t d = 0; d < out.size(); ++d)
    changed[d] = start[d] != 0 || limit[d] != op.operands[0]->type.shape[d] ||
                 (!stride.empty() && stride[d] != 1);
  return rules::extentChanging(op, changed);
}

// ---- concatenate ----
std::optional<TensorType> inferConcatenate(const OpContext &c) {
  if (c.in().empty()) fail(c.name() + " takes at least 1 operand, found 0");
  const TensorType &x = c.x();
  if (x.rank() == 0) fail(c.name() + " cannot concatenate scalars (" + x.str() + ")");
  int64_t d = c.dimAttr("dim", x.rank(), x);
  TensorType r = x;
  for (size_t i = 1; i < c.in().size(); ++i) {
    const TensorType &t = c.in()[i];
    bool ok = t.dtype == x.dtype && t.rank() == x.rank();
    for (int k = 0; ok && k < t.rank(); ++k)
      ok = k == d || t.shape[k] == x.shape[k];
    if (!ok)
      fail("operands of " + c.name() + " must agree except in dimension " + std::to_string(d) +
           ": " + x.str() + " and " + t.str());
    r.shape[d] = checkedAdd(r.shape[d], t.shape[d], c.name() + " result extent");
  }
  return r;
}

OpRule concatenateRule(const Op &op) {
  std::vector<bool> changed(op.type().rank(), false);
  changed[ConcatenateOp(op).dim()] = true;
  return rules::extentChanging(op, changed);
}

// ---- pad ----
std::optional<TensorType> inferPad(const OpContext &c) {
  const TensorType &x = c.x();
  auto low = c.intsAttr("low"), high = c.intsAttr("high");
  c.rankList("low", low, x.rank());
  c.rankList("high", high, x.rank());
  const Attr &v = c.need("value");
  if (!v.isNumber()) c.badKind("value", "a number");
  // An integer operand is padded with a value of its type, as constants hold (executors
  // would otherwise each convert 2.5 or 1e30 their own way): one that roundTo keeps.
  if (!isFloat(x.dtype) && roundTo(x.dtype, v.asDouble()) != v.asDouble())
    fail("attribute 'value' of " + c.name() + " is " + printAttr(v) + ", which is not a value of " +
             dtypeName(x.dtype),
         "value");
  TensorType r = x;
  for (int i = 0; i < x.rank(); ++i) {
    if (low[i] < 0)
      fail("attribute 'low' of " + c.name() + " must be non-negative, found " + shapeStr(low),
           "low");
    if (high[i] < 0)
      fail("attribute 'high' of " + c.name() + " must be non-negative, found " + shapeStr(high),
           "high");
    std::string what = c.name() + " result extent";
    r.shape[i] = checkedAdd(checkedAdd(r.shape[i], low[i], what), high[i], what);
  }
  return r;
}

OpRule padRule(const Op &op) {
  PadOp p(op);
  auto low = p.low(), high = p.high();
  std::vector<bool> changed(op.type().rank());
  for (size_t d = 0; d < changed.size(); ++d)
    changed[d] = low[d] != 0 || high[d] != 0;
  return rules::extentChanging(op, changed);
}

// ---- sharding_constraint ----
std::optional<TensorType> inferIdentity(const OpContext &c) { return c.x(); }
OpRule identityRule(const Op &op) { return rules::sameShape(op, 0); }

// ---- derivative (VJP) rules, docs/training.md ----
namespace vjprules {
using Grads = std::vector<Value *>;
using vjp::bin;
using vjp::broadcast;
using vjp::cmp;
using vjp::cst;
using vjp::mul;
using vjp::mulc;
using vjp::pad;
using vjp::reshape;
using vjp::sel;
using vjp::slice;
using vjp::sumOver;
using vjp::transpose;
using vjp::un;
using vjp::x0;
using vjp::x1;
using vjp::y;
using vjp::zeros;

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
Grads vjpShardingConstraint(VjpContext &c) {
  Value *g = c.b.create(Opcode::ShardingConstraint, {c.ct}, {}, c.ct->type, "grad");
  g->sharding = c.op.result->sharding;
  return {g};
}
} // namespace vjprules

} // namespace

std::vector<OpImpl> shapeOps() {
  return {
      {Opcode::Constant, inferConstant, verifyConstant, constantRule},
      {Opcode::Iota, inferIota, verifyIota, iotaRule},
      {Opcode::BroadcastInDim, inferBroadcast, verifyBroadcast, broadcastRule,
       vjprules::vjpBroadcast},
      {Opcode::Reshape, inferReshape, verifyReshape, reshapeRule, vjprules::vjpReshape},
      {Opcode::Transpose, inferTranspose, nullptr, transposeRule, vjprules::vjpTranspose},
      {Opcode::Slice, inferSlice, nullptr, sliceRule, vjprules::vjpSlice},
      {Opcode::Concatenate, inferConcatenate, nullptr, concatenateRule, vjprules::vjpConcatenate},
      {Opcode::Pad, inferPad, nullptr, padRule, vjprules::vjpPad},
      {Opcode::ShardingConstraint, inferIdentity, nullptr, identityRule,
       vjprules::vjpShardingConstraint},
  };
}

} // namespace partita::ops
