// merge-collectives: fuses a collective into the one that consumes it when together they
// are one collective over the union of their axes:
//   all_reduce(all_reduce(x, A), B) with the same reduction → all_reduce(x, A ++ B)
//   all_gather(all_gather(x, A, d), B, d)                   → all_gather(x, B ++ A, d)
// (gathering the minor axes A first and then B is one gather over B major, A minor.)
//   dynamic_slice(all_reduce(x, A), this device's chunk of dim d among A) → reduce_scatter(x, A, d)
// also through unary elementwise ops between the two (convert), which then act on the shard
// (a partial sum reduced to replicated and then split, e.g. the gradient of a weight stored
// split over "data" and used gathered: each device receives only its shard.)
// The inner op must have no other use. Fewer, larger messages are cheaper on every network.
#include "passes/Partitioning.h"

#include "ir/OpAttrs.h"

#include <map>
#include <optional>
#include <set>

namespace partita {

namespace {

// The value of an integer scalar constant; nullopt for anything else.
std::optional<int64_t> scalarInt(const Value *v) {
  const Op *d = v->def;
  if (!d || d->opcode != Opcode::Constant || v->type.rank() != 0) return std::nullopt;
  const Attr &a = ConstantOp(*d).value();
  if (a.kind != Attr::Kind::Int) return std::nullopt;
  return a.i;
}

// The axes whose group index `v` computes the way SpmdContext::groupIndex builds it
// (axis_index(a), or add(mul(index of the major axes, size(a)), axis_index(a))); nullopt
// for any other value.
std::optional<std::vector<std::string>> groupIndexAxes(const Value *v, const Mesh &mesh) {
  const Op *d = v->def;
  if (!d) return std::nullopt;
  if (d->opcode == Opcode::AxisIndex) return std::vector<std::string>{AxisIndexOp(*d).axis()};
  if (d->opcode != Opcode::Add) return std::nullopt;
  const Op *mul = d->operands[0]->def, *ai = d->operands[1]->def;
  if (!mul || !ai || mul->opcode != Opcode::Mul || ai->opcode != Opcode::AxisIndex)
    return std::nullopt;
  std::string a = AxisIndexOp(*ai).axis();
  auto major = groupIndexAxes(mul->operands[0], mesh);
  if (!major || scalarInt(mul->operands[1]) != std::optional<int64_t>(mesh.axisSize(a)))
    return std::nullopt;
  major->push_back(a);
  return major;
}

// Whether `v` is the offset of this device's chunk of `chunk` elements in the group of
// `axes` (SpmdContext::shardOffset).
bool isShardOffset(const Value *v, const std::vector<std::string> &axes, int64_t chunk,
                   const Mesh &mesh) {
  if (chunk != 1) {
    const Op *d = v->def;
    if (!d || d->opcode != Opcode::Mul || scalarInt(d->operands[1]) != std::optional(chunk))
      return false;
    v = d->operands[0];
  }
  return groupIndexAxes(v, mesh) == std::optional(axes);
}

// The dimension a dynamic_slice of an all_reduce over `axes` cuts into this device's chunk
// of that group, all other offsets zero and sizes whole; -1 when it is no such slice.
int shardSliceDim(const Op &ds, const std::vector<std::string> &axes, const Mesh &mesh) {
  const TensorType &in = ds.operands[0]->type, &out = ds.type();
  int dim = -1;
  for (int k = 0; k < in.rank(); ++k) {
    const Value *off = ds.operands[1 + k];
    if (out.shape[k] == in.shape[k]) {
      if (scalarInt(off) != std::optional<int64_t>(0)) return -1;
      continue;
    }
    if (dim >= 0 || out.shape[k] * mesh.groupSize(axes) != in.shape[k] ||
        !isShardOffset(off, axes, out.shape[k], mesh))
      return -1;
    dim = k;
  }
  return dim;
}

class MergeCollectivesPass : public Pass {
public:
  std::string name() const override { return "merge-collectives"; }
  PassResult run(Module &m, Diagnostics &) override {
    PassResult r;
    for (auto &f : m.funcs) {
      std::map<const Value *, int> uses;
      for (const auto &op : f->ops)
        for (const Value *v : op->operands)
          ++uses[v];
      for (const Value *v : f->returns)
        ++uses[v];
      std::set<const Op *> dead;
      std::map<const Value *, Value *> replaced;
      const Mesh *mesh = nullptr;
      if (auto name = f->partitionedMesh())
        for (const Mesh &mm : m.meshes)
          if (mm.name == *name) mesh = &mm;
      for (auto &op : f->ops) {
        if (mesh && op->opcode == Opcode::DynamicSlice) {
          // Through single-use unary elementwise ops (the f32 convert of a bf16 gradient):
          // slicing their input instead gives the same elements. The all_reduce becomes
          // the reduce_scatter where it stands and the unary ops shrink where they stand,
          // so the full-size sum is never materialised; the slice's users read the last
          // of them instead.
          std::vector<Op *> chain;
          Op *in = op->operands[0]->def;
          while (in && isUnaryElementwise(in->opcode) && uses[in->result] == 1) {
            chain.push_back(in);
            in = in->operands[0]->def;
          }
          if (!in || in->opcode != Opcode::AllReduce || uses[in->result] != 1) continue;
          auto axes = collectiveAxes(*in);
          int d = shardSliceDim(*op, axes, *mesh);
          if (d < 0) continue;
          in->opcode = Opcode::ReduceScatter;
          in->attrs["dim"] = Attr::ofInt(d);
          in->result->type.shape = op->type().shape;
          for (Op *u : chain)
            u->result->type.shape = op->type().shape;
          replaced[op->result] = chain.empty() ? in->result : chain.front()->result;
          dead.insert(op.get());
          r.changed = true;
          continue;
        }
        if (op->operands.size() != 1) continue;
        Op *in = op->operands[0]->def;
        if (!in || in->opcode != op->opcode || uses[in->result] != 1) continue;
        auto a = collectiveAxes(*in), b = collectiveAxes(*op);
        std::vector<std::string> axes;
        if (op->opcode == Opcode::AllReduce &&
            AllReduceOp(*in).reduction() == AllReduceOp(*op).reduction()) {
          axes = a;
          axes.insert(axes.end(), b.begin(), b.end());
        } else if (op->opcode == Opcode::AllGather &&
                   AllGatherOp(*in).dim() == AllGatherOp(*op).dim()) {
          axes = b;
          axes.insert(axes.end(), a.begin(), a.end());
        } else {
          continue;
        }
        op->operands[0] = in->operands[0];
        op->attrs["axes"] = Attr::ofStrings(axes);
        dead.insert(in);
        r.changed = true;
      }
      if (dead.empty()) continue;
      auto repl = [&](Value *&v) {
        if (auto it = replaced.find(v); it != replaced.end()) v = it->second;
      };
      for (auto &op : f->ops)
        for (Value *&v : op->operands)
          repl(v);
      for (Value *&v : f->returns)
        repl(v);
      std::vector<std::unique_ptr<Op>> kept;
      for (auto &op : f->ops)
        if (!dead.count(op.get())) kept.push_back(std::move(op));
      f->ops = std::move(kept);
      f->collectGarbage();
    }
    return r;
  }
};

} // namespace

std::unique_ptr<Pass> createMergeCollectivesPass() {
  return std::make_unique<MergeCollectivesPass>();
}

} // namespace partita
