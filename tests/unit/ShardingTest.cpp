// Mesh and sharding geometry: device numbering, shard sizes, offsets and uneven shards.
#include "ir/Sharding.h"

#include <gtest/gtest.h>

using namespace partita;

static Mesh mesh2x3() {
  Mesh m;
  m.name = std::string(1, 'm'); // not = "m": GCC 12 -Wrestrict false positive
  m.axes = {{"data", 2}, {"model", 3}};
  return m;
}

TEST(Mesh, RowMajorDevices) {
  Mesh m = mesh2x3();
  EXPECT_EQ(m.numDevices(), 6);
  EXPECT_EQ(m.coords(4), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(m.deviceOf({1, 2}), 5);
  EXPECT_EQ(m.groupIndex(5, {"model", "data"}), 2 * 2 + 1);
  EXPECT_EQ(m.groupSize({"data", "model"}), 6);
}

TEST(Sharding, UnevenShardsAndOffsets) {
  Mesh m = mesh2x3();
  Sharding s;
  s.mesh = "m";
  s.dims = {{"model"}, {}};
  TensorType t(DType::F32, {7, 4});
  EXPECT_EQ(s.localType(t, m), TensorType(DType::F32, {3, 4}));
  // Device 2 is data=0, model=2: rows [6, 9) of which only row 6 exists.
  EXPECT_EQ(s.offsets(2, t, m), (std::vector<int64_t>{6, 0}));
  EXPECT_EQ(s.validSize(0, 2, t, m), 1);
  EXPECT_EQ(s.validSize(0, 1, t, m), 3);
}

TEST(Sharding, ValidateRejectsBadShardings) {
  Mesh m = mesh2x3();
  TensorType t(DType::F32, {4, 4});
  Sharding twice;
  twice.mesh = "m";
  twice.dims = {{"data"}, {"data"}};
  EXPECT_NE(twice.validate(t, m).find("more than once"), std::string::npos);
  Sharding unknown;
  unknown.mesh = "m";
  unknown.dims = {{"pipe"}, {}};
  EXPECT_NE(unknown.validate(t, m).find("unknown axis"), std::string::npos);
  Sharding rank;
  rank.mesh = "m";
  rank.dims = {{}};
  EXPECT_NE(rank.validate(t, m).find("rank"), std::string::npos);
  Sharding ok;
  ok.mesh = "m";
  ok.dims = {{"model", "data"}, {}};
  EXPECT_EQ(ok.validate(t, m), "");
  EXPECT_EQ(ok.str(), "<@m, [{\"model\", \"data\"}, {}]>");
}
