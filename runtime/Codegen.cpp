// Lowering of a per-device function to LLVM IR, in the style of XLA's CPU backend:
//  - every value is a Root (computed into a buffer by its own loop nest or kernel call), Fused
//    (recomputed element by element inside its consumers' loops, like XLA's elemental IR
//    emitter), an Alias (reshape/sharding_constraint: same bytes, another shape; a transpose
//    only einsums read: permuted strides), an Arg, or a Global (non-splat constants);
//  - each root becomes an internal function with noalias buffer parameters, so loop nests
//    vectorize without runtime alias checks once the optimizer inlines them into the entry;
//  - large roots split their outer loop over the runtime's threads (an `opN.task` wrapper
//    called through partita_rt_parallel_for);
//  - root buffers and per-root scratch are placed in one arena by a greedy-by-size planner over
//    live intervals, elementwise roots writing over an operand that dies there;
//  - bf16 lives in memory as its upper 16 bits and is computed in f32, rounded to nearest even
//    after every op, which is exactly what the reference interpreter does.
#include "runtime/Codegen.h"

#include "ir/Einsum.h"
#include "ir/Tensor.h"
#include "runtime/Abi.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

namespace partita {

LoweredFunc::LoweredFunc() = default;
LoweredFunc::LoweredFunc(LoweredFunc &&) noexcept = default;
LoweredFunc &LoweredFunc::operator=(LoweredFunc &&) noexcept = default;
LoweredFunc::~LoweredFunc() = default;

namespace {

using LV = llvm::Value;

// Field indices of PartitaCtx (runtime/Abi.h).
constexpr unsigned kCtxWorkspace = 0, kCtxCoords = 1;
constexpr int64_t kAlign = 64;

enum class Kind { Dead, Arg, Global, Alias, Fused, Root };

bool isElementalOp(Opcode c) {
  if (isElementwise(c)) return true;
  switch (c) {
  case Opcode::Constant:
  case Opcode::Iota:
  case Opcode::AxisIndex:
  case Opcode::BroadcastInDim:
  case Opcode::Transpose:
  case Opcode::Slice:
  case Opcode::Pad:
  case Opcode::Concatenate:
  case Opcode::DynamicSlice:
  case Opcode::DynamicUpdateSlice:
  case Opcode::OneHot:
  case Opcode::Take:
    return true;
  default:
    return false;
  }
}

bool isSplatConstant(const Op &op) {
  const Attr *v = op.attr("value");
  return op.opcode == Opcode::Constant && v && v->kind != Attr::Kind::List;
}

// Users that evaluate their operands element by element, so the operands may be fused.
bool readsElementally(const Op &user) {
  if (isElementalOp(user.opcode)) return true;
  switch (user.opcode) {
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
  case Opcode::Cumsum:
  case Opcode::Argmax:
  case Opcode::ScatterAdd:
    return true;
  default:
    return false;
  }
}

// Users that read one operand element many times; fusing an expensive producer there would
// recompute it that many times.
bool replicatesOperand(const Op &user, size_t i) {
  switch (user.opcode) {
  case Opcode::BroadcastInDim:
    return user.operands[0]->type.numElements() < user.type().numElements();
  case Opcode::Take:
  case Opcode::OneHot:
    return true;
  case Opcode::ScatterAdd:
    return i == 1;
  case Opcode::Cumsum:
    return user.getBool("exclusive"); // reads the previous element too
  default:
    return false;
  }
}

bool isCheap(const Op &op) {
  return isSplatConstant(op) || op.opcode == Opcode::Iota || op.opcode == Opcode::AxisIndex;
}

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = (int)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

int64_t product(const std::vector<int64_t> &v, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i)
    p *= v[i];
  return p;
}

// 2 per multiply-add: twice the product of the sizes of every distinct letter.
double einsumFlops(const Op &op) {
  std::string err;
  auto spec = EinsumSpec::parse(op.getString("spec"), &err);
  if (!spec) return 0;
  std::map<char, int64_t> size;
  for (size_t i = 0; i < 2 && i < op.operands.size(); ++i)
    for (size_t j = 0; j < spec->inputs[i].size(); ++j)
      size[spec->inputs[i][j]] = op.operands[i]->type.shape[j];
  double f = 2;
  for (auto [c, n] : size)
    f *= (double)n;
  return f;
}

int64_t alignUp(int64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

// A position in a tensor: per-dimension indices, or the row-major linear index (or both).
struct Index {
  std::vector<LV *> dims;
  LV *flat = nullptr;
};

struct RootInfo {
  const Op *op = nullptr;
  int pos = 0;
  std::vector<const Value *> leaves; // storages read, deduplicated
  int64_t scratchBytes = 0;
  int64_t scratchOffset = 0;
  // Parallel roots split the outer loop [0, parN) over the runtime's threads, at least
  // parGrain iterations per part (parN = 0: serial). See Lowering::parallelPlan.
  int64_t parN = 0, parGrain = 0;
  // The operand whose buffer this (elementwise) root overwrites, if any (planMemory).
  const Value *inPlace = nullptr;
};

class Lowering {
public:
  Lowering(const Func &f, const Mesh *mesh, Diagnostics &diags, LoweredFunc &out,
           const LowerOptions &opts)
      : f_(f), mesh_(mesh), diags_(diags), out_(out), opts_(opts), C_(*out.context),
        M_(*out.module), B_(C_) {}

  bool run();

private:
  // ---- analysis ----
  void classify();
  const Value *storageOf(const Value *v) const {
    while (kind_.at(v) == Kind::Alias)
      v = v->def->operands[0];
    return v;
  }
  bool isLeaf(const Value *v) const { return kind_.at(v) != Kind::Fused; }
  std::vector<int64_t> stridesOf(const Value *v) const;
  void collectLeaves(const Op &op, std::set<const Value *> &out) const;
  bool checkSupported(const Op &op);
  void parallelPlan(RootInfo &r) const;
  int64_t scratchBytesFor(const Op &op);
  void planMemory();

  // ---- IR helpers ----
  llvm::Type *i1() { return B_.getInt1Ty(); }
  llvm::Type *i8() { return B_.getInt8Ty(); }
  llvm::Type *i16() { return B_.getInt16Ty(); }
  llvm::Type *i32() { return B_.getInt32Ty(); }
  llvm::Type *i64() { return B_.getInt64Ty(); }
  llvm::Type *f32() { return B_.getFloatTy(); }
  llvm::Type *f64() { return B_.getDoubleTy(); }
  llvm::PointerType *ptr() { return llvm::PointerType::getUnqual(C_); }
  LV *c64(int64_t v) { return B_.getInt64(v); }
  LV *c32(int64_t v) { return B_.getInt32((uint32_t)v); }
  LV *cf(double v) { return llvm::ConstantFP::get(f32(), v); }
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
  llvm::Function *mathFn(const std::string &name);
  LV *callMath(const std::string &name, LV *x) { return B_.CreateCall(mathFn(name), {x}); }
  void emitMathBody(const std::string &name, llvm::Function *fn);
  LV *convert(LV *v, DType from, DType to);
  void loop(int64_t n, const std::function<void(LV *)> &body);
  void loopFrom(LV *begin, LV *end, const std::function<void(LV *)> &body);
  // [0, n), or this thread's part [begin*per, end*per) when the root runs in parallel.
  void rangedLoop(int64_t n, int64_t per, const std::function<void(LV *)> &body);
  // With `ranged`, the outermost dimension is restricted to this thread's part.
  void loopNest(const std::vector<int64_t> &shape,
                const std::function<void(std::vector<LV *> &)> &body, int reverseDim = -1,
                bool ranged = false);
  LV *axisArray(const std::vector<std::string> &axes, int64_t *n);

  // ---- element emission ----
  LV *emitElement(const Value *v, Index ix);
  LV *emitOp(const Op &op, Index &ix);
  LV *emitUnary(const Op &op, LV *a);
  LV *emitBinary(const Op &op, LV *a, LV *b);
  bool flatFusable(const Op &op) const;

  // ---- roots ----
  void emitRoot(RootInfo &r, LV *outPtr, LV *scratch);
  void emitElementalRoot(const Op &op, LV *out);
  void emitReduction(const Op &op, LV *out, LV *scratch);
  void emitCumsum(const Op &op, LV *out, LV *scratch);
  void emitArgmax(const Op &op, LV *out, LV *scratch);
  void emitScatterAdd(const Op &op, LV *out, LV *scratch);
  void emitEinsum(const Op &op, LV *out, LV *scratch);
  void emitCollective(const Op &op, LV *out, LV *scratch);
  std::vector<int64_t> einsumDesc(const Op &op, int64_t *scratchBytes);

  const Func &f_;
  const Mesh *mesh_;
  Diagnostics &diags_;
  LoweredFunc &out_;
  LowerOptions opts_;
  llvm::LLVMContext &C_;
  llvm::Module &M_;
  llvm::IRBuilder<> B_;

  std::unordered_map<const Value *, Kind> kind_;
  std::unordered_map<const Value *, int> uses_;
  std::unordered_map<const Value *, int> pos_;
  std::set<const Value *> returned_;
  std::vector<RootInfo> roots_;
  std::unordered_map<const Value *, int> resultSlot_; // root value → results[k]
  std::unordered_map<const Value *, int64_t> offset_; // root value → workspace offset
  std::unordered_map<const Value *, llvm::GlobalVariable *> globals_;

  // Per-root-function state.
  std::unordered_map<const Value *, LV *> leafPtr_;
  LV *rangeBegin_ = nullptr, *rangeEnd_ = nullptr; // set while emitting a parallel root
  LV *ctxArg_ = nullptr;
  std::map<std::string, llvm::Function *> math_;
  std::map<std::string, llvm::FunctionCallee> externs_;
  bool ok_ = true;
};

// ------------------------------------------------------------------------------------------
// Analysis

void Lowering::classify() {
  for (const Value *a : f_.args)
    kind_[a] = Kind::Arg;
  for (const Value *r : f_.returns)
    returned_.insert(r);
  std::unordered_map<const Value *, bool> live;
  for (const Value *r : f_.returns)
    live[r] = true;
  for (int i = (int)f_.ops.size() - 1; i >= 0; --i) {
    const Op &op = *f_.ops[i];
    pos_[op.result] = i;
    if (!live[op.result]) continue;
    for (const Value *o : op.operands) {
      live[o] = true;
      ++uses_[o];
    }
  }
  for (const auto &opp : f_.ops) {
    const Op &op = *opp;
    const Value *v = op.result;
    if (!live[v]) {
      kind_[v] = Kind::Dead;
      continue;
    }
    if (op.opcode == Opcode::Reshape || op.opcode == Opcode::ShardingConstraint) {
      kind_[v] = Kind::Alias;
    } else if (op.opcode == Opcode::Constant && !isSplatConstant(op)) {
      kind_[v] = Kind::Global;
    } else {
      kind_[v] = Kind::Root;
    }
  }
  // A producer is fused when every live user evaluates it elementally, it is used once (or is
  // free to recompute), and it is not a result.
  std::unordered_map<const Value *, std::vector<std::pair<const Op *, size_t>>> users;
  for (const auto &opp : f_.ops)
    if (kind_[opp->result] != Kind::Dead)
      for (size_t i = 0; i < opp->operands.size(); ++i)
        users[opp->operands[i]].push_back({opp.get(), i});
  for (const auto &opp : f_.ops) {
    const Op &op = *opp;
    const Value *v = op.result;
    if (kind_[v] != Kind::Root || !isElementalOp(op.opcode) || returned_.count(v)) continue;
    bool fuse = !users[v].empty();
    for (auto [u, i] : users[v])
      fuse = fuse && readsElementally(*u) &&
             (isCheap(op) || (uses_[v] == 1 && !replicatesOperand(*u, i)));
    if (fuse) kind_[v] = Kind::Fused;
  }
  // A transpose read only by einsums is never materialized: the einsum kernel reads its
  // operand through permuted strides (einsumDesc), as a transposed GEMM operand or a packed
  // one, instead of copying it first.
  for (const auto &opp : f_.ops) {
    const Value *v = opp->result;
    if (opp->opcode != Opcode::Transpose || kind_[v] != Kind::Root || returned_.count(v) ||
        users[v].empty() || kind_[opp->operands[0]] == Kind::Fused)
      continue;
    bool einsumsOnly = true;
    for (auto [u, i] : users[v])
      einsumsOnly = einsumsOnly && u->opcode == Opcode::Einsum;
    if (einsumsOnly) kind_[v] = Kind::Alias;
  }
}

// Element strides of a leaf value in its storage: row-major, except through transposes that
// einsums read in place (classify), whose strides are their operand's, permuted.
std::vector<int64_t> Lowering::stridesOf(const Value *v) const {
  if (kind_.at(v) == Kind::Alias && v->def->opcode == Opcode::Transpose) {
    std::vector<int64_t> src = stridesOf(v->def->operands[0]);
    auto perm = v->def->getInts("perm");
    std::vector<int64_t> out(perm.size());
    for (size_t i = 0; i < perm.size(); ++i)
      out[i] = src[perm[i]];
    return out;
  }
  return rowMajorStrides(v->type.shape);
}

void Lowering::collectLeaves(const Op &op, std::set<const Value *> &out) const {
  for (const Value *o : op.operands) {
    if (isLeaf(o))
      out.insert(storageOf(o));
    else
      collectLeaves(*o->def, out);
  }
}

bool Lowering::checkSupported(const Op &op) {
  auto fail = [&](const std::string &msg) {
    diags_.error(op.loc, msg);
    return false;
  };
  bool needsMesh = isCollective(op.opcode) || op.opcode == Opcode::AxisIndex;
  if (needsMesh && !mesh_)
    return fail(std::string("'") + opcodeName(op.opcode) +
                "' needs a mesh: the function must be marked 'attributes {partitioned = @mesh}'");
  if (needsMesh) {
    std::vector<std::string> axes = op.opcode == Opcode::AxisIndex
                                        ? std::vector<std::string>{op.getString("axis")}
                                        : op.getStrings("axes");
    for (const auto &a : axes)
      if (mesh_->axisIndex(a) < 0)
        return fail("axis \"" + a + "\" is not an axis of mesh @" + mesh_->name);
  }
  return true;
}

// Roots whose outer loop may be split over threads: elementwise/data-movement roots (over
// the flat index, or the leading output dimension for loop nests), and reductions, cumsum
// and argmax whose leading dimension is kept (each thread then owns its outputs). Small
// roots stay serial: waking a thread costs more than a few thousand elements.
void Lowering::parallelPlan(RootInfo &r) const {
  const Op &op = *r.op;
  const TensorType &t = op.type();
  int64_t n = 0, work = 0;
  if (isElementalOp(op.opcode)) {
    work = t.numElements();
    n = flatFusable(op) ? work : (t.rank() > 0 ? t.shape[0] : 0);
  } else if (op.opcode == Opcode::ReduceSum || op.opcode == Opcode::ReduceMax ||
             op.opcode == Opcode::ReduceMin) {
    const TensorType &in = op.operands[0]->type;
    auto dims = op.getInts("dims");
    bool keeps0 = in.rank() > 0 && std::find(dims.begin(), dims.end(), 0) == dims.end();
    work = in.numElements();
    n = keeps0 ? in.shape[0] : 0;
  } else if (op.opcode == Opcode::Cumsum || op.opcode == Opcode::Argmax) {
    const TensorType &in = op.operands[0]->type;
    work = in.numElements();
    n = in.rank() > 0 && op.getInt("dim") != 0 ? in.shape[0] : 0;
  }
  const int64_t minWork = 1 << 16, minPart = 1 << 14;
  if (n < 2 || work < minWork) return;
  r.parN = n;
  r.parGrain = std::max<int64_t>(1, minPart / std::max<int64_t>(1, work / n));
}

int64_t Lowering::scratchBytesFor(const Op &op) {
  const TensorType &t = op.type();
  int64_t n = t.numElements();
  switch (op.opcode) {
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
  case Opcode::Cumsum:
  case Opcode::ScatterAdd:
    return t.dtype == DType::BF16 ? n * 4 : 0;
  case Opcode::Argmax:
    return n * 4;
  case Opcode::Einsum: {
    int64_t bytes = 0;
    einsumDesc(op, &bytes);
    return bytes;
  }
  case Opcode::AllGather: {
    const auto &s = op.operands[0]->type.shape;
    return product(s, 0, op.getInt("dim")) == 1 ? 0 : t.bytes();
  }
  case Opcode::ReduceScatter: {
    const TensorType &in = op.operands[0]->type;
    return product(in.shape, 0, op.getInt("dim")) == 1 ? 0 : in.bytes();
  }
  case Opcode::AllToAll: {
    const TensorType &in = op.operands[0]->type;
    int64_t s = op.getInt("split_dim"), c = op.getInt("concat_dim");
    int64_t g = mesh_->groupSize(op.getStrings("axes"));
    std::vector<int64_t> piece = in.shape;
    piece[s] /= g;
    int64_t b = 0;
    if (product(in.shape, 0, s) != 1) b += alignUp(in.bytes());
    if (product(piece, 0, c) != 1) b += t.bytes();
    return b;
  }
  default:
    return 0;
  }
}

void Lowering::planMemory() {
  // Results computed by a root go straight into the caller's result buffer.
  for (size_t k = 0; k < f_.returns.size(); ++k) {
    const Value *v = f_.returns[k];
    if (kind_[v] == Kind::Root && !resultSlot_.count(v)) resultSlot_[v] = (int)k;
  }
  std::unordered_map<const Value *, int> lastUse;
  for (const RootInfo &r : roots_)
    for (const Value *l : r.leaves)
      lastUse[l] = std::max(lastUse[l], r.pos);
  const int kEnd = (int)f_.ops.size() + 1;
  for (const Value *v : f_.returns)
    lastUse[storageOf(v)] = kEnd; // copied out at the end

  struct Item {
    int64_t size;
    int start, end;
    int64_t offset = 0;
  };
  std::vector<Item> items;
  std::unordered_map<const Value *, size_t> itemOf; // root value -> its buffer's item
  std::vector<size_t> scratchItem(roots_.size(), SIZE_MAX);
  for (size_t i = 0; i < roots_.size(); ++i) {
    RootInfo &r = roots_[i];
    const Value *v = r.op->result;
    int end = std::max(r.pos, lastUse[v]);
    if (!resultSlot_.count(v)) {
      // An elementwise root may write over an operand that dies here: it reads each element
      // at the index it writes, before writing it. The two values then share one buffer.
      for (const Value *l : r.leaves) {
        auto it = itemOf.find(l);
        if (it == itemOf.end() || lastUse[l] != r.pos || !isElementalOp(r.op->opcode) ||
            !flatFusable(*r.op) || l->type.bytes() != v->type.bytes() ||
            dtypeBytes(l->type.dtype) != dtypeBytes(v->type.dtype))
          continue;
        r.inPlace = l;
        items[it->second].end = std::max(items[it->second].end, end);
        itemOf[v] = it->second;
        break;
      }
      if (!r.inPlace) {
        itemOf[v] = items.size();
        items.push_back({alignUp(v->type.bytes()), r.pos, end});
      }
    }
    if (r.scratchBytes > 0) {
      scratchItem[i] = items.size();
      items.push_back({alignUp(r.scratchBytes), r.pos, r.pos});
    }
  }
  // The sum of the buffers live at once, at its peak: what no placement can beat.
  std::map<int, int64_t> delta;
  for (const Item &it : items) {
    delta[it.start] += it.size;
    delta[it.end + 1] -= it.size;
    out_.unplannedBytes += it.size;
  }
  int64_t live = 0;
  for (auto [pos, d] : delta) {
    live += d;
    out_.liveBytes = std::max(out_.liveBytes, live);
  }
  // Greedy by size, first fit among the items whose intervals overlap.
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return items[a].size > items[b].size; });
  std::vector<size_t> placed;
  int64_t total = 0;
  for (size_t idx : order) {
    Item &it = items[idx];
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t pi : placed) {
      const Item &p = items[pi];
      if (p.start <= it.end && it.start <= p.end) busy.push_back({p.offset, p.offset + p.size});
    }
    std::sort(busy.begin(), busy.end());
    int64_t off = 0;
    for (auto [b, e] : busy) {
      if (off + it.size <= b) break;
      off = std::max(off, e);
    }
    it.offset = off;
    total = std::max(total, off + it.size);
    placed.push_back(idx);
  }
  for (size_t i = 0; i < roots_.size(); ++i) {
    const Value *v = roots_[i].op->result;
    if (!resultSlot_.count(v)) offset_[v] = items[itemOf.at(v)].offset;
    if (scratchItem[i] != SIZE_MAX) roots_[i].scratchOffset = items[scratchItem[i]].offset;
  }
  out_.workspaceBytes = total;
}

