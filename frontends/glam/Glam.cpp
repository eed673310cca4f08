// Builds GLaM in Partita IR with the ops of spec section 3 only: pre-RMSNorm decoder layers
// with causal attention and a T5 relative position bias, dense GLU-GELU and GShard top-2 MoE
// feed-forwards, a tied embedding and softmax cross-entropy. Nothing large is materialized
// at build time, so the biggest presets build in milliseconds.
#include "frontends/glam/Glam.h"

#include "ir/Einsum.h"
#include "ir/OpAttrs.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace partita {

int64_t GlamConfig::capacity() const {
  if (experts <= 0) return 0;
  double c = std::ceil(capacityFactor * 2.0 * (double)groupSize() / (double)experts);
  return std::max<int64_t>(1, std::min<int64_t>((int64_t)c, groupSize()));
}

namespace {

GlamConfig preset(const std::string &name, int64_t l, int64_t m, int64_t h, int64_t heads,
                  int64_t headDim, int64_t e) {
  GlamConfig c;
  c.name = name;
  c.layers = l;
  c.dModel = m;
  c.ffn = h;
  c.heads = heads;
  c.headDim = headDim;
  c.experts = e;
  return c;
}

const std::vector<GlamConfig> &presets() {
  static const std::vector<GlamConfig> all = {
      preset("0.1B", 12, 768, 3072, 12, 64, 0),
      preset("0.1B/64E", 12, 768, 3072, 12, 64, 64),
      preset("1.7B", 24, 2048, 8192, 16, 128, 0),
      preset("1.7B/32E", 24, 2048, 8192, 16, 128, 32),
      preset("1.7B/64E", 24, 2048, 8192, 16, 128, 64),
      preset("1.7B/128E", 24, 2048, 8192, 16, 128, 128),
      preset("1.7B/256E", 24, 2048, 8192, 16, 128, 256),
      preset("8B", 32, 4096, 16384, 32, 128, 0),
      preset("8B/64E", 32, 4096, 16384, 32, 128, 64),
      preset("137B", 64, 8192, 65536, 128, 128, 0),
      preset("64B/64E", 64, 8192, 32768, 128, 128, 64),
  };
  return all;
}

} // namespace

const std::vector<std::string> &glamPresetNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const GlamConfig &c : presets())
      n.push_back(c.name);
    return n;
  }();
  return names;
}

std::optional<GlamConfig> glamPreset(const std::string &name) {
  for (const GlamConfig &c : presets())
    if (c.name == name) return c;
  return std::nullopt;
}

std::string validateGlamConfig(const GlamConfig &c) {
  const int64_t kMaxDim = (int64_t(1) << 31) - 1;
  struct Dim {
    const char *flag;
    int64_t v;
  };
  for (Dim d : {Dim{"--layers", c.layers}, Dim{"--d-model", c.dModel}, Dim{"--ffn", c.ffn},
                Dim{"--heads", c.heads}, Dim{"--head-dim", c.headDim}, Dim{"--vocab", c.vocab},
                Dim{"--batch", c.batch}, Dim{"--seq", c.seq}, Dim{"--moe-every", c.moeEvery}})
    if (d.v < 1 || d.v > kMaxDim)
      return std::string(d.flag) + " must be between 1 and " + std::to_string(kMaxDim) + ", got " +
             std::to_string(d.v);
  if (c.experts < 0 || c.experts == 1 || c.experts > kMaxDim)
    return "--experts must be 0 (dense) or at least 2 (top-2 routing), got " +
           std::to_string(c.experts);
  if (c.groups < 0) return "--groups must be positive, got " + std::to_string(c.groups);
  // Each layer is ~100 ops and the bucket table is a [seq] constant: keep modules printable.
  if (c.layers > 10000) return "--layers must be at most 10000, got " + std::to_string(c.layers);
  if (c.seq > 65536) return "--seq must be at most 65536, got " + std::to_string(c.seq);
  if (!(c.capacityFactor > 0) || !std::isfinite(c.capacityFactor) || c.capacityFactor > 1e6) {
    std::ostringstream os;
    os << "--capacity-factor must be a positive number, got " << c.capacityFactor;
    return os.str();
  }
  if (c.activations != DType::F32 && c.activations != DType::BF16)
    return "--activations must be f32 or bf16";
  if (c.relBuckets < 2 || c.relMaxDistance < c.relBuckets / 2)
    return "relative position buckets need at least 2 buckets and max distance >= buckets/2";
  int64_t g = c.numGroups();
  if ((c.batch * c.seq) % g != 0)
    return "--groups " + std::to_string(g) +
           " does not divide batch*seq = " + std::to_string(c.batch * c.seq);
  // Element counts of the largest tensors must stay far from int64 overflow.
  long double s = (long double)c.seq, b = (long double)c.batch;
  long double biggest[] = {b * s * c.vocab,
                           b * c.heads * s * s,
                           (long double)c.vocab * c.dModel,
                           (long double)c.dModel * c.heads * c.headDim,
                           (long double)(c.experts ? c.experts : 1) * c.dModel * c.ffn,
                           b * s * (c.experts ? c.experts : 1) * (long double)c.capacity()};
  for (long double n : biggest)
    if (n > (long double)(int64_t(1) << 50))
      return "the configuration has a tensor of more than 2^50 elements";
  return "";
}

std::optional<ShardingPreset::Kind> parseShardingKind(const std::string &s) {
  if (s == "none") return ShardingPreset::Kind::None;
  if (s == "data") return ShardingPreset::Kind::Data;
  if (s == "2d") return ShardingPreset::Kind::TwoD;
  if (s == "2d-full") return ShardingPreset::Kind::TwoDFull;
  return std::nullopt;
}

std::optional<std::vector<MeshAxis>> parseMeshSpec(const std::string &s, std::string *error) {
  std::vector<MeshAxis> axes;
  size_t pos = 0;
  while (true) {
    size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      *error = "mesh axis '" + item + "' is not NAME=SIZE (e.g. --mesh data=2,model=2)";
      return std::nullopt;
    }
    MeshAxis a;
    a.name = item.substr(0, eq);
    std::string num = item.substr(eq + 1);
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), a.size);
    if (ec != std::errc() || end != num.data() + num.size() || a.size < 1 || a.size > 65536) {
      *error = "mesh axis size '" + num + "' must be an integer between 1 and 65536";
      return std::nullopt;
    }
    if (a.name != "data" && a.name != "model") {
      *error = "mesh axis '" + a.name + "' must be named data or model";
      return std::nullopt;
    }
    for (const MeshAxis &o : axes)
      if (o.name == a.name) {
        *error = "mesh axis '" + a.name + "' given twice";
        return std::nullopt;
      }
    axes.push_back(a);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return axes;
}

int64_t relativePositionBucket(int64_t distance, int64_t buckets, int64_t maxDistance) {
  // Unidirectional: keys after the query never get a bucket other than 0.
  int64_t n = std::max<int64_t>(distance, 0);
  int64_t maxExact = buckets / 2;
  if (n < maxExact) return n;
  double large = std::log((double)n / (double)maxExact) /
                 std::log((double)maxDistance / (double)maxExact) * (double)(buckets - maxExact);
  return std::min<int64_t>(maxExact + (int64_t)large, buckets - 1);
}

