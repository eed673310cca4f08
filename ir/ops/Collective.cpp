// Records of the per-device ops (the collectives and axis_index: they appear only in
// partitioned programs and have no sharding rule), of `await` (the completion of an async
// collective, an identity) and of the dynamic (update) slices, which the decode programs
// also use before partitioning.
#include "ir/OpInfo.h"
#include "ir/Vjp.h"
#include "ir/ops/OpContext.h"

namespace partita::ops {

namespace {

const std::vector<std::string> kReductions = {"sum", "max", "min"};

std::optional<TensorType> inferAllReduce(const OpContext &c) {
  c.group(c.stringsAttr("axes"));
  c.needNumeric(c.x(), "an operand");
  c.oneOf("reduction", kReductions);
  return c.x();
}

std::optional<TensorType> inferCollectivePermute(const OpContext &c) {
  c.group(c.stringsAttr("axes"));
  c.intAttr("shift");
  return c.x();
}

// all_gather multiplies dimension `dim` by the group size; reduce_scatter divides it.
std::optional<TensorType> gatherOrScatter(const OpContext &c, bool gather) {
  const TensorType &x = c.x();
  if (!gather) {
    c.needNumeric(x, "an operand");
    c.oneOf("reduction", kReductions);
  }
  int64_t d = c.dimAttr("dim", x.rank(), x);
  int64_t n = c.group(c.stringsAttr("axes"));
  if (!n) return std::nullopt;
  TensorType r = x;
  if (gather) {
    r.shape[d] = checkedMul(r.shape[d], n, c.name() + " result extent");
  } else {
    if (r.shape[d] % n)
      fail(c.name() + " dimension " + std::to_string(d) + " of " + x.str() +
           " is not divisible by the group size " + std::to_string(n));
    r.shape[d] /= n;
  }
  return r;
}

std::optional<TensorType> inferAllGather(const OpContext &c) { return gatherOrScatter(c, true); }
std::optional<TensorType> inferReduceScatter(const OpContext &c) {
  return gatherOrScatter(c, false);
}

std::optional<TensorType> inferAllToAll(const OpContext &c) {
  const TensorType &x = c.x();
  int64_t s = c.dimAttr("split_dim", x.rank(), x);
  int64_t cd = c.dimAttr("concat_dim", x.rank(), x);
  int64_t n = c.group(c.stringsAttr("axes"));
  if (!n) return std::nullopt;
  TensorType r = x;
  if (r.shape[s] % n)
    fail(c.name() + " split dimension " + std::to_string(s) + " of " + x.str() +
         " is not divisible by the group size " + std::to_string(n));
  r.shape[s] /= n;
  r.shape[cd] = checkedMul(r.shape[cd], n, c.name() + " result extent");
  return r;
}

// await: the value of the async collective it completes, unchanged.
std::optional<TensorType> inferAwait(const OpContext &c) { return c.x(); }
OpRule awaitRule(const Op &op) { return rules::sameShape(op, 0); }

std::optional<TensorType> inferAxisIndex(const OpContext &c) {
  std::string a = c.stringAttr("axis");
  if (c.mesh() && c.mesh()->axisIndex(a) < 0)
    fail("attribute 'axis' of " + c.name() + " names axis \"" + a + "\", which mesh @" +
             c.mesh()->name + " does not have",
         "axis");
  if (!c.mesh() && c.verifying()) c.group({a});
  return TensorType(DType::I32, {});
}

// `fixed` leading operands, then one i32[] offset per dimension of the first.
void dynamicOperands(const OpContext &c, size_t fixed) {
  int n = (int)c.in().size();
  auto count = [](int k) { return std::to_string(k) + (k == 1 ? " operand" : " operands"); };
  if (n < (int)fixed)
    fail(c.name() + " takes at least " + count((int)fixed) + ", found " + std::to_string(n));
  if (n != (int)fixed + c.x().rank())
    fail(c.name() + " takes " + count((int)fixed) + " and one i32[] offset per dimension of " +
         c.x().str() + " (" + std::to_string(c.x().rank()) + "), found " +
         std::to_string(n - (int)fixed) + " offset(s)");
}

void offsets(const OpContext &c, size_t first) {
  for (size_t i = first; i < c.in().size(); ++i)
    if (c.in()[i] != TensorType(DType::I32, {}))
      fail("offset " + std::to_string(i - first) + " of " + c.name() + " must be i32[], found " +
           c.in()[i].str());
}

std::optional<TensorType> inferDynamicSlice(const OpContext &c) {
  dynamicOperands(c, 1);
  offsets(c, 1);
  const TensorType &x = c.x();
  auto sizes = c.intsAttr("sizes");
  c.rankList("sizes", sizes, x.rank());
  for (int k = 0; k < x.rank(); ++k)
    if (sizes[k] < 0 || sizes[k] > x.shape[k])
      fail("attribute 'sizes' of " + c.name() + " is " + shapeStr(sizes) +
               ", expected 0 <= sizes[i] <= the operand's extent " + shapeStr(x.shape),
           "sizes");
  return TensorType(x.dtype, sizes);
}

std::optional<TensorType> inferDynamicUpdateSlice(const OpContext &c) {
  dynamicOperands(c, 2);
  offsets(c, 2);
  const TensorType &x = c.x(), &u = c.in()[1];
  bool ok = u.dtype == x.dtype && u.rank() == x.rank();
  for (int k = 0; ok && k < u.rank(); ++k)
    ok = u.shape[k] <= x.shape[k];
  if (!ok)
    fail("the update of " + c.name() +
         " must have the operand's element type and rank and fit inside it: operand " + x.str() +
         ", update " + u.str());
  return x;
}

// ---- derivative (VJP) rules, docs/training.md ----
namespace vjprules {
using Grads = std::vector<Value *>;
using vjp::bin;
using vjp::broadcast;
using vjp::cmp;
using vjp::cst;
using vjp::mul;
using vjp::mulc;
using vjp::pad;
using vjp::reshape;
using vjp::sel;
using vjp::slice;
using vjp::sumOver;
using vjp::transpose;
using vjp::un;
using vjp::x0;
using vjp::x1;
using vjp::y;
using vjp::zeros;

Grads vjpDynamicSlice(VjpContext &c) {
  Value *x = x0(c);
  std::vector<Value *> ops{zeros(c.b, x->type), c.ct};
  ops.insert(ops.end(), c.op.operands.begin() + 1, c.op.operands.end());
  Grads g(c.op.operands.size(), nullptr);
  g[0] = c.b.create(Opcode::DynamicUpdateSlice, ops, {}, x->type, "grad");
  return g;
}
Grads vjpDynamicUpdateSlice(VjpContext &c) {
  Value *upd = x1(c);
  std::vector<Value *> offs(c.op.operands.begin() + 2, c.op.operands.end());
  Grads g(c.op.operands.size(), nullptr);
  if (c.want[0]) {
    std::vector<Value *> ops{c.ct, zeros(c.b, upd->type)};
    ops.insert(ops.end(), offs.begin(), offs.end());
    g[0] = c.b.create(Opcode::DynamicUpdateSlice, ops, {}, c.ct->type, "grad");
  }
  if (c.want[1]) {
    std::vector<Value *> ops{c.ct};
    ops.insert(ops.end(), offs.begin(), offs.end());
    g[1] = c.b.create(Opcode::DynamicSlice, ops, {{"sizes", Attr::ofInts(upd->type.shape)}},
                      upd->type, "grad");
  }
  return g;
}
} // namespace vjprules

// dynamic_slice / dynamic_update_slice: a dimension the slice covers whole passes through
// (its offset clamps to 0 on every device as it does globally); a dimension with a dynamic
// offset stays unsplit, as the offset is only known at run time. The scalar offsets have
// no dimensions.
OpRule dynamicSliceRule(const Op &op) {
  using rules::addFactor;
  using rules::one;
  bool update = op.opcode == Opcode::DynamicUpdateSlice;
  const auto &out = op.type().shape;
  const auto &x = op.operands[0]->type.shape;
  const auto &part = update ? op.operands[1]->type.shape : out;
  OpRule r;
  r.level = 1;
  r.result.assign(out.size(), {});
  r.operand.assign(op.operands.size(), {});
  r.operand[0].assign(x.size(), {});
  if (update) r.operand[1].assign(part.size(), {});
  std::vector<std::vector<int>> &sliced = update ? r.operand[1] : r.result;
  std::vector<std::vector<int>> &whole = update ? r.result : r.operand[0];
  for (size_t d = 0; d < x.size(); ++d) {
    if (part[d] == x[d]) {
      int f = x[d] > 1 ? addFactor(r, x[d], FactorKind::Pass) : -1;
      whole[d] = sliced[d] = r.operand[0][d] = one(f);
      if (update) r.result[d] = one(f);
      continue;
    }
    int fx = x[d] > 1 ? addFactor(r, x[d], FactorKind::Blocked) : -1;
    whole[d] = r.operand[0][d] = one(fx);
    sliced[d] = one(part[d] > 1 ? addFactor(r, part[d], FactorKind::Blocked) : -1);
  }
  return r;
}

} // namespace

std::vector<OpImpl> collectiveOps() {
  return {
      {Opcode::AllReduce, inferAllReduce, nullptr, nullptr},
      {Opcode::AllGather, inferAllGather, nullptr, nullptr},
      {Opcode::ReduceScatter, inferReduceScatter, nullptr, nullptr},
      {Opcode::AllToAll, inferAllToAll, nullptr, nullptr},
      {Opcode::CollectivePermute, inferCollectivePermute, nullptr, nullptr},
      {Opcode::Await, inferAwait, nullptr, awaitRule, nullptr},
      {Opcode::AxisIndex, inferAxisIndex, nullptr, nullptr},
      {Opcode::DynamicSlice, inferDynamicSlice, nullptr, dynamicSliceRule,
       vjprules::vjpDynamicSlice},
      {Opcode::DynamicUpdateSlice, inferDynamicUpdateSlice, nullptr, dynamicSliceRule,
       vjprules::vjpDynamicUpdateSlice},
  };
}

} // namespace partita::ops
