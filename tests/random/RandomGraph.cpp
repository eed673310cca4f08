// Random program generator: a pool of values grows by ops drawn from every partitionable
// kind, with operands made to fit (new arguments where a shape is needed).
#include "RandomGraph.h"

#include "ir/Verifier.h"

#include <algorithm>
#include <random>
#include <set>

namespace partita {

namespace {

struct Gen {
  std::mt19937_64 rng;
  Module &m;
  Func &f;
  Builder b;
  std::vector<Value *> pool;
  int args = 0;

  Gen(uint64_t seed, Module &mod, Func &fn) : rng(seed), m(mod), f(fn), b(fn) {}

  int64_t uni(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
  bool coin(double p = 0.5) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  template <class T> const T &pick(const std::vector<T> &v) {
    return v[uni(0, (int64_t)v.size() - 1)];
  }

  const Mesh &mesh() const { return m.meshes[0]; }

  std::vector<int64_t> randomShape(int rank) {
    std::vector<int64_t> s;
    for (int i = 0; i < rank; ++i)
      s.push_back(pick(std::vector<int64_t>{1, 2, 3, 4, 4, 5, 6, 7, 8}));
    return s;
  }

  Sharding randomSharding(const TensorType &t) {
    Sharding s = Sharding::replicatedOf(mesh().name, t.rank());
    std::vector<std::string> axes;
    for (const auto &a : mesh().axes)
      axes.push_back(a.name);
    std::shuffle(axes.begin(), axes.end(), rng);
    for (const auto &a : axes) {
      if (coin(0.35) || t.rank() == 0) continue;
      int d = (int)uni(0, t.rank() - 1);
      if (t.shape[d] < 2) continue;
      s.dims[d].push_back(a);
    }
    return s;
  }

  Value *newArg(TensorType t, int64_t bound = 0) {
    Value *a = f.addArg("a" + std::to_string(args++), t);
    if (bound > 0) f.argAttrs.back()["bound"] = Attr::ofInt(bound);
    if (coin(0.7)) a->sharding = randomSharding(t);
    return a;
  }

  // Often puts a sharding_constraint splitting dimension d of x (so that ops changing that
  // dimension's extent see it split).
  Value *splitAlong(Value *x, int d) {
    if (x->type.shape[d] < 2 || !coin(0.6)) return x;
    Sharding s = randomSharding(x->type);
    const auto &axes = mesh().axes;
    std::string a = axes[uni(0, (int64_t)axes.size() - 1)].name;
    for (auto &dim : s.dims)
      dim.erase(std::remove(dim.begin(), dim.end(), a), dim.end());
    s.dims[d].push_back(a);
    Value *c = b.create(Opcode::ShardingConstraint, {x}, {}, x->type);
    c->sharding = s;
    return c;
  }

  Value *floatValue() {
    std::vector<Value *> fl;
    for (Value *v : pool)
      if (v->type.dtype == DType::F32) fl.push_back(v);
    if (fl.empty() || coin(0.15)) {
      Value *a = newArg(TensorType(DType::F32, randomShape((int)uni(1, 3))));
      pool.push_back(a);
      return a;
    }
    return pick(fl);
  }

  void step() {
    Value *x = floatValue();
    const TensorType &t = x->type;
    int r = t.rank();
    Value *out = nullptr;
    switch (uni(0, 16)) {
    case 0:
      out = b.build(pick(std::vector<Opcode>{Opcode::Neg, Opcode::Tanh, Opcode::Logistic,
                                             Opcode::Abs, Opcode::Gelu}),
                    {x});
      break;
    case 1: {
      Value *y = coin(0.5) ? newArg(t) : x;
      for (Value *v : pool)
        if (v != x && v->type == t && coin(0.5)) y = v;
      out = b.build(pick(std::vector<Opcode>{Opcode::Add, Opcode::Sub, Opcode::Mul, Opcode::Max,
                                             Opcode::Min}),
                    {x, y});
      break;
    }
    case 2:
    case 3: { // einsum with a fresh weight sharing some letters
      std::string la, lb, lo;
      std::vector<int64_t> bshape;
      char next = 'a';
      for (int d = 0; d < r; ++d)
        la += next++;
      std::string kept;
      for (int d = 0; d < r; ++d) {
        char c = la[d];
        bool inB = coin(0.6), inOut = !inB || coin(0.5);
        if (inB) {
          lb += c;
          bshape.push_back(t.shape[d]);
        }
        if (inOut) lo += c;
      }
      int extra = (int)uni(0, 1);
      for (int i = 0; i < extra; ++i) {
        char c = next++;
        lb += c;
        bshape.push_back(randomShape(1)[0]);
        lo += c;
      }
      if (lb.empty()) {
        lb = "z";
        bshape = {3};
        lo += 'z';
      }
      std::shuffle(lo.begin(), lo.end(), rng);
      Value *w = newArg(TensorType(DType::F32, bshape));
      out = b.build(Opcode::Einsum, {x, w}, {{"spec", Attr::ofString(la + "," + lb + "->" + lo)}});
      break;
    }
    case 4: {
      if (r == 0) return;
      std::vector<int64_t> dims;
      for (int d = 0; d < r; ++d)
        if (coin(0.4)) dims.push_back(d);
      if (dims.empty()) dims.push_back(uni(0, r - 1));
      out = b.build(
          pick(std::vector<Opcode>{Opcode::ReduceSum, Opcode::ReduceMax, Opcode::ReduceMin}), {x},
          {{"dims", Attr::ofInts(dims)}});
      break;
    }
    case 5: {
      std::vector<int64_t> perm(r);
      for (int i = 0; i < r; ++i)
        perm[i] = i;
      std::shuffle(perm.begin(), perm.end(), rng);
      out = b.build(Opcode::Transpose, {x}, {{"perm", Attr::ofInts(perm)}});
      break;
    }
    case 6: { // reshape: merge two adjacent dims or split one
      std::vector<int64_t> s = t.shape;
      if (r >= 2 && coin(0.5)) {
        int d = (int)uni(0, r - 2);
        s[d] *= s[d + 1];
        s.erase(s.begin() + d + 1);
      } else if (r >= 1) {
        int d = (int)uni(0, r - 1);
        int64_t k = s[d] % 2 == 0 ? 2 : s[d] % 3 == 0 ? 3 : 1;
        s[d] /= k;
        s.insert(s.begin() + d + 1, k);
      }
      out = b.create(Opcode::Reshape, {x}, {}, TensorType(DType::F32, s));
      break;
    }
    case 7: { // broadcast a new dimension in
      if (r >= 3) return;
      int at = (int)uni(0, r);
      std::vector<int64_t> s = t.shape, dims;
      s.insert(s.begin() + at, uni(2, 5));
      for (int d = 0; d < r; ++d)
        dims.push_back(d < at ? d : d + 1);
      out = b.create(Opcode::BroadcastInDim, {x}, {{"dims", Attr::ofInts(dims)}},
                     TensorType(DType::F32, s));
      break;
    }
    case 8: {
      if (r == 0) return;
      AttrDict a{{"dim", Attr::ofInt(uni(0, r - 1))}};
      if (coin(0.3)) a["exclusive"] = Attr::ofBool(true);
      if (coin(0.3)) a["reverse"] = Attr::ofBool(true);
      out = b.build(Opcode::Cumsum, {x}, a);
      break;
    }
    case 9: { // argmax then one_hot back to floats
      if (r == 0) return;
      int64_t d = uni(0, r - 1);
      Value *idx = b.build(Opcode::Argmax, {x}, {{"dim", Attr::ofInt(d)}});
      AttrDict a{{"depth", Attr::ofInt(t.shape[d])}, {"axis", Attr::ofInt(d)}};
      TensorType ot = t;
      out = b.create(Opcode::OneHot, {idx}, a, ot);
      break;
    }
    case 10: { // take rows of a table
      int64_t rows = uni(3, 9), width = uni(1, 5);
      Value *table = newArg(TensorType(DType::F32, {rows, width}));
      Value *ids = newArg(TensorType(DType::I32, randomShape((int)uni(1, 2))), rows + 2);
      out = b.build(Opcode::Take, {table, ids}, {{"axis", Attr::ofInt(0)}});
      break;
    }
    case 11: { // scatter_add into a fresh base
      if (r == 0) return;
      int64_t rows = uni(2, 8);
      std::vector<int64_t> bs = t.shape;
      bs[0] = rows;
      Value *base = newArg(TensorType(DType::F32, bs));
      std::vector<int64_t> is{t.shape[0]};
      Value *ids = newArg(TensorType(DType::I32, is), rows + 1);
      out = b.build(Opcode::ScatterAdd, {base, ids, x}, {{"axis", Attr::ofInt(0)}});
      break;
    }
    case 12: {
      Sharding s = randomSharding(t);
      out = b.create(Opcode::ShardingConstraint, {x}, {}, t);
      out->sharding = s;
      break;
    }
    case 13: { // slice (maybe strided) or pad, on one or two dims, often split there
      if (r == 0) return;
      int d = (int)uni(0, r - 1);
      x = splitAlong(x, d);
      std::vector<int64_t> lo(r, 0), hi = t.shape, st(r, 1);
      bool slice = coin(0.5) && t.shape[d] > 1;
      int dims = r > 1 && coin(0.3) ? 2 : 1;
      for (int k = 0; k < dims; ++k, d = (d + 1) % r) {
        if (slice) {
          lo[d] = uni(0, t.shape[d] - 1);
          hi[d] = uni(lo[d] + 1, t.shape[d]);
          if (coin(0.3)) st[d] = uni(1, 3);
        } else {
          lo[d] = uni(0, 3);
          hi[d] = uni(0, 3);
        }
      }
      if (slice) {
        AttrDict a{{"start", Attr::ofInts(lo)}, {"limit", Attr::ofInts(hi)}};
        if (st != std::vector<int64_t>(r, 1)) a["stride"] = Attr::ofInts(st);
        out = b.build(Opcode::Slice, {x}, a);
      } else {
        out = b.build(
            Opcode::Pad, {x},
            {{"low", Attr::ofInts(lo)}, {"high", Attr::ofInts(hi)}, {"value", Attr::ofFloat(0.5)}});
      }
      break;
    }
    case 14: { // concatenate two or three operands, often split along the concatenated dim
      if (r == 0) return;
      int d = (int)uni(0, r - 1);
      std::vector<Value *> xs{splitAlong(x, d)};
      int more = (int)uni(1, 2);
      for (int i = 0; i < more; ++i) {
        std::vector<int64_t> s = t.shape;
        s[d] = uni(1, 6);
        Value *y = newArg(TensorType(DType::F32, s));
        xs.insert(coin(0.5) ? xs.begin() : xs.end(), y);
      }
      out = b.build(Opcode::Concatenate, xs, {{"dim", Attr::ofInt(d)}});
      break;
    }
    case 16: { // shift by k along a split dim (a halo exchange), as convolutions and
               // relative positions do: slice off k cells at one end, pad k at the other
      if (r == 0) return;
      int d = (int)uni(0, r - 1);
      if (t.shape[d] < 2) return;
      x = splitAlong(x, d);
      int64_t k = uni(1, std::min<int64_t>(3, t.shape[d] - 1));
      std::vector<int64_t> lo(r, 0), hi = t.shape, pl(r, 0), ph(r, 0);
      if (coin(0.5)) {
        lo[d] = k;
        ph[d] = k;
      } else {
        hi[d] -= k;
        pl[d] = k;
      }
      Value *s =
          b.build(Opcode::Slice, {x}, {{"start", Attr::ofInts(lo)}, {"limit", Attr::ofInts(hi)}});
      out = b.build(
          Opcode::Pad, {s},
          {{"low", Attr::ofInts(pl)}, {"high", Attr::ofInts(ph)}, {"value", Attr::ofFloat(0)}});
      if (coin(0.5)) out = b.build(Opcode::Add, {out, x});
      break;
    }
    case 15: { // iota-based position mixing
      if (r == 0) return;
      Value *io = b.create(Opcode::Iota, {}, {{"dim", Attr::ofInt(uni(0, r - 1))}}, t);
      out = b.build(Opcode::Add, {x, io});
      break;
    }
    }
    if (out) {
      if (out->def && coin(0.1) && out->def->opcode != Opcode::ShardingConstraint)
        out->sharding = randomSharding(out->type);
      pool.push_back(out);
    }
  }
};

} // namespace

std::unique_ptr<Module> randomModule(uint64_t seed) {
  auto m = std::make_unique<Module>();
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 1);
  Mesh mesh;
  mesh.name = "mesh";
  static const std::vector<std::vector<int64_t>> shapes = {
      {2}, {3}, {4}, {2, 2}, {2, 3}, {3, 2}, {2, 2, 2}, {4, 2}, {1, 2}};
  auto sizes = shapes[rng() % shapes.size()];
  static const char *names[] = {"x", "y", "z"};
  for (size_t i = 0; i < sizes.size(); ++i)
    mesh.axes.push_back({names[i], sizes[i]});
  m->meshes.push_back(mesh);
  auto f = std::make_unique<Func>();
  f->name = "main";
  Func &fn = *f;
  m->funcs.push_back(std::move(f));
  Gen g(rng(), *m, fn);
  int steps = (int)g.uni(1, 10);
  for (int i = 0; i < steps; ++i)
    g.step();
  if (fn.ops.empty()) g.pool.push_back(g.b.build(Opcode::Neg, {g.floatValue()}));
  // Return the last value and sometimes another one, some with a result sharding.
  std::vector<Value *> rets{fn.ops.back()->result};
  if (fn.ops.size() > 2 && g.coin(0.3)) rets.push_back(fn.ops[fn.ops.size() / 2]->result);
  for (Value *v : rets) {
    fn.returns.push_back(v);
    FuncResult r;
    r.type = v->type;
    if (g.coin(0.5)) r.sharding = g.randomSharding(v->type);
    fn.results.push_back(r);
  }
  return m;
}

} // namespace partita