namespace {

const char *const kMeshName = "mesh";

// How a tensor dimension is laid out under a preset; mapped to a mesh axis per preset.
enum class Role {
  None,
  Batch,      // batch and token groups: "data" in every preset
  Model,      // model dim of activations, hidden dims of weights, heads, vocab: 2D only
  Expert,     // experts: "data" in 2D
  ExpertGroup // the group dim of expert tensors: "data" when experts are not split
};

class GlamBuilder {
public:
  GlamBuilder(const GlamConfig &c, const ShardingPreset &p, Func &f)
      : c_(c), p_(p), f_(f), b_(f), act_(c.activations) {}

  // ---- Arguments and annotations ----

  std::optional<std::string> axisFor(Role r) const {
    auto has = [&](const char *name) {
      for (const MeshAxis &a : p_.mesh)
        if (a.name == name) return true;
      return false;
    };
    bool twoD = p_.kind == ShardingPreset::Kind::TwoD || p_.kind == ShardingPreset::Kind::TwoDFull;
    const char *axis = nullptr;
    switch (r) {
    case Role::None:
      break;
    case Role::Batch:
      axis = "data";
      break;
    case Role::Model:
      axis = twoD ? "model" : nullptr;
      break;
    case Role::Expert:
      axis = twoD ? "data" : nullptr;
      break;
    case Role::ExpertGroup:
      axis = twoD ? nullptr : "data";
      break;
    }
    if (!axis || p_.kind == ShardingPreset::Kind::None || !has(axis)) return std::nullopt;
    return std::string(axis);
  }

  std::optional<Sharding> shardingFor(const std::vector<Role> &roles) const {
    if (p_.kind == ShardingPreset::Kind::None) return std::nullopt;
    Sharding s;
    s.mesh = kMeshName;
    for (Role r : roles) {
      s.dims.emplace_back();
      if (auto a = axisFor(r)) s.dims.back().push_back(*a);
    }
    return s;
  }

  // Every argument is annotated (replicated dims included), so the layout of inputs and
  // parameters is fixed by the preset and propagation only fills in intermediates.
  Value *arg(const std::string &name, TensorType t, const std::vector<Role> &roles,
             int64_t bound = 0) {
    Value *v = f_.addArg(name, std::move(t));
    f_.argAttrs.resize(f_.args.size());
    if (bound > 0) f_.argAttrs.back()["bound"] = Attr::ofInt(bound);
    v->sharding = shardingFor(roles);
    return v;
  }

  // A model parameter: an argument the autodiff pass differentiates (`trainable = true`).
  // A training step also records how to initialise it (`train.init`, docs/training.md).
  // With 2d-full, a weight of rank >= 2 without an expert dimension is stored split over
  // "data" too (its first unsplit dimension that "data" divides) and constrained to the 2d
  // layout right here, where the layer uses it: the partitioner gathers it over "data"
  // just before use, and the gradient flowing back through the constraint is reduced and
  // split over "data" again.
  Value *param(const std::string &name, TensorType t, const std::vector<Role> &roles,
               const std::string &init) {
    Value *v = arg(name, std::move(t), roles);
    f_.argAttrs.back()["trainable"] = Attr::ofBool(true);
    if (c_.train) f_.argAttrs.back()["train.init"] = Attr::ofString(init);
    if (p_.kind != ShardingPreset::Kind::TwoDFull || v->type.rank() < 2 || !v->sharding) return v;
    int64_t data = 0;
    for (const MeshAxis &a : p_.mesh)
      if (a.name == "data") data = a.size;
    if (data <= 1) return v;
    for (Role r : roles)
      if (r == Role::Expert) return v;
    Sharding full = *v->sharding;
    for (size_t d = 0; d < full.dims.size(); ++d) {
      if (!full.dims[d].empty() || v->type.shape[d] % data != 0) continue;
      full.dims[d].push_back("data");
      Sharding use = *v->sharding;
      v->sharding = full;
      Value *r = b_.create(Opcode::ShardingConstraint, {v}, {}, v->type, v->name);
      r->sharding = use;
      return r;
    }
    return v;
  }

