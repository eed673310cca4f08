// Root bodies (runtime/KernelEmitter.h): generated loop nests and runtime calls.
#include "runtime/KernelEmitter.h"

#include <algorithm>
#include <limits>

namespace partita {

int64_t KernelEmitter::perLeading(const TensorType &t) {
  return t.rank() > 0 && t.shape[0] > 0 ? t.numElements() / t.shape[0] : 1;
}

void KernelEmitter::emitRoot(const RootPlan &r, LV *out, LV *scratch) {
  const Op &op = *r.op;
  switch (op.opcode) {
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
    reduction(op, out, scratch);
    return;
  case Opcode::Cumsum:
    cumsum(op, out, scratch);
    return;
  case Opcode::Argmax:
    argmax(op, out, scratch);
    return;
  case Opcode::ScatterAdd:
    scatterAdd(op, out, scratch);
    return;
  case Opcode::Einsum:
    einsum(op, out, scratch);
    return;
  default:
    break;
  }
  if (isCollective(op.opcode)) {
    collective(r, out, scratch);
    return;
  }
  elementalRoot(r, out);
}

void KernelEmitter::elementalRoot(const RootPlan &r, LV *out) {
  const Op &op = *r.op;
  const TensorType &t = op.type();
  if (r.flat) {
    // Same-shape elementwise chains run as one flat loop, whatever the rank.
    ir_.rangedLoop(t.numElements(), 1, [&](LV *i) {
      Index ix;
      ix.flat = i;
      ir_.store(out, i, t.dtype, elem_.op(op, ix));
    });
    return;
  }
  ir_.loopNest(
      t.shape,
      [&](std::vector<LV *> &ivs) {
        Index ix;
        ix.dims = ivs;
        LV *v = elem_.op(op, ix);
        ir_.store(out, ir_.linear(ix, t), t.dtype, v);
      },
      -1, true);
}

LV *KernelEmitter::reduceStep(const Op &op, LV *a, LV *v) {
  bool fl = isFloat(op.type().dtype);
  if (op.opcode == Opcode::ReduceSum) {
    if (!fl) return B.CreateAdd(a, v);
    auto *inst = llvm::cast<llvm::Instruction>(B.CreateFAdd(a, v));
    // Reassociation lets the vectorizer split the sum into lanes.
    inst->setHasAllowReassoc(true);
    return inst;
  }
  bool mx = op.opcode == Opcode::ReduceMax;
  return fl ? ir_.intrinsic(mx ? llvm::Intrinsic::maximum : llvm::Intrinsic::minimum, {a, v})
            : ir_.intrinsic(mx ? llvm::Intrinsic::smax : llvm::Intrinsic::smin, {a, v});
}

void KernelEmitter::reduction(const Op &op, LV *out, LV *scratch) {
  const TensorType &t = op.type(), &in = op.operands[0]->type;
  DType dt = t.dtype;
  bool fl = isFloat(dt);
  // bf16 accumulates in an f32 buffer and is rounded once at the end.
  LV *acc = dt == DType::BF16 ? scratch : out;
  DType accT = dt == DType::BF16 ? DType::F32 : dt;
  LV *init;
  double big = std::numeric_limits<double>::infinity();
  if (op.opcode == Opcode::ReduceSum)
    init = fl ? ir_.cf(0) : ir_.c32(0);
  else if (op.opcode == Opcode::ReduceMax)
    init = fl ? ir_.cf(-big) : ir_.c32((uint32_t)INT32_MIN);
  else
    init = fl ? ir_.cf(big) : ir_.c32(INT32_MAX);
  // In parallel the threads split the kept leading dimension (the thread plan), so each one
  // owns the outputs of its part.
  int64_t per = perLeading(t);
  ir_.rangedLoop(t.numElements(), per, [&](LV *i) { ir_.store(acc, i, accT, init); });
  std::vector<bool> drop(in.rank(), false);
  for (int64_t d : reducedDims(op))
    drop[d] = true;
  ir_.loopNest(
      in.shape,
      [&](std::vector<LV *> &ivs) {
        Index ii;
        ii.dims = ivs;
        LV *v = elem_.element(op.operands[0], ii);
        Index oi;
        for (int d = 0; d < in.rank(); ++d)
          if (!drop[d]) oi.dims.push_back(ivs[d]);
        LV *lin = ir_.linear(oi, t);
        LV *a = ir_.load(acc, lin, accT);
        ir_.store(acc, lin, accT, reduceStep(op, a, v));
      },
      -1, true);
  if (dt == DType::BF16)
    ir_.rangedLoop(t.numElements(), per, [&](LV *i) {
      ir_.store(out, i, dt, ir_.roundBf16(ir_.load(acc, i, DType::F32)));
    });
}

void KernelEmitter::cumsum(const Op &op, LV *out, LV *scratch) {
  const TensorType &t = op.type();
  DType dt = t.dtype;
  bool fl = isFloat(dt);
  LV *acc = dt == DType::BF16 ? scratch : out;
  DType accT = dt == DType::BF16 ? DType::F32 : dt;
  CumsumOp c(op);
  int64_t dim = c.dim();
  bool excl = c.exclusive(), rev = c.reverse();
  int64_t step = rowMajorStrides(t.shape)[dim] * (rev ? -1 : 1);
  int64_t first = rev ? t.shape[dim] - 1 : 0;
  ir_.loopNest(
      t.shape,
      [&](std::vector<LV *> &ivs) {
        Index ix;
        ix.dims = ivs;
        LV *lin = ir_.linear(ix, t);
        LV *isFirst = B.CreateICmpEQ(ivs[dim], ir_.c64(first));
        // The previous position along `dim`; clamped so the (discarded) read stays in bounds.
        LV *prevDim =
            B.CreateSelect(isFirst, ivs[dim], B.CreateSub(ivs[dim], ir_.c64(rev ? -1 : 1)));
        LV *prevLin = B.CreateSelect(isFirst, lin, B.CreateSub(lin, ir_.c64(step)));
        LV *zero = fl ? ir_.cf(0) : ir_.c32(0);
        LV *prevAcc = B.CreateSelect(isFirst, zero, ir_.load(acc, prevLin, accT));
        LV *v;
        if (excl) {
          Index pi;
          pi.dims = ivs;
          pi.dims[dim] = prevDim;
          v = B.CreateSelect(isFirst, zero, elem_.element(op.operands[0], pi));
        } else {
          v = elem_.element(op.operands[0], ix);
        }
        ir_.store(acc, lin, accT, fl ? B.CreateFAdd(prevAcc, v) : B.CreateAdd(prevAcc, v));
      },
      rev ? (int)dim : -1, true);
  if (dt == DType::BF16)
    ir_.rangedLoop(t.numElements(), perLeading(t), [&](LV *i) {
      ir_.store(out, i, dt, ir_.roundBf16(ir_.load(acc, i, DType::F32)));
    });
}

void KernelEmitter::argmax(const Op &op, LV *out, LV *scratch) {
  const TensorType &t = op.type(), &in = op.operands[0]->type;
  int64_t dim = ArgmaxOp(op).dim();
  bool fl = isFloat(in.dtype);
  DType bestT = fl ? DType::F32 : DType::I32;
  ir_.rangedLoop(t.numElements(), perLeading(t),
                 [&](LV *i) { ir_.store(out, i, DType::I32, ir_.c32(0)); });
  ir_.loopNest(
      in.shape,
      [&](std::vector<LV *> &ivs) {
        Index ii;
        ii.dims = ivs;
        LV *v = elem_.element(op.operands[0], ii);
        Index oi;
        for (int d = 0; d < in.rank(); ++d)
          if (d != dim) oi.dims.push_back(ivs[d]);
        LV *lin = ir_.linear(oi, t);
        LV *best = ir_.load(scratch, lin, bestT);
        LV *isFirst = B.CreateICmpEQ(ivs[dim], ir_.c64(0));
        // A NaN wins over everything but an earlier NaN, as in XLA and NumPy; ties keep the first.
        LV *better;
        if (fl) {
          LV *vNan = B.CreateFCmpUNO(v, v), *bNan = B.CreateFCmpUNO(best, best);
          better = B.CreateOr(B.CreateFCmpOGT(v, best), B.CreateAnd(vNan, B.CreateNot(bNan)));
        } else {
          better = B.CreateICmpSGT(v, best);
        }
        better = B.CreateOr(isFirst, better);
        ir_.store(scratch, lin, bestT, B.CreateSelect(better, v, best));
        LV *oldIdx = ir_.load(out, lin, DType::I32);
        ir_.store(out, lin, DType::I32,
                  B.CreateSelect(better, B.CreateTrunc(ivs[dim], ir_.i32()), oldIdx));
      },
      -1, true);
}

void KernelEmitter::scatterAdd(const Op &op, LV *out, LV *scratch) {
  const TensorType &t = op.type(), &ids = op.operands[1]->type, &upd = op.operands[2]->type;
  DType dt = t.dtype;
  bool fl = isFloat(dt);
  LV *acc = dt == DType::BF16 ? scratch : out;
  DType accT = dt == DType::BF16 ? DType::F32 : dt;
  int64_t axis = ScatterAddOp(op).axis();
  int64_t n = t.shape[axis];
  ir_.loopNest(t.shape, [&](std::vector<LV *> &ivs) {
    Index ix;
    ix.dims = ivs;
    ir_.store(acc, ir_.linear(ix, t), accT, elem_.element(op.operands[0], ix));
  });
  if (n == 0) return;
  ir_.loopNest(upd.shape, [&](std::vector<LV *> &ivs) {
    Index ii;
    for (int i = 0; i < ids.rank(); ++i)
      ii.dims.push_back(ivs[axis + i]);
    LV *id = B.CreateSExt(elem_.element(op.operands[1], ii), ir_.i64());
    llvm::Function *fn = B.GetInsertBlock()->getParent();
    auto *then = llvm::BasicBlock::Create(ir_.C, "scatter", fn);
    auto *cont = llvm::BasicBlock::Create(ir_.C, "scatter.end", fn);
    B.CreateCondBr(ir_.inRange(id, 0, n), then, cont);
    B.SetInsertPoint(then);
    Index ui;
    ui.dims = ivs;
    LV *u = elem_.element(op.operands[2], ui);
    Index bi;
    for (int i = 0; i < axis; ++i)
      bi.dims.push_back(ivs[i]);
    bi.dims.push_back(id);
    for (int i = axis + 1; i < t.rank(); ++i)
      bi.dims.push_back(ivs[i - 1 + ids.rank()]);
    LV *lin = ir_.linear(bi, t);
    LV *a = ir_.load(acc, lin, accT);
    ir_.store(acc, lin, accT, fl ? B.CreateFAdd(a, u) : B.CreateAdd(a, u));
    B.CreateBr(cont);
    B.SetInsertPoint(cont);
  });
  if (dt == DType::BF16)
    ir_.loop(t.numElements(),
             [&](LV *i) { ir_.store(out, i, dt, ir_.roundBf16(ir_.load(acc, i, DType::F32))); });
}

void KernelEmitter::einsum(const Op &op, LV *out, LV *scratch) {
  int64_t bytes = 0;
  llvm::GlobalVariable *desc = ir_.constArray(einsumDescriptor(op, plan_, &bytes), "einsum.desc");
  llvm::Type *p = ir_.ptr();
  auto fn = ir_.M.getOrInsertFunction("partita_kernel_einsum", B.getVoidTy(), p, p, p, p, p);
  B.CreateCall(fn, {desc, ir_.frame.leafPtr.at(plan_.storageOf(op.operands[0])),
                    ir_.frame.leafPtr.at(plan_.storageOf(op.operands[1])), out, scratch});
}

// ---- collectives ----

void KernelEmitter::collective(const RootPlan &r, LV *out, LV *scratch) {
  const CollectivePlan &cp = *r.collective;
  if (std::find(groups_.begin(), groups_.end(), cp.axes) == groups_.end())
    groups_.push_back(cp.axes);
  llvm::GlobalVariable *desc = ir_.constArray(cp.encode(), "collective.desc");
  LV *src = ir_.frame.leafPtr.at(plan_.storageOf(r.op->operands[0]));
  llvm::Type *p = ir_.ptr();
  if (r.asyncSlot >= 0) {
    // The exchange continues after this root returns; the await completes it.
    auto fn = ir_.M.getOrInsertFunction("partita_rt_collective_start", B.getVoidTy(), p, p, p, p,
                                        p, ir_.i64());
    B.CreateCall(fn, {ir_.frame.ctx, desc, src, out, scratch, ir_.c64(r.asyncSlot)});
    return;
  }
  auto fn = ir_.M.getOrInsertFunction("partita_rt_collective", B.getVoidTy(), p, p, p, p, p);
  B.CreateCall(fn, {ir_.frame.ctx, desc, src, out, scratch});
}

} // namespace partita
