// The packed-row data loader (frontends/data/Packing.h): hand-computed rows of small texts
// and token files, every row range and batch checked against a straightforward packing
// written here (documents from an independent split of the text, then rows filled one
// token at a time), and every error.
#include "frontends/data/Packing.h"
#include "ir/Npy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

using namespace partita;

namespace {

std::string tempPath(const std::string &name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("partita-packing-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string writeText(const std::string &name, const std::string &text) {
  std::string p = tempPath(name);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::string writeTokens(const std::string &name, const std::vector<int64_t> &tokens,
                        DType d = DType::I32, std::vector<int64_t> shape = {}) {
  if (shape.empty()) shape = {(int64_t)tokens.size()};
  Tensor t(TensorType(d, shape));
  for (size_t i = 0; i < tokens.size(); ++i)
    t.data[i] = (double)tokens[i];
  std::string p = tempPath(name), err;
  EXPECT_TRUE(writeNpy(p, t, &err)) << err;
  return p;
}

std::unique_ptr<PackedDataset> openOk(const std::string &path, int64_t seq, PackingOptions o = {}) {
  std::string err;
  auto ds = PackedDataset::open(path, seq, o, &err);
  EXPECT_TRUE(ds) << err;
  return ds;
}

PackedRows rows(const PackedDataset &ds, int64_t r0, int64_t r1) {
  PackedRows out;
  std::string err;
  EXPECT_TRUE(ds.readRows(r0, r1, &out, &err)) << err;
  return out;
}

// One row as the four hand-written fields.
struct Row {
  std::vector<int32_t> ids, labels, segments, positions;
};

void expectRow(const PackedRows &p, int64_t r, const Row &want) {
  auto slice = [&](const std::vector<int32_t> &f) {
    return std::vector<int32_t>(f.begin() + r * p.seq, f.begin() + (r + 1) * p.seq);
  };
  EXPECT_EQ(slice(p.ids), want.ids) << "ids of row " << r;
  EXPECT_EQ(slice(p.labels), want.labels) << "labels of row " << r;
  EXPECT_EQ(slice(p.segments), want.segments) << "segments of row " << r;
  EXPECT_EQ(slice(p.positions), want.positions) << "positions of row " << r;
}

// ---- The straightforward packing ----

// Documents of a text: split into lines, a run of non-blank lines is one document, its
// lines joined by '\n' (a '\r' before the last line's '\n' dropped), then the EOD id.
std::vector<std::vector<int32_t>> textDocuments(const std::string &text, int32_t eod) {
  std::vector<std::string> lines;
  std::string cur;
  for (char ch : text) {
    if (ch == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  auto isBlank = [](const std::string &l) {
    return l.find_first_not_of(" \t\r") == std::string::npos;
  };
  std::vector<std::vector<int32_t>> docs;
  std::string doc;
  bool open = false;
  auto close = [&] {
    if (!open) return;
    if (!doc.empty() && doc.back() == '\r') doc.pop_back();
    std::vector<int32_t> d(doc.begin(), doc.end());
    for (int32_t &t : d)
      t = (unsigned char)t;
    d.push_back(eod);
    docs.push_back(d);
    doc.clear();
    open = false;
  };
  for (const std::string &l : lines) {
    if (isBlank(l)) {
      close();
      continue;
    }
    if (open) doc += '\n';
    doc += l;
    open = true;
  }
  close();
  return docs;
}

// Rows of `seq` filled token by token: a document starts a new row unless it fits in what
// is left of the current one; a full row closes; each piece of a document in a row is a
// segment.
std::vector<Row> packReference(const std::vector<std::vector<int32_t>> &docs, int64_t seq) {
  std::vector<Row> out;
  Row row;
  int32_t segment = 0;
  auto flush = [&] {
    while ((int64_t)row.ids.size() < seq) {
      row.ids.push_back(0), row.labels.push_back(0), row.segments.push_back(0);
      row.positions.push_back(0);
    }
    out.push_back(row);
    row = Row();
    segment = 0;
  };
  for (const auto &d : docs) {
    if (!row.ids.empty() && (int64_t)(d.size() + row.ids.size()) > seq) flush();
    int32_t pos = 0;
    ++segment;
    for (size_t i = 0; i < d.size(); ++i) {
      if ((int64_t)row.ids.size() == seq) {
        flush();
        segment = 1;
        pos = 0;
      }
      row.ids.push_back(pos == 0 ? 0 : d[i - 1]);
      row.labels.push_back(d[i]);
      row.segments.push_back(segment);
      row.positions.push_back(pos++);
    }
    if ((int64_t)row.ids.size() == seq) flush();
  }
  if (!row.ids.empty()) flush();
  return out;
}

// ---- Hand-computed rows ----

TEST(Packing, TextRowsByHand) {
  // "ab" (3 tokens with EOD), "cde" (4), "fg h\nij" (8: a document longer than a row).
  std::string p = writeText("hand.txt", "ab\n\ncde\n \t\n\nfg h\nij\n");
  auto ds = openOk(p, 4);
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->numDocuments(), 3);
  EXPECT_EQ(ds->numTokens(), 15);
  ASSERT_EQ(ds->numRows(), 4);
  PackedRows all = rows(*ds, 0, 4);
  // "cde" does not fit in the last slot of row 0: padding, then a row of its own.
  expectRow(all, 0, {{0, 'a', 'b', 0}, {'a', 'b', 256, 0}, {1, 1, 1, 0}, {0, 1, 2, 0}});
  expectRow(all, 1, {{0, 'c', 'd', 'e'}, {'c', 'd', 'e', 256}, {1, 1, 1, 1}, {0, 1, 2, 3}});
  expectRow(all, 2, {{0, 'f', 'g', ' '}, {'f', 'g', ' ', 'h'}, {1, 1, 1, 1}, {0, 1, 2, 3}});
  // The continuation is a new segment: BOS again, positions from 0.
  expectRow(all, 3, {{0, '\n', 'i', 'j'}, {'\n', 'i', 'j', 256}, {1, 1, 1, 1}, {0, 1, 2, 3}});

  // With rows of 8 the first two documents share a row as segments 1 and 2.
  auto ds8 = openOk(p, 8);
  ASSERT_TRUE(ds8);
  ASSERT_EQ(ds8->numRows(), 2);
  PackedRows r8 = rows(*ds8, 0, 2);
  expectRow(r8, 0,
            {{0, 'a', 'b', 0, 'c', 'd', 'e', 0},
             {'a', 'b', 256, 'c', 'd', 'e', 256, 0},
             {1, 1, 1, 2, 2, 2, 2, 0},
             {0, 1, 2, 0, 1, 2, 3, 0}});
  expectRow(r8, 1,
            {{0, 'f', 'g', ' ', 'h', '\n', 'i', 'j'},
             {'f', 'g', ' ', 'h', '\n', 'i', 'j', 256},
             {1, 1, 1, 1, 1, 1, 1, 1},
             {0, 1, 2, 3, 4, 5, 6, 7}});
}

TEST(Packing, LongDocumentContinuesAndShares) {
  // "abcdefg" (8 tokens) over rows of 5: the rest (3) shares row 1 with "x" (2).
  std::string p = writeText("long.txt", "\n\nabcdefg\r\n\r\nx");
  auto ds = openOk(p, 5);
  ASSERT_TRUE(ds);
  ASSERT_EQ(ds->numRows(), 2);
  PackedRows all = rows(*ds, 0, 2);
  expectRow(all, 0,
            {{0, 'a', 'b', 'c', 'd'}, {'a', 'b', 'c', 'd', 'e'}, {1, 1, 1, 1, 1}, {0, 1, 2, 3, 4}});
  expectRow(all, 1,
            {{0, 'f', 'g', 0, 'x'}, {'f', 'g', 256, 'x', 256}, {1, 1, 1, 2, 2}, {0, 1, 2, 0, 1}});
}

TEST(Packing, NpyRowsByHand) {
  // EOD 9: documents [5 6 9], [7 9], (an empty one skipped), [8 8 8] without a final EOD.
  std::string p = writeTokens("hand.npy", {5, 6, 9, 7, 9, 9, 8, 8, 8});
  PackingOptions o;
  o.eodId = 9;
  o.vocab = 10;
  auto ds = openOk(p, 4, o);
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->numDocuments(), 3);
  EXPECT_EQ(ds->numTokens(), 8);
  ASSERT_EQ(ds->numRows(), 3);
  PackedRows all = rows(*ds, 0, 3);
  expectRow(all, 0, {{0, 5, 6, 0}, {5, 6, 9, 0}, {1, 1, 1, 0}, {0, 1, 2, 0}});
  expectRow(all, 1, {{0, 7, 0, 0}, {7, 9, 0, 0}, {1, 1, 0, 0}, {0, 1, 0, 0}});
  expectRow(all, 2, {{0, 8, 8, 0}, {8, 8, 8, 0}, {1, 1, 1, 0}, {0, 1, 2, 0}});
  // Forced text format reads the same file as bytes (a different packing, no error).
  o.format = PackingOptions::Format::Text;
  o.eodId = 256;
  o.vocab = 0;
  std::string err;
  EXPECT_TRUE(PackedDataset::open(p, 4, o, &err)) << err;
}

// ---- Against the straightforward packing ----

std::string randomText(std::mt19937 &rng, int paragraphs) {
  std::string text;
  std::uniform_int_distribution<int> len(0, 30), pick(0, 99), byte(0, 255);
  for (int p = 0; p < paragraphs; ++p) {
    int lines = 1 + pick(rng) % 3;
    for (int l = 0; l < lines; ++l) {
      int n = 1 + len(rng);
      for (int i = 0; i < n; ++i) {
        int b = byte(rng);
        if (b == '\n' || b == '\r' || b == ' ' || b == '\t') b = 'q';
        text += (char)b;
      }
      text += pick(rng) < 20 ? "\r\n" : "\n";
    }
    int blanks = 1 + pick(rng) % 3;
    for (int b = 0; b < blanks; ++b)
      text += pick(rng) < 30 ? "  \t\n" : "\n";
  }
  return text;
}

void expectSameAsReference(const PackedDataset &ds, const std::vector<Row> &ref) {
  ASSERT_EQ(ds.numRows(), (int64_t)ref.size());
  PackedRows all = rows(ds, 0, ds.numRows());
  for (int64_t r = 0; r < ds.numRows(); ++r)
    expectRow(all, r, ref[(size_t)r]);
  // Every range is the slice of the whole stream (every 1 in `stride` start and end rows
  // on long streams, ends included).
  int64_t R = ds.numRows(), stride = 1 + R / 24;
  auto next = [&](int64_t r) { return r == R ? R + 1 : std::min(R, r + stride); };
  for (int64_t r0 = 0; r0 <= R; r0 = next(r0))
    for (int64_t r1 = r0; r1 <= R; r1 = next(r1)) {
      PackedRows part = rows(ds, r0, r1);
      ASSERT_EQ(part.rows, r1 - r0);
      for (int64_t r = r0; r < r1; ++r)
        expectRow(part, r - r0, ref[(size_t)r]);
    }
}

TEST(Packing, RandomTextsMatchStraightforwardPacking) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 6; ++trial) {
    std::string text = randomText(rng, 4 + trial * 3);
    std::string p = writeText("random" + std::to_string(trial) + ".txt", text);
    auto docs = textDocuments(text, 256);
    for (int64_t seq : {1, 3, 8, 17, 40}) {
      int64_t tokens = 0;
      for (auto &d : docs)
        tokens += (int64_t)d.size();
      if (tokens < seq) continue;
      auto ds = openOk(p, seq);
      ASSERT_TRUE(ds);
      EXPECT_EQ(ds->numDocuments(), (int64_t)docs.size());
      SCOPED_TRACE("trial " + std::to_string(trial) + " seq " + std::to_string(seq));
      expectSameAsReference(*ds, packReference(docs, seq));
    }
  }
}

TEST(Packing, RandomTokenStreamsMatchStraightforwardPacking) {
  std::mt19937 rng(9);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<int64_t> stream;
    std::vector<std::vector<int32_t>> docs;
    std::vector<int32_t> doc;
    int n = 20 + 37 * trial;
    for (int i = 0; i < n; ++i) {
      int64_t t = rng() % 8 == 0 ? 300 : (int64_t)(rng() % 300);
      stream.push_back(t);
      doc.push_back((int32_t)t);
      if (t == 300) {
        if (doc.size() > 1) docs.push_back(doc);
        doc.clear();
      }
    }
    if (!doc.empty()) docs.push_back(doc);
    std::string p = writeTokens("stream" + std::to_string(trial) + ".npy", stream);
    PackingOptions o;
    o.eodId = 300;
    o.vocab = 301;
    for (int64_t seq : {2, 5, 16}) {
      auto ds = openOk(p, seq, o);
      ASSERT_TRUE(ds);
      SCOPED_TRACE("trial " + std::to_string(trial) + " seq " + std::to_string(seq));
      expectSameAsReference(*ds, packReference(docs, seq));
    }
  }
}

