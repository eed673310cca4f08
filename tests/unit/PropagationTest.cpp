// Sharding propagation (propagate-sharding, docs/partitioning.md) through the pass's public
// entry point: user annotations are kept; elementwise-like ops propagate before einsums
// and reductions, which decides conflicts; conflicts between tensors of one op and axes
// claimed by two factors resolve as documented; shardings flow forward and backward through
// reshape, transpose, broadcast_in_dim and reductions; values nothing constrains stay
// replicated; and over every .pir file of tests/lit and examples the result is a
// deterministic fixpoint that keeps the annotations.
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace partita;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Module> parse(const std::string &text) {
  Diagnostics d;
  auto m = parseModule(text, "t.pir", d);
  EXPECT_TRUE(m) << (d.all().empty() ? "" : d.all()[0].str());
  if (m) {
    Diagnostics dv;
    EXPECT_TRUE(verifyModule(*m, dv)) << (dv.all().empty() ? "" : dv.all()[0].str());
  }
  return m;
}

// Runs propagate-sharding once on `m`.
PassResult propagateOnce(Module &m, std::string *error = nullptr) {
  auto pass = createPass("propagate-sharding");
  EXPECT_TRUE(pass);
  if (!pass) return {false, false};
  Diagnostics d;
  PassResult r = pass->run(m, d);
  if (error && !d.all().empty()) *error = d.all()[0].str();
  return r;
}

// Parses `text` and propagates it through the pipeline (which verifies the result).
std::unique_ptr<Module> propagated(const std::string &text) {
  auto m = parse(text);
  if (!m) return m;
  Diagnostics d;
  EXPECT_TRUE(runPipeline(*m, "propagate-sharding", d))
      << (d.all().empty() ? "" : d.all()[0].str());
  return m;
}

// The sharding of value %name of @main, as printed ("" when it has none).
std::string sh(const Module &m, const std::string &name) {
  Value *v = m.main()->lookup(name);
  EXPECT_TRUE(v) << "no value %" << name;
  return v && v->sharding ? v->sharding->str() : "";
}

std::string resultSh(const Module &m, size_t i) {
  const auto &s = m.main()->results.at(i).sharding;
  return s ? s->str() : "";
}

} // namespace

// ---- Annotations ----

TEST(Propagation, UserAnnotationsAreKept) {
  // Every kind of annotation disagrees with what its neighbours would give it; none moves.
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8,8] {sharding = <@m, [{"x"}, {}]>}, %b: f32[8,8] {sharding = <@m, [{}, {"y"}]>})
    -> (f32[8,8] {sharding = <@m, [{}, {}]>}, f32[8,8]) {
  %c = add(%a, %b) {sharding = <@m, [{"y"}, {"x"}]>} : f32[8,8]
  %d = neg(%c) : f32[8,8]
  %e = sharding_constraint(%d) {sharding = <@m, [{}, {"x"}]>} : f32[8,8]
  %f = exp(%e) : f32[8,8]
  return %f, %d
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "a"), R"(<@m, [{"x"}, {}]>)");
  EXPECT_EQ(sh(*m, "b"), R"(<@m, [{}, {"y"}]>)");
  EXPECT_EQ(sh(*m, "c"), R"(<@m, [{"y"}, {"x"}]>)");
  EXPECT_EQ(sh(*m, "e"), R"(<@m, [{}, {"x"}]>)");
  EXPECT_EQ(resultSh(*m, 0), R"(<@m, [{}, {}]>)");
  // %d sits between the annotated op and the constraint: the op's result comes first.
  EXPECT_EQ(sh(*m, "d"), R"(<@m, [{"y"}, {"x"}]>)");
  // %f is open, takes the constraint's split forward; the replicated result stays so.
  EXPECT_EQ(sh(*m, "f"), R"(<@m, [{}, {"x"}]>)");
  // A result without an annotation takes its value's sharding.
  EXPECT_EQ(resultSh(*m, 1), sh(*m, "d"));
}

