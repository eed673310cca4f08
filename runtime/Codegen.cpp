// Lowering of a per-device function to LLVM IR, in the style of XLA's CPU backend. The
// parts:
//  - runtime/LoweringPlan.cpp: the pure analysis (value kinds and fusion groups, the buffer
//    plan, the thread plan; einsum descriptors in EinsumPlan.cpp);
//  - runtime/ElementEmitter.cpp: per-element code of elementwise ops and data movement;
//  - runtime/KernelEmitter.cpp: each root's body (loop nests, einsum and collective calls);
//  - runtime/IrEmitter.cpp, MathEmitter.cpp: shared IR building blocks and f32 math;
//  - this file: the module, non-splat constants as globals, and the entry function, which
//    calls one internal function per root (with noalias buffer parameters, so loop nests
//    vectorize without runtime alias checks once the optimizer inlines them), large roots
//    through partita_rt_parallel_for via an `opN.task` wrapper.
// bf16 lives in memory as its upper 16 bits and is computed in f32, rounded to nearest even
// after every op, which is exactly what the reference interpreter does.
#include "runtime/Codegen.h"

#include "ir/Einsum.h"
#include "ir/OpAttrs.h"
#include "ir/OpInfo.h"
#include "ir/Tensor.h"
#include "runtime/KernelEmitter.h"
#include "runtime/LoweringPlan.h"

#include <llvm/IR/LLVMContext.h>

#include <bit>
#include <map>

namespace partita {

const char *opPhaseName(OpPhase p) {
  switch (p) {
  case OpPhase::Compute:
    return "compute";
  case OpPhase::Collective:
    return "collective";
  case OpPhase::Start:
    return "start";
  case OpPhase::Wait:
    return "wait";
  }
  return "?";
}

LoweredFunc::LoweredFunc() = default;
LoweredFunc::LoweredFunc(LoweredFunc &&) noexcept = default;
LoweredFunc &LoweredFunc::operator=(LoweredFunc &&) noexcept = default;
LoweredFunc::~LoweredFunc() = default;

namespace {

// A non-splat constant's elements in its storage format.
llvm::Constant *constantData(llvm::LLVMContext &C, const Op &op) {
  const TensorType &t = op.type();
  std::vector<double> vals;
  std::vector<const Attr *> work = {&ConstantOp(op).value()}; // depth-first, in order
  while (!work.empty()) {
    const Attr *a = work.back();
    work.pop_back();
    if (a->kind == Attr::Kind::List) {
      for (auto it = a->list.rbegin(); it != a->list.rend(); ++it)
        work.push_back(&*it);
    } else {
      vals.push_back(
          roundTo(t.dtype, a->kind == Attr::Kind::Bool ? (a->b ? 1.0 : 0.0) : a->asDouble()));
    }
  }
  vals.resize(std::max<int64_t>(t.numElements(), 1), 0.0);
  switch (t.dtype) {
  case DType::F32: {
    std::vector<float> v(vals.begin(), vals.end());
    return llvm::ConstantDataArray::get(C, v);
  }
  case DType::BF16: {
    std::vector<uint16_t> v;
    for (double x : vals)
      v.push_back((uint16_t)(std::bit_cast<uint32_t>((float)x) >> 16));
    return llvm::ConstantDataArray::get(C, v);
  }
  case DType::I32: {
    std::vector<uint32_t> v;
    for (double x : vals)
      v.push_back((uint32_t)(int32_t)x);
    return llvm::ConstantDataArray::get(C, v);
  }
  case DType::I1: {
    std::vector<uint8_t> v;
    for (double x : vals)
      v.push_back(x != 0);
    return llvm::ConstantDataArray::get(C, v);
  }
  }
  return nullptr;
}

class CodeGenerator {
public:
  CodeGenerator(const Func &f, const Mesh *mesh, Diagnostics &diags, LoweredFunc &out,
                const LowerOptions &opts)
      : f_(f), mesh_(mesh), diags_(diags), out_(out), opts_(opts), ir_(*out.module), B(ir_.B),
        elem_(ir_, plan_, mesh, diags), kernels_(ir_, elem_, plan_, out.groups) {}

