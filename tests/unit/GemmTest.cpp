// The einsum kernel's GEMM (runtime/Gemm.h): the packed kernel and the Eigen one against a
// plain double-precision triple loop, over shapes that cross every blocking boundary
// (partial micro-tiles, several K, M and N blocks) and every stride pattern an einsum
// can hand it (row-major, column-major, neither, size-1 dimensions). The bf16 GEMM is held
// to the same reference on bf16-valued operands.
#include "runtime/Gemm.h"
#include "runtime/Parallel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

using namespace partita;

namespace {

enum class Order { Row, Col, Strided };

// A rows x cols matrix stored in `store` with the given order; Strided spaces both
// dimensions (rows 2*cols+1 apart, columns 2 apart) so neither stride is 1.
MatView place(std::vector<float> &store, int64_t rows, int64_t cols, Order o) {
  int64_t rs, cs;
  switch (o) {
  case Order::Row:
    rs = cols, cs = 1;
    break;
  case Order::Col:
    rs = 1, cs = rows;
    break;
  default:
    rs = 2 * cols + 1, cs = 2;
    break;
  }
  store.assign((size_t)std::max<int64_t>(rows * rs + cols * cs, 1), NAN);
  return {store.data(), rows, cols, rs, cs};
}

float &at(const MatView &v, int64_t i, int64_t j) { return v.p[i * v.rs + j * v.cs]; }

// Every element of v uniform in [-1, 1), row by row.
void fillRandom(const MatView &v, std::mt19937 &rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  for (int64_t i = 0; i < v.rows; ++i)
    for (int64_t j = 0; j < v.cols; ++j)
      at(v, i, j) = u(rng);
}

// (a * b)(i, j) in double precision, the independent reference.
double product(const MatView &a, const MatView &b, int64_t i, int64_t j) {
  double ref = 0;
  for (int64_t p = 0; p < a.cols; ++p)
    ref += (double)at(a, i, p) * at(b, p, j);
  return ref;
}

using Gemm = std::function<void(MatView, MatView, MatView)>;

void check(const Gemm &gemm, int64_t m, int64_t n, int64_t k, Order oa, Order ob, Order oc) {
  std::mt19937 rng((uint32_t)(m * 131 + n * 17 + k));
  std::vector<float> sa, sb, sc;
  MatView a = place(sa, m, k, oa), b = place(sb, k, n, ob), c = place(sc, m, n, oc);
  fillRandom(a, rng);
  fillRandom(b, rng);
  std::vector<float> before = sc;
  gemm(c, a, b);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double ref = product(a, b, i, j);
      ASSERT_NEAR(at(c, i, j), ref, 1e-5 * (1 + std::sqrt((double)k)))
          << m << "x" << n << "x" << k << " at (" << i << ", " << j << ")";
    }
  // Nothing outside C's elements is written (the gaps of a strided C keep their NaN).
  size_t touched = 0;
  for (size_t i = 0; i < sc.size(); ++i)
    touched += !std::isnan(sc[i]) && std::isnan(before[i]);
  EXPECT_EQ(touched, (size_t)(m * n));
}

void checkAll(const Gemm &gemm) {
  const int64_t shapes[][3] = {{1, 1, 1},     {5, 7, 3},     {6, 16, 8},     {7, 17, 9},
                               {13, 33, 257}, {150, 20, 40}, {145, 47, 600}, {300, 70, 31},
                               {2, 4100, 3},  {64, 64, 64},  {1, 40, 300},   {40, 1, 300}};
  const Order orders[] = {Order::Row, Order::Col, Order::Strided};
  for (auto &s : shapes)
    for (Order oa : orders)
      for (Order ob : orders)
        for (Order oc : orders)
          check(gemm, s[0], s[1], s[2], oa, ob, oc);
}

} // namespace

TEST(Gemm, PackedMatchesReference) { checkAll(sgemmPacked); }

TEST(Gemm, EigenMatchesReference) { checkAll(sgemmEigen); }

