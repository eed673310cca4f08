// The collective plan (ir/CollectivePlan.h) against a brute-force reading of spec section 3:
// every collective kind on 1D, 2D and 3D meshes, along inner dimensions, over axis subsets
// in and out of mesh order, f32/bf16/i32. Each device's expected result is computed element
// by element from the definition, with group members found by sorting coordinates (not the
// plan's mixed-radix walk), and compared with the plan executed by partita_rt_collective
// (descriptor round trip, in-memory world, one thread per device), by the device interpreter
// (runCollective) and by the reference interpreter (evalCollective).
#include "ir/CollectivePlan.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"
#include "runtime/Abi.h"
#include "runtime/Collectives.h"
#include "runtime/DeviceInterpreter.h"
#include "runtime/Executable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <thread>

using namespace partita;

namespace {

std::unique_ptr<Module> parse(const std::string &text, bool verify = true) {
  Diagnostics d;
  auto m = parseModule(text, "plan.pir", d);
  if (m && verify && !verifyModule(*m, d)) m.reset();
  std::ostringstream os;
  d.print(os);
  EXPECT_TRUE(m) << os.str() << "\n" << text;
  return m;
}

std::string meshText(const std::vector<std::pair<std::string, int64_t>> &axes) {
  std::string s = "mesh @m = <[";
  for (size_t i = 0; i < axes.size(); ++i)
    s += (i ? ", \"" : "\"") + axes[i].first + "\"=" + std::to_string(axes[i].second);
  return s + "]>\n";
}

std::string typeText(DType t, const std::vector<int64_t> &shape) {
  return TensorType(t, shape).str();
}

// A module whose @main applies one collective `op` with attributes `attrs` to %x.
std::string oneOp(const std::vector<std::pair<std::string, int64_t>> &mesh, const std::string &op,
                  const std::string &attrs, DType t, const std::vector<int64_t> &in,
                  const std::vector<int64_t> &out) {
  return meshText(mesh) + "func @main(%x: " + typeText(t, in) + ") -> (" + typeText(t, out) +
         ") attributes {partitioned = @m} {\n  %y = " + op + "(%x) {" + attrs +
         "} : " + typeText(t, out) + "\n  return %y\n}\n";
}

std::string axesAttr(const std::vector<std::string> &axes) {
  std::string s = "axes = [";
  for (size_t i = 0; i < axes.size(); ++i)
    s += (i ? ", \"" : "\"") + axes[i] + "\"";
  return s + "]";
}

// The group of `device` along `axes` by the definition: the devices that agree with it off
// the group's axes, ordered lexicographically by their coordinates on axes[0], axes[1], ...
std::vector<int64_t> bruteMembers(const Mesh &mesh, int64_t device,
                                  const std::vector<std::string> &axes) {
  std::vector<int> idx;
  for (const auto &a : axes)
    idx.push_back(mesh.axisIndex(a));
  auto mine = mesh.coords(device);
  std::vector<std::pair<std::vector<int64_t>, int64_t>> keyed;
  for (int64_t e = 0; e < mesh.numDevices(); ++e) {
    auto c = mesh.coords(e);
    bool same = true;
    for (size_t a = 0; a < c.size(); ++a)
      if (std::find(idx.begin(), idx.end(), (int)a) == idx.end() && c[a] != mine[a]) same = false;
    if (!same) continue;
    std::vector<int64_t> key;
    for (int a : idx)
      key.push_back(c[a]);
    keyed.push_back({key, e});
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<int64_t> out;
  for (auto &k : keyed)
    out.push_back(k.second);
  return out;
}

std::vector<int64_t> unravel(int64_t lin, const std::vector<int64_t> &shape) {
  std::vector<int64_t> ix(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    ix[i] = lin % shape[i];
    lin /= shape[i];
  }
  return ix;
}

int64_t ravel(const std::vector<int64_t> &ix, const std::vector<int64_t> &shape) {
  int64_t lin = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    lin = lin * shape[i] + ix[i];
  return lin;
}

// Device d's result of collective `op`, element by element from spec section 3.
std::vector<double> bruteResult(const Op &op, const Mesh &mesh, int64_t d,
                                const std::vector<Tensor> &in) {
  auto axes = op.getStrings("axes");
  auto members = bruteMembers(mesh, d, axes);
  int64_t n = (int64_t)members.size();
  int64_t me = std::find(members.begin(), members.end(), d) - members.begin();
  const auto &is = op.operands[0]->type.shape, &os = op.type().shape;
  std::string red = op.getString("reduction", "sum");
  auto reduce = [&](int64_t lin) {
    double acc = in[members[0]].data[lin];
    for (int64_t k = 1; k < n; ++k) {
      double v = in[members[k]].data[lin];
      acc = red == "sum" ? acc + v : red == "max" ? std::max(acc, v) : std::min(acc, v);
    }
    return acc;
  };
  std::vector<double> out(op.type().numElements());
  for (int64_t o = 0; o < (int64_t)out.size(); ++o) {
    auto ix = unravel(o, os);
    switch (op.opcode) {
    case Opcode::AllReduce:
      out[o] = reduce(o);
      break;
    case Opcode::AllGather: {
      int64_t dim = op.getInt("dim"), k = ix[dim] / is[dim];
      ix[dim] %= is[dim];
      out[o] = in[members[k]].data[ravel(ix, is)];
      break;
    }
    case Opcode::ReduceScatter: {
      int64_t dim = op.getInt("dim");
      ix[dim] += me * os[dim];
      out[o] = reduce(ravel(ix, is));
      break;
    }
    case Opcode::AllToAll: {
      int64_t s = op.getInt("split_dim"), c = op.getInt("concat_dim");
      std::vector<int64_t> piece = is;
      piece[s] /= n;
      int64_t k = ix[c] / piece[c];
      ix[c] %= piece[c];
      ix[s] += me * piece[s];
      out[o] = in[members[k]].data[ravel(ix, is)];
      break;
    }
    case Opcode::CollectivePermute: {
      int64_t from = ((me - op.getInt("shift")) % n + n) % n;
      out[o] = in[members[from]].data[o];
      break;
    }
    default:
      ADD_FAILURE() << "not a collective";
    }
  }
  return out;
}

// Distinct small integers per device and element, exact in bf16 and in sums of a few.
std::vector<Tensor> deviceInputs(const TensorType &t, int64_t devices) {
  std::vector<Tensor> in;
  for (int64_t d = 0; d < devices; ++d) {
    Tensor x(t);
    for (int64_t k = 0; k < x.size(); ++k)
      x.data[k] = t.dtype == DType::BF16 ? (double)((d * 37 + k * 11) % 21 - 10)
                                         : (double)(d * 1000 + k) * (k % 2 ? -1 : 1);
    in.push_back(x);
  }
  return in;
}

struct Case {
  std::vector<std::pair<std::string, int64_t>> mesh;
  std::string op, attrs;
  DType dtype;
  std::vector<int64_t> in, out;
};

// Runs the plan of the case's op on every device (in-memory world, one thread per device)
// through the descriptor entry point and through runCollective, and the reference
// interpreter on all at once; all three must equal the brute-force result.
void checkCase(const Case &c) {
  std::string text = oneOp(c.mesh, c.op, c.attrs, c.dtype, c.in, c.out);
  SCOPED_TRACE(text);
  auto m = parse(text);
  ASSERT_TRUE(m);
  const Mesh &mesh = m->meshes[0];
  const Op &op = *m->main()->ops[0];
  int64_t nd = mesh.numDevices();
  auto in = deviceInputs(op.operands[0]->type, nd);
  std::vector<std::vector<double>> want(nd);
  for (int64_t d = 0; d < nd; ++d)
    want[d] = bruteResult(op, mesh, d, in);

  CollectivePlan plan = planCollective(op, mesh);
  std::vector<int64_t> desc = plan.encode();
  EXPECT_EQ(CollectivePlan::decode(desc.data()), plan);

  // Engines: 0 the descriptor entry point, 1 runCollective, 2 the async entry points
  // (start in a slot, then wait; the in-memory communicator completes at start).
  for (int engine = 0; engine < 3; ++engine) {
    InMemoryWorld world(mesh, 60);
    std::vector<Tensor> got(nd);
    std::vector<std::thread> threads;
    for (int64_t d = 0; d < nd; ++d)
      threads.emplace_back([&, d] {
        auto coll = world.device(d);
        NativeBuffer src = NativeBuffer::fromTensor(in[d]), dst(op.type());
        if (engine == 0 || engine == 2) {
          // Scratch poisoned so that a plan reading scratch it did not write shows up.
          std::vector<unsigned char> scratch(plan.scratchBytes, 0xA5);
          PartitaCtx ctx{};
          ctx.collectives = coll.get();
          ctx.device = d;
          void *sp = scratch.empty() ? nullptr : scratch.data();
          if (engine == 0) {
            partita_rt_collective(&ctx, desc.data(), src.data(), dst.data(), sp);
          } else {
            partita_rt_collective_start(&ctx, desc.data(), src.data(), dst.data(), sp, 5);
            EXPECT_EQ(coll->outstanding(), 1);
            partita_rt_collective_wait(&ctx, 5);
            EXPECT_EQ(coll->outstanding(), 0);
          }
        } else {
          runCollective(op, mesh, src.data(), dst.data(), *coll);
        }
        got[d] = dst.toTensor();
      });
    for (auto &t : threads)
      t.join();
    ASSERT_FALSE(world.failed()) << world.failure();
    for (int64_t d = 0; d < nd; ++d)
      EXPECT_EQ(got[d].data, want[d]) << (engine == 2   ? "partita_rt_collective_start/wait"
                                          : engine == 1 ? "runCollective"
                                                        : "partita_rt_collective")
                                      << ", device " << d;
  }

  std::vector<const Tensor *> ptrs;
  for (const Tensor &t : in)
    ptrs.push_back(&t);
  auto ref = evalCollective(op, mesh, ptrs);
  for (int64_t d = 0; d < nd; ++d)
    EXPECT_EQ(ref[d].data, want[d]) << "evalCollective, device " << d;
}

const std::vector<std::pair<std::string, int64_t>> k1D = {{"x", 4}};
const std::vector<std::pair<std::string, int64_t>> k2D = {{"a", 2}, {"b", 3}};
const std::vector<std::pair<std::string, int64_t>> k3D = {{"p", 2}, {"q", 3}, {"r", 2}};

Mesh meshOf(const std::vector<std::pair<std::string, int64_t>> &axes) {
  Mesh m;
  m.name = "m";
  for (const auto &[name, size] : axes)
    m.axes.push_back({name, size});
  return m;
}

} // namespace

TEST(CollectivePlan, GroupMembersMatchDefinitionForEveryAxisOrder) {
  Mesh mesh = meshOf(k3D);
  std::vector<std::vector<std::string>> subsets = {{},
                                                   {"p"},
                                                   {"q"},
                                                   {"r"},
                                                   {"p", "q"},
                                                   {"q", "p"},
                                                   {"r", "p"},
                                                   {"q", "r"},
                                                   {"r", "q"},
                                                   {"p", "r"},
                                                   {"p", "q", "r"},
                                                   {"r", "q", "p"},
                                                   {"q", "r", "p"}};
  for (const auto &axes : subsets) {
    auto f = parse(
        oneOp(k3D, "all_reduce", axesAttr(axes) + ", reduction = \"sum\"", DType::F32, {2}, {2}));
    ASSERT_TRUE(f);
    CollectivePlan plan = planCollective(*f->main()->ops[0], mesh);
    int64_t size = 1;
    for (const auto &a : axes)
      size *= mesh.axisSize(a);
    EXPECT_EQ(plan.groupSize, size);
    ASSERT_EQ(plan.axes.size(), axes.size());
    for (size_t i = 0; i < axes.size(); ++i)
      EXPECT_EQ(plan.axes[i], mesh.axisIndex(axes[i]));
    for (int64_t d = 0; d < mesh.numDevices(); ++d) {
      auto want = bruteMembers(mesh, d, axes);
      EXPECT_EQ(plan.members(mesh, d), want) << "device " << d << ", " << axesAttr(axes);
      EXPECT_EQ(want[plan.memberIndex(mesh, d)], d) << "device " << d << ", " << axesAttr(axes);
      int64_t raw[3];
      for (size_t i = 0; i < plan.axes.size(); ++i)
        raw[i] = plan.axes[i];
      EXPECT_EQ(groupMembers(mesh, d, GroupAxes{raw, (int64_t)plan.axes.size()}), want);
    }
  }
}

TEST(CollectivePlan, FieldsOfInnerDimensionCollectives) {
  Mesh mesh = meshOf(k2D);
  auto planOf = [&](const std::string &op, const std::string &attrs, std::vector<int64_t> in,
                    std::vector<int64_t> out) {
    auto f = parse(oneOp(k2D, op, attrs, DType::F32, in, out));
    return planCollective(*f->main()->ops[0], mesh);
  };
  // Gather 3 members' f32[2,5] along dim 1: flat gather of 40 bytes, then [3][2] blocks of
  // 20 bytes swapped to [2][3]; the flat result (120 bytes) sits in 128 bytes of scratch.
  CollectivePlan g = planOf("all_gather", "axes = [\"b\"], dim = 1", {2, 5}, {2, 15});
  EXPECT_EQ(g.kind, CollectiveKind::AllGather);
  EXPECT_EQ(g.groupSize, 3);
  EXPECT_EQ(g.bytes, 40);
  EXPECT_TRUE(g.pre.isCopy());
  EXPECT_EQ(g.post, (BlockSwap{3, 2, 20}));
  EXPECT_EQ(g.recvOffset, 0);
  EXPECT_EQ(g.scratchBytes, 128);
  // Gathering along dim 0 needs no swap and no scratch.
  CollectivePlan g0 = planOf("all_gather", "axes = [\"b\"], dim = 0", {2, 5}, {6, 5});
  EXPECT_TRUE(g0.pre.isCopy() && g0.post.isCopy());
  EXPECT_EQ(g0.scratchBytes, 0);
  // Reduce-scatter f32[2,6,1] over 6 devices ("b" major) along dim 1.
  CollectivePlan r = planOf("reduce_scatter", "axes = [\"b\", \"a\"], dim = 1, reduction = \"max\"",
                            {2, 6, 1}, {2, 1, 1});
  EXPECT_EQ(r.reduction, Reduction::Max);
  EXPECT_EQ(r.axes, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.pre, (BlockSwap{2, 6, 4}));
  EXPECT_TRUE(r.post.isCopy());
  EXPECT_EQ(r.scratchBytes, 64);
  // All-to-all f32[4,6] over "b": split 1 (pieces f32[4,2]), concatenate 0.
  CollectivePlan t =
      planOf("all_to_all", "axes = [\"b\"], split_dim = 1, concat_dim = 0", {4, 6}, {12, 2});
  EXPECT_EQ(t.bytes, 32);
  EXPECT_EQ(t.pre, (BlockSwap{4, 3, 8}));
  EXPECT_TRUE(t.post.isCopy());
  CollectivePlan t2 =
      planOf("all_to_all", "axes = [\"b\"], split_dim = 0, concat_dim = 1", {6, 4}, {2, 12});
  EXPECT_TRUE(t2.pre.isCopy());
  EXPECT_EQ(t2.post, (BlockSwap{3, 2, 16}));
  EXPECT_EQ(t2.recvOffset, 0);
  // Both swaps: the received pieces follow the packed send buffer at a 64-byte boundary.
  CollectivePlan t3 =
      planOf("all_to_all", "axes = [\"b\"], split_dim = 1, concat_dim = 1", {5, 3}, {5, 3});
  EXPECT_EQ(t3.pre, (BlockSwap{5, 3, 4}));
  EXPECT_EQ(t3.post, (BlockSwap{3, 5, 4}));
  EXPECT_EQ(t3.sendOffset, 0);
  EXPECT_EQ(t3.recvOffset, 64);
  EXPECT_EQ(t3.scratchBytes, 128);
  CollectivePlan p = planOf("collective_permute", "axes = [\"a\", \"b\"], shift = -1", {3}, {3});
  EXPECT_EQ(p.kind, CollectiveKind::Permute);
  EXPECT_EQ(p.shift, 5); // taken modulo the group of 6, into [0, 6)
  EXPECT_EQ(p.bytes, 12);
  EXPECT_EQ(p.groupSize, 6);
  // No executor forms me - shift with a shift near INT64_MIN: -2^63 = -2 (mod 6).
  EXPECT_EQ(
      planOf("collective_permute", "axes = [\"a\", \"b\"], shift = -9223372036854775808", {3}, {3})
          .shift,
      4);
}

TEST(CollectivePlan, RejectsMalformedOps) {
  auto check = [](const std::string &op, const std::string &attrs, std::vector<int64_t> in,
                  std::vector<int64_t> out, const std::string &msg) {
    auto m = parse(oneOp(k2D, op, attrs, DType::F32, in, out), false);
    ASSERT_TRUE(m);
    try {
      planCollective(*m->main()->ops[0], m->meshes[0]);
      ADD_FAILURE() << "accepted " << op << " {" << attrs << "}";
    } catch (const std::runtime_error &e) {
      EXPECT_NE(std::string(e.what()).find(msg), std::string::npos) << e.what();
    }
  };
  check("all_reduce", "axes = [\"c\"], reduction = \"sum\"", {2}, {2}, "has no axis \"c\"");
  check("all_reduce", "axes = [\"a\", \"a\"], reduction = \"sum\"", {2}, {2}, "appears twice");
  check("all_reduce", "axes = [\"a\"], reduction = \"prod\"", {2}, {2}, "unknown reduction");
  check("reduce_scatter", "axes = [\"b\"], dim = 0", {3}, {1}, "missing attribute 'reduction'");
  check("reduce_scatter", "axes = [\"b\"], dim = 0, reduction = \"sum\"", {4}, {1},
        "not divisible by the group size 3");
  check("all_to_all", "axes = [\"b\"], split_dim = 1, concat_dim = 0", {3, 4}, {9, 1},
        "not divisible by the group size 3");
  check("all_gather", "axes = [\"b\"], dim = 2", {2, 2}, {2, 6}, "out of range");
  check("all_gather", "axes = [\"b\"], dim = 1", {2, 2}, {6, 2}, "declared type is f32[6,2]");
}

TEST(CollectivePlan, DescriptorRejectsForeignData) {
  std::vector<int64_t> junk(kDescAxes + 1, 0);
  EXPECT_THROW(CollectivePlan::decode(junk.data()), std::runtime_error);
  junk[kDescMagic] = kCollectiveDescMagic;
  junk[kDescKind] = 9;
  EXPECT_THROW(CollectivePlan::decode(junk.data()), std::runtime_error);
}

TEST(CollectivePlan, AllReduceMatchesDefinition) {
  for (const char *red : {"sum", "max", "min"}) {
    std::string r = std::string(", reduction = \"") + red + "\"";
    checkCase({k1D, "all_reduce", axesAttr({"x"}) + r, DType::F32, {3, 2}, {3, 2}});
    checkCase({k2D, "all_reduce", axesAttr({"b"}) + r, DType::I32, {5}, {5}});
    checkCase({k2D, "all_reduce", axesAttr({"b", "a"}) + r, DType::BF16, {2, 3}, {2, 3}});
    checkCase({k3D, "all_reduce", axesAttr({"r", "p"}) + r, DType::F32, {4}, {4}});
  }
}

TEST(CollectivePlan, AllGatherMatchesDefinition) {
  checkCase({k1D, "all_gather", axesAttr({"x"}) + ", dim = 0", DType::F32, {2, 3}, {8, 3}});
  checkCase({k1D, "all_gather", axesAttr({"x"}) + ", dim = 1", DType::F32, {2, 3}, {2, 12}});
  checkCase({k2D, "all_gather", axesAttr({"b"}) + ", dim = 2", DType::BF16, {2, 2, 2}, {2, 2, 6}});
  checkCase(
      {k2D, "all_gather", axesAttr({"b", "a"}) + ", dim = 1", DType::I32, {3, 1, 2}, {3, 6, 2}});
  checkCase({k3D, "all_gather", axesAttr({"r", "q"}) + ", dim = 1", DType::F32, {2, 2}, {2, 12}});
  // Empty operands move nothing but must not fail.
  checkCase({k2D, "all_gather", axesAttr({"a"}) + ", dim = 1", DType::F32, {0, 2}, {0, 4}});
}

TEST(CollectivePlan, ReduceScatterMatchesDefinition) {
  checkCase({k1D,
             "reduce_scatter",
             axesAttr({"x"}) + ", dim = 0, reduction = \"sum\"",
             DType::F32,
             {8, 2},
             {2, 2}});
  checkCase({k1D,
             "reduce_scatter",
             axesAttr({"x"}) + ", dim = 1, reduction = \"max\"",
             DType::I32,
             {3, 4},
             {3, 1}});
  checkCase({k2D,
             "reduce_scatter",
             axesAttr({"b", "a"}) + ", dim = 2, reduction = \"sum\"",
             DType::BF16,
             {2, 1, 6, 2},
             {2, 1, 1, 2}});
  checkCase({k3D,
             "reduce_scatter",
             axesAttr({"q", "p"}) + ", dim = 1, reduction = \"min\"",
             DType::F32,
             {3, 12},
             {3, 2}});
}

TEST(CollectivePlan, AllToAllMatchesDefinition) {
  checkCase({k1D,
             "all_to_all",
             axesAttr({"x"}) + ", split_dim = 0, concat_dim = 0",
             DType::F32,
             {8, 3},
             {8, 3}});
  checkCase({k1D,
             "all_to_all",
             axesAttr({"x"}) + ", split_dim = 1, concat_dim = 0",
             DType::F32,
             {3, 8},
             {12, 2}});
  checkCase({k2D,
             "all_to_all",
             axesAttr({"b"}) + ", split_dim = 0, concat_dim = 2",
             DType::I32,
             {6, 2, 2},
             {2, 2, 6}});
  checkCase({k2D,
             "all_to_all",
             axesAttr({"b", "a"}) + ", split_dim = 2, concat_dim = 1",
             DType::BF16,
             {2, 1, 6},
             {2, 6, 1}});
  checkCase({k3D,
             "all_to_all",
             axesAttr({"r", "p"}) + ", split_dim = 1, concat_dim = 1",
             DType::F32,
             {3, 4, 2},
             {3, 4, 2}});
}

TEST(CollectivePlan, PermuteMatchesDefinition) {
  for (int shift : {1, -1, 5}) {
    std::string s = ", shift = " + std::to_string(shift);
    checkCase({k1D, "collective_permute", axesAttr({"x"}) + s, DType::F32, {2, 2}, {2, 2}});
    checkCase({k2D, "collective_permute", axesAttr({"b", "a"}) + s, DType::I32, {3}, {3}});
    checkCase({k3D, "collective_permute", axesAttr({"q"}) + s, DType::BF16, {2}, {2}});
  }
}

// Request slots: several collectives in flight at once complete in any order of waits, and
// misuse (a slot started twice, a wait without a start) is an error, not a silent no-op.
TEST(CollectivePlan, AsyncSlotsInFlight) {
  auto m =
      parse(oneOp(k1D, "all_reduce", "axes = [\"x\"], reduction = \"sum\"", DType::F32, {3}, {3}));
  ASSERT_TRUE(m);
  const Mesh &mesh = m->meshes[0];
  const Op &op = *m->main()->ops[0];
  CollectivePlan plan = planCollective(op, mesh);
  int64_t nd = mesh.numDevices();
  InMemoryWorld world(mesh, 60);
  std::vector<std::vector<float>> first(nd), second(nd);
  std::vector<std::thread> threads;
  for (int64_t d = 0; d < nd; ++d)
    threads.emplace_back([&, d] {
      auto coll = world.device(d);
      std::vector<float> a = {(float)d, 1, 2}, b = {10.0f * d, -1, 0.5f};
      first[d].resize(3);
      second[d].resize(3);
      coll->start(plan, a.data(), first[d].data(), nullptr, 0);
      coll->start(plan, b.data(), second[d].data(), nullptr, 1);
      EXPECT_EQ(coll->outstanding(), 2);
      EXPECT_THROW(coll->start(plan, a.data(), first[d].data(), nullptr, 1), std::runtime_error);
      coll->wait(1);
      coll->wait(0);
      EXPECT_THROW(coll->wait(0), std::runtime_error);
      EXPECT_EQ(coll->outstanding(), 0);
    });
  for (auto &t : threads)
    t.join();
  ASSERT_FALSE(world.failed()) << world.failure();
  // Sums over devices 0..3, computed here: d = 0+1+2+3 = 6.
  for (int64_t d = 0; d < nd; ++d) {
    EXPECT_EQ(first[d], (std::vector<float>{6, 4, 8})) << d;
    EXPECT_EQ(second[d], (std::vector<float>{60, -4, 2})) << d;
  }
}
