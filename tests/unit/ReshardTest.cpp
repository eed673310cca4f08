// The reshard ladder (passes/Reshard.h) on its own: for each kind of reshard the partitioner
// uses, the chosen plan (which collectives, on which axes and dimensions), its cost (operand
// and wire bytes, equal in dry run and emission), and, numerically, that the emitted ops run
// on every device by the simulator turn each device's shard of a random global array into
// its shard under the target sharding. Shards are cut here by hand (not with ir/ShardUtil)
// and their padding cells hold garbage, which no valid output cell may see. Also halo
// windows (collective_permute with neighbours) and window masks.
#include "passes/Reshard.h"
#include "ir/Verifier.h"
#include "runtime/Simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <sstream>

using namespace partita;

namespace {

using Axes = std::vector<std::string>;
using Dims = std::vector<Axes>;

// A value no test input uses: padding cells that leak into valid output show up.
constexpr double kGarbage = 777;

Mesh makeMesh(std::vector<MeshAxis> axes) {
  Mesh m;
  m.name = std::string(1, 'm'); // not = "m": GCC 12 warns -Wrestrict on that (a false positive)
  m.axes = std::move(axes);
  return m;
}

ShardState state(Dims dims, Axes pending = {}, ReduceKind k = ReduceKind::Sum) {
  ShardState s;
  s.dims = std::move(dims);
  s.pending = std::move(pending);
  s.kind = k;
  return s;
}

// ---- Shard geometry, written independently of ir/ShardUtil and Mesh's helpers ----

int64_t axisSize(const Mesh &m, const std::string &a) {
  for (const auto &x : m.axes)
    if (x.name == a) return x.size;
  ADD_FAILURE() << "no axis " << a;
  return 1;
}

int64_t numDevices(const Mesh &m) {
  int64_t n = 1;
  for (const auto &x : m.axes)
    n *= x.size;
  return n;
}

// Device ids are row-major over the mesh axes in declaration order.
int64_t coord(const Mesh &m, int64_t device, const std::string &a) {
  int64_t stride = 1;
  for (int k = (int)m.axes.size() - 1; k >= 0; --k) {
    if (m.axes[k].name == a) return device / stride % m.axes[k].size;
    stride *= m.axes[k].size;
  }
  ADD_FAILURE() << "no axis " << a;
  return 0;
}

// Index of `device` along a group of axes, the first axis major.
int64_t groupIdx(const Mesh &m, int64_t device, const Axes &axes) {
  int64_t i = 0;
  for (const auto &a : axes)
    i = i * axisSize(m, a) + coord(m, device, a);
  return i;
}

int64_t groupSize(const Mesh &m, const Axes &axes) {
  int64_t n = 1;
  for (const auto &a : axes)
    n *= axisSize(m, a);
  return n;
}

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

void forEachIndex(const std::vector<int64_t> &shape,
                  const std::function<void(const std::vector<int64_t> &)> &fn) {
  int64_t total = 1;
  for (int64_t s : shape)
    total *= s;
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < total; ++k) {
    fn(idx);
    for (int d = (int)shape.size() - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

int64_t flat(const std::vector<int64_t> &shape, const std::vector<int64_t> &idx) {
  int64_t o = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    o = o * shape[d] + idx[d];
  return o;
}

std::vector<int64_t> localShape(const Mesh &m, const TensorType &g, const Dims &dims) {
  std::vector<int64_t> s = g.shape;
  for (size_t d = 0; d < s.size(); ++d)
    s[d] = cdiv(s[d], groupSize(m, dims[d]));
  return s;
}

// Global position of local cell `idx` on `device`; false when it is padding.
bool globalPos(const Mesh &m, const TensorType &g, const Dims &dims, int64_t device,
               const std::vector<int64_t> &idx, std::vector<int64_t> &pos) {
  pos.resize(idx.size());
  for (size_t d = 0; d < idx.size(); ++d) {
    int64_t chunk = cdiv(g.shape[d], groupSize(m, dims[d]));
    pos[d] = groupIdx(m, device, dims[d]) * chunk + idx[d];
    if (pos[d] >= g.shape[d]) return false;
  }
  return true;
}

// `device`'s shard of `global` under `dims`, with garbage in the padding.
Tensor shardOf(const Mesh &m, const Tensor &global, const Dims &dims, int64_t device) {
  Tensor t(TensorType(global.type.dtype, localShape(m, global.type, dims)));
  std::vector<int64_t> pos;
  forEachIndex(t.type.shape, [&](const std::vector<int64_t> &idx) {
    t.data[flat(t.type.shape, idx)] = globalPos(m, global.type, dims, device, idx, pos)
                                          ? global.data[flat(global.type.shape, pos)]
                                          : kGarbage;
  });
  return t;
}

// Checks that `local` is `device`'s shard of `global` under `dims` (padding cells excepted).
void expectShard(const Mesh &m, const Tensor &local, const Tensor &global, const Dims &dims,
                 int64_t device) {
  ASSERT_EQ(local.type.shape, localShape(m, global.type, dims)) << "device " << device;
  std::vector<int64_t> pos;
  int bad = 0;
  forEachIndex(local.type.shape, [&](const std::vector<int64_t> &idx) {
    if (!globalPos(m, global.type, dims, device, idx, pos) || bad > 3) return;
    double got = local.data[flat(local.type.shape, idx)];
    double want = global.data[flat(global.type.shape, pos)];
    if (got != want) {
      ++bad;
      ADD_FAILURE() << "device " << device << " cell " << flat(local.type.shape, idx) << ": got "
                    << got << ", want " << want;
    }
  });
}

Tensor randomTensor(const TensorType &t, std::mt19937 &rng) {
  // Small integers: sums, maxima and minima are exact in every dtype used here.
  std::uniform_int_distribution<int> dist(-20, 20);
  Tensor x(t);
  for (double &v : x.data)
    v = dist(rng);
  return x;
}

Sharding toSharding(const ShardState &s) {
  Sharding sh;
  sh.mesh = "m";
  sh.dims = s.dims;
  sh.unreduced = s.pending;
  return sh;
}

// The collectives and data movement of an emitted plan, in order, e.g.
// "all_gather[a]@0 slice": index arithmetic (constant, axis_index, mul, add) is left out.
std::string describe(const std::vector<std::unique_ptr<Op>> &ops) {
  std::ostringstream os;
  auto axes = [](const Op &op) {
    std::string s = "[";
    for (const auto &a : op.getStrings("axes"))
      s += (s.size() > 1 ? "," : "") + a;
    return s + "]";
  };
  for (const auto &p : ops) {
    const Op &op = *p;
    std::string item;
    switch (op.opcode) {
    case Opcode::AllGather:
      item = "all_gather" + axes(op) + "@" + std::to_string(op.getInt("dim"));
      break;
    case Opcode::AllReduce:
      item = "all_reduce" + axes(op) + ":" + op.getString("reduction");
      break;
    case Opcode::ReduceScatter:
      item = "reduce_scatter" + axes(op) + "@" + std::to_string(op.getInt("dim")) + ":" +
             op.getString("reduction");
      break;
    case Opcode::AllToAll:
      item = "all_to_all" + axes(op) + "@" + std::to_string(op.getInt("split_dim")) + "->" +
             std::to_string(op.getInt("concat_dim"));
      break;
    case Opcode::CollectivePermute:
      item = "collective_permute" + axes(op) + std::to_string(op.getInt("shift"));
      break;
    case Opcode::DynamicSlice:
    case Opcode::Slice:
    case Opcode::Pad:
    case Opcode::Concatenate:
      item = opcodeName(op.opcode);
      break;
    default:
      continue;
    }
    os << (os.tellp() > 0 ? " " : "") << item;
  }
  return os.str();
}

// A partitioned @main under construction over mesh `m` with one argument.
struct Program {
  Module mod;
  Func *f;
  Diagnostics diags;
  std::unique_ptr<SpmdContext> ctx;

  explicit Program(const Mesh &m) {
    mod.meshes.push_back(m);
    mod.funcs.push_back(std::make_unique<Func>());
    f = mod.funcs.back().get();
    f->name = "main";
    f->attrs["partitioned"] = Attr::ofSymbol("m");
    ctx = std::make_unique<SpmdContext>(*f, f->ops, mod.meshes[0], diags);
  }
  Value *arg(const TensorType &local, const TensorType &global, const ShardState &s) {
    Value *v = f->addArg("x", local);
    v->sharding = toSharding(s);
    f->argAttrs.back()["global"] = Attr::ofType(global);
    return v;
  }
  void ret(Value *v, const TensorType *global, const ShardState *s) {
    FuncResult r;
    r.type = v->type;
    if (s) r.sharding = toSharding(*s);
    if (global) r.attrs["global"] = Attr::ofType(*global);
    f->results.push_back(r);
    f->returns.push_back(v);
  }
  void verify() {
    Diagnostics d;
    bool ok = verifyModule(mod, d);
    EXPECT_TRUE(ok) << (d.all().empty() ? "" : d.all()[0].str());
  }
};

struct Outcome {
  std::string plan;
  int64_t bytes = 0;
  double wire = 0;
  bool replicatedAll = false;
};

// Emits reshard(from -> to) of a value of global type `g`, checks it against its dry run,
// verifies it, and runs it on every device. The input is a random global array (with a
// pending reduction: one random array per member of the pending group, each device holding
// its shard of its member's array); every device's output must be its shard, under `to`, of
// the independently reduced array (or, when `to` keeps the pending reduction, of its own
// member's array).
Outcome reshardCase(const Mesh &m, const TensorType &g, const ShardState &from,
                    const ShardState &to, unsigned seed = 1) {
  Program p(m);
  TensorType local(g.dtype, localShape(m, g, from.dims));
  Value *x = p.arg(local, g, from);
  ReshardResult r = reshard(p.ctx.get(), m, x, g, from, to);
  EXPECT_TRUE(r.value);
  if (!r.value) return {};
  EXPECT_EQ(r.value->type, TensorType(g.dtype, localShape(m, g, to.dims)));
  ReshardResult dry = reshard(nullptr, m, nullptr, g, from, to);
  EXPECT_EQ(dry.value, nullptr);
  EXPECT_EQ(dry.bytes, r.bytes);
  EXPECT_DOUBLE_EQ(dry.wire, r.wire);
  EXPECT_EQ(dry.replicatedAll, r.replicatedAll);
  EXPECT_FALSE(p.diags.hasErrors());
  p.ret(r.value, &g, &to);
  p.verify();

  std::mt19937 rng(seed);
  const int64_t members = groupSize(m, from.pending);
  std::vector<Tensor> parts;
  for (int64_t k = 0; k < members; ++k)
    parts.push_back(randomTensor(g, rng));
  Tensor whole = parts[0];
  for (int64_t k = 1; k < members; ++k)
    for (size_t i = 0; i < whole.data.size(); ++i) {
      double a = whole.data[i], b = parts[k].data[i];
      whole.data[i] = from.kind == ReduceKind::Max   ? std::max(a, b)
                      : from.kind == ReduceKind::Min ? std::min(a, b)
                                                     : a + b;
    }
  const int64_t n = numDevices(m);
  std::vector<std::vector<Tensor>> args(n);
  for (int64_t d = 0; d < n; ++d)
    args[d].push_back(shardOf(m, parts[groupIdx(m, d, from.pending)], from.dims, d));
  auto out = simulateLocal(*p.f, m, args);
  for (int64_t d = 0; d < n; ++d) {
    const Tensor &want = to.pending.empty() ? whole : parts[groupIdx(m, d, from.pending)];
    expectShard(m, out[d][0], want, to.dims, d);
  }
  return {describe(p.f->ops), r.bytes, r.wire, r.replicatedAll};
}

TensorType f32(std::vector<int64_t> s) { return TensorType(DType::F32, std::move(s)); }

} // namespace

// ---- Wire bytes ----

TEST(Reshard, WireBytesFollowRingAlgorithms) {
  EXPECT_DOUBLE_EQ(wireBytes(Opcode::AllGather, 100, 4), 300);
  EXPECT_DOUBLE_EQ(wireBytes(Opcode::ReduceScatter, 100, 4), 75);
  EXPECT_DOUBLE_EQ(wireBytes(Opcode::AllToAll, 100, 4), 75);
  EXPECT_DOUBLE_EQ(wireBytes(Opcode::AllReduce, 100, 4), 150);
  EXPECT_DOUBLE_EQ(wireBytes(Opcode::CollectivePermute, 100, 4), 100);
  // A group of one moves nothing, whatever the collective.
  EXPECT_DOUBLE_EQ(wireBytes(Opcode::AllGather, 100, 1), 0);
  EXPECT_DOUBLE_EQ(wireBytes(Opcode::AllReduce, 100, 1), 0);
}

TEST(Reshard, StateKeyAndEquality) {
  EXPECT_EQ(state({{"a", "b"}, {}}).key(), "[a,b,][]");
  EXPECT_EQ(state({{}, {"b"}}, {"a"}, ReduceKind::Max).key(), "[][b,]|max:a,");
  // The reduction kind only matters while something is pending.
  EXPECT_EQ(state({{"a"}}, {}, ReduceKind::Max), state({{"a"}}));
  EXPECT_NE(state({{}}, {"a"}, ReduceKind::Max), state({{}}, {"a"}));
  EXPECT_STREQ(reduceKindName(ReduceKind::Min), "min");
}

// ---- One step of the ladder each ----

TEST(Reshard, SameStateIsFree) {
  Mesh m = makeMesh({{"a", 2}});
  Outcome o = reshardCase(m, f32({4, 6}), state({{"a"}, {}}), state({{"a"}, {}}));
  EXPECT_EQ(o.plan, "");
  EXPECT_EQ(o.bytes, 0);
  EXPECT_EQ(o.wire, 0);
}

TEST(Reshard, ReplicatedToShardedIsALocalSlice) {
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome o = reshardCase(m, f32({4, 6}), state({{}, {}}), state({{"a"}, {"b"}}));
  EXPECT_EQ(o.plan, "dynamic_slice dynamic_slice");
  EXPECT_EQ(o.bytes, 0);
  EXPECT_EQ(o.wire, 0);
  EXPECT_FALSE(o.replicatedAll);
}

TEST(Reshard, ShardedToReplicatedIsAnAllGather) {
  Mesh m = makeMesh({{"a", 4}});
  Outcome o = reshardCase(m, f32({8, 3}), state({{"a"}, {}}), state({{}, {}}));
  // Operand f32[2,3] = 24 bytes; a ring all_gather over 4 moves 3 of them.
  EXPECT_EQ(o.plan, "all_gather[a]@0");
  EXPECT_EQ(o.bytes, 24);
  EXPECT_DOUBLE_EQ(o.wire, 72);
  EXPECT_FALSE(o.replicatedAll); // the target is replicated: nothing to warn about
}

TEST(Reshard, UnreducedToReplicatedIsAnAllReduce) {
  Mesh m = makeMesh({{"a", 4}});
  Outcome o = reshardCase(m, f32({4, 6}), state({{}, {}}, {"a"}), state({{}, {}}));
  EXPECT_EQ(o.plan, "all_reduce[a]:sum");
  EXPECT_EQ(o.bytes, 96);
  EXPECT_DOUBLE_EQ(o.wire, 2 * 96 * 3 / 4.0);
}

TEST(Reshard, PendingMaxAndMinKeepTheirReduction) {
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome mx = reshardCase(m, f32({5}), state({{}}, {"b"}, ReduceKind::Max), state({{}}), 3);
  EXPECT_EQ(mx.plan, "all_reduce[b]:max");
  EXPECT_EQ(mx.bytes, 20);
  EXPECT_DOUBLE_EQ(mx.wire, 2 * 20 * 2 / 3.0);
  Outcome mn =
      reshardCase(m, f32({6}), state({{}}, {"a", "b"}, ReduceKind::Min), state({{"b"}}), 4);
  EXPECT_EQ(mn.plan, "reduce_scatter[b]@0:min all_reduce[a]:min");
}

TEST(Reshard, UnreducedToShardedIsAReduceScatter) {
  Mesh m = makeMesh({{"a", 4}});
  Outcome o = reshardCase(m, f32({8, 6}), state({{}, {}}, {"a"}), state({{"a"}, {}}));
  EXPECT_EQ(o.plan, "reduce_scatter[a]@0:sum");
  EXPECT_EQ(o.bytes, 192);
  EXPECT_DOUBLE_EQ(o.wire, 192 * 3 / 4.0);
}

TEST(Reshard, PartlyScatteredPendingSum) {
  // Pending over a and b, target split by a only: reduce_scatter over a, then the smaller
  // all_reduce over b.
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome o = reshardCase(m, f32({4, 6}), state({{}, {}}, {"a", "b"}), state({{"a"}, {}}));
  EXPECT_EQ(o.plan, "reduce_scatter[a]@0:sum all_reduce[b]:sum");
  EXPECT_EQ(o.bytes, 96 + 48);
  EXPECT_DOUBLE_EQ(o.wire, 96 / 2.0 + 2 * 48 * 2 / 3.0);
}

TEST(Reshard, PendingSumOntoAnUnrelatedAxisReducesThenSlices) {
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome o = reshardCase(m, f32({6, 4}), state({{}, {}}, {"a"}), state({{"b"}, {}}));
  EXPECT_EQ(o.plan, "all_reduce[a]:sum dynamic_slice");
  EXPECT_EQ(o.bytes, 96);
}

TEST(Reshard, PendingSumStaysPendingWhileAnAxisMoves) {
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome o = reshardCase(m, f32({6, 6}), state({{"b"}, {}}, {"a"}), state({{}, {"b"}}, {"a"}));
  EXPECT_EQ(o.plan, "all_to_all[b]@1->0");
  EXPECT_EQ(o.bytes, 48);
  EXPECT_DOUBLE_EQ(o.wire, 48 * 2 / 3.0);
}

// A pending sum that meets an all_to_all: reduce_scatter along the dimension nobody moves,
// the all_to_all on half the bytes, then all_gather (640 wire bytes), not all_reduce and
// the full all_to_all (512 + 256).
TEST(Reshard, PendingSumBeforeAnAllToAllScattersFirst) {
  Mesh m = makeMesh({{"a", 2}, {"b", 2}});
  Outcome o = reshardCase(m, f32({8, 8, 4}), state({{"a"}, {}, {}}, {"b"}), state({{}, {"a"}, {}}));
  EXPECT_EQ(o.plan, "reduce_scatter[b]@2:sum all_to_all[a]@1->0 all_gather[b]@2");
  EXPECT_EQ(o.bytes, 512 + 256 + 256);
  EXPECT_DOUBLE_EQ(o.wire, 256 + 128 + 256);
}

// The same over a group of 4 and with a max: the moves shrink by the group size.
TEST(Reshard, PendingMaxBeforeAnAllToAllOverAGroupOfFour) {
  Mesh m = makeMesh({{"a", 2}, {"b", 4}});
  Outcome o = reshardCase(m, f32({4, 6, 8}), state({{"a"}, {}, {}}, {"b"}, ReduceKind::Max),
                          state({{}, {"a"}, {}}), 3);
  EXPECT_EQ(o.plan, "reduce_scatter[b]@2:max all_to_all[a]@1->0 all_gather[b]@2");
  EXPECT_EQ(o.bytes, 384 + 96 + 96);
  EXPECT_DOUBLE_EQ(o.wire, 384 * 3 / 4.0 + 96 / 2.0 + 96 * 3);
}

// Nothing moves after the reduction: the three-step plan would send the same bytes in one
// more collective, so the all_reduce stays.
TEST(Reshard, PendingSumWithNothingToMoveStaysAnAllReduce) {
  Mesh m = makeMesh({{"a", 2}, {"b", 2}});
  Outcome o = reshardCase(m, f32({8, 8}), state({{"a"}, {}}, {"b"}), state({{"a"}, {}}));
  EXPECT_EQ(o.plan, "all_reduce[b]:sum");
}

// Uneven dimensions (padded reduce_scatter, gather then slice): whatever plan wins, the
// result is right (reshardCase runs it) and it costs at most the plain all_reduce and
// all_to_all (144 + 72 wire bytes).
TEST(Reshard, ThreeStepPlanOnUnevenDimensions) {
  Mesh m = makeMesh({{"a", 2}, {"b", 2}});
  Outcome o = reshardCase(m, f32({4, 6, 3}), state({{"a"}, {}, {}}, {"b"}), state({{}, {"a"}, {}}));
  EXPECT_LE(o.wire, 144 + 72.0) << o.plan;
  o = reshardCase(m, f32({5, 6, 7}), state({{"a"}, {}, {}}, {"b"}), state({{}, {"a"}, {}}), 2);
  EXPECT_LE(o.wire, 3 * 6 * 7 * 4 * (1 + 0.5) + 1e-9) << o.plan;
}

TEST(Reshard, AxisMoveBetweenDimsIsAnAllToAll) {
  Mesh m = makeMesh({{"a", 2}});
  Outcome o = reshardCase(m, f32({4, 6}), state({{"a"}, {}}), state({{}, {"a"}}));
  EXPECT_EQ(o.plan, "all_to_all[a]@1->0");
  EXPECT_EQ(o.bytes, 48);
  EXPECT_DOUBLE_EQ(o.wire, 24);
  EXPECT_FALSE(o.replicatedAll);
}

// ---- Axis swaps (docs/partitioning.md, tests/lit/partition/axis_swap.pir) ----

TEST(Reshard, SwapGathersTheSmallerAxisMovesTheOtherAndSlices) {
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome o = reshardCase(m, f32({6, 6}), state({{"a"}, {"b"}}), state({{"b"}, {"a"}}));
  EXPECT_EQ(o.plan, "all_gather[a]@0 all_to_all[b]@0->1 dynamic_slice");
  // all_gather of f32[3,2] over 2, then all_to_all of f32[6,2] over 3.
  EXPECT_EQ(o.bytes, 24 + 48);
  EXPECT_DOUBLE_EQ(o.wire, 24 + 48 * 2 / 3.0);
  EXPECT_FALSE(o.replicatedAll);
}

TEST(Reshard, ThreeWayRotationIsTwoAllToAlls) {
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome o = reshardCase(m, f32({6, 4, 6}), state({{"a"}, {}, {"b"}}), state({{"b"}, {"a"}, {}}));
  EXPECT_EQ(o.plan, "all_to_all[a]@1->0 all_to_all[b]@0->2");
  EXPECT_EQ(o.bytes, 96 + 96);
  EXPECT_DOUBLE_EQ(o.wire, 48 + 64);
}

TEST(Reshard, AxisReplacedInPlaceParksTheOldAxis) {
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome o = reshardCase(m, f32({6, 4}), state({{"a"}, {}}), state({{"b"}, {}}));
  EXPECT_EQ(o.plan, "all_to_all[a]@1->0 dynamic_slice all_gather[a]@1");
  EXPECT_EQ(o.bytes, 48 + 16);
  EXPECT_DOUBLE_EQ(o.wire, 24 + 16);
  EXPECT_FALSE(o.replicatedAll);
}

TEST(Reshard, OneDimensionalAxisChangeReplicatesAndSaysSo) {
  // No second dimension to park in: the value passes through full replication.
  Mesh m = makeMesh({{"a", 2}, {"b", 3}});
  Outcome o = reshardCase(m, f32({12}), state({{"a"}}), state({{"b"}}));
  EXPECT_EQ(o.plan, "all_gather[a]@0 dynamic_slice");
  EXPECT_EQ(o.bytes, 24);
  EXPECT_DOUBLE_EQ(o.wire, 24);
  EXPECT_TRUE(o.replicatedAll);
}

// ---- Multi-axis groups on a 2D mesh ----

TEST(Reshard, MultiAxisGroups) {
  Mesh m = makeMesh({{"a", 2}, {"b", 2}});
  TensorType g = f32({8, 4});
  Outcome all = reshardCase(m, g, state({{"a", "b"}, {}}), state({{}, {}}));
  EXPECT_EQ(all.plan, "all_gather[a,b]@0");
  EXPECT_EQ(all.bytes, 32);
  EXPECT_DOUBLE_EQ(all.wire, 96);

  // Only the minor axis of the group is gathered.
  Outcome minor = reshardCase(m, g, state({{"a", "b"}, {}}), state({{"a"}, {}}));
  EXPECT_EQ(minor.plan, "all_gather[b]@0");
  EXPECT_EQ(minor.bytes, 32);
  EXPECT_DOUBLE_EQ(minor.wire, 32);

  Outcome refine = reshardCase(m, g, state({{"a"}, {}}), state({{"a", "b"}, {}}));
  EXPECT_EQ(refine.plan, "dynamic_slice");
  EXPECT_EQ(refine.bytes, 0);

  Outcome split = reshardCase(m, g, state({{"a", "b"}, {}}), state({{"a"}, {"b"}}));
  EXPECT_EQ(split.plan, "all_to_all[b]@1->0");
  EXPECT_EQ(split.bytes, 32);
  EXPECT_DOUBLE_EQ(split.wire, 16);

  Outcome rs = reshardCase(m, g, state({{}, {}}, {"a", "b"}), state({{"a", "b"}, {}}));
  EXPECT_EQ(rs.plan, "reduce_scatter[a,b]@0:sum");
  EXPECT_EQ(rs.bytes, 128);
  EXPECT_DOUBLE_EQ(rs.wire, 96);

  // The group order matters: [a,b] and [b,a] hold different rows on the same device.
  Outcome order = reshardCase(m, g, state({{"a", "b"}, {}}), state({{"b", "a"}, {}}));
  EXPECT_EQ(order.plan, "all_to_all[b]@1->0 all_gather[a]@0 all_to_all[b]@0->1 dynamic_slice");
  EXPECT_FALSE(order.replicatedAll);
}

// ---- Uneven shards (padding holds garbage on input) ----

TEST(Reshard, UnevenGatherDropsThePadding) {
  Mesh m = makeMesh({{"x", 2}});
  Outcome o = reshardCase(m, f32({5, 4}), state({{"x"}, {}}), state({{}, {}}));
  EXPECT_EQ(o.plan, "all_gather[x]@0 slice");
  EXPECT_EQ(o.bytes, 48);
  EXPECT_DOUBLE_EQ(o.wire, 48);
}

TEST(Reshard, UnevenSliceAndReduceScatterPadFirst) {
  Mesh m = makeMesh({{"x", 2}});
  Outcome ds = reshardCase(m, f32({5, 4}), state({{}, {}}), state({{"x"}, {}}));
  EXPECT_EQ(ds.plan, "pad dynamic_slice");
  EXPECT_EQ(ds.bytes, 0);
  // The reduce_scatter operand is the padded f32[6,4].
  Outcome rs = reshardCase(m, f32({5, 4}), state({{}, {}}, {"x"}), state({{"x"}, {}}));
  EXPECT_EQ(rs.plan, "pad reduce_scatter[x]@0:sum");
  EXPECT_EQ(rs.bytes, 96);
  EXPECT_DOUBLE_EQ(rs.wire, 48);
}

TEST(Reshard, UnevenAllToAll) {
  Mesh m = makeMesh({{"x", 2}});
  // Split dimension 1 divides; the concatenated dimension 0 is sliced back to 5.
  Outcome a = reshardCase(m, f32({5, 6}), state({{"x"}, {}}), state({{}, {"x"}}));
  EXPECT_EQ(a.plan, "all_to_all[x]@1->0 slice");
  EXPECT_EQ(a.bytes, 72);
  EXPECT_DOUBLE_EQ(a.wire, 36);
  // Both uneven: pad the split dimension, slice the concatenated one.
  Outcome b = reshardCase(m, f32({5, 5}), state({{}, {"x"}}), state({{"x"}, {}}));
  EXPECT_EQ(b.plan, "pad all_to_all[x]@0->1 slice");
  EXPECT_EQ(b.bytes, 72);
  EXPECT_DOUBLE_EQ(b.wire, 36);
}

TEST(Reshard, MisalignedRefinementGathersTheDimensionWhole) {
  // 5 rows over a: 3 per shard; over (a,b): 2 per shard, so the shard of (a,b) = (0,1)
  // starts at row 2, inside a's first shard: no local slice of a's shard gives it.
  Mesh m = makeMesh({{"a", 2}, {"b", 2}});
  Outcome o = reshardCase(m, f32({5, 4}), state({{"a"}, {}}), state({{"a", "b"}, {}}));
  EXPECT_EQ(o.plan, "all_gather[a]@0 slice pad dynamic_slice");
  EXPECT_EQ(o.bytes, 48);
  EXPECT_DOUBLE_EQ(o.wire, 48);
  EXPECT_TRUE(o.replicatedAll);
}

TEST(Reshard, IntegerValues) {
  Mesh m = makeMesh({{"a", 2}, {"b", 2}});
  TensorType g(DType::I32, {6, 3});
  Outcome o = reshardCase(m, g, state({{}, {}}, {"a"}), state({{"a", "b"}, {}}));
  EXPECT_EQ(o.plan, "all_reduce[a]:sum pad dynamic_slice");
}

// ---- Halo windows (collective_permute) and window masks ----

namespace {

struct HaloOutcome {
  std::string plan;
  int64_t bytes = 0;
  double wire = 0;
  int64_t depth = 0;
};

// Builds w's window of a rank-2 operand of global type `g` (dimension w.dim split over
// w.from, the other whole) and runs it: wherever device i's window cell j maps to a global
// position a + b*i + j in [validLo, validHi), it must hold the operand's cell there.
HaloOutcome haloCase(const Mesh &m, const TensorType &g, const HaloWindow &w) {
  Program p(m);
  Dims dims(g.rank());
  dims[w.dim] = w.from;
  TensorType local(g.dtype, localShape(m, g, dims));
  Value *x = p.arg(local, g, state(dims));
  HaloResult r = haloWindow(p.ctx.get(), m, x, local, w);
  EXPECT_TRUE(r.value);
  if (!r.value) return {};
  TensorType wt = local;
  wt.shape[w.dim] = w.size;
  EXPECT_EQ(r.value->type, wt);
  HaloResult dry = haloWindow(nullptr, m, nullptr, local, w);
  EXPECT_EQ(dry.value, nullptr);
  EXPECT_EQ(dry.bytes, r.bytes);
  EXPECT_DOUBLE_EQ(dry.wire, r.wire);
  EXPECT_EQ(dry.depth, r.depth);
  p.ret(r.value, nullptr, nullptr);
  p.verify();

  std::mt19937 rng(7);
  Tensor whole = randomTensor(g, rng);
  const int64_t n = numDevices(m);
  std::vector<std::vector<Tensor>> args(n);
  for (int64_t d = 0; d < n; ++d)
    args[d].push_back(shardOf(m, whole, dims, d));
  auto out = simulateLocal(*p.f, m, args);
  for (int64_t d = 0; d < n; ++d) {
    const Tensor &t = out[d][0];
    EXPECT_EQ(t.type, wt);
    int64_t i = groupIdx(m, d, w.axes);
    forEachIndex(wt.shape, [&](const std::vector<int64_t> &idx) {
      std::vector<int64_t> pos = idx;
      pos[w.dim] = w.a + w.b * i + idx[w.dim];
      if (pos[w.dim] < std::max<int64_t>(0, w.validLo) ||
          pos[w.dim] >= std::min(w.global, w.validHi))
        return;
      EXPECT_EQ(t.data[flat(wt.shape, idx)], whole.data[flat(g.shape, pos)])
          << "device " << d << " window cell " << idx[0] << "," << idx[1];
    });
  }
  return {describe(p.f->ops), r.bytes, r.wire, r.depth};
}

HaloWindow window(int64_t global, Axes from, Axes axes, int64_t a, int64_t b, int64_t size,
                  int64_t validLo, int64_t validHi) {
  HaloWindow w;
  w.dim = 0;
  w.global = global;
  w.from = std::move(from);
  w.axes = std::move(axes);
  w.a = a;
  w.b = b;
  w.size = size;
  w.validLo = validLo;
  w.validHi = validHi;
  return w;
}

} // namespace

TEST(ReshardHalo, ShiftByOneTakesARowFromTheRightNeighbour) {
  // slice [1:16] of f32[16,8] split 4 ways (tests/lit/partition/halo_shift.pir): result
  // shards of 4 rows start at 1 + 4i, one row past this device's shard.
  Mesh m = makeMesh({{"x", 4}});
  HaloOutcome o = haloCase(m, f32({16, 8}), window(16, {"x"}, {"x"}, 1, 4, 4, 1, 16));
  EXPECT_EQ(o.plan, "slice collective_permute[x]-1 concatenate slice");
  EXPECT_EQ(o.bytes, 32);
  EXPECT_DOUBLE_EQ(o.wire, 32);
  EXPECT_EQ(o.depth, 1);
}

TEST(ReshardHalo, ShiftOverAMultiAxisGroup) {
  Mesh m = makeMesh({{"a", 2}, {"b", 2}});
  HaloOutcome o = haloCase(m, f32({16, 2}), window(16, {"a", "b"}, {"a", "b"}, 1, 4, 4, 1, 16));
  EXPECT_EQ(o.plan, "slice collective_permute[a,b]-1 concatenate slice");
  EXPECT_EQ(o.bytes, 8);
  EXPECT_EQ(o.depth, 1);
}

TEST(ReshardHalo, PadWindowDriftsAgainstTheShards) {
  // pad low 1 high 1 of f32[8,3] over 4 devices: result shards of 3 rows start at 3i - 1,
  // operand shards of 2 at 2i; device 2 needs the whole next shard.
  Mesh m = makeMesh({{"x", 4}});
  HaloOutcome o = haloCase(m, f32({8, 3}), window(8, {"x"}, {"x"}, -1, 3, 3, 0, 8));
  EXPECT_EQ(o.plan, "collective_permute[x]-1 concatenate pad dynamic_slice");
  EXPECT_EQ(o.bytes, 24);
  EXPECT_EQ(o.depth, 1);
}

TEST(ReshardHalo, DeepWindowReportsItsDepth) {
  // The first operand (4 rows, one per device) of a concatenation into 16 rows split 4 ways:
  // device 0 needs all 4 rows, three shards deep. haloWindow builds it; the depth tells the
  // partitioner that this exceeds kMaxHaloDepth (it gathers instead).
  Mesh m = makeMesh({{"x", 4}});
  HaloOutcome o = haloCase(m, f32({4, 2}), window(4, {"x"}, {"x"}, 0, 4, 4, 0, 4));
  EXPECT_EQ(o.plan, "collective_permute[x]-1 collective_permute[x]-2 collective_permute[x]-3 "
                    "concatenate dynamic_slice");
  EXPECT_EQ(o.bytes, 24);
  EXPECT_EQ(o.depth, 3);
  EXPECT_GT(o.depth, kMaxHaloDepth);
}

TEST(ReshardHalo, StrideMatchingTheSplitNeedsNoHalo) {
  // slice start 1 stride 2 of 16 rows over 4 devices: result shards of 2 (8 rows) read rows
  // 1 + 4i and 3 + 4i, inside this device's shard.
  Mesh m = makeMesh({{"x", 4}});
  HaloOutcome o = haloCase(m, f32({16, 2}), window(16, {"x"}, {"x"}, 1, 4, 3, 1, 16));
  EXPECT_EQ(o.plan, "slice");
  EXPECT_EQ(o.bytes, 0);
  EXPECT_EQ(o.depth, 0);
}

TEST(ReshardHalo, WholeOperandNeedsNoCommunication) {
  // The operand dimension is not split: each device cuts its window out of the whole.
  Mesh m = makeMesh({{"x", 4}});
  HaloOutcome o = haloCase(m, f32({10, 2}), window(10, {}, {"x"}, -1, 3, 3, 0, 10));
  EXPECT_EQ(o.plan, "pad dynamic_slice");
  EXPECT_EQ(o.bytes, 0);
  EXPECT_EQ(o.depth, 0);
}

TEST(ReshardHalo, WindowMask) {
  Mesh m = makeMesh({{"x", 4}});
  {
    // Device i's cells are positions 3i - 1 + j; valid ones lie in [0, 8).
    Program p(m);
    Value *mask = windowMask(*p.ctx, {3, 2}, 0, {"x"}, -1, 3, 0, 8);
    ASSERT_TRUE(mask);
    EXPECT_EQ(mask->type, TensorType(DType::I1, {3, 2}));
    p.ret(mask, nullptr, nullptr);
    p.verify();
    auto out = simulateLocal(*p.f, m, std::vector<std::vector<Tensor>>(4));
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 3; ++j)
        for (int64_t k = 0; k < 2; ++k) {
          int64_t pos = 3 * i - 1 + j;
          EXPECT_EQ(out[i][0].data[j * 2 + k], pos >= 0 && pos < 8 ? 1 : 0)
              << "device " << i << " cell " << j;
        }
  }
  {
    // Windows [2i, 2i + 2) never leave [0, 8): no mask at all.
    Program p(m);
    EXPECT_EQ(windowMask(*p.ctx, {2}, 0, {"x"}, 0, 2, 0, 8), nullptr);
  }
}
