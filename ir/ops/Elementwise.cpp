// Records of the elementwise ops: unary (neg ... not, convert), binary (add ... or,
// compare) and select. Every one shares its result's factors with all operands.
#include "ir/OpInfo.h"
#include "ir/ops/OpContext.h"

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

} // namespace

std::vector<OpImpl> elementwiseOps() {
  auto floatOp = [](Opcode c) { return OpImpl{c, unaryFloat, nullptr, elementwiseRule}; };
  return {
      {Opcode::Neg, unaryNumeric, nullptr, elementwiseRule},
      {Opcode::Abs, unaryNumeric, nullptr, elementwiseRule},
      floatOp(Opcode::Exp),
      floatOp(Opcode::Log),
      floatOp(Opcode::Sqrt),
      floatOp(Opcode::Rsqrt),
      floatOp(Opcode::Tanh),
      floatOp(Opcode::Logistic),
      floatOp(Opcode::Erf),
      floatOp(Opcode::Gelu),
      {Opcode::Convert, inferConvert, verifyConvert, elementwiseRule},
      {Opcode::Not, inferNot, nullptr, elementwiseRule, {"logical_not"}},
      {Opcode::Add, binaryNumeric, nullptr, elementwiseRule, {"operator+"}},
      {Opcode::Sub, binaryNumeric, nullptr, elementwiseRule, {"operator-"}},
      {Opcode::Mul, binaryNumeric, nullptr, elementwiseRule, {"operator*"}},
      {Opcode::Div, binaryNumeric, nullptr, elementwiseRule, {"operator/"}},
      {Opcode::Max, binaryNumeric, nullptr, elementwiseRule, {"maximum"}},
      {Opcode::Min, binaryNumeric, nullptr, elementwiseRule, {"minimum"}},
      {Opcode::Pow, binaryNumeric, nullptr, elementwiseRule},
      {Opcode::Compare, inferCompare, nullptr, elementwiseRule},
      {Opcode::And, binaryLogical, nullptr, elementwiseRule, {"logical_and"}},
      {Opcode::Or, binaryLogical, nullptr, elementwiseRule, {"logical_or"}},
      {Opcode::Select, inferSelect, nullptr, elementwiseRule},
  };
}

} // namespace partita::ops
