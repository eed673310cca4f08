// Loops with compile-time trip counts, constexpr arithmetic, nested helpers and if; a
// template helper, an enumerator, sizeof and ?: on compile-time values.
#include "partita/model.h"

using namespace partita::model;

constexpr int64_t kBase = 3;
constexpr int64_t twice(int64_t n) { return 2 * n; }

Tensor<> scale(const Tensor<> &x, double s) { return x * s; }
Tensor<> step(const Tensor<> &x, int64_t i) {
  if (i % 2 == 0)
    return scale(x, i);
  return exp(x);
}

enum Factor { kHalving = 2 };

// Multiplies by `s`, N times (N is a template argument).
template <int64_t N> Tensor<> repeat(const Tensor<> &x, double s) {
  Tensor<> r = x;
  for (int64_t i = 0; i < N; ++i)
    r = r * s;
  return r;
}

[[clang::annotate("partita.entry")]] Tensor<> loops(Tensor<f32, 2, 3> x) {
  Tensor<> y = x;
  for (int64_t i = 0; i < twice(kBase) - 2; i += 2) // i = 0, 2
    y = step(y, i + 1);                              // exp, exp
  for (int64_t i = 4; i > 0; --i) {
    const int64_t k = i * dim(x, 1); // 12, 9, 6, 3
    y = y + constant(k, f32, {2, 3});
  }
  static_assert(twice(kBase) == 6);
  using Count = int64_t;
  Count times = sizeof(int16_t); // 2
  times += kHalving > 1 ? 0 : 5;
  y = repeat<sizeof(int16_t)>(y, times == 2 ? 1.0 / (int)kHalving : 3.0);
  return reduce_sum(y, {rank(x) - 1});
}
