// Where imported locations point (locations.pir checks each): an op at its call, an
// operator at its token, a helper's ops at the helper's lines, an argument at its name.
#include "partita/model.h"

using namespace partita::model;

const Mesh mesh{{"data", 2}};
const Mesh other{{"x", 2}};

Tensor<> dense(const Tensor<> &x, const Tensor<> &weights) {
  return gelu(einsum("bm,mh->bh", x, weights));
}

PARTITA_ENTRY Results model(Tensor<f32, 4, 8> x, Tensor<f32, 8, 8> w,
                            PARTITA_BOUND(8) Tensor<i32, 4> ids) {
  auto y = shard(x, mesh, {{"data"}, {}});
  y = dense(y, w) + take(w, ids);
#ifdef TWO_MESHES
  y = shard(y, other, {{"x"}, {}});
#endif
  auto total = reduce_sum(y, {0});
  return {y, total};
}
