// The built-in packing loader of partita-train (TrainData.h).
#include "tools/driver/TrainData.h"

#include "ir/Npy.h"
#include "ir/Tensor.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace partita::driver {

namespace {

// The whole stream is packed once: the test and example files are small, and rows(r0, r1)
// then hands each rank only the rows of its own part of the batch.
class PackedRows : public BatchSource {
public:
  PackedRows(const std::vector<std::vector<int32_t>> &docs, int64_t seq) : seq_(seq) {
    int64_t col = 0, segment = 0;
    auto newRow = [&] {
      for (auto *v : {&ids_, &labels_, &segments_, &positions_})
        v->resize(v->size() + seq_, 0);
      col = 0;
      segment = 0;
    };
    for (const auto &doc : docs) {
      size_t at = 0;
      while (at < doc.size()) {
        if (ids_.empty() || col == seq_) newRow();
        int64_t n = std::min<int64_t>((int64_t)(doc.size() - at), seq_ - col);
        int64_t base = (int64_t)ids_.size() - seq_ + col;
        ++segment;
        for (int64_t j = 0; j < n; ++j) {
          // Next-token prediction within the segment: the input is the label shifted right,
          // with 0 as BOS where the segment starts.
          labels_[base + j] = doc[at + j];
          ids_[base + j] = j == 0 ? 0 : doc[at + j - 1];
          segments_[base + j] = (int32_t)segment;
          positions_[base + j] = (int32_t)j;
        }
        at += n;
        col += n;
      }
    }
    rows_ = (int64_t)ids_.size() / seq_;
  }
  int64_t numRows() const override { return rows_; }
  int64_t seq() const override { return seq_; }
  BatchRows rows(int64_t r0, int64_t r1) const override {
    BatchRows b;
    for (int64_t r = r0; r < r1; ++r) {
      int64_t from = (r % rows_) * seq_;
      b.ids.insert(b.ids.end(), ids_.begin() + from, ids_.begin() + from + seq_);
      b.labels.insert(b.labels.end(), labels_.begin() + from, labels_.begin() + from + seq_);
      b.segments.insert(b.segments.end(), segments_.begin() + from,
                        segments_.begin() + from + seq_);
      b.positions.insert(b.positions.end(), positions_.begin() + from,
                         positions_.begin() + from + seq_);
    }
    return b;
  }

private:
  int64_t seq_, rows_ = 0;
  std::vector<int32_t> ids_, labels_, segments_, positions_;
};

bool endsWith(const std::string &s, const std::string &tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

std::unique_ptr<BatchSource> openBatchSource(const std::string &path, int64_t seq, int32_t eodId,
                                             std::string *error) {
  std::vector<std::vector<int32_t>> docs;
  int64_t tokens = 0;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = path + ": error: the data file is a directory";
    return nullptr;
  }
  if (endsWith(path, ".npy")) {
    Tensor t;
    std::string e;
    if (!readNpy(path, &t, &e)) {
      *error = path + ": error: " + e;
      return nullptr;
    }
    if (t.type.dtype != DType::I32 || t.type.shape.size() != 1) {
      *error = path + ": error: a token file must hold a 1-D int32 array, found " + t.type.str();
      return nullptr;
    }
    docs.emplace_back();
    for (double v : t.data) {
      docs.back().push_back((int32_t)v);
      if ((int32_t)v == eodId) docs.emplace_back();
    }
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      *error = path + ": error: cannot open the data file";
      return nullptr;
    }
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (in.bad()) {
      *error = path + ": error: read error in the data file";
      return nullptr;
    }
    // Documents are separated by one or more empty lines; the newlines inside a document
    // are part of its text.
    std::vector<int32_t> doc;
    size_t at = 0;
    auto flush = [&] {
      while (!doc.empty() && doc.back() == '\n')
        doc.pop_back();
      if (doc.empty()) return;
      doc.push_back(eodId);
      docs.push_back(std::move(doc));
      doc.clear();
    };
    while (at < text.size()) {
      size_t nl = text.find('\n', at);
      size_t end = nl == std::string::npos ? text.size() : nl;
      std::string line = text.substr(at, end - at);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        flush();
      } else {
        for (unsigned char c : line)
          doc.push_back(c);
        doc.push_back('\n');
      }
      at = end + 1;
    }
    flush();
  }
  for (const auto &d : docs)
    tokens += (int64_t)d.size();
  if (tokens < seq) {
    *error = path + ": error: the data file holds " + std::to_string(tokens) +
             " tokens, fewer than one row of " + std::to_string(seq);
    return nullptr;
  }
  return std::make_unique<PackedRows>(docs, seq);
}

} // namespace partita::driver
