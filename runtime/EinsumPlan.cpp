// The einsum plan read by partita_kernel_einsum (runtime/Kernels.cpp), computed at compile
// time from the spec, the shapes and the operands' strides (LoweringPlan::stridesOf):
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
#include "ir/OpAttrs.h"
#include "ir/Einsum.h"
#include "runtime/LoweringPlan.h"

#include <algorithm>
#include <map>

namespace partita {

namespace {

bool has(const std::string &s, char c) { return s.find(c) != std::string::npos; }

// The letters of `order` that are in `set`, in `order`'s order.
std::string only(const std::string &order, const std::string &set) {
  std::string r;
  for (char c : order)
    if (has(set, c)) r += c;
  return r;
}

int64_t strideIn(const std::string &letters, const std::vector<int64_t> &strides, char c) {
  size_t i = letters.find(c);
  return i == std::string::npos ? (int64_t)0 : strides[i];
}

struct ViewPlan {
  bool ok;
  int64_t rs, cs;
};

class EinsumPlanner {
public:
  EinsumPlanner(const Op &op, const LoweringPlan &plan);
  std::vector<int64_t> build(int64_t *scratchBytes);

private:
  int64_t prod(const std::string &ls) {
    int64_t p = 1;
    for (char c : ls)
      p *= size_[c];
    return p;
  }
  int64_t collapse(const std::string &order, const std::string &letters,
                   const std::vector<int64_t> &strides);
  ViewPlan view(const std::string &rows, const std::string &cols, const std::string &letters,
                const std::vector<int64_t> &strides);
  void chooseOrders();
  void pushOperand(int64_t mode, const ViewPlan &v, const std::string &letters,
                   const std::vector<int64_t> &strides, int64_t rows, int64_t cols);
  void pushLayout(const std::string &letters, const std::vector<int64_t> &strides,
                  const std::string &order, int64_t canonRank);
  void pushSparse(const std::string &ls, const std::vector<int64_t> &ss, const std::string &ld,
                  const std::vector<int64_t> &sd, const std::string &dSum);

