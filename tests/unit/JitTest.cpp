// The LLVM code generator and JIT against the reference interpreter: every op on random
// shapes (odd sizes, empty dims, every dtype it accepts, bf16 included), fused chains, the
// einsum kernel's layouts, hand-written partitioned programs on threaded in-memory
// collectives against the interpreter's lockstep simulation, the buffer planner, and the
// on-disk object cache.
#include "ir/InputGen.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"
#include "runtime/DeviceInterpreter.h"
#include "runtime/Executable.h"
#include "runtime/Parallel.h"
#include "runtime/Simulator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

using namespace partita;

namespace {

std::shared_ptr<Jit> sharedJit() {
  static std::shared_ptr<Jit> jit = [] {
    std::string err;
    JitOptions o; // no cache: every test exercises the compiler
    auto j = Jit::create(o, &err);
    EXPECT_TRUE(j) << err;
    return std::shared_ptr<Jit>(std::move(j));
  }();
  return jit;
}

std::unique_ptr<Module> parse(const std::string &text) {
  Diagnostics d;
  auto m = parseModule(text, "test.pir", d);
  if (m && !verifyModule(*m, d)) m.reset();
  std::ostringstream os;
  d.print(os);
  EXPECT_TRUE(m) << os.str() << "\n" << text;
  return m;
}

std::unique_ptr<Executable> compile(const Module &m, std::shared_ptr<Jit> jit = sharedJit()) {
  Diagnostics d;
  auto e = Executable::compile(m, *m.main(), std::move(jit), d);
  std::ostringstream os;
  d.print(os);
  EXPECT_TRUE(e) << os.str();
  return e;
}

// Inputs as partita-run makes them, with every i32 shifted to [-8, 8) so signs and zeros
// (division, pow, ids out of range) are exercised.
std::vector<Tensor> inputs(const Func &f, uint64_t seed) {
  std::vector<Tensor> args;
  for (const Value *a : f.args) {
    Tensor t = generateTensor(seed, a->name, a->type);
    if (a->type.dtype == DType::I32)
      for (double &v : t.data)
        v -= 8;
    args.push_back(t);
  }
  return args;
}

// |got - want| <= atol + rtol*|want| elementwise (NaN matches NaN, infinities match
// exactly); integers and booleans exactly.
void expectClose(const Tensor &got, const Tensor &want, double tol, const std::string &what) {
  ASSERT_EQ(got.type, want.type) << what;
  double t = want.type.dtype == DType::BF16 ? std::max(tol, 1e-2) : tol;
  if (!isFloat(want.type.dtype)) t = 0;
  int bad = 0;
  for (int64_t i = 0; i < want.size() && bad < 5; ++i) {
    double g = got.data[i], w = want.data[i];
    bool ok = (std::isnan(g) && std::isnan(w)) || g == w ||
              (std::isfinite(w) && std::fabs(g - w) <= t + t * std::fabs(w));
    if (!ok) {
      ++bad;
      ADD_FAILURE() << what << ": element " << i << " got " << g << " want " << w;
    }
  }
}

// Parses, runs on the JIT and on the interpreter with seeded inputs, and compares.
void checkProgram(const std::string &text, double tol = 2e-6, uint64_t seed = 1) {
  auto m = parse(text);
  if (!m) return;
  auto e = compile(*m);
  if (!e) return;
  auto args = inputs(*m->main(), seed);
  std::vector<Tensor> want;
  try {
    want = runFunction(*m->main(), args);
  } catch (const std::exception &ex) {
    FAIL() << "interpreter: " << ex.what() << "\n" << text;
  }
  auto got = e->runTensors(args);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    expectClose(got[i], want[i], tol, text);
}

std::string shapeStr(const std::vector<int64_t> &s) {
  std::string o = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) o += ",";
    o += std::to_string(s[i]);
  }
  return o + "]";
}

struct Rng {
  std::mt19937 g{12345};
  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(g);
  }
  // Odd sizes and the occasional 1; rank 0..maxRank.
  std::vector<int64_t> shape(int minRank = 0, int maxRank = 4) {
    std::vector<int64_t> s(uniform(minRank, maxRank));
    for (auto &d : s)
      d = uniform(0, 3) == 0 ? 1 : uniform(2, 9);
    return s;
  }
};

std::string t(const char *dt, const std::vector<int64_t> &s) { return dt + shapeStr(s); }

TEST(Jit, UnaryFloatOps) {
  Rng r;
  for (const char *op :
       {"neg", "abs", "exp", "tanh", "logistic", "erf", "gelu", "sqrt", "rsqrt", "log"})
    for (const char *dt : {"f32", "bf16"}) {
      auto s = r.shape();
      // Scale into [-8, 8) so exp/tanh/erf see their tails; sqrt/log get |x| (and exact 0s).
      std::string pre =
          std::string(op) == "sqrt" || std::string(op) == "rsqrt" || std::string(op) == "log"
              ? "  %a = abs(%s) : " + t(dt, s) + "\n"
              : "  %a = neg(%s) : " + t(dt, s) + "\n";
      std::string text = "func @main(%x: " + t(dt, s) + ") -> (" + t(dt, s) + ") {\n" +
                         "  %k = constant() {value = 8.0} : " + t(dt, s) + "\n" +
                         "  %s = mul(%x, %k) : " + t(dt, s) + "\n" + pre + "  %y = " + op +
                         "(%a) : " + t(dt, s) + "\n  return %y\n}\n";
      checkProgram(text, 4e-6);
    }
}

TEST(Jit, MathSpecialValues) {
  // Tails, zeros, infinities and NaN through the generated exp/log/tanh/erf/logistic.
  std::string vals = "[0.0, -0.0, 1e-30, -1e-30, 1e-5, 0.6, 0.65, 20.0, -20.0, 88.7, 89.0, -87.0, "
                     "-104.0, 1e38, -1e38, 1e-40, 3.0, -3.0, 4.5, -4.5]";
  for (const char *op : {"exp", "log", "tanh", "erf", "logistic", "gelu", "sqrt", "rsqrt"}) {
    std::string text = std::string("func @main() -> (f32[20]) {\n") +
                       "  %c = constant() {value = " + vals + "} : f32[20]\n" + "  %y = " + op +
                       "(%c) : f32[20]\n  return %y\n}\n";
    checkProgram(text, 4e-6);
  }
}

TEST(Jit, BinaryOps) {
  Rng r;
  for (const char *op : {"add", "sub", "mul", "div", "max", "min", "pow"})
    for (const char *dt : {"f32", "bf16", "i32"}) {
      auto s = r.shape();
      std::string text = "func @main(%x: " + t(dt, s) + ", %y: " + t(dt, s) + ") -> (" + t(dt, s) +
                         ") {\n  %z = " + op + "(%x, %y) : " + t(dt, s) + "\n  return %z\n}\n";
      checkProgram(text, 4e-6);
    }
}

