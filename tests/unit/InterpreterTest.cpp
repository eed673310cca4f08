// The reference interpreter against hand-computed results: every local op, dtype rounding
// and wrapping, the documented edge cases, every collective on a 2x2 mesh, runFunction.
#include "ir/Interpreter.h"
#include "ir/Verifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace partita;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TensorType ty(DType d, std::vector<int64_t> s) { return TensorType(d, std::move(s)); }
Tensor T(DType d, std::vector<int64_t> s, std::vector<double> v) { return Tensor(ty(d, s), v); }
Tensor F(std::vector<int64_t> s, std::vector<double> v) { return T(DType::F32, s, v); }
Tensor I(std::vector<int64_t> s, std::vector<double> v) { return T(DType::I32, s, v); }

// Builds one op over arguments of the inputs' types and evaluates it. When the verifier can
// infer the result type, it must agree with `type`, so every test op is well-formed.
struct OneOp {
  Func f;
  Value *result = nullptr;

  OneOp(Opcode code, const std::vector<Tensor> &in, AttrDict attrs, TensorType type) {
    std::vector<Value *> args;
    std::vector<TensorType> types;
    for (size_t i = 0; i < in.size(); ++i) {
      args.push_back(f.addArg(std::string("a").append(std::to_string(i)), in[i].type));
      types.push_back(in[i].type);
    }
    InferredType inf = inferResultType(code, types, attrs);
    EXPECT_EQ(inf.error, "") << opcodeName(code);
    if (inf.type) {
      EXPECT_EQ(*inf.type, type) << opcodeName(code);
    }
    result = Builder(f).create(code, args, std::move(attrs), std::move(type));
  }
  const Op &op() const { return *f.ops.back(); }
};

Tensor eval(Opcode code, const std::vector<Tensor> &in, AttrDict attrs, TensorType type,
            const DeviceContext *ctx = nullptr) {
  OneOp o(code, in, std::move(attrs), std::move(type));
  std::vector<const Tensor *> ptrs;
  for (const Tensor &t : in)
    ptrs.push_back(&t);
  return evalOp(o.op(), ptrs, ctx);
}

// Same-type result (elementwise ops and others that keep the operand's type).
Tensor same(Opcode code, const std::vector<Tensor> &in, AttrDict attrs = {}) {
  return eval(code, in, std::move(attrs), in.back().type);
}

void expectData(const Tensor &t, const std::vector<double> &want) {
  ASSERT_EQ(t.data.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i]))
      EXPECT_TRUE(std::isnan(t.data[i])) << "element " << i;
    else
      EXPECT_EQ(t.data[i], want[i]) << "element " << i;
  }
}

AttrDict A(std::initializer_list<std::pair<const std::string, Attr>> l) { return AttrDict(l); }

} // namespace

// ---- Tensor ----

TEST(Tensor, StridesAreRowMajor) {
  Tensor t(ty(DType::F32, {2, 3, 4}));
  EXPECT_EQ(t.strides(), (std::vector<int64_t>{12, 4, 1}));
  EXPECT_EQ(Tensor(ty(DType::F32, {})).strides(), std::vector<int64_t>{});
}

TEST(Tensor, Bf16RoundsToNearestEven) {
  EXPECT_EQ(bf16Round(1.00390625f), 1.0f);      // half an ulp above 1: tie, 1 is even
  EXPECT_EQ(bf16Round(1.01171875f), 1.015625f); // 1.5 ulp: tie, rounds up to even
  EXPECT_EQ(bf16Round(1.005f), 1.0078125f);     // above the tie: rounds up
  EXPECT_EQ(bf16Round(-1.00390625f), -1.0f);
  EXPECT_TRUE(std::isnan(bf16Round(std::nanf(""))));
  EXPECT_EQ(bf16Round(INFINITY), INFINITY);
  EXPECT_EQ(bf16Round(3.4028235e38f), INFINITY); // above bf16's largest finite value
  EXPECT_EQ(roundTo(DType::BF16, 1.01171875), 1.015625);
}

TEST(Tensor, RoundToEachDType) {
  EXPECT_EQ(roundTo(DType::F32, 0.1), (double)0.1f);
  EXPECT_EQ(roundTo(DType::I32, 2147483648.0), -2147483648.0); // wraps
  EXPECT_EQ(roundTo(DType::I32, 4294967297.0), 1.0);
  EXPECT_EQ(roundTo(DType::I32, -2.7), -2.0); // truncates
  EXPECT_EQ(roundTo(DType::I32, kNaN), 0.0);
  EXPECT_EQ(roundTo(DType::I1, 0.5), 1.0);
  EXPECT_EQ(roundTo(DType::I1, 0.0), 0.0);
  Tensor t = T(DType::BF16, {2}, {1.00390625, 3.0});
  roundAll(t);
  expectData(t, {1.0, 3.0});
}