// sgemmRows computes exactly the listed rows (scattered, with runs and gaps, across MC
// blocks) and leaves every other row of C as it was.
TEST(Gemm, RowsComputesOnlyListedRows) {
  for (int64_t n : {5, 40, 300})
    for (Order oa : {Order::Row, Order::Col, Order::Strided})
      for (Order oc : {Order::Row, Order::Col}) {
        int64_t m = 400, k = 70;
        std::mt19937 rng((uint32_t)n);
        std::vector<float> sa, sb, sc;
        MatView a = place(sa, m, k, oa), b = place(sb, k, n, Order::Row), c = place(sc, m, n, oc);
        fillRandom(a, rng);
        fillRandom(b, rng);
        std::vector<int64_t> rows;
        for (int64_t i = 0; i < m; ++i)
          if (i % 7 < 3 || (i > 150 && i < 310)) rows.push_back(i);
        sgemmRows(c, a, b, rows.data(), (int64_t)rows.size());
        std::vector<bool> listed(m, false);
        for (int64_t r : rows)
          listed[r] = true;
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            if (!listed[i]) {
              ASSERT_TRUE(std::isnan(at(c, i, j))) << "row " << i << " was written";
              continue;
            }
            double ref = product(a, b, i, j);
            ASSERT_NEAR(at(c, i, j), ref, 1e-4) << "n=" << n << " at (" << i << ", " << j << ")";
          }
      }
}

// Zero stretches of A (a causal mask's upper triangle, all-zero strips, zeros at both ends
// of the k range, across K blocks) are skipped; C must still hold every product, zeros
// included, whatever C held before.
TEST(Gemm, StructuredZerosInA) {
  for (const Gemm &g : {Gemm(sgemmPacked), Gemm(sgemm)})
    for (int pattern = 0; pattern < 3; ++pattern) {
      int64_t m = 300, n = 37, k = 600;
      std::mt19937 rng(pattern);
      std::uniform_real_distribution<float> u(-1, 1);
      std::vector<float> sa, sb, sc;
      MatView a = place(sa, m, k, Order::Row), b = place(sb, k, n, Order::Row),
              c = place(sc, m, n, Order::Row);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p) {
          bool keep = pattern == 0   ? p <= 2 * i                          // causal
                      : pattern == 1 ? (i / 6) % 3 != 1                    // zero strips
                                     : p > 100 + i % 7 && p < 500 - i % 5; // zero ends
          at(a, i, p) = keep ? u(rng) : (p % 2 ? 0.0f : -0.0f);
        }
      fillRandom(b, rng);
      std::fill(sc.begin(), sc.end(), 7.0f); // stale values must not survive
      g(c, a, b);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double ref = product(a, b, i, j);
          ASSERT_NEAR(at(c, i, j), ref, 1e-4)
              << "pattern " << pattern << " (" << i << ", " << j << ")";
        }
    }
}

// The threads share each packed block of B: every listed row is computed once, whatever
// the thread count, across several N and K blocks and with rows left out.
TEST(Gemm, RowsParallelMatchesReference) {
  int saved = runtimeThreads();
  for (int threads : {1, 2, 3})
    for (int64_t n : {5, 37, 4200}) {
      setRuntimeThreads(threads);
      int64_t m = 1000, k = n == 4200 ? 40 : 300;
      std::mt19937 rng((uint32_t)(threads * 7 + n));
      std::vector<float> sa, sb, sc;
      MatView a = place(sa, m, k, Order::Row), b = place(sb, k, n, Order::Col),
              c = place(sc, m, n, Order::Row);
      fillRandom(a, rng);
      fillRandom(b, rng);
      std::vector<int64_t> rows;
      for (int64_t i = 0; i < m; ++i)
        if (i % 11 != 3) rows.push_back(i);
      sgemmRowsParallel(c, a, b, rows.data(), (int64_t)rows.size());
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          if (i % 11 == 3) {
            ASSERT_TRUE(std::isnan(at(c, i, j))) << "row " << i << " was written";
            continue;
          }
          double ref = product(a, b, i, j);
          ASSERT_NEAR(at(c, i, j), ref, 1e-4)
              << threads << " threads, n=" << n << " at (" << i << ", " << j << ")";
        }
    }
  setRuntimeThreads(saved);
}