TEST(Jit, CompareSelectLogic) {
  Rng r;
  for (const char *dir : {"eq", "ne", "lt", "le", "gt", "ge"})
    for (const char *dt : {"f32", "bf16", "i32", "i1"}) {
      auto s = r.shape();
      std::string text =
          "func @main(%x: " + t(dt, s) + ", %y: " + t(dt, s) + ", %p: " + t("i1", s) + ") -> (" +
          t("i1", s) + ", " + t(dt, s) + ") {\n" + "  %c = compare(%x, %y) {direction = \"" + dir +
          "\"} : " + t("i1", s) + "\n" + "  %n = not(%c) : " + t("i1", s) + "\n" +
          "  %a = and(%n, %p) : " + t("i1", s) + "\n" + "  %o = or(%a, %c) : " + t("i1", s) + "\n" +
          "  %z = select(%o, %x, %y) : " + t(dt, s) + "\n  return %o, %z\n}\n";
      checkProgram(text);
    }
}

TEST(Jit, Converts) {
  Rng r;
  const char *dts[] = {"f32", "bf16", "i32", "i1"};
  for (const char *from : dts)
    for (const char *to : dts) {
      auto s = r.shape();
      // Floats scaled to [-3e9, 3e9) so float→i32 saturates; i32 scaled to reach 2^24+.
      std::string scale = std::string(from) == "i1"    ? ""
                          : std::string(from) == "i32" ? "3000017"
                                                       : "3.0e9";
      std::string body = scale.empty()
                             ? "  %y = convert(%x) : " + t(to, s) + "\n"
                             : "  %k = constant() {value = " + scale + "} : " + t(from, s) + "\n" +
                                   "  %m = mul(%x, %k) : " + t(from, s) + "\n" +
                                   "  %y = convert(%m) : " + t(to, s) + "\n";
      std::string text = "func @main(%x: " + t(from, s) + ") -> (" + t(to, s) + ") {\n" + body +
                         "  return %y\n}\n";
      checkProgram(text);
    }
}

TEST(Jit, ConstantsAndIota) {
  checkProgram("func @main() -> (f32[2,3], i32[2,3], bf16[3], i1[2], f32[]) {\n"
               "  %a = constant() {value = [[1.5, -2.0, 3.25], [4.0, 5.0, 6.0]]} : f32[2,3]\n"
               "  %b = iota() {dim = 1} : i32[2,3]\n"
               "  %c = constant() {value = [1.00390625, 3.0, -0.1]} : bf16[3]\n"
               "  %d = constant() {value = [true, false]} : i1[2]\n"
               "  %e = constant() {value = 2.5} : f32[]\n"
               "  return %a, %b, %c, %d, %e\n}\n");
  Rng r;
  for (const char *dt : {"f32", "bf16", "i32"}) {
    auto s = r.shape(1, 4);
    int64_t dim = r.uniform(0, (int64_t)s.size() - 1);
    checkProgram("func @main() -> (" + t(dt, s) + ") {\n  %y = iota() {dim = " +
                 std::to_string(dim) + "} : " + t(dt, s) + "\n  return %y\n}\n");
  }
}

TEST(Jit, ShapeOps) {
  Rng r;
  for (int trial = 0; trial < 12; ++trial) {
    const char *dt = trial % 3 == 0 ? "bf16" : trial % 3 == 1 ? "f32" : "i32";
    auto s = r.shape(1, 4);
    int rank = (int)s.size();
    // broadcast_in_dim into a bigger shape, inserting a new leading dim.
    std::vector<int64_t> bs = {r.uniform(1, 4)};
    std::string dims;
    for (int i = 0; i < rank; ++i) {
      bs.push_back(s[i] == 1 ? r.uniform(1, 5) : s[i]);
      if (i) dims += ", ";
      dims += std::to_string(i + 1);
    }
    // transpose by a random permutation
    std::vector<int64_t> perm(rank);
    for (int i = 0; i < rank; ++i)
      perm[i] = i;
    std::shuffle(perm.begin(), perm.end(), r.g);
    std::vector<int64_t> ts;
    std::string ps;
    for (int i = 0; i < rank; ++i) {
      ts.push_back(s[perm[i]]);
      if (i) ps += ", ";
      ps += std::to_string(perm[i]);
    }
    // slice with strides, pad, concatenate, reshape to flat
    std::vector<int64_t> st, li, sd, ss, lo, hi, pads, cs = s;
    std::string sts, lis, sds, los, his;
    for (int i = 0; i < rank; ++i) {
      int64_t a = r.uniform(0, s[i]), b = r.uniform(a, s[i]), k = r.uniform(1, 3);
      ss.push_back((b - a + k - 1) / k);
      int64_t l = r.uniform(0, 2), h = r.uniform(0, 2);
      pads.push_back(s[i] + l + h);
      if (i) sts += ", ";
      sts += std::to_string(a);
      if (i) lis += ", ";
      lis += std::to_string(b);
      if (i) sds += ", ";
      sds += std::to_string(k);
      if (i) los += ", ";
      los += std::to_string(l);
      if (i) his += ", ";
      his += std::to_string(h);
    }
    int64_t cd = r.uniform(0, rank - 1);
    cs[cd] = s[cd] * 2 + 1;
    std::vector<int64_t> one = s;
    one[cd] = 1;
    int64_t n = 1;
    for (auto d : s)
      n *= d;
    std::string text =
        "func @main(%x: " + t(dt, s) + ", %z: " + t(dt, one) + ") -> (" + t(dt, bs) + ", " +
        t(dt, ts) + ", " + t(dt, ss) + ", " + t(dt, pads) + ", " + t(dt, cs) + ", " + t(dt, {n}) +
        ") {\n" + "  %b = broadcast_in_dim(%x) {dims = [" + dims + "]} : " + t(dt, bs) + "\n" +
        "  %t = transpose(%x) {perm = [" + ps + "]} : " + t(dt, ts) + "\n" +
        "  %s = slice(%x) {start = [" + sts + "], limit = [" + lis + "], stride = [" + sds +
        "]} : " + t(dt, ss) + "\n" + "  %p = pad(%x) {low = [" + los + "], high = [" + his +
        "], value = 7} : " + t(dt, pads) + "\n" +
        "  %c = concatenate(%x, %z, %x) {dim = " + std::to_string(cd) + "} : " + t(dt, cs) + "\n" +
        "  %r = reshape(%x) : " + t(dt, {n}) + "\n" + "  return %b, %t, %s, %p, %c, %r\n}\n";
    checkProgram(text);
  }
}

