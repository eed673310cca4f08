// Gradient checks of every VJP rule: each case differentiates a small program with the
// autodiff pass and compares the gradients with central finite differences of the
// original program. Both run on the reference interpreter in exact (double precision)
// mode, so the finite differences depend only on the forward semantics, never on a rule.
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Passes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

using namespace partita;

namespace {

struct Case {
  const char *name;
  const char *body;           // the ops of @main after its signature; the loss is %loss
  const char *args;           // argument list
  double lo = -1.5, hi = 1.5; // input range of float arguments
  const char *prelude = "";   // declarations before @main (a mesh)
};

std::unique_ptr<Module> parse(const std::string &text) {
  Diagnostics d;
  auto m = parseModule(text, "test.pir", d);
  std::ostringstream os;
  d.print(os);
  EXPECT_TRUE(m && !d.hasErrors()) << os.str() << "\n" << text;
  if (m) {
    verifyModule(*m, d);
    d.print(os);
    EXPECT_FALSE(d.hasErrors()) << os.str() << "\n" << text;
  }
  return m;
}

std::vector<Tensor> run(const Module &m, const std::vector<Tensor> &args) {
  DeviceContext ctx;
  ctx.exact = true;
  return runFunction(*m.main(), args, &ctx);
}

// Runs the case: autodiff gradient vs central differences of every trainable element.
void check(const Case &c) {
  SCOPED_TRACE(c.name);
  std::string text = std::string(c.prelude) + "func @main(" + c.args + ") -> (f32[]) {\n" + c.body +
                     "\n  return %loss\n}\n";
  auto fwd = parse(text);
  ASSERT_TRUE(fwd);
  auto bwd = fwd->clone();
  Diagnostics d;
  auto pass = createAutodiffPass();
  PassResult r = pass->run(*bwd, d);
  std::ostringstream diag;
  d.print(diag);
  ASSERT_TRUE(r.ok) << diag.str();
  verifyModule(*bwd, d);
  d.print(diag);
  ASSERT_FALSE(d.hasErrors()) << diag.str() << printModule(*bwd);

  std::mt19937_64 rng(std::hash<std::string>{}(c.name));
  std::uniform_real_distribution<double> u(c.lo, c.hi);
  const Func &f = *fwd->main();
  std::vector<Tensor> args;
  std::vector<size_t> trainable;
  for (size_t i = 0; i < f.args.size(); ++i) {
    Tensor t(f.args[i]->type);
    for (double &v : t.data)
      v = isFloat(t.type.dtype) ? u(rng) : (double)(rng() % 3);
    args.push_back(t);
    auto it = f.argAttrs[i].find("trainable");
    if (it != f.argAttrs[i].end() && it->second.b) trainable.push_back(i);
  }
  auto got = run(*bwd, args);
  ASSERT_EQ(got.size(), 1 + trainable.size()) << printModule(*bwd);
  EXPECT_NEAR(got[0].data[0], run(*fwd, args)[0].data[0], 1e-12);
  const double h = 1e-6;
  for (size_t k = 0; k < trainable.size(); ++k) {
    size_t a = trainable[k];
    const Tensor &g = got[1 + k];
    ASSERT_EQ(g.type, args[a].type);
    for (int64_t e = 0; e < g.size(); ++e) {
      auto plus = args, minus = args;
      plus[a].data[e] += h;
      minus[a].data[e] -= h;
      double fd = (run(*fwd, plus)[0].data[0] - run(*fwd, minus)[0].data[0]) / (2 * h);
      EXPECT_NEAR(g.data[e], fd, 1e-5 + 1e-5 * std::fabs(fd))
          << "d loss / d %" << f.args[a]->name << "[" << e << "]\n"
          << printModule(*bwd);
    }
  }
}

// One elementwise unary op: loss = sum(op(x) * w).
Case unary(const char *name, const char *op, double lo = -1.5, double hi = 1.5) {
  static std::vector<std::string> bodies; // keeps the texts alive for the Case pointers
  bodies.push_back(std::string("  %y = ") + op + "(%x) : f32[2,3]\n" +
                   "  %p = mul(%y, %w) : f32[2,3]\n" +
                   "  %loss = reduce_sum(%p) {dims = [0, 1]} : f32[]");
  return {name, bodies.back().c_str(), "%x: f32[2,3] {trainable = true}, %w: f32[2,3]", lo, hi};
}

Case binary(const char *name, const char *op, double lo = -1.5, double hi = 1.5) {
  static std::vector<std::string> bodies;
  bodies.push_back(std::string("  %y = ") + op + "(%x, %z) : f32[2,3]\n" +
                   "  %p = mul(%y, %w) : f32[2,3]\n" +
                   "  %loss = reduce_sum(%p) {dims = [0, 1]} : f32[]");
  return {name, bodies.back().c_str(),
          "%x: f32[2,3] {trainable = true}, %z: f32[2,3] {trainable = true}, %w: f32[2,3]", lo, hi};
}

TEST(Autodiff, UnaryElementwise) {
  check(unary("neg", "neg"));
  check(unary("abs", "abs"));
  check(unary("exp", "exp"));
  check(unary("log", "log", 0.2, 2.0));
  check(unary("sqrt", "sqrt", 0.2, 2.0));
  check(unary("rsqrt", "rsqrt", 0.2, 2.0));
  check(unary("tanh", "tanh"));
  check(unary("logistic", "logistic"));
  check(unary("erf", "erf"));
  check(unary("gelu", "gelu", -3, 3));
}

TEST(Autodiff, BinaryElementwise) {
  check(binary("add", "add"));
  check(binary("sub", "sub"));
  check(binary("mul", "mul"));
  check(binary("div", "div", 0.3, 2.0));
  check(binary("max", "max"));
  check(binary("min", "min"));
  check(binary("pow", "pow", 0.3, 2.0));
}

TEST(Autodiff, SelectCompareConvert) {
  check({"select",
         "  %p = compare(%x, %z) {direction = \"lt\"} : i1[4]\n"
         "  %s = select(%p, %x, %z) : f32[4]\n"
         "  %q = mul(%s, %w) : f32[4]\n"
         "  %loss = reduce_sum(%q) {dims = [0]} : f32[]",
         "%x: f32[4] {trainable = true}, %z: f32[4] {trainable = true}, %w: f32[4]"});
  // bf16 round trip: the rule converts the cotangent back; in exact mode the rounding is
  // off, so the function is the identity on the bf16 path.
  check({"convert",
         "  %b = convert(%x) : bf16[4]\n"
         "  %e = exp(%b) : bf16[4]\n"
         "  %f = convert(%e) : f32[4]\n"
         "  %q = mul(%f, %w) : f32[4]\n"
         "  %loss = reduce_sum(%q) {dims = [0]} : f32[]",
         "%x: f32[4] {trainable = true}, %w: f32[4]"});
}

TEST(Autodiff, ShapeOps) {
  check({"broadcast",
         "  %b = broadcast_in_dim(%x) {dims = [2, 0]} : f32[3,4,2]\n"
         "  %q = mul(%b, %w) : f32[3,4,2]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1, 2]} : f32[]",
         "%x: f32[2,3] {trainable = true}, %w: f32[3,4,2]"});
  check({"broadcast_expand",
         "  %b = broadcast_in_dim(%x) {dims = [0, 1]} : f32[3,4]\n"
         "  %q = mul(%b, %w) : f32[3,4]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%x: f32[3,1] {trainable = true}, %w: f32[3,4]"});
  check({"reshape_transpose",
         "  %r = reshape(%x) : f32[3,2,2]\n"
         "  %t = transpose(%r) {perm = [2, 0, 1]} : f32[2,3,2]\n"
         "  %q = mul(%t, %w) : f32[2,3,2]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1, 2]} : f32[]",
         "%x: f32[6,2] {trainable = true}, %w: f32[2,3,2]"});
  check({"slice_strided",
         "  %s = slice(%x) {start = [1, 0], limit = [6, 4], stride = [2, 3]} : f32[3,2]\n"
         "  %q = mul(%s, %w) : f32[3,2]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%x: f32[7,5] {trainable = true}, %w: f32[3,2]"});
  check({"pad",
         "  %p = pad(%x) {low = [1, 0], high = [2, 3], value = 0.5} : f32[5,5]\n"
         "  %q = mul(%p, %w) : f32[5,5]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%x: f32[2,2] {trainable = true}, %w: f32[5,5]"});
  check({"concatenate",
         "  %c = concatenate(%x, %z, %x) {dim = 1} : f32[2,7]\n"
         "  %q = mul(%c, %w) : f32[2,7]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%x: f32[2,2] {trainable = true}, %z: f32[2,3] {trainable = true}, %w: f32[2,7]"});
}

TEST(Autodiff, Einsum) {
  check({"matmul",
         "  %y = einsum(%a, %b) {spec = \"ij,jk->ik\"} : f32[2,4]\n"
         "  %q = mul(%y, %w) : f32[2,4]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%a: f32[2,3] {trainable = true}, %b: f32[3,4] {trainable = true}, %w: f32[2,4]"});
  // Batch letters, a letter summed within one operand alone, and a permuted output.
  check({"batched",
         "  %y = einsum(%a, %b) {spec = \"gsm,gmh->hgs\"} : f32[4,2,3]\n"
         "  %z = einsum(%a, %b) {spec = \"gsm,gxh->gs\"} : f32[2,3]\n"
         "  %q = mul(%y, %w) : f32[4,2,3]\n"
         "  %l1 = reduce_sum(%q) {dims = [0, 1, 2]} : f32[]\n"
         "  %z2 = mul(%z, %z) : f32[2,3]\n"
         "  %l2 = reduce_sum(%z2) {dims = [0, 1]} : f32[]\n"
         "  %loss = add(%l1, %l2) : f32[]",
         "%a: f32[2,3,5] {trainable = true}, %b: f32[2,5,4] {trainable = true}, "
         "%w: f32[4,2,3]"});
}

TEST(Autodiff, Reductions) {
  check({"reduce_sum",
         "  %s = reduce_sum(%x) {dims = [1]} : f32[2,4]\n"
         "  %q = mul(%s, %w) : f32[2,4]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%x: f32[2,3,4] {trainable = true}, %w: f32[2,4]"});
  check({"reduce_max",
         "  %s = reduce_max(%x) {dims = [0, 2]} : f32[3]\n"
         "  %q = mul(%s, %w) : f32[3]\n"
         "  %loss = reduce_sum(%q) {dims = [0]} : f32[]",
         "%x: f32[2,3,4] {trainable = true}, %w: f32[3]"});
  check({"reduce_min",
         "  %s = reduce_min(%x) {dims = [1]} : f32[2,4]\n"
         "  %q = mul(%s, %w) : f32[2,4]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%x: f32[2,3,4] {trainable = true}, %w: f32[2,4]"});
  check({"cumsum",
         "  %c = cumsum(%x) {dim = 1, exclusive = true} : f32[2,5]\n"
         "  %d = cumsum(%x) {dim = 0, reverse = true} : f32[2,5]\n"
         "  %e = mul(%c, %d) : f32[2,5]\n"
         "  %q = mul(%e, %w) : f32[2,5]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%x: f32[2,5] {trainable = true}, %w: f32[2,5]"});
}

TEST(Autodiff, GathersAndConstraints) {
  check({"take",
         "  %t = take(%table, %ids) {axis = 0} : f32[2,3,4]\n"
         "  %q = mul(%t, %w) : f32[2,3,4]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1, 2]} : f32[]",
         "%table: f32[5,4] {trainable = true}, %ids: i32[2,3], %w: f32[2,3,4]"});
  check({"scatter_add",
         "  %s = scatter_add(%base, %ids, %upd) {axis = 1} : f32[2,5]\n"
         "  %q = mul(%s, %w) : f32[2,5]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%base: f32[2,5] {trainable = true}, %ids: i32[3], %upd: f32[2,3] {trainable = true}, "
         "%w: f32[2,5]"});
  check({"one_hot_and_argmax_are_constant",
         "  %a = argmax(%x) {dim = 1} : i32[2]\n"
         "  %o = one_hot(%a) {depth = 3} : f32[2,3]\n"
         "  %m = mul(%o, %x) : f32[2,3]\n"
         "  %loss = reduce_sum(%m) {dims = [0, 1]} : f32[]",
         "%x: f32[2,3] {trainable = true}"});
  check({"dynamic_slices",
         "  %i = constant() {value = 1} : i32[]\n"
         "  %s = dynamic_slice(%x, %i, %i) {sizes = [2, 2]} : f32[2,2]\n"
         "  %u = dynamic_update_slice(%x, %z, %i, %i) : f32[4,3]\n"
         "  %q = mul(%u, %w) : f32[4,3]\n"
         "  %l1 = reduce_sum(%q) {dims = [0, 1]} : f32[]\n"
         "  %s2 = mul(%s, %s) : f32[2,2]\n"
         "  %l2 = reduce_sum(%s2) {dims = [0, 1]} : f32[]\n"
         "  %loss = add(%l1, %l2) : f32[]",
         "%x: f32[4,3] {trainable = true}, %z: f32[2,2] {trainable = true}, %w: f32[4,3]"});
  // The constraint is the identity on values; its cotangent gets the same constraint.
  check({"sharding_constraint",
         "  %c = sharding_constraint(%x) {sharding = <@mesh, [{\"x\"}, {}]>} : f32[4,3]\n"
         "  %q = mul(%c, %c) : f32[4,3]\n"
         "  %loss = reduce_sum(%q) {dims = [0, 1]} : f32[]",
         "%x: f32[4,3] {trainable = true}", -1.5, 1.5, "mesh @mesh = <[\"x\"=2]>\n"});
}

// A two-layer MLP with a shared sub-expression and an unused trainable argument.
TEST(Autodiff, SharedSubexpressionsAndDeadGradients) {
  check({"mlp",
         "  %h = einsum(%x, %w1) {spec = \"bm,mh->bh\"} : f32[2,4]\n"
         "  %g = gelu(%h) : f32[2,4]\n"
         "  %y = einsum(%g, %w2) {spec = \"bh,hm->bm\"} : f32[2,3]\n"
         "  %r = add(%y, %x) : f32[2,3]\n"
         "  %s = mul(%r, %r) : f32[2,3]\n"
         "  %loss = reduce_sum(%s) {dims = [0, 1]} : f32[]",
         "%x: f32[2,3] {trainable = true}, %w1: f32[3,4] {trainable = true}, "
         "%w2: f32[4,3] {trainable = true}, %unused: f32[5] {trainable = true}"});
}

std::string autodiffError(const std::string &text) {
  Diagnostics d;
  auto m = parseModule(text, "bad.pir", d);
  EXPECT_TRUE(m && !d.hasErrors());
  if (!m) return "";
  PassResult r = createAutodiffPass()->run(*m, d);
  EXPECT_FALSE(r.ok);
  std::ostringstream os;
  d.print(os);
  return os.str();
}

TEST(Autodiff, Errors) {
  EXPECT_NE(autodiffError("func @main(%x: i32[4] {trainable = true}) -> (i32[4]) {\n"
                          "  return %x\n}\n")
                .find("bad.pir:1:12: error: autodiff: trainable argument %x has type i32[4]"),
            std::string::npos);
  EXPECT_NE(autodiffError("func @main(%x: f32[4] {trainable = true}) -> (f32[4]) {\n"
                          "  %y = exp(%x) : f32[4]\n  return %y\n}\n")
                .find("error: autodiff: the first result of @main must be the loss, a float "
                      "scalar; got f32[4]"),
            std::string::npos);
  EXPECT_NE(autodiffError("func @main(%x: f32[4]) -> (f32[]) {\n"
                          "  %y = reduce_sum(%x) {dims = [0]} : f32[]\n  return %y\n}\n")
                .find("no argument of @main is marked"),
            std::string::npos);
}

} // namespace