TEST(Packing, BatchesWrapAroundTheRows) {
  std::mt19937 rng(2);
  std::string text = randomText(rng, 12);
  std::string p = writeText("batches.txt", text);
  auto ref = packReference(textDocuments(text, 256), 16);
  auto ds = openOk(p, 16);
  ASSERT_TRUE(ds);
  int64_t R = ds->numRows();
  ASSERT_GT(R, 3);
  for (int64_t batch : {int64_t(1), int64_t(3), R + 2})
    for (int64_t step : {0, 1, 5, 1000000007})
      for (int64_t first = 0; first < batch; first += 2) {
        int64_t count = std::min<int64_t>(2, batch - first);
        PackedRows b;
        std::string err;
        ASSERT_TRUE(ds->readBatch(step, batch, first, count, &b, &err)) << err;
        ASSERT_EQ(b.rows, count);
        for (int64_t i = 0; i < count; ++i)
          expectRow(b, i, ref[(size_t)((step * batch + first + i) % R)]);
      }
  PackedRows b;
  std::string err;
  EXPECT_FALSE(ds->readBatch(-1, 2, 0, 1, &b, &err));
  EXPECT_EQ(err.rfind(p + ": error: invalid batch request", 0), 0u) << err;
  EXPECT_FALSE(ds->readRows(0, R + 1, &b, &err));
  EXPECT_NE(err.find("is not inside the"), std::string::npos) << err;

  Tensor t = PackedRows::tensor(b.segments, b.rows, b.seq);
  EXPECT_EQ(t.type, TensorType(DType::I32, {b.rows, b.seq}));
}