  // Uniform in [-1/sqrt(fanIn), 1/sqrt(fanIn)): unit-variance inputs keep their scale.
  static std::string uniformInit(int64_t fanIn) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "uniform:%.9g", 1.0 / std::sqrt((double)fanIn));
    return buf;
  }

  // A sharding_constraint for a key intermediate; skipped when it would split nothing (a
  // replicated constraint would only force replication).
  Value *constrain(Value *v, const std::vector<Role> &roles) {
    std::optional<Sharding> s = shardingFor(roles);
    if (!s || s->isFullyReplicated()) return v;
    Value *r = b_.create(Opcode::ShardingConstraint, {v}, {}, v->type, v->name);
    r->sharding = *s; // the op's `sharding` attribute lives on its result
    return r;
  }

  // ---- Op helpers ----

  Value *cst(double v, DType d, std::vector<int64_t> shape, const std::string &name = "c") {
    AttrDict a;
    a["value"] = d == DType::I32 || d == DType::I1 ? Attr::ofInt((int64_t)v) : Attr::ofFloat(v);
    return b_.create(Opcode::Constant, {}, std::move(a), TensorType(d, std::move(shape)), name);
  }
  Value *cstLike(double v, Value *like) { return cst(v, like->type.dtype, like->type.shape); }
  Value *iota(std::vector<int64_t> shape, int64_t dim, const std::string &name) {
    AttrDict a;
    a["dim"] = Attr::ofInt(dim);
    return b_.create(Opcode::Iota, {}, std::move(a), TensorType(DType::I32, std::move(shape)),
                     name);
  }
  Value *bcast(Value *v, std::vector<int64_t> shape, std::vector<int64_t> dims) {
    AttrDict a;
    a["dims"] = Attr::ofInts(dims);
    return b_.create(Opcode::BroadcastInDim, {v}, std::move(a),
                     TensorType(v->type.dtype, std::move(shape)), v->name + ".b");
  }
  Value *reshape(Value *v, std::vector<int64_t> shape, const std::string &name) {
    if (v->type.shape == shape) return v;
    return b_.create(Opcode::Reshape, {v}, {}, TensorType(v->type.dtype, std::move(shape)), name);
  }
  // v with dimension `dim` zero-padded at its end to `size`.
  Value *padDim(Value *v, int64_t dim, int64_t size) {
    if (v->type.shape[dim] == size) return v;
    std::vector<int64_t> low(v->type.rank(), 0), high(v->type.rank(), 0);
    high[dim] = size - v->type.shape[dim];
    TensorType t = v->type;
    t.shape[dim] = size;
    AttrDict a;
    a["low"] = Attr::ofInts(low);
    a["high"] = Attr::ofInts(high);
    a["value"] = Attr::ofFloat(0.0);
    return b_.create(Opcode::Pad, {v}, std::move(a), t, v->name + ".padded");
  }
  Value *convert(Value *v, DType d) {
    if (v->type.dtype == d) return v;
    return b_.create(Opcode::Convert, {v}, {}, TensorType(d, v->type.shape),
                     v->name + "." + dtypeName(d));
  }
  Value *oneHot(Value *ids, int64_t depth, DType d, const std::string &name) {
    AttrDict a;
    a["depth"] = Attr::ofInt(depth);
    std::vector<int64_t> shape = ids->type.shape;
    shape.push_back(depth);
    return b_.create(Opcode::OneHot, {ids}, std::move(a), TensorType(d, std::move(shape)), name);
  }
  Value *op(Opcode code, std::vector<Value *> operands, const std::string &name, AttrDict a = {}) {
    return b_.build(code, std::move(operands), std::move(a), name);
  }
  Value *un(Opcode code, Value *x, const std::string &name) { return op(code, {x}, name); }
  Value *bin(Opcode code, Value *x, Value *y, const std::string &name) {
    return op(code, {x, y}, name);
  }
  Value *einsum(const std::string &spec, Value *x, Value *y, const std::string &name) {
    AttrDict a;
    a["spec"] = Attr::ofString(spec);
    return op(Opcode::Einsum, {x, y}, name, std::move(a));
  }
  Value *reduce(Opcode code, Value *x, std::vector<int64_t> dims, const std::string &name) {
    AttrDict a;
    a["dims"] = Attr::ofInts(dims);
    return op(code, {x}, name, std::move(a));
  }
  Value *compare(Value *x, Value *y, const char *dir, const std::string &name) {
    AttrDict a;
    a["direction"] = Attr::ofString(dir);
    return op(Opcode::Compare, {x, y}, name, std::move(a));
  }
  Value *argmax(Value *x, int64_t dim, const std::string &name) {
    AttrDict a;
    a["dim"] = Attr::ofInt(dim);
    return op(Opcode::Argmax, {x}, name, std::move(a));
  }
  Value *cumsumExclusive(Value *x, int64_t dim, const std::string &name) {
    AttrDict a;
    a["dim"] = Attr::ofInt(dim);
    a["exclusive"] = Attr::ofBool(true);
    return op(Opcode::Cumsum, {x}, name, std::move(a));
  }
  Value *take(Value *table, Value *ids, int64_t axis, const std::string &name) {
    AttrDict a;
    a["axis"] = Attr::ofInt(axis);
    return op(Opcode::Take, {table, ids}, name, std::move(a));
  }
  // Keeps all dims but `dim` of a broadcast back to `x`'s shape.
  Value *bcastReduced(Value *r, Value *like, int64_t dim) {
    std::vector<int64_t> dims;
    for (int64_t i = 0; i < like->type.rank(); ++i)
      if (i != dim) dims.push_back(i);
    return bcast(r, like->type.shape, dims);
  }
  // Softmax over `dim` (in the operand's dtype; callers pass f32).
  Value *softmax(Value *x, int64_t dim, const std::string &name) {
    Value *mx = reduce(Opcode::ReduceMax, x, {dim}, name + ".max");
    Value *z = bin(Opcode::Sub, x, bcastReduced(mx, x, dim), name + ".z");
    Value *e = un(Opcode::Exp, z, name + ".exp");
    Value *s = reduce(Opcode::ReduceSum, e, {dim}, name + ".sum");
    return bin(Opcode::Div, e, bcastReduced(s, e, dim), name);
  }

  // ---- Model pieces ----

  // x * rsqrt(mean(x^2) + eps) * scale over the last dim, computed in f32.
  Value *rmsNorm(Value *x, Value *scale, const std::string &name) {
    int64_t last = x->type.rank() - 1;
    Value *xf = convert(x, DType::F32);
    Value *sq =
        reduce(Opcode::ReduceSum, bin(Opcode::Mul, xf, xf, name + ".sq"), {last}, name + ".sumsq");
    Value *ms = bin(Opcode::Mul, sq, cstLike(1.0 / (double)c_.dModel, sq), name + ".ms");
    Value *r = un(Opcode::Rsqrt, bin(Opcode::Add, ms, cstLike(c_.normEps, ms), name + ".var"),
                  name + ".rstd");
    Value *y = bin(Opcode::Mul, xf, bcastReduced(r, xf, last), name + ".n");
    std::vector<int64_t> sdims = {last};
    y = bin(Opcode::Mul, y, bcast(scale, xf->type.shape, sdims), name + ".y");
    return convert(y, act_);
  }

  // The T5 bucket of every distance 0 .. seq-1, one [seq] constant looked up with iota
  // differences, so nothing [seq, seq] is materialized at build time.
  Value *bucketTable() {
    int64_t s = c_.seq;
    std::vector<int64_t> table(s);
    for (int64_t n = 0; n < s; ++n)
      table[n] = relativePositionBucket(n, c_.relBuckets, c_.relMaxDistance);
    AttrDict a;
    a["value"] = Attr::ofInts(table);
    return b_.create(Opcode::Constant, {}, std::move(a), TensorType(DType::I32, {s}),
                     "relpos.bucket_of_distance");
  }

  // The [S,S] relative position buckets and causal mask, shared by every layer: buckets
  // looked up at max(q - k, 0) built from iotas.
  void buildPositionTables() {
    int64_t s = c_.seq;
    Value *t = bucketTable();
    Value *qpos = iota({s, s}, 0, "relpos.q");
    Value *kpos = iota({s, s}, 1, "relpos.k");
    Value *dist = bin(Opcode::Sub, qpos, kpos, "relpos.dist");
    Value *clamped = bin(Opcode::Max, dist, cstLike(0, dist), "relpos.dist0");
    buckets_ = take(t, clamped, 0, "relpos.bucket");
    causal_ = compare(qpos, kpos, "ge", "causal");
  }

  // The [1, seq] buckets and mask of one query at the true position `pos` (i32[]) against
  // every cache slot: slots after `pos` are masked like future keys.
  void buildDecodePositionTables(Value *pos) {
    int64_t s = c_.seq;
    Value *t = bucketTable();
    Value *kpos = iota({1, s}, 1, "relpos.k");
    Value *qpos = bcast(pos, {1, s}, {});
    Value *dist = bin(Opcode::Sub, qpos, kpos, "relpos.dist");
    Value *clamped = bin(Opcode::Max, dist, cstLike(0, dist), "relpos.dist0");
    buckets_ = take(t, clamped, 0, "relpos.bucket");
    causal_ = compare(kpos, qpos, "le", "causal");
  }

  // Packed rows: the [B,S,S] buckets of positions[q] - positions[k] (clamped to the table)
  // and where a query may attend: causal, same segment, and the key not padding (a padding
  // query then sees no key; its output never reaches the loss).
  void buildPackedTables(Value *segments, Value *positions) {
    int64_t s = c_.seq, b = c_.batch;
    Value *t = bucketTable();
    std::vector<int64_t> bss = {b, s, s};
    Value *posQ = bcast(positions, bss, {0, 1});
    Value *posK = bcast(positions, bss, {0, 2});
    Value *dist = bin(Opcode::Sub, posQ, posK, "relpos.dist");
    Value *clamped = bin(Opcode::Max, dist, cstLike(0, dist), "relpos.dist0");
    clamped = bin(Opcode::Min, clamped, cstLike((double)(s - 1), clamped), "relpos.dist_in_table");
    buckets_ = take(t, clamped, 0, "relpos.bucket");
    Value *q = iota(bss, 1, "relpos.q");
    Value *k = iota(bss, 2, "relpos.k");
    Value *causal = compare(q, k, "ge", "causal");
    Value *segK = bcast(segments, bss, {0, 2});
    Value *same = compare(bcast(segments, bss, {0, 1}), segK, "eq", "same_segment");
    Value *keyReal = compare(segK, cstLike(0, segK), "ne", "key_not_padding");
    causal_ =
        bin(Opcode::And, bin(Opcode::And, causal, same, "causal_in_segment"), keyReal, "attend");
  }

  struct AttnParams {
    Value *wq, *wk, *wv, *wo, *rel;
  };
  struct Qkv {
    Value *q, *k, *v;
  };

  AttnParams attnParams(const std::string &p) {
    int64_t m = c_.dModel, n = c_.heads, k = c_.headDim;
    std::vector<Role> wr = {Role::None, Role::Model, Role::None};
    AttnParams w;
    w.wq = convert(param(p + ".wq", TensorType(DType::F32, {m, n, k}), wr, uniformInit(m)), act_);
    w.wk = convert(param(p + ".wk", TensorType(DType::F32, {m, n, k}), wr, uniformInit(m)), act_);
    w.wv = convert(param(p + ".wv", TensorType(DType::F32, {m, n, k}), wr, uniformInit(m)), act_);
    w.wo = convert(param(p + ".wo", TensorType(DType::F32, {n, k, m}),
                         {Role::Model, Role::None, Role::None}, uniformInit(n * k)),
                   act_);
    w.rel = param(p + ".rel_bias", TensorType(DType::F32, {n, c_.relBuckets}),
                  {Role::Model, Role::None}, "zeros");
    return w;
  }

  // q (scaled by head_dim^-0.5), k and v [B,S,N,K] of the normalized activations.
  Qkv project(const std::string &p, const AttnParams &w, Value *xn) {
    Value *q = einsum("bsm,mnk->bsnk", xn, w.wq, p + ".q");
    q = bin(Opcode::Mul, q, cstLike(1.0 / std::sqrt((double)c_.headDim), q), p + ".qs");
    Value *kk = einsum("bsm,mnk->bsnk", xn, w.wk, p + ".k");
    Value *v = einsum("bsm,mnk->bsnk", xn, w.wv, p + ".v");
    return {q, kk, v};
  }

  // The [B,N,S,T] score bias of one layer: the learned relative position bias `rel` [N,R]
  // where the query may see the key, -1e9 elsewhere. `buckets` and `visible` (i1) are [S,T]
  // shared by the batch, or [B,S,T] per row (packed rows).
  Value *attentionBias(const std::string &p, Value *rel, Value *buckets, Value *visible,
                       int64_t b) {
    int64_t n = c_.heads;
    Value *bias = take(rel, buckets, 1, p + ".bias");
    if (buckets->type.rank() == 2) {
      int64_t s = buckets->type.shape[0], t = buckets->type.shape[1];
      Value *mask = bcast(visible, {n, s, t}, {1, 2});
      bias = op(Opcode::Select, {mask, bias, cstLike(-1e9, bias)}, p + ".bias_masked");
      return bcast(bias, {b, n, s, t}, {1, 2, 3});
    }
    int64_t s = buckets->type.shape[1], t = buckets->type.shape[2];
    AttrDict perm;
    perm["perm"] = Attr::ofInts({1, 0, 2, 3});
    bias = op(Opcode::Transpose, {bias}, p + ".bias_bnst", std::move(perm)); // from [N,B,S,T]
    Value *mask = bcast(visible, {b, n, s, t}, {0, 2, 3});
    return op(Opcode::Select, {mask, bias, cstLike(-1e9, bias)}, p + ".bias_masked");
  }

  // Queries q [B,S,N,K] attend keys and values [B,T,N,K]; `buckets` and `visible` as in
  // attentionBias.
  Value *attend(const std::string &p, const AttnParams &w, Value *q, Value *keys, Value *values,
                Value *buckets, Value *visible) {
    int64_t b = q->type.shape[0];
    Value *logits = convert(einsum("bsnk,btnk->bnst", q, keys, p + ".logits"), DType::F32);
    logits = bin(Opcode::Add, logits, attentionBias(p, w.rel, buckets, visible, b), p + ".biased");
    Value *probs = convert(softmax(logits, 3, p + ".probs"), act_);
    Value *o = einsum("bnst,btnk->bsnk", probs, values, p + ".o");
    return einsum("bsnk,nkm->bsm", o, w.wo, p + ".out");
  }

  // Causal self-attention over the whole sequence; its keys and values are kept in kv_ (the
  // prefill returns them as the filled cache).
  Value *attention(int64_t l, Value *xn) {
    std::string p = "layer" + std::to_string(l) + ".attn";
    AttnParams w = attnParams(p);
    Qkv a = project(p, w, xn);
    kv_.push_back(a.k);
    kv_.push_back(a.v);
    return attend(p, w, a.q, a.k, a.v, buckets_, causal_);
  }

  // One new token per sequence: its key and value are written into layer l's cache at
  // `pos_` (dynamic_update_slice), and its query attends the updated cache.
  Value *decodeAttention(int64_t l, Value *xn) {
    std::string p = "layer" + std::to_string(l) + ".attn";
    AttnParams w = attnParams(p);
    Qkv a = project(p, w, xn);
    Value *zero = cst(0, DType::I32, {}, "zero");
    auto write = [&](Value *cache, Value *x, const std::string &n) {
      return b_.create(Opcode::DynamicUpdateSlice, {cache, x, zero, pos_, zero, zero}, {},
                       cache->type, n);
    };
    Value *kc = write(caches_[2 * l], a.k, p + ".k_cache.next");
    Value *vc = write(caches_[2 * l + 1], a.v, p + ".v_cache.next");
    kv_.push_back(kc);
    kv_.push_back(vc);
    return attend(p, w, a.q, kc, vc, buckets_, causal_);
  }

  Value *denseFfn(int64_t l, Value *xn) {
    std::string p = "layer" + std::to_string(l) + ".mlp";
    int64_t m = c_.dModel, h = c_.ffn;
    Value *wi0 = convert(param(p + ".wi_0", TensorType(DType::F32, {m, h}),
                               {Role::None, Role::Model}, uniformInit(m)),
                         act_);
    Value *wi1 = convert(param(p + ".wi_1", TensorType(DType::F32, {m, h}),
                               {Role::None, Role::Model}, uniformInit(m)),
                         act_);
    Value *wo = convert(
        param(p + ".wo", TensorType(DType::F32, {h, m}), {Role::Model, Role::None}, uniformInit(h)),
        act_);
    Value *h0 = un(Opcode::Gelu, einsum("bsm,mh->bsh", xn, wi0, p + ".h0"), p + ".gelu");
    Value *h1 = einsum("bsm,mh->bsh", xn, wi1, p + ".h1");
    Value *hh = bin(Opcode::Mul, h0, h1, p + ".glu");
    return einsum("bsh,hm->bsm", hh, wo, p + ".out");
  }

  struct MoeOut {
    Value *y, *aux, *combine;
  };

  // GShard top-2 MoE on tokens [G,S,M] with `cap` slots per expert and group; see
  // docs/glam.md for the exact routing rules. `real` (f32 [G,S], 1 for a token, 0 for
  // padding; null: every token is real) keeps padding out of the expert buffers and the
  // load-balancing loss, as GShard's token mask: a packed row's padding, or the prefill's
  // positions after the prompt, which must not take slots.
  MoeOut moe(const std::string &p, Value *x, int64_t cap, Value *real = nullptr) {
    int64_t g = x->type.shape[0], s = x->type.shape[1], m = c_.dModel, h = c_.ffn;
    int64_t e = c_.experts;
    Value *wg = param(p + ".gate", TensorType(DType::F32, {m, e}), {Role::None, Role::None},
                      uniformInit(m));
    Value *wi = convert(param(p + ".wi", TensorType(DType::F32, {e, m, h}),
                              {Role::Expert, Role::None, Role::Model}, uniformInit(m)),
                        act_);
    Value *wo = convert(param(p + ".wo", TensorType(DType::F32, {e, h, m}),
                              {Role::Expert, Role::Model, Role::None}, uniformInit(h)),
                        act_);
    // Gating in f32.
    Value *logits = einsum("gsm,me->gse", convert(x, DType::F32), wg, p + ".gate_logits");
    Value *probs = softmax(logits, 2, p + ".probs");
    Value *idx1 = argmax(probs, 2, p + ".top1");
    Value *mask1 = oneHot(idx1, e, DType::F32, p + ".mask1");
    Value *taken = compare(mask1, cstLike(0, mask1), "gt", p + ".taken");
    Value *rest = op(Opcode::Select, {taken, cstLike(-1, probs), probs}, p + ".rest");
    Value *idx2 = argmax(rest, 2, p + ".top2");
    Value *mask2 = oneHot(idx2, e, DType::F32, p + ".mask2");
    Value *gate1 = reduce(Opcode::ReduceSum, bin(Opcode::Mul, probs, mask1, p + ".pm1"), {2},
                          p + ".gate1_raw");
    Value *gate2 = reduce(Opcode::ReduceSum, bin(Opcode::Mul, probs, mask2, p + ".pm2"), {2},
                          p + ".gate2_raw");
    Value *denom = bin(Opcode::Add, gate1, gate2, p + ".denom");
    gate1 = bin(Opcode::Div, gate1, denom, p + ".gate1");
    gate2 = bin(Opcode::Div, gate2, denom, p + ".gate2");

    Value *aux;
    if (!real) {
      // Load-balancing loss: E^2 * mean_{g,e}(mean_s probs * mean_s mask1), before capacity.
      Value *meanProbs = reduce(Opcode::ReduceSum, probs, {1}, p + ".density_proxy");
      Value *meanMask = reduce(Opcode::ReduceSum, mask1, {1}, p + ".density");
      aux = reduce(Opcode::ReduceSum, bin(Opcode::Mul, meanProbs, meanMask, p + ".dd"), {0, 1},
                   p + ".aux_sum");
      aux = bin(Opcode::Mul, aux, cstLike((double)e / ((double)g * (double)s * (double)s), aux),
                p + ".aux");
    } else {
      // Padding chooses no expert (the gates above stay finite: they are only ever
      // multiplied by these masks) and the means run over each group's real tokens
      // (at least 1, so an all-padding group adds 0).
      Value *realE = bcast(real, {g, s, e}, {0, 1});
      mask1 = bin(Opcode::Mul, mask1, realE, p + ".mask1_real");
      mask2 = bin(Opcode::Mul, mask2, realE, p + ".mask2_real");
      Value *sumProbs = reduce(Opcode::ReduceSum, bin(Opcode::Mul, probs, realE, p + ".probs_real"),
                               {1}, p + ".density_proxy");
      Value *sumMask = reduce(Opcode::ReduceSum, mask1, {1}, p + ".density");
      Value *dd = reduce(Opcode::ReduceSum, bin(Opcode::Mul, sumProbs, sumMask, p + ".dd"), {1},
                         p + ".dd_sum");
      Value *n = reduce(Opcode::ReduceSum, real, {1}, p + ".real_tokens");
      n = bin(Opcode::Max, n, cstLike(1, n), p + ".real_tokens1");
      dd = bin(Opcode::Div, dd, bin(Opcode::Mul, n, n, p + ".real_tokens_sq"), p + ".dd_mean");
      aux = reduce(Opcode::ReduceSum, dd, {0}, p + ".aux_sum");
      aux = bin(Opcode::Mul, aux, cstLike((double)e / (double)g, aux), p + ".aux");
    }

    // Slots: first choices fill each expert's buffer in token order, then second choices
    // continue after the kept first choices; whatever lands at or past the capacity drops.
    Value *capv = cst((double)cap, DType::F32, {g, s, e}, p + ".capacity");
    Value *pos1 = cumsumExclusive(mask1, 1, p + ".pos1");
    Value *keep1 = convert(compare(pos1, capv, "lt", p + ".fits1"), DType::F32);
    mask1 = bin(Opcode::Mul, mask1, keep1, p + ".kept1");
    Value *count1 = reduce(Opcode::ReduceSum, mask1, {1}, p + ".count1");
    Value *pos2 = cumsumExclusive(mask2, 1, p + ".pos2_in");
    pos2 = bin(Opcode::Add, pos2, bcast(count1, {g, s, e}, {0, 2}), p + ".pos2");
    Value *keep2 = convert(compare(pos2, capv, "lt", p + ".fits2"), DType::F32);
    mask2 = bin(Opcode::Mul, mask2, keep2, p + ".kept2");

    // dispatch[g,s,e,c] = kept choice of expert e in slot c; combine adds the gate weight.
    auto route = [&](Value *mask, Value *pos, Value *gate, const std::string &n) {
      Value *slot =
          reduce(Opcode::ReduceSum, bin(Opcode::Mul, pos, mask, n + ".pm"), {2}, n + ".slotf");
      Value *slotOh = oneHot(convert(slot, DType::I32), cap, DType::F32, n + ".slot");
      std::vector<int64_t> gsec = {g, s, e, cap};
      Value *maskB = bcast(mask, gsec, {0, 1, 2});
      Value *slotB = bcast(slotOh, gsec, {0, 1, 3});
      Value *d = bin(Opcode::Mul, maskB, slotB, n + ".dispatch");
      Value *cw = bin(Opcode::Mul, d, bcast(gate, gsec, {0, 1}), n + ".combine");
      return std::make_pair(d, cw);
    };
    auto [d1, c1] = route(mask1, pos1, gate1, p + ".first");
    auto [d2, c2] = route(mask2, pos2, gate2, p + ".second");
    Value *dispatch = convert(bin(Opcode::Add, d1, d2, p + ".dispatch"), act_);
    Value *combine = bin(Opcode::Add, c1, c2, p + ".combine");

    std::vector<Role> egcm = {Role::Expert, Role::ExpertGroup, Role::None, Role::Model};
    Value *xin = einsum("gsec,gsm->egcm", dispatch, x, p + ".expert_in");
    xin = constrain(xin, egcm);
    Value *hid = einsum("egcm,emh->egch", xin, wi, p + ".expert_h");
    hid = un(Opcode::Gelu, constrain(hid, egcm), p + ".expert_gelu");
    Value *eo = einsum("egch,ehm->egcm", hid, wo, p + ".expert_out");
    eo = constrain(eo, egcm);
    Value *y = einsum("gsec,egcm->gsm", convert(combine, act_), eo, p + ".out");
    y = constrain(y, {Role::Batch, Role::None, Role::Model});
    return {y, aux, combine};
  }

  // The embedded tokens [B,S,M] of ids [B,S] (creates the `embed` parameter).
  Value *embedTokens(Value *ids) {
    embed_ = param("embed", TensorType(DType::F32, {c_.vocab, c_.dModel}),
                   {Role::Model, Role::None}, "uniform:1");
    Value *x = convert(take(embed_, ids, 0, "embedded"), act_);
    return constrain(x, {Role::Batch, Role::None, Role::Model});
  }

  // The pre-norm residual layers. `attn` is the attention of layer l on the normalized
  // activations; `moeFfn` the MoE feed-forward of layer l's prefix on them ([B,S,M] in and
  // out), which also adds its aux loss to auxTotal_.
  template <typename AttnFn, typename MoeFn>
  Value *decoderLayers(Value *x, AttnFn attn, MoeFn moeFfn) {
    int64_t m = c_.dModel;
    for (int64_t l = 0; l < c_.layers; ++l) {
      std::string p = "layer" + std::to_string(l);
      Value *scale =
          param(p + ".attn_norm.scale", TensorType(DType::F32, {m}), {Role::Model}, "ones");
      Value *xn = rmsNorm(x, scale, p + ".attn_norm");
      x = bin(Opcode::Add, x, attn(l, xn), p + ".attn_res");
      scale = param(p + ".ffn_norm.scale", TensorType(DType::F32, {m}), {Role::Model}, "ones");
      xn = rmsNorm(x, scale, p + ".ffn_norm");
      Value *y = c_.isMoeLayer(l) ? moeFfn(p, xn) : denseFfn(l, xn);
      x = bin(Opcode::Add, x, y, p + ".ffn_res");
    }
    return x;
  }

  // MoE over groups of the [B,S,M] tokens as the configuration says (the training forward);
  // `real` [B,S] (packed rows) keeps padding out of routing.
  Value *groupedMoe(const std::string &p, Value *xn, Value *real) {
    int64_t b = xn->type.shape[0], s = xn->type.shape[1], m = c_.dModel, g = c_.numGroups();
    Value *xg = reshape(xn, {g, b * s / g, m}, p + ".moe.grouped");
    Value *rg = real ? reshape(real, {g, b * s / g}, p + ".moe.real") : nullptr;
    MoeOut r = moe(p + ".moe", xg, c_.capacity(), rg);
    addAux(r.aux, p);
    return reshape(r.y, {b, s, m}, p + ".moe.ungrouped");
  }

  void addAux(Value *aux, const std::string &p) {
    auxTotal_ = auxTotal_ ? bin(Opcode::Add, auxTotal_, aux, p + ".aux_total") : aux;
  }

  // Final norm and the tied output projection: f32 logits [B,S,V] of x [B,S,M].
  Value *outputLogits(Value *x) {
    int64_t m = c_.dModel;
    Value *scale = param("final_norm.scale", TensorType(DType::F32, {m}), {Role::Model}, "ones");
    Value *hf = rmsNorm(x, scale, "final_norm");
    // Tied output projection, scaled by d_model^-0.5 as in Mesh TensorFlow / T5.
    hf = bin(Opcode::Mul, hf, cstLike(1.0 / std::sqrt((double)m), hf), "final_scaled");
    // Vocabulary-parallel logits: left alone, propagation gives the model axis to the
    // contracted `m` (first in the rule), and the partitioner then gathers the whole
    // [vocab, d_model] table on every device and computes [B,S,V] logits and the softmax
    // replicated along "model". Keeping V on "model" costs only an all_gather of the small
    // activations' `m` and turns the reductions over V into [B,S] all_reduces.
    Value *logits = einsum("bsm,vm->bsv", hf, convert(embed_, act_), "logits");
    return convert(constrain(logits, {Role::Batch, Role::None, Role::Model}), DType::F32);
  }

  // The MoE feed-forward of one new token per sequence, x [B,1,M]: the same router as
  // moe() (f32 softmax gate, top-2, gates renormalized), but each token's two experts are
  // gathered (`take` of their weight slices) instead of dispatched into capacity slots.
  // Nothing is dropped, and a step costs two experts per token, as the activated
  // parameter count says; dispatching into E buffers of one slot would compute all E.
  Value *decodeMoe(const std::string &p, Value *x) {
    int64_t b = x->type.shape[0], m = c_.dModel, h = c_.ffn, e = c_.experts;
    Value *wg = param(p + ".gate", TensorType(DType::F32, {m, e}), {Role::None, Role::None},
                      uniformInit(m));
    Value *wi = param(p + ".wi", TensorType(DType::F32, {e, m, h}),
                      {Role::Expert, Role::None, Role::Model}, uniformInit(m));
    Value *wo = param(p + ".wo", TensorType(DType::F32, {e, h, m}),
                      {Role::Expert, Role::Model, Role::None}, uniformInit(h));
    Value *xt = reshape(x, {b, m}, p + ".tokens");
    Value *logits = einsum("bm,me->be", convert(xt, DType::F32), wg, p + ".gate_logits");
    Value *probs = softmax(logits, 1, p + ".probs");
    Value *idx1 = argmax(probs, 1, p + ".top1");
    Value *mask1 = oneHot(idx1, e, DType::F32, p + ".mask1");
    Value *taken = compare(mask1, cstLike(0, mask1), "gt", p + ".taken");
    Value *rest = op(Opcode::Select, {taken, cstLike(-1, probs), probs}, p + ".rest");
    Value *idx2 = argmax(rest, 1, p + ".top2");
    Value *mask2 = oneHot(idx2, e, DType::F32, p + ".mask2");
    Value *gate1 = reduce(Opcode::ReduceSum, bin(Opcode::Mul, probs, mask1, p + ".pm1"), {1},
                          p + ".gate1_raw");
    Value *gate2 = reduce(Opcode::ReduceSum, bin(Opcode::Mul, probs, mask2, p + ".pm2"), {1},
                          p + ".gate2_raw");
    Value *denom = bin(Opcode::Add, gate1, gate2, p + ".denom");
    auto expert = [&](Value *idx, Value *gate, const std::string &n) {
      Value *wik = convert(take(wi, idx, 0, n + ".wi"), act_); // [B,M,H]
      Value *wok = convert(take(wo, idx, 0, n + ".wo"), act_); // [B,H,M]
      Value *hid = un(Opcode::Gelu, einsum("bm,bmh->bh", xt, wik, n + ".h"), n + ".gelu");
      Value *out = einsum("bh,bhm->bm", hid, wok, n + ".out");
      Value *g = convert(bin(Opcode::Div, gate, denom, n + ".gate"), act_);
      return bin(Opcode::Mul, out, bcast(g, {b, m}, {0}), n + ".weighted");
    };
    Value *first = expert(idx1, gate1, p + ".first");
    Value *second = expert(idx2, gate2, p + ".second");
    Value *y = bin(Opcode::Add, first, second, p + ".out");
    return reshape(y, {b, 1, m}, p + ".ungrouped");
  }

  // The whole model (the configuration was validated before).
  void buildModel() {
    int64_t b = c_.batch, s = c_.seq, v = c_.vocab;
    Value *ids = arg("ids", TensorType(DType::I32, {b, s}), {Role::Batch, Role::None}, v);
    Value *labels = arg("labels", TensorType(DType::I32, {b, s}), {Role::Batch, Role::None}, v);
    Value *real = nullptr, *realF = nullptr;
    if (c_.packed) {
      // Segment ids go up to one per token; positions stay inside the row.
      Value *segments =
          arg("segments", TensorType(DType::I32, {b, s}), {Role::Batch, Role::None}, s + 1);
      Value *positions =
          arg("positions", TensorType(DType::I32, {b, s}), {Role::Batch, Role::None}, s);
      for (size_t i = 0; i < 4; ++i)
        f_.argAttrs[i]["train.batch"] = Attr::ofString(f_.args[i]->name);
      real = compare(segments, cstLike(0, segments), "ne", "real");
      realF = convert(real, DType::F32);
      buildPackedTables(segments, positions);
    }
    Value *x = embedTokens(ids);
    if (!c_.packed) buildPositionTables();
    x = decoderLayers(
        x, [&](int64_t l, Value *xn) { return attention(l, xn); },
        [&](const std::string &p, Value *xn) { return groupedMoe(p, xn, realF); });
    Value *logits = outputLogits(x);
    Value *mx = reduce(Opcode::ReduceMax, logits, {2}, "logits.max");
    Value *z = bin(Opcode::Sub, logits, bcastReduced(mx, logits, 2), "logits.z");
    Value *se = reduce(Opcode::ReduceSum, un(Opcode::Exp, z, "logits.exp"), {2}, "logits.sum");
    Value *lse = bin(Opcode::Add, un(Opcode::Log, se, "logits.logsum"), mx, "logits.lse");
    Value *target = oneHot(labels, v, DType::F32, "target");
    Value *picked =
        reduce(Opcode::ReduceSum, bin(Opcode::Mul, logits, target, "picked.all"), {2}, "picked");
    Value *nll = bin(Opcode::Sub, lse, picked, "nll");
    Value *ce;
    if (!c_.packed) {
      ce = reduce(Opcode::ReduceSum, nll, {0, 1}, "nll.sum");
      ce = bin(Opcode::Mul, ce, cstLike(1.0 / ((double)b * (double)s), ce), "cross_entropy");
    } else {
      // The mean over real tokens; a batch of padding alone has loss 0, not 0/0.
      nll = op(Opcode::Select, {real, nll, cstLike(0, nll)}, "nll.real");
      ce = reduce(Opcode::ReduceSum, nll, {0, 1}, "nll.sum");
      Value *n = reduce(Opcode::ReduceSum, realF, {0, 1}, "real_tokens");
      n = bin(Opcode::Max, n, cstLike(1, n), "real_tokens1");
      ce = bin(Opcode::Div, ce, n, "cross_entropy");
    }
    Value *auxTotal = auxTotal_ ? auxTotal_ : cst(0, DType::F32, {}, "aux_total");
    Value *loss =
        bin(Opcode::Add, ce,
            bin(Opcode::Mul, auxTotal, cstLike(c_.auxLossWeight, auxTotal), "aux_w"), "loss");
    // Computed in f32, returned in the activation dtype: a bf16 program's results carry
    // bf16 accuracy, and that is the tolerance `partita-run --check` applies to them. A
    // training step keeps them in f32: its loss seeds f32 gradients for the optimizer.
    DType out = c_.train ? DType::F32 : act_;
    ret({convert(loss, out), convert(auxTotal, out)});
    if (c_.returnLogits) ret({logits}, {Role::Batch, Role::None, Role::Model});
  }

  // The roles of a KV cache [B, seq, heads, head_dim]: batch on data, heads on model.
  static std::vector<Role> cacheRoles() {
    return {Role::Batch, Role::None, Role::Model, Role::None};
  }

  // Logits [B,V] of position `at` (i32[]) of x [B,S,M]: only that position is projected.
  Value *logitsAt(Value *x, Value *at) {
    int64_t b = x->type.shape[0], m = c_.dModel;
    Value *zero = cst(0, DType::I32, {}, "zero");
    AttrDict a;
    a["sizes"] = Attr::ofInts({b, 1, m});
    Value *last = b_.create(Opcode::DynamicSlice, {x, zero, at, zero}, std::move(a),
                            TensorType(x->type.dtype, {b, 1, m}), "last");
    Value *logits = outputLogits(last);
    return reshape(logits, {b, c_.vocab}, "logits.last");
  }

  // @prefill: the causal forward of prompts padded to the builder's seq (the cache length,
  // or a shorter bucket: @prefill_<seq>), returning the logits of position length-1 and
  // every layer's keys and values as the filled cache of `cacheLen` positions (a bucket's
  // are zero-padded; decode masks every slot after its position). Tokens at or after
  // `length` are padding: causality keeps them out of the prompt's activations, and they
  // are taken out of MoE routing so they take no expert slot.
  void buildPrefill(int64_t cacheLen) {
    int64_t b = c_.batch, s = c_.seq, v = c_.vocab;
    Value *ids = arg("ids", TensorType(DType::I32, {b, s}), {Role::Batch, Role::None}, v);
    Value *length = arg("length", TensorType(DType::I32, {}), {});
    Value *x = embedTokens(ids);
    buildPositionTables();
    Value *pos = iota({b, s}, 1, "prompt.pos");
    Value *lengthB = bcast(length, {b, s}, {});
    Value *inPrompt = compare(pos, lengthB, "lt", "prompt.valid");
    Value *valid = convert(inPrompt, DType::F32);
    x = decoderLayers(
        x, [&](int64_t l, Value *xn) { return attention(l, xn); },
        [&](const std::string &p, Value *xn) {
          // One group per sequence, whatever --groups says: a sequence's routing must not
          // depend on the other prompts of the batch.
          // The capacity of the whole cache length (at most s: no expert can get more
          // tokens): every bucket routes a prompt exactly as @prefill does.
          MoeOut r = moe(p + ".moe", xn, std::min(capacityFor(cacheLen), s), valid);
          return r.y;
        });
    Value *at = bin(Opcode::Sub, length, cst(1, DType::I32, {}, "one"), "last_pos");
    // Replicated: every device samples the next token from the same whole logits.
    ret({logitsAt(x, at)}, {Role::None, Role::None});
    for (Value *c : kv_)
      ret({padDim(c, 1, cacheLen)}, cacheRoles());
  }

  // @decode_step: one token per sequence at position `pos` against the caches.
  void buildDecodeStep() {
    int64_t b = c_.batch, s = c_.seq, v = c_.vocab;
    Value *ids = arg("ids", TensorType(DType::I32, {b, 1}), {Role::Batch, Role::None}, v);
    pos_ = arg("pos", TensorType(DType::I32, {}), {});
    TensorType ct(act_, {b, s, c_.heads, c_.headDim});
    for (int64_t l = 0; l < c_.layers; ++l) {
      std::string p = "layer" + std::to_string(l) + ".attn";
      caches_.push_back(arg(p + ".k_cache", ct, cacheRoles()));
      caches_.push_back(arg(p + ".v_cache", ct, cacheRoles()));
    }
    Value *x = embedTokens(ids);
    buildDecodePositionTables(pos_);
    x = decoderLayers(
        x, [&](int64_t l, Value *xn) { return decodeAttention(l, xn); },
        [&](const std::string &p, Value *xn) { return decodeMoe(p + ".moe", xn); });
    ret({reshape(outputLogits(x), {b, v}, "logits.last")}, {Role::None, Role::None});
    for (Value *c : kv_)
      ret({c}, cacheRoles());
  }

  // The capacity rule of GlamConfig::capacity for groups of `groupSize` tokens.
  int64_t capacityFor(int64_t groupSize) const {
    double c = std::ceil(c_.capacityFactor * 2.0 * (double)groupSize / (double)c_.experts);
    return std::max<int64_t>(1, std::min<int64_t>((int64_t)c, groupSize));
  }

  void buildMoeLayer() {
    int64_t g = c_.numGroups(), s = c_.groupSize(), m = c_.dModel;
    Value *x = arg("x", TensorType(act_, {g, s, m}), {Role::Batch, Role::None, Role::Model});
    MoeOut r = moe("moe", x, c_.capacity());
    ret({r.y, r.aux, r.combine});
  }

  // Returns `vals`; with `roles`, each result is annotated with that layout.
  void ret(const std::vector<Value *> &vals, const std::vector<Role> &roles = {}) {
    for (Value *v : vals) {
      f_.returns.push_back(v);
      FuncResult r;
      r.type = v->type;
      if (!roles.empty()) r.sharding = shardingFor(roles);
      f_.results.push_back(std::move(r));
    }
  }

