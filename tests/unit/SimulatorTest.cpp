// The simulated multi-device executor on hand-built partitioned programs (collectives,
// axis_index, uneven shards, unreduced results), and partita-run's reusable pieces: input
// sources, result comparison and printing.
#include "runtime/Simulator.h"
#include "ir/InputGen.h"
#include "ir/Npy.h"
#include "ir/ShardUtil.h"
#include "runtime/RunDriver.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <sstream>

using namespace partita;

namespace {

TensorType ty(DType d, std::vector<int64_t> s) { return TensorType(d, std::move(s)); }
Tensor F(std::vector<int64_t> s, std::vector<double> v) { return Tensor(ty(DType::F32, s), v); }

Sharding sh(std::vector<std::vector<std::string>> dims, std::vector<std::string> unreduced = {}) {
  Sharding s;
  s.mesh = std::string(1, 'm');
  s.dims = std::move(dims);
  s.unreduced = std::move(unreduced);
  return s;
}

Mesh mesh(std::vector<MeshAxis> axes) {
  Mesh m;
  m.name = std::string(1, 'm');
  m.axes = std::move(axes);
  return m;
}

// A partitioned function under construction: arguments and results carry local types,
// `global` attributes and shardings, as partita-opt --partition prints them.
struct PFunc {
  Func f;
  PFunc() {
    f.name = "main";
    f.attrs["partitioned"] = Attr::ofSymbol("m");
  }
  Value *arg(const std::string &name, TensorType local, TensorType global, Sharding s) {
    Value *v = f.addArg(name, std::move(local));
    v->sharding = std::move(s);
    f.argAttrs.back()["global"] = Attr::ofType(std::move(global));
    return v;
  }
  void ret(Value *v, TensorType global, Sharding s) {
    FuncResult r;
    r.type = v->type;
    r.sharding = std::move(s);
    r.attrs["global"] = Attr::ofType(std::move(global));
    f.results.push_back(r);
    f.returns.push_back(v);
  }
};

AttrDict A(std::initializer_list<std::pair<const std::string, Attr>> l) { return AttrDict(l); }

} // namespace