TEST(Jit, FusedChainWithBroadcastConvertSelect) {
  checkProgram("func @main(%x: f32[7,13], %b: f32[13], %i: i32[7,13]) -> (bf16[7,13], f32[7]) {\n"
               "  %bb = broadcast_in_dim(%b) {dims = [1]} : f32[7,13]\n"
               "  %s = add(%x, %bb) : f32[7,13]\n"
               "  %g = gelu(%s) : f32[7,13]\n"
               "  %fi = convert(%i) : f32[7,13]\n"
               "  %zero = constant() {value = 0.0} : f32[7,13]\n"
               "  %p = compare(%fi, %zero) {direction = \"gt\"} : i1[7,13]\n"
               "  %sel = select(%p, %g, %fi) : f32[7,13]\n"
               "  %h = convert(%sel) : bf16[7,13]\n"
               "  %e = exp(%sel) : f32[7,13]\n"
               "  %r = reduce_sum(%e) {dims = [1]} : f32[7]\n"
               "  return %h, %r\n}\n",
               1e-5);
}

TEST(Jit, Reductions) {
  Rng r;
  for (const char *op : {"reduce_sum", "reduce_max", "reduce_min"})
    for (const char *dt : {"f32", "bf16", "i32"})
      for (int trial = 0; trial < 3; ++trial) {
        auto s = r.shape(1, 4);
        std::vector<int64_t> rs;
        std::string dims;
        for (int i = 0; i < (int)s.size(); ++i) {
          if (r.uniform(0, 1))
            dims += (dims.empty() ? "" : ", ") + std::to_string(i);
          else
            rs.push_back(s[i]);
        }
        checkProgram("func @main(%x: " + t(dt, s) + ") -> (" + t(dt, rs) + ") {\n  %y = " + op +
                         "(%x) {dims = [" + dims + "]} : " + t(dt, rs) + "\n  return %y\n}\n",
                     1e-5);
      }
  // Empty reductions give the identity.
  checkProgram("func @main(%x: f32[3,0]) -> (f32[3], f32[3], i32[3]) {\n"
               "  %a = reduce_sum(%x) {dims = [1]} : f32[3]\n"
               "  %b = reduce_max(%x) {dims = [1]} : f32[3]\n"
               "  %c = constant() {value = 1} : i32[3,0]\n"
               "  %d = reduce_min(%c) {dims = [1]} : i32[3]\n"
               "  return %a, %b, %d\n}\n");
}

TEST(Jit, CumsumArgmax) {
  Rng r;
  for (const char *dt : {"f32", "bf16", "i32"})
    for (int trial = 0; trial < 4; ++trial) {
      auto s = r.shape(1, 3);
      int64_t dim = r.uniform(0, (int64_t)s.size() - 1);
      std::string ex = trial & 1 ? "true" : "false", rv = trial & 2 ? "true" : "false";
      std::vector<int64_t> as = s;
      as.erase(as.begin() + dim);
      checkProgram("func @main(%x: " + t(dt, s) + ") -> (" + t(dt, s) + ", " + t("i32", as) +
                       ") {\n" + "  %c = cumsum(%x) {dim = " + std::to_string(dim) +
                       ", exclusive = " + ex + ", reverse = " + rv + "} : " + t(dt, s) + "\n" +
                       "  %a = argmax(%x) {dim = " + std::to_string(dim) + "} : " + t("i32", as) +
                       "\n" + "  return %c, %a\n}\n",
                   1e-5);
    }
  // Ties take the lowest index; NaN is the maximum and the first NaN wins.
  checkProgram("func @main() -> (i32[3]) {\n"
               "  %c = constant() {value = [[1.0, 3.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, "
               "-1.0, -2.0, 2.0]]} : f32[3,4]\n"
               "  %z = constant() {value = 0.0} : f32[3,4]\n"
               "  %l = log(%c) : f32[3,4]\n"
               "  %m = compare(%c, %z) {direction = \"lt\"} : i1[3,4]\n"
               "  %n = select(%m, %l, %c) : f32[3,4]\n"
               "  %a = argmax(%n) {dim = 1} : i32[3]\n"
               "  return %a\n}\n");
}

TEST(Jit, OneHotTakeScatter) {
  Rng r;
  for (const char *dt : {"f32", "bf16", "i32"})
    for (int trial = 0; trial < 4; ++trial) {
      auto ids = r.shape(0, 2);
      auto table = r.shape(1, 3);
      int64_t axis = r.uniform(0, (int64_t)table.size() - 1);
      std::vector<int64_t> rs(table.begin(), table.begin() + axis);
      rs.insert(rs.end(), ids.begin(), ids.end());
      rs.insert(rs.end(), table.begin() + axis + 1, table.end());
      int64_t depth = r.uniform(1, 9), oaxis = r.uniform(0, (int64_t)ids.size());
      std::vector<int64_t> os = ids;
      os.insert(os.begin() + oaxis, depth);
      // ids in [-8, 8): some negative, some past the end.
      checkProgram(
          "func @main(%tb: " + t(dt, table) + ", %ids: " + t("i32", ids) + ", %u: " + t(dt, rs) +
              ") -> (" + t(dt, rs) + ", " + t(dt, table) + ", " + t(dt, os) + ") {\n" +
              "  %g = take(%tb, %ids) {axis = " + std::to_string(axis) + "} : " + t(dt, rs) + "\n" +
              "  %s = scatter_add(%tb, %ids, %u) {axis = " + std::to_string(axis) + "} : " +
              t(dt, table) + "\n" + "  %o = one_hot(%ids) {depth = " + std::to_string(depth) +
              ", axis = " + std::to_string(oaxis) + "} : " + t(dt, os) + "\n" +
              "  return %g, %s, %o\n}\n",
          1e-5);
    }
}

TEST(Jit, DynamicSlices) {
  for (int off0 : {-3, 0, 2, 9})
    for (int off1 : {-1, 1, 4}) {
      std::string o0 = std::to_string(off0), o1 = std::to_string(off1);
      checkProgram("func @main(%x: f32[7,5], %u: f32[3,2]) -> (f32[3,2], f32[7,5], bf16[2,5]) {\n"
                   "  %a = constant() {value = " +
                   o0 +
                   "} : i32[]\n"
                   "  %b = constant() {value = " +
                   o1 +
                   "} : i32[]\n"
                   "  %s = dynamic_slice(%x, %a, %b) {sizes = [3, 2]} : f32[3,2]\n"
                   "  %d = dynamic_update_slice(%x, %u, %a, %b) : f32[7,5]\n"
                   "  %h = convert(%d) : bf16[7,5]\n"
                   "  %t = dynamic_slice(%h, %b, %a) {sizes = [2, 5]} : bf16[2,5]\n"
                   "  return %s, %d, %t\n}\n");
    }
}