private:
  const GlamConfig &c_;
  const ShardingPreset &p_;
  Func &f_;
  Builder b_;
  DType act_;
  Value *buckets_ = nullptr, *causal_ = nullptr;
  Value *embed_ = nullptr, *auxTotal_ = nullptr, *pos_ = nullptr;
  std::vector<Value *> caches_; // @decode_step's cache arguments, k then v per layer
  std::vector<Value *> kv_;     // each layer's keys then values, as the caches to return
};

template <typename Fn>
std::unique_ptr<Module> buildWith(const GlamConfig &c, const ShardingPreset &p, Diagnostics &diags,
                                  Fn fn) {
  std::string err = validateGlamConfig(c);
  if (!err.empty()) {
    diags.error({}, err);
    return nullptr;
  }
  if (p.kind != ShardingPreset::Kind::None && p.mesh.empty()) {
    diags.error({}, "a sharding preset needs a mesh (e.g. --mesh data=2,model=2)");
    return nullptr;
  }
  auto mod = std::make_unique<Module>();
  if (p.kind != ShardingPreset::Kind::None) {
    Mesh mesh;
    mesh.name = kMeshName;
    mesh.axes = p.mesh;
    mod->meshes.push_back(mesh);
  }
  // `config` overrides c for one function (a prefill bucket's shorter seq).
  auto add = [&](const std::string &name, auto build, const GlamConfig *config = nullptr) {
    auto f = std::make_unique<Func>();
    f->name = name;
    GlamBuilder gb(config ? *config : c, p, *f);
    build(gb);
    mod->funcs.push_back(std::move(f));
  };
  fn(add);
  return mod;
}

} // namespace

