// The counter-based input generator: determinism, ranges, independence of seeds and names,
// exactness of the float grid, and shards identical to slices of the global tensor.
#include "ir/InputGen.h"
#include "ir/ShardUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

using namespace partita;

namespace {
Mesh mesh2x3() {
  Mesh m;
  m.name = std::string(1, 'm');
  m.axes = {{"data", 2}, {"model", 3}};
  return m;
}
Sharding sharding(std::vector<std::vector<std::string>> dims) {
  Sharding s = Sharding::replicatedOf("m", 0);
  s.dims = std::move(dims);
  return s;
}
} // namespace

TEST(InputGen, DeterministicAndIndependentOfSeedAndName) {
  TensorType t(DType::F32, {64});
  Tensor a = generateTensor(7, "x", t), b = generateTensor(7, "x", t);
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(generateTensor(8, "x", t).data, a.data);
  EXPECT_NE(generateTensor(7, "y", t).data, a.data);
  EXPECT_NE(generateTensor(7, "x.1", t).data, a.data);
  for (int64_t k = 0; k < 64; ++k)
    EXPECT_EQ(generateElement(7, "x", k, DType::F32), a.data[k]);
  // The element at an index does not depend on the tensor's shape.
  Tensor c = generateTensor(7, "x", TensorType(DType::F32, {8, 8}));
  EXPECT_EQ(c.data, a.data);
  EXPECT_EQ(std::set<double>(a.data.begin(), a.data.end()).size(), 64u);
}

TEST(InputGen, FloatsAreExactGridPointsInMinusOneToOne) {
  Tensor a = generateTensor(3, "w", TensorType(DType::F32, {4096}));
  double lo = 1, hi = -1, sum = 0;
  for (double v : a.data) {
    EXPECT_GE(v, -1.0);
    EXPECT_LT(v, 1.0);
    EXPECT_EQ(v, (double)(float)v);
    double k = (v + 1) * 0x1p23; // v = k * 2^-23 - 1 for an integer k
    EXPECT_EQ(k, std::floor(k));
    lo = std::min(lo, v), hi = std::max(hi, v), sum += v;
  }
  EXPECT_LT(lo, -0.99);
  EXPECT_GT(hi, 0.99);
  EXPECT_LT(std::fabs(sum / 4096), 0.05); // uniform: mean near 0 (sd of the mean ~0.009)
  Tensor b = generateTensor(3, "w", TensorType(DType::BF16, {4096}));
  for (int64_t k = 0; k < 4096; ++k)
    EXPECT_EQ(b.data[k], roundTo(DType::BF16, a.data[k]));
}

TEST(InputGen, IntegersAndBooleans) {
  Tensor ids = generateTensor(1, "ids", TensorType(DType::I32, {2000}), 5);
  std::vector<int> hist(5, 0);
  for (double v : ids.data) {
    ASSERT_GE(v, 0);
    ASSERT_LT(v, 5);
    EXPECT_EQ(v, std::floor(v));
    ++hist[(int)v];
  }
  for (int h : hist)
    EXPECT_GT(h, 300); // expected 400 each
  Tensor one = generateTensor(1, "ids", TensorType(DType::I32, {10}), 1);
  for (double v : one.data)
    EXPECT_EQ(v, 0);
  Tensor p = generateTensor(1, "mask", TensorType(DType::I1, {2000}));
  int ones = 0;
  for (double v : p.data) {
    ASSERT_TRUE(v == 0 || v == 1);
    ones += (int)v;
  }
  EXPECT_GT(ones, 900);
  EXPECT_LT(ones, 1100);
  EXPECT_THROW(generateTensor(1, "ids", TensorType(DType::I32, {2}), 0), std::runtime_error);
}

TEST(InputGen, ShardEqualsSliceOfTheGlobal) {
  Mesh m = mesh2x3();
  TensorType g(DType::F32, {7, 5});
  Tensor global = generateTensor(11, "x", g);
  for (const Sharding &s : {sharding({{"model"}, {"data"}}), sharding({{"data", "model"}, {}}),
                            sharding({{}, {"model"}}), sharding({{}, {}})}) {
    for (int64_t d = 0; d < m.numDevices(); ++d) {
      Tensor shard = generateShard(11, "x", g, s, m, d);
      Tensor want = extractShard(global, s, m, d);
      EXPECT_EQ(shard.type, want.type) << s.str();
      EXPECT_EQ(shard.data, want.data) << s.str() << " device " << d;
    }
  }
  // Device 2 (data=0, model=2) holds rows [6, 9) of 7: one valid row, then zero padding.
  Tensor shard = generateShard(11, "x", g, sharding({{"model"}, {}}), m, 2);
  ASSERT_EQ(shard.type, TensorType(DType::F32, {3, 5}));
  for (int j = 0; j < 5; ++j)
    EXPECT_EQ(shard.data[j], global.data[6 * 5 + j]);
  for (int k = 5; k < 15; ++k)
    EXPECT_EQ(shard.data[k], 0);
}

TEST(InputGen, UnreducedShardsSumToTheValue) {
  Mesh m = mesh2x3();
  Sharding s = sharding({{"data"}, {}});
  s.unreduced = {"model"};
  TensorType g(DType::I32, {4, 2});
  Tensor global = generateTensor(5, "u", g, 100);
  std::vector<Tensor> shards;
  for (int64_t d = 0; d < 6; ++d)
    shards.push_back(generateShard(5, "u", g, s, m, d, 100));
  for (double v : shards[1].data)
    EXPECT_EQ(v, 0); // model=1 holds a zero summand
  EXPECT_EQ(assembleGlobal(shards, s, m, g).data, global.data);
}
