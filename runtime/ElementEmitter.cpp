// Per-element code for elementwise ops and data movement (runtime/ElementEmitter.h).
#include "runtime/ElementEmitter.h"

namespace partita {

LV *ElementEmitter::element(const Value *v, Index ix) {
  if (plan_.isLeaf(v)) {
    LV *base = ir_.frame.leafPtr.at(plan_.storageOf(v));
    return ir_.load(base, ir_.linear(ix, v->type), v->type.dtype);
  }
  return op(*v->def, ix);
}

LV *ElementEmitter::unary(const Op &op, LV *a) {
  DType from = op.operands[0]->type.dtype, t = op.type().dtype;
  bool fl = isFloat(t);
  switch (op.opcode) {
  case Opcode::Neg:
    return fl ? B.CreateFNeg(a) : B.CreateSub(ir_.c32(0), a);
  case Opcode::Abs:
    return fl ? ir_.intrinsic(llvm::Intrinsic::fabs, {a})
              : ir_.intrinsic(llvm::Intrinsic::abs, {a, B.getFalse()});
  case Opcode::Exp:
    return ir_.fix(t, ir_.callMath("exp", a));
  case Opcode::Log:
    return ir_.fix(t, ir_.callMath("log", a));
  case Opcode::Sqrt:
    return ir_.fix(t, ir_.intrinsic(llvm::Intrinsic::sqrt, {a}));
  case Opcode::Rsqrt:
    return ir_.fix(t, B.CreateFDiv(ir_.cf(1), ir_.intrinsic(llvm::Intrinsic::sqrt, {a})));
  case Opcode::Tanh:
    return ir_.fix(t, ir_.callMath("tanh", a));
  case Opcode::Logistic:
    return ir_.fix(t, ir_.callMath("logistic", a));
  case Opcode::Erf:
    return ir_.fix(t, ir_.callMath("erf", a));
  case Opcode::Gelu:
    return ir_.fix(t, ir_.callMath("gelu", a));
  case Opcode::Convert:
    return ir_.convert(a, from, t);
  case Opcode::Not:
    return B.CreateNot(a);
  default:
    break;
  }
  return nullptr;
}

LV *ElementEmitter::compare(CompareDirection dir, DType t, LV *a, LV *b) {
  using D = CompareDirection;
  if (isFloat(t)) {
    switch (dir) {
    case D::Eq:
      return B.CreateFCmpOEQ(a, b);
    case D::Ne:
      return B.CreateFCmpUNE(a, b);
    case D::Lt:
      return B.CreateFCmpOLT(a, b);
    case D::Le:
      return B.CreateFCmpOLE(a, b);
    case D::Gt:
      return B.CreateFCmpOGT(a, b);
    case D::Ge:
      return B.CreateFCmpOGE(a, b);
    }
  }
  bool s = t == DType::I32; // i1 compares as 0/1
  switch (dir) {
  case D::Eq:
    return B.CreateICmpEQ(a, b);
  case D::Ne:
    return B.CreateICmpNE(a, b);
  case D::Lt:
    return s ? B.CreateICmpSLT(a, b) : B.CreateICmpULT(a, b);
  case D::Le:
    return s ? B.CreateICmpSLE(a, b) : B.CreateICmpULE(a, b);
  case D::Gt:
    return s ? B.CreateICmpSGT(a, b) : B.CreateICmpUGT(a, b);
  case D::Ge:
    break;
  }
  return s ? B.CreateICmpSGE(a, b) : B.CreateICmpUGE(a, b);
}

LV *ElementEmitter::binary(const Op &op, LV *a, LV *b) {
  DType t = op.operands[0]->type.dtype;
  bool fl = isFloat(t);
  switch (op.opcode) {
  case Opcode::Add:
    return fl ? ir_.fix(t, B.CreateFAdd(a, b)) : B.CreateAdd(a, b);
  case Opcode::Sub:
    return fl ? ir_.fix(t, B.CreateFSub(a, b)) : B.CreateSub(a, b);
  case Opcode::Mul:
    return fl ? ir_.fix(t, B.CreateFMul(a, b)) : B.CreateMul(a, b);
  case Opcode::Div: {
    if (fl) return ir_.fix(t, B.CreateFDiv(a, b));
    // The interpreter's i32 division: truncating, x/0 = 0, INT32_MIN / -1 wraps.
    LV *zero = B.CreateICmpEQ(b, ir_.c32(0)), *m1 = B.CreateICmpEQ(b, ir_.c32(-1));
    LV *safe = B.CreateSelect(B.CreateOr(zero, m1), ir_.c32(1), b);
    LV *q = B.CreateSDiv(a, safe);
    q = B.CreateSelect(m1, B.CreateSub(ir_.c32(0), a), q);
    return B.CreateSelect(zero, ir_.c32(0), q);
  }
  case Opcode::Max:
    return fl ? ir_.intrinsic(llvm::Intrinsic::maximum, {a, b})
              : ir_.intrinsic(llvm::Intrinsic::smax, {a, b});
  case Opcode::Min:
    return fl ? ir_.intrinsic(llvm::Intrinsic::minimum, {a, b})
              : ir_.intrinsic(llvm::Intrinsic::smin, {a, b});
  case Opcode::Pow: {
    if (!fl) {
      auto fnc = ir_.M.getOrInsertFunction("partita_rt_pow_i32", ir_.i32(), ir_.i32(), ir_.i32());
      return B.CreateCall(fnc, {a, b});
    }
    // libm's double pow, then one rounding: the interpreter's exact result.
    auto fnc = ir_.M.getOrInsertFunction("pow", ir_.f64(), ir_.f64(), ir_.f64());
    LV *d = B.CreateCall(fnc, {B.CreateFPExt(a, ir_.f64()), B.CreateFPExt(b, ir_.f64())});
    return ir_.fix(t, B.CreateFPTrunc(d, ir_.f32()));
  }
  case Opcode::Compare:
    return compare(CompareOp(op).direction(), t, a, b);
  case Opcode::And:
    return B.CreateAnd(a, b);
  case Opcode::Or:
    return B.CreateOr(a, b);
  default:
    break;
  }
  return nullptr;
}

LV *ElementEmitter::op(const Op &op, Index &ix) {
  const TensorType &t = op.type();
  DType dt = t.dtype;
  if (isUnaryElementwise(op.opcode)) return unary(op, element(op.operands[0], ix));
  if (isBinaryElementwise(op.opcode))
    return binary(op, element(op.operands[0], ix), element(op.operands[1], ix));
  switch (op.opcode) {
  case Opcode::Select: {
    LV *p = element(op.operands[0], ix);
    return B.CreateSelect(p, element(op.operands[1], ix), element(op.operands[2], ix));
  }
  case Opcode::Constant: {
    const Attr &v = ConstantOp(op).value();
    double x = v.kind == Attr::Kind::Bool ? (v.b ? 1 : 0) : v.asDouble();
    return ir_.constantValue(dt, x);
  }
  case Opcode::Iota: {
    LV *i = ir_.dimsOf(ix, t)[IotaOp(op).dim()];
    if (dt == DType::I32) return B.CreateTrunc(i, ir_.i32());
    return ir_.fix(dt, B.CreateSIToFP(i, ir_.f32()));
  }
  case Opcode::AxisIndex: {
    int a = mesh_->axisIndex(AxisIndexOp(op).axis());
    LV *coords = ir_.loadCtxField(ir_.frame.ctx, abi::kCtxCoords);
    LV *c = B.CreateLoad(ir_.i64(), B.CreateInBoundsGEP(ir_.i64(), coords, ir_.c64(a)));
    return B.CreateTrunc(c, ir_.i32());
  }
  case Opcode::BroadcastInDim:
  case Opcode::Transpose:
  case Opcode::Slice:
    return indexed(op, ix);
  case Opcode::Pad:
    return pad(op, ix);
  case Opcode::Concatenate:
    return concatenate(op, ix);
  case Opcode::DynamicSlice:
    return dynamicSlice(op, ix);
  case Opcode::DynamicUpdateSlice:
    return dynamicUpdateSlice(op, ix);
  case Opcode::OneHot:
    return oneHot(op, ix);
  case Opcode::Take:
    return take(op, ix);
  default:
    break;
  }
  diags_.error(op.loc, std::string("internal error: cannot evaluate '") + opcodeName(op.opcode) +
                           "' element by element");
  ok_ = false;
  return llvm::UndefValue::get(ir_.computeTy(dt));
}

// Ops that read one operand element at an index computed from the output index.
LV *ElementEmitter::indexed(const Op &op, Index &ix) {
  const TensorType &t = op.type();
  auto &d = ir_.dimsOf(ix, t);
  Index oi;
  if (op.opcode == Opcode::BroadcastInDim) {
    auto dims = BroadcastInDimOp(op).dims();
    const TensorType &in = op.operands[0]->type;
    for (int i = 0; i < in.rank(); ++i)
      oi.dims.push_back(in.shape[i] == 1 ? ir_.c64(0) : d[dims[i]]);
  } else if (op.opcode == Opcode::Transpose) {
    auto perm = TransposeOp(op).perm();
    oi.dims.resize(t.rank());
    for (int i = 0; i < t.rank(); ++i)
      oi.dims[perm[i]] = d[i];
  } else {
    SliceOp slice(op);
    auto start = slice.start();
    std::vector<int64_t> stride = slice.stride();
    if (stride.empty()) stride.assign(t.rank(), 1);
    for (int i = 0; i < t.rank(); ++i) {
      LV *s = stride[i] == 1 ? d[i] : B.CreateNUWMul(d[i], ir_.c64(stride[i]));
      oi.dims.push_back(start[i] ? B.CreateNUWAdd(s, ir_.c64(start[i])) : s);
    }
  }
  return element(op.operands[0], oi);
}

LV *ElementEmitter::pad(const Op &op, Index &ix) {
  const TensorType &t = op.type();
  auto &d = ir_.dimsOf(ix, t);
  PadOp p(op);
  auto low = p.low();
  const TensorType &in = op.operands[0]->type;
  LV *padv = ir_.constantValue(t.dtype, p.value());
  if (in.numElements() == 0) return padv;
  Index oi;
  LV *inside = B.getTrue();
  for (int i = 0; i < t.rank(); ++i) {
    LV *k = B.CreateSub(d[i], ir_.c64(low[i]));
    if (low[i] > 0 || t.shape[i] > in.shape[i]) {
      inside = B.CreateAnd(inside, ir_.inRange(k, 0, in.shape[i]));
      k = ir_.clampIndex(k, 0, in.shape[i] - 1);
    }
    oi.dims.push_back(k);
  }
  return B.CreateSelect(inside, element(op.operands[0], oi), padv);
}

LV *ElementEmitter::concatenate(const Op &op, Index &ix) {
  auto &d = ir_.dimsOf(ix, op.type());
  int64_t cd = ConcatenateOp(op).dim();
  LV *result = nullptr;
  int64_t off = 0;
  for (size_t j = 0; j < op.operands.size(); ++j) {
    int64_t n = op.operands[j]->type.shape[cd];
    if (n == 0) continue;
    Index oi;
    oi.dims = d;
    oi.dims[cd] = ir_.clampIndex(B.CreateSub(d[cd], ir_.c64(off)), 0, n - 1);
    LV *v = element(op.operands[j], oi);
    result = result ? B.CreateSelect(B.CreateICmpSGE(d[cd], ir_.c64(off)), v, result) : v;
    off += n;
  }
  return result;
}

LV *ElementEmitter::dynamicSlice(const Op &op, Index &ix) {
  const TensorType &t = op.type();
  auto &d = ir_.dimsOf(ix, t);
  const TensorType &in = op.operands[0]->type;
  Index oi;
  for (int i = 0; i < t.rank(); ++i) {
    LV *o = B.CreateSExt(element(op.operands[1 + i], Index{}), ir_.i64());
    o = ir_.clampIndex(o, 0, in.shape[i] - t.shape[i]);
    oi.dims.push_back(B.CreateAdd(o, d[i]));
  }
  return element(op.operands[0], oi);
}

LV *ElementEmitter::dynamicUpdateSlice(const Op &op, Index &ix) {
  const TensorType &t = op.type();
  auto &d = ir_.dimsOf(ix, t);
  const TensorType &u = op.operands[1]->type;
  Index xi;
  xi.dims = d;
  xi.flat = ix.flat;
  LV *x = element(op.operands[0], xi);
  if (u.numElements() == 0) return x;
  Index ui;
  LV *inside = B.getTrue();
  for (int i = 0; i < t.rank(); ++i) {
    LV *o = B.CreateSExt(element(op.operands[2 + i], Index{}), ir_.i64());
    o = ir_.clampIndex(o, 0, t.shape[i] - u.shape[i]);
    LV *k = B.CreateSub(d[i], o);
    inside = B.CreateAnd(inside, B.CreateAnd(B.CreateICmpSGE(k, ir_.c64(0)),
                                             B.CreateICmpSLT(k, ir_.c64(u.shape[i]))));
    ui.dims.push_back(ir_.clampIndex(k, 0, u.shape[i] - 1));
  }
  return B.CreateSelect(inside, element(op.operands[1], ui), x);
}

LV *ElementEmitter::oneHot(const Op &op, Index &ix) {
  const TensorType &t = op.type();
  auto &d = ir_.dimsOf(ix, t);
  const TensorType &ids = op.operands[0]->type;
  int64_t axis = OneHotOp(op).axis().value_or(ids.rank());
  Index ii;
  for (int i = 0; i < t.rank(); ++i)
    if (i != axis) ii.dims.push_back(d[i]);
  LV *id = B.CreateSExt(element(op.operands[0], ii), ir_.i64());
  return B.CreateSelect(B.CreateICmpEQ(id, d[axis]), ir_.constantValue(t.dtype, 1),
                        ir_.constantValue(t.dtype, 0));
}

LV *ElementEmitter::take(const Op &op, Index &ix) {
  const TensorType &t = op.type();
  auto &d = ir_.dimsOf(ix, t);
  const TensorType &table = op.operands[0]->type, &ids = op.operands[1]->type;
  int64_t axis = TakeOp(op).axis();
  int64_t n = table.shape[axis];
  if (n == 0) return ir_.constantValue(t.dtype, 0);
  Index ii;
  for (int i = 0; i < ids.rank(); ++i)
    ii.dims.push_back(d[axis + i]);
  LV *id = B.CreateSExt(element(op.operands[1], ii), ir_.i64());
  Index ti;
  for (int i = 0; i < axis; ++i)
    ti.dims.push_back(d[i]);
  ti.dims.push_back(ir_.clampIndex(id, 0, n - 1));
  for (int i = axis + 1; i < table.rank(); ++i)
    ti.dims.push_back(d[i - 1 + ids.rank()]);
  return B.CreateSelect(ir_.inRange(id, 0, n), element(op.operands[0], ti),
                        ir_.constantValue(t.dtype, 0));
}

} // namespace partita
