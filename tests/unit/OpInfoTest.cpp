// The op records: every opcode has one whose text round-trips through the by-name look-ups,
// whose arity and flags agree with what the op does, whose inference feeds the builder,
// and whose rule prints in Shardy's notation; typed attribute views read what was written.
#include "ir/OpInfo.h"
#include "ir/OpAttrs.h"
#include "ir/Parser.h"
#include "ir/ShapeInference.h"
#include "ir/ops/OpContext.h"
#include "passes/ShardingRules.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

using namespace partita;

namespace {

std::unique_ptr<Module> parse(const std::string &text) {
  Diagnostics d;
  auto m = parseModule(text, "t.pir", d);
  EXPECT_TRUE(m) << (d.all().empty() ? "" : d.all()[0].message);
  return m;
}

TEST(OpInfo, EveryOpcodeHasARecordThatRoundTrips) {
  const auto &all = allOpInfos();
  ASSERT_EQ(all.size(), (size_t)Opcode::DynamicUpdateSlice + 1);
  std::set<std::string> names;
  for (size_t i = 0; i < all.size(); ++i) {
    const OpInfo &info = all[i];
    EXPECT_EQ((size_t)info.code, i);
    EXPECT_TRUE(names.insert(info.name).second) << info.name << " named twice";
    ASSERT_EQ(opInfoByName(info.name), &info) << info.name;
    EXPECT_EQ(parseOpcode(info.name), info.code);
    EXPECT_EQ(opcodeName(info.code), std::string(info.name));
    EXPECT_NE(info.inferType, nullptr) << info.name;
    // Ops without a derivative: boolean and integer results, constants, and the collectives
    // and the await of an async one (autodiff runs before partitioning, so they never
    // appear in its input).
    static const std::set<Opcode> noDerivative = {Opcode::Not,
                                                  Opcode::And,
                                                  Opcode::Or,
                                                  Opcode::Compare,
                                                  Opcode::Constant,
                                                  Opcode::Iota,
                                                  Opcode::Argmax,
                                                  Opcode::OneHot,
                                                  Opcode::AllReduce,
                                                  Opcode::AllGather,
                                                  Opcode::ReduceScatter,
                                                  Opcode::AllToAll,
                                                  Opcode::CollectivePermute,
                                                  Opcode::Await,
                                                  Opcode::AxisIndex};
    EXPECT_EQ(info.vjp == nullptr, noDerivative.count(info.code) == 1) << info.name;
    // Per-device ops, and only they, have no sharding rule.
    EXPECT_EQ(info.shardingRule == nullptr, info.is(opflag::PerDevice)) << info.name;
    for (const char *alias : info.frontendAliases)
      EXPECT_EQ(opInfoByFrontendName(alias), &info) << alias;
  }
  EXPECT_EQ(opInfoByName("maximum"), nullptr); // aliases are for the frontend only
  EXPECT_EQ(opInfoByFrontendName("maximum")->code, Opcode::Max);
  EXPECT_EQ(opInfoByName("no_such_op"), nullptr);
}

TEST(OpInfo, ArityAndFlags) {
  EXPECT_EQ(opInfo(Opcode::Neg).arity, 1);
  EXPECT_EQ(opInfo(Opcode::Add).arity, 2);
  EXPECT_EQ(opInfo(Opcode::Select).arity, 3);
  EXPECT_EQ(opInfo(Opcode::ScatterAdd).arity, 3);
  EXPECT_EQ(opInfo(Opcode::Iota).arity, 0);
  EXPECT_EQ(opInfo(Opcode::Concatenate).arity, -1);
  EXPECT_EQ(opInfo(Opcode::DynamicSlice).arity, -1);
  EXPECT_TRUE(isUnaryElementwise(Opcode::Convert));
  EXPECT_TRUE(isBinaryElementwise(Opcode::Compare));
  EXPECT_TRUE(isElementwise(Opcode::Select));
  EXPECT_FALSE(isUnaryElementwise(Opcode::Select));
  EXPECT_TRUE(isCollective(Opcode::CollectivePermute));
  EXPECT_FALSE(isCollective(Opcode::AxisIndex));
  EXPECT_TRUE(opInfo(Opcode::AxisIndex).is(opflag::NeedsMesh));
  EXPECT_TRUE(opInfo(Opcode::Einsum).is(opflag::Major));
  EXPECT_FALSE(opInfo(Opcode::Add).is(opflag::Major));
  // Attribute specs: names sorted for messages, kinds and presence as declared.
  EXPECT_EQ(opInfo(Opcode::Slice).attrNames(),
            (std::vector<std::string>{"limit", "start", "stride"}));
  ASSERT_NE(opInfo(Opcode::Slice).attr("stride"), nullptr);
  EXPECT_FALSE(opInfo(Opcode::Slice).attr("stride")->required);
  EXPECT_EQ(opInfo(Opcode::Einsum).attr("spec")->kind, AttrKind::Spec);
  EXPECT_EQ(opInfo(Opcode::Neg).attr("dim"), nullptr);
}

TEST(OpInfo, InferenceThroughTheRecords) {
  TensorType f(DType::F32, {4, 8}), w(DType::F32, {8, 16});
  AttrDict spec{{"spec", Attr::ofString("bm,mh->bh")}};
  EXPECT_EQ(
      *opInfo(Opcode::Einsum).inferType(OpContext(Opcode::Einsum, {f, w}, spec, nullptr, false)),
      TensorType(DType::F32, {4, 16}));
  auto t = inferResultType(Opcode::Transpose, {f}, {{"perm", Attr::ofInts({1, 0})}});
  EXPECT_EQ(t.type, TensorType(DType::F32, {8, 4}));
  auto take =
      inferResultType(Opcode::Take, {w, TensorType(DType::I32, {3})}, {{"axis", Attr::ofInt(1)}});
  EXPECT_EQ(take.type, TensorType(DType::F32, {8, 3}));
  // reshape needs the declared type: no type, no error; its verify rule checks the count.
  auto r = inferResultType(Opcode::Reshape, {f}, {});
  EXPECT_FALSE(r.type);
  EXPECT_EQ(r.error, "");
  TensorType five(DType::F32, {5});
  OpCheck bad = checkOp(Opcode::Reshape, {f}, {}, &five, nullptr);
  EXPECT_NE(bad.error.find("must keep the element count"), std::string::npos) << bad.error;
  // Attribute names come from the record.
  auto unknown = inferResultType(Opcode::Neg, {f}, {{"dim", Attr::ofInt(0)}});
  EXPECT_EQ(unknown.error, "unknown attribute 'dim' on 'neg' (it takes none)");
  auto arity = inferResultType(Opcode::Add, {f}, {});
  EXPECT_EQ(arity.error, "'add' takes 2 operands, found 1");
}

TEST(OpInfo, BuilderUsesInference) {
  auto m = parse("func @main(%x: f32[4,8]) -> (f32[4,8]) {\n  return %x\n}\n");
  Func &f = *m->main();
  Builder b(f);
  Value *s = b.build(Opcode::ReduceSum, {f.args[0]}, {{"dims", Attr::ofInts({0})}});
  EXPECT_EQ(s->type, TensorType(DType::F32, {8}));
  Value *c =
      b.build(Opcode::Compare, {f.args[0], f.args[0]}, {{"direction", Attr::ofString("ge")}});
  EXPECT_EQ(c->type, TensorType(DType::I1, {4, 8}));
}

TEST(OpInfo, TypedAttributeViews) {
  auto m = parse(R"(mesh @mesh = <["x"=2, "y"=2]>
func @main(%x: f32[4,8], %w: f32[8,16], %i: i32[3]) -> (f32[4,16]) {
  %s = slice(%x) {start = [0, 1], limit = [4, 7], stride = [1, 2]} : f32[4,3]
  %t = slice(%x) {start = [0, 0], limit = [2, 8]} : f32[2,8]
  %e = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  %c = compare(%x, %x) {direction = "le"} : i1[4,8]
  %o = one_hot(%i) {depth = 5} : f32[3,5]
  %k = cumsum(%x) {dim = 1, reverse = true} : f32[4,8]
  %p = pad(%x) {low = [1, 0], high = [0, 2], value = 2.5} : f32[5,10]
  return %e
}
)");
  const auto &ops = m->main()->ops;
  EXPECT_EQ(SliceOp(*ops[0]).start(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(SliceOp(*ops[0]).limit(), (std::vector<int64_t>{4, 7}));
  EXPECT_EQ(SliceOp(*ops[0]).stride(), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(SliceOp(*ops[1]).stride().empty());
  const EinsumSpec &spec = EinsumOp(*ops[2]).spec();
  EXPECT_EQ(spec.inputs, (std::vector<std::string>{"bm", "mh"}));
  EXPECT_EQ(spec.output, "bh");
  EXPECT_EQ(&EinsumOp(*ops[2]).spec(), &spec); // parsed once, then shared
  EXPECT_EQ(einsumFlops(*ops[2]), 2 * 4 * 8 * 16);
  EXPECT_EQ(CompareOp(*ops[3]).direction(), CompareDirection::Le);
  EXPECT_EQ(OneHotOp(*ops[4]).depth(), 5);
  EXPECT_FALSE(OneHotOp(*ops[4]).axis().has_value());
  EXPECT_EQ(CumsumOp(*ops[5]).dim(), 1);
  EXPECT_TRUE(CumsumOp(*ops[5]).reverse());
  EXPECT_FALSE(CumsumOp(*ops[5]).exclusive());
  EXPECT_EQ(PadOp(*ops[6]).value(), 2.5);
  EXPECT_EQ(PadOp(*ops[6]).high(), (std::vector<int64_t>{0, 2}));
}

TEST(OpInfo, CollectiveViews) {
  auto m = parse(R"(mesh @mesh = <["x"=2, "y"=2]>
func @main(%x: f32[4,8]) -> (f32[4,8]) attributes {partitioned = @mesh} {
  %a = all_reduce(%x) {axes = ["y", "x"], reduction = "max"} : f32[4,8]
  %t = all_to_all(%a) {axes = ["x"], split_dim = 0, concat_dim = 1} : f32[2,16]
  return %a
}
)");
  const auto &ops = m->main()->ops;
  EXPECT_EQ(AllReduceOp(*ops[0]).reduction(), Reduction::Max);
  EXPECT_EQ(collectiveAxes(*ops[0]), (std::vector<std::string>{"y", "x"}));
  EXPECT_STREQ(reductionName(Reduction::Max), "max");
  EXPECT_EQ(AllToAllOp(*ops[1]).splitDim(), 0);
  EXPECT_EQ(AllToAllOp(*ops[1]).concatDim(), 1);
}

TEST(OpInfo, RulePrinting) {
  auto m = parse(R"(func @main(%x: f32[4,8], %w: f32[8,16], %r: f32[2,3,4]) -> (f32[4,16]) {
  %e = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  %m = reshape(%r) : f32[6,4]
  %s = reduce_max(%x) {dims = [1]} : f32[4]
  return %e
}
)");
  const auto &ops = m->main()->ops;
  std::string why;
  auto e = ruleFor(*ops[0], &why);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->str(), "([i,j],[j,k])->([i,k]) {i=4,j=8,k=16} reduction={j}");
  EXPECT_EQ(ruleFor(*ops[1], &why)->str(), "([i,j,k])->([ij,k]) {i=2,j=3,k=4}");
  EXPECT_EQ(ruleFor(*ops[2], &why)->str(), "([i,j])->([i]) {i=4,j=8} reduction_max={j}");
  // Past 18 factors the names go on as z_1, z_2, ...
  OpRule big;
  for (int f = 0; f < 20; ++f)
    rules::addFactor(big, 2, f == 19 ? FactorKind::Blocked : FactorKind::Pass);
  big.result = {{17, 18}, {19}};
  EXPECT_EQ(big.str().substr(0, 16), "()->([zz_1,z_2])");
  EXPECT_NE(big.str().find(" blocked={z_2}"), std::string::npos) << big.str();
  std::ostringstream os;
  printShardingRules(*m, os);
  EXPECT_EQ(os.str(), "%e = einsum: ([i,j],[j,k])->([i,k]) {i=4,j=8,k=16} reduction={j}\n"
                      "%m = reshape: ([i,j,k])->([ij,k]) {i=2,j=3,k=4}\n"
                      "%s = reduce_max: ([i,j])->([i]) {i=4,j=8} reduction_max={j}\n");
}

} // namespace