TEST(Tensor, CopyBox) {
  Tensor src = F({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor dst(ty(DType::F32, {3, 3}));
  copyBox(src, {0, 1}, dst, {1, 0}, {2, 2});
  expectData(dst, {0, 0, 0, 1, 2, 0, 4, 5, 0});
}

// ---- elementwise ----

TEST(Interpreter, UnaryFloat) {
  Tensor x = F({1}, {1.0});
  expectData(same(Opcode::Neg, {x}), {-1});
  expectData(same(Opcode::Abs, {F({2}, {-2.5, 2.5})}), {2.5, 2.5});
  expectData(same(Opcode::Exp, {x}), {2.7182817459106445});
  expectData(same(Opcode::Log, {F({1}, {2})}), {0.6931471824645996});
  expectData(same(Opcode::Sqrt, {F({1}, {6.25})}), {2.5});
  expectData(same(Opcode::Rsqrt, {F({1}, {4})}), {0.5});
  expectData(same(Opcode::Tanh, {F({1}, {0.5})}), {0.46211716532707214});
  expectData(same(Opcode::Logistic, {F({2}, {0, 1})}), {0.5, 0.7310585975646973});
  expectData(same(Opcode::Erf, {F({1}, {0.5})}), {0.5204998850822449});
  // gelu, tanh form: 0.5x(1+tanh(0.7978845608(x+0.044715x^3))).
  expectData(same(Opcode::Gelu, {F({3}, {1.0, -0.5, 0})}),
             {0.8411920070648193, -0.1542859971523285, 0});
  expectData(same(Opcode::Log, {F({2}, {0, -1})}), {-kInf, kNaN});
}

TEST(Interpreter, UnaryRoundsToBf16) {
  // exp(0.0078125) = 1.00784... lies between bf16 neighbours 1.0 and 1.0078125.
  Tensor r = same(Opcode::Exp, {T(DType::BF16, {1}, {0.0078125})});
  expectData(r, {1.0078125});
  expectData(same(Opcode::Neg, {T(DType::BF16, {1}, {1.5})}), {-1.5});
}

TEST(Interpreter, IntegerArithmeticWraps) {
  const double mn = -2147483648.0, mx = 2147483647.0;
  expectData(same(Opcode::Add, {I({2}, {mx, -5}), I({2}, {1, 3})}), {mn, -2});
  expectData(same(Opcode::Sub, {I({1}, {mn}), I({1}, {1})}), {mx});
  expectData(same(Opcode::Mul, {I({3}, {65536, 46341, -3}), I({3}, {65536, 46341, 7})}),
             {0, -2147479015, -21});
  // Division truncates toward zero; by zero gives 0; INT_MIN / -1 wraps.
  expectData(same(Opcode::Div, {I({5}, {-7, 7, 5, mn, 7}), I({5}, {2, -2, 0, -1, 7})}),
             {-3, -3, 0, mn, 1});
  expectData(same(Opcode::Neg, {I({2}, {mn, 5})}), {mn, -5});
  expectData(same(Opcode::Abs, {I({2}, {mn, -5})}), {mn, 5});
  expectData(same(Opcode::Pow, {I({5}, {2, 2, -1, 1, 3}), I({5}, {10, -1, -3, -4, 21})}),
             {1024, 0, -1, 1, (double)(int32_t)(uint32_t)10460353203ull});
  expectData(same(Opcode::Max, {I({2}, {-3, 4}), I({2}, {2, -9})}), {2, 4});
  expectData(same(Opcode::Min, {I({2}, {-3, 4}), I({2}, {2, -9})}), {-3, -9});
}

TEST(Interpreter, BinaryFloat) {
  Tensor a = F({4}, {1.5, -2, 3, kNaN}), b = F({4}, {0.5, 4, -1, 1});
  expectData(same(Opcode::Add, {a, b}), {2, 2, 2, kNaN});
  expectData(same(Opcode::Sub, {a, b}), {1, -6, 4, kNaN});
  expectData(same(Opcode::Mul, {a, b}), {0.75, -8, -3, kNaN});
  expectData(same(Opcode::Div, {a, b}), {3, -0.5, -3, kNaN});
  expectData(same(Opcode::Max, {a, b}), {1.5, 4, 3, kNaN}); // NaN propagates
  expectData(same(Opcode::Min, {a, b}), {0.5, -2, -1, kNaN});
  expectData(same(Opcode::Pow, {F({2}, {2, 9}), F({2}, {-2, 0.5})}), {0.25, 3});
  expectData(same(Opcode::Div, {F({1}, {1}), F({1}, {0})}), {kInf});
  // 1 + 2^-8 in bf16 is a tie that rounds to even (1.0).
  expectData(same(Opcode::Add, {T(DType::BF16, {1}, {1}), T(DType::BF16, {1}, {0.00390625})}),
             {1.0});
}

TEST(Interpreter, CompareDirections) {
  Tensor a = F({4}, {1, 2, 3, kNaN}), b = F({4}, {2, 2, 2, 2});
  auto cmp = [&](const char *d) {
    return eval(Opcode::Compare, {a, b}, A({{"direction", Attr::ofString(d)}}), ty(DType::I1, {4}));
  };
  expectData(cmp("eq"), {0, 1, 0, 0});
  expectData(cmp("ne"), {1, 0, 1, 1});
  expectData(cmp("lt"), {1, 0, 0, 0});
  expectData(cmp("le"), {1, 1, 0, 0});
  expectData(cmp("gt"), {0, 0, 1, 0});
  expectData(cmp("ge"), {0, 1, 1, 0});
  expectData(eval(Opcode::Compare, {I({2}, {-1, 5}), I({2}, {3, 5})},
                  A({{"direction", Attr::ofString("lt")}}), ty(DType::I1, {2})),
             {1, 0});
}

TEST(Interpreter, LogicAndSelect) {
  Tensor p = T(DType::I1, {4}, {0, 0, 1, 1}), q = T(DType::I1, {4}, {0, 1, 0, 1});
  expectData(same(Opcode::And, {p, q}), {0, 0, 0, 1});
  expectData(same(Opcode::Or, {p, q}), {0, 1, 1, 1});
  expectData(same(Opcode::Not, {p}), {1, 1, 0, 0});
  expectData(eval(Opcode::Select, {q, F({4}, {1, 2, 3, 4}), F({4}, {-1, -2, -3, -4})}, {},
                  ty(DType::F32, {4})),
             {-1, 2, -3, 4});
}

TEST(Interpreter, Convert) {
  auto conv = [](Tensor x, DType to) {
    TensorType t = x.type;
    t.dtype = to;
    return eval(Opcode::Convert, {x}, {}, t);
  };
  expectData(conv(F({3}, {1.00390625, 1.01171875, kNaN}), DType::BF16), {1.0, 1.015625, kNaN});
  // Float to i32 truncates, saturates, and maps NaN to 0.
  expectData(conv(F({6}, {2.7, -2.7, kNaN, 3e9, -3e9, kInf}), DType::I32),
             {2, -2, 0, 2147483647, -2147483648.0, 2147483647});
  expectData(conv(T(DType::I1, {2}, {1, 0}), DType::F32), {1, 0});
  expectData(conv(F({4}, {0, -0.5, 2, kNaN}), DType::I1), {0, 1, 1, 1});
  expectData(conv(I({3}, {0, -7, 16777217}), DType::F32), {0, -7, 16777216}); // f32 rounding
  expectData(conv(I({2}, {0, -7}), DType::I1), {0, 1});
  expectData(conv(T(DType::BF16, {1}, {1.5}), DType::I32), {1});
}

// ---- constants and shapes ----

TEST(Interpreter, Constant) {
  expectData(eval(Opcode::Constant, {}, A({{"value", Attr::ofFloat(2.5)}}), ty(DType::F32, {2, 2})),
             {2.5, 2.5, 2.5, 2.5});
  Attr nested = Attr::ofList({Attr::ofList({Attr::ofInt(1), Attr::ofInt(2), Attr::ofInt(3)}),
                              Attr::ofList({Attr::ofInt(4), Attr::ofInt(5), Attr::ofInt(6)})});
  expectData(eval(Opcode::Constant, {}, A({{"value", nested}}), ty(DType::I32, {2, 3})),
             {1, 2, 3, 4, 5, 6});
  expectData(eval(Opcode::Constant, {}, A({{"value", Attr::ofBool(true)}}), ty(DType::I1, {2})),
             {1, 1});
  expectData(
      eval(Opcode::Constant, {}, A({{"value", Attr::ofFloat(1.00390625)}}), ty(DType::BF16, {})),
      {1.0});
  expectData(eval(Opcode::Constant, {}, A({{"value", Attr::ofFloat(0.1)}}), ty(DType::F32, {})),
             {(double)0.1f});
}

TEST(Interpreter, Iota) {
  expectData(eval(Opcode::Iota, {}, A({{"dim", Attr::ofInt(1)}}), ty(DType::I32, {2, 3})),
             {0, 1, 2, 0, 1, 2});
  expectData(eval(Opcode::Iota, {}, A({{"dim", Attr::ofInt(0)}}), ty(DType::F32, {2, 3})),
             {0, 0, 0, 1, 1, 1});
}

TEST(Interpreter, BroadcastInDim) {
  expectData(eval(Opcode::BroadcastInDim, {F({3}, {1, 2, 3})}, A({{"dims", Attr::ofInts({1})}}),
                  ty(DType::F32, {2, 3})),
             {1, 2, 3, 1, 2, 3});
  expectData(eval(Opcode::BroadcastInDim, {F({2, 1}, {7, 8})}, A({{"dims", Attr::ofInts({0, 1})}}),
                  ty(DType::F32, {2, 3})),
             {7, 7, 7, 8, 8, 8});
  expectData(eval(Opcode::BroadcastInDim, {F({}, {4})}, A({{"dims", Attr::ofInts({})}}),
                  ty(DType::F32, {2})),
             {4, 4});
}

TEST(Interpreter, ReshapeAndTranspose) {
  Tensor x = F({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor r = eval(Opcode::Reshape, {x}, {}, ty(DType::F32, {3, 2}));
  EXPECT_EQ(r.type, ty(DType::F32, {3, 2}));
  expectData(r, {1, 2, 3, 4, 5, 6});
  expectData(
      eval(Opcode::Transpose, {x}, A({{"perm", Attr::ofInts({1, 0})}}), ty(DType::F32, {3, 2})),
      {1, 4, 2, 5, 3, 6});
  // Result dim i is operand dim perm[i]: [1,2,3] with perm [2,0,1] is [3,1,2].
  Tensor y = F({1, 2, 3}, {0, 1, 2, 3, 4, 5});
  expectData(eval(Opcode::Transpose, {y}, A({{"perm", Attr::ofInts({2, 0, 1})}}),
                  ty(DType::F32, {3, 1, 2})),
             {0, 3, 1, 4, 2, 5});
}

TEST(Interpreter, SliceConcatenatePad) {
  Tensor v = F({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  expectData(eval(Opcode::Slice, {v},
                  A({{"start", Attr::ofInts({1})},
                     {"limit", Attr::ofInts({8})},
                     {"stride", Attr::ofInts({3})}}),
                  ty(DType::F32, {3})),
             {1, 4, 7});
  Tensor m = F({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  expectData(eval(Opcode::Slice, {m},
                  A({{"start", Attr::ofInts({1, 1})},
                     {"limit", Attr::ofInts({3, 4})},
                     {"stride", Attr::ofInts({1, 2})}}),
                  ty(DType::F32, {2, 2})),
             {5, 7, 9, 11});
  expectData(eval(Opcode::Slice, {m},
                  A({{"start", Attr::ofInts({2, 0})}, {"limit", Attr::ofInts({3, 2})}}),
                  ty(DType::F32, {1, 2})),
             {8, 9});
  expectData(eval(Opcode::Concatenate, {F({2, 1}, {1, 4}), F({2, 2}, {2, 3, 5, 6})},
                  A({{"dim", Attr::ofInt(1)}}), ty(DType::F32, {2, 3})),
             {1, 2, 3, 4, 5, 6});
  expectData(eval(Opcode::Concatenate, {I({1}, {1}), I({2}, {2, 3}), I({1}, {4})},
                  A({{"dim", Attr::ofInt(0)}}), ty(DType::I32, {4})),
             {1, 2, 3, 4});
  expectData(
      eval(
          Opcode::Pad, {F({2}, {1, 2})},
          A({{"low", Attr::ofInts({1})}, {"high", Attr::ofInts({2})}, {"value", Attr::ofFloat(9)}}),
          ty(DType::F32, {5})),
      {9, 1, 2, 9, 9});
  expectData(eval(Opcode::Pad, {F({1, 2}, {1, 2})},
                  A({{"low", Attr::ofInts({1, 0})},
                     {"high", Attr::ofInts({0, 1})},
                     {"value", Attr::ofInt(0)}}),
                  ty(DType::F32, {2, 3})),
             {0, 0, 0, 1, 2, 0});
}

// ---- contractions and reductions ----

TEST(Interpreter, Einsum) {
  auto es = [](const char *spec, Tensor a, Tensor b, TensorType t) {
    return eval(Opcode::Einsum, {a, b}, A({{"spec", Attr::ofString(spec)}}), t);
  };
  Tensor a = F({2, 3}, {1, 2, 3, 4, 5, 6}), b = F({3, 2}, {7, 8, 9, 10, 11, 12});
  expectData(es("ij,jk->ik", a, b, ty(DType::F32, {2, 2})), {58, 64, 139, 154});
  expectData(es("ij,jk->ki", a, b, ty(DType::F32, {2, 2})), {58, 139, 64, 154});
  expectData(es("i,j->ij", F({2}, {1, 2}), F({3}, {1, 10, 100}), ty(DType::F32, {2, 3})),
             {1, 10, 100, 2, 20, 200});
  // Batch: b=0 is [1,2]·[[1,0],[0,1]], b=1 is [3,4]·[[2,0],[0,2]].
  expectData(es("bij,bjk->bik", F({2, 1, 2}, {1, 2, 3, 4}), F({2, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2}),
                ty(DType::F32, {2, 1, 2})),
             {1, 2, 6, 8});
  // Full contraction to a scalar, and letters of one operand alone summed away.
  expectData(es("ij,ij->", a, a, ty(DType::F32, {})), {91});
  expectData(es("ab,c->c", a, F({2}, {1, -2}), ty(DType::F32, {2})), {21, -42});
  // i32 accumulates modulo 2^32: 65536*65536 + 3*4 wraps to 12.
  expectData(es("i,i->", I({2}, {65536, 3}), I({2}, {65536, 4}), ty(DType::I32, {})), {12});
  // bf16: 1 + 2^-7 is exact in bf16.
  expectData(es("i,i->", T(DType::BF16, {2}, {1, 1}), T(DType::BF16, {2}, {1, 0.0078125}),
                ty(DType::BF16, {})),
             {1.0078125});
}

TEST(Interpreter, Reductions) {
  Tensor x = F({2, 3}, {1, 5, 3, -4, 2, 6});
  auto red = [&](Opcode c, Tensor in, std::vector<int64_t> dims, TensorType t) {
    return eval(c, {in}, A({{"dims", Attr::ofInts(dims)}}), t);
  };
  expectData(red(Opcode::ReduceSum, x, {1}, ty(DType::F32, {2})), {9, 4});
  expectData(red(Opcode::ReduceSum, x, {0}, ty(DType::F32, {3})), {-3, 7, 9});
  expectData(red(Opcode::ReduceSum, x, {0, 1}, ty(DType::F32, {})), {13});
  expectData(red(Opcode::ReduceMax, x, {1}, ty(DType::F32, {2})), {5, 6});
  expectData(red(Opcode::ReduceMin, x, {0}, ty(DType::F32, {3})), {-4, 2, 3});
  expectData(red(Opcode::ReduceMax, F({2}, {1, kNaN}), {0}, ty(DType::F32, {})), {kNaN});
  // Empty reductions give the identity.
  Tensor e = F({2, 0}, {});
  expectData(red(Opcode::ReduceSum, e, {1}, ty(DType::F32, {2})), {0, 0});
  expectData(red(Opcode::ReduceMax, e, {1}, ty(DType::F32, {2})), {-kInf, -kInf});
  expectData(red(Opcode::ReduceMin, e, {1}, ty(DType::F32, {2})), {kInf, kInf});
  expectData(red(Opcode::ReduceMax, I({0}, {}), {0}, ty(DType::I32, {})), {-2147483648.0});
  expectData(red(Opcode::ReduceSum, I({2}, {2147483647, 1}), {0}, ty(DType::I32, {})),
             {-2147483648.0});
}

TEST(Interpreter, Cumsum) {
  Tensor x = F({4}, {1, 2, 3, 4});
  auto cs = [&](Tensor in, int64_t dim, bool excl, bool rev) {
    return same(Opcode::Cumsum, {in},
                A({{"dim", Attr::ofInt(dim)},
                   {"exclusive", Attr::ofBool(excl)},
                   {"reverse", Attr::ofBool(rev)}}));
  };
  expectData(cs(x, 0, false, false), {1, 3, 6, 10});
  expectData(cs(x, 0, true, false), {0, 1, 3, 6});
  expectData(cs(x, 0, false, true), {10, 9, 7, 4});
  expectData(cs(x, 0, true, true), {9, 7, 4, 0});
  expectData(cs(F({2, 2}, {1, 2, 3, 4}), 0, false, false), {1, 2, 4, 6});
  expectData(cs(F({2, 2}, {1, 2, 3, 4}), 1, false, false), {1, 3, 3, 7});
  expectData(same(Opcode::Cumsum, {I({2}, {2147483647, 1})}, A({{"dim", Attr::ofInt(0)}})),
             {2147483647, -2147483648.0});
}

TEST(Interpreter, ArgmaxTiesAndNaN) {
  Tensor x = F({2, 3}, {1, 3, 3, 5, 2, 5});
  expectData(eval(Opcode::Argmax, {x}, A({{"dim", Attr::ofInt(1)}}), ty(DType::I32, {2})), {1, 0});
  expectData(eval(Opcode::Argmax, {x}, A({{"dim", Attr::ofInt(0)}}), ty(DType::I32, {3})),
             {1, 0, 1});
  // NaN counts as the maximum; the first NaN wins.
  expectData(eval(Opcode::Argmax, {F({4}, {1, kNaN, 5, kNaN})}, A({{"dim", Attr::ofInt(0)}}),
                  ty(DType::I32, {})),
             {1});
  expectData(eval(Opcode::Argmax, {I({3}, {-5, -2, -2})}, A({{"dim", Attr::ofInt(0)}}),
                  ty(DType::I32, {})),
             {1});
}

// ---- ids ----

TEST(Interpreter, OneHot) {
  Tensor ids = I({4}, {0, 2, 5, -1});
  expectData(eval(Opcode::OneHot, {ids}, A({{"depth", Attr::ofInt(3)}}), ty(DType::F32, {4, 3})),
             {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  expectData(eval(Opcode::OneHot, {ids}, A({{"depth", Attr::ofInt(3)}, {"axis", Attr::ofInt(0)}}),
                  ty(DType::I32, {3, 4})),
             {1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0});
}

TEST(Interpreter, TakeOutOfRangeGivesZeros) {
  Tensor table = F({3, 2}, {1, 2, 3, 4, 5, 6});
  expectData(eval(Opcode::Take, {table, I({4}, {2, 0, 3, -1})}, A({{"axis", Attr::ofInt(0)}}),
                  ty(DType::F32, {4, 2})),
             {5, 6, 1, 2, 0, 0, 0, 0});
  // axis 1: result[a][i][j] = table[a][ids[i][j]].
  Tensor t2 = F({2, 3}, {1, 2, 3, 4, 5, 6});
  expectData(eval(Opcode::Take, {t2, I({2, 1}, {2, 0})}, A({{"axis", Attr::ofInt(1)}}),
                  ty(DType::F32, {2, 2, 1})),
             {3, 1, 6, 4});
}

TEST(Interpreter, ScatterAddIsTakesAdjoint) {
  Tensor base = F({3, 2}, {1, 1, 1, 1, 1, 1});
  Tensor ids = I({4}, {2, 0, 2, 7});
  Tensor upd = F({4, 2}, {10, 20, 30, 40, 50, 60, 70, 80});
  expectData(eval(Opcode::ScatterAdd, {base, ids, upd}, A({{"axis", Attr::ofInt(0)}}),
                  ty(DType::F32, {3, 2})),
             {31, 41, 1, 1, 61, 81});
  Tensor b2 = I({2, 3}, {0, 0, 0, 0, 0, 0});
  expectData(eval(Opcode::ScatterAdd, {b2, I({2}, {1, 1}), I({2, 2}, {1, 2, 3, 4})},
                  A({{"axis", Attr::ofInt(1)}}), ty(DType::I32, {2, 3})),
             {0, 3, 0, 0, 7, 0});
}

// ---- per-device ops ----

namespace {
Mesh mesh2x2() {
  Mesh m;
  m.name = std::string(1, 'm');
  m.axes = {{"a", 2}, {"b", 2}};
  return m;
}
} // namespace

TEST(Interpreter, ShardingConstraintIsIdentity) {
  Tensor x = F({2}, {3, -4});
  expectData(same(Opcode::ShardingConstraint, {x}), {3, -4});
}

TEST(Interpreter, AxisIndex) {
  Mesh m;
  m.name = std::string(1, 'm');
  m.axes = {{"data", 2}, {"model", 3}};
  DeviceContext ctx{&m, 5}; // data=1, model=2
  expectData(
      eval(Opcode::AxisIndex, {}, A({{"axis", Attr::ofString("data")}}), ty(DType::I32, {}), &ctx),
      {1});
  expectData(
      eval(Opcode::AxisIndex, {}, A({{"axis", Attr::ofString("model")}}), ty(DType::I32, {}), &ctx),
      {2});
  EXPECT_THROW(
      eval(Opcode::AxisIndex, {}, A({{"axis", Attr::ofString("data")}}), ty(DType::I32, {})),
      std::runtime_error);
  EXPECT_THROW(
      eval(Opcode::AxisIndex, {}, A({{"axis", Attr::ofString("pipe")}}), ty(DType::I32, {}), &ctx),
      std::runtime_error);
}

TEST(Interpreter, DynamicSliceClamps) {
  Tensor v = F({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto ds = [&](double off) {
    return eval(Opcode::DynamicSlice, {v, I({}, {off})}, A({{"sizes", Attr::ofInts({3})}}),
                ty(DType::F32, {3}));
  };
  expectData(ds(2), {2, 3, 4});
  expectData(ds(8), {7, 8, 9});
  expectData(ds(-2), {0, 1, 2});
  Tensor m = F({3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  expectData(eval(Opcode::DynamicSlice, {m, I({}, {1}), I({}, {5})},
                  A({{"sizes", Attr::ofInts({2, 2})}}), ty(DType::F32, {2, 2})),
             {4, 5, 7, 8});
}

TEST(Interpreter, DynamicUpdateSliceClamps) {
  Tensor x = F({5}, {0, 0, 0, 0, 0});
  expectData(
      eval(Opcode::DynamicUpdateSlice, {x, F({2}, {1, 2}), I({}, {4})}, {}, ty(DType::F32, {5})),
      {0, 0, 0, 1, 2});
  expectData(
      eval(Opcode::DynamicUpdateSlice, {x, F({2}, {1, 2}), I({}, {1})}, {}, ty(DType::F32, {5})),
      {0, 1, 2, 0, 0});
  Tensor m = I({2, 3}, {0, 0, 0, 0, 0, 0});
  expectData(eval(Opcode::DynamicUpdateSlice, {m, I({1, 2}, {7, 8}), I({}, {-1}), I({}, {2})}, {},
                  ty(DType::I32, {2, 3})),
             {0, 7, 8, 0, 0, 0});
}

TEST(Interpreter, RejectsWrongOperands) {
  OneOp o(Opcode::Neg, {F({2}, {1, 2})}, {}, ty(DType::F32, {2}));
  Tensor wrong = F({3}, {1, 2, 3});
  EXPECT_THROW(evalOp(o.op(), {&wrong}), std::runtime_error);
  EXPECT_THROW(evalOp(o.op(), {}), std::runtime_error);
}

// ---- collectives on a 2x2 mesh: device d = (a, b) holds [10d+1, 10d+2] ----

namespace {
struct Collective {
  Mesh mesh = mesh2x2();
  std::vector<Tensor> in;
  std::vector<std::vector<double>> run(Opcode code, AttrDict attrs, TensorType result) {
    OneOp o(code, {in[0]}, std::move(attrs), result);
    std::vector<const Tensor *> ptrs;
    for (const Tensor &t : in)
      ptrs.push_back(&t);
    std::vector<std::vector<double>> out;
    for (const Tensor &t : evalCollective(o.op(), mesh, ptrs)) {
      EXPECT_EQ(t.type, result);
      out.push_back(t.data);
    }
    return out;
  }
  explicit Collective(std::vector<int64_t> shape = {2}) {
    for (int d = 0; d < 4; ++d) {
      Tensor t(ty(DType::F32, shape));
      for (int64_t k = 0; k < t.size(); ++k)
        t.data[k] = 10 * d + k + 1;
      in.push_back(t);
    }
  }
};
using Rows = std::vector<std::vector<double>>;
} // namespace

TEST(Collectives, AllReduce) {
  Collective c;
  auto ar = [&](std::vector<std::string> axes, const char *red) {
    return c.run(Opcode::AllReduce,
                 A({{"axes", Attr::ofStrings(axes)}, {"reduction", Attr::ofString(red)}}),
                 ty(DType::F32, {2}));
  };
  // Groups along b: {0,1} and {2,3}.
  EXPECT_EQ(ar({"b"}, "sum"), (Rows{{12, 14}, {12, 14}, {52, 54}, {52, 54}}));
  EXPECT_EQ(ar({"a", "b"}, "sum"), (Rows{{64, 68}, {64, 68}, {64, 68}, {64, 68}}));
  // Groups along a: {0,2} and {1,3}.
  EXPECT_EQ(ar({"a"}, "max"), (Rows{{21, 22}, {31, 32}, {21, 22}, {31, 32}}));
  EXPECT_EQ(ar({"a"}, "min"), (Rows{{1, 2}, {11, 12}, {1, 2}, {11, 12}}));
}

TEST(Collectives, AllGatherInGroupOrder) {
  Collective c;
  auto ag = [&](std::vector<std::string> axes, TensorType t) {
    return c.run(Opcode::AllGather, A({{"axes", Attr::ofStrings(axes)}, {"dim", Attr::ofInt(0)}}),
                 t);
  };
  EXPECT_EQ(ag({"a"}, ty(DType::F32, {4})),
            (Rows{{1, 2, 21, 22}, {11, 12, 31, 32}, {1, 2, 21, 22}, {11, 12, 31, 32}}));
  // Over {"b","a"}, b is major: member order is devices 0, 2, 1, 3.
  Rows all(4, {1, 2, 21, 22, 11, 12, 31, 32});
  EXPECT_EQ(ag({"b", "a"}, ty(DType::F32, {8})), all);
}

TEST(Collectives, AllGatherAlongInnerDim) {
  Collective c({1, 2});
  EXPECT_EQ(c.run(Opcode::AllGather, A({{"axes", Attr::ofStrings({"b"})}, {"dim", Attr::ofInt(1)}}),
                  ty(DType::F32, {1, 4})),
            (Rows{{1, 2, 11, 12}, {1, 2, 11, 12}, {21, 22, 31, 32}, {21, 22, 31, 32}}));
}

TEST(Collectives, ReduceScatter) {
  Collective c;
  EXPECT_EQ(c.run(Opcode::ReduceScatter,
                  A({{"axes", Attr::ofStrings({"b"})},
                     {"dim", Attr::ofInt(0)},
                     {"reduction", Attr::ofString("sum")}}),
                  ty(DType::F32, {1})),
            (Rows{{12}, {14}, {52}, {54}}));
  EXPECT_EQ(c.run(Opcode::ReduceScatter,
                  A({{"axes", Attr::ofStrings({"a"})},
                     {"dim", Attr::ofInt(0)},
                     {"reduction", Attr::ofString("max")}}),
                  ty(DType::F32, {1})),
            (Rows{{21}, {31}, {22}, {32}}));
}

TEST(Collectives, AllToAll) {
  Collective c;
  EXPECT_EQ(c.run(Opcode::AllToAll,
                  A({{"axes", Attr::ofStrings({"b"})},
                     {"split_dim", Attr::ofInt(0)},
                     {"concat_dim", Attr::ofInt(0)}}),
                  ty(DType::F32, {2})),
            (Rows{{1, 11}, {2, 12}, {21, 31}, {22, 32}}));
  // Split dim 1 of [1,2], concatenate along dim 0: [2,1].
  Collective c2({1, 2});
  EXPECT_EQ(c2.run(Opcode::AllToAll,
                   A({{"axes", Attr::ofStrings({"a"})},
                      {"split_dim", Attr::ofInt(1)},
                      {"concat_dim", Attr::ofInt(0)}}),
                   ty(DType::F32, {2, 1})),
            (Rows{{1, 21}, {11, 31}, {2, 22}, {12, 32}}));
}

TEST(Collectives, CollectivePermute) {
  Collective c;
  auto cp = [&](std::vector<std::string> axes, int64_t shift) {
    return c.run(Opcode::CollectivePermute,
                 A({{"axes", Attr::ofStrings(axes)}, {"shift", Attr::ofInt(shift)}}),
                 ty(DType::F32, {2}));
  };
  EXPECT_EQ(cp({"a"}, 1), (Rows{{21, 22}, {31, 32}, {1, 2}, {11, 12}}));
  // Ring over all four devices: member k receives from member k - shift.
  EXPECT_EQ(cp({"a", "b"}, 1), (Rows{{31, 32}, {1, 2}, {11, 12}, {21, 22}}));
  EXPECT_EQ(cp({"a", "b"}, -1), (Rows{{11, 12}, {21, 22}, {31, 32}, {1, 2}}));
  EXPECT_EQ(cp({"a", "b"}, 6), (Rows{{21, 22}, {31, 32}, {1, 2}, {11, 12}}));
}

TEST(Collectives, RoundsToI32) {
  Collective c;
  for (auto &t : c.in)
    t.type.dtype = DType::I32;
  c.in[0].data = {2147483647, 0};
  EXPECT_EQ(c.run(Opcode::AllReduce,
                  A({{"axes", Attr::ofStrings({"b"})}, {"reduction", Attr::ofString("sum")}}),
                  ty(DType::I32, {2}))[0],
            (std::vector<double>{-2147483638.0, 12}));
}

// ---- whole functions ----

TEST(RunFunction, EvaluatesInOrderAndFreesValues) {
  Func f;
  f.name = "main";
  Value *x = f.addArg("x", ty(DType::F32, {2, 2}));
  Value *w = f.addArg("w", ty(DType::F32, {2, 2}));
  Builder b(f);
  Value *h = b.build(Opcode::Einsum, {x, w}, A({{"spec", Attr::ofString("ij,jk->ik")}}));
  Value *s = b.build(Opcode::Add, {h, x});
  Value *r = b.build(Opcode::ReduceSum, {s}, A({{"dims", Attr::ofInts({1})}}));
  f.returns = {r, s, x};
  auto out = runFunction(f, {F({2, 2}, {1, 2, 3, 4}), F({2, 2}, {0, 1, 1, 0})});
  ASSERT_EQ(out.size(), 3u);
  // x·w swaps the columns: [[2,1],[4,3]]; plus x: [[3,3],[7,7]].
  expectData(out[1], {3, 3, 7, 7});
  expectData(out[0], {6, 14});
  expectData(out[2], {1, 2, 3, 4});
  EXPECT_THROW(runFunction(f, {F({2, 2}, {1, 2, 3, 4})}), std::runtime_error);
  EXPECT_THROW(runFunction(f, {F({2, 2}, {1, 2, 3, 4}), F({4}, {0, 1, 1, 0})}), std::runtime_error);
}

TEST(RunFunction, CollectivesNeedAOneDeviceMesh) {
  Func f;
  f.name = "main";
  Value *x = f.addArg("x", ty(DType::F32, {2}));
  Value *r =
      Builder(f).create(Opcode::AllReduce, {x},
                        A({{"axes", Attr::ofStrings({"a"})}, {"reduction", Attr::ofString("sum")}}),
                        ty(DType::F32, {2}));
  f.returns = {r};
  EXPECT_THROW(runFunction(f, {F({2}, {1, 2})}), std::runtime_error);
  Mesh one;
  one.name = std::string(1, 'm');
  one.axes = {{"a", 1}};
  DeviceContext ctx{&one, 0};
  expectData(runFunction(f, {F({2}, {1, 2})}, &ctx)[0], {1, 2});
  try {
    runFunction(f, {F({2}, {1, 2})});
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("error: 'all_reduce' needs every device"),
              std::string::npos)
        << e.what();
  }
}