TEST(Jit, EinsumLayouts) {
  // Direct GEMM operands, transposed ones, packed ones, letters summed in one operand only,
  // scalar results, batch dims in odd places; f32, bf16 and i32.
  struct Case {
    const char *spec, *a, *b, *out;
  };
  Case cases[] = {
      {"mk,kn->mn", "[5,7]", "[7,3]", "[5,3]"},
      {"km,kn->mn", "[7,5]", "[7,3]", "[5,3]"},
      {"mk,nk->mn", "[5,7]", "[3,7]", "[5,3]"},
      {"mk,kn->nm", "[5,7]", "[7,3]", "[3,5]"},
      {"bmk,bkn->bmn", "[2,5,7]", "[2,7,3]", "[2,5,3]"},
      {"gsec,gsm->egcm", "[2,5,3,2]", "[2,5,4]", "[3,2,2,4]"},
      {"egcm,emh->egch", "[3,2,2,4]", "[3,4,5]", "[3,2,2,5]"},
      {"abc,cd->", "[2,3,4]", "[4,5]", "[]"},
      {"ab,bc->ac", "[3,0]", "[0,4]", "[3,4]"},
      {"ijk,kj->i", "[3,4,5]", "[5,4]", "[3]"},
      {"ab,cd->abcd", "[2,3]", "[4,1]", "[2,3,4,1]"},
      {"xay,yb->xb", "[2,3,4]", "[4,5]", "[2,5]"},
      {"bhqd,bhkd->bhqk", "[2,3,4,5]", "[2,3,6,5]", "[2,3,4,6]"},
  };
  for (const Case &c : cases)
    for (const char *dt : {"f32", "bf16", "i32"}) {
      std::string text = std::string("func @main(%a: ") + dt + c.a + ", %b: " + dt + c.b +
                         ") -> (" + dt + c.out + ") {\n  %y = einsum(%a, %b) {spec = \"" + c.spec +
                         "\"} : " + dt + c.out + "\n  return %y\n}\n";
      checkProgram(text, 1e-5);
    }
}

TEST(Jit, ArgumentsAliasesAndRepeatsAsResults) {
  checkProgram("func @main(%x: f32[2,3]) -> (f32[2,3], f32[3,2], f32[2,3], f32[6]) {\n"
               "  %r = reshape(%x) : f32[3,2]\n"
               "  %e = exp(%x) : f32[2,3]\n"
               "  %f = reshape(%e) : f32[6]\n"
               "  return %x, %r, %e, %f\n}\n");
  checkProgram("func @main(%x: f32[4]) -> (f32[4], f32[4]) {\n"
               "  %e = exp(%x) : f32[4]\n"
               "  return %e, %e\n}\n");
}

TEST(Jit, BufferPlanReusesMemory) {
  // A chain of einsum → tanh: each intermediate dies after the next op, so the plan needs two
  // live buffers, not one per value (the last tanh goes straight to the result buffer). Each
  // tanh overwrites its einsum's buffer in place, so only the 8 einsums have buffers.
  std::string text = "func @main(%x: f32[32,32], %w: f32[32,32]) -> (f32[32,32]) {\n";
  std::string prev = "%x";
  for (int i = 0; i < 8; ++i) {
    std::string h = "%h" + std::to_string(i), g = "%t" + std::to_string(i);
    text += "  " + h + " = einsum(" + prev + ", %w) {spec = \"ij,jk->ik\"} : f32[32,32]\n";
    text += "  " + g + " = tanh(" + h + ") : f32[32,32]\n";
    prev = g;
  }
  text += "  return " + prev + "\n}\n";
  auto m = parse(text);
  ASSERT_TRUE(m);
  auto e = compile(*m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->unplannedBytes(), 8 * 32 * 32 * 4);
  EXPECT_EQ(e->workspaceBytes(), 2 * 32 * 32 * 4);
  EXPECT_EQ(e->liveBytes(), 2 * 32 * 32 * 4);
  checkProgram(text, 1e-4);
}

TEST(Jit, MissingMeshIsALocatedError) {
  auto m = parse("func @main(%x: f32[4]) -> (f32[4]) {\n"
                 "  %y = exp(%x) : f32[4]\n  return %y\n}\n");
  ASSERT_TRUE(m);
  // Build an all_reduce without a mesh by hand (the verifier would reject it in text).
  Func &f = *m->main();
  Builder b(f);
  AttrDict attrs;
  attrs["axes"] = Attr::ofStrings({"x"});
  attrs["reduction"] = Attr::ofString("sum");
  Value *r = b.create(Opcode::AllReduce, {f.returns[0]}, attrs, f.returns[0]->type);
  f.ops.back()->loc.line = 3;
  f.ops.back()->loc.col = 5;
  f.returns[0] = r;
  Diagnostics d;
  auto e = Executable::compile(*m, f, sharedJit(), d);
  EXPECT_FALSE(e);
  ASSERT_TRUE(d.hasErrors());
  EXPECT_NE(d.all()[0].str().find(":3:5: error: 'all_reduce' needs a mesh"), std::string::npos)
      << d.all()[0].str();
}

// ---- partitioned programs: threads + in-memory collectives vs the lockstep interpreter ----

void checkPartitioned(const std::string &text, double tol = 1e-5) {
  auto m = parse(text);
  if (!m) return;
  const Func &f = *m->main();
  const Mesh *mesh = partitionedMeshOf(*m, f);
  ASSERT_TRUE(mesh);
  auto e = compile(*m);
  if (!e) return;
  std::vector<std::vector<Tensor>> args(mesh->numDevices());
  for (int64_t d = 0; d < mesh->numDevices(); ++d)
    args[d] = inputs(f, 100 + d);
  std::vector<std::vector<Tensor>> want;
  try {
    want = simulateLocal(f, *mesh, args);
  } catch (const std::exception &ex) {
    FAIL() << "simulator: " << ex.what();
  }
  std::string err;
  auto got = runSimulated(*e, args, 60, &err);
  ASSERT_EQ(got.size(), want.size()) << err;
  for (size_t d = 0; d < got.size(); ++d)
    for (size_t i = 0; i < got[d].size(); ++i)
      expectClose(got[d][i], want[d][i], tol,
                  "device " + std::to_string(d) + " result " + std::to_string(i));
}

