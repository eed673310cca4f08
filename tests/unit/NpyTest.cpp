// .npy reading and writing: round trips per dtype, NumPy's byte layout, converted '<f8' and
// '<i8' files, boxes read with padding, and clear errors for damaged or mismatched files.
#include "ir/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace partita;
namespace fs = std::filesystem;

namespace {

class NpyTest : public ::testing::Test {
protected:
  fs::path dir;
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "partita-npy-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string path(const std::string &name) const { return (dir / name).string(); }

  std::string writeRaw(const std::string &name, const std::string &bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }
  std::string readRaw(const std::string &p) const {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // A version 1.0 file with the given header dict and raw data, padded as NumPy pads.
  std::string npy(const std::string &dict, const std::string &data) const {
    std::string h = dict;
    while ((10 + h.size() + 1) % 64)
      h += ' ';
    h += '\n';
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += (char)(h.size() & 0xff);
    out += (char)(h.size() >> 8);
    return out + h + data;
  }
  std::string error(const std::string &p) const {
    Tensor t;
    std::string err;
    EXPECT_FALSE(readNpy(p, &t, &err)) << p;
    EXPECT_FALSE(err.empty());
    return err;
  }
};

template <class T> std::string bytesOf(std::initializer_list<T> v) {
  std::string s;
  for (T x : v)
    s.append((const char *)&x, sizeof(T));
  return s;
}

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

} // namespace

TEST_F(NpyTest, RoundTripsEveryDType) {
  std::vector<Tensor> cases = {
      Tensor(TensorType(DType::F32, {2, 3}), {0.5, -1.25, 3, 0x1p-100, -0.0, 7}),
      Tensor(TensorType(DType::I32, {4}), {-2147483648.0, -1, 0, 2147483647}),
      Tensor(TensorType(DType::I1, {2, 2}), {1, 0, 0, 1}),
      Tensor(TensorType(DType::F32, {}), {42}),
      Tensor(TensorType(DType::I32, {0, 3}), {}),
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string p = path(std::to_string(i).append(".npy")), err;
    ASSERT_TRUE(writeNpy(p, cases[i], &err)) << err;
    Tensor back;
    ASSERT_TRUE(readNpy(p, &back, &err)) << err;
    EXPECT_EQ(back.type, cases[i].type);
    EXPECT_EQ(back.data, cases[i].data);
    EXPECT_EQ(readRaw(p).size() % 64, (size_t)(back.size() * dtypeBytes(back.type.dtype)) % 64);
  }
}

TEST_F(NpyTest, Bf16TravelsAsF32AndRoundsOnReading) {
  std::string err;
  Tensor t(TensorType(DType::BF16, {2}), {1.5, -2});
  ASSERT_TRUE(writeNpy(path("b.npy"), t, &err)) << err;
  Tensor f;
  ASSERT_TRUE(readNpy(path("b.npy"), &f, &err));
  EXPECT_EQ(f.type, TensorType(DType::F32, {2}));
  // f32 data read as bf16 rounds to nearest even.
  ASSERT_TRUE(
      writeNpy(path("f.npy"), Tensor(TensorType(DType::F32, {2}), {1.00390625, 1.01171875}), &err));
  Tensor b;
  ASSERT_TRUE(readNpyAs(path("f.npy"), TensorType(DType::BF16, {2}), &b, &err)) << err;
  EXPECT_EQ(b.type.dtype, DType::BF16);
  EXPECT_EQ(b.data, (std::vector<double>{1.0, 1.015625}));
}

TEST_F(NpyTest, WritesNumPysLayout) {
  std::string err;
  ASSERT_TRUE(writeNpy(path("x.npy"), Tensor(TensorType(DType::F32, {3}), {1, 2, 3}), &err));
  std::string want =
      npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", bytesOf<float>({1, 2, 3}));
  EXPECT_EQ(readRaw(path("x.npy")), want);
}

TEST_F(NpyTest, ReadsNumPyFilesIncludingF8AndI8) {
  Tensor t;
  std::string err;
  // As NumPy writes them (no trailing comma inside the shape of rank 2, double quotes ok).
  std::string p =
      writeRaw("a.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }",
                            bytesOf<double>({0.1, -3})));
  ASSERT_TRUE(readNpy(p, &t, &err)) << err;
  EXPECT_EQ(t.type, TensorType(DType::F32, {2, 1}));
  EXPECT_EQ(t.data, (std::vector<double>{(double)0.1f, -3}));
  p = writeRaw("b.npy", npy("{\"descr\": \"<i8\", \"shape\": (3,), \"fortran_order\": False}",
                            bytesOf<int64_t>({5, -6, 2147483647})));
  ASSERT_TRUE(readNpy(p, &t, &err)) << err;
  EXPECT_EQ(t.type, TensorType(DType::I32, {3}));
  EXPECT_EQ(t.data, (std::vector<double>{5, -6, 2147483647}));
  p = writeRaw("c.npy", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
                            bytesOf<int64_t>({1ll << 40})));
  EXPECT_TRUE(contains(error(p), "does not fit in i32"));
  p = writeRaw("d.npy", npy("{'descr': '|b1', 'fortran_order': False, 'shape': (), }",
                            std::string("\x02", 1)));
  ASSERT_TRUE(readNpy(p, &t, &err)) << err;
  EXPECT_EQ(t.type, TensorType(DType::I1, {}));
  EXPECT_EQ(t.data, std::vector<double>{1});
}

