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
    collective(op, out, scratch);
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
  for (int64_t d : op.getInts("dims"))
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
  int64_t dim = op.getInt("dim");
  bool excl = op.getBool("exclusive"), rev = op.getBool("reverse");
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
  int64_t dim = op.getInt("dim");
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
  int64_t axis = op.getInt("axis");
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

LV *KernelEmitter::axisArray(const std::vector<std::string> &axes, int64_t *n) {
  std::vector<int64_t> idx;
  for (const auto &a : axes)
    idx.push_back(mesh_->axisIndex(a));
  if (std::find(groups_.begin(), groups_.end(), idx) == groups_.end()) groups_.push_back(idx);
  *n = (int64_t)idx.size();
  return ir_.constArray(idx, "axes"); // naxes says how much of it is real when empty
}

// partita_rt_<name>(ctx, axes, naxes, in, out, extra...).
llvm::FunctionCallee KernelEmitter::runtimeFn(const char *name, std::vector<llvm::Type *> extra) {
  std::vector<llvm::Type *> ps = {ir_.ptr(), ir_.ptr(), ir_.i64(), ir_.ptr(), ir_.ptr()};
  ps.insert(ps.end(), extra.begin(), extra.end());
  return ir_.M.getOrInsertFunction(name, llvm::FunctionType::get(B.getVoidTy(), ps, false));
}

void KernelEmitter::swap01(LV *from, LV *to, int64_t a, int64_t b, int64_t blockBytes) {
  llvm::Type *p = ir_.ptr(), *i64 = ir_.i64();
  auto fn = ir_.M.getOrInsertFunction("partita_kernel_swap01", B.getVoidTy(), p, p, i64, i64, i64);
  B.CreateCall(fn, {from, to, ir_.c64(a), ir_.c64(b), ir_.c64(blockBytes)});
}

int32_t KernelEmitter::reductionCode(const Op &op) {
  std::string rs = op.getString("reduction", "sum");
  return rs == "max" ? 1 : rs == "min" ? 2 : 0;
}

void KernelEmitter::collective(const Op &op, LV *out, LV *scratch) {
  const TensorType &in = op.operands[0]->type;
  LV *src = ir_.frame.leafPtr.at(plan_.storageOf(op.operands[0]));
  int64_t naxes = 0;
  LV *axes = axisArray(op.getStrings("axes"), &naxes);
  LV *ctx = ir_.frame.ctx, *na = ir_.c64(naxes);
  switch (op.opcode) {
  case Opcode::AllReduce:
    B.CreateCall(runtimeFn("partita_rt_all_reduce", {ir_.i64(), ir_.i32(), ir_.i32()}),
                 {ctx, axes, na, src, out, ir_.c64(in.numElements()), ir_.c32((int)in.dtype),
                  ir_.c32(reductionCode(op))});
    return;
  case Opcode::CollectivePermute:
    B.CreateCall(runtimeFn("partita_rt_collective_permute", {ir_.i64(), ir_.i64()}),
                 {ctx, axes, na, src, out, ir_.c64(in.bytes()), ir_.c64(op.getInt("shift"))});
    return;
  case Opcode::AllGather:
    allGather(op, axes, naxes, out, scratch);
    return;
  case Opcode::ReduceScatter:
    reduceScatter(op, axes, naxes, out, scratch);
    return;
  case Opcode::AllToAll:
    allToAll(op, axes, naxes, out, scratch);
    return;
  default:
    break;
  }
}

void KernelEmitter::allGather(const Op &op, LV *axes, int64_t naxes, LV *out, LV *scratch) {
  const TensorType &in = op.operands[0]->type;
  LV *src = ir_.frame.leafPtr.at(plan_.storageOf(op.operands[0]));
  int64_t g = mesh_->groupSize(op.getStrings("axes"));
  int64_t d = op.getInt("dim"), outer = shapeProduct(in.shape, 0, d);
  LV *dst = outer == 1 ? out : scratch;
  B.CreateCall(runtimeFn("partita_rt_all_gather", {ir_.i64()}),
               {ir_.frame.ctx, axes, ir_.c64(naxes), src, dst, ir_.c64(in.bytes())});
  if (outer != 1) swap01(scratch, out, g, outer, in.bytes() / std::max<int64_t>(outer, 1));
}

void KernelEmitter::reduceScatter(const Op &op, LV *axes, int64_t naxes, LV *out, LV *scratch) {
  const TensorType &in = op.operands[0]->type, &t = op.type();
  LV *src = ir_.frame.leafPtr.at(plan_.storageOf(op.operands[0]));
  int64_t g = mesh_->groupSize(op.getStrings("axes"));
  int64_t d = op.getInt("dim"), outer = shapeProduct(in.shape, 0, d);
  int64_t piece = t.numElements() / std::max<int64_t>(outer, 1);
  LV *from = src;
  if (outer != 1) {
    swap01(src, scratch, outer, g, piece * dtypeBytes(in.dtype));
    from = scratch;
  }
  B.CreateCall(runtimeFn("partita_rt_reduce_scatter", {ir_.i64(), ir_.i32(), ir_.i32()}),
               {ir_.frame.ctx, axes, ir_.c64(naxes), from, out, ir_.c64(t.numElements()),
                ir_.c32((int)in.dtype), ir_.c32(reductionCode(op))});
}

void KernelEmitter::allToAll(const Op &op, LV *axes, int64_t naxes, LV *out, LV *scratch) {
  const TensorType &in = op.operands[0]->type;
  LV *src = ir_.frame.leafPtr.at(plan_.storageOf(op.operands[0]));
  int64_t g = mesh_->groupSize(op.getStrings("axes"));
  int64_t eb = dtypeBytes(in.dtype);
  int64_t s = op.getInt("split_dim"), c = op.getInt("concat_dim");
  std::vector<int64_t> piece = in.shape;
  piece[s] /= g;
  int64_t outerS = shapeProduct(in.shape, 0, s), outerC = shapeProduct(piece, 0, c);
  int64_t pieceElems = shapeProduct(piece, 0, piece.size());
  LV *send = src, *recv = out;
  int64_t off = 0;
  if (outerS != 1) {
    send = scratch;
    off = alignBuffer(in.bytes());
    swap01(src, send, outerS, g, pieceElems / std::max<int64_t>(outerS, 1) * eb);
  }
  if (outerC != 1) recv = B.CreateInBoundsGEP(ir_.i8(), scratch, ir_.c64(off));
  B.CreateCall(runtimeFn("partita_rt_all_to_all", {ir_.i64()}),
               {ir_.frame.ctx, axes, ir_.c64(naxes), send, recv, ir_.c64(pieceElems * eb)});
  if (outerC != 1) swap01(recv, out, g, outerC, pieceElems / std::max<int64_t>(outerC, 1) * eb);
}

} // namespace partita