TEST(Propagation, UnconstrainedValuesStayReplicated) {
  auto m = propagated(R"(
mesh @m = <["x"=2]>
func @main(%a: f32[8,6] {sharding = <@m, [{"x"}, {}]>}, %b: f32[8,6]) -> (f32[8,6], f32[8,6]) {
  %u = exp(%b) : f32[8,6]
  %s = neg(%a) : f32[8,6]
  %r = reduce_sum(%s) {dims = [0]} : f32[6]
  return %u, %s
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "b"), "<@m, [{}, {}]>");
  EXPECT_EQ(sh(*m, "u"), "<@m, [{}, {}]>");
  EXPECT_EQ(sh(*m, "s"), R"(<@m, [{"x"}, {}]>)");
  // The split dimension is summed away: nothing constrains the reduction's result.
  EXPECT_EQ(sh(*m, "r"), "<@m, [{}]>");
  EXPECT_EQ(resultSh(*m, 0), "<@m, [{}, {}]>");
}

TEST(Propagation, NothingAnnotatedUsesTheOnlyMeshAndReplicates) {
  auto m = propagated(R"(
mesh @m = <["x"=2]>
func @main(%a: f32[4]) -> (f32[4]) {
  %b = neg(%a) : f32[4]
  return %b
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "a"), "<@m, [{}]>");
  EXPECT_EQ(sh(*m, "b"), "<@m, [{}]>");
  EXPECT_EQ(resultSh(*m, 0), "<@m, [{}]>");
}

TEST(Propagation, TwoMeshesInOneFunctionIsALocatedError) {
  auto m = parse(R"(
mesh @m = <["x"=2]>
mesh @n = <["y"=2]>
func @main(%a: f32[4] {sharding = <@m, [{"x"}]>}, %b: f32[4] {sharding = <@n, [{"y"}]>}) -> (f32[4]) {
  %c = add(%a, %b) : f32[4]
  return %c
})");
  ASSERT_TRUE(m);
  std::string error;
  PassResult r = propagateOnce(*m, &error);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(error.rfind("t.pir:4:", 0), 0u) << error;
  EXPECT_NE(error.find("error: function @main uses shardings over two meshes"), std::string::npos)
      << error;
}

// ---- Priority between ops ----

TEST(Propagation, ElementwiseOpsPropagateBeforeEinsums) {
  // %q is reached by two paths: the einsum from %x (rows split over x) and, backward through
  // the add, the exp of %y (columns split over x). Level 0 runs first, so %q and %v take
  // the columns split. Visiting the ops in program order at one level would have the
  // einsum, which comes first, split %q's rows, and the add would then split %v's rows.
  auto m = propagated(R"(
mesh @m = <["x"=2]>
func @main(%x: f32[8,8] {sharding = <@m, [{"x"}, {}]>}, %w: f32[8,8],
           %y: f32[8,8] {sharding = <@m, [{}, {"x"}]>}) -> (f32[8,8]) {
  %q = einsum(%x, %w) {spec = "ij,jk->ik"} : f32[8,8]
  %p = exp(%y) : f32[8,8]
  %v = add(%p, %q) : f32[8,8]
  return %v
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "p"), R"(<@m, [{}, {"x"}]>)");
  EXPECT_EQ(sh(*m, "v"), R"(<@m, [{}, {"x"}]>)");
  EXPECT_EQ(sh(*m, "q"), R"(<@m, [{}, {"x"}]>)");
  // In the einsum, i (from the annotated %x) claims x before k: %w gets nothing.
  EXPECT_EQ(sh(*m, "w"), "<@m, [{}, {}]>");
}

