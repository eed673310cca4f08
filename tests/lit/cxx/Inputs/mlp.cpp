// A two-layer MLP with a helper, a loop over layers and a sharded batch.
#include "partita/model.h"

using namespace partita::model;

const Mesh mesh{{"data", 2}, {"model", 2}};
constexpr int64_t kLayers = 2;

Tensor<> dense(const Tensor<> &x, const Tensor<> &w) {
  auto h = einsum("bm,mh->bh", x, w);
  return gelu(h);
}

[[clang::annotate("partita.entry")]] Tensor<> mlp(Tensor<f32, 8, 16> x, Tensor<f32, 16, 16> w) {
  auto y = shard(x, mesh, {{"data"}, {}});
  for (int i = 0; i < kLayers; ++i)
    y = dense(y, w);
  return y * 0.5;
}
