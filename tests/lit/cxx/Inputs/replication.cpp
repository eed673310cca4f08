// A vector moved from one mesh axis to the other: with no second dimension to park an axis
// in, the partitioner gathers it whole and slices it again, and warns at the C++ call that
// asks for the move (locations.pir).
#include "partita/model.h"

using namespace partita::model;

const Mesh mesh{{"a", 2}, {"b", 3}};

PARTITA_ENTRY Tensor<> move(Tensor<f32, 12> x) {
  auto y = gelu(shard(x, mesh, {{"a"}}));
  return shard(y, mesh, {{"b"}});
}