// ------------------------------------------------------------------------------------------
// IR helpers

llvm::Type *Lowering::storageTy(DType t) {
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

llvm::Type *Lowering::computeTy(DType t) {
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

LV *Lowering::constantValue(DType t, double v) {
  double r = roundTo(t, v);
  switch (t) {
  case DType::F32:
  case DType::BF16:
    return llvm::ConstantFP::get(f32(), (float)r);
  case DType::I32:
    return B_.getInt32((uint32_t)(int32_t)r);
  case DType::I1:
    return B_.getInt1(r != 0);
  }
  return nullptr;
}

LV *Lowering::roundBf16(LV *f) {
  LV *bits = B_.CreateBitCast(f, i32());
  LV *lsb = B_.CreateAnd(B_.CreateLShr(bits, 16), c32(1));
  LV *r = B_.CreateAdd(B_.CreateAdd(bits, c32(0x7FFF)), lsb);
  r = B_.CreateAnd(r, c32(0xFFFF0000u));
  LV *isNan = B_.CreateFCmpUNO(f, f);
  return B_.CreateSelect(isNan, f, B_.CreateBitCast(r, f32()));
}

LV *Lowering::load(LV *base, LV *lin, DType t) {
  llvm::Type *st = storageTy(t);
  LV *p = B_.CreateInBoundsGEP(st, base, lin);
  LV *v = B_.CreateLoad(st, p);
  switch (t) {
  case DType::BF16:
    return B_.CreateBitCast(B_.CreateShl(B_.CreateZExt(v, i32()), 16), f32());
  case DType::I1:
    return B_.CreateICmpNE(v, B_.getInt8(0));
  default:
    return v;
  }
}

void Lowering::store(LV *base, LV *lin, DType t, LV *v) {
  llvm::Type *st = storageTy(t);
  LV *p = B_.CreateInBoundsGEP(st, base, lin);
  switch (t) {
  case DType::BF16: {
    LV *bits = B_.CreateBitCast(v, i32());
    LV *hi = B_.CreateTrunc(B_.CreateLShr(bits, 16), i16());
    // A NaN whose payload sits in the low half must stay a NaN, not become infinity.
    LV *isNan = B_.CreateFCmpUNO(v, v);
    v = B_.CreateSelect(isNan, B_.CreateOr(hi, B_.getInt16(0x40)), hi);
    break;
  }
  case DType::I1:
    v = B_.CreateZExt(v, i8());
    break;
  default:
    break;
  }
  B_.CreateStore(v, p);
}

LV *Lowering::clampIndex(LV *i, int64_t lo, int64_t hi) {
  LV *a = B_.CreateSelect(B_.CreateICmpSLT(i, c64(lo)), c64(lo), i);
  return B_.CreateSelect(B_.CreateICmpSGT(a, c64(hi)), c64(hi), a);
}

LV *Lowering::inRange(LV *i, int64_t lo, int64_t hiExcl) {
  return B_.CreateAnd(B_.CreateICmpSGE(i, c64(lo)), B_.CreateICmpSLT(i, c64(hiExcl)));
}

LV *Lowering::linear(Index &ix, const TensorType &t) {
  if (ix.flat) return ix.flat;
  auto strides = rowMajorStrides(t.shape);
  LV *lin = c64(0);
  for (int d = 0; d < t.rank(); ++d) {
    if (t.shape[d] == 1) continue;
    LV *term = strides[d] == 1 ? ix.dims[d] : B_.CreateNUWMul(ix.dims[d], c64(strides[d]));
    lin = B_.CreateNUWAdd(lin, term);
  }
  ix.flat = lin;
  return lin;
}

std::vector<LV *> &Lowering::dimsOf(Index &ix, const TensorType &t) {
  if ((int)ix.dims.size() == t.rank()) return ix.dims;
  std::vector<LV *> d(t.rank());
  LV *rem = ix.flat;
  for (int k = t.rank() - 1; k >= 0; --k) {
    d[k] = k == 0 ? rem : B_.CreateURem(rem, c64(t.shape[k]));
    if (k > 0) rem = B_.CreateUDiv(rem, c64(t.shape[k]));
  }
  ix.dims = d;
  return ix.dims;
}

LV *Lowering::intrinsic(llvm::Intrinsic::ID id, std::vector<LV *> args) {
  std::vector<llvm::Type *> tys = {args[0]->getType()};
  if (id == llvm::Intrinsic::fptosi_sat) tys = {i32(), args[0]->getType()};
  llvm::Function *fn = llvm::Intrinsic::getDeclaration(&M_, id, tys);
  return B_.CreateCall(fn, args);
}

LV *Lowering::convert(LV *v, DType from, DType to) {
  if (from == to) return v;
  bool fromF = isFloat(from), toF = isFloat(to);
  if (fromF && toF) return fix(to, v); // bf16 values are already exact f32 values
  if (fromF && to == DType::I1) return B_.CreateFCmpUNE(v, cf(0)); // NaN is nonzero
  if (from == DType::I32 && to == DType::I1) return B_.CreateICmpNE(v, c32(0));
  if (from == DType::I1) return toF ? B_.CreateUIToFP(v, f32()) : B_.CreateZExt(v, i32());
  if (from == DType::I32) return fix(to, B_.CreateSIToFP(v, f32()));
  // Float → i32 truncates and saturates, NaN → 0 (the interpreter's rule): fptosi.sat.
  return intrinsic(llvm::Intrinsic::fptosi_sat, {v});
}

void Lowering::loop(int64_t n, const std::function<void(LV *)> &body) {
  if (n <= 0) return;
  llvm::Function *fn = B_.GetInsertBlock()->getParent();
  llvm::BasicBlock *pre = B_.GetInsertBlock();
  auto *hdr = llvm::BasicBlock::Create(C_, "loop", fn);
  auto *exit = llvm::BasicBlock::Create(C_, "loop.end", fn);
  B_.CreateBr(hdr);
  B_.SetInsertPoint(hdr);
  llvm::PHINode *iv = B_.CreatePHI(i64(), 2, "i");
  iv->addIncoming(c64(0), pre);
  body(iv);
  LV *next = B_.CreateNUWAdd(iv, c64(1));
  iv->addIncoming(next, B_.GetInsertBlock());
  B_.CreateCondBr(B_.CreateICmpULT(next, c64(n)), hdr, exit);
  B_.SetInsertPoint(exit);
}

void Lowering::loopFrom(LV *begin, LV *end, const std::function<void(LV *)> &body) {
  llvm::Function *fn = B_.GetInsertBlock()->getParent();
  llvm::BasicBlock *pre = B_.GetInsertBlock();
  auto *hdr = llvm::BasicBlock::Create(C_, "loop", fn);
  auto *exit = llvm::BasicBlock::Create(C_, "loop.end", fn);
  B_.CreateCondBr(B_.CreateICmpULT(begin, end), hdr, exit);
  B_.SetInsertPoint(hdr);
  llvm::PHINode *iv = B_.CreatePHI(i64(), 2, "i");
  iv->addIncoming(begin, pre);
  body(iv);
  LV *next = B_.CreateNUWAdd(iv, c64(1));
  iv->addIncoming(next, B_.GetInsertBlock());
  B_.CreateCondBr(B_.CreateICmpULT(next, end), hdr, exit);
  B_.SetInsertPoint(exit);
}

void Lowering::rangedLoop(int64_t n, int64_t per, const std::function<void(LV *)> &body) {
  if (!rangeBegin_) {
    loop(n, body);
    return;
  }
  if (n <= 0) return;
  loopFrom(B_.CreateNUWMul(rangeBegin_, c64(per)), B_.CreateNUWMul(rangeEnd_, c64(per)), body);
}

void Lowering::loopNest(const std::vector<int64_t> &shape,
                        const std::function<void(std::vector<LV *> &)> &body, int reverseDim,
                        bool ranged) {
  for (int64_t s : shape)
    if (s == 0) return;
  std::vector<LV *> ivs(shape.size());
  std::function<void(size_t)> rec = [&](size_t d) {
    if (d == shape.size()) {
      body(ivs);
      return;
    }
    auto inner = [&](LV *iv) {
      ivs[d] = (int)d == reverseDim ? B_.CreateSub(c64(shape[d] - 1), iv) : iv;
      rec(d + 1);
    };
    if (d == 0 && ranged && rangeBegin_)
      loopFrom(rangeBegin_, rangeEnd_, inner);
    else
      loop(shape[d], inner);
  };
  rec(0);
}

LV *Lowering::axisArray(const std::vector<std::string> &axes, int64_t *n) {
  std::vector<int64_t> idx;
  for (const auto &a : axes)
    idx.push_back(mesh_->axisIndex(a));
  if (std::find(out_.groups.begin(), out_.groups.end(), idx) == out_.groups.end())
    out_.groups.push_back(idx);
  *n = (int64_t)idx.size();
  std::vector<uint64_t> u(idx.begin(), idx.end());
  if (u.empty()) u.push_back(0); // a zero-length global is not allowed; naxes says 0
  auto *init = llvm::ConstantDataArray::get(C_, u);
  return new llvm::GlobalVariable(M_, init->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                  init, "axes");
}

// ------------------------------------------------------------------------------------------
// f32 math as straight-line code (cephes-style range reduction and polynomials), so loops
// that use it vectorize; accurate to a few ulp.

llvm::Function *Lowering::mathFn(const std::string &name) {
  auto it = math_.find(name);
  if (it != math_.end()) return it->second;
  auto *fty = llvm::FunctionType::get(f32(), {f32()}, false);
  auto *fn = llvm::Function::Create(fty, llvm::GlobalValue::InternalLinkage, "partita_" + name, M_);
  fn->addFnAttr(llvm::Attribute::AlwaysInline);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  fn->setDoesNotAccessMemory();
  math_[name] = fn;
  auto saved = B_.saveIP();
  B_.SetInsertPoint(llvm::BasicBlock::Create(C_, "entry", fn));
  {
    // Polynomials may use fused multiply-adds (one rounding instead of two: as accurate or
    // more, and half the instructions).
    llvm::IRBuilderBase::FastMathFlagGuard guard(B_);
    llvm::FastMathFlags fmf;
    fmf.setAllowContract(true);
    B_.setFastMathFlags(fmf);
    emitMathBody(name, fn);
  }
  B_.restoreIP(saved);
  return fn;
}

void Lowering::emitMathBody(const std::string &name, llvm::Function *fn) {
  LV *x = fn->getArg(0);
  auto sel = [&](LV *c, LV *a, LV *b) { return B_.CreateSelect(c, a, b); };
  auto add = [&](LV *a, LV *b) { return B_.CreateFAdd(a, b); };
  auto mul = [&](LV *a, LV *b) { return B_.CreateFMul(a, b); };
  auto horner = [&](LV *t, std::initializer_list<double> cs) {
    LV *p = nullptr;
    for (double c : cs)
      p = p ? add(mul(p, t), cf(c)) : cf(c);
    return p;
  };
  const double inf = std::numeric_limits<float>::infinity();
  LV *r = nullptr;
  if (name == "exp") {
    LV *xc = sel(B_.CreateFCmpOGT(x, cf(88.72283935546875)), cf(88.72283935546875), x);
    xc = sel(B_.CreateFCmpOLT(xc, cf(-103.97208)), cf(-103.97208), xc);
    LV *n = intrinsic(llvm::Intrinsic::floor, {add(mul(xc, cf(1.44269504088896341)), cf(0.5))});
    LV *t = B_.CreateFSub(xc, mul(n, cf(0.693359375)));
    t = B_.CreateFSub(t, mul(n, cf(-2.12194440e-4)));
    LV *p = horner(t, {1.9875691500E-4, 1.3981999507E-3, 8.3334519073E-3, 4.1665795894E-2,
                       1.6666665459E-1, 5.0000001201E-1});
    LV *y = add(add(mul(mul(p, t), t), t), cf(1));
    // 2^n as two normal powers of two, so n in [-150, 128] never leaves the exponent range.
    LV *ni = B_.CreateFPToSI(n, i32());
    LV *n1 = B_.CreateAShr(ni, 1), *n2 = B_.CreateSub(ni, n1);
    auto pow2 = [&](LV *k) {
      return B_.CreateBitCast(B_.CreateShl(B_.CreateAdd(k, c32(127)), 23), f32());
    };
    r = mul(mul(y, pow2(n1)), pow2(n2));
    r = sel(B_.CreateFCmpOGT(x, cf(88.72283935546875)), cf(inf), r);
    r = sel(B_.CreateFCmpOLT(x, cf(-103.97208)), cf(0), r);
  } else if (name == "log") {
    LV *den = B_.CreateFCmpOLT(x, cf(1.17549435e-38));
    LV *xs = sel(den, mul(x, cf(8388608.0)), x);
    LV *b = B_.CreateBitCast(xs, i32());
    LV *e = B_.CreateSub(B_.CreateAnd(B_.CreateLShr(b, 23), c32(0xff)), c32(126));
    e = B_.CreateSub(e, sel(den, c32(23), c32(0)));
    LV *m = B_.CreateBitCast(B_.CreateOr(B_.CreateAnd(b, c32(0x807fffff)), c32(0x3f000000)), f32());
    LV *small = B_.CreateFCmpOLT(m, cf(0.707106781186547524));
    e = sel(small, B_.CreateSub(e, c32(1)), e);
    LV *xm = sel(small, B_.CreateFSub(add(m, m), cf(1)), B_.CreateFSub(m, cf(1)));
    LV *z = mul(xm, xm);
    LV *y = horner(xm, {7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                        1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                        3.3333331174E-1});
    y = mul(mul(y, xm), z);
    LV *fe = B_.CreateSIToFP(e, f32());
    y = add(y, mul(fe, cf(-2.12194440e-4)));
    y = B_.CreateFSub(y, mul(z, cf(0.5)));
    r = add(add(xm, y), mul(fe, cf(0.693359375)));
    r = sel(B_.CreateFCmpOEQ(x, cf(inf)), cf(inf), r);
    r = sel(B_.CreateFCmpOEQ(x, cf(0)), cf(-inf), r);
    r = sel(B_.CreateFCmpOLT(x, cf(0)), cf(std::numeric_limits<float>::quiet_NaN()), r);
    r = sel(B_.CreateFCmpUNO(x, x), x, r);
  } else if (name == "tanh") {
    LV *ax = intrinsic(llvm::Intrinsic::fabs, {x});
    LV *z = mul(x, x);
    LV *ps = horner(z, {-5.70498872745E-3, 2.06390887954E-2, -5.37397155531E-2, 1.33314422036E-1,
                        -3.33332819422E-1});
    ps = add(mul(mul(ps, z), x), x);
    LV *e = callMath("exp", add(ax, ax));
    LV *pl = B_.CreateFSub(cf(1), B_.CreateFDiv(cf(2), add(e, cf(1))));
    pl = intrinsic(llvm::Intrinsic::copysign, {pl, x});
    r = sel(B_.CreateFCmpOLT(ax, cf(0.625)), ps, pl);
  } else if (name == "logistic") {
    LV *e = callMath("exp", B_.CreateFNeg(x));
    r = B_.CreateFDiv(cf(1), add(cf(1), e));
  } else if (name == "erf") {
    LV *xc = sel(B_.CreateFCmpOGT(x, cf(4)), cf(4), x);
    xc = sel(B_.CreateFCmpOLT(xc, cf(-4)), cf(-4), xc);
    LV *x2 = mul(xc, xc);
    LV *p = horner(x2, {-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
                        -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
                        -1.60960333262415e-02});
    p = mul(xc, p);
    LV *q = horner(x2, {-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
                        -7.37332916720468e-03, -1.42647390514189e-02});
    r = B_.CreateFDiv(p, q);
  } else if (name == "gelu") {
    // 0.5 x (1 + tanh(u)) = x * logistic(2u) = x / (1 + exp(-2u)): one exp and one division
    // instead of tanh's two branches. exp overflows to inf for very negative x, giving -0.
    LV *x3 = mul(mul(x, x), x);
    LV *inner = mul(cf(0.7978845608), add(x, mul(cf(0.044715), x3)));
    LV *e = callMath("exp", mul(cf(-2), inner));
    r = B_.CreateFDiv(x, add(cf(1), e));
  }
  B_.CreateRet(r);
}

// ------------------------------------------------------------------------------------------
// Element emission

LV *Lowering::emitElement(const Value *v, Index ix) {
  if (isLeaf(v)) {
    const Value *s = storageOf(v);
    LV *base = leafPtr_.at(s);
    return load(base, linear(ix, v->type), v->type.dtype);
  }
  return emitOp(*v->def, ix);
}

LV *Lowering::emitUnary(const Op &op, LV *a) {
  DType from = op.operands[0]->type.dtype, t = op.type().dtype;
  bool fl = isFloat(t);
  switch (op.opcode) {
  case Opcode::Neg:
    return fl ? B_.CreateFNeg(a) : B_.CreateSub(c32(0), a);
  case Opcode::Abs:
    return fl ? intrinsic(llvm::Intrinsic::fabs, {a})
              : intrinsic(llvm::Intrinsic::abs, {a, B_.getFalse()});
  case Opcode::Exp:
    return fix(t, callMath("exp", a));
  case Opcode::Log:
    return fix(t, callMath("log", a));
  case Opcode::Sqrt:
    return fix(t, intrinsic(llvm::Intrinsic::sqrt, {a}));
  case Opcode::Rsqrt:
    return fix(t, B_.CreateFDiv(cf(1), intrinsic(llvm::Intrinsic::sqrt, {a})));
  case Opcode::Tanh:
    return fix(t, callMath("tanh", a));
  case Opcode::Logistic:
    return fix(t, callMath("logistic", a));
  case Opcode::Erf:
    return fix(t, callMath("erf", a));
  case Opcode::Gelu:
    return fix(t, callMath("gelu", a));
  case Opcode::Convert:
    return convert(a, from, t);
  case Opcode::Not:
    return B_.CreateNot(a);
  default:
    break;
  }
  return nullptr;
}

LV *Lowering::emitBinary(const Op &op, LV *a, LV *b) {
  DType t = op.operands[0]->type.dtype;
  bool fl = isFloat(t);
  switch (op.opcode) {
  case Opcode::Add:
    return fl ? fix(t, B_.CreateFAdd(a, b)) : B_.CreateAdd(a, b);
  case Opcode::Sub:
    return fl ? fix(t, B_.CreateFSub(a, b)) : B_.CreateSub(a, b);
  case Opcode::Mul:
    return fl ? fix(t, B_.CreateFMul(a, b)) : B_.CreateMul(a, b);
  case Opcode::Div: {
    if (fl) return fix(t, B_.CreateFDiv(a, b));
    // The interpreter's i32 division: truncating, x/0 = 0, INT32_MIN / -1 wraps.
    LV *zero = B_.CreateICmpEQ(b, c32(0)), *m1 = B_.CreateICmpEQ(b, c32(-1));
    LV *safe = B_.CreateSelect(B_.CreateOr(zero, m1), c32(1), b);
    LV *q = B_.CreateSDiv(a, safe);
    q = B_.CreateSelect(m1, B_.CreateSub(c32(0), a), q);
    return B_.CreateSelect(zero, c32(0), q);
  }
  case Opcode::Max:
    return fl ? intrinsic(llvm::Intrinsic::maximum, {a, b})
              : intrinsic(llvm::Intrinsic::smax, {a, b});
  case Opcode::Min:
    return fl ? intrinsic(llvm::Intrinsic::minimum, {a, b})
              : intrinsic(llvm::Intrinsic::smin, {a, b});
  case Opcode::Pow: {
    if (!fl) {
      auto fnc = M_.getOrInsertFunction("partita_rt_pow_i32", i32(), i32(), i32());
      return B_.CreateCall(fnc, {a, b});
    }
    // libm's double pow, then one rounding: the interpreter's exact result.
    auto fnc = M_.getOrInsertFunction("pow", f64(), f64(), f64());
    LV *d = B_.CreateCall(fnc, {B_.CreateFPExt(a, f64()), B_.CreateFPExt(b, f64())});
    return fix(t, B_.CreateFPTrunc(d, f32()));
  }
  case Opcode::Compare: {
    std::string dir = op.getString("direction");
    if (fl) {
      if (dir == "eq") return B_.CreateFCmpOEQ(a, b);
      if (dir == "ne") return B_.CreateFCmpUNE(a, b);
      if (dir == "lt") return B_.CreateFCmpOLT(a, b);
      if (dir == "le") return B_.CreateFCmpOLE(a, b);
      if (dir == "gt") return B_.CreateFCmpOGT(a, b);
      return B_.CreateFCmpOGE(a, b);
    }
    bool s = t == DType::I32; // i1 compares as 0/1
    if (dir == "eq") return B_.CreateICmpEQ(a, b);
    if (dir == "ne") return B_.CreateICmpNE(a, b);
    if (dir == "lt") return s ? B_.CreateICmpSLT(a, b) : B_.CreateICmpULT(a, b);
    if (dir == "le") return s ? B_.CreateICmpSLE(a, b) : B_.CreateICmpULE(a, b);
    if (dir == "gt") return s ? B_.CreateICmpSGT(a, b) : B_.CreateICmpUGT(a, b);
    return s ? B_.CreateICmpSGE(a, b) : B_.CreateICmpUGE(a, b);
  }
  case Opcode::And:
    return B_.CreateAnd(a, b);
  case Opcode::Or:
    return B_.CreateOr(a, b);
  default:
    break;
  }
  return nullptr;
}

LV *Lowering::emitOp(const Op &op, Index &ix) {
  const TensorType &t = op.type();
  DType dt = t.dtype;
  auto operand = [&](size_t i) { return op.operands[i]; };
  if (isUnaryElementwise(op.opcode)) return emitUnary(op, emitElement(operand(0), ix));
  if (isBinaryElementwise(op.opcode))
    return emitBinary(op, emitElement(operand(0), ix), emitElement(operand(1), ix));
  switch (op.opcode) {
  case Opcode::Select: {
    LV *p = emitElement(operand(0), ix);
    return B_.CreateSelect(p, emitElement(operand(1), ix), emitElement(operand(2), ix));
  }
  case Opcode::Constant: {
    const Attr *v = op.attr("value");
    double x = v->kind == Attr::Kind::Bool ? (v->b ? 1 : 0) : v->asDouble();
    return constantValue(dt, x);
  }
  case Opcode::Iota: {
    LV *i = dimsOf(ix, t)[op.getInt("dim")];
    if (dt == DType::I32) return B_.CreateTrunc(i, i32());
    return fix(dt, B_.CreateSIToFP(i, f32()));
  }
  case Opcode::AxisIndex: {
    int a = mesh_->axisIndex(op.getString("axis"));
    auto *ctxTy = llvm::StructType::get(C_, {ptr(), ptr(), ptr(), i64(), ptr(), i64()});
    LV *coords = B_.CreateLoad(ptr(), B_.CreateStructGEP(ctxTy, ctxArg_, kCtxCoords));
    LV *c = B_.CreateLoad(i64(), B_.CreateInBoundsGEP(i64(), coords, c64(a)));
    return B_.CreateTrunc(c, i32());
  }
  case Opcode::BroadcastInDim: {
    auto &d = dimsOf(ix, t);
    auto dims = op.getInts("dims");
    const TensorType &in = operand(0)->type;
    Index oi;
    for (int i = 0; i < in.rank(); ++i)
      oi.dims.push_back(in.shape[i] == 1 ? c64(0) : d[dims[i]]);
    return emitElement(operand(0), oi);
  }
  case Opcode::Transpose: {
    auto &d = dimsOf(ix, t);
    auto perm = op.getInts("perm");
    Index oi;
    oi.dims.resize(t.rank());
    for (int i = 0; i < t.rank(); ++i)
      oi.dims[perm[i]] = d[i];
    return emitElement(operand(0), oi);
  }
  case Opcode::Slice: {
    auto &d = dimsOf(ix, t);
    auto start = op.getInts("start");
    std::vector<int64_t> stride =
        op.hasAttr("stride") ? op.getInts("stride") : std::vector<int64_t>(t.rank(), 1);
    Index oi;
    for (int i = 0; i < t.rank(); ++i) {
      LV *s = stride[i] == 1 ? d[i] : B_.CreateNUWMul(d[i], c64(stride[i]));
      oi.dims.push_back(start[i] ? B_.CreateNUWAdd(s, c64(start[i])) : s);
    }
    return emitElement(operand(0), oi);
  }
  case Opcode::Pad: {
    auto &d = dimsOf(ix, t);
    auto low = op.getInts("low");
    const TensorType &in = operand(0)->type;
    LV *pad = constantValue(dt, op.attr("value")->asDouble());
    if (in.numElements() == 0) return pad;
    Index oi;
    LV *inside = B_.getTrue();
    for (int i = 0; i < t.rank(); ++i) {
      LV *k = B_.CreateSub(d[i], c64(low[i]));
      if (low[i] > 0 || t.shape[i] > in.shape[i]) {
        inside = B_.CreateAnd(inside, inRange(k, 0, in.shape[i]));
        k = clampIndex(k, 0, in.shape[i] - 1);
      }
      oi.dims.push_back(k);
    }
    return B_.CreateSelect(inside, emitElement(operand(0), oi), pad);
  }
  case Opcode::Concatenate: {
    auto &d = dimsOf(ix, t);
    int64_t cd = op.getInt("dim");
    LV *result = nullptr;
    int64_t off = 0;
    for (size_t j = 0; j < op.operands.size(); ++j) {
      const TensorType &in = operand(j)->type;
      int64_t n = in.shape[cd];
      if (n == 0) continue;
      Index oi;
      oi.dims = d;
      oi.dims[cd] = clampIndex(B_.CreateSub(d[cd], c64(off)), 0, n - 1);
      LV *v = emitElement(operand(j), oi);
      result = result ? B_.CreateSelect(B_.CreateICmpSGE(d[cd], c64(off)), v, result) : v;
      off += n;
    }
    return result;
  }
  case Opcode::DynamicSlice: {
    auto &d = dimsOf(ix, t);
    const TensorType &in = operand(0)->type;
    Index oi;
    for (int i = 0; i < t.rank(); ++i) {
      LV *o = B_.CreateSExt(emitElement(operand(1 + i), Index{}), i64());
      o = clampIndex(o, 0, in.shape[i] - t.shape[i]);
      oi.dims.push_back(B_.CreateAdd(o, d[i]));
    }
    return emitElement(operand(0), oi);
  }
  case Opcode::DynamicUpdateSlice: {
    auto &d = dimsOf(ix, t);
    const TensorType &u = operand(1)->type;
    Index xi;
    xi.dims = d;
    xi.flat = ix.flat;
    LV *x = emitElement(operand(0), xi);
    if (u.numElements() == 0) return x;
    Index ui;
    LV *inside = B_.getTrue();
    for (int i = 0; i < t.rank(); ++i) {
      LV *o = B_.CreateSExt(emitElement(operand(2 + i), Index{}), i64());
      o = clampIndex(o, 0, t.shape[i] - u.shape[i]);
      LV *k = B_.CreateSub(d[i], o);
      inside = B_.CreateAnd(
          inside, B_.CreateAnd(B_.CreateICmpSGE(k, c64(0)), B_.CreateICmpSLT(k, c64(u.shape[i]))));
      ui.dims.push_back(clampIndex(k, 0, u.shape[i] - 1));
    }
    return B_.CreateSelect(inside, emitElement(operand(1), ui), x);
  }
  case Opcode::OneHot: {
    auto &d = dimsOf(ix, t);
    const TensorType &ids = operand(0)->type;
    int64_t axis = op.getInt("axis", ids.rank());
    Index ii;
    for (int i = 0; i < t.rank(); ++i)
      if (i != axis) ii.dims.push_back(d[i]);
    LV *id = B_.CreateSExt(emitElement(operand(0), ii), i64());
    return B_.CreateSelect(B_.CreateICmpEQ(id, d[axis]), constantValue(dt, 1),
                           constantValue(dt, 0));
  }
  case Opcode::Take: {
    auto &d = dimsOf(ix, t);
    const TensorType &table = operand(0)->type, &ids = operand(1)->type;
    int64_t axis = op.getInt("axis");
    int64_t n = table.shape[axis];
    if (n == 0) return constantValue(dt, 0);
    Index ii;
    for (int i = 0; i < ids.rank(); ++i)
      ii.dims.push_back(d[axis + i]);
    LV *id = B_.CreateSExt(emitElement(operand(1), ii), i64());
    Index ti;
    for (int i = 0; i < axis; ++i)
      ti.dims.push_back(d[i]);
    ti.dims.push_back(clampIndex(id, 0, n - 1));
    for (int i = axis + 1; i < table.rank(); ++i)
      ti.dims.push_back(d[i - 1 + ids.rank()]);
    return B_.CreateSelect(inRange(id, 0, n), emitElement(operand(0), ti), constantValue(dt, 0));
  }
  default:
    break;
  }
  diags_.error(op.loc, std::string("internal error: cannot evaluate '") + opcodeName(op.opcode) +
                           "' element by element");
  ok_ = false;
  return llvm::UndefValue::get(computeTy(dt));
}

bool Lowering::flatFusable(const Op &op) const {
  if (!(isElementwise(op.opcode) || isSplatConstant(op))) return false;
  for (const Value *o : op.operands)
    if (!isLeaf(o) && !flatFusable(*o->def)) return false;
  return true;
}

// ------------------------------------------------------------------------------------------
// Roots

void Lowering::emitElementalRoot(const Op &op, LV *out) {
  const TensorType &t = op.type();
  if (flatFusable(op)) {
    // Same-shape elementwise chains run as one flat loop, whatever the rank.
    rangedLoop(t.numElements(), 1, [&](LV *i) {
      Index ix;
      ix.flat = i;
      store(out, i, t.dtype, emitOp(op, ix));
    });
    return;
  }
  loopNest(
      t.shape,
      [&](std::vector<LV *> &ivs) {
        Index ix;
        ix.dims = ivs;
        LV *v = emitOp(op, ix);
        store(out, linear(ix, t), t.dtype, v);
      },
      -1, true);
}

void Lowering::emitReduction(const Op &op, LV *out, LV *scratch) {
  const TensorType &t = op.type(), &in = op.operands[0]->type;
  DType dt = t.dtype;
  bool fl = isFloat(dt);
  // bf16 accumulates in an f32 buffer and is rounded once at the end.
  LV *acc = dt == DType::BF16 ? scratch : out;
  DType accT = dt == DType::BF16 ? DType::F32 : dt;
  LV *init;
  double big = std::numeric_limits<double>::infinity();
  if (op.opcode == Opcode::ReduceSum)
    init = fl ? cf(0) : c32(0);
  else if (op.opcode == Opcode::ReduceMax)
    init = fl ? cf(-big) : c32((uint32_t)INT32_MIN);
  else
    init = fl ? cf(big) : c32(INT32_MAX);
  // In parallel the threads split the kept leading dimension (parallelPlan), so each one
  // owns the outputs of its part.
  int64_t per = t.rank() > 0 && t.shape[0] > 0 ? t.numElements() / t.shape[0] : 1;
  rangedLoop(t.numElements(), per, [&](LV *i) { store(acc, i, accT, init); });
  std::vector<bool> drop(in.rank(), false);
  for (int64_t d : op.getInts("dims"))
    drop[d] = true;
  loopNest(
      in.shape,
      [&](std::vector<LV *> &ivs) {
        Index ii;
        ii.dims = ivs;
        LV *v = emitElement(op.operands[0], ii);
        Index oi;
        for (int d = 0; d < in.rank(); ++d)
          if (!drop[d]) oi.dims.push_back(ivs[d]);
        LV *lin = linear(oi, t);
        LV *a = load(acc, lin, accT);
        LV *r;
        if (op.opcode == Opcode::ReduceSum) {
          if (fl) {
            auto *inst = llvm::cast<llvm::Instruction>(B_.CreateFAdd(a, v));
            // Reassociation lets the vectorizer split the sum into lanes.
            inst->setHasAllowReassoc(true);
            r = inst;
          } else {
            r = B_.CreateAdd(a, v);
          }
        } else {
          bool mx = op.opcode == Opcode::ReduceMax;
          r = fl ? intrinsic(mx ? llvm::Intrinsic::maximum : llvm::Intrinsic::minimum, {a, v})
                 : intrinsic(mx ? llvm::Intrinsic::smax : llvm::Intrinsic::smin, {a, v});
        }
        store(acc, lin, accT, r);
      },
      -1, true);
  if (dt == DType::BF16)
    rangedLoop(t.numElements(), per,
               [&](LV *i) { store(out, i, dt, roundBf16(load(acc, i, DType::F32))); });
}

void Lowering::emitCumsum(const Op &op, LV *out, LV *scratch) {
  const TensorType &t = op.type();
  DType dt = t.dtype;
  bool fl = isFloat(dt);
  LV *acc = dt == DType::BF16 ? scratch : out;
  DType accT = dt == DType::BF16 ? DType::F32 : dt;
  int64_t dim = op.getInt("dim");
  bool excl = op.getBool("exclusive"), rev = op.getBool("reverse");
  int64_t step = rowMajorStrides(t.shape)[dim] * (rev ? -1 : 1);
  int64_t first = rev ? t.shape[dim] - 1 : 0;
  loopNest(
      t.shape,
      [&](std::vector<LV *> &ivs) {
        Index ix;
        ix.dims = ivs;
        LV *lin = linear(ix, t);
        LV *isFirst = B_.CreateICmpEQ(ivs[dim], c64(first));
        // The previous position along `dim`; clamped so the (discarded) read stays in bounds.
        LV *prevDim = B_.CreateSelect(isFirst, ivs[dim], B_.CreateSub(ivs[dim], c64(rev ? -1 : 1)));
        LV *prevLin = B_.CreateSelect(isFirst, lin, B_.CreateSub(lin, c64(step)));
        LV *zero = fl ? cf(0) : c32(0);
        LV *prevAcc = B_.CreateSelect(isFirst, zero, load(acc, prevLin, accT));
        LV *v;
        if (excl) {
          Index pi;
          pi.dims = ivs;
          pi.dims[dim] = prevDim;
          v = B_.CreateSelect(isFirst, zero, emitElement(op.operands[0], pi));
        } else {
          v = emitElement(op.operands[0], ix);
        }
        store(acc, lin, accT, fl ? B_.CreateFAdd(prevAcc, v) : B_.CreateAdd(prevAcc, v));
      },
      rev ? (int)dim : -1, true);
  int64_t per = t.rank() > 0 && t.shape[0] > 0 ? t.numElements() / t.shape[0] : 1;
  if (dt == DType::BF16)
    rangedLoop(t.numElements(), per,
               [&](LV *i) { store(out, i, dt, roundBf16(load(acc, i, DType::F32))); });
}

void Lowering::emitArgmax(const Op &op, LV *out, LV *scratch) {
  const TensorType &t = op.type(), &in = op.operands[0]->type;
  int64_t dim = op.getInt("dim");
  bool fl = isFloat(in.dtype);
  DType bestT = fl ? DType::F32 : DType::I32;
  int64_t per = t.rank() > 0 && t.shape[0] > 0 ? t.numElements() / t.shape[0] : 1;
  rangedLoop(t.numElements(), per, [&](LV *i) { store(out, i, DType::I32, c32(0)); });
  loopNest(
      in.shape,
      [&](std::vector<LV *> &ivs) {
        Index ii;
        ii.dims = ivs;
        LV *v = emitElement(op.operands[0], ii);
        Index oi;
        for (int d = 0; d < in.rank(); ++d)
          if (d != dim) oi.dims.push_back(ivs[d]);
        LV *lin = linear(oi, t);
        LV *best = load(scratch, lin, bestT);
        LV *isFirst = B_.CreateICmpEQ(ivs[dim], c64(0));
        // A NaN wins over everything but an earlier NaN, as in XLA and NumPy; ties keep the first.
        LV *better;
        if (fl) {
          LV *vNan = B_.CreateFCmpUNO(v, v), *bNan = B_.CreateFCmpUNO(best, best);
          better = B_.CreateOr(B_.CreateFCmpOGT(v, best), B_.CreateAnd(vNan, B_.CreateNot(bNan)));
        } else {
          better = B_.CreateICmpSGT(v, best);
        }
        better = B_.CreateOr(isFirst, better);
        store(scratch, lin, bestT, B_.CreateSelect(better, v, best));
        LV *oldIdx = load(out, lin, DType::I32);
        store(out, lin, DType::I32,
              B_.CreateSelect(better, B_.CreateTrunc(ivs[dim], i32()), oldIdx));
      },
      -1, true);
}

void Lowering::emitScatterAdd(const Op &op, LV *out, LV *scratch) {
  const TensorType &t = op.type(), &ids = op.operands[1]->type, &upd = op.operands[2]->type;
  DType dt = t.dtype;
  bool fl = isFloat(dt);
  LV *acc = dt == DType::BF16 ? scratch : out;
  DType accT = dt == DType::BF16 ? DType::F32 : dt;
  int64_t axis = op.getInt("axis");
  int64_t n = t.shape[axis];
  loopNest(t.shape, [&](std::vector<LV *> &ivs) {
    Index ix;
    ix.dims = ivs;
    store(acc, linear(ix, t), accT, emitElement(op.operands[0], ix));
  });
  if (n == 0) return;
  loopNest(upd.shape, [&](std::vector<LV *> &ivs) {
    Index ii;
    for (int i = 0; i < ids.rank(); ++i)
      ii.dims.push_back(ivs[axis + i]);
    LV *id = B_.CreateSExt(emitElement(op.operands[1], ii), i64());
    llvm::Function *fn = B_.GetInsertBlock()->getParent();
    auto *then = llvm::BasicBlock::Create(C_, "scatter", fn);
    auto *cont = llvm::BasicBlock::Create(C_, "scatter.end", fn);
    B_.CreateCondBr(inRange(id, 0, n), then, cont);
    B_.SetInsertPoint(then);
    Index ui;
    ui.dims = ivs;
    LV *u = emitElement(op.operands[2], ui);
    Index bi;
    for (int i = 0; i < axis; ++i)
      bi.dims.push_back(ivs[i]);
    bi.dims.push_back(id);
    for (int i = axis + 1; i < t.rank(); ++i)
      bi.dims.push_back(ivs[i - 1 + ids.rank()]);
    LV *lin = linear(bi, t);
    LV *a = load(acc, lin, accT);
    store(acc, lin, accT, fl ? B_.CreateFAdd(a, u) : B_.CreateAdd(a, u));
    B_.CreateBr(cont);
    B_.SetInsertPoint(cont);
  });
  if (dt == DType::BF16)
    loop(t.numElements(), [&](LV *i) { store(out, i, dt, roundBf16(load(acc, i, DType::F32))); });
}

// The einsum plan read by partita_kernel_einsum (runtime/Kernels.cpp):
//   [dtype, nB, nM, nN, nK, aMode, bMode, cMode, aOff, bOff, cOff, nbl, batch sizes[nbl],
//    A: batch strides[nbl], rs, cs;  B: the same;  C: the same,
//    A pack layout: rank, canonRank, sizes..., strides...;  B: the same;
//    C unpack layout: rank, sizes..., strides...,
//    sparse plan with A as the sparse operand: present, nL, nL x {size, strideS, strideD,
//    strideC}, nF, nF x {size, strideD, strideC}, parallel;  the same with B sparse]
// Per batch, A is an nM x nK matrix, B nK x nN and C nM x nN, element (i, j) of a view at
// batch offset + i*rs + j*cs with rs or cs equal to 1 (Eigen maps it in place, transposed
// or not, with an outer stride). Batch, M, N and K letters are each kept in one order
// shared by the operands, chosen so that as many operands as possible are such views. Mode
// 0: the operand is used in place; 2: it is packed into scratch as a contiguous [B, M, K] /
// [B, K, N] (converting bf16 and summing letters only it has) or C is computed there and
// unpacked. The sparse plans let the kernel scatter a mostly-zero operand's nonzeros
// instead of running the GEMM (checked at run time).
std::vector<int64_t> Lowering::einsumDesc(const Op &op, int64_t *scratchBytes) {
  std::string err;
  EinsumSpec spec = *EinsumSpec::parse(op.getString("spec"), &err);
  const std::string &la = spec.inputs[0], &lb = spec.inputs[1], &lo = spec.output;
  const TensorType &ta = op.operands[0]->type, &tb = op.operands[1]->type;
  const TensorType &tc = op.type();
  std::map<char, int64_t> size;
  for (size_t i = 0; i < la.size(); ++i)
    size[la[i]] = ta.shape[i];
  for (size_t i = 0; i < lb.size(); ++i)
    size[lb[i]] = tb.shape[i];
  auto has = [](const std::string &s, char c) { return s.find(c) != std::string::npos; };
  auto only = [&](const std::string &order, const std::string &set) {
    std::string r;
    for (char c : order)
      if (has(set, c)) r += c;
    return r;
  };
  std::string bat, mSet, nSet, kSet, sumA, sumB;
  for (char c : lo) {
    if (has(la, c) && has(lb, c))
      bat += c;
    else if (has(la, c))
      mSet += c;
    else
      nSet += c;
  }
  for (char c : la) {
    if (has(lb, c) && !has(lo, c)) kSet += c;
    if (!has(lb, c) && !has(lo, c)) sumA += c;
  }
  for (char c : lb)
    if (!has(la, c) && !has(lo, c)) sumB += c;
  auto prod = [&](const std::string &ls) {
    int64_t p = 1;
    for (char c : ls)
      p *= size[c];
    return p;
  };
  auto sa = stridesOf(op.operands[0]), sb = stridesOf(op.operands[1]),
       sc = rowMajorStrides(tc.shape);
  auto strideIn = [&](const std::string &letters, const std::vector<int64_t> &strides, char c) {
    size_t i = letters.find(c);
    return i == std::string::npos ? (int64_t)0 : strides[i];
  };
  // A group of letters (in `order`) as one dimension of `letters`' tensor: its stride, or
  // -1 when the letters are not adjacent in that order. Size-1 letters are ignored.
  auto collapse = [&](const std::string &order, const std::string &letters,
                      const std::vector<int64_t> &strides) -> int64_t {
    int64_t st = 0;
    bool first = true;
    for (char c : order) {
      if (size[c] == 1) continue;
      int64_t s = strideIn(letters, strides, c);
      if (!first && st != s * size[c]) return -1;
      st = s;
      first = false;
    }
    return st;
  };
  bool native = tc.dtype == DType::F32; // bf16 operands are converted while packing
  struct ViewPlan {
    bool ok;
    int64_t rs, cs;
  };
  auto view = [&](const std::string &rows, const std::string &cols, const std::string &letters,
                  const std::vector<int64_t> &strides) -> ViewPlan {
    int64_t rs = collapse(rows, letters, strides), cs = collapse(cols, letters, strides);
    if (rs < 0 || cs < 0) return {false, 0, 0};
    int64_t r = prod(rows), q = prod(cols);
    bool ok = r <= 1 || q <= 1 || rs == 1 || cs == 1;
    return {ok, rs, cs};
  };
  // Letter orders: each group takes the order of one of the operands holding it, the one
  // that leaves the fewest operands to pack.
  std::string mL, nL, kL;
  int best = 99;
  for (const std::string &m : {only(lo, mSet), only(la, mSet)})
    for (const std::string &n : {only(lo, nSet), only(lb, nSet)})
      for (const std::string &k : {only(la, kSet), only(lb, kSet)}) {
        int packs = !view(m, k, la, sa).ok + !view(k, n, lb, sb).ok + !view(m, n, lo, sc).ok;
        if (packs < best) {
          best = packs;
          mL = m;
          nL = n;
          kL = k;
        }
      }
  int64_t nB = prod(bat), nM = prod(mL), nN = prod(nL), nK = prod(kL);
  ViewPlan va = view(mL, kL, la, sa), vb = view(kL, nL, lb, sb), vc = view(mL, nL, lo, sc);
  int64_t aMode = native && sumA.empty() && va.ok ? 0 : 2;
  int64_t bMode = native && sumB.empty() && vb.ok ? 0 : 2;
  int64_t cMode = native && vc.ok ? 0 : 2;
  int64_t aBytes = aMode == 2 ? alignUp(nB * nM * nK * 4) : 0;
  int64_t bBytes = bMode == 2 ? alignUp(nB * nK * nN * 4) : 0;
  int64_t cBytes = cMode == 2 ? alignUp(nB * nM * nN * 4) : 0;
  *scratchBytes = aBytes + bBytes + cBytes;
  std::vector<int64_t> d = {
      (int64_t)tc.dtype,  nB, nM, nN, nK, aMode, bMode, cMode, 0, aBytes, aBytes + bBytes,
      (int64_t)bat.size()};
  for (char c : bat)
    d.push_back(size[c]);
  auto operand = [&](int64_t mode, const ViewPlan &v, const std::string &letters,
                     const std::vector<int64_t> &strides, int64_t rows, int64_t cols) {
    int64_t canon = rows * cols;
    for (int i = (int)bat.size() - 1; i >= 0; --i) {
      d.push_back(mode == 2 ? canon : strideIn(letters, strides, bat[i]));
      canon *= size[bat[i]];
    }
    // The strides were pushed innermost first; put them in batch-letter order.
    std::reverse(d.end() - (int64_t)bat.size(), d.end());
    d.push_back(mode == 2 ? cols : v.rs);
    d.push_back(mode == 2 ? 1 : v.cs);
  };
  operand(aMode, va, la, sa, nM, nK);
  operand(bMode, vb, lb, sb, nK, nN);
  operand(cMode, vc, lo, sc, nM, nN);
  auto layout = [&](const std::string &letters, const std::vector<int64_t> &strides,
                    const std::string &order, int64_t canonRank) {
    d.push_back((int64_t)order.size());
    if (canonRank >= 0) d.push_back(canonRank);
    for (char c : order)
      d.push_back(size[c]);
    for (char c : order)
      d.push_back(strides[letters.find(c)]);
  };
  layout(la, sa, bat + mL + kL + sumA, (int64_t)(bat.size() + mL.size() + kL.size()));
  layout(lb, sb, bat + kL + nL + sumB, (int64_t)(bat.size() + kL.size() + nL.size()));
  layout(lo, sc, bat + mL + nL, -1);
  // Sparse plans: S's letters with their strides in S, the other operand D and C; D's
  // letters that S lacks must all be in C (else D would need a sum of its own first).
  auto sparse = [&](const std::string &ls, const std::vector<int64_t> &ss, const std::string &ld,
                    const std::vector<int64_t> &sd, const std::string &dSum) {
    if (!isFloat(tc.dtype) || !dSum.empty()) {
      d.push_back(0);
      return;
    }
    d.push_back(1);
    d.push_back((int64_t)ls.size());
    for (size_t i = 0; i < ls.size(); ++i) {
      d.push_back(size[ls[i]]);
      d.push_back(ss[i]);
      d.push_back(strideIn(ld, sd, ls[i]));
      d.push_back(strideIn(lo, sc, ls[i]));
    }
    std::string free;
    for (char c : lo)
      if (has(ld, c) && !has(ls, c)) free += c;
    d.push_back((int64_t)free.size());
    for (char c : free) {
      d.push_back(size[c]);
      d.push_back(strideIn(ld, sd, c));
      d.push_back(strideIn(lo, sc, c));
    }
    d.push_back(!ls.empty() && has(lo, ls[0]) ? 1 : 0);
  };
  sparse(la, sa, lb, sb, sumB);
  sparse(lb, sb, la, sa, sumA);
  return d;
}

void Lowering::emitEinsum(const Op &op, LV *out, LV *scratch) {
  int64_t bytes = 0;
  std::vector<int64_t> desc = einsumDesc(op, &bytes);
  std::vector<uint64_t> u(desc.begin(), desc.end());
  auto *init = llvm::ConstantDataArray::get(C_, u);
  auto *g = new llvm::GlobalVariable(M_, init->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                     init, "einsum.desc");
  auto fn = M_.getOrInsertFunction("partita_kernel_einsum", B_.getVoidTy(), ptr(), ptr(), ptr(),
                                   ptr(), ptr());
  B_.CreateCall(fn, {g, leafPtr_.at(storageOf(op.operands[0])),
                     leafPtr_.at(storageOf(op.operands[1])), out, scratch});
}

void Lowering::emitCollective(const Op &op, LV *out, LV *scratch) {
  const TensorType &in = op.operands[0]->type, &t = op.type();
  LV *src = leafPtr_.at(storageOf(op.operands[0]));
  int64_t naxes = 0;
  LV *axes = axisArray(op.getStrings("axes"), &naxes);
  int64_t g = mesh_->groupSize(op.getStrings("axes"));
  int64_t eb = dtypeBytes(in.dtype);
  auto rt = [&](const char *name, std::vector<llvm::Type *> extra) {
    std::vector<llvm::Type *> ps = {ptr(), ptr(), i64(), ptr(), ptr()};
    ps.insert(ps.end(), extra.begin(), extra.end());
    return M_.getOrInsertFunction(name, llvm::FunctionType::get(B_.getVoidTy(), ps, false));
  };
  auto swap01 = [&](LV *from, LV *to, int64_t a, int64_t b, int64_t blockBytes) {
    auto fn = M_.getOrInsertFunction("partita_kernel_swap01", B_.getVoidTy(), ptr(), ptr(), i64(),
                                     i64(), i64());
    B_.CreateCall(fn, {from, to, c64(a), c64(b), c64(blockBytes)});
  };
  int red = 0;
  std::string rs = op.getString("reduction", "sum");
  if (rs == "max") red = 1;
  if (rs == "min") red = 2;
  LV *ctx = ctxArg_, *na = c64(naxes);
  switch (op.opcode) {
  case Opcode::AllReduce:
    B_.CreateCall(rt("partita_rt_all_reduce", {i64(), i32(), i32()}),
                  {ctx, axes, na, src, out, c64(in.numElements()), c32((int)in.dtype), c32(red)});
    return;
  case Opcode::CollectivePermute:
    B_.CreateCall(rt("partita_rt_collective_permute", {i64(), i64()}),
                  {ctx, axes, na, src, out, c64(in.bytes()), c64(op.getInt("shift"))});
    return;
  case Opcode::AllGather: {
    int64_t d = op.getInt("dim"), outer = product(in.shape, 0, d);
    LV *dst = outer == 1 ? out : scratch;
    B_.CreateCall(rt("partita_rt_all_gather", {i64()}), {ctx, axes, na, src, dst, c64(in.bytes())});
    if (outer != 1) swap01(scratch, out, g, outer, in.bytes() / std::max<int64_t>(outer, 1));
    return;
  }
  case Opcode::ReduceScatter: {
    int64_t d = op.getInt("dim"), outer = product(in.shape, 0, d);
    int64_t piece = t.numElements() / std::max<int64_t>(outer, 1);
    LV *from = src;
    if (outer != 1) {
      swap01(src, scratch, outer, g, piece * eb);
      from = scratch;
    }
    B_.CreateCall(rt("partita_rt_reduce_scatter", {i64(), i32(), i32()}),
                  {ctx, axes, na, from, out, c64(t.numElements()), c32((int)in.dtype), c32(red)});
    return;
  }
  case Opcode::AllToAll: {
    int64_t s = op.getInt("split_dim"), c = op.getInt("concat_dim");
    std::vector<int64_t> piece = in.shape;
    piece[s] /= g;
    int64_t outerS = product(in.shape, 0, s), outerC = product(piece, 0, c);
    int64_t pieceElems = product(piece, 0, piece.size());
    LV *send = src, *recv = out;
    int64_t off = 0;
    if (outerS != 1) {
      send = scratch;
      off = alignUp(in.bytes());
      swap01(src, send, outerS, g, pieceElems / std::max<int64_t>(outerS, 1) * eb);
    }
    if (outerC != 1) recv = B_.CreateInBoundsGEP(i8(), scratch, c64(off));
    B_.CreateCall(rt("partita_rt_all_to_all", {i64()}),
                  {ctx, axes, na, send, recv, c64(pieceElems * eb)});
    if (outerC != 1) swap01(recv, out, g, outerC, pieceElems / std::max<int64_t>(outerC, 1) * eb);
    return;
  }
  default:
    break;
  }
}

void Lowering::emitRoot(RootInfo &r, LV *outPtr, LV *scratch) {
  const Op &op = *r.op;
  switch (op.opcode) {
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
    emitReduction(op, outPtr, scratch);
    return;
  case Opcode::Cumsum:
    emitCumsum(op, outPtr, scratch);
    return;
  case Opcode::Argmax:
    emitArgmax(op, outPtr, scratch);
    return;
  case Opcode::ScatterAdd:
    emitScatterAdd(op, outPtr, scratch);
    return;
  case Opcode::Einsum:
    emitEinsum(op, outPtr, scratch);
    return;
  default:
    break;
  }
  if (isCollective(op.opcode)) {
    emitCollective(op, outPtr, scratch);
    return;
  }
  emitElementalRoot(op, outPtr);
}

bool Lowering::run() {
  classify();
  for (const auto &opp : f_.ops)
    if (kind_[opp->result] != Kind::Dead && !checkSupported(*opp)) ok_ = false;
  if (!ok_) return false;
  for (const auto &opp : f_.ops) {
    if (kind_[opp->result] != Kind::Root) continue;
    RootInfo r;
    r.op = opp.get();
    r.pos = pos_[opp->result];
    std::set<const Value *> leaves;
    collectLeaves(*opp, leaves);
    r.leaves.assign(leaves.begin(), leaves.end());
    // Deterministic order (pointer order is not), so the IR text and its cache key are stable.
    auto order = [&](const Value *v) {
      return kind_[v] == Kind::Arg ? v->argIndex : (int)f_.args.size() + pos_[v];
    };
    std::sort(r.leaves.begin(), r.leaves.end(),
              [&](auto *a, auto *b) { return order(a) < order(b); });
    r.scratchBytes = scratchBytesFor(*opp);
    parallelPlan(r);
    roots_.push_back(std::move(r));
  }
  planMemory();

  // Non-splat constants become read-only globals in their storage format.
  for (const auto &opp : f_.ops) {
    if (kind_[opp->result] != Kind::Global) continue;
    const TensorType &t = opp->type();
    std::vector<double> vals;
    std::function<void(const Attr &)> flat = [&](const Attr &a) {
      if (a.kind == Attr::Kind::List) {
        for (const auto &e : a.list)
          flat(e);
      } else {
        vals.push_back(
            roundTo(t.dtype, a.kind == Attr::Kind::Bool ? (a.b ? 1.0 : 0.0) : a.asDouble()));
      }
    };
    flat(*opp->attr("value"));
    vals.resize(std::max<int64_t>(t.numElements(), 1), 0.0);
    llvm::Constant *init = nullptr;
    switch (t.dtype) {
    case DType::F32: {
      std::vector<float> v(vals.begin(), vals.end());
      init = llvm::ConstantDataArray::get(C_, v);
      break;
    }
    case DType::BF16: {
      std::vector<uint16_t> v;
      for (double x : vals)
        v.push_back((uint16_t)(std::bit_cast<uint32_t>((float)x) >> 16));
      init = llvm::ConstantDataArray::get(C_, v);
      break;
    }
    case DType::I32: {
      std::vector<uint32_t> v;
      for (double x : vals)
        v.push_back((uint32_t)(int32_t)x);
      init = llvm::ConstantDataArray::get(C_, v);
      break;
    }
    case DType::I1: {
      std::vector<uint8_t> v;
      for (double x : vals)
        v.push_back(x != 0);
      init = llvm::ConstantDataArray::get(C_, v);
      break;
    }
    }
    auto *g = new llvm::GlobalVariable(M_, init->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                       init, "const." + opp->result->name);
    g->setAlignment(llvm::Align(kAlign));
    globals_[opp->result] = g;
  }

  // The entry function.
  auto *entryTy = llvm::FunctionType::get(B_.getVoidTy(), {ptr(), ptr(), ptr()}, false);
  auto *entry = llvm::Function::Create(entryTy, llvm::GlobalValue::ExternalLinkage, out_.entry, M_);
  entry->addFnAttr(llvm::Attribute::NoUnwind);
  auto *bb = llvm::BasicBlock::Create(C_, "entry", entry);
  B_.SetInsertPoint(bb);
  LV *argsP = entry->getArg(0), *resP = entry->getArg(1), *ctxP = entry->getArg(2);
  auto *ctxTy = llvm::StructType::get(C_, {ptr(), ptr(), ptr(), i64(), ptr(), i64()});
  LV *ws = B_.CreateLoad(ptr(), B_.CreateStructGEP(ctxTy, ctxP, kCtxWorkspace), "ws");
  std::unordered_map<const Value *, LV *> bufPtr;
  for (size_t i = 0; i < f_.args.size(); ++i)
    bufPtr[f_.args[i]] = B_.CreateLoad(ptr(), B_.CreateConstInBoundsGEP1_64(ptr(), argsP, i));
  std::vector<LV *> resPtrs;
  for (size_t k = 0; k < f_.returns.size(); ++k)
    resPtrs.push_back(B_.CreateLoad(ptr(), B_.CreateConstInBoundsGEP1_64(ptr(), resP, k)));
  for (auto &[v, g] : globals_)
    bufPtr[v] = g;
  for (const RootInfo &r : roots_) {
    const Value *v = r.op->result;
    auto it = resultSlot_.find(v);
    bufPtr[v] = it != resultSlot_.end() ? resPtrs[it->second]
                                        : B_.CreateInBoundsGEP(i8(), ws, c64(offset_[v]));
  }

  auto mark = [&](int64_t i) {
    if (!opts_.profile) return;
    auto fn = M_.getOrInsertFunction("partita_rt_profile_mark", B_.getVoidTy(), ptr(), i64());
    B_.CreateCall(fn, {ctxP, c64(i)});
  };
  mark(-1);
  int n = 0;
  for (RootInfo &r : roots_) {
    // opN(out, scratch, leaves..., ctx, begin, end): [begin, end) is this thread's part of
    // the outer loop when the root runs in parallel, ignored otherwise.
    std::vector<llvm::Type *> ps(2 + r.leaves.size() + 1, ptr());
    size_t nptr = ps.size();
    ps.push_back(i64());
    ps.push_back(i64());
    auto *fty = llvm::FunctionType::get(B_.getVoidTy(), ps, false);
    std::string name = std::string("op") + std::to_string(n++) + "." + opcodeName(r.op->opcode);
    auto *fn = llvm::Function::Create(fty, llvm::GlobalValue::InternalLinkage, name, M_);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    for (unsigned i = 0; i + 1 < nptr; ++i)
      fn->addParamAttr(i, llvm::Attribute::NoAlias);
    std::vector<LV *> callArgs = {bufPtr.at(r.op->result),
                                  r.scratchBytes
                                      ? B_.CreateInBoundsGEP(i8(), ws, c64(r.scratchOffset))
                                      : (LV *)llvm::ConstantPointerNull::get(ptr())};
    for (const Value *l : r.leaves)
      callArgs.push_back(bufPtr.at(l));
    callArgs.push_back(ctxP);
    if (!r.parN) {
      callArgs.push_back(c64(0));
      callArgs.push_back(c64(0));
      B_.CreateCall(fn, callArgs);
    } else {
      // The pool calls opN.task(env, begin, end) on each part; env holds opN's pointers.
      auto *taskTy = llvm::FunctionType::get(B_.getVoidTy(), {ptr(), i64(), i64()}, false);
      auto *task =
          llvm::Function::Create(taskTy, llvm::GlobalValue::InternalLinkage, name + ".task", M_);
      task->addFnAttr(llvm::Attribute::NoUnwind);
      {
        llvm::IRBuilder<> tb(llvm::BasicBlock::Create(C_, "entry", task));
        std::vector<LV *> targs;
        for (size_t i = 0; i < nptr; ++i)
          targs.push_back(
              tb.CreateLoad(ptr(), tb.CreateConstInBoundsGEP1_64(ptr(), task->getArg(0), i)));
        targs.push_back(task->getArg(1));
        targs.push_back(task->getArg(2));
        tb.CreateCall(fn, targs);
        tb.CreateRetVoid();
      }
      llvm::IRBuilder<> ab(&entry->getEntryBlock(), entry->getEntryBlock().begin());
      LV *env = ab.CreateAlloca(llvm::ArrayType::get(ptr(), nptr), nullptr, name + ".env");
      for (size_t i = 0; i < nptr; ++i)
        B_.CreateStore(callArgs[i], B_.CreateConstInBoundsGEP1_64(ptr(), env, i));
      auto pf = M_.getOrInsertFunction("partita_rt_parallel_for", B_.getVoidTy(), ptr(), ptr(),
                                       i64(), i64());
      B_.CreateCall(pf, {task, env, c64(r.parN), c64(r.parGrain)});
    }
    mark(n - 1);
    LoweredOp info;
    info.opcode = opcodeName(r.op->opcode);
    info.name = r.op->result->name;
    info.type = r.op->type().str();
    info.bytes = r.op->type().bytes();
    if (r.op->opcode == Opcode::Einsum) info.flops = einsumFlops(*r.op);
    out_.ops.push_back(std::move(info));

    auto saved = B_.saveIP();
    B_.SetInsertPoint(llvm::BasicBlock::Create(C_, "entry", fn));
    leafPtr_.clear();
    for (size_t i = 0; i < r.leaves.size(); ++i)
      leafPtr_[r.leaves[i]] = fn->getArg(2 + i);
    // Reading and writing the shared buffer through one pointer keeps the noalias promise
    // (the leaf's own parameter is then unused).
    if (r.inPlace) leafPtr_[r.inPlace] = fn->getArg(0);
    ctxArg_ = fn->getArg(nptr - 1);
    rangeBegin_ = r.parN ? fn->getArg(nptr) : nullptr;
    rangeEnd_ = r.parN ? fn->getArg(nptr + 1) : nullptr;
    emitRoot(r, fn->getArg(0), fn->getArg(1));
    rangeBegin_ = rangeEnd_ = nullptr;
    B_.CreateRetVoid();
    B_.restoreIP(saved);
  }

  // Results that no root wrote directly: arguments, constants, aliases, repeated values.
  for (size_t k = 0; k < f_.returns.size(); ++k) {
    const Value *v = f_.returns[k];
    auto it = resultSlot_.find(v);
    if (it != resultSlot_.end() && it->second == (int)k) continue;
    LV *src = bufPtr.at(storageOf(v));
    B_.CreateMemCpy(resPtrs[k], llvm::MaybeAlign(1), src, llvm::MaybeAlign(1), v->type.bytes());
  }
  B_.CreateRetVoid();
  return ok_;
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
  Lowering l(f, mesh, diags, *out, opts);
  return l.run();
}

} // namespace partita