TEST(Gemm, EmptyKZeroesAndEmptyMNDoNothing) {
  for (const Gemm &g : {Gemm(sgemmPacked), Gemm(sgemmEigen), Gemm(sgemm)}) {
    std::vector<float> c(12, 5.0f), a(1), b(1);
    g({c.data(), 3, 4, 4, 1}, {a.data(), 3, 0, 1, 1}, {b.data(), 0, 4, 1, 1});
    for (float x : c)
      EXPECT_EQ(x, 0.0f);
    std::vector<float> d(4, 5.0f);
    g({d.data(), 0, 4, 4, 1}, {a.data(), 0, 2, 2, 1}, {b.data(), 2, 4, 4, 1});
    for (float x : d)
      EXPECT_EQ(x, 5.0f);
  }
}

TEST(Gemm, DispatchedKernelMatchesReference) {
  std::string kind = sgemmKind();
  ASSERT_TRUE(kind == "packed-avx2" || kind == "eigen") << kind;
  check(sgemm, 145, 47, 600, Order::Row, Order::Col, Order::Row);
  check(sgemm, 13, 33, 257, Order::Strided, Order::Row, Order::Col);
}

// allFinite finds a NaN or an infinity anywhere (either end, both sides of its 4096-element
// chunks, in any stride pattern) and passes the extreme finite values.
TEST(Gemm, AllFiniteFindsEveryNonFiniteValue) {
  std::vector<float> v(9000, 1.0f);
  v[1] = -0.0f, v[2] = 3.4e38f, v[3] = -3.4e38f, v[4] = 1e-45f; // largest, denormal
  EXPECT_TRUE(allFinite(v.data(), (int64_t)v.size()));
  EXPECT_TRUE(allFinite(v.data(), 0));
  for (float bad : {NAN, -NAN, INFINITY, -INFINITY})
    for (size_t at : {0, 4095, 4096, 8999}) {
      std::vector<float> w = v;
      w[at] = bad;
      EXPECT_FALSE(allFinite(w.data(), (int64_t)w.size())) << bad << " at " << at;
      EXPECT_EQ(allFinite(w.data(), (int64_t)at), true) << "the prefix before " << at;
    }
  for (Order o : {Order::Row, Order::Col, Order::Strided}) {
    std::vector<float> s;
    MatView m = place(s, 7, 5, o); // the gaps of a strided view hold NaN and are not read
    for (int64_t i = 0; i < 7; ++i)
      for (int64_t j = 0; j < 5; ++j)
        at(m, i, j) = (float)(i - j);
    EXPECT_TRUE(allFinite(m));
    at(m, 6, 4) = -INFINITY;
    EXPECT_FALSE(allFinite(m));
  }
}