TEST(JitPartitioned, AllCollectivesOn2x3Mesh) {
  for (const char *dt : {"f32", "bf16", "i32"}) {
    std::string T = dt;
    checkPartitioned("mesh @m = <[\"a\"=2, \"b\"=3]>\n"
                     "func @main(%x: " +
                     T + "[6,4,6]) -> (" + T + "[6,4,6], " + T + "[6,4,6], " + T + "[6,12,6], " +
                     T + "[6,4,2], " + T + "[6,8,3], " + T + "[6,4,6], " + T +
                     "[36,4,6], i32[]) attributes {partitioned = @m} {\n"
                     "  %s = all_reduce(%x) {axes = [\"b\"], reduction = \"sum\"} : " +
                     T +
                     "[6,4,6]\n"
                     "  %mx = all_reduce(%x) {axes = [\"b\", \"a\"], reduction = \"max\"} : " +
                     T +
                     "[6,4,6]\n"
                     "  %g = all_gather(%x) {axes = [\"b\"], dim = 1} : " +
                     T +
                     "[6,12,6]\n"
                     "  %r = reduce_scatter(%x) {axes = [\"b\"], dim = 2, reduction = \"sum\"} : " +
                     T +
                     "[6,4,2]\n"
                     "  %t = all_to_all(%x) {axes = [\"a\"], split_dim = 2, concat_dim = 1} : " +
                     T +
                     "[6,8,3]\n"
                     "  %p = collective_permute(%x) {axes = [\"a\", \"b\"], shift = 2} : " +
                     T +
                     "[6,4,6]\n"
                     "  %g0 = all_gather(%x) {axes = [\"a\", \"b\"], dim = 0} : " +
                     T +
                     "[36,4,6]\n"
                     "  %i = axis_index() {axis = \"b\"} : i32[]\n"
                     "  return %s, %mx, %g, %r, %t, %p, %g0, %i\n}\n");
  }
}

TEST(JitPartitioned, ShardedMatmulWithDynamicSlice) {
  // A Megatron-style step written by hand: local matmul, partial sums all-reduced, then each
  // device keeps its row block via axis_index and dynamic_slice.
  checkPartitioned("mesh @m = <[\"x\"=2, \"y\"=2]>\n"
                   "func @main(%a: f32[8,6] {global = f32[8,12], sharding = <@m, [{}, {\"y\"}]>},\n"
                   "           %w: f32[6,5] {global = f32[12,5], sharding = <@m, [{\"y\"}, {}]>})\n"
                   "    -> (f32[4,5] {global = f32[8,5], sharding = <@m, [{\"x\"}, {}]>}) "
                   "attributes {partitioned = @m} {\n"
                   "  %h = einsum(%a, %w) {spec = \"ij,jk->ik\"} : f32[8,5]\n"
                   "  %s = all_reduce(%h) {axes = [\"y\"], reduction = \"sum\"} : f32[8,5]\n"
                   "  %i = axis_index() {axis = \"x\"} : i32[]\n"
                   "  %four = constant() {value = 4} : i32[]\n"
                   "  %o = mul(%i, %four) : i32[]\n"
                   "  %z = constant() {value = 0} : i32[]\n"
                   "  %r = dynamic_slice(%s, %o, %z) {sizes = [4, 5]} : f32[4,5]\n"
                   "  %g = gelu(%r) : f32[4,5]\n"
                   "  return %g\n}\n",
                   1e-4);
}

TEST(JitPartitioned, DeviceInterpreterWithRealCollectives) {
  // --engine=interp under MPI runs each device alone with a Collectives object; here the
  // in-memory one stands in for MPI, one thread per device, against the lockstep simulator.
  auto m = parse(
      "mesh @m = <[\"a\"=2, \"b\"=2]>\n"
      "func @main(%x: bf16[4,6,4]) -> (bf16[4,12,4], bf16[4,6,2], bf16[4,12,2], bf16[4,6,4]) "
      "attributes {partitioned = @m} {\n"
      "  %g = all_gather(%x) {axes = [\"b\"], dim = 1} : bf16[4,12,4]\n"
      "  %r = reduce_scatter(%x) {axes = [\"a\"], dim = 2, reduction = \"sum\"} : bf16[4,6,2]\n"
      "  %t = all_to_all(%x) {axes = [\"b\", \"a\"], split_dim = 2, concat_dim = 1} : "
      "bf16[4,24,1]\n"
      "  %u = reshape(%t) : bf16[4,12,2]\n"
      "  %s = all_reduce(%x) {axes = [\"a\", \"b\"], reduction = \"sum\"} : bf16[4,6,4]\n"
      "  return %g, %r, %u, %s\n}\n");
  ASSERT_TRUE(m);
  const Func &f = *m->main();
  const Mesh &mesh = m->meshes[0];
  std::vector<std::vector<Tensor>> args(4);
  for (int d = 0; d < 4; ++d)
    args[d] = inputs(f, 7 + d);
  auto want = simulateLocal(f, mesh, args);
  InMemoryWorld world(mesh, 60);
  std::vector<std::vector<Tensor>> got(4);
  std::vector<std::thread> threads;
  for (int d = 0; d < 4; ++d)
    threads.emplace_back([&, d] {
      auto c = world.device(d);
      got[d] = interpretOnDevice(f, mesh, d, args[d], *c);
    });
  for (auto &t : threads)
    t.join();
  ASSERT_FALSE(world.failed()) << world.failure();
  for (int d = 0; d < 4; ++d)
    for (size_t i = 0; i < want[d].size(); ++i)
      expectClose(got[d][i], want[d][i], 0,
                  "device " + std::to_string(d) + " result " + std::to_string(i));
}

TEST(JitPartitioned, InMemoryTimeoutEndsInsteadOfHanging) {
  // Devices that disagree on the number of collectives cannot happen in SPMD code; simulate
  // it with a world in which one device never arrives, and expect a timeout report.
  Mesh m;
  m.name = "m";
  m.axes = {{"x", 2}};
  InMemoryWorld w(m, 0.2);
  auto c0 = w.device(0);
  float in = 1, out = 0;
  int64_t axes[] = {0};
  auto t0 = std::chrono::steady_clock::now();
  c0->allReduce(&in, &out, 1, DType::F32, Reduction::Sum, {axes, 1});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(w.failed());
  EXPECT_NE(w.failure().find("did not complete"), std::string::npos);
  EXPECT_LT(secs, 5);
}

// ---- the object cache ----

