// LLVM IR building blocks of the code generator (runtime/IrEmitter.h): types, loads and
// stores in each dtype's storage format, index arithmetic, conversions and loops.
#include "runtime/IrEmitter.h"

#include "ir/Tensor.h"
#include "runtime/LoweringPlan.h"

namespace partita {

llvm::StructType *IrEmitter::ctxType() {
  if (ctxType_) return ctxType_;
  std::vector<llvm::Type *> fields;
  for (const abi::Field &f : abi::kCtxFields)
    fields.push_back(f.type == abi::FieldType::Ptr ? (llvm::Type *)ptr() : i64());
  ctxType_ = llvm::StructType::get(C, fields);
  return ctxType_;
}

LV *IrEmitter::loadCtxField(LV *ctx, abi::CtxField f) {
  llvm::Type *t = ctxType()->getElementType(f);
  return B.CreateLoad(t, B.CreateStructGEP(ctxType(), ctx, f));
}

llvm::Type *IrEmitter::storageTy(DType t) {
  switch (t) {
  case DType::F32:
    return f32();
  case DType::BF16:
    return i16();
  case DType::I32:
    return i32();
  case DType::I1:
    return i8();
  }
  return f32();
}

llvm::Type *IrEmitter::computeTy(DType t) {
  switch (t) {
  case DType::F32:
  case DType::BF16:
    return f32();
  case DType::I32:
    return i32();
  case DType::I1:
    return i1();
  }
  return f32();
}

LV *IrEmitter::constantValue(DType t, double v) {
  double r = roundTo(t, v);
  switch (t) {
  case DType::F32:
  case DType::BF16:
    return llvm::ConstantFP::get(f32(), (float)r);
  case DType::I32:
    return B.getInt32((uint32_t)(int32_t)r);
  case DType::I1:
    return B.getInt1(r != 0);
  }
  return nullptr;
}

LV *IrEmitter::roundBf16(LV *f) {
  LV *bits = B.CreateBitCast(f, i32());
  LV *lsb = B.CreateAnd(B.CreateLShr(bits, 16), c32(1));
  LV *r = B.CreateAdd(B.CreateAdd(bits, c32(0x7FFF)), lsb);
  r = B.CreateAnd(r, c32(0xFFFF0000u));
  LV *isNan = B.CreateFCmpUNO(f, f);
  return B.CreateSelect(isNan, f, B.CreateBitCast(r, f32()));
}

LV *IrEmitter::load(LV *base, LV *lin, DType t) {
  llvm::Type *st = storageTy(t);
  LV *p = B.CreateInBoundsGEP(st, base, lin);
  LV *v = B.CreateLoad(st, p);
  switch (t) {
  case DType::BF16:
    return B.CreateBitCast(B.CreateShl(B.CreateZExt(v, i32()), 16), f32());
  case DType::I1:
    return B.CreateICmpNE(v, B.getInt8(0));
  default:
    return v;
  }
}

void IrEmitter::store(LV *base, LV *lin, DType t, LV *v) {
  llvm::Type *st = storageTy(t);
  LV *p = B.CreateInBoundsGEP(st, base, lin);
  switch (t) {
  case DType::BF16: {
    LV *bits = B.CreateBitCast(v, i32());
    LV *hi = B.CreateTrunc(B.CreateLShr(bits, 16), i16());
    // A NaN whose payload sits in the low half must stay a NaN, not become infinity.
    LV *isNan = B.CreateFCmpUNO(v, v);
    v = B.CreateSelect(isNan, B.CreateOr(hi, B.getInt16(0x40)), hi);
    break;
  }
  case DType::I1:
    v = B.CreateZExt(v, i8());
    break;
  default:
    break;
  }
  B.CreateStore(v, p);
}

LV *IrEmitter::clampIndex(LV *i, int64_t lo, int64_t hi) {
  LV *a = B.CreateSelect(B.CreateICmpSLT(i, c64(lo)), c64(lo), i);
  return B.CreateSelect(B.CreateICmpSGT(a, c64(hi)), c64(hi), a);
}

LV *IrEmitter::inRange(LV *i, int64_t lo, int64_t hiExcl) {
  return B.CreateAnd(B.CreateICmpSGE(i, c64(lo)), B.CreateICmpSLT(i, c64(hiExcl)));
}

LV *IrEmitter::linear(Index &ix, const TensorType &t) {
  if (ix.flat) return ix.flat;
  auto strides = rowMajorStrides(t.shape);
  LV *lin = c64(0);
  for (int d = 0; d < t.rank(); ++d) {
    if (t.shape[d] == 1) continue;
    LV *term = strides[d] == 1 ? ix.dims[d] : B.CreateNUWMul(ix.dims[d], c64(strides[d]));
    lin = B.CreateNUWAdd(lin, term);
  }
  ix.flat = lin;
  return lin;
}

std::vector<LV *> &IrEmitter::dimsOf(Index &ix, const TensorType &t) {
  if ((int)ix.dims.size() == t.rank()) return ix.dims;
  std::vector<LV *> d(t.rank());
  LV *rem = ix.flat;
  for (int k = t.rank() - 1; k >= 0; --k) {
    d[k] = k == 0 ? rem : B.CreateURem(rem, c64(t.shape[k]));
    if (k > 0) rem = B.CreateUDiv(rem, c64(t.shape[k]));
  }
  ix.dims = d;
  return ix.dims;
}

LV *IrEmitter::intrinsic(llvm::Intrinsic::ID id, std::vector<LV *> args) {
  std::vector<llvm::Type *> tys = {args[0]->getType()};
  if (id == llvm::Intrinsic::fptosi_sat) tys = {i32(), args[0]->getType()};
  llvm::Function *fn = llvm::Intrinsic::getDeclaration(&M, id, tys);
  return B.CreateCall(fn, args);
}

LV *IrEmitter::convert(LV *v, DType from, DType to) {
  if (from == to) return v;
  bool fromF = isFloat(from), toF = isFloat(to);
  if (fromF && toF) return fix(to, v); // bf16 values are already exact f32 values
  if (fromF && to == DType::I1) return B.CreateFCmpUNE(v, cf(0)); // NaN is nonzero
  if (from == DType::I32 && to == DType::I1) return B.CreateICmpNE(v, c32(0));
  if (from == DType::I1) return toF ? B.CreateUIToFP(v, f32()) : B.CreateZExt(v, i32());
  if (from == DType::I32) return fix(to, B.CreateSIToFP(v, f32()));
  // Float → i32 truncates and saturates, NaN → 0 (the interpreter's rule): fptosi.sat.
  return intrinsic(llvm::Intrinsic::fptosi_sat, {v});
}

llvm::GlobalVariable *IrEmitter::constArray(const std::vector<int64_t> &values,
                                            const std::string &name) {
  std::vector<uint64_t> u(values.begin(), values.end());
  if (u.empty()) u.push_back(0); // a zero-length global is not allowed
  auto *init = llvm::ConstantDataArray::get(C, u);
  return new llvm::GlobalVariable(M, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init,
                                  name);
}

void IrEmitter::loop(int64_t n, const std::function<void(LV *)> &body) {
  if (n <= 0) return;
  llvm::Function *fn = B.GetInsertBlock()->getParent();
  llvm::BasicBlock *pre = B.GetInsertBlock();
  auto *hdr = llvm::BasicBlock::Create(C, "loop", fn);
  auto *exit = llvm::BasicBlock::Create(C, "loop.end", fn);
  B.CreateBr(hdr);
  B.SetInsertPoint(hdr);
  llvm::PHINode *iv = B.CreatePHI(i64(), 2, "i");
  iv->addIncoming(c64(0), pre);
  body(iv);
  LV *next = B.CreateNUWAdd(iv, c64(1));
  iv->addIncoming(next, B.GetInsertBlock());
  B.CreateCondBr(B.CreateICmpULT(next, c64(n)), hdr, exit);
  B.SetInsertPoint(exit);
}

void IrEmitter::loopFrom(LV *begin, LV *end, const std::function<void(LV *)> &body) {
  llvm::Function *fn = B.GetInsertBlock()->getParent();
  llvm::BasicBlock *pre = B.GetInsertBlock();
  auto *hdr = llvm::BasicBlock::Create(C, "loop", fn);
  auto *exit = llvm::BasicBlock::Create(C, "loop.end", fn);
  B.CreateCondBr(B.CreateICmpULT(begin, end), hdr, exit);
  B.SetInsertPoint(hdr);
  llvm::PHINode *iv = B.CreatePHI(i64(), 2, "i");
  iv->addIncoming(begin, pre);
  body(iv);
  LV *next = B.CreateNUWAdd(iv, c64(1));
  iv->addIncoming(next, B.GetInsertBlock());
  B.CreateCondBr(B.CreateICmpULT(next, end), hdr, exit);
  B.SetInsertPoint(exit);
}

void IrEmitter::rangedLoop(int64_t n, int64_t per, const std::function<void(LV *)> &body) {
  if (!frame.rangeBegin) {
    loop(n, body);
    return;
  }
  if (n <= 0) return;
  loopFrom(B.CreateNUWMul(frame.rangeBegin, c64(per)), B.CreateNUWMul(frame.rangeEnd, c64(per)),
           body);
}

void IrEmitter::loopNest(const std::vector<int64_t> &shape,
                         const std::function<void(std::vector<LV *> &)> &body, int reverseDim,
                         bool ranged) {
  for (int64_t s : shape)
    if (s == 0) return;
  std::vector<LV *> ivs(shape.size());
  // Recursion over the rank only.
  std::function<void(size_t)> rec = [&](size_t d) {
    if (d == shape.size()) {
      body(ivs);
      return;
    }
    auto inner = [&](LV *iv) {
      ivs[d] = (int)d == reverseDim ? B.CreateSub(c64(shape[d] - 1), iv) : iv;
      rec(d + 1);
    };
    if (d == 0 && ranged && frame.rangeBegin)
      loopFrom(frame.rangeBegin, frame.rangeEnd, inner);
    else
      loop(shape[d], inner);
  };
  rec(0);
}

} // namespace partita
