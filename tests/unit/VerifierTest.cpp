// Type inference for every op (inferred shapes against hand-worked ones, and the errors for
// bad operands or attributes), plus module-level checks that need a mesh: collectives'
// group sizes, partitioned arguments' local types and the declared-type comparison.
#include "ir/Verifier.h"

#include <gtest/gtest.h>

using namespace partita;

namespace {

TensorType f32(std::vector<int64_t> s) { return TensorType(DType::F32, std::move(s)); }
TensorType bf16(std::vector<int64_t> s) { return TensorType(DType::BF16, std::move(s)); }
TensorType i32(std::vector<int64_t> s) { return TensorType(DType::I32, std::move(s)); }
TensorType i1(std::vector<int64_t> s) { return TensorType(DType::I1, std::move(s)); }

// The inferred type; fails the test when inference reports an error or gives no type.
TensorType ok(Opcode c, std::vector<TensorType> in, AttrDict attrs = {}) {
  InferredType r = inferResultType(c, in, attrs);
  EXPECT_EQ(r.error, "") << opcodeName(c);
  EXPECT_TRUE(r.type.has_value()) << opcodeName(c);
  return r.type.value_or(TensorType(DType::I1, {-1}));
}

// The error message; fails the test when inference succeeds.
std::string bad(Opcode c, std::vector<TensorType> in, AttrDict attrs = {}) {
  InferredType r = inferResultType(c, in, attrs);
  EXPECT_NE(r.error, "") << opcodeName(c);
  EXPECT_FALSE(r.type.has_value());
  return r.error;
}

// Inference that needs the declared type: no type and no error.
void open(Opcode c, std::vector<TensorType> in, AttrDict attrs = {}) {
  InferredType r = inferResultType(c, in, attrs);
  EXPECT_EQ(r.error, "") << opcodeName(c);
  EXPECT_FALSE(r.type.has_value()) << opcodeName(c);
}

bool has(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

Attr ints(std::vector<int64_t> v) { return Attr::ofInts(v); }

} // namespace

TEST(Infer, UnaryElementwise) {
  for (Opcode c : {Opcode::Exp, Opcode::Log, Opcode::Sqrt, Opcode::Rsqrt, Opcode::Tanh,
                   Opcode::Logistic, Opcode::Erf, Opcode::Gelu}) {
    EXPECT_EQ(ok(c, {bf16({3, 5})}), bf16({3, 5}));
    EXPECT_TRUE(has(bad(c, {i32({3})}), "float type"));
  }
  EXPECT_EQ(ok(Opcode::Neg, {i32({2})}), i32({2}));
  EXPECT_EQ(ok(Opcode::Abs, {f32({})}), f32({}));
  EXPECT_TRUE(has(bad(Opcode::Neg, {i1({2})}), "numeric"));
  EXPECT_EQ(ok(Opcode::Not, {i1({4})}), i1({4}));
  EXPECT_TRUE(has(bad(Opcode::Not, {f32({4})}), "i1"));
  open(Opcode::Convert, {f32({4})});
  EXPECT_EQ(bad(Opcode::Exp, {f32({4}), f32({4})}), "'exp' takes 1 operand, found 2");
}

TEST(Infer, BinaryElementwise) {
  EXPECT_EQ(ok(Opcode::Add, {f32({4, 8}), f32({4, 8})}), f32({4, 8}));
  EXPECT_EQ(ok(Opcode::Pow, {i32({2}), i32({2})}), i32({2}));
  EXPECT_EQ(bad(Opcode::Add, {f32({4, 8}), f32({4, 9})}),
            "operands of 'add' have different shapes: f32[4,8] and f32[4,9]");
  EXPECT_EQ(bad(Opcode::Mul, {f32({4}), bf16({4})}),
            "operands of 'mul' have different element types: f32[4] and bf16[4]");
  EXPECT_TRUE(has(bad(Opcode::Sub, {i1({4}), i1({4})}), "numeric"));
  EXPECT_EQ(ok(Opcode::Compare, {f32({3}), f32({3})}, {{"direction", Attr::ofString("le")}}),
            i1({3}));
  EXPECT_EQ(bad(Opcode::Compare, {f32({3}), f32({3})}), "'compare' requires attribute 'direction'");
  EXPECT_TRUE(
      has(bad(Opcode::Compare, {f32({3}), f32({3})}, {{"direction", Attr::ofString("lte")}}),
          "found \"lte\""));
  EXPECT_EQ(ok(Opcode::And, {i1({3}), i1({3})}), i1({3}));
  EXPECT_TRUE(has(bad(Opcode::Or, {i32({3}), i32({3})}), "i1"));
  EXPECT_TRUE(has(bad(Opcode::Add, {f32({3}), f32({3})}, {{"dim", Attr::ofInt(0)}}),
                  "unknown attribute 'dim' on 'add'"));
  // Namespaced attributes are free-form extras.
  ok(Opcode::Add, {f32({3}), f32({3})}, {{"glam.layer", Attr::ofInt(0)}});
}

TEST(Infer, Select) {
  EXPECT_EQ(ok(Opcode::Select, {i1({2, 3}), i32({2, 3}), i32({2, 3})}), i32({2, 3}));
  EXPECT_TRUE(has(bad(Opcode::Select, {f32({2, 3}), f32({2, 3}), f32({2, 3})}), "predicate"));
  EXPECT_TRUE(has(bad(Opcode::Select, {i1({2}), f32({2, 3}), f32({2, 3})}), "predicate"));
  EXPECT_TRUE(has(bad(Opcode::Select, {i1({2}), f32({2}), bf16({2})}), "different element types"));
}

TEST(Infer, ConstantAndIotaNeedTheDeclaredType) {
  open(Opcode::Constant, {}, {{"value", Attr::ofFloat(1.5)}});
  EXPECT_EQ(bad(Opcode::Constant, {}), "'constant' requires attribute 'value'");
  EXPECT_TRUE(has(bad(Opcode::Constant, {}, {{"value", Attr::ofString("x")}}), "found a string"));
  open(Opcode::Iota, {}, {{"dim", Attr::ofInt(0)}});
  EXPECT_TRUE(has(bad(Opcode::Iota, {}, {{"dim", Attr::ofString("0")}}), "must be an integer"));
  EXPECT_TRUE(has(bad(Opcode::Iota, {f32({2})}, {{"dim", Attr::ofInt(0)}}), "takes 0 operands"));
}

TEST(Infer, ShapeOps) {
  open(Opcode::BroadcastInDim, {f32({4})}, {{"dims", ints({1})}});
  EXPECT_TRUE(
      has(bad(Opcode::BroadcastInDim, {f32({4})}, {{"dims", ints({0, 1})}}), "has 2 entries"));
  open(Opcode::Reshape, {f32({4, 2})});
  EXPECT_EQ(ok(Opcode::Transpose, {f32({2, 3, 5})}, {{"perm", ints({2, 0, 1})}}), f32({5, 2, 3}));
  EXPECT_TRUE(
      has(bad(Opcode::Transpose, {f32({2, 3})}, {{"perm", ints({1, 1})}}), "not a permutation"));
  EXPECT_TRUE(has(bad(Opcode::Transpose, {f32({2, 3})}, {{"perm", ints({0, 2})}}), "out of range"));
  // ceil((7-1)/4) = 2 and ceil((5-0)/1) = 5.
  EXPECT_EQ(ok(Opcode::Slice, {f32({8, 5})},
               {{"start", ints({1, 0})}, {"limit", ints({7, 5})}, {"stride", ints({4, 1})}}),
            f32({2, 5}));
  EXPECT_EQ(ok(Opcode::Slice, {f32({8})}, {{"start", ints({3})}, {"limit", ints({3})}}), f32({0}));
  EXPECT_TRUE(has(bad(Opcode::Slice, {f32({8})}, {{"start", ints({2})}, {"limit", ints({9})}}),
                  "0 <= start <= limit <= 8"));
  EXPECT_TRUE(has(bad(Opcode::Slice, {f32({8})},
                      {{"start", ints({0})}, {"limit", ints({8})}, {"stride", ints({0})}}),
                  "positive"));
  EXPECT_EQ(
      ok(Opcode::Concatenate, {f32({2, 3}), f32({2, 4}), f32({2, 1})}, {{"dim", Attr::ofInt(1)}}),
      f32({2, 8}));
  EXPECT_TRUE(has(bad(Opcode::Concatenate, {f32({2, 3}), f32({3, 3})}, {{"dim", Attr::ofInt(1)}}),
                  "must agree except in dimension 1"));
  EXPECT_TRUE(has(bad(Opcode::Concatenate, {}, {{"dim", Attr::ofInt(0)}}), "at least 1 operand"));
  EXPECT_EQ(ok(Opcode::Pad, {i32({2, 3})},
               {{"low", ints({1, 0})}, {"high", ints({0, 2})}, {"value", Attr::ofInt(0)}}),
            i32({3, 5}));
  EXPECT_TRUE(has(bad(Opcode::Pad, {f32({2})},
                      {{"low", ints({-1})}, {"high", ints({0})}, {"value", Attr::ofInt(0)}}),
                  "non-negative"));
  EXPECT_EQ(bad(Opcode::Pad, {f32({2})}, {{"low", ints({1})}, {"high", ints({0})}}),
            "'pad' requires attribute 'value'");
}

TEST(Infer, Einsum) {
  auto spec = [](const char *s) { return AttrDict{{"spec", Attr::ofString(s)}}; };
  EXPECT_EQ(ok(Opcode::Einsum, {f32({4, 8}), f32({8, 16})}, spec("bm,mh->bh")), f32({4, 16}));
  // The GShard dispatch: g=2 s=3 e=4 c=5 with m=6.
  EXPECT_EQ(ok(Opcode::Einsum, {f32({2, 3, 4, 5}), f32({2, 3, 6})}, spec("gsec,gsm->egcm")),
            f32({4, 2, 5, 6}));
  EXPECT_EQ(bad(Opcode::Einsum, {f32({4, 8}), f32({8, 16})}, spec("bsm,mh->bsh")),
            "einsum operand 0 has type f32[4,8] (rank 2) but spec \"bsm,mh->bsh\" gives it 3 "
            "letter(s) \"bsm\"");
  EXPECT_TRUE(has(bad(Opcode::Einsum, {f32({4, 8}), f32({9, 16})}, spec("bm,mh->bh")),
                  "letter 'm' has size 8"));
  EXPECT_TRUE(has(bad(Opcode::Einsum, {f32({4, 8}), f32({8, 16})}, spec("bm->b")), "1 operand(s)"));
  EXPECT_TRUE(has(bad(Opcode::Einsum, {f32({4, 8}), f32({8, 16})}, spec("bm,mh")), "no \"->\""));
  EXPECT_TRUE(has(bad(Opcode::Einsum, {f32({4, 8}), bf16({8, 16})}, spec("bm,mh->bh")),
                  "different element types"));
}

TEST(Infer, ReductionsAndScans) {
  EXPECT_EQ(ok(Opcode::ReduceSum, {f32({2, 3, 4})}, {{"dims", ints({0, 2})}}), f32({3}));
  EXPECT_EQ(ok(Opcode::ReduceMax, {i32({2, 3})}, {{"dims", ints({})}}), i32({2, 3}));
  EXPECT_TRUE(has(bad(Opcode::ReduceMin, {f32({2, 3})}, {{"dims", ints({1, 1})}}), "twice"));
  EXPECT_TRUE(has(bad(Opcode::ReduceSum, {f32({2, 3})}, {{"dims", ints({2})}}), "out of range"));
  EXPECT_TRUE(
      has(bad(Opcode::ReduceSum, {f32({2, 3})}, {{"dims", Attr::ofInt(1)}}), "list of integers"));
  EXPECT_EQ(
      ok(Opcode::Cumsum, {f32({2, 3})}, {{"dim", Attr::ofInt(1)}, {"reverse", Attr::ofBool(true)}}),
      f32({2, 3}));
  EXPECT_TRUE(has(
      bad(Opcode::Cumsum, {f32({2, 3})}, {{"dim", Attr::ofInt(1)}, {"exclusive", Attr::ofInt(1)}}),
      "true or false"));
  EXPECT_EQ(ok(Opcode::Argmax, {f32({2, 3, 4})}, {{"dim", Attr::ofInt(1)}}), i32({2, 4}));
  EXPECT_TRUE(has(bad(Opcode::Argmax, {f32({2})}, {{"dim", Attr::ofInt(-1)}}), "out of range"));
}

TEST(Infer, GatherScatter) {
  open(Opcode::OneHot, {i32({2, 3})}, {{"depth", Attr::ofInt(5)}});
  EXPECT_TRUE(has(bad(Opcode::OneHot, {f32({2})}, {{"depth", Attr::ofInt(5)}}), "ids of type i32"));
  EXPECT_TRUE(has(bad(Opcode::OneHot, {i32({2})}, {{"depth", Attr::ofInt(0)}}), "positive"));
  EXPECT_TRUE(
      has(bad(Opcode::OneHot, {i32({2})}, {{"depth", Attr::ofInt(3)}, {"axis", Attr::ofInt(2)}}),
          "0 <= axis <= 1"));
  // table [10,6,7], ids [2,3], axis 1 → [10,2,3,7].
  EXPECT_EQ(ok(Opcode::Take, {f32({10, 6, 7}), i32({2, 3})}, {{"axis", Attr::ofInt(1)}}),
            f32({10, 2, 3, 7}));
  EXPECT_TRUE(has(bad(Opcode::Take, {f32({10}), f32({2})}, {{"axis", Attr::ofInt(0)}}), "i32"));
  EXPECT_EQ(bad(Opcode::Take, {f32({10}), i32({2})}), "'take' requires attribute 'axis'");
  EXPECT_EQ(
      ok(Opcode::ScatterAdd, {f32({10, 4}), i32({3}), f32({3, 4})}, {{"axis", Attr::ofInt(0)}}),
      f32({10, 4}));
  EXPECT_TRUE(has(
      bad(Opcode::ScatterAdd, {f32({10, 4}), i32({3}), f32({4, 4})}, {{"axis", Attr::ofInt(0)}}),
      "updates of 'scatter_add' must have type f32[3,4]"));
  EXPECT_EQ(ok(Opcode::ShardingConstraint, {bf16({2})}), bf16({2}));
}

TEST(Infer, Collectives) {
  AttrDict ar{{"axes", Attr::ofStrings({"a", "b"})}, {"reduction", Attr::ofString("sum")}};
  EXPECT_EQ(ok(Opcode::AllReduce, {f32({4})}, ar), f32({4}));
  ar["reduction"] = Attr::ofString("mean");
  EXPECT_TRUE(has(bad(Opcode::AllReduce, {f32({4})}, ar), "\"sum\", \"max\", \"min\""));
  EXPECT_TRUE(
      has(bad(Opcode::AllReduce, {f32({4})},
              {{"axes", Attr::ofStrings({"a", "a"})}, {"reduction", Attr::ofString("sum")}}),
          "twice"));
  EXPECT_TRUE(has(bad(Opcode::AllReduce, {f32({4})},
                      {{"axes", Attr::ofString("a")}, {"reduction", Attr::ofString("sum")}}),
                  "list of strings"));
  // Group sizes need the mesh: the result stays open without a module.
  open(Opcode::AllGather, {f32({4})}, {{"axes", Attr::ofStrings({"a"})}, {"dim", Attr::ofInt(0)}});
  EXPECT_TRUE(has(bad(Opcode::AllGather, {f32({4})},
                      {{"axes", Attr::ofStrings({"a"})}, {"dim", Attr::ofInt(1)}}),
                  "out of range"));
  open(Opcode::ReduceScatter, {f32({4})},
       {{"axes", Attr::ofStrings({"a"})},
        {"dim", Attr::ofInt(0)},
        {"reduction", Attr::ofString("max")}});
  open(Opcode::AllToAll, {f32({4, 2})},
       {{"axes", Attr::ofStrings({"a"})},
        {"split_dim", Attr::ofInt(0)},
        {"concat_dim", Attr::ofInt(1)}});
  EXPECT_EQ(bad(Opcode::AllToAll, {f32({4, 2})},
                {{"axes", Attr::ofStrings({"a"})}, {"split_dim", Attr::ofInt(0)}}),
            "'all_to_all' requires attribute 'concat_dim'");
  EXPECT_EQ(ok(Opcode::CollectivePermute, {i1({3})},
               {{"axes", Attr::ofStrings({"a"})}, {"shift", Attr::ofInt(-1)}}),
            i1({3}));
  EXPECT_EQ(ok(Opcode::AxisIndex, {}, {{"axis", Attr::ofString("a")}}), i32({}));
}

TEST(Infer, DynamicSlices) {
  TensorType s = i32({});
  EXPECT_EQ(ok(Opcode::DynamicSlice, {f32({8, 6}), s, s}, {{"sizes", ints({2, 6})}}), f32({2, 6}));
  EXPECT_TRUE(has(bad(Opcode::DynamicSlice, {f32({8, 6}), s}, {{"sizes", ints({2, 6})}}),
                  "found 1 offset(s)"));
  EXPECT_TRUE(has(bad(Opcode::DynamicSlice, {f32({8, 6}), s, f32({})}, {{"sizes", ints({2, 6})}}),
                  "offset 1 of 'dynamic_slice' must be i32[]"));
  EXPECT_TRUE(
      has(bad(Opcode::DynamicSlice, {f32({8, 6}), s, s}, {{"sizes", ints({9, 6})}}), "sizes"));
  EXPECT_EQ(ok(Opcode::DynamicUpdateSlice, {f32({8, 6}), f32({2, 6}), s, s}), f32({8, 6}));
  EXPECT_TRUE(has(bad(Opcode::DynamicUpdateSlice, {f32({8, 6}), f32({9, 6}), s, s}), "fit inside"));
  EXPECT_TRUE(has(bad(Opcode::DynamicUpdateSlice, {f32({8, 6})}), "at least 2 operands"));
}

TEST(Infer, RejectsUnrepresentableTypes) {
  EXPECT_TRUE(has(bad(Opcode::Exp, {f32({-1})}), "negative"));
  EXPECT_TRUE(has(bad(Opcode::Exp, {f32({1LL << 31})}), "extent over 2^31-1"));
  EXPECT_TRUE(has(bad(Opcode::Exp, {f32({1LL << 30, 1LL << 30})}), "too large"));
  // Zero extents count as 1: an empty type with huge extents still overflows strides.
  EXPECT_TRUE(has(bad(Opcode::Exp, {f32({0, 1LL << 30, 1LL << 30})}), "too large"));
  EXPECT_EQ(ok(Opcode::Exp, {f32({1LL << 18, 1LL << 30})}), f32({1LL << 18, 1LL << 30}));
  EXPECT_TRUE(has(bad(Opcode::Pad, {f32({4})},
                      {{"low", ints({INT64_MAX})}, {"high", ints({0})}, {"value", Attr::ofInt(0)}}),
                  "overflows"));
}

namespace {

// A module with mesh @m = <["a"=2, "b"=3]> and an empty @main taking one `arg`.
std::unique_ptr<Module> meshModule(bool partitioned, TensorType arg = f32({12, 6})) {
  auto m = std::make_unique<Module>();
  Mesh mesh;
  mesh.name = "m";
  mesh.axes = {{"a", 2}, {"b", 3}};
  m->meshes.push_back(mesh);
  auto f = std::make_unique<Func>();
  f->name = "main";
  if (partitioned) f->attrs["partitioned"] = Attr::ofSymbol("m");
  f->addArg("x", arg);
  m->funcs.push_back(std::move(f));
  return m;
}

// Adds `code` (on the argument unless it takes no operand) with a declared type; returns
// the verifier's messages.
std::string verifyWith(Opcode code, AttrDict attrs, TensorType declared, bool partitioned = true,
                       TensorType arg = f32({12, 6})) {
  auto m = meshModule(partitioned, arg);
  Func &f = *m->main();
  Builder b(f);
  std::vector<Value *> in;
  if (opcodeArity(code) != 0) in.push_back(f.args[0]);
  Value *v = b.create(code, in, std::move(attrs), declared);
  f.returns = {v};
  f.results.push_back({declared, std::nullopt, {}, {}});
  Diagnostics d;
  bool ok = verifyModule(*m, d);
  std::string msgs;
  for (const auto &x : d.all())
    msgs += x.message + "\n";
  EXPECT_EQ(ok, msgs.empty()) << msgs;
  return msgs;
}

} // namespace

TEST(Verify, CollectivesUseTheMeshGroupSize) {
  AttrDict g{{"axes", Attr::ofStrings({"b", "a"})}, {"dim", Attr::ofInt(1)}};
  EXPECT_EQ(verifyWith(Opcode::AllGather, g, f32({12, 36})), "");
  EXPECT_TRUE(
      has(verifyWith(Opcode::AllGather, g, f32({12, 12})),
          "declared result type f32[12,12] of 'all_gather' does not match the inferred type "
          "f32[12,36]"));
  AttrDict rs{{"axes", Attr::ofStrings({"a"})},
              {"dim", Attr::ofInt(0)},
              {"reduction", Attr::ofString("sum")}};
  EXPECT_EQ(verifyWith(Opcode::ReduceScatter, rs, f32({6, 6})), "");
  rs["axes"] = Attr::ofStrings({"a", "b"});
  EXPECT_EQ(verifyWith(Opcode::ReduceScatter, rs, f32({2, 6})), "");
  rs["dim"] = Attr::ofInt(1);
  EXPECT_TRUE(has(verifyWith(Opcode::ReduceScatter, rs, f32({12, 1}), true, f32({12, 9})),
                  "dimension 1 of f32[12,9] is not divisible by the group size 6"));
  AttrDict a2a{{"axes", Attr::ofStrings({"b"})},
               {"split_dim", Attr::ofInt(0)},
               {"concat_dim", Attr::ofInt(1)}};
  EXPECT_EQ(verifyWith(Opcode::AllToAll, a2a, f32({4, 18})), "");
  AttrDict bad{{"axes", Attr::ofStrings({"c"})}, {"reduction", Attr::ofString("sum")}};
  EXPECT_TRUE(has(verifyWith(Opcode::AllReduce, bad, f32({12, 6})), "names axis \"c\""));
  // Outside a partitioned function the module's only mesh serves.
  EXPECT_EQ(verifyWith(Opcode::AllGather, g, f32({12, 36}), false), "");
  EXPECT_TRUE(has(verifyWith(Opcode::AxisIndex, {{"axis", Attr::ofString("z")}}, i32({})),
                  "names axis \"z\""));
}

TEST(Verify, DeclaredTypeRules) {
  EXPECT_EQ(verifyWith(Opcode::Reshape, {}, f32({2, 36})), "");
  EXPECT_TRUE(has(verifyWith(Opcode::Reshape, {}, f32({2, 35})), "element count"));
  EXPECT_EQ(verifyWith(Opcode::Convert, {}, bf16({12, 6})), "");
  EXPECT_TRUE(has(verifyWith(Opcode::Convert, {}, bf16({6, 12})), "shape [12,6]"));
  EXPECT_EQ(verifyWith(Opcode::BroadcastInDim, {{"dims", ints({2, 0})}}, f32({6, 5, 12})), "");
  EXPECT_TRUE(has(verifyWith(Opcode::BroadcastInDim, {{"dims", ints({0, 1})}}, f32({12, 5})),
                  "cannot broadcast operand dimension 1 of size 6"));
  EXPECT_TRUE(has(verifyWith(Opcode::BroadcastInDim, {{"dims", ints({1, 1})}}, f32({12, 12})),
                  "two operand dimensions"));
}

TEST(Verify, ConstantValues) {
  auto constant = [](Attr v, TensorType t) {
    auto m = meshModule(false);
    Func &f = *m->main();
    Builder b(f);
    f.returns = {b.create(Opcode::Constant, {}, {{"value", std::move(v)}}, t)};
    f.results.push_back({t, std::nullopt, {}, {}});
    Diagnostics d;
    verifyModule(*m, d);
    return d.all().empty() ? std::string() : d.all()[0].message;
  };
  Attr rows = Attr::ofList({Attr::ofInts({1, 2, 3}), Attr::ofInts({4, 5, 6})});
  EXPECT_EQ(constant(rows, i32({2, 3})), "");
  EXPECT_TRUE(has(constant(rows, i32({3, 2})), "has 2 entries at depth 0, expected 3"));
  EXPECT_TRUE(has(constant(rows, f32({2})), "deeper"));
  EXPECT_EQ(constant(Attr::ofFloat(0.5), bf16({4})), "");
  EXPECT_TRUE(has(constant(Attr::ofFloat(0.5), i32({4})), "integers"));
  EXPECT_TRUE(has(constant(Attr::ofInt(1LL << 40), i32({})), "does not fit in i32"));
  EXPECT_EQ(constant(Attr::ofBool(true), i1({2})), "");
  EXPECT_TRUE(has(constant(Attr::ofInt(2), i1({2})), "true, false, 0 or 1"));
}

TEST(Verify, PartitionedArgumentsHaveLocalTypes) {
  auto m = meshModule(true);
  Func &f = *m->main();
  Sharding s;
  s.mesh = "m";
  s.dims = {{"a"}, {"b"}};
  f.args[0]->sharding = s;
  f.args[0]->type = f32({6, 2});
  f.argAttrs[0]["global"] = Attr::ofType(f32({12, 6}));
  f.returns = {f.args[0]};
  f.results.push_back({f32({6, 2}), std::nullopt, {}, {}});
  Diagnostics d;
  EXPECT_TRUE(verifyModule(*m, d));
  // Uneven: 7 rows over 2 shards are 4 per device.
  f.argAttrs[0]["global"] = Attr::ofType(f32({7, 6}));
  EXPECT_FALSE(verifyModule(*m, d));
  EXPECT_TRUE(has(d.all().back().message, "expected f32[4,2]"));
}