TEST_F(NpyTest, DamagedFilesGiveClearErrors) {
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
  EXPECT_TRUE(contains(error(path("missing.npy")), "cannot open"));
  fs::create_directory(path("dir.npy"));
  EXPECT_TRUE(contains(error(path("dir.npy")), "is a directory"));
  EXPECT_TRUE(contains(error(writeRaw("empty.npy", "")), "bad magic"));
  EXPECT_TRUE(contains(error(writeRaw("magic.npy", "PK\x03\x04 not numpy at all")), "bad magic"));
  EXPECT_TRUE(
      contains(error(writeRaw("trunc.npy", npy(dict, bytesOf<float>({1, 2, 3})))), "truncated"));
  std::string full = npy(dict, bytesOf<float>({1, 2, 3, 4}));
  EXPECT_TRUE(contains(error(writeRaw("hdr.npy", full.substr(0, 30))), "header"));
  EXPECT_TRUE(contains(error(writeRaw("short.npy", full.substr(0, 9))), "header"));
  std::string version = full;
  version[6] = 9;
  EXPECT_TRUE(contains(error(writeRaw("v9.npy", version)), "version"));
  EXPECT_TRUE(contains(
      error(writeRaw("f.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }",
                                  bytesOf<float>({1, 2, 3, 4})))),
      "Fortran"));
  EXPECT_TRUE(contains(
      error(writeRaw("u.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }",
                                  bytesOf<float>({1, 2, 3, 4})))),
      "unsupported array type '>f4'"));
  for (const char *bad :
       {"{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4,", "[1, 2]",
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }"})
    EXPECT_FALSE(error(writeRaw("bad.npy", npy(bad, bytesOf<float>({1, 2, 3, 4})))).empty()) << bad;
  // Every prefix of a good file fails cleanly.
  for (size_t n = 0; n < full.size(); ++n)
    error(writeRaw("prefix.npy", full.substr(0, n)));
}

TEST_F(NpyTest, ReadAsChecksShapeAndDType) {
  std::string err;
  ASSERT_TRUE(writeNpy(path("x.npy"), Tensor(TensorType(DType::I32, {8, 16})), &err));
  Tensor t;
  EXPECT_FALSE(readNpyAs(path("x.npy"), TensorType(DType::F32, {8, 16}), &t, &err));
  EXPECT_TRUE(contains(err, "expected f32[8,16]")) << err;
  EXPECT_TRUE(contains(err, "i32[8,16]")) << err;
  EXPECT_FALSE(readNpyAs(path("x.npy"), TensorType(DType::I32, {16, 8}), &t, &err));
  EXPECT_TRUE(contains(err, "(8, 16)") && contains(err, "expected i32[16,8]")) << err;
  EXPECT_TRUE(readNpyAs(path("x.npy"), TensorType(DType::I32, {8, 16}), &t, &err)) << err;
}

TEST_F(NpyTest, ReadSliceReadsABoxWithZeroPadding) {
  std::string err;
  Tensor g(TensorType(DType::F32, {3, 4}), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  ASSERT_TRUE(writeNpy(path("g.npy"), g, &err));
  Tensor box;
  ASSERT_TRUE(readNpySlice(path("g.npy"), g.type, {1, 1}, {2, 2}, &box, &err)) << err;
  EXPECT_EQ(box.type, TensorType(DType::F32, {2, 2}));
  EXPECT_EQ(box.data, (std::vector<double>{5, 6, 9, 10}));
  // Rows 2..3 and columns 2..4 of a 3x4 array: only row 2, columns 2..3 exist.
  ASSERT_TRUE(readNpySlice(path("g.npy"), g.type, {2, 2}, {2, 3}, &box, &err)) << err;
  EXPECT_EQ(box.data, (std::vector<double>{10, 11, 0, 0, 0, 0}));
  ASSERT_TRUE(readNpySlice(path("g.npy"), g.type, {3, 0}, {1, 4}, &box, &err)) << err;
  EXPECT_EQ(box.data, (std::vector<double>{0, 0, 0, 0}));
  EXPECT_FALSE(
      readNpySlice(path("g.npy"), TensorType(DType::F32, {4, 3}), {0, 0}, {1, 1}, &box, &err));
  EXPECT_TRUE(contains(err, "expected f32[4,3]")) << err;
  // Scalars, and i8 data converted row by row.
  ASSERT_TRUE(writeNpy(path("s.npy"), Tensor(TensorType(DType::I32, {}), {7}), &err));
  ASSERT_TRUE(readNpySlice(path("s.npy"), TensorType(DType::I32, {}), {}, {}, &box, &err)) << err;
  EXPECT_EQ(box.data, std::vector<double>{7});
  std::string p =
      writeRaw("l.npy", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }",
                            bytesOf<int64_t>({1, 2, 3, 4})));
  ASSERT_TRUE(readNpySlice(p, TensorType(DType::I32, {2, 2}), {0, 1}, {2, 2}, &box, &err)) << err;
  EXPECT_EQ(box.data, (std::vector<double>{2, 0, 4, 0}));
}

TEST_F(NpyTest, WriteIsAtomicAndReportsFailures) {
  std::string err;
  ASSERT_TRUE(writeNpy(path("x.npy"), Tensor(TensorType(DType::F32, {1}), {1}), &err));
  ASSERT_TRUE(writeNpy(path("x.npy"), Tensor(TensorType(DType::F32, {2}), {2, 3}), &err));
  Tensor t;
  ASSERT_TRUE(readNpy(path("x.npy"), &t, &err));
  EXPECT_EQ(t.data, (std::vector<double>{2, 3}));
  size_t files = 0;
  for ([[maybe_unused]] auto &e : fs::directory_iterator(dir))
    ++files;
  EXPECT_EQ(files, 1u); // no temporary left behind
  EXPECT_FALSE(writeNpy(path("no/such/dir/x.npy"), t, &err));
  EXPECT_TRUE(contains(err, "cannot write")) << err;
}