std::unique_ptr<Module> buildGlam(const GlamConfig &c, const ShardingPreset &p,
                                  Diagnostics &diags) {
  return buildWith(c, p, diags,
                   [](auto add) { add("main", [](GlamBuilder &gb) { gb.buildModel(); }); });
}

std::unique_ptr<Module> buildGlamDecode(const GlamConfig &config, const ShardingPreset &p,
                                        Diagnostics &diags) {
  // Serving takes one prompt per row (no packing) and builds no training step.
  if (config.packed || config.train) {
    diags.error({}, std::string("the serving module cannot be built with ") +
                        (config.train ? "--train" : "--packed"));
    return nullptr;
  }
  // Serving routes one group per sequence (prefill) or per token (decode); the reference
  // @main groups per sequence too so that it computes the same function.
  GlamConfig c = config;
  c.groups = 0;
  c.returnLogits = true;
  // Prefill buckets: @prefill_<L> for L = 16, 24, 32, 48, 64, 96, ... (two per octave)
  // below the cache length, so that a short prompt costs at most 1.5x its length, not the
  // whole cache (partita-generate takes the shortest that holds the prompt); their number
  // grows with the log of the cache length.
  std::vector<GlamConfig> buckets;
  for (int64_t l = 16; l < c.seq; l = (l & (l - 1)) ? l / 3 * 4 : l / 2 * 3) {
    buckets.push_back(c);
    buckets.back().seq = l;
  }
  const int64_t cacheLen = c.seq;
  return buildWith(c, p, diags, [&](auto add) {
    add("prefill", [&](GlamBuilder &gb) { gb.buildPrefill(cacheLen); });
    for (const GlamConfig &bc : buckets)
      add(
          "prefill_" + std::to_string(bc.seq), [&](GlamBuilder &gb) { gb.buildPrefill(cacheLen); },
          &bc);
    add("decode_step", [](GlamBuilder &gb) { gb.buildDecodeStep(); });
    add("main", [](GlamBuilder &gb) { gb.buildModel(); });
  });
}