TEST(Propagation, ElementwiseChainsBeatReductions) {
  // %t feeds a reduce_max whose annotated result splits its rows over y, and an exp chain
  // from %a (after the reduction in program order) splits its columns over y. The chain
  // (level 0) goes first: the reduction (level 1) then finds y taken, and %t and %b keep
  // their columns split. In program order at one level, the rows would have won.
  auto m = propagated(R"(
mesh @m = <["y"=2]>
func @main(%a: f32[8,8] {sharding = <@m, [{}, {"y"}]>}, %b: f32[8,8]) -> (f32[8], f32[8,8]) {
  %t = add(%b, %b) : f32[8,8]
  %r = reduce_max(%t) {dims = [1], sharding = <@m, [{"y"}]>} : f32[8]
  %e = exp(%a) : f32[8,8]
  %z = mul(%e, %t) : f32[8,8]
  return %r, %z
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "t"), R"(<@m, [{}, {"y"}]>)");
  EXPECT_EQ(sh(*m, "b"), R"(<@m, [{}, {"y"}]>)");
  EXPECT_EQ(sh(*m, "r"), R"(<@m, [{"y"}]>)");
}

// ---- Conflicts within one op ----

TEST(Propagation, DifferentAxesOnOneFactorTheAnnotatedOperandInOrderWins) {
  const char *text = R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8,4] {sharding = <@m, [{"x"}, {}]>}, %b: f32[8,4] {sharding = <@m, [{"y"}, {}]>})
    -> (f32[8,4], f32[8,4]) {
  %ab = add(%a, %b) : f32[8,4]
  %ba = add(%b, %a) : f32[8,4]
  return %ab, %ba
})";
  auto m = propagated(text);
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "ab"), R"(<@m, [{"x"}, {}]>)");
  EXPECT_EQ(sh(*m, "ba"), R"(<@m, [{"y"}, {}]>)");
}

TEST(Propagation, DifferentAxesOnOneFactorTheResultBeatsOperands) {
  // Level 0 gives %r rows over y (backward from the constraint) and %p rows over x (from
  // %a). The einsum (level 1) sees both, neither annotated: the result wins, so the open
  // %v gets y. Operand-first would have given it x.
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8,4] {sharding = <@m, [{"x"}, {}]>}, %v: f32[8,4]) -> (f32[8,4]) {
  %p = neg(%a) : f32[8,4]
  %r = einsum(%p, %v) {spec = "ik,ik->ik"} : f32[8,4]
  %n = neg(%r) : f32[8,4]
  %c = sharding_constraint(%n) {sharding = <@m, [{"y"}, {}]>} : f32[8,4]
  return %c
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "p"), R"(<@m, [{"x"}, {}]>)");
  EXPECT_EQ(sh(*m, "r"), R"(<@m, [{"y"}, {}]>)");
  EXPECT_EQ(sh(*m, "v"), R"(<@m, [{"y"}, {}]>)");
}

TEST(Propagation, CompatibleCandidatesTakeTheLongest) {
  // [x] and [x, y] on one factor agree (prefix): the longer one wins, even from an
  // operand after the shorter.
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8] {sharding = <@m, [{"x"}]>}, %b: f32[8] {sharding = <@m, [{"x", "y"}]>})
    -> (f32[8]) {
  %c = add(%a, %b) : f32[8]
  return %c
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "c"), R"(<@m, [{"x", "y"}]>)");
}

TEST(Propagation, OneAxisOnTwoDimsStaysWithTheFirstFactor) {
  auto m = propagated(R"(
mesh @m = <["x"=2]>
func @main(%a: f32[8,4] {sharding = <@m, [{"x"}, {}]>}, %b: f32[8,4] {sharding = <@m, [{}, {"x"}]>},
           %w: f32[4,6] {sharding = <@m, [{}, {"x"}]>})
    -> (f32[8,4], f32[8,6]) {
  // Rows (factor 0) and columns (factor 1) both want x: rows, the first factor, keep it.
  %c = add(%b, %a) : f32[8,4]
  // Letters in order of appearance: i before k.
  %e = einsum(%a, %w) {spec = "ij,jk->ik"} : f32[8,6]
  return %c, %e
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "c"), R"(<@m, [{"x"}, {}]>)");
  EXPECT_EQ(sh(*m, "e"), R"(<@m, [{"x"}, {}]>)");
}

