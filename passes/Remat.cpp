// Rematerialization (the `remat` pass, `partita-glam --remat=layer`): the backward pass of
// a differentiated program recomputes each layer's forward values from the layer's inputs
// instead of keeping them alive from the forward pass. docs/training.md, "Rematerialization".
//
// It acts on functions carrying the attribute `remat = "<prefix>"`. A *segment* is the set
// of forward ops whose result name begins with `<prefix><digits>.` (partita-glam names every
// value of layer N `layer<N>.…`, and the partitioner keeps the names of the values it
// splits or reshards). The *backward* ops are those named `grad…` (autodiff names every op
// its derivative rules emit so) and everything computed from them. For every backward op
// that reads a value of a segment, the pass clones the segment ops that value needs (within
// the same segment; values of other segments and of no segment are read as stored) and
// redirects the backward op to the clone. Each clone is placed right before its first
// consumer, so recomputed values live only while the backward of their layer runs, and the
// stored forward values die at their last forward use.
//
// It runs at the end of the partition pipeline, after `cse`: CSE would merge a clone with
// the op it copies (same opcode, operands and attributes) and undo the pass. Clones are
// named `remat.<name>`, which no segment matches, so running the pass again changes nothing.
// Operand-free tensors (splats, iotas) that several ops share get a copy per consumer.
#include "ir/OpInfo.h"
#include "passes/Passes.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <unordered_map>
#include <unordered_set>

namespace partita {

namespace {

// "layer12." for "layer12.attn.q" and prefix "layer"; "" when the name is in no segment.
std::string segmentOf(const std::string &name, const std::string &prefix) {
  if (name.compare(0, prefix.size(), prefix) != 0) return "";
  size_t i = prefix.size();
  while (i < name.size() && std::isdigit((unsigned char)name[i]))
    ++i;
  if (i == prefix.size() || i >= name.size() || name[i] != '.') return "";
  return name.substr(0, i + 1);
}

bool validPrefix(const std::string &p) {
  if (p.empty()) return false;
  for (char c : p)
    if (!std::isalnum((unsigned char)c) && c != '_' && c != '.') return false;
  return !std::isdigit((unsigned char)p.back());
}

class RematPass : public Pass {
public:
  std::string name() const override { return "remat"; }

