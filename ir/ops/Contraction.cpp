// The einsum record: letters shared by operands are one factor each; letters missing from
// the output are summed factors.
#include "ir/Einsum.h"
#include "ir/OpAttrs.h"
#include "ir/OpInfo.h"
#include "ir/Vjp.h"
#include "ir/ops/OpContext.h"

#include <algorithm>
#include <map>

namespace partita::ops {

namespace {

std::optional<TensorType> inferEinsum(const OpContext &c) {
  const auto &in = c.in();
  std::string specText = c.stringAttr("spec"), err;
  auto spec = EinsumSpec::parse(specText, &err);
  if (!spec) fail(err, "spec");
  if (spec->inputs.size() != in.size())
    fail("einsum spec \"" + specText + "\" has " + std::to_string(spec->inputs.size()) +
             " operand(s) but " + c.name() + " has " + std::to_string(in.size()),
         "spec");
  c.sameDTypes();
  c.needNumeric(c.x(), "operands");
  int64_t size[26];
  std::fill(size, size + 26, -1);
  int owner[26] = {};
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string &l = spec->inputs[i];
    if ((int)l.size() != in[i].rank())
      fail("einsum operand " + std::to_string(i) + " has type " + in[i].str() + " (rank " +
           std::to_string(in[i].rank()) + ") but spec \"" + specText + "\" gives it " +
           std::to_string(l.size()) + " letter(s) \"" + l + "\"");
    for (size_t k = 0; k < l.size(); ++k) {
      int ch = l[k] - 'a';
      int64_t s = in[i].shape[k];
      if (size[ch] >= 0 && size[ch] != s)
        fail("einsum letter '" + std::string(1, l[k]) + "' has size " + std::to_string(size[ch]) +
             " in operand " + std::to_string(owner[ch]) + " (" + in[owner[ch]].str() + ") but " +
             std::to_string(s) + " in operand " + std::to_string(i) + " (" + in[i].str() + ")");
      size[ch] = s;
      owner[ch] = (int)i;
    }
  }
  TensorType r(c.x().dtype, {});
  for (char ch : spec->output)
    r.shape.push_back(size[ch - 'a']);
  return r;
}

OpRule einsumRule(const Op &op) {
  OpRule r;
  r.level = 1;
  const EinsumSpec &spec = EinsumOp(op).spec();
  std::map<char, int> factor;
  auto factorOf = [&](char ch, int64_t size) -> int {
    if (size <= 1) return -1;
    auto it = factor.find(ch);
    if (it != factor.end()) return it->second;
    bool kept = spec.output.find(ch) != std::string::npos;
    return factor[ch] = rules::addFactor(r, size, kept ? FactorKind::Pass : FactorKind::Sum);
  };
  for (size_t k = 0; k < spec.inputs.size(); ++k) {
    r.operand.emplace_back();
    for (size_t d = 0; d < spec.inputs[k].size(); ++d)
      r.operand[k].push_back(
          rules::one(factorOf(spec.inputs[k][d], op.operands[k]->type.shape[d])));
  }
  for (size_t d = 0; d < spec.output.size(); ++d)
    r.result.push_back(rules::one(factorOf(spec.output[d], op.type().shape[d])));
  return r;
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

Grads vjpEinsum(VjpContext &c) {
  const EinsumSpec &spec = EinsumOp(c.op).spec();
  Grads g(2, nullptr);
  for (int k = 0; k < 2; ++k) {
    if (!c.want[k]) continue;
    const std::string &mine = spec.inputs[k], &other = spec.inputs[1 - k];
    Value *o = c.op.operands[1 - k];
    const TensorType &t = c.op.operands[k]->type;
    // Letters of this operand that the output or the other operand carries; the rest were
    // summed within this operand alone, so their cotangent is a broadcast.
    std::string reached;
    std::vector<int64_t> dims;
    TensorType rt(t.dtype, {});
    for (size_t d = 0; d < mine.size(); ++d)
      if (spec.output.find(mine[d]) != std::string::npos ||
          other.find(mine[d]) != std::string::npos) {
        reached += mine[d];
        dims.push_back((int64_t)d);
        rt.shape.push_back(t.shape[d]);
      }
    Value *e = c.b.create(Opcode::Einsum, {c.ct, o},
                          {{"spec", Attr::ofString(spec.output + "," + other + "->" + reached)}},
                          rt, "grad");
    g[k] = broadcast(c.b, e, t, dims);
  }
  return g;
}
} // namespace vjprules

} // namespace

std::vector<OpImpl> contractionOps() {
  return {{Opcode::Einsum, inferEinsum, nullptr, einsumRule, vjprules::vjpEinsum}};
}

} // namespace partita::ops