std::unique_ptr<Module> buildGlamMoeLayer(const GlamConfig &c, const ShardingPreset &p,
                                          Diagnostics &diags) {
  if (c.experts < 2) {
    diags.error({}, "an MoE layer needs --experts of at least 2");
    return nullptr;
  }
  return buildWith(c, p, diags,
                   [](auto add) { add("main", [](GlamBuilder &gb) { gb.buildMoeLayer(); }); });
}

namespace {

// 2 per multiply-add of every einsum of `f` (ir/OpAttrs.h counts one op).
int64_t funcFlops(const Func &f) {
  int64_t flops = 0;
  for (const auto &op : f.ops)
    if (op->opcode == Opcode::Einsum) flops += einsumFlops(*op);
  return flops;
}

} // namespace

GlamStats countGlamStats(const Module &m) {
  GlamStats st;
  const Func *f = m.main();
  if (!f) return st;
  auto endsWith = [](const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const Value *a : f->args) {
    int64_t n = a->type.numElements();
    if (a->name == "ids") {
      st.tokens = n;
      continue;
    }
    if (a->name == "labels" || a->name == "segments" || a->name == "positions") continue;
    int64_t activated = n;
    if ((endsWith(a->name, ".moe.wi") || endsWith(a->name, ".moe.wo")) && a->type.rank() > 0) {
      int64_t e = a->type.shape[0];
      activated = n / e * std::min<int64_t>(2, e);
    }
    bool embedding = a->name == "embed";
    st.params += n;
    st.activatedParams += activated;
    if (!embedding) {
      st.paramsNonEmbedding += n;
      st.activatedParamsNonEmbedding += activated;
    }
  }
  st.flops = funcFlops(*f);
  if (const Func *step = m.func("decode_step"); step && !step->args.empty()) {
    int64_t batch = step->args[0]->type.rank() ? step->args[0]->type.shape[0] : 1;
    st.decodeFlopsPerToken = (double)funcFlops(*step) / (double)std::max<int64_t>(1, batch);
  }
  return st;
}