TEST(Propagation, RefinementOnlyAppendsAxes) {
  // %t gets x from %a first; then %b's y conflicts with it (and loses: %t keeps x), while
  // [x, y] from %c extends it (compatible), so y is appended.
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8] {sharding = <@m, [{"x"}]>}, %b: f32[8] {sharding = <@m, [{"y"}]>},
           %c: f32[8] {sharding = <@m, [{"x", "y"}]>}) -> (f32[8], f32[8]) {
  %t = neg(%a) : f32[8]
  %u = add(%t, %b) : f32[8]
  %w = add(%t, %c) : f32[8]
  return %u, %w
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "t"), R"(<@m, [{"x", "y"}]>)");
  EXPECT_EQ(sh(*m, "w"), R"(<@m, [{"x", "y"}]>)");
  // %u: the annotated %b comes before the operand %t, whatever their order in the op.
  EXPECT_EQ(sh(*m, "u"), R"(<@m, [{"y"}]>)");
}

// ---- Through reshape, transpose, broadcast_in_dim and reductions ----

TEST(Propagation, TransposeForwardAndBackward) {
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8,6] {sharding = <@m, [{"x"}, {}]>}, %b: f32[4,6,8])
    -> (f32[6,8], f32[8,4,6] {sharding = <@m, [{"y"}, {}, {"x"}]>}) {
  %t = transpose(%a) {perm = [1, 0]} : f32[6,8]
  %u = transpose(%b) {perm = [2, 0, 1]} : f32[8,4,6]
  return %t, %u
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "t"), R"(<@m, [{}, {"x"}]>)");
  // Backward from the annotated result: operand dim i is result dim perm^-1(i).
  EXPECT_EQ(sh(*m, "u"), R"(<@m, [{"y"}, {}, {"x"}]>)");
  EXPECT_EQ(sh(*m, "b"), R"(<@m, [{}, {"x"}, {"y"}]>)");
}

TEST(Propagation, ReshapeForwardAndBackward) {
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8,6] {sharding = <@m, [{"x"}, {"y"}]>}, %b: f32[8,6], %c: f32[8,6])
    -> (f32[4,2,6], f32[4,2,6] {sharding = <@m, [{"x"}, {}, {"y"}]>},
        f32[4,2,6] {sharding = <@m, [{}, {"x"}, {}]>}) {
  // Forward: 8 = 4 x 2, the split of 8 lands on the major factor 4.
  %r = reshape(%a) : f32[4,2,6]
  // Backward: the result's splits of 4 and 6 map to the operand's dims.
  %s = reshape(%b) : f32[4,2,6]
  // Backward blocked: a split of the minor factor 2 of 8 is no split of %c's first dim.
  %q = reshape(%c) : f32[4,2,6]
  return %r, %s, %q
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "r"), R"(<@m, [{"x"}, {}, {"y"}]>)");
  EXPECT_EQ(sh(*m, "b"), R"(<@m, [{"x"}, {"y"}]>)");
  EXPECT_EQ(sh(*m, "c"), "<@m, [{}, {}]>");
}

TEST(Propagation, ReshapeMergingDimsKeepsTheMajorSplit) {
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[4,6] {sharding = <@m, [{"x"}, {}]>}, %b: f32[4,6] {sharding = <@m, [{}, {"y"}]>})
    -> (f32[24], f32[24]) {
  %r = reshape(%a) : f32[24]
  // A split of the minor dim of a merge cannot be expressed on the merged dim.
  %s = reshape(%b) : f32[24]
  return %r, %s
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "r"), R"(<@m, [{"x"}]>)");
  EXPECT_EQ(sh(*m, "s"), "<@m, [{}]>");
}

