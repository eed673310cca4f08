// partita-train's batch source (tools/driver/TrainData.h, over frontends/data) and its
// checkpoint ownership rule (tools/driver/TrainCheckpoint.h): hand-checked packed rows, and
// which device writes each shard region.
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
  // Three documents after the blank lines: "ab", "c\nd", "e"; rows of 5 tokens. A document
  // that does not fit in the rest of a started row begins the next one.
  std::string path = writeTemp("pack.txt", "ab\n\n\n\nc\nd\n\ne\n");
  std::string err;
  auto src = openBatchSource(path, 5, 256, &err);
  ASSERT_TRUE(src) << err;
  // Tokens: a b EOD | c \n d EOD | e EOD. "c \n d EOD" does not fit after "a b EOD", and
  // "e EOD" not after it: [a b EOD pad pad], [c \n d EOD pad], [e EOD pad pad pad].
  ASSERT_EQ(src->numRows(), 3);
  BatchRows r = src->rows(0, 3);
  EXPECT_EQ(r.labels, (std::vector<int32_t>{'a', 'b', 256, 0, 0, 'c', '\n', 'd', 256, 0, 'e',
                                            256, 0, 0, 0}));
  // The input is the label shifted right within its segment, 0 (BOS) where one starts.
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 'a', 'b', 0, 0, 0, 'c', '\n', 'd', 0, 0, 'e', 0, 0,
                                         0}));
  EXPECT_EQ(r.segments, (std::vector<int32_t>{1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(r.positions, (std::vector<int32_t>{0, 1, 2, 0, 0, 0, 1, 2, 3, 0, 0, 1, 0, 0, 0}));
  // Rows wrap around the stream: row 4 is row 1.
  BatchRows w = src->rows(4, 5);
  EXPECT_EQ(w.labels, (std::vector<int32_t>{'c', '\n', 'd', 256, 0}));
}

TEST(TrainData, ReadsANpyTokenStream) {
  Tensor t(TensorType(DType::I32, {7}), {5, 6, 9, 7, 9, 8, 1});
  std::string path = ::testing::TempDir() + "tokens.npy", err;
  ASSERT_TRUE(writeNpy(path, t, &err)) << err;
  auto src = openBatchSource(path, 3, 9, &err);
  ASSERT_TRUE(src) << err;
  // Documents [5 6 9] [7 9] [8 1] (9 ends a document), rows of 3; [7 9] fills row 1 with
  // padding since [8 1] does not fit after it.
  BatchRows r = src->rows(0, src->numRows());
  EXPECT_EQ(r.labels, (std::vector<int32_t>{5, 6, 9, 7, 9, 0, 8, 1, 0}));
  EXPECT_EQ(r.segments, (std::vector<int32_t>{1, 1, 1, 1, 1, 0, 1, 1, 0}));
}

TEST(TrainData, ReportsTheLoadersErrors) {
  std::string err;
  EXPECT_FALSE(openBatchSource(writeTemp("short.txt", "abc\n"), 8, 256, &err));
  EXPECT_NE(err.find("short.txt: error:"), std::string::npos) << err;
  EXPECT_NE(err.find("shorter than one row of 8"), std::string::npos) << err;
  EXPECT_FALSE(openBatchSource("/nonexistent/data.txt", 2, 256, &err));
  EXPECT_EQ(err.rfind("/nonexistent/data.txt: error:", 0), 0u) << err;
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