TEST(JitCache, SecondRunCompilesNothing) {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("partita-jit-cache-test-" + std::to_string(::getpid())))
                        .string();
  std::filesystem::remove_all(dir);
  std::string text = "func @main(%x: f32[9,5], %w: f32[5,3]) -> (f32[9,3]) {\n"
                     "  %h = einsum(%x, %w) {spec = \"ij,jk->ik\"} : f32[9,3]\n"
                     "  %t = tanh(%h) : f32[9,3]\n  return %t\n}\n";
  auto m = parse(text);
  ASSERT_TRUE(m);
  auto args = inputs(*m->main(), 3);
  std::vector<Tensor> first;
  for (int run = 0; run < 2; ++run) {
    JitOptions o;
    o.cacheDir = dir;
    std::string err;
    std::shared_ptr<Jit> jit = Jit::create(o, &err);
    ASSERT_TRUE(jit) << err;
    auto e = compile(*m, jit);
    ASSERT_TRUE(e);
    EXPECT_EQ(jit->compiledCount(), run == 0 ? 1 : 0);
    EXPECT_EQ(jit->cachedCount(), run == 0 ? 0 : 1);
    auto got = e->runTensors(args);
    if (run == 0)
      first = got;
    else
      expectClose(got[0], first[0], 0, "cached result");
  }
  // A damaged cache entry is rebuilt, not linked.
  for (const auto &entry : std::filesystem::directory_iterator(dir)) {
    std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << "not an object file";
  }
  {
    JitOptions o;
    o.cacheDir = dir;
    std::string err;
    std::shared_ptr<Jit> jit = Jit::create(o, &err);
    auto e = compile(*m, jit);
    ASSERT_TRUE(e);
    EXPECT_EQ(jit->compiledCount(), 1);
    expectClose(e->runTensors(args)[0], first[0], 0, "rebuilt result");
  }
  // A different program is a different key.
  auto m2 =
      parse("func @main(%x: f32[4]) -> (f32[4]) {\n  %y = exp(%x) : f32[4]\n  return %y\n}\n");
  JitOptions o;
  o.cacheDir = dir;
  std::string err;
  std::shared_ptr<Jit> jit = Jit::create(o, &err);
  ASSERT_TRUE(compile(*m2, jit));
  EXPECT_EQ(jit->compiledCount(), 1);
  std::filesystem::remove_all(dir);
}

// ---- Kernels of the "make it fast" work: sparse einsum operands, zero rows, strided views,
// threads. Sizes are above the kernels' thresholds (a sparse check needs 2^20 multiply-adds,
// a parallel GEMM 4 MFLOP, a parallel loop 2^16 elements) and odd.

// Runs `text` on the JIT and the interpreter with the given arguments and compares.
void checkWithArgs(const std::string &text, const std::vector<Tensor> &args, double tol) {
  auto m = parse(text);
  if (!m) return;
  auto e = compile(*m);
  if (!e) return;
  std::vector<Tensor> want = runFunction(*m->main(), args);
  auto got = e->runTensors(args);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    expectClose(got[i], want[i], tol, text);
}

// Uses `n` kernel threads for the scope, whatever the machine has.
struct WithThreads {
  explicit WithThreads(int n) { setRuntimeThreads(n); }
  ~WithThreads() { setRuntimeThreads(defaultRuntimeThreads()); }
};

// A GShard-style mask [G,S,E,C]: `perRow` nonzeros per token (values from `values`), or
// every element nonzero when perRow < 0.
Tensor maskTensor(DType dt, int64_t g, int64_t s, int64_t e, int64_t c, int perRow,
                  std::vector<double> values, uint64_t seed) {
  Tensor t(TensorType(dt, {g, s, e, c}));
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < g * s; ++i) {
    double *row = t.data.data() + i * e * c;
    if (perRow < 0) {
      for (int64_t k = 0; k < e * c; ++k)
        row[k] = values[rng() % values.size()];
      continue;
    }
    for (int j = 0; j < perRow; ++j)
      row[rng() % (e * c)] = values[rng() % values.size()];
  }
  return t;
}

TEST(JitFast, SparseDispatchAndCombineMatchDense) {
  // Dispatch gsec,gsm->egcm and combine gsec,egcm->gsm with 0, 1 or 2 nonzeros per token
  // (the scatter path), a mask of all zeros, and a dense mask (the GEMM path); f32 and bf16.
  const int64_t G = 3, S = 61, E = 7, C = 13, M = 83;
  WithThreads threads(3);
  for (DType dt : {DType::F32, DType::BF16}) {
    std::string d = dt == DType::F32 ? "f32" : "bf16";
    auto ty = [&](std::vector<int64_t> s) { return d + shapeStr(s); };
    std::string dispatch =
        "func @main(%m: " + ty({G, S, E, C}) + ", %x: " + ty({G, S, M}) + ") -> (" +
        ty({E, G, C, M}) +
        ") {\n  %y = einsum(%m, %x) {spec = \"gsec,gsm->egcm\"} : " + ty({E, G, C, M}) +
        "\n  return %y\n}\n";
    std::string combine =
        "func @main(%m: " + ty({G, S, E, C}) + ", %x: " + ty({E, G, C, M}) + ") -> (" +
        ty({G, S, M}) +
        ") {\n  %y = einsum(%m, %x) {spec = \"gsec,egcm->gsm\"} : " + ty({G, S, M}) +
        "\n  return %y\n}\n";
    // The mask as the second operand: the B-side plan.
    std::string swapped =
        "func @main(%x: " + ty({E, G, C, M}) + ", %m: " + ty({G, S, E, C}) + ") -> (" +
        ty({G, S, M}) +
        ") {\n  %y = einsum(%x, %m) {spec = \"egcm,gsec->gsm\"} : " + ty({G, S, M}) +
        "\n  return %y\n}\n";
    for (int perRow : {0, 1, 2, -1}) {
      SCOPED_TRACE(d + " nonzeros per token " + std::to_string(perRow));
      Tensor mask = maskTensor(dt, G, S, E, C, perRow, {1.0, 0.5, -0.25, 0.75}, 7 + perRow);
      Tensor x = generateTensor(3, "x", TensorType(dt, {G, S, M}));
      Tensor xe = generateTensor(4, "x", TensorType(dt, {E, G, C, M}));
      double tol = perRow < 0 ? 1e-4 : 1e-6;
      checkWithArgs(dispatch, {mask, x}, tol);
      checkWithArgs(combine, {mask, xe}, tol);
      checkWithArgs(swapped, {xe, mask}, tol);
    }
  }
}