TEST(Propagation, BroadcastForwardAndBackward) {
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8] {sharding = <@m, [{"x"}]>}, %b: f32[8], %c: f32[1,8])
    -> (f32[8,4], f32[4,8] {sharding = <@m, [{"y"}, {"x"}]>},
        f32[4,8] {sharding = <@m, [{"y"}, {"x"}]>}) {
  // Forward: the broadcast dim stays open.
  %p = broadcast_in_dim(%a) {dims = [0]} : f32[8,4]
  // Backward: only the mapped dim reaches the operand.
  %q = broadcast_in_dim(%b) {dims = [1]} : f32[4,8]
  // A dim broadcast from size 1 has no factor: y does not reach %c.
  %r = broadcast_in_dim(%c) {dims = [0, 1]} : f32[4,8]
  return %p, %q, %r
})");
  ASSERT_TRUE(m);
  EXPECT_EQ(sh(*m, "p"), R"(<@m, [{"x"}, {}]>)");
  EXPECT_EQ(sh(*m, "b"), R"(<@m, [{"x"}]>)");
  EXPECT_EQ(sh(*m, "c"), R"(<@m, [{}, {"x"}]>)");
}

TEST(Propagation, ReductionsForwardAndBackward) {
  auto m = propagated(R"(
mesh @m = <["x"=2, "y"=2]>
func @main(%a: f32[8,6] {sharding = <@m, [{"x"}, {"y"}]>}, %b: f32[8,6])
    -> (f32[8], f32[6] {sharding = <@m, [{"y"}]>}) {
  %r = reduce_sum(%a) {dims = [1]} : f32[8]
  %s = reduce_min(%b) {dims = [0]} : f32[6]
  return %r, %s
})");
  ASSERT_TRUE(m);
  // The summed dim's split (y) does not reach the result.
  EXPECT_EQ(sh(*m, "r"), R"(<@m, [{"x"}]>)");
  // Backward, the kept dim's split reaches the operand; the reduced one stays open.
  EXPECT_EQ(sh(*m, "b"), R"(<@m, [{}, {"y"}]>)");
}

TEST(Propagation, FixpointDoesNotDependOnProgramOrder) {
  // A chain %b0 - %b1 - ... - %b8 of adds over pairs of arguments, placed so that each link
  // comes after the previous one in the opposite sweep direction: the split of %b0 needs
  // one sweep per link, and still reaches the end of the chain.
  const int n = 8;
  const int order[n] = {7, 0, 6, 1, 5, 2, 4, 3}; // program position of link k
  std::vector<std::string> ops(n);
  for (int k = 0; k < n; ++k)
    ops[order[k]] = "  %o" + std::to_string(k) + " = add(%b" + std::to_string(k) + ", %b" +
                    std::to_string(k + 1) + ") : f32[8]\n";
  std::string text = "mesh @m = <[\"x\"=2]>\nfunc @main(%b0: f32[8] {sharding = <@m, [{\"x\"}]>}";
  for (int k = 1; k <= n; ++k)
    text += ", %b" + std::to_string(k) + ": f32[8]";
  text += ") -> (f32[8]) {\n";
  for (const auto &op : ops)
    text += op;
  text += "  return %o0\n}\n";
  auto m = propagated(text);
  ASSERT_TRUE(m);
  for (int k = 0; k < n; ++k) {
    // Not "b" + std::to_string(...): GCC 12 warns -Wrestrict on that (a false positive).
    EXPECT_EQ(sh(*m, std::string("b").append(std::to_string(k + 1))), R"(<@m, [{"x"}]>)")
        << "b" << k + 1;
    EXPECT_EQ(sh(*m, std::string("o").append(std::to_string(k))), R"(<@m, [{"x"}]>)") << "o" << k;
  }
}

// ---- Over every .pir file of the repository: a deterministic fixpoint ----

