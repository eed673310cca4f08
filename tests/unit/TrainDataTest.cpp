// partita-train's built-in loader (tools/driver/TrainData.h) and its checkpoint ownership
// rule (tools/driver/TrainCheckpoint.h): the packing of the training-step contract on
// small hand-checked inputs, and which device writes each shard region.
#include "tools/driver/TrainData.h"
#include "ir/Npy.h"
#include "tools/driver/TrainCheckpoint.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

using namespace partita;
using namespace partita::driver;

namespace {

std::string writeTemp(const std::string &name, const std::string &text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<int32_t> bytes(const std::string &s) {
  return std::vector<int32_t>(s.begin(), s.end());
}

TEST(TrainData, PacksDocumentsIntoSegmentsWithShiftedIds) {
  // Two documents ("ab", "c\nd" after the blank lines, the CR dropped); rows of 4 tokens.
  std::string path = writeTemp("pack.txt", "ab\n\n\r\n\nc\nd\n");
  std::string err;
  auto src = openBatchSource(path, 4, 256, &err);
  ASSERT_TRUE(src) << err;
  // Tokens: a b EOD | c \n d EOD -> row 0 = [a b EOD c], row 1 = [\n d EOD pad].
  ASSERT_EQ(src->numRows(), 2);
  BatchRows r = src->rows(0, 2);
  EXPECT_EQ(r.labels, (std::vector<int32_t>{'a', 'b', 256, 'c', '\n', 'd', 256, 0}));
  // The input is the label shifted right within its segment, 0 (BOS) where one starts; the
  // second document continues in row 1 as a new segment.
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 'a', 'b', 0, 0, '\n', 'd', 0}));
  EXPECT_EQ(r.segments, (std::vector<int32_t>{1, 1, 1, 2, 1, 1, 1, 0}));
  EXPECT_EQ(r.positions, (std::vector<int32_t>{0, 1, 2, 0, 0, 1, 2, 0}));
  // Rows wrap around the stream.
  BatchRows w = src->rows(3, 4);
  EXPECT_EQ(w.labels, (std::vector<int32_t>{'\n', 'd', 256, 0}));
}

TEST(TrainData, ReadsANpyTokenStream) {
  Tensor t(TensorType(DType::I32, {7}), {5, 6, 9, 7, 9, 8, 1});
  std::string path = ::testing::TempDir() + "tokens.npy", err;
  ASSERT_TRUE(writeNpy(path, t, &err)) << err;
  auto src = openBatchSource(path, 3, 9, &err);
  ASSERT_TRUE(src) << err;
  // Documents [5 6 9] [7 9] [8 1] (9 ends a document), rows of 3.
  BatchRows r = src->rows(0, src->numRows());
  EXPECT_EQ(r.labels, (std::vector<int32_t>{5, 6, 9, 7, 9, 8, 1, 0, 0}));
  EXPECT_EQ(r.segments, (std::vector<int32_t>{1, 1, 1, 1, 1, 2, 1, 0, 0}));
}

TEST(TrainData, RejectsLessThanOneRowAndOtherArrays) {
  std::string err;
  EXPECT_FALSE(openBatchSource(writeTemp("short.txt", "abc\n"), 8, 256, &err));
  EXPECT_EQ(err, ::testing::TempDir() + "short.txt: error: the data file holds 4 tokens, fewer "
                                        "than one row of 8");
  Tensor f(TensorType(DType::F32, {4}), {1, 2, 3, 4});
  std::string path = ::testing::TempDir() + "floats.npy";
  ASSERT_TRUE(writeNpy(path, f, &err));
  EXPECT_FALSE(openBatchSource(path, 2, 256, &err));
  EXPECT_NE(err.find("a token file must hold a 1-D int32 array, found f32[4]"), std::string::npos)
      << err;
  EXPECT_FALSE(openBatchSource("/nonexistent/data.txt", 2, 256, &err));
  EXPECT_EQ(err, "/nonexistent/data.txt: error: cannot open the data file");
}

TEST(TrainCheckpoint, ExactlyOneDeviceWritesEachRegion) {
  Mesh mesh;
  mesh.name = "m";
  mesh.axes = {{"data", 2}, {"model", 2}};
  TensorType g(DType::F32, {6, 4});
  auto sharded = [](std::vector<std::vector<std::string>> dims, std::vector<std::string> unred) {
    Sharding s;
    s.mesh = "m";
    s.dims = std::move(dims);
    s.unreduced = std::move(unred);
    return s;
  };
  for (const Sharding &s : {sharded({{}, {"model"}}, {}), sharded({{"data"}, {"model"}}, {}),
                            sharded({{}, {}}, {}), sharded({{"model"}, {}}, {"data"})}) {
    std::multiset<std::vector<int64_t>> written;
    std::set<std::vector<int64_t>> regions;
    for (int64_t d = 0; d < 4; ++d) {
      regions.insert(s.offsets(d, g, mesh));
      if (writesShard(s, mesh, d)) written.insert(s.offsets(d, g, mesh));
    }
    EXPECT_EQ(written.size(), regions.size()) << s.str();
    EXPECT_EQ(std::set<std::vector<int64_t>>(written.begin(), written.end()), regions) << s.str();
  }
}

} // namespace