// ---- Errors ----

void expectError(const std::string &path, int64_t seq, PackingOptions o, const std::string &what) {
  std::string err;
  auto ds = PackedDataset::open(path, seq, o, &err);
  EXPECT_FALSE(ds) << path;
  EXPECT_EQ(err.rfind(path + ": error: ", 0), 0u) << err;
  EXPECT_NE(err.find(what), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
}

TEST(Packing, Errors) {
  PackingOptions text, npy;
  npy.vocab = 257;
  expectError(tempPath("missing.txt"), 4, text, "cannot open: No such file or directory");
  expectError(tempPath(""), 4, text, "is a directory");
  expectError(writeText("empty.txt", ""), 4, text, "the file is empty");
  expectError(writeText("blank.txt", "\n  \n\t\r\n"), 4, text, "only blank lines");
  expectError(writeText("short.txt", "ab\n\nc\n"), 6, text,
              "holds 5 tokens (with end-of-document ids), shorter than one row of 6");
  expectError(writeText("ok.txt", "abc\n"), 0, text, "the row length must be positive");
  PackingOptions small = text;
  small.vocab = 200;
  expectError(writeText("ok2.txt", "abc\n"), 2, small, "needs a vocabulary of at least 257");
  PackingOptions byteEod = text;
  byteEod.eodId = 10;
  expectError(writeText("ok3.txt", "abc\n"), 2, byteEod, "must not be a byte value");

  expectError(writeTokens("f32.npy", {1, 2, 3}, DType::F32), 2, npy,
              "holds a '<f4' array; a token file must be int32 ('<i4')");
  expectError(writeTokens("twod.npy", {1, 2, 3, 4}, DType::I32, {2, 2}), 2, npy,
              "holds an array of shape (2, 2); a token file must be 1-D");
  expectError(writeTokens("big.npy", {1, 256, 300, 4}), 2, npy,
              "element 2 holds token id 300, not below the vocabulary size 257");
  expectError(writeTokens("neg.npy", {1, -3, 4}), 2, npy,
              "element 1 holds token id -3, a negative id");
  expectError(writeTokens("zero.npy", {}, DType::I32, {0}), 2, npy, "the token array is empty");
  expectError(writeTokens("eods.npy", {256, 256}), 1, npy, "only end-of-document ids");
  expectError(writeTokens("shortnpy.npy", {1, 2, 256}), 4, npy, "shorter than one row of 4");
  PackingOptions eodBig = npy;
  eodBig.eodId = 257;
  expectError(writeTokens("eodbig.npy", {1, 2}), 1, eodBig,
              "the end-of-document id 257 is not below the vocabulary size 257");
  expectError(writeText("notnpy.npy", "hello\n"), 2, npy, "not a .npy file");
  // A file truncated after indexing is reported when its rows are read.
  std::string p = writeText("shrinks.txt", "abcdef\n\nghijkl\n");
  auto ds = openOk(p, 7);
  ASSERT_TRUE(ds);
  std::filesystem::resize_file(p, 3);
  PackedRows out;
  std::string err;
  EXPECT_FALSE(ds->readRows(0, ds->numRows(), &out, &err));
  EXPECT_EQ(err, p + ": error: the file changed since it was indexed");
}

} // namespace
