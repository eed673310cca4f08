// f32 math for generated code as straight-line LLVM IR (cephes-style range reduction and
// polynomials), so that loops using it vectorize; accurate to a few ulp. Each function is
// emitted once per module as an always-inline internal function (and, for roots with many
// math calls, an out-of-line copy: boundInlinedMath).
#include "runtime/IrEmitter.h"

#include <llvm/Transforms/Utils/Cloning.h>

#include <limits>

namespace partita {

llvm::Function *IrEmitter::mathFn(const std::string &name) {
  auto it = math_.find(name);
  if (it != math_.end()) return it->second;
  auto *fty = llvm::FunctionType::get(f32(), {f32()}, false);
  auto *fn = llvm::Function::Create(fty, llvm::GlobalValue::InternalLinkage, "partita_" + name, M);
  fn->addFnAttr(llvm::Attribute::AlwaysInline);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  fn->setDoesNotAccessMemory();
  math_[name] = fn;
  auto saved = B.saveIP();
  B.SetInsertPoint(llvm::BasicBlock::Create(C, "entry", fn));
  {
    // Polynomials may use fused multiply-adds (one rounding instead of two: as accurate or
    // more, and half the instructions).
    llvm::IRBuilderBase::FastMathFlagGuard guard(B);
    llvm::FastMathFlags fmf;
    fmf.setAllowContract(true);
    B.setFastMathFlags(fmf);
    LV *x = fn->getArg(0), *r = nullptr;
    if (name == "exp") {
      r = mathExp(x);
    } else if (name == "log") {
      r = mathLog(x);
    } else if (name == "tanh") {
      r = mathTanh(x);
    } else if (name == "logistic") {
      LV *e = callMath("exp", B.CreateFNeg(x));
      r = B.CreateFDiv(cf(1), B.CreateFAdd(cf(1), e));
    } else if (name == "erf") {
      r = mathErf(x);
    } else {
      r = mathGelu(x);
    }
    B.CreateRet(r);
  }
  B.restoreIP(saved);
  return fn;
}

void IrEmitter::boundInlinedMath(llvm::Function &fn) {
  std::vector<llvm::CallInst *> calls;
  for (auto &bb : fn)
    for (auto &inst : bb)
      if (auto *call = llvm::dyn_cast<llvm::CallInst>(&inst))
        for (auto &[name, inl] : math_)
          if (call->getCalledFunction() == inl) calls.push_back(call);
  if ((int)calls.size() <= kMaxInlinedMath) return;
  for (llvm::CallInst *call : calls) {
    llvm::Function *inl = call->getCalledFunction();
    llvm::Function *&out = outlined_[inl];
    if (!out) {
      llvm::ValueToValueMapTy vmap;
      out = llvm::CloneFunction(inl, vmap);
      out->setName(inl->getName() + ".outlined");
      out->removeFnAttr(llvm::Attribute::AlwaysInline);
      out->addFnAttr(llvm::Attribute::NoInline);
    }
    call->setCalledFunction(out);
  }
}

LV *IrEmitter::horner(LV *t, std::initializer_list<double> cs) {
  LV *p = nullptr;
  for (double c : cs)
    p = p ? B.CreateFAdd(B.CreateFMul(p, t), cf(c)) : cf(c);
  return p;
}

LV *IrEmitter::mathExp(LV *x) {
  const double inf = std::numeric_limits<float>::infinity();
  auto sel = [&](LV *c, LV *a, LV *b) { return B.CreateSelect(c, a, b); };
  auto add = [&](LV *a, LV *b) { return B.CreateFAdd(a, b); };
  auto mul = [&](LV *a, LV *b) { return B.CreateFMul(a, b); };
  // NaN takes the path of 0 and is put back at the end: floor(NaN) reaching fptosi would be
  // poison, which LLVM may fold into anything.
  LV *nan = B.CreateFCmpUNO(x, x);
  LV *xc = sel(B.CreateFCmpOGT(x, cf(88.72283935546875)), cf(88.72283935546875), x);
  xc = sel(nan, cf(0), xc);
  xc = sel(B.CreateFCmpOLT(xc, cf(-103.97208)), cf(-103.97208), xc);
  LV *n = intrinsic(llvm::Intrinsic::floor, {add(mul(xc, cf(1.44269504088896341)), cf(0.5))});
  LV *t = B.CreateFSub(xc, mul(n, cf(0.693359375)));
  t = B.CreateFSub(t, mul(n, cf(-2.12194440e-4)));
  LV *p = horner(t, {1.9875691500E-4, 1.3981999507E-3, 8.3334519073E-3, 4.1665795894E-2,
                     1.6666665459E-1, 5.0000001201E-1});
  LV *y = add(add(mul(mul(p, t), t), t), cf(1));
  // 2^n as two normal powers of two, so n in [-150, 128] never leaves the exponent range.
  LV *ni = B.CreateFPToSI(n, i32());
  LV *n1 = B.CreateAShr(ni, 1), *n2 = B.CreateSub(ni, n1);
  auto pow2 = [&](LV *k) {
    return B.CreateBitCast(B.CreateShl(B.CreateAdd(k, c32(127)), 23), f32());
  };
  LV *r = mul(mul(y, pow2(n1)), pow2(n2));
  r = sel(B.CreateFCmpOGT(x, cf(88.72283935546875)), cf(inf), r);
  r = sel(B.CreateFCmpOLT(x, cf(-103.97208)), cf(0), r);
  return sel(nan, x, r);
}

LV *IrEmitter::mathLog(LV *x) {
  const double inf = std::numeric_limits<float>::infinity();
  auto sel = [&](LV *c, LV *a, LV *b) { return B.CreateSelect(c, a, b); };
  auto add = [&](LV *a, LV *b) { return B.CreateFAdd(a, b); };
  auto mul = [&](LV *a, LV *b) { return B.CreateFMul(a, b); };
  LV *den = B.CreateFCmpOLT(x, cf(1.17549435e-38));
  LV *xs = sel(den, mul(x, cf(8388608.0)), x);
  LV *b = B.CreateBitCast(xs, i32());
  LV *e = B.CreateSub(B.CreateAnd(B.CreateLShr(b, 23), c32(0xff)), c32(126));
  e = B.CreateSub(e, sel(den, c32(23), c32(0)));
  LV *m = B.CreateBitCast(B.CreateOr(B.CreateAnd(b, c32(0x807fffff)), c32(0x3f000000)), f32());
  LV *small = B.CreateFCmpOLT(m, cf(0.707106781186547524));
  e = sel(small, B.CreateSub(e, c32(1)), e);
  LV *xm = sel(small, B.CreateFSub(add(m, m), cf(1)), B.CreateFSub(m, cf(1)));
  LV *z = mul(xm, xm);
  LV *y = horner(xm, {7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                      1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                      3.3333331174E-1});
  y = mul(mul(y, xm), z);
  LV *fe = B.CreateSIToFP(e, f32());
  y = add(y, mul(fe, cf(-2.12194440e-4)));
  y = B.CreateFSub(y, mul(z, cf(0.5)));
  LV *r = add(add(xm, y), mul(fe, cf(0.693359375)));
  r = sel(B.CreateFCmpOEQ(x, cf(inf)), cf(inf), r);
  r = sel(B.CreateFCmpOEQ(x, cf(0)), cf(-inf), r);
  r = sel(B.CreateFCmpOLT(x, cf(0)), cf(std::numeric_limits<float>::quiet_NaN()), r);
  return sel(B.CreateFCmpUNO(x, x), x, r);
}

LV *IrEmitter::mathTanh(LV *x) {
  LV *ax = intrinsic(llvm::Intrinsic::fabs, {x});
  LV *z = B.CreateFMul(x, x);
  LV *ps = horner(z, {-5.70498872745E-3, 2.06390887954E-2, -5.37397155531E-2, 1.33314422036E-1,
                      -3.33332819422E-1});
  ps = B.CreateFAdd(B.CreateFMul(B.CreateFMul(ps, z), x), x);
  LV *e = callMath("exp", B.CreateFAdd(ax, ax));
  LV *pl = B.CreateFSub(cf(1), B.CreateFDiv(cf(2), B.CreateFAdd(e, cf(1))));
  pl = intrinsic(llvm::Intrinsic::copysign, {pl, x});
  return B.CreateSelect(B.CreateFCmpOLT(ax, cf(0.625)), ps, pl);
}

LV *IrEmitter::mathErf(LV *x) {
  LV *xc = B.CreateSelect(B.CreateFCmpOGT(x, cf(4)), cf(4), x);
  xc = B.CreateSelect(B.CreateFCmpOLT(xc, cf(-4)), cf(-4), xc);
  LV *x2 = B.CreateFMul(xc, xc);
  LV *p = horner(x2, {-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
                      -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
                      -1.60960333262415e-02});
  p = B.CreateFMul(xc, p);
  LV *q = horner(x2, {-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
                      -7.37332916720468e-03, -1.42647390514189e-02});
  return B.CreateFDiv(p, q);
}

// 0.5 x (1 + tanh(u)) = x * logistic(2u) = x / (1 + exp(-2u)): one exp and one division
// instead of tanh's two branches. exp overflows to inf for very negative x, giving -0.
LV *IrEmitter::mathGelu(LV *x) {
  LV *x3 = B.CreateFMul(B.CreateFMul(x, x), x);
  LV *inner = B.CreateFMul(cf(0.7978845608), B.CreateFAdd(x, B.CreateFMul(cf(0.044715), x3)));
  LV *e = callMath("exp", B.CreateFMul(cf(-2), inner));
  return B.CreateFDiv(x, B.CreateFAdd(cf(1), e));
}

} // namespace partita
