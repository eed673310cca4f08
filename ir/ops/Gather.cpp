// Records of the index-driven ops: one_hot, take (a gather) and scatter_add.
#include "ir/OpAttrs.h"
#include "ir/OpInfo.h"
#include "ir/Vjp.h"
#include "ir/ops/OpContext.h"

namespace partita::ops {

namespace {

using rules::addFactor;
using rules::one;

// ---- one_hot ----
// The result element type is whatever was declared, so inference stops at the checks.
std::optional<TensorType> inferOneHot(const OpContext &c) {
  const TensorType &x = c.x();
  c.needDType(x, DType::I32, "ids");
  int64_t depth = c.intAttr("depth");
  if (depth <= 0)
    fail("attribute 'depth' of " + c.name() + " must be positive, found " + std::to_string(depth),
         "depth");
  int64_t axis = c.intAttr("axis", x.rank());
  if (axis < 0 || axis > x.rank())
    fail("attribute 'axis' of " + c.name() + " is " + std::to_string(axis) +
             ", expected 0 <= axis <= " + std::to_string(x.rank()) + " for ids " + x.str(),
         "axis");
  return std::nullopt;
}

std::optional<TensorType> verifyOneHot(const OpContext &c, const TensorType &declared) {
  if (declared.dtype == DType::I1)
    fail(c.name() + " result must be f32, bf16 or i32, found " + declared.str());
  TensorType r(declared.dtype, c.x().shape);
  r.shape.insert(r.shape.begin() + c.intAttr("axis", c.x().rank()), c.intAttr("depth"));
  return r;
}

// The ids' dims pass through; the new depth dimension is special (each shard compares
// against its own range of classes).
OpRule oneHotRule(const Op &op) {
  OneHotOp o(op);
  OpRule r;
  r.level = 1;
  const auto &ids = op.operands[0]->type.shape;
  int64_t axis = o.axis().value_or((int64_t)ids.size());
  r.operand.assign(1, {});
  for (int64_t d : ids)
    r.operand[0].push_back(one(d > 1 ? addFactor(r, d, FactorKind::Pass) : -1));
  r.result = r.operand[0];
  int64_t depth = o.depth();
  r.result.insert(r.result.begin() + axis,
                  one(depth > 1 ? addFactor(r, depth, FactorKind::Special) : -1));
  return r;
}

// ---- take / scatter_add ----
// The gathered type: table[:axis] ++ ids ++ table[axis+1:].
TensorType gathered(const OpContext &c, int64_t &axis) {
  const TensorType &table = c.in()[0], &ids = c.in()[1];
  c.needDType(ids, DType::I32, "ids (operand 1)");
  axis = c.dimAttr("axis", table.rank(), table);
  TensorType r(table.dtype, {});
  r.shape.insert(r.shape.end(), table.shape.begin(), table.shape.begin() + axis);
  r.shape.insert(r.shape.end(), ids.shape.begin(), ids.shape.end());
  r.shape.insert(r.shape.end(), table.shape.begin() + axis + 1, table.shape.end());
  return r;
}

std::optional<TensorType> inferTake(const OpContext &c) {
  int64_t axis;
  return gathered(c, axis);
}

std::optional<TensorType> inferScatterAdd(const OpContext &c) {
  int64_t axis;
  TensorType r = gathered(c, axis);
  const TensorType &table = c.in()[0];
  c.needNumeric(table, "a base");
  if (c.in()[2] != r)
    fail("updates of " + c.name() + " must have type " + r.str() + " (base " + table.str() +
         " with dimension " + std::to_string(axis) + " replaced by the ids' shape " +
         shapeStr(c.in()[1].shape) + "), found " + c.in()[2].str());
  return table;
}

// take(table, ids): table's axis dim is a summed factor (each shard looks up its rows);
// scatter_add(base, ids, updates): the ids dims are summed factors.
OpRule gatherRule(const Op &op, int64_t axis, bool take) {
  OpRule r;
  r.level = 1;
  const auto &table = op.operands[0]->type.shape, &ids = op.operands[1]->type.shape;
  std::vector<std::vector<int>> tableDims, idDims;
  for (size_t d = 0; d < table.size(); ++d) {
    FactorKind k =
        (int64_t)d == axis ? (take ? FactorKind::Sum : FactorKind::Special) : FactorKind::Pass;
    tableDims.push_back(one(table[d] > 1 ? addFactor(r, table[d], k) : -1));
  }
  for (int64_t d : ids)
    idDims.push_back(one(d > 1 ? addFactor(r, d, take ? FactorKind::Pass : FactorKind::Sum) : -1));
  std::vector<std::vector<int>> gatheredDims(tableDims.begin(), tableDims.begin() + axis);
  gatheredDims.insert(gatheredDims.end(), idDims.begin(), idDims.end());
  gatheredDims.insert(gatheredDims.end(), tableDims.begin() + axis + 1, tableDims.end());
  if (take) {
    r.operand = {tableDims, idDims};
    r.result = gatheredDims;
  } else {
    r.operand = {tableDims, idDims, gatheredDims};
    r.result = tableDims;
  }
  return r;
}

OpRule takeRule(const Op &op) { return gatherRule(op, TakeOp(op).axis(), true); }
OpRule scatterAddRule(const Op &op) { return gatherRule(op, ScatterAddOp(op).axis(), false); }

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
} // namespace vjprules

} // namespace

std::vector<OpImpl> gatherOps() {
  return {
      {Opcode::OneHot, inferOneHot, verifyOneHot, oneHotRule},
      {Opcode::Take, inferTake, nullptr, takeRule, vjprules::vjpTake},
      {Opcode::ScatterAdd, inferScatterAdd, nullptr, scatterAddRule, vjprules::vjpScatterAdd},
  };
}

} // namespace partita::ops
