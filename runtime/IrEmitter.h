// LLVM IR building blocks shared by the code generator's emitters (runtime/Codegen.cpp,
// ElementEmitter, KernelEmitter): storage and compute types per dtype, loads and stores
// with bf16 rounding, loops and loop nests (restricted to a thread's part in parallel
// roots), conversions, the runtime context's fields, and the f32 math library. Private to
// runtime/: it includes LLVM headers.
#pragma once

#include "ir/IR.h"
#include "runtime/Abi.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace partita {

using LV = llvm::Value;

// A position in a tensor: per-dimension indices, or the row-major linear index (or both).
struct Index {
  std::vector<LV *> dims;
  LV *flat = nullptr;
};

// The state of the root function being emitted.
struct RootFrame {
  std::unordered_map<const Value *, LV *> leafPtr; // storage -> its buffer pointer
  LV *ctx = nullptr;                               // the PartitaCtx * parameter
  // This thread's part [begin, end) of the outer loop while emitting a parallel root.
  LV *rangeBegin = nullptr, *rangeEnd = nullptr;
};

class IrEmitter {
public:
  explicit IrEmitter(llvm::Module &m) : C(m.getContext()), M(m), B(C) {}

  llvm::LLVMContext &C;
  llvm::Module &M;
  llvm::IRBuilder<> B;
  RootFrame frame;

  llvm::Type *i1() { return B.getInt1Ty(); }
  llvm::Type *i8() { return B.getInt8Ty(); }
  llvm::Type *i16() { return B.getInt16Ty(); }
  llvm::Type *i32() { return B.getInt32Ty(); }
  llvm::Type *i64() { return B.getInt64Ty(); }
  llvm::Type *f32() { return B.getFloatTy(); }
  llvm::Type *f64() { return B.getDoubleTy(); }
  llvm::PointerType *ptr() { return llvm::PointerType::getUnqual(C); }
  LV *c64(int64_t v) { return B.getInt64(v); }
  LV *c32(int64_t v) { return B.getInt32((uint32_t)v); }
  LV *cf(double v) { return llvm::ConstantFP::get(f32(), v); }

  // PartitaCtx as built from abi::kCtxFields, and a load of one of its fields.
  llvm::StructType *ctxType();
  LV *loadCtxField(LV *ctx, abi::CtxField f);

  llvm::Type *storageTy(DType t);
  llvm::Type *computeTy(DType t);
  LV *constantValue(DType t, double v);
  LV *roundBf16(LV *f);
  LV *fix(DType t, LV *v) { return t == DType::BF16 ? roundBf16(v) : v; }
  LV *load(LV *base, LV *lin, DType t);
  void store(LV *base, LV *lin, DType t, LV *v);
  LV *clampIndex(LV *i, int64_t lo, int64_t hi);
  LV *inRange(LV *i, int64_t lo, int64_t hiExcl);
  LV *linear(Index &ix, const TensorType &t);
  std::vector<LV *> &dimsOf(Index &ix, const TensorType &t);
  LV *intrinsic(llvm::Intrinsic::ID id, std::vector<LV *> args);
  LV *convert(LV *v, DType from, DType to);
  llvm::GlobalVariable *constArray(const std::vector<int64_t> &values, const std::string &name);

  void loop(int64_t n, const std::function<void(LV *)> &body);
  void loopFrom(LV *begin, LV *end, const std::function<void(LV *)> &body);
  // [0, n), or this thread's part [begin*per, end*per) when the root runs in parallel.
  void rangedLoop(int64_t n, int64_t per, const std::function<void(LV *)> &body);
  // With `ranged`, the outermost dimension is restricted to this thread's part.
  void loopNest(const std::vector<int64_t> &shape,
                const std::function<void(std::vector<LV *> &)> &body, int reverseDim = -1,
                bool ranged = false);

  // f32 math as straight-line code (runtime/MathEmitter.cpp): exp, log, tanh, logistic,
  // erf, gelu.
  LV *callMath(const std::string &name, LV *x) { return B.CreateCall(mathFn(name), {x}); }
  // Math is inlined so that loops vectorize, but inlining it into every use of a long fused
  // chain makes the code (and LLVM's time) grow with ~60 instructions per use: past
  // kMaxInlinedMath calls in one root function, its calls go to a shared out-of-line copy.
  static constexpr int kMaxInlinedMath = 16;
  void boundInlinedMath(llvm::Function &fn);

private:
  llvm::Function *mathFn(const std::string &name);
  LV *mathExp(LV *x);
  LV *mathLog(LV *x);
  LV *mathTanh(LV *x);
  LV *mathErf(LV *x);
  LV *mathGelu(LV *x);
  LV *horner(LV *t, std::initializer_list<double> cs);

  std::map<std::string, llvm::Function *> math_;
  std::map<llvm::Function *, llvm::Function *> outlined_; // inline copy -> out-of-line copy
  llvm::StructType *ctxType_ = nullptr;
};

} // namespace partita
