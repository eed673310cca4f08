// The factor mapping of every partitionable op.
#include "passes/ShardingRules.h"

#include "ir/Einsum.h"

#include <algorithm>
#include <map>
#include <set>

namespace partita {

bool OpRule::inResult(int f) const {
  for (const auto &d : result)
    if (std::find(d.begin(), d.end(), f) != d.end()) return true;
  return false;
}

namespace {

// Adds a factor (size-1 dimensions get none: they can never be split).
int addFactor(OpRule &r, int64_t size, FactorKind kind) {
  r.size.push_back(size);
  r.kind.push_back(kind);
  return r.numFactors() - 1;
}

std::vector<int> one(int f) { return f < 0 ? std::vector<int>{} : std::vector<int>{f}; }

// Every dim of the result is a factor that all operands share dimension by dimension.
OpRule sameShape(const Op &op, int level) {
  OpRule r;
  r.level = level;
  for (int64_t d : op.type().shape)
    r.result.push_back(one(d > 1 ? addFactor(r, d, FactorKind::Pass) : -1));
  for (size_t i = 0; i < op.operands.size(); ++i)
    r.operand.push_back(r.result);
  return r;
}

// Reshape: factors are the common refinement of both shapes' cumulative products; dims in a
// stretch without a common refinement get blocked factors of their own.
OpRule reshapeRule(const Op &op) {
  OpRule r;
  r.level = 0;
  const auto &in = op.operands[0]->type.shape, &out = op.type().shape;
  r.operand.assign(1, std::vector<std::vector<int>>(in.size()));
  r.result.assign(out.size(), {});
  size_t i = 0, j = 0;
  while (i < in.size() || j < out.size()) {
    // Grow a segment [i, i2) x [j, j2) until both products agree.
    size_t i2 = i, j2 = j;
    int64_t pi = 1, pj = 1;
    if (i2 < in.size()) pi *= in[i2++];
    if (j2 < out.size()) pj *= out[j2++];
    while (pi != pj) {
      if (pi < pj && i2 < in.size())
        pi *= in[i2++];
      else if (pj < pi && j2 < out.size())
        pj *= out[j2++];
      else
        break;
    }
    // Boundaries inside the segment from both sides; a refinement exists when they chain
    // by divisibility.
    std::set<int64_t> bounds;
    int64_t p = 1;
    for (size_t k = i; k < i2; ++k)
      bounds.insert(p *= in[k]);
    p = 1;
    for (size_t k = j; k < j2; ++k)
      bounds.insert(p *= out[k]);
    bool chain = pi == pj;
    int64_t prev = 1;
    for (int64_t b : bounds) {
      if (b % prev != 0) chain = false;
      prev = b;
    }
    if (chain) {
      std::map<int64_t, int> factorAt; // boundary → factor ending there
      prev = 1;
      for (int64_t b : bounds) {
        if (b / prev > 1) factorAt[b] = addFactor(r, b / prev, FactorKind::Pass);
        prev = b;
      }
      auto assign = [&](const std::vector<int64_t> &shape, size_t from, size_t to,
                        std::vector<std::vector<int>> &dims) {
        int64_t lo = 1;
        for (size_t k = from; k < to; ++k) {
          int64_t hi = lo * shape[k];
          for (auto &[b, f] : factorAt)
            if (b > lo && b <= hi) dims[k].push_back(f);
          lo = hi;
        }
      };
      assign(in, i, i2, r.operand[0]);
      assign(out, j, j2, r.result);
    } else {
      for (size_t k = i; k < i2; ++k)
        if (in[k] > 1) r.operand[0][k] = {addFactor(r, in[k], FactorKind::Blocked)};
      for (size_t k = j; k < j2; ++k)
        if (out[k] > 1) r.result[k] = {addFactor(r, out[k], FactorKind::Blocked)};
    }
    i = i2;
    j = j2;
  }
  return r;
}

// Ops that change some dimensions' extent (slice, pad, concatenate): each such dimension is
// one window factor shared by the result and every operand whose extent there exceeds 1
// (the lowering moves halos between neighbours); the rest pass through. A changed dimension
// that is 1 in the result cannot be split there, so its operand dims are blocked.
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

} // namespace

std::optional<OpRule> ruleFor(const Op &op, std::string *why) {
  const auto &out = op.type().shape;
  switch (op.opcode) {
  case Opcode::ShardingConstraint:
  case Opcode::Convert:
    return sameShape(op, 0);
  case Opcode::Constant:
  case Opcode::Iota: {
    OpRule r = sameShape(op, 1);
    if (op.opcode == Opcode::Iota) {
      int64_t dim = op.getInt("dim");
      for (int f : r.result[dim])
        r.kind[f] = FactorKind::Special;
    }
    return r;
  }
  case Opcode::Transpose: {
    OpRule r;
    r.level = 0;
    auto perm = op.getInts("perm");
    const auto &in = op.operands[0]->type.shape;
    r.operand.assign(1, {});
    for (int64_t d : in)
      r.operand[0].push_back(one(d > 1 ? addFactor(r, d, FactorKind::Pass) : -1));
    for (int64_t p : perm)
      r.result.push_back(r.operand[0][p]);
    return r;
  }
  case Opcode::BroadcastInDim: {
    OpRule r = sameShape(op, 0);
    r.operand.assign(1, {});
    auto dims = op.getInts("dims");
    const auto &in = op.operands[0]->type.shape;
    for (size_t i = 0; i < in.size(); ++i)
      r.operand[0].push_back(in[i] == out[dims[i]] ? r.result[dims[i]] : std::vector<int>{});
    return r;
  }
  case Opcode::Reshape:
    return reshapeRule(op);
  case Opcode::Slice: {
    auto start = op.getInts("start"), limit = op.getInts("limit"), stride = op.getInts("stride");
    std::vector<bool> changed(out.size());
    for (size_t d = 0; d < out.size(); ++d)
      changed[d] = start[d] != 0 || limit[d] != op.operands[0]->type.shape[d] ||
                   (!stride.empty() && stride[d] != 1);
    return extentChanging(op, changed);
  }
  case Opcode::Pad: {
    auto low = op.getInts("low"), high = op.getInts("high");
    std::vector<bool> changed(out.size());
    for (size_t d = 0; d < out.size(); ++d)
      changed[d] = low[d] != 0 || high[d] != 0;
    return extentChanging(op, changed);
  }
  case Opcode::Concatenate: {
    std::vector<bool> changed(out.size(), false);
    changed[op.getInt("dim")] = true;
    return extentChanging(op, changed);
  }
  case Opcode::DynamicSlice:
  case Opcode::DynamicUpdateSlice: {
    // A dimension the slice covers whole passes through (its offset clamps to 0 on every
    // device as it does globally); a dimension with a dynamic offset stays unsplit, as
    // the offset is only known at run time. The scalar offsets have no dimensions.
    bool update = op.opcode == Opcode::DynamicUpdateSlice;
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
  case Opcode::Einsum: {
    OpRule r;
    r.level = 1;
    auto spec = EinsumSpec::parse(op.getString("spec"), nullptr);
    std::map<char, int> factor;
    auto factorOf = [&](char c, int64_t size) -> int {
      if (size <= 1) return -1;
      auto it = factor.find(c);
      if (it != factor.end()) return it->second;
      bool kept = spec->output.find(c) != std::string::npos;
      return factor[c] = addFactor(r, size, kept ? FactorKind::Pass : FactorKind::Sum);
    };
    for (size_t k = 0; k < spec->inputs.size(); ++k) {
      r.operand.emplace_back();
      for (size_t d = 0; d < spec->inputs[k].size(); ++d)
        r.operand[k].push_back(one(factorOf(spec->inputs[k][d], op.operands[k]->type.shape[d])));
    }
    for (size_t d = 0; d < spec->output.size(); ++d)
      r.result.push_back(one(factorOf(spec->output[d], out[d])));
    return r;
  }
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
  case Opcode::Argmax:
  case Opcode::Cumsum: {
    OpRule r;
    r.level = 1;
    auto dims = op.opcode == Opcode::Cumsum || op.opcode == Opcode::Argmax
                    ? std::vector<int64_t>{op.getInt("dim")}
                    : op.getInts("dims");
    FactorKind k = op.opcode == Opcode::ReduceSum   ? FactorKind::Sum
                   : op.opcode == Opcode::ReduceMax ? FactorKind::Max
                   : op.opcode == Opcode::ReduceMin ? FactorKind::Min
                                                    : FactorKind::Special;
    const auto &in = op.operands[0]->type.shape;
    r.operand.assign(1, {});
    for (size_t d = 0; d < in.size(); ++d) {
      bool reduced = std::find(dims.begin(), dims.end(), (int64_t)d) != dims.end();
      int f = in[d] > 1 ? addFactor(r, in[d], reduced ? k : FactorKind::Pass) : -1;
      r.operand[0].push_back(one(f));
      if (!reduced || op.opcode == Opcode::Cumsum) r.result.push_back(one(f));
    }
    return r;
  }
  case Opcode::OneHot: {
    OpRule r;
    r.level = 1;
    const auto &ids = op.operands[0]->type.shape;
    int64_t axis = op.getInt("axis", (int64_t)ids.size());
    r.operand.assign(1, {});
    for (int64_t d : ids)
      r.operand[0].push_back(one(d > 1 ? addFactor(r, d, FactorKind::Pass) : -1));
    r.result = r.operand[0];
    int64_t depth = op.getInt("depth");
    r.result.insert(r.result.begin() + axis,
                    one(depth > 1 ? addFactor(r, depth, FactorKind::Special) : -1));
    return r;
  }
  case Opcode::Take:
  case Opcode::ScatterAdd: {
    // take(table, ids): table's axis dim is a summed factor (each shard looks up its rows);
    // scatter_add(base, ids, updates): the ids dims are summed factors.
    OpRule r;
    r.level = 1;
    bool take = op.opcode == Opcode::Take;
    const auto &table = op.operands[0]->type.shape, &ids = op.operands[1]->type.shape;
    int64_t axis = op.getInt("axis");
    std::vector<std::vector<int>> tableDims, idDims;
    for (size_t d = 0; d < table.size(); ++d) {
      FactorKind k =
          (int64_t)d == axis ? (take ? FactorKind::Sum : FactorKind::Special) : FactorKind::Pass;
      tableDims.push_back(one(table[d] > 1 ? addFactor(r, table[d], k) : -1));
    }
    for (int64_t d : ids)
      idDims.push_back(
          one(d > 1 ? addFactor(r, d, take ? FactorKind::Pass : FactorKind::Sum) : -1));
    std::vector<std::vector<int>> gathered(tableDims.begin(), tableDims.begin() + axis);
    gathered.insert(gathered.end(), idDims.begin(), idDims.end());
    gathered.insert(gathered.end(), tableDims.begin() + axis + 1, tableDims.end());
    if (take) {
      r.operand = {tableDims, idDims};
      r.result = gathered;
    } else {
      r.operand = {tableDims, idDims, gathered};
      r.result = tableDims;
    }
    return r;
  }
  default:
    if (isElementwise(op.opcode)) return sameShape(op, 0);
    if (why)
      *why = std::string("'") + opcodeName(op.opcode) +
             "' is a per-device op; it cannot be partitioned again";
    return std::nullopt;
  }
}

bool projectToFactors(const std::vector<std::vector<std::string>> &dims,
                      const std::vector<std::vector<int>> &dimFactors, const OpRule &rule,
                      const Mesh &mesh, std::vector<std::vector<std::string>> &factorAxes) {
  factorAxes.assign(rule.numFactors(), {});
  bool ok = true;
  for (size_t d = 0; d < dims.size() && d < dimFactors.size(); ++d) {
    const auto &axes = dims[d];
    const auto &fs = dimFactors[d];
    if (axes.empty()) continue;
    if (fs.empty()) {
      ok = false; // a sharded size-1 or unmapped dimension
      continue;
    }
    if (fs.size() == 1) {
      factorAxes[fs[0]] = axes;
      continue;
    }
    // A merged dimension: axes fill factors from the major one, each exactly.
    size_t fi = 0;
    int64_t remaining = rule.size[fs[0]];
    for (const auto &a : axes) {
      int64_t n = mesh.axisSize(a);
      while (fi < fs.size() && remaining == 1) {
        if (++fi < fs.size()) remaining = rule.size[fs[fi]];
      }
      if (fi >= fs.size() || remaining % n != 0) {
        ok = false;
        break;
      }
      factorAxes[fs[fi]].push_back(a);
      remaining /= n;
    }
  }
  return ok;
}

bool factorsToDims(const std::vector<std::vector<std::string>> &factorAxes,
                   const std::vector<std::vector<int>> &dimFactors, const OpRule &rule,
                   const Mesh &mesh, std::vector<std::vector<std::string>> &dims) {
  dims.assign(dimFactors.size(), {});
  for (size_t d = 0; d < dimFactors.size(); ++d) {
    const auto &fs = dimFactors[d];
    bool minorOnly = false; // a more major factor of this dim is not fully split
    for (size_t i = 0; i < fs.size(); ++i) {
      const auto &axes = factorAxes[fs[i]];
      if (axes.empty()) {
        minorOnly = true;
        continue;
      }
      if (minorOnly) return false;
      int64_t n = mesh.groupSize(axes);
      if (fs.size() > 1 && rule.size[fs[i]] % n != 0) return false;
      if (rule.size[fs[i]] != n) minorOnly = true;
      dims[d].insert(dims[d].end(), axes.begin(), axes.end());
    }
  }
  return true;
}

} // namespace partita