TEST(JitFast, ZeroRowsOfExpertInputsAreSkippedExactly) {
  // egcm,emh->egch where each (e, g) fills a prefix of its capacity slots (MoE expert
  // inputs), where rows alternate (too fragmented to skip), and all zeros.
  const int64_t E = 3, G = 2, C = 37, M = 41, H = 29;
  WithThreads threads(2);
  std::string text = "func @main(%a: f32[3,2,37,41], %w: f32[3,41,29]) -> (f32[3,2,37,29]) {\n"
                     "  %h = einsum(%a, %w) {spec = \"egcm,emh->egch\"} : f32[3,2,37,29]\n"
                     "  %g = gelu(%h) : f32[3,2,37,29]\n"
                     "  %o = einsum(%g, %w) {spec = \"egch,emh->egcm\"} : f32[3,2,37,41]\n"
                     "  %r = reduce_sum(%o) {dims = [3]} : f32[3,2,37]\n"
                     "  return %h\n}\n";
  Tensor w = generateTensor(5, "w", TensorType(DType::F32, {E, M, H}));
  for (int pattern = 0; pattern < 3; ++pattern) {
    SCOPED_TRACE("pattern " + std::to_string(pattern));
    Tensor a = generateTensor(6, "a", TensorType(DType::F32, {E, G, C, M}));
    for (int64_t row = 0; row < E * G * C; ++row) {
      int64_t c = row % C, eg = row / C;
      bool zero = pattern == 0 ? c >= (eg * 7) % C : pattern == 1 ? c % 2 == 1 : true;
      if (zero)
        for (int64_t k = 0; k < M; ++k)
          a.data[row * M + k] = 0;
    }
    checkWithArgs(text, {a, w}, 1e-5);
  }
}

// The einsum kernel's zero skips (the scatter of a sparse operand, zero rows of A, the
// GEMM's zero k ranges) meet NaN and +-inf that only ever multiply zeros: MoE dispatch with
// a NaN at a dropped token, combine with a NaN in an unfilled capacity slot, expert inputs
// whose unfilled rows meet a NaN or inf weight, causal attention whose masked positions meet
// a NaN value. The reference gives NaN there (0 * NaN, 0 * inf); so must the JIT.
TEST(JitFast, ZeroSkipsKeepNonFiniteValues) {
  WithThreads threads(2);
  // The reference must hold NaN (the case has teeth) and the JIT must agree everywhere.
  auto check = [](const std::string &text, const std::vector<Tensor> &args) {
    SCOPED_TRACE(text);
    auto m = parse(text);
    ASSERT_TRUE(m);
    std::vector<Tensor> want = runFunction(*m->main(), args);
    int64_t nans = 0;
    for (double v : want[0].data)
      nans += std::isnan(v);
    EXPECT_GT(nans, 0) << text;
    checkWithArgs(text, args, 1e-4);
  };
  const int64_t G = 3, S = 61, E = 7, C = 13, M = 83;
  for (DType dt : {DType::F32, DType::BF16}) {
    std::string d = dt == DType::F32 ? "f32" : "bf16";
    SCOPED_TRACE(d);
    auto ty = [&](std::vector<int64_t> s) { return d + shapeStr(s); };
    auto einsum = [&](const char *spec, std::vector<int64_t> a, std::vector<int64_t> b,
                      std::vector<int64_t> out) {
      return "func @main(%a: " + ty(a) + ", %b: " + ty(b) + ") -> (" + ty(out) +
             ") {\n  %y = einsum(%a, %b) {spec = \"" + spec + "\"} : " + ty(out) +
             "\n  return %y\n}\n";
    };
    Tensor mask = maskTensor(dt, G, S, E, C, 1, {1.0, 0.5}, 11);
    // Tokens (1, 5) and (2, 7) are dropped: their mask rows are zero.
    for (int64_t tok : {1 * S + 5, 2 * S + 7})
      std::fill_n(mask.data.begin() + tok * E * C, E * C, 0.0);
    Tensor x = generateTensor(3, "x", TensorType(dt, {G, S, M}));
    x.data[(1 * S + 5) * M + 10] = NAN;
    x.data[(2 * S + 7) * M + 20] = INFINITY;
    check(einsum("gsec,gsm->egcm", {G, S, E, C}, {G, S, M}, {E, G, C, M}), {mask, x});
    check(einsum("gsm,gsec->egcm", {G, S, M}, {G, S, E, C}, {E, G, C, M}), {x, mask});
    // Slot (e=2, g=0, c=4) is unfilled: no token's mask selects it.
    for (int64_t s = 0; s < S; ++s)
      mask.data[((0 * S + s) * E + 2) * C + 4] = 0;
    Tensor xe = generateTensor(4, "x", TensorType(dt, {E, G, C, M}));
    xe.data[((2 * G + 0) * C + 4) * M + 30] = NAN;
    check(einsum("gsec,egcm->gsm", {G, S, E, C}, {E, G, C, M}, {G, S, M}), {mask, xe});
    check(einsum("egcm,gsec->gsm", {E, G, C, M}, {G, S, E, C}, {G, S, M}), {xe, mask});
  }
  // Expert inputs filling a prefix of their capacity (zero rows skipped) against weights
  // with a NaN and an inf.
  const int64_t Ex = 3, Gx = 2, Cx = 37, Mx = 41, H = 29;
  Tensor a = generateTensor(6, "a", TensorType(DType::F32, {Ex, Gx, Cx, Mx}));
  for (int64_t row = 0; row < Ex * Gx * Cx; ++row)
    if (row % Cx >= (row / Cx * 7) % Cx) std::fill_n(a.data.begin() + row * Mx, Mx, 0.0);
  Tensor w = generateTensor(5, "w", TensorType(DType::F32, {Ex, Mx, H}));
  w.data[(0 * Mx + 3) * H + 5] = NAN;
  w.data[(2 * Mx + 40) * H + 28] = INFINITY;
  check("func @main(%a: f32[3,2,37,41], %w: f32[3,41,29]) -> (f32[3,2,37,29]) {\n"
        "  %h = einsum(%a, %w) {spec = \"egcm,emh->egch\"} : f32[3,2,37,29]\n"
        "  return %h\n}\n",
        {a, w});
  // Causal attention: probabilities zero past the diagonal; the last value position holds
  // a NaN that only the last query row weights nonzero.
  const int64_t B = 2, N = 3, T = 130, K = 33;
  Tensor p = generateTensor(7, "p", TensorType(DType::F32, {B, N, T, T}));
  for (int64_t r = 0; r < B * N * T; ++r)
    for (int64_t t = r % T + 1; t < T; ++t)
      p.data[r * T + t] = 0;
  Tensor v = generateTensor(8, "v", TensorType(DType::F32, {B, T, N, K}));
  v.data[((1 * T + T - 1) * N + 2) * K + 7] = NAN;
  v.data[((0 * T + T - 2) * N + 0) * K + 3] = -INFINITY;
  check("func @main(%p: f32[2,3,130,130], %v: f32[2,130,3,33]) -> (f32[2,130,3,33]) {\n"
        "  %o = einsum(%p, %v) {spec = \"bnst,btnk->bsnk\"} : f32[2,130,3,33]\n"
        "  return %o\n}\n",
        {p, v});
}

