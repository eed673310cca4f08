// Shard extraction and reassembly: uneven shards with zero padding, replicas kept once,
// unreduced summands summed, and mismatched inputs rejected.
#include "ir/ShardUtil.h"

#include <gtest/gtest.h>

using namespace partita;

namespace {
Mesh mesh2x2() {
  Mesh m;
  m.name = std::string(1, 'm');
  m.axes = {{"a", 2}, {"b", 2}};
  return m;
}
Sharding sharding(std::vector<std::vector<std::string>> dims,
                  std::vector<std::string> unreduced = {}) {
  Sharding s;
  s.mesh = std::string(1, 'm');
  s.dims = std::move(dims);
  s.unreduced = std::move(unreduced);
  return s;
}
Tensor iota(TensorType t) {
  Tensor x(t);
  for (int64_t k = 0; k < x.size(); ++k)
    x.data[k] = (double)k;
  return x;
}
} // namespace

TEST(ShardUtil, ExtractUnevenShardsPadsWithZeros) {
  Mesh m = mesh2x2();
  Tensor g = iota(TensorType(DType::F32, {3, 3}));
  // Rows over a (2 of 3), columns over b (2 of 3): device 3 = (a=1, b=1) holds [2, 2:3].
  Sharding s = sharding({{"a"}, {"b"}});
  Tensor d0 = extractShard(g, s, m, 0), d3 = extractShard(g, s, m, 3);
  EXPECT_EQ(d0.type, TensorType(DType::F32, {2, 2}));
  EXPECT_EQ(d0.data, (std::vector<double>{0, 1, 3, 4}));
  EXPECT_EQ(d3.data, (std::vector<double>{8, 0, 0, 0}));
  EXPECT_EQ(extractShard(g, s, m, 1).data, (std::vector<double>{2, 0, 5, 0}));
  EXPECT_EQ(extractShard(g, s, m, 2).data, (std::vector<double>{6, 7, 0, 0}));
  // Split over both axes, a major: 3 rows in 4 shards of 1; device 3 is empty padding.
  Sharding ab = sharding({{"a", "b"}, {}});
  EXPECT_EQ(extractShard(g, ab, m, 2).data, (std::vector<double>{6, 7, 8}));
  EXPECT_EQ(extractShard(g, ab, m, 3).data, (std::vector<double>{0, 0, 0}));
  Sharding ba = sharding({{"b", "a"}, {}});
  EXPECT_EQ(extractShard(g, ba, m, 1).data, (std::vector<double>{6, 7, 8})); // b=1, a=0: index 2
}

TEST(ShardUtil, AssembleInvertsExtract) {
  Mesh m = mesh2x2();
  Tensor g = iota(TensorType(DType::I32, {5, 3}));
  for (const Sharding &s : {sharding({{"a"}, {"b"}}), sharding({{"b", "a"}, {}}),
                            sharding({{}, {"a"}}), sharding({{}, {}})}) {
    std::vector<Tensor> locals;
    for (int64_t d = 0; d < 4; ++d)
      locals.push_back(extractShard(g, s, m, d));
    Tensor back = assembleGlobal(locals, s, m, g.type);
    EXPECT_EQ(back.type, g.type);
    EXPECT_EQ(back.data, g.data) << s.str();
  }
}

TEST(ShardUtil, AssembleIgnoresPaddingAndKeepsOneReplica) {
  Mesh m = mesh2x2();
  Sharding s = sharding({{"a"}});
  TensorType g(DType::F32, {3});
  // Replicas along b disagree on purpose: the one at b=0 is taken; device 2's padding too.
  std::vector<Tensor> locals = {
      Tensor(TensorType(DType::F32, {2}), {1, 2}), Tensor(TensorType(DType::F32, {2}), {-1, -1}),
      Tensor(TensorType(DType::F32, {2}), {3, 99}), Tensor(TensorType(DType::F32, {2}), {-1, -1})};
  EXPECT_EQ(assembleGlobal(locals, s, m, g).data, (std::vector<double>{1, 2, 3}));
}

TEST(ShardUtil, UnreducedIsSummed) {
  Mesh m = mesh2x2();
  Sharding s = sharding({{"a"}, {}}, {"b"});
  TensorType g(DType::F32, {2, 2});
  std::vector<Tensor> locals;
  for (int d = 0; d < 4; ++d)
    locals.push_back(Tensor(TensorType(DType::F32, {1, 2}), {10.0 * d, 10.0 * d + 1}));
  // Row a=0 sums devices 0 and 1, row a=1 devices 2 and 3.
  EXPECT_EQ(assembleGlobal(locals, s, m, g).data, (std::vector<double>{10, 12, 50, 52}));
  Tensor x = iota(g);
  EXPECT_TRUE(holdsUnreducedValue(s, m, 2));
  EXPECT_FALSE(holdsUnreducedValue(s, m, 3));
  EXPECT_EQ(extractShard(x, s, m, 3).data, (std::vector<double>{0, 0}));
  std::vector<Tensor> parts;
  for (int d = 0; d < 4; ++d)
    parts.push_back(extractShard(x, s, m, d));
  EXPECT_EQ(assembleGlobal(parts, s, m, g).data, x.data);
}

TEST(ShardUtil, RejectsMismatches) {
  Mesh m = mesh2x2();
  Sharding s = sharding({{"a"}});
  TensorType g(DType::F32, {4});
  std::vector<Tensor> three(3, Tensor(TensorType(DType::F32, {2})));
  EXPECT_THROW(assembleGlobal(three, s, m, g), std::runtime_error);
  std::vector<Tensor> wrong(4, Tensor(TensorType(DType::F32, {4})));
  EXPECT_THROW(assembleGlobal(wrong, s, m, g), std::runtime_error);
  EXPECT_THROW(extractShard(Tensor(TensorType(DType::F32, {2, 2})), s, m, 0), std::runtime_error);
}
