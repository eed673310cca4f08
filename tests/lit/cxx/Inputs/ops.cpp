// Every partita::model function once, so the test sees each op's IR.
#include "partita/model.h"

using namespace partita::model;

const Mesh m{{"x", 2}};

[[clang::annotate("partita.entry")]] Results ops(Tensor<f32, 4, 6> a, Tensor<f32, 4, 6> b,
                                                 PARTITA_BOUND(4) Tensor<i32, 4> ids) {
  auto u = tanh(logistic(erf(abs(neg(exp(log(sqrt(rsqrt(gelu(a))))))))));
  auto s = pow(minimum(maximum(div(mul(sub(add(u, b), b), b), b), b), b), b);
  auto o = u + b - a * b / b;
  auto p = logical_or(logical_and(compare(a, b, "lt"), a <= b), logical_not(a > b));
  auto q = select(p, s, o);
  auto q2 = select(a >= b, -q, 2.0 * q + 1.0);
  auto c = convert(q2, bf16);
  auto k = constant(3, i32, {4, 6});
  auto io = iota(i32, {4, 6}, 1);
  auto r = broadcast_in_dim(reduce_sum(q2, {1}), {4, 6}, {0});
  auto t = transpose(reshape(r, {6, 4}), {1, 0});
  auto sl = slice(t, {0, 1}, {4, 5});
  auto sl2 = slice(t, {0, 0}, {4, 6}, {2, 3});
  auto cat = concatenate({sl, sl}, 1);
  auto pd = pad(sl2, {1, 0}, {1, 2}, 0.5);
  auto e = einsum("ij,kj->ik", a, b);
  auto mx = reduce_max(e, {0});
  auto mn = reduce_min(e, {0, 1});
  auto cs = cumsum(a, 1, true, true);
  auto am = argmax(a, 1);
  auto oh = one_hot(ids, 6, f32, 0);
  auto oh2 = one_hot(ids, 5);
  auto tk = take(a, ids, 0);
  auto sa = scatter_add(a, ids, tk, 0);
  auto sm = softmax(a, 1);
  auto sh = shard(sm, m, {{"x"}, {}});
  auto ke = add(k, io);
  auto n = rank(a) * dim(a, 1);
  auto rs = reshape(a, shape(b));
  auto nb = minimum(pow(2.0, sub(1.0, maximum(mul(div(add(a, 1), 2), 3), 0))), 5);
  return {sh, c, cat, pd, mx, mn, cs, am, oh, oh2, sa, ke, rs, constant(n, f32, {}), nb};
}