  bool run();

private:
  void emitGlobals();
  void emitPrologue();
  void emitRoot(const RootPlan &r, int n);
  llvm::Function *declareRootFn(const RootPlan &r, const std::string &name);
  void callParallel(const RootPlan &r, llvm::Function *fn, const std::vector<LV *> &args);
  void emitRootBody(const RootPlan &r, llvm::Function *fn);
  void recordOp(const RootPlan &r);
  void copyResults();
  void mark(int64_t i);

  const Func &f_;
  const Mesh *mesh_;
  Diagnostics &diags_;
  LoweredFunc &out_;
  LowerOptions opts_;
  LoweringPlan plan_;
  IrEmitter ir_;
  llvm::IRBuilder<> &B;
  ElementEmitter elem_;
  KernelEmitter kernels_;

  std::unordered_map<const Value *, llvm::GlobalVariable *> globals_;
  llvm::Function *entry_ = nullptr;
  LV *ws_ = nullptr, *ctx_ = nullptr;
  std::unordered_map<const Value *, LV *> bufPtr_; // storage -> pointer in the entry
  std::vector<LV *> resPtrs_;
  int64_t inFlight_ = 0; // async collectives started and not yet awaited, in program order
};

// Non-splat constants become read-only globals in their storage format.
void CodeGenerator::emitGlobals() {
  for (const auto &opp : f_.ops) {
    if (plan_.kindOf(opp->result) != ValueKind::Global) continue;
    llvm::Constant *init = constantData(ir_.C, *opp);
    auto *g =
        new llvm::GlobalVariable(ir_.M, init->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                 init, "const." + opp->result->name);
    g->setAlignment(llvm::Align(kBufferAlign));
    globals_[opp->result] = g;
  }
}

// The entry function's first block: every argument, result, global and root buffer pointer.
void CodeGenerator::emitPrologue() {
  llvm::Type *p = ir_.ptr();
  auto *entryTy = llvm::FunctionType::get(B.getVoidTy(), {p, p, p}, false);
  entry_ = llvm::Function::Create(entryTy, llvm::GlobalValue::ExternalLinkage, out_.entry, ir_.M);
  entry_->addFnAttr(llvm::Attribute::NoUnwind);
  B.SetInsertPoint(llvm::BasicBlock::Create(ir_.C, "entry", entry_));
  LV *argsP = entry_->getArg(0), *resP = entry_->getArg(1);
  ctx_ = entry_->getArg(2);
  ws_ = ir_.loadCtxField(ctx_, abi::kCtxWorkspace);
  ws_->setName("ws");
  for (size_t i = 0; i < f_.args.size(); ++i)
    bufPtr_[f_.args[i]] = B.CreateLoad(p, B.CreateConstInBoundsGEP1_64(p, argsP, i));
  for (size_t k = 0; k < f_.returns.size(); ++k)
    resPtrs_.push_back(B.CreateLoad(p, B.CreateConstInBoundsGEP1_64(p, resP, k)));
  for (auto &[v, g] : globals_)
    bufPtr_[v] = g;
  for (const RootPlan &r : plan_.roots) {
    if (r.isWait) continue; // an alias of its collective's buffer
    const Value *v = r.op->result;
    auto it = plan_.resultSlot.find(v);
    bufPtr_[v] = it != plan_.resultSlot.end()
                     ? resPtrs_[it->second]
                     : B.CreateInBoundsGEP(ir_.i8(), ws_, ir_.c64(plan_.offset.at(v)));
  }
}

void CodeGenerator::mark(int64_t i) {
  if (!opts_.profile) return;
  auto fn =
      ir_.M.getOrInsertFunction("partita_rt_profile_mark", B.getVoidTy(), ir_.ptr(), ir_.i64());
  B.CreateCall(fn, {ctx_, ir_.c64(i)});
}

// opN(out, scratch, leaves..., ctx, begin, end): [begin, end) is this thread's part of the
// outer loop when the root runs in parallel, ignored otherwise.
llvm::Function *CodeGenerator::declareRootFn(const RootPlan &r, const std::string &name) {
  std::vector<llvm::Type *> ps(2 + r.leaves.size() + 1, ir_.ptr());
  size_t nptr = ps.size();
  ps.push_back(ir_.i64());
  ps.push_back(ir_.i64());
  auto *fty = llvm::FunctionType::get(B.getVoidTy(), ps, false);
  auto *fn = llvm::Function::Create(fty, llvm::GlobalValue::InternalLinkage, name, ir_.M);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  // Each root is called once, so LLVM would inline every one into the entry: one function
  // as large as the program, on which register allocation is superlinear (a 50,000-op chain
  // spent most of its compile time there). A call per root costs nothing beside its loop.
  fn->addFnAttr(llvm::Attribute::NoInline);
  for (unsigned i = 0; i + 1 < nptr; ++i)
    fn->addParamAttr(i, llvm::Attribute::NoAlias);
  return fn;
}

// The pool calls opN.task(env, begin, end) on each part; env holds opN's pointer arguments.
void CodeGenerator::callParallel(const RootPlan &r, llvm::Function *fn,
                                 const std::vector<LV *> &args) {
  llvm::Type *p = ir_.ptr();
  size_t nptr = args.size();
  std::string name = fn->getName().str();
  auto *taskTy = llvm::FunctionType::get(B.getVoidTy(), {p, ir_.i64(), ir_.i64()}, false);
  auto *task =
      llvm::Function::Create(taskTy, llvm::GlobalValue::InternalLinkage, name + ".task", ir_.M);
  task->addFnAttr(llvm::Attribute::NoUnwind);
  {
    llvm::IRBuilder<> tb(llvm::BasicBlock::Create(ir_.C, "entry", task));
    std::vector<LV *> targs;
    for (size_t i = 0; i < nptr; ++i)
      targs.push_back(tb.CreateLoad(p, tb.CreateConstInBoundsGEP1_64(p, task->getArg(0), i)));
    targs.push_back(task->getArg(1));
    targs.push_back(task->getArg(2));
    tb.CreateCall(fn, targs);
    tb.CreateRetVoid();
  }
  llvm::IRBuilder<> ab(&entry_->getEntryBlock(), entry_->getEntryBlock().begin());
  LV *env = ab.CreateAlloca(llvm::ArrayType::get(p, nptr), nullptr, name + ".env");
  for (size_t i = 0; i < nptr; ++i)
    B.CreateStore(args[i], B.CreateConstInBoundsGEP1_64(p, env, i));
  auto pf = ir_.M.getOrInsertFunction("partita_rt_parallel_for", B.getVoidTy(), p, p, ir_.i64(),
                                      ir_.i64());
  B.CreateCall(pf, {task, env, ir_.c64(r.parN), ir_.c64(r.parGrain)});
}

void CodeGenerator::emitRootBody(const RootPlan &r, llvm::Function *fn) {
  size_t nptr = 2 + r.leaves.size() + 1;
  auto saved = B.saveIP();
  B.SetInsertPoint(llvm::BasicBlock::Create(ir_.C, "entry", fn));
  RootFrame &fr = ir_.frame;
  fr.leafPtr.clear();
  for (size_t i = 0; i < r.leaves.size(); ++i)
    fr.leafPtr[r.leaves[i]] = fn->getArg(2 + i);
  // Reading and writing the shared buffer through one pointer keeps the noalias promise
  // (the leaf's own parameter is then unused).
  if (r.inPlace) fr.leafPtr[r.inPlace] = fn->getArg(0);
  fr.ctx = fn->getArg(nptr - 1);
  fr.rangeBegin = r.parN ? fn->getArg(nptr) : nullptr;
  fr.rangeEnd = r.parN ? fn->getArg(nptr + 1) : nullptr;
  kernels_.emitRoot(r, fn->getArg(0), fn->getArg(1));
  fr.rangeBegin = fr.rangeEnd = nullptr;
  B.CreateRetVoid();
  B.restoreIP(saved);
  ir_.boundInlinedMath(*fn);
}

void CodeGenerator::recordOp(const RootPlan &r) {
  LoweredOp info;
  info.opcode = opcodeName(r.op->opcode);
  info.name = r.op->result->name;
  info.type = r.op->type().str();
  info.bytes = r.op->type().bytes();
  if (r.op->opcode == Opcode::Einsum) info.flops = (double)einsumFlops(*r.op);
  info.phase = r.isWait                  ? OpPhase::Wait
               : r.asyncSlot >= 0        ? OpPhase::Start
               : isCollective(r.op->opcode) ? OpPhase::Collective
                                         : OpPhase::Compute;
  out_.ops.push_back(std::move(info));
}

void CodeGenerator::emitRoot(const RootPlan &r, int n) {
  if (r.isWait) {
    auto fn = ir_.M.getOrInsertFunction("partita_rt_collective_wait", B.getVoidTy(), ir_.ptr(),
                                        ir_.i64());
    B.CreateCall(fn, {ctx_, ir_.c64(r.asyncSlot)});
    --inFlight_;
    mark(n);
    recordOp(r);
    return;
  }
  std::string name = std::string("op") + std::to_string(n) + "." + opcodeName(r.op->opcode);
  llvm::Function *fn = declareRootFn(r, name);
  LV *scratch = r.scratchBytes ? B.CreateInBoundsGEP(ir_.i8(), ws_, ir_.c64(r.scratchOffset))
                               : (LV *)llvm::ConstantPointerNull::get(ir_.ptr());
  std::vector<LV *> args = {bufPtr_.at(r.op->result), scratch};
  for (const Value *l : r.leaves)
    args.push_back(bufPtr_.at(l));
  args.push_back(ctx_);
  if (r.parN) {
    callParallel(r, fn, args);
  } else {
    args.push_back(ir_.c64(0));
    args.push_back(ir_.c64(0));
    B.CreateCall(fn, args);
  }
  // MPI advances nonblocking collectives only inside MPI calls: while any is in flight,
  // every op ends with a progress call (a few MPI_Tests, well under a microsecond).
  if (inFlight_ > 0 && r.asyncSlot < 0) {
    auto pf = ir_.M.getOrInsertFunction("partita_rt_collective_progress", B.getVoidTy(),
                                        ir_.ptr());
    B.CreateCall(pf, {ctx_});
  }
  if (r.asyncSlot >= 0) ++inFlight_;
  mark(n);
  recordOp(r);
  emitRootBody(r, fn);
}

// Results that no root wrote directly: arguments, constants, aliases, repeated values.
void CodeGenerator::copyResults() {
  for (size_t k = 0; k < f_.returns.size(); ++k) {
    const Value *v = f_.returns[k];
    const Value *s = plan_.kindOf(v) == ValueKind::Alias && v->def->opcode == Opcode::Await
                         ? plan_.storageOf(v)
                         : v;
    auto it = plan_.resultSlot.find(s);
    if (it != plan_.resultSlot.end() && it->second == (int)k) continue;
    LV *src = bufPtr_.at(plan_.storageOf(v));
    B.CreateMemCpy(resPtrs_[k], llvm::MaybeAlign(1), src, llvm::MaybeAlign(1), v->type.bytes());
  }
}

bool CodeGenerator::run() {
  if (!planLowering(f_, mesh_, &plan_, diags_)) return false;
  out_.workspaceBytes = plan_.workspaceBytes;
  out_.unplannedBytes = plan_.unplannedBytes;
  out_.liveBytes = plan_.liveBytes;
  emitGlobals();
  emitPrologue();
  mark(-1);
  for (size_t i = 0; i < plan_.roots.size(); ++i)
    emitRoot(plan_.roots[i], (int)i);
  copyResults();
  B.CreateRetVoid();
  return elem_.ok();
}

} // namespace

bool lowerFunction(const Func &f, const Mesh *mesh, LoweredFunc *out, Diagnostics &diags,
                   const LowerOptions &opts) {
  out->context = std::make_unique<llvm::LLVMContext>();
  out->module = std::make_unique<llvm::Module>("partita", *out->context);
  out->module->setSourceFileName("partita");
  out->workspaceBytes = 0;
  out->unplannedBytes = 0;
  out->liveBytes = 0;
  out->groups.clear();
  out->ops.clear();
  CodeGenerator g(f, mesh, diags, *out, opts);
  return g.run();
}

} // namespace partita