namespace {

// Parses and verifies a file of the source tree; nullptr when it does not parse or verify.
std::unique_ptr<Module> load(const std::string &rel) {
  std::ifstream in(fs::path(PARTITA_SOURCE_DIR) / rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  Diagnostics d;
  auto m = parseModule(ss.str(), rel, d);
  if (!m || !verifyModule(*m, d)) return nullptr;
  return m;
}

// The .pir files of tests/lit and examples that parse and verify (the others test errors),
// relative to the source dir. Evaluated when the tests are registered, after static
// initialisation.
std::vector<std::string> corpus() {
  std::vector<std::string> out;
  for (const char *dir : {"tests/lit", "examples"}) {
    fs::path root = fs::path(PARTITA_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto &e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().extension() != ".pir") continue;
      std::string rel = fs::relative(e.path(), PARTITA_SOURCE_DIR).string();
      if (load(rel)) out.push_back(rel);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every user annotation of the functions propagation works on, keyed by a readable name.
std::map<std::string, Sharding> annotations(const Module &m) {
  std::map<std::string, Sharding> out;
  for (const auto &f : m.funcs) {
    if (f->partitionedMesh()) continue;
    for (const Value *a : f->args)
      if (a->sharding) out["@" + f->name + " %" + a->name] = *a->sharding;
    for (const auto &op : f->ops)
      if (op->result->sharding)
        out["@" + f->name + " %" + op->result->name] = *op->result->sharding;
    for (size_t i = 0; i < f->results.size(); ++i)
      if (f->results[i].sharding)
        out["@" + f->name + " result " + std::to_string(i)] = *f->results[i].sharding;
  }
  return out;
}

class PropagationFixpoint : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST(PropagationCorpus, FindsTheFiles) { EXPECT_GT(corpus().size(), 50u); }

TEST_P(PropagationFixpoint, IdempotentDeterministicAndKeepsAnnotations) {
  auto first = load(GetParam());
  ASSERT_TRUE(first);
  auto user = annotations(*first);
  auto twin = first->clone();
  std::string error;
  ASSERT_TRUE(propagateOnce(*first, &error).ok) << error;
  ASSERT_TRUE(propagateOnce(*twin, &error).ok) << error;
  const std::string once = printModule(*first);
  EXPECT_EQ(printModule(*twin), once) << "two runs on the same input disagree";

  auto after = annotations(*first);
  for (const auto &[what, s] : user) {
    ASSERT_TRUE(after.count(what)) << what;
    EXPECT_EQ(after[what], s) << what << " changed from " << s.str() << " to " << after[what].str();
  }
  Diagnostics dv;
  EXPECT_TRUE(verifyModule(*first, dv)) << (dv.all().empty() ? "" : dv.all()[0].str());

  // A second run changes nothing.
  PassResult again = propagateOnce(*first, &error);
  EXPECT_TRUE(again.ok) << error;
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(printModule(*first), once);

  // A fixpoint: no op could refine a value that propagation left replicated. Reopen every
  // such value (user annotations aside) with all others as they ended, and propagate: each
  // must come back replicated.
  auto reopened = load(GetParam());
  ASSERT_TRUE(propagateOnce(*reopened, &error).ok) << error;
  std::vector<std::pair<std::string, Value *>> open;
  for (const auto &f : reopened->funcs) {
    if (f->partitionedMesh()) continue;
    auto consider = [&](Value *v, const std::string &what) {
      if (!user.count(what) && v->sharding && v->sharding->isFullyReplicated()) {
        v->sharding.reset();
        open.push_back({what, v});
      }
    };
    for (Value *a : f->args)
      consider(a, "@" + f->name + " %" + a->name);
    for (const auto &op : f->ops)
      consider(op->result, "@" + f->name + " %" + op->result->name);
  }
  ASSERT_TRUE(propagateOnce(*reopened, &error).ok) << error;
  for (const auto &[what, v] : open) {
    ASSERT_TRUE(v->sharding) << what;
    EXPECT_TRUE(v->sharding->isFullyReplicated()) << what << " became " << v->sharding->str();
  }
}

INSTANTIATE_TEST_SUITE_P(Repo, PropagationFixpoint, ::testing::ValuesIn(corpus()),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           std::string name;
                           for (char c : info.param)
                             name += std::isalnum((unsigned char)c) ? c : '_';
                           return name;
                         });