TEST(Simulator, ShardedSumWithAllReduce) {
  Mesh m = mesh({{"x", 2}});
  PFunc p;
  Value *a = p.arg("a", ty(DType::F32, {2}), ty(DType::F32, {4}), sh({{"x"}}));
  Builder b(p.f);
  Value *s = b.build(Opcode::ReduceSum, {a}, A({{"dims", Attr::ofInts({0})}}));
  Value *t = b.create(Opcode::AllReduce, {s},
                      A({{"axes", Attr::ofStrings({"x"})}, {"reduction", Attr::ofString("sum")}}),
                      ty(DType::F32, {}));
  p.ret(t, ty(DType::F32, {}), sh({}));
  auto out = simulate(p.f, m, {F({4}, {1, 2, 3, 4})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, ty(DType::F32, {}));
  EXPECT_EQ(out[0].data, std::vector<double>{10});
  // Device-local view: both devices hold the total.
  auto local = simulateLocal(p.f, m, {{F({2}, {1, 2})}, {F({2}, {3, 4})}});
  EXPECT_EQ(local[0][0].data, std::vector<double>{10});
  EXPECT_EQ(local[1][0].data, std::vector<double>{10});
}

TEST(Simulator, AxisIndexAndAllGatherOn2x2) {
  Mesh m = mesh({{"a", 2}, {"b", 2}});
  PFunc p;
  // x: f32[4,2] split rows over a, columns over b: local [2,1].
  Value *x = p.arg("x", ty(DType::F32, {2, 1}), ty(DType::F32, {4, 2}), sh({{"a"}, {"b"}}));
  Builder b(p.f);
  Value *i = b.build(Opcode::AxisIndex, {}, A({{"axis", Attr::ofString("b")}}));
  Value *fi = b.create(Opcode::Convert, {i}, {}, ty(DType::F32, {}));
  Value *bi = b.create(Opcode::BroadcastInDim, {fi}, A({{"dims", Attr::ofInts({})}}),
                       ty(DType::F32, {2, 1}));
  Value *y = b.build(Opcode::Add, {x, bi});
  Value *g = b.create(Opcode::AllGather, {y},
                      A({{"axes", Attr::ofStrings({"b"})}, {"dim", Attr::ofInt(1)}}),
                      ty(DType::F32, {2, 2}));
  p.ret(g, ty(DType::F32, {4, 2}), sh({{"a"}, {}}));
  // Column j gains j (its b coordinate): the global result is x + [0, 1] per row.
  auto out = simulate(p.f, m, {F({4, 2}, {0, 10, 20, 30, 40, 50, 60, 70})});
  EXPECT_EQ(out[0].data, (std::vector<double>{0, 11, 20, 31, 40, 51, 60, 71}));
}

TEST(Simulator, UnevenShardsAndUnreducedResults) {
  Mesh m = mesh({{"x", 2}});
  PFunc p;
  // 3 elements over 2 devices: device 1 holds [2] and one padding cell.
  Value *a = p.arg("a", ty(DType::F32, {2}), ty(DType::F32, {3}), sh({{"x"}}));
  Value *w = p.arg("w", ty(DType::F32, {2}), ty(DType::F32, {3}), sh({{"x"}}));
  Builder b(p.f);
  Value *n = b.build(Opcode::Neg, {a});
  Value *d = b.build(Opcode::Einsum, {a, w}, A({{"spec", Attr::ofString("i,i->")}}));
  p.ret(n, ty(DType::F32, {3}), sh({{"x"}}));
  p.ret(d, ty(DType::F32, {}), sh({}, {"x"})); // each device holds a summand
  auto out = simulate(p.f, m, {F({3}, {1, 2, 3}), F({3}, {4, 5, 6})});
  EXPECT_EQ(out[0].data, (std::vector<double>{-1, -2, -3}));
  EXPECT_EQ(out[1].data, std::vector<double>{32});
}

TEST(Simulator, ErrorsAreLocated) {
  Mesh m = mesh({{"x", 2}});
  PFunc p;
  Value *a = p.arg("a", ty(DType::F32, {2}), ty(DType::F32, {4}), sh({{"x"}}));
  Builder b(p.f);
  Loc loc;
  loc.file = std::make_shared<const std::string>("prog.pir");
  loc.line = 3;
  loc.col = 8;
  b.setLoc(loc);
  Value *i =
      b.create(Opcode::AxisIndex, {}, A({{"axis", Attr::ofString("nope")}}), ty(DType::I32, {}));
  p.ret(a, ty(DType::F32, {4}), sh({{"x"}}));
  p.f.returns.push_back(i);
  p.f.results.push_back({ty(DType::I32, {}), std::nullopt, {}, {}});
  try {
    simulate(p.f, m, {F({4}, {1, 2, 3, 4})});
    FAIL() << "expected an error";
  } catch (const std::runtime_error &e) {
    EXPECT_EQ(std::string(e.what()).rfind("prog.pir:3:8: error: ", 0), 0u) << e.what();
  }
  EXPECT_THROW(simulate(p.f, m, {F({2}, {1, 2})}), std::runtime_error);
}

TEST(RunDriver, CompareResultsTolerances) {
  auto cmp = [](DType t, double got, double ref) {
    return compareResults({Tensor(ty(t, {1}), {got})}, {Tensor(ty(t, {1}), {ref})});
  };
  EXPECT_TRUE(cmp(DType::F32, 100.0 + 0.0100, 100.0).pass); // tolerance 1e-4 + 1e-2
  EXPECT_FALSE(cmp(DType::F32, 100.0 + 0.0102, 100.0).pass);
  EXPECT_TRUE(cmp(DType::BF16, 1.015625, 1.0).pass); // 1e-2 + 1e-2
  EXPECT_FALSE(cmp(DType::BF16, 1.03125, 1.0).pass);
  EXPECT_FALSE(cmp(DType::I32, 3, 4).pass);
  EXPECT_TRUE(cmp(DType::I1, 1, 1).pass);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(cmp(DType::F32, nan, nan).pass);
  EXPECT_FALSE(cmp(DType::F32, nan, 1).pass);
  EXPECT_FALSE(cmp(DType::F32, 1, nan).pass);
  CheckResult c = cmp(DType::F32, 2.5, 2.0);
  EXPECT_EQ(c.maxAbs, 0.5);
  EXPECT_EQ(c.maxRel, 0.25);
  EXPECT_EQ(c.line(), "check: max_abs_err=0.5 max_rel_err=0.25 FAIL");
  EXPECT_EQ(cmp(DType::F32, 0, 0).line(), "check: max_abs_err=0 max_rel_err=0 PASS");
  EXPECT_FALSE(compareResults({F({2}, {1, 2})}, {F({1, 2}, {1, 2})}).pass);
}

TEST(RunDriver, PrintResult) {
  std::ostringstream os;
  printResult(os, 0, F({2, 4}, {0.5, -1.25, 3, 0, 1, 2, 3, 4}));
  printResult(os, 1, Tensor(ty(DType::I32, {2}), {7, -2}));
  EXPECT_EQ(os.str(), "result0: f32[2,4] [0.5, -1.25, 3, 0, 1, 2, ...] sum=12.25\n"
                      "result1: i32[2] [7, -2] sum=5\n");
}

TEST(RunDriver, InputSourceFilesAndGenerator) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "partita-inputs-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  Tensor x = F({3, 2}, {0, 1, 2, 3, 4, 5});
  std::string err;
  ASSERT_TRUE(writeNpy(tmpl + "/x.npy", x, &err)) << err;
  Func f;
  f.addArg("x", ty(DType::F32, {3, 2}));
  f.addArg("ids", ty(DType::I32, {5}));
  f.argAttrs[1]["bound"] = Attr::ofInt(3);
  InputSource in(f, 9, tmpl);
  EXPECT_TRUE(in.fromFile(0));
  EXPECT_FALSE(in.fromFile(1));
  EXPECT_EQ(in.global(0).data, x.data);
  EXPECT_EQ(in.global(1).data, generateTensor(9, "ids", ty(DType::I32, {5}), 3).data);
  Mesh m = mesh({{"x", 2}});
  for (int64_t d = 0; d < 2; ++d) {
    EXPECT_EQ(in.shard(0, sh({{"x"}, {}}), m, d).data, extractShard(x, sh({{"x"}, {}}), m, d).data);
    EXPECT_EQ(in.shard(1, sh({{"x"}}), m, d).data,
              extractShard(in.global(1), sh({{"x"}}), m, d).data);
  }
  // A file of the wrong shape names the file and both types.
  Func g;
  g.addArg("x", ty(DType::F32, {2, 3}));
  InputSource bad(g, 0, tmpl);
  try {
    bad.global(0);
    FAIL() << "expected an error";
  } catch (const RunError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(tmpl + "/x.npy: error: "), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected f32[2,3]"), std::string::npos) << msg;
  }
  fs::remove_all(tmpl);
}