// The packed kernel skips A's zero k ranges, and sgemmRows lets the einsum kernel skip
// zero rows; neither may drop a NaN or an infinity of B: 0 * inf and 0 * NaN are NaN in
// the reference. B's non-finite values sit only where A is zero (a causal mask's upper
// triangle, all-zero strips, zero ends of the k range), across K and N blocks.
TEST(Gemm, NonFiniteBMeetsZerosOfA) {
  int saved = runtimeThreads();
  for (int pattern = 0; pattern < 3; ++pattern)
    for (int way = 0; way < 4; ++way) {
      int64_t m = 300, n = way == 3 ? 70 : 37, k = 600;
      std::mt19937 rng(pattern);
      std::uniform_real_distribution<float> u(-1, 1);
      std::vector<float> sa, sb, sc;
      MatView a = place(sa, m, k, Order::Row), b = place(sb, k, n, Order::Row),
              c = place(sc, m, n, Order::Row);
      auto keep = [&](int64_t i, int64_t p) {
        return pattern == 0   ? p <= 2 * i                          // causal
               : pattern == 1 ? (i / 6) % 3 != 1                    // zero strips
                              : p > 100 + i % 7 && p < 500 - i % 5; // zero ends
      };
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p)
          at(a, i, p) = keep(i, p) ? u(rng) : 0.0f;
      fillRandom(b, rng);
      // Rows of B past what the causal rows reach, or in the zero ends; one column each.
      at(b, 599, 3) = NAN;
      at(b, 598, 20) = INFINITY;
      at(b, 2, 30) = -INFINITY;
      at(b, 50, 36) = NAN;
      std::vector<int64_t> rows;
      for (int64_t i = 0; i < m; ++i)
        if (i % 5 != 2) rows.push_back(i);
      setRuntimeThreads(2);
      if (way == 0) sgemmPacked(c, a, b);
      if (way == 1) sgemm(c, a, b);
      if (way == 2) sgemmRows(c, a, b, rows.data(), (int64_t)rows.size());
      if (way == 3) sgemmRowsParallel(c, a, b, rows.data(), (int64_t)rows.size());
      setRuntimeThreads(saved);
      int64_t nans = 0;
      for (int64_t i = 0; i < m; ++i) {
        if (way >= 2 && i % 5 == 2) continue;
        for (int64_t j = 0; j < n; ++j) {
          double ref = product(a, b, i, j), got = at(c, i, j);
          nans += std::isnan(ref);
          if (std::isnan(ref) || std::isinf(ref))
            ASSERT_TRUE(std::isnan(got) ? std::isnan(ref) : got == ref)
                << "pattern " << pattern << " way " << way << " (" << i << ", " << j << "): got "
                << got << " want " << ref;
          else
            ASSERT_NEAR(got, ref, 1e-4) << "pattern " << pattern << " (" << i << ", " << j << ")";
        }
      }
      // Every row meets the NaN column with a zero somewhere: the test has teeth.
      EXPECT_GT(nans, 0) << "pattern " << pattern;
    }
}

// One row of C (a decode step's products) reads B in place instead of packing it: by rows
// of B when they are contiguous, by columns when those are (a transposed weight), and
// packed otherwise. Widths cross the 1024-column accumulator chunk and the 4-column groups,
// depths the 8-lane blocks; the row is anywhere in C (sgemmRows with one listed row), the
// other rows stay untouched, and a zero of A against NaN or inf in B still gives NaN.
TEST(Gemm, OneRowReadsBInPlace) {
  const int64_t shapes[][2] = {{1, 1}, {3, 7}, {5, 8}, {17, 9}, {1030, 513}, {2049, 16}, {6, 3}};
  const Order orders[] = {Order::Row, Order::Col, Order::Strided};
  for (auto &s : shapes)
    for (Order oa : orders)
      for (Order ob : orders)
        for (Order oc : orders)
          for (int way = 0; way < 2; ++way) {
            int64_t n = s[0], k = s[1], m = way == 0 ? 1 : 5, r = way == 0 ? 0 : 3;
            std::mt19937 rng((uint32_t)(n * 7 + k));
            std::vector<float> sa, sb, sc;
            MatView a = place(sa, m, k, oa), b = place(sb, k, n, ob), c = place(sc, m, n, oc);
            fillRandom(a, rng);
            fillRandom(b, rng);
            at(a, r, k - 1) = 0.0f;
            at(b, k - 1, n - 1) = INFINITY;
            if (way == 0) sgemm(c, a, b);
            else sgemmRows(c, a, b, &r, 1);
            for (int64_t i = 0; i < m; ++i)
              for (int64_t j = 0; j < n; ++j) {
                if (i != r) {
                  ASSERT_TRUE(std::isnan(at(c, i, j))) << "row " << i << " was written";
                  continue;
                }
                double ref = product(a, b, i, j), got = at(c, i, j);
                if (j == n - 1)
                  ASSERT_TRUE(std::isnan(got)) << n << "x" << k << ": 0 * inf gave " << got;
                else
                  ASSERT_NEAR(got, ref, 1e-5 * (1 + std::sqrt((double)k)))
                      << n << "x" << k << " way " << way << " at column " << j;
              }
          }
}