std::string glamStatsJson(const GlamConfig &c, const GlamStats &s) {
  std::ostringstream os;
  int64_t moeLayers = 0;
  for (int64_t l = 0; l < c.layers; ++l)
    moeLayers += c.isMoeLayer(l);
  char fpt[64];
  std::snprintf(fpt, sizeof fpt, "%.17g", s.flopsPerToken());
  os << "{\n"
     << "  \"config\": \"" << c.name << "\",\n"
     << "  \"layers\": " << c.layers << ",\n"
     << "  \"moe_layers\": " << moeLayers << ",\n"
     << "  \"experts\": " << c.experts << ",\n"
     << "  \"d_model\": " << c.dModel << ",\n"
     << "  \"ffn\": " << c.ffn << ",\n"
     << "  \"heads\": " << c.heads << ",\n"
     << "  \"head_dim\": " << c.headDim << ",\n"
     << "  \"vocab\": " << c.vocab << ",\n"
     << "  \"batch\": " << c.batch << ",\n"
     << "  \"seq\": " << c.seq << ",\n"
     << "  \"groups\": " << c.numGroups() << ",\n"
     << "  \"capacity_factor\": " << c.capacityFactor << ",\n"
     << "  \"capacity\": " << c.capacity() << ",\n"
     << "  \"activations\": \"" << dtypeName(c.activations) << "\",\n"
     << "  \"tokens\": " << s.tokens << ",\n"
     << "  \"params\": " << s.params << ",\n"
     << "  \"params_non_embedding\": " << s.paramsNonEmbedding << ",\n"
     << "  \"activated_params\": " << s.activatedParams << ",\n"
     << "  \"activated_params_non_embedding\": " << s.activatedParamsNonEmbedding << ",\n"
     << "  \"flops\": " << s.flops << ",\n"
     << "  \"flops_per_token\": " << fpt;
  if (s.decodeFlopsPerToken > 0) {
    std::snprintf(fpt, sizeof fpt, "%.17g", s.decodeFlopsPerToken);
    os << ",\n  \"decode_flops_per_token\": " << fpt;
  }
  os << "\n}\n";
  return os.str();
}

} // namespace partita
