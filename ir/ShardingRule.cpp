// OpRule printing and the rule-building helpers the op families share.
#include "ir/ShardingRule.h"

namespace partita {

namespace {

// Shardy's factor symbols: i ... z, then z_1, z_2, ...
std::string factorName(int f) {
  if (f < 18) return std::string(1, (char)('i' + f));
  return "z_" + std::to_string(f - 17);
}

std::string tensorStr(const std::vector<std::vector<int>> &dims) {
  std::string s = "[";
  for (size_t d = 0; d < dims.size(); ++d) {
    if (d) s += ',';
    if (dims[d].empty()) s += "[]";
    for (int f : dims[d])
      s += factorName(f);
  }
  return s + "]";
}

} // namespace

std::string OpRule::str() const {
  std::string s = "(";
  for (size_t k = 0; k < operand.size(); ++k) {
    if (k) s += ',';
    s += tensorStr(operand[k]);
  }
  s += ")->(";
  s += tensorStr(result);
  s += ") {";
  for (int f = 0; f < numFactors(); ++f) {
    if (f) s += ',';
    s += factorName(f);
    s += '=';
    s += std::to_string(size[f]);
  }
  s += "}";
  static const std::pair<FactorKind, const char *> kLists[] = {
      {FactorKind::Sum, "reduction"},     {FactorKind::Max, "reduction_max"},
      {FactorKind::Min, "reduction_min"}, {FactorKind::Special, "special"},
      {FactorKind::Window, "window"},     {FactorKind::Blocked, "blocked"}};
  for (const auto &[k, name] : kLists) {
    std::string list;
    for (int f = 0; f < numFactors(); ++f)
      if (kind[f] == k) {
        if (!list.empty()) list += ',';
        list += factorName(f);
      }
    if (!list.empty()) {
      s += ' ';
      s += name;
      s += "={";
      s += list;
      s += '}';
    }
  }
  return s;
}

namespace rules {

int addFactor(OpRule &r, int64_t size, FactorKind kind) {
  r.size.push_back(size);
  r.kind.push_back(kind);
  return r.numFactors() - 1;
}

std::vector<int> one(int f) { return f < 0 ? std::vector<int>{} : std::vector<int>{f}; }

OpRule sameShape(const Op &op, int level) {
  OpRule r;
  r.level = level;
  for (int64_t d : op.type().shape)
    r.result.push_back(one(d > 1 ? addFactor(r, d, FactorKind::Pass) : -1));
  for (size_t i = 0; i < op.operands.size(); ++i)
    r.operand.push_back(r.result);
  return r;
}

// Each changed dimension is one window factor shared by the result and every operand whose
// extent there exceeds 1 (the lowering moves halos between neighbours); the rest pass
// through. A changed dimension that is 1 in the result cannot be split there, so its
// operand dims are blocked.
OpRule extentChanging(const Op &op, const std::vector<bool> &changed) {
  OpRule r;
  r.level = 1;
  const auto &out = op.type().shape;
  r.result.assign(out.size(), {});
  r.operand.assign(op.operands.size(), std::vector<std::vector<int>>(out.size()));
  for (size_t d = 0; d < out.size(); ++d) {
    if (!changed[d]) {
      if (out[d] > 1) {
        int f = addFactor(r, out[d], FactorKind::Pass);
        r.result[d] = {f};
        for (auto &o : r.operand)
          o[d] = {f};
      }
      continue;
    }
    int f = out[d] > 1 ? addFactor(r, out[d], FactorKind::Window) : -1;
    r.result[d] = one(f);
    for (size_t k = 0; k < op.operands.size(); ++k) {
      int64_t s = op.operands[k]->type.shape[d];
      if (s > 1) r.operand[k][d] = {f >= 0 ? f : addFactor(r, s, FactorKind::Blocked)};
    }
  }
  return r;
}

} // namespace rules

} // namespace partita