namespace {

// v's elements rounded to bf16 (nearest even), as the einsum kernel's bf16 operands are.
void roundToBf16(const MatView &v) {
  for (int64_t i = 0; i < v.rows; ++i)
    for (int64_t j = 0; j < v.cols; ++j) {
      uint32_t u;
      std::memcpy(&u, &at(v, i, j), sizeof u);
      u = (u + 0x7fffu + ((u >> 16) & 1)) & 0xffff0000u;
      std::memcpy(&at(v, i, j), &u, sizeof u);
    }
}

// The bf16 GEMM on bf16-valued operands against the double reference: products of bf16
// numbers are exact in f32, so only the f32 accumulation order differs, and the f32 bound
// applies. Also through the row-list and threaded entry points.
void checkBf16(int64_t m, int64_t n, int64_t k, Order oa, Order ob, Order oc, int mode) {
  std::mt19937 rng((uint32_t)(m * 7 + n * 131 + k));
  std::vector<float> sa, sb, sc;
  MatView a = place(sa, m, k, oa), b = place(sb, k, n, ob), c = place(sc, m, n, oc);
  fillRandom(a, rng);
  fillRandom(b, rng);
  roundToBf16(a);
  roundToBf16(b);
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < m; ++i)
    if (mode == 0 || i % 5 != 2) rows.push_back(i);
  if (mode == 0)
    sgemmBf16(c, a, b);
  else if (mode == 1)
    sgemmRowsBf16(c, a, b, rows.data(), (int64_t)rows.size());
  else
    sgemmRowsParallelBf16(c, a, b, rows.data(), (int64_t)rows.size());
  std::vector<bool> listed(m, false);
  for (int64_t r : rows)
    listed[r] = true;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (!listed[i]) {
        ASSERT_TRUE(std::isnan(at(c, i, j))) << "row " << i << " was written";
        continue;
      }
      ASSERT_NEAR(at(c, i, j), product(a, b, i, j), 1e-5 * (1 + std::sqrt((double)k)))
          << "mode " << mode << " " << m << "x" << n << "x" << k << " at (" << i << ", " << j
          << ")";
    }
}

} // namespace

TEST(Gemm, Bf16MatchesReference) {
  const int64_t shapes[][3] = {{1, 1, 1},     {5, 7, 3},     {12, 32, 8},    {13, 33, 9},
                               {13, 40, 257}, {150, 20, 41}, {145, 47, 600}, {300, 70, 31},
                               {2, 4100, 3},  {64, 64, 64},  {1, 40, 300},   {40, 1, 300}};
  const Order orders[] = {Order::Row, Order::Col, Order::Strided};
  for (auto &s : shapes)
    for (Order oa : orders)
      for (Order ob : orders)
        for (Order oc : {Order::Row, Order::Col})
          checkBf16(s[0], s[1], s[2], oa, ob, oc, 0);
}

TEST(Gemm, Bf16RowsAndThreadsMatchReference) {
  int saved = runtimeThreads();
  for (int threads : {1, 2, 3}) {
    setRuntimeThreads(threads);
    for (int mode : {1, 2}) {
      checkBf16(400, 70, 300, Order::Row, Order::Row, Order::Row, mode);
      checkBf16(1000, 4200, 40, Order::Row, Order::Col, Order::Row, mode);
      checkBf16(333, 37, 513, Order::Col, Order::Row, Order::Col, mode);
    }
  }
  setRuntimeThreads(saved);
}

