// The IR builders shared by the VJP rules of ir/ops/*.cpp (declared in ir/Vjp.h).
#include "ir/Vjp.h"

#include <algorithm>

namespace partita::vjp {

Value *cst(Builder &b, const TensorType &t, double v) {
  return b.create(Opcode::Constant, {}, {{"value", Attr::ofFloat(v)}}, t, "grad.c");
}
Value *zeros(Builder &b, const TensorType &t) { return cst(b, t, 0.0); }
Value *un(Builder &b, Opcode c, Value *x) { return b.create(c, {x}, {}, x->type, "grad"); }
Value *bin(Builder &b, Opcode c, Value *x, Value *y) {
  return b.create(c, {x, y}, {}, x->type, "grad");
}
Value *mul(Builder &b, Value *x, Value *y) { return bin(b, Opcode::Mul, x, y); }
Value *mulc(Builder &b, Value *x, double v) { return mul(b, x, cst(b, x->type, v)); }
Value *cmp(Builder &b, Value *x, Value *y, const char *dir) {
  return b.create(Opcode::Compare, {x, y}, {{"direction", Attr::ofString(dir)}},
                  TensorType(DType::I1, x->type.shape), "grad.p");
}
Value *sel(Builder &b, Value *p, Value *x, Value *y) {
  return b.create(Opcode::Select, {p, x, y}, {}, x->type, "grad");
}
Value *reshape(Builder &b, Value *x, TensorType t) {
  if (x->type == t) return x;
  return b.create(Opcode::Reshape, {x}, {}, t, "grad");
}
Value *transpose(Builder &b, Value *x, const std::vector<int64_t> &perm) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity &= perm[i] == (int64_t)i;
  if (identity) return x;
  TensorType t = x->type;
  for (size_t i = 0; i < perm.size(); ++i)
    t.shape[i] = x->type.shape[perm[i]];
  return b.create(Opcode::Transpose, {x}, {{"perm", Attr::ofInts(perm)}}, t, "grad");
}
Value *broadcast(Builder &b, Value *x, const TensorType &t, const std::vector<int64_t> &dims) {
  if (x->type == t) return x;
  return b.create(Opcode::BroadcastInDim, {x}, {{"dims", Attr::ofInts(dims)}}, t, "grad");
}
Value *slice(Builder &b, Value *x, std::vector<int64_t> start, std::vector<int64_t> limit) {
  TensorType t = x->type;
  bool whole = true;
  for (size_t d = 0; d < start.size(); ++d) {
    t.shape[d] = limit[d] - start[d];
    whole &= start[d] == 0 && limit[d] == x->type.shape[d];
  }
  if (whole) return x;
  return b.create(Opcode::Slice, {x},
                  {{"start", Attr::ofInts(start)}, {"limit", Attr::ofInts(limit)}}, t, "grad");
}
Value *pad(Builder &b, Value *x, std::vector<int64_t> low, std::vector<int64_t> high) {
  TensorType t = x->type;
  bool none = true;
  for (size_t d = 0; d < low.size(); ++d) {
    t.shape[d] += low[d] + high[d];
    none &= low[d] == 0 && high[d] == 0;
  }
  if (none) return x;
  return b.create(
      Opcode::Pad, {x},
      {{"low", Attr::ofInts(low)}, {"high", Attr::ofInts(high)}, {"value", Attr::ofFloat(0.0)}}, t,
      "grad");
}
Value *sumOver(Builder &b, Value *x, const std::vector<int64_t> &dims) {
  if (dims.empty()) return x;
  TensorType t = x->type;
  t.shape.clear();
  for (int64_t d = 0; d < x->type.rank(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) t.shape.push_back(x->type.shape[d]);
  return b.create(Opcode::ReduceSum, {x}, {{"dims", Attr::ofInts(dims)}}, t, "grad");
}

Value *x0(VjpContext &c) { return c.op.operands[0]; }
Value *x1(VjpContext &c) { return c.op.operands[1]; }
Value *y(VjpContext &c) { return c.op.result; }

} // namespace partita::vjp