  PassResult run(Module &m, Diagnostics &diags) override {
    PassResult r;
    for (auto &f : m.funcs) {
      auto it = f->attrs.find("remat");
      if (it == f->attrs.end()) continue;
      const Attr &a = it->second;
      if (a.kind != Attr::Kind::String || !validPrefix(a.s)) {
        diags.error(a.loc.known() ? a.loc : f->loc,
                    "remat: attribute `remat` of @" + f->name +
                        " must be a string naming the segment prefix (e.g. \"layer\", for "
                        "values named layer<N>.*)");
        r.ok = false;
        return r;
      }
      if (rematerialize(*f, a.s)) r.changed = true;
      if (splitConstants(*f)) r.changed = true;
    }
    if (r.changed) {
      // Forward values that only the backward read (reshards the partitioner placed there)
      // are now dead.
      Diagnostics none;
      createDcePass()->run(m, none);
    }
    return r;
  }

private:
  static bool rematerialize(Func &f, const std::string &prefix) {
    size_t n = f.ops.size();
    std::unordered_map<const Op *, size_t> pos;
    for (size_t i = 0; i < n; ++i)
      pos[f.ops[i].get()] = i;

    // Backward ops: named grad* or reading a backward value. Segment ops: the others whose
    // name matches the prefix.
    std::vector<bool> backward(n, false);
    std::vector<std::string> segment(n);
    std::unordered_set<const Value *> tainted;
    for (size_t i = 0; i < n; ++i) {
      const Op &op = *f.ops[i];
      bool t = op.result->name.rfind("grad", 0) == 0;
      for (const Value *o : op.operands)
        t = t || tainted.count(o);
      if (t) {
        backward[i] = true;
        tainted.insert(op.result);
      } else {
        segment[i] = segmentOf(op.result->name, prefix);
      }
    }

    // anchor[i]: position of the first consumer of op i's clone (kNone: not recomputed). A
    // reverse sweep sees every consumer before its producer, so each anchor is final when
    // its op is reached.
    constexpr size_t kNone = std::numeric_limits<size_t>::max();
    std::vector<size_t> anchor(n, kNone);
    auto segOp = [&](const Value *v) -> const Op * {
      return v->def && !segment[pos[v->def]].empty() ? v->def : nullptr;
    };
    for (size_t i = n; i-- > 0;) {
      const Op &op = *f.ops[i];
      if (backward[i]) {
        for (const Value *o : op.operands)
          if (const Op *d = segOp(o)) anchor[pos[d]] = std::min(anchor[pos[d]], i);
      } else if (anchor[i] != kNone) {
        for (const Value *o : op.operands)
          if (const Op *d = segOp(o); d && segment[pos[d]] == segment[i])
            anchor[pos[d]] = std::min(anchor[pos[d]], anchor[i]);
      }
    }
    std::vector<std::vector<size_t>> before(n); // clones to emit before op j, forward order
    bool any = false;
    for (size_t i = 0; i < n; ++i)
      if (anchor[i] != kNone) {
        before[anchor[i]].push_back(i);
        any = true;
      }
    if (!any) return false;

    std::unordered_map<const Value *, Value *> clone;
    auto mapped = [&](Value *v) {
      auto c = clone.find(v);
      return c == clone.end() ? v : c->second;
    };
    std::vector<const Op *> opAt(n); // f.ops[i] is moved out before its clones are made
    for (size_t i = 0; i < n; ++i)
      opAt[i] = f.ops[i].get();
    std::vector<std::unique_ptr<Op>> out;
    out.reserve(n + n / 2);
    Builder b(f, out);
    for (size_t j = 0; j < n; ++j) {
      for (size_t i : before[j]) {
        const Op &o = *opAt[i];
        std::vector<Value *> in;
        for (Value *v : o.operands)
          in.push_back(mapped(v));
        b.setLoc(o.loc);
        Value *c = b.create(o.opcode, in, o.attrs, o.type(), "remat." + o.result->name);
        c->sharding = o.result->sharding;
        clone[o.result] = c;
      }
      std::unique_ptr<Op> &op = f.ops[j];
      if (backward[j])
        for (Value *&v : op->operands)
          v = mapped(v);
      out.push_back(std::move(op));
    }
    f.ops = std::move(out);
    return true;
  }

  // Operand-free tensors (constant splats, iotas) cost nothing to recompute, but cse makes
  // every layer share one, which then lives from the first layer that uses it to the last
  // (the `1.0` of each derivative rule, as large as an activation). Every consumer but the
  // first gets its own copy, made right before it.
  static bool splitConstants(Func &f) {
    std::unordered_set<const Value *> seen;
    std::vector<std::unique_ptr<Op>> out;
    out.reserve(f.ops.size());
    Builder b(f, out);
    bool changed = false;
    for (auto &op : f.ops) {
      std::unordered_map<const Value *, Value *> copy; // one per value and consumer
      for (Value *&v : op->operands) {
        const Op *d = v->def;
        if (!d || !d->operands.empty() || v->type.rank() == 0 ||
            opInfo(d->opcode).is(opflag::PerDevice))
          continue;
        if (seen.insert(v).second) continue; // the first consumer keeps the original
        auto it = copy.find(v);
        if (it == copy.end()) {
          b.setLoc(d->loc);
          Value *c = b.create(d->opcode, {}, d->attrs, v->type, "remat." + v->name);
          c->sharding = v->sharding;
          it = copy.emplace(v, c).first;
          changed = true;
        }
        v = it->second;
      }
      out.push_back(std::move(op));
    }
    f.ops = std::move(out);
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createRematPass() { return std::make_unique<RematPass>(); }

} // namespace partita