TEST(JitFast, StridedGemmOperandsAndThreadSplits) {
  // Operands used in place through strides (transposed, batch letters between matrix
  // letters), packed ones (bf16, summed letters), results written strided or unpacked; sizes
  // large enough for the GEMM to be split over threads by rows or by columns.
  struct Case {
    const char *spec, *a, *b, *out;
  };
  Case cases[] = {
      {"mk,kn->mn", "[130,300]", "[300,70]", "[130,70]"},
      {"mk,kn->mn", "[3,301]", "[301,4099]", "[3,4099]"},
      {"km,nk->nm", "[97,131]", "[67,97]", "[67,131]"},
      {"bsnk,btnk->bnst", "[2,130,3,33]", "[2,129,3,33]", "[2,3,130,129]"},
      {"bnst,btnk->bsnk", "[2,3,130,129]", "[2,129,3,33]", "[2,130,3,33]"},
      {"bsm,mnk->bsnk", "[3,67,65]", "[65,5,33]", "[3,67,5,33]"},
      {"bsnk,nkm->bsm", "[3,67,5,33]", "[5,33,65]", "[3,67,65]"},
      {"bsm,vm->bsv", "[2,65,67]", "[301,67]", "[2,65,301]"},
      {"xay,yb->bx", "[67,5,33]", "[33,1031]", "[1031,67]"},
      // Tall enough (>= 2 x threads x 144 rows per batch) for the threads to share B.
      {"bsm,mh->bsh", "[2,451,70]", "[70,300]", "[2,451,300]"},
      {"bmk,bkn->bmn", "[2,900,40]", "[2,40,37]", "[2,900,37]"},
  };
  for (int threads : {1, 2, 3}) {
    WithThreads with(threads);
    for (const Case &c : cases)
      for (const char *dt : {"f32", "bf16"}) {
        std::string text = std::string("func @main(%a: ") + dt + c.a + ", %b: " + dt + c.b +
                           ") -> (" + dt + c.out + ") {\n  %y = einsum(%a, %b) {spec = \"" +
                           c.spec + "\"} : " + dt + c.out + "\n  return %y\n}\n";
        SCOPED_TRACE(std::to_string(threads) + " threads");
        checkProgram(text, 1e-4);
      }
  }
}

TEST(JitFast, TransposeReadByEinsumsIsNotMaterialized) {
  std::string text = "func @main(%a: f32[67,33], %b: f32[67,41]) -> (f32[33,41], f32[41,33]) {\n"
                     "  %t = transpose(%a) {perm = [1, 0]} : f32[33,67]\n"
                     "  %y = einsum(%t, %b) {spec = \"ij,jk->ik\"} : f32[33,41]\n"
                     "  %z = einsum(%b, %t) {spec = \"jk,ij->ki\"} : f32[41,33]\n"
                     "  return %y, %z\n}\n";
  auto m = parse(text);
  ASSERT_TRUE(m);
  auto e = compile(*m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->unplannedBytes(), 0); // no buffer for %t, no packing either
  checkProgram(text, 1e-5);
}

TEST(JitFast, ParallelLoopsMatchInterpreter) {
  // Roots big enough to run on several threads: flat elementwise chains, loop nests
  // (broadcasts, transposes), reductions keeping or dropping the leading dimension, cumsum,
  // argmax; f32, bf16 and i32.
  WithThreads threads(3);
  for (const char *dt : {"f32", "bf16"}) {
    std::string T = dt, x = T + "[67,1031]", r = T + "[67]", c = T + "[1031]";
    std::string text = "func @main(%a: " + x + ", %b: " + x + ") -> (" + x + ", " + x + ", " + r +
                       ", " + c + ", " + x + ", i32[67], " + T +
                       "[1031,67]) {\n"
                       "  %e = exp(%a) : " +
                       x + "\n  %g = gelu(%b) : " + x +
                       "\n"
                       "  %m = mul(%e, %g) : " +
                       x +
                       "\n"
                       "  %s = reduce_sum(%m) {dims = [1]} : " +
                       r +
                       "\n"
                       "  %sb = broadcast_in_dim(%s) {dims = [0]} : " +
                       x +
                       "\n"
                       "  %d = div(%m, %sb) : " +
                       x +
                       "\n"
                       "  %mx = reduce_max(%d) {dims = [0]} : " +
                       c +
                       "\n"
                       "  %cs = cumsum(%a) {dim = 1, exclusive = true} : " +
                       x +
                       "\n"
                       "  %am = argmax(%b) {dim = 1} : i32[67]\n"
                       "  %t = transpose(%a) {perm = [1, 0]} : " +
                       T +
                       "[1031,67]\n"
                       "  %tt = tanh(%t) : " +
                       T +
                       "[1031,67]\n"
                       "  return %m, %d, %s, %mx, %cs, %am, %tt\n}\n";
    checkProgram(text, 1e-4);
  }
  checkProgram("func @main(%a: i32[67,1031], %b: i32[67,1031]) -> (i32[67,1031], i32[67]) {\n"
               "  %m = mul(%a, %b) : i32[67,1031]\n"
               "  %s = reduce_sum(%m) {dims = [1]} : i32[67]\n"
               "  return %m, %s\n}\n");
}

TEST(JitFast, ThreadPolicy) {
  // PARTITA_THREADS wins; else cores divided by the ranks on this node, at least 1.
  auto save = [](const char *n) {
    const char *v = std::getenv(n);
    return std::make_pair(std::string(n), v ? std::optional<std::string>(v) : std::nullopt);
  };
  std::vector<std::pair<std::string, std::optional<std::string>>> saved;
  for (const char *n : {"PARTITA_THREADS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                        "MV2_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE", "PMI_SIZE"}) {
    saved.push_back(save(n));
    unsetenv(n);
  }
  int cores = (int)std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(defaultRuntimeThreads(), cores);
  setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "2", 1);
  EXPECT_EQ(defaultRuntimeThreads(), std::max(1, cores / 2));
  setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "1000", 1);
  EXPECT_EQ(defaultRuntimeThreads(), 1);
  setenv("PARTITA_THREADS", "3", 1);
  EXPECT_EQ(defaultRuntimeThreads(), 3);
  for (auto &[n, v] : saved)
    if (v)
      setenv(n.c_str(), v->c_str(), 1);
    else
      unsetenv(n.c_str());
  // parallelFor covers the range exactly once, whatever the thread count.
  for (int threads : {1, 2, 5}) {
    WithThreads with(threads);
    std::vector<std::atomic<int>> hits(1000);
    parallelFor(1000, 7, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        hits[i]++;
    });
    for (auto &h : hits)
      EXPECT_EQ(h.load(), 1);
  }
}

} // namespace
