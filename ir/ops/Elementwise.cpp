// Records of the elementwise ops: unary (neg ... not, convert), binary (add ... or,
// compare) and select. Every one shares its result's factors with all operands.
#include "ir/OpInfo.h"
#include "ir/Vjp.h"
#include "ir/ops/OpContext.h"

#include <cmath>

namespace partita::ops {

namespace {

std::optional<TensorType> unaryFloat(const OpContext &c) {
  c.needFloat(c.x(), "an operand");
  return c.x();
}

std::optional<TensorType> unaryNumeric(const OpContext &c) {
  c.needNumeric(c.x(), "an operand");
  return c.x();
}

std::optional<TensorType> inferNot(const OpContext &c) {
  c.needDType(c.x(), DType::I1, "an operand");
  return c.x();
}

// convert's result element type is whatever was declared.
std::optional<TensorType> inferConvert(const OpContext &) { return std::nullopt; }
std::optional<TensorType> verifyConvert(const OpContext &c, const TensorType &declared) {
  if (declared.shape != c.x().shape)
    fail(c.name() + " changes only the element type: result " + declared.str() +
         " must have the operand's shape " + shapeStr(c.x().shape));
  return declared;
}

std::optional<TensorType> binaryNumeric(const OpContext &c) {
  c.sameType(c.in()[0], c.in()[1], "operands");
  c.needNumeric(c.x(), "operands");
  return c.x();
}

std::optional<TensorType> binaryLogical(const OpContext &c) {
  c.sameType(c.in()[0], c.in()[1], "operands");
  c.needDType(c.x(), DType::I1, "operands");
  return c.x();
}

std::optional<TensorType> inferCompare(const OpContext &c) {
  c.sameType(c.in()[0], c.in()[1], "operands");
  c.oneOf("direction", {"eq", "ne", "lt", "le", "gt", "ge"});
  return TensorType(DType::I1, c.x().shape);
}

std::optional<TensorType> inferSelect(const OpContext &c) {
  const auto &in = c.in();
  c.needDType(in[0], DType::I1, "a predicate");
  c.sameType(in[1], in[2], "the selected operands");
  if (in[0].shape != in[1].shape)
    fail("the predicate of " + c.name() + " has shape " + shapeStr(in[0].shape) +
         " but the selected operands have shape " + shapeStr(in[1].shape));
  return in[1];
}

OpRule elementwiseRule(const Op &op) { return rules::sameShape(op, 0); }

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

Grads vjpNeg(VjpContext &c) { return {un(c.b, Opcode::Neg, c.ct)}; }
Grads vjpAbs(VjpContext &c) {
  Value *zero = zeros(c.b, x0(c)->type);
  Value *isNeg = cmp(c.b, x0(c), zero, "lt");
  Value *neg = sel(c.b, isNeg, un(c.b, Opcode::Neg, c.ct), zero);
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
  Value *one = cst(c.b, y(c)->type, 1.0);
  Value *d = bin(c.b, Opcode::Sub, one, mul(c.b, y(c), y(c)));
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
  Value *half = mulc(b, x, 0.5);
  Value *right = mul(b, half, mul(b, sech2, dinner));
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
} // namespace vjprules

} // namespace

std::vector<OpImpl> elementwiseOps() {
  auto floatOp = [](Opcode c, VjpFn vjp) {
    return OpImpl{c, unaryFloat, nullptr, elementwiseRule, vjp};
  };
  return {
      {Opcode::Neg, unaryNumeric, nullptr, elementwiseRule, vjprules::vjpNeg},
      {Opcode::Abs, unaryNumeric, nullptr, elementwiseRule, vjprules::vjpAbs},
      floatOp(Opcode::Exp, vjprules::vjpExp),
      floatOp(Opcode::Log, vjprules::vjpLog),
      floatOp(Opcode::Sqrt, vjprules::vjpSqrt),
      floatOp(Opcode::Rsqrt, vjprules::vjpRsqrt),
      floatOp(Opcode::Tanh, vjprules::vjpTanh),
      floatOp(Opcode::Logistic, vjprules::vjpLogistic),
      floatOp(Opcode::Erf, vjprules::vjpErf),
      floatOp(Opcode::Gelu, vjprules::vjpGelu),
      {Opcode::Convert, inferConvert, verifyConvert, elementwiseRule, vjprules::vjpConvert},
      {Opcode::Not, inferNot, nullptr, elementwiseRule, nullptr, {"logical_not"}},
      {Opcode::Add, binaryNumeric, nullptr, elementwiseRule, vjprules::vjpAdd, {"operator+"}},
      {Opcode::Sub, binaryNumeric, nullptr, elementwiseRule, vjprules::vjpSub, {"operator-"}},
      {Opcode::Mul, binaryNumeric, nullptr, elementwiseRule, vjprules::vjpMul, {"operator*"}},
      {Opcode::Div, binaryNumeric, nullptr, elementwiseRule, vjprules::vjpDiv, {"operator/"}},
      {Opcode::Max, binaryNumeric, nullptr, elementwiseRule, vjprules::vjpMax, {"maximum"}},
      {Opcode::Min, binaryNumeric, nullptr, elementwiseRule, vjprules::vjpMin, {"minimum"}},
      {Opcode::Pow, binaryNumeric, nullptr, elementwiseRule, vjprules::vjpPow},
      {Opcode::Compare, inferCompare, nullptr, elementwiseRule},
      {Opcode::And, binaryLogical, nullptr, elementwiseRule, nullptr, {"logical_and"}},
      {Opcode::Or, binaryLogical, nullptr, elementwiseRule, nullptr, {"logical_or"}},
      {Opcode::Select, inferSelect, nullptr, elementwiseRule, vjprules::vjpSelect},
  };
}

} // namespace partita::ops