// Where the CPU has AVX512-BF16 the operands are multiplied as bf16: f32 inputs that are
// not bf16 numbers give the product of their rounded values (the f32 path would not).
TEST(Gemm, Bf16DotRoundsItsOperands) {
  if (!bf16DotAvailable()) GTEST_SKIP() << "no AVX512-BF16 on this CPU: sgemmBf16 is sgemm";
  int64_t m = 30, n = 40, k = 200;
  std::mt19937 rng(5);
  std::vector<float> sa, sb, sc, ra, rb;
  MatView a = place(sa, m, k, Order::Row), b = place(sb, k, n, Order::Row),
          c = place(sc, m, n, Order::Row);
  fillRandom(a, rng);
  fillRandom(b, rng);
  ra = sa;
  rb = sb;
  MatView a2{ra.data(), m, k, k, 1}, b2{rb.data(), k, n, n, 1};
  roundToBf16(a2);
  roundToBf16(b2);
  sgemmBf16(c, a, b);
  double farFromF32 = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      ASSERT_NEAR(at(c, i, j), product(a2, b2, i, j), 1e-5 * (1 + std::sqrt((double)k)));
      farFromF32 = std::max(farFromF32, std::fabs(at(c, i, j) - product(a, b, i, j)));
    }
  EXPECT_GT(farFromF32, 1e-3); // the rounding is visible: this really was the bf16 kernel
}

// The bf16 kernel skips the zero pair ranges of A's strips (causal attention, zero strips,
// zero ends) like the f32 one, except against a B strip holding NaN or inf, where 0 * inf
// must still give NaN; whichever entry point runs it.
TEST(Gemm, Bf16ZerosOfAAndNonFiniteB) {
  int saved = runtimeThreads();
  for (int pattern = 0; pattern < 3; ++pattern)
    for (int way = 0; way < 3; ++way)
      for (bool nonFinite : {false, true}) {
        int64_t m = 300, n = way == 2 ? 70 : 37, k = 1100;
        std::mt19937 rng(pattern + 10);
        std::uniform_real_distribution<float> u(-1, 1);
        std::vector<float> sa, sb, sc;
        MatView a = place(sa, m, k, Order::Row), b = place(sb, k, n, Order::Row),
                c = place(sc, m, n, Order::Row);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t p = 0; p < k; ++p) {
            bool keep = pattern == 0   ? p <= 3 * i                          // causal
                        : pattern == 1 ? (i / 12) % 3 != 1                   // zero strips
                                       : p > 100 + i % 7 && p < 900 - i % 5; // zero ends
            at(a, i, p) = keep ? u(rng) : (p % 2 ? 0.0f : -0.0f);
          }
        fillRandom(b, rng);
        roundToBf16(a);
        roundToBf16(b);
        if (nonFinite) {
          at(b, 1099, 3) = NAN;
          at(b, 1098, 20) = INFINITY;
          at(b, 2, 30) = -INFINITY;
          at(b, 50, 36) = NAN;
        }
        std::fill(sc.begin(), sc.end(), 7.0f); // stale values must not survive
        std::vector<int64_t> rows;
        for (int64_t i = 0; i < m; ++i)
          rows.push_back(i);
        setRuntimeThreads(2);
        if (way == 0) sgemmBf16(c, a, b);
        if (way == 1) sgemmRowsBf16(c, a, b, rows.data(), m);
        if (way == 2) sgemmRowsParallelBf16(c, a, b, rows.data(), m);
        setRuntimeThreads(saved);
        int64_t nans = 0;
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double ref = product(a, b, i, j), got = at(c, i, j);
            nans += std::isnan(ref);
            if (std::isnan(ref) || std::isinf(ref)) {
              ASSERT_TRUE(std::isnan(got) ? std::isnan(ref) : got == ref)
                  << "pattern " << pattern << " way " << way << " (" << i << ", " << j << "): got "
                  << got << " want " << ref;
            } else {
              ASSERT_NEAR(got, ref, 1e-4)
                  << "pattern " << pattern << " way " << way << " (" << i << ", " << j << ")";
            }
          }
        if (nonFinite) {
          EXPECT_GT(nans, 0) << "pattern " << pattern;
        }
      }
}