  const Op &op_;
  std::string la_, lb_, lo_;
  std::map<char, int64_t> size_;
  std::string bat_, mSet_, nSet_, kSet_, sumA_, sumB_; // letter groups
  std::string mL_, nL_, kL_;                           // chosen letter orders
  std::vector<int64_t> sa_, sb_, sc_;                  // element strides of A, B, C
  std::vector<int64_t> d_;
};

EinsumPlanner::EinsumPlanner(const Op &op, const LoweringPlan &plan) : op_(op) {
  const EinsumSpec &spec = EinsumOp(op).spec();
  la_ = spec.inputs[0];
  lb_ = spec.inputs[1];
  lo_ = spec.output;
  const TensorType &ta = op.operands[0]->type, &tb = op.operands[1]->type;
  for (size_t i = 0; i < la_.size(); ++i)
    size_[la_[i]] = ta.shape[i];
  for (size_t i = 0; i < lb_.size(); ++i)
    size_[lb_[i]] = tb.shape[i];
  for (char c : lo_) {
    if (has(la_, c) && has(lb_, c))
      bat_ += c;
    else if (has(la_, c))
      mSet_ += c;
    else
      nSet_ += c;
  }
  for (char c : la_) {
    if (has(lb_, c) && !has(lo_, c)) kSet_ += c;
    if (!has(lb_, c) && !has(lo_, c)) sumA_ += c;
  }
  for (char c : lb_)
    if (!has(la_, c) && !has(lo_, c)) sumB_ += c;
  sa_ = plan.stridesOf(op.operands[0]);
  sb_ = plan.stridesOf(op.operands[1]);
  sc_ = rowMajorStrides(op.type().shape);
}

// A group of letters (in `order`) as one dimension of `letters`' tensor: its stride, or -1
// when the letters are not adjacent in that order. Size-1 letters are ignored.
int64_t EinsumPlanner::collapse(const std::string &order, const std::string &letters,
                                const std::vector<int64_t> &strides) {
  int64_t st = 0;
  bool first = true;
  for (char c : order) {
    if (size_[c] == 1) continue;
    int64_t s = strideIn(letters, strides, c);
    if (!first && st != s * size_[c]) return -1;
    st = s;
    first = false;
  }
  return st;
}

ViewPlan EinsumPlanner::view(const std::string &rows, const std::string &cols,
                             const std::string &letters, const std::vector<int64_t> &strides) {
  int64_t rs = collapse(rows, letters, strides), cs = collapse(cols, letters, strides);
  if (rs < 0 || cs < 0) return {false, 0, 0};
  int64_t r = prod(rows), q = prod(cols);
  bool ok = r <= 1 || q <= 1 || rs == 1 || cs == 1;
  return {ok, rs, cs};
}

// Letter orders: each group takes the order of one of the operands holding it, the one
// that leaves the fewest operands to pack.
void EinsumPlanner::chooseOrders() {
  int best = 99;
  for (const std::string &m : {only(lo_, mSet_), only(la_, mSet_)})
    for (const std::string &n : {only(lo_, nSet_), only(lb_, nSet_)})
      for (const std::string &k : {only(la_, kSet_), only(lb_, kSet_)}) {
        int packs = !view(m, k, la_, sa_).ok + !view(k, n, lb_, sb_).ok + !view(m, n, lo_, sc_).ok;
        if (packs < best) {
          best = packs;
          mL_ = m;
          nL_ = n;
          kL_ = k;
        }
      }
}

void EinsumPlanner::pushOperand(int64_t mode, const ViewPlan &v, const std::string &letters,
                                const std::vector<int64_t> &strides, int64_t rows, int64_t cols) {
  int64_t canon = rows * cols;
  for (int i = (int)bat_.size() - 1; i >= 0; --i) {
    d_.push_back(mode == 2 ? canon : strideIn(letters, strides, bat_[i]));
    canon *= size_[bat_[i]];
  }
  // The strides were pushed innermost first; put them in batch-letter order.
  std::reverse(d_.end() - (int64_t)bat_.size(), d_.end());
  d_.push_back(mode == 2 ? cols : v.rs);
  d_.push_back(mode == 2 ? 1 : v.cs);
}

void EinsumPlanner::pushLayout(const std::string &letters, const std::vector<int64_t> &strides,
                               const std::string &order, int64_t canonRank) {
  d_.push_back((int64_t)order.size());
  if (canonRank >= 0) d_.push_back(canonRank);
  for (char c : order)
    d_.push_back(size_[c]);
  for (char c : order)
    d_.push_back(strides[letters.find(c)]);
}

// A sparse plan: S's letters with their strides in S, the other operand D and C; D's
// letters that S lacks must all be in C (else D would need a sum of its own first).
void EinsumPlanner::pushSparse(const std::string &ls, const std::vector<int64_t> &ss,
                               const std::string &ld, const std::vector<int64_t> &sd,
                               const std::string &dSum) {
  if (!isFloat(op_.type().dtype) || !dSum.empty()) {
    d_.push_back(0);
    return;
  }
  d_.push_back(1);
  d_.push_back((int64_t)ls.size());
  for (size_t i = 0; i < ls.size(); ++i) {
    d_.push_back(size_[ls[i]]);
    d_.push_back(ss[i]);
    d_.push_back(strideIn(ld, sd, ls[i]));
    d_.push_back(strideIn(lo_, sc_, ls[i]));
  }
  std::string free;
  for (char c : lo_)
    if (has(ld, c) && !has(ls, c)) free += c;
  d_.push_back((int64_t)free.size());
  for (char c : free) {
    d_.push_back(size_[c]);
    d_.push_back(strideIn(ld, sd, c));
    d_.push_back(strideIn(lo_, sc_, c));
  }
  d_.push_back(!ls.empty() && has(lo_, ls[0]) ? 1 : 0);
}

std::vector<int64_t> EinsumPlanner::build(int64_t *scratchBytes) {
  chooseOrders();
  const TensorType &tc = op_.type();
  bool native = tc.dtype == DType::F32; // bf16 operands are converted while packing
  int64_t nB = prod(bat_), nM = prod(mL_), nN = prod(nL_), nK = prod(kL_);
  ViewPlan va = view(mL_, kL_, la_, sa_), vb = view(kL_, nL_, lb_, sb_),
           vc = view(mL_, nL_, lo_, sc_);
  int64_t aMode = native && sumA_.empty() && va.ok ? 0 : 2;
  int64_t bMode = native && sumB_.empty() && vb.ok ? 0 : 2;
  int64_t cMode = native && vc.ok ? 0 : 2;
  int64_t aBytes = aMode == 2 ? alignBuffer(nB * nM * nK * 4) : 0;
  int64_t bBytes = bMode == 2 ? alignBuffer(nB * nK * nN * 4) : 0;
  int64_t cBytes = cMode == 2 ? alignBuffer(nB * nM * nN * 4) : 0;
  *scratchBytes = aBytes + bBytes + cBytes;
  d_ = {(int64_t)tc.dtype,   nB, nM, nN, nK, aMode, bMode, cMode, 0, aBytes, aBytes + bBytes,
        (int64_t)bat_.size()};
  for (char c : bat_)
    d_.push_back(size_[c]);
  pushOperand(aMode, va, la_, sa_, nM, nK);
  pushOperand(bMode, vb, lb_, sb_, nK, nN);
  pushOperand(cMode, vc, lo_, sc_, nM, nN);
  pushLayout(la_, sa_, bat_ + mL_ + kL_ + sumA_, (int64_t)(bat_.size() + mL_.size() + kL_.size()));
  pushLayout(lb_, sb_, bat_ + kL_ + nL_ + sumB_, (int64_t)(bat_.size() + kL_.size() + nL_.size()));
  pushLayout(lo_, sc_, bat_ + mL_ + nL_, -1);
  pushSparse(la_, sa_, lb_, sb_, sumB_);
  pushSparse(lb_, sb_, la_, sa_, sumA_);
  return d_;
}

} // namespace

std::vector<int64_t> einsumDescriptor(const Op &op, const LoweringPlan &plan,
                                      int64_t *scratchBytes) {
  return EinsumPlanner(op, plan).build(scratchBytes);
}

} // namespace partita
