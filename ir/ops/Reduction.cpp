// Records of the ops that reduce or scan along dimensions: reduce_sum/max/min, cumsum,
// argmax.
#include "ir/OpAttrs.h"
#include "ir/OpInfo.h"
#include "ir/ops/OpContext.h"

#include <algorithm>

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

} // namespace

std::vector<OpImpl> reductionOps() {
  return {
      {Opcode::ReduceSum, inferReduce, nullptr, reduceSumRule},
      {Opcode::ReduceMax, inferReduce, nullptr, reduceMaxRule},
      {Opcode::ReduceMin, inferReduce, nullptr, reduceMinRule},
      {Opcode::Cumsum, inferCumsum, nullptr, cumsumRule},
      {Opcode::Argmax, inferArgmax, nullptr, argmaxRule},
  };
}

} // namespace partita::ops
