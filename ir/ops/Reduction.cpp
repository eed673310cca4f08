// Records of the ops that reduce or scan along dimensions: reduce_sum/max/min, cumsum,
// argmax.
#include "ir/OpAttrs.h"
#include "ir/OpInfo.h"
#include "ir/Vjp.h"
#include "ir/ops/OpContext.h"

#include <algorithm>
#include <numeric>

namespace partita::ops {

namespace {

std::optional<TensorType> inferReduce(const OpContext &c) {
  const TensorType &x = c.x();
  c.needNumeric(x, "an operand");
  auto dims = c.intsAttr("dims");
  std::vector<bool> drop(x.rank(), false);
  for (int64_t d : dims) {
    c.checkDim("dims", d, x.rank(), x);
    if (drop[d])
      fail("attribute 'dims' of " + c.name() + " lists dimension " + std::to_string(d) + " twice",
           "dims");
    drop[d] = true;
  }
  TensorType r(x.dtype, {});
  for (int i = 0; i < x.rank(); ++i)
    if (!drop[i]) r.shape.push_back(x.shape[i]);
  return r;
}

std::optional<TensorType> inferCumsum(const OpContext &c) {
  c.needNumeric(c.x(), "an operand");
  c.dimAttr("dim", c.x().rank(), c.x());
  c.boolAttr("exclusive");
  c.boolAttr("reverse");
  return c.x();
}

std::optional<TensorType> inferArgmax(const OpContext &c) {
  c.needNumeric(c.x(), "an operand");
  int64_t d = c.dimAttr("dim", c.x().rank(), c.x());
  TensorType r(DType::I32, c.x().shape);
  r.shape.erase(r.shape.begin() + d);
  return r;
}

// The operand's dims in `dims` get factors of `kind`; the others pass to the result.
// `keep` keeps the reduced dims in the result (a scan).
OpRule alongDims(const Op &op, const std::vector<int64_t> &dims, FactorKind kind, bool keep) {
  OpRule r;
  r.level = 1;
  const auto &in = op.operands[0]->type.shape;
  r.operand.assign(1, {});
  for (size_t d = 0; d < in.size(); ++d) {
    bool reduced = std::find(dims.begin(), dims.end(), (int64_t)d) != dims.end();
    int f = in[d] > 1 ? rules::addFactor(r, in[d], reduced ? kind : FactorKind::Pass) : -1;
    r.operand[0].push_back(rules::one(f));
    if (!reduced || keep) r.result.push_back(rules::one(f));
  }
  return r;
}

OpRule reduceSumRule(const Op &op) {
  return alongDims(op, ReduceSumOp(op).dims(), FactorKind::Sum, false);
}
OpRule reduceMaxRule(const Op &op) {
  return alongDims(op, ReduceMaxOp(op).dims(), FactorKind::Max, false);
}
OpRule reduceMinRule(const Op &op) {
  return alongDims(op, ReduceMinOp(op).dims(), FactorKind::Min, false);
}
// A sharded scan needs the shards' carries; a sharded argmax compares shards' winners.
OpRule cumsumRule(const Op &op) {
  return alongDims(op, {CumsumOp(op).dim()}, FactorKind::Special, true);
}
OpRule argmaxRule(const Op &op) {
  return alongDims(op, {ArgmaxOp(op).dim()}, FactorKind::Special, false);
}

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
  a["reverse"] = Attr::ofBool(!CumsumOp(c.op).reverse());
  return {c.b.create(Opcode::Cumsum, {c.ct}, a, c.ct->type, "grad")};
}
} // namespace vjprules

} // namespace

std::vector<OpImpl> reductionOps() {
  return {
      {Opcode::ReduceSum, inferReduce, nullptr, reduceSumRule, vjprules::vjpReduceSum},
      {Opcode::ReduceMax, inferReduce, nullptr, reduceMaxRule, vjprules::vjpReduceMax},
      {Opcode::ReduceMin, inferReduce, nullptr, reduceMinRule, vjprules::vjpReduceMin},
      {Opcode::Cumsum, inferCumsum, nullptr, cumsumRule, vjprules::vjpCumsum},
      {Opcode::Argmax, inferArgmax, nullptr, argmaxRule},
  };
}

} // namespace partita::ops
