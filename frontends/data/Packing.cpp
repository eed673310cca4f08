// The packed-row data loader (Packing.h). The packing rule lives in fillRow alone: the
// index is built by running it over document lengths only, and readRows replays it from a
// row's indexed start with the tokens, so any range reads exactly what the whole stream
// would hold there.
#include "frontends/data/Packing.h"

#include "ir/Npy.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace partita {

namespace {

constexpr int64_t kChunk = int64_t(1) << 20; // elements or bytes scanned per read

bool fail(std::string *error, const std::string &path, const std::string &msg) {
  *error = path + ": error: " + msg;
  return false;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Opens a regular file for reading; "" or why not.
std::string openRegular(const std::string &path, std::ifstream &in) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st)) return "cannot open: is a directory";
  // A FIFO blocks until a writer appears and a device has no end.
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    return "cannot open: not a regular file";
  in.open(path, std::ios::binary);
  if (!in) return std::string("cannot open: ") + std::strerror(errno);
  return "";
}

} // namespace

Tensor PackedRows::tensor(const std::vector<int32_t> &field, int64_t rows, int64_t seq) {
  Tensor t(TensorType(DType::I32, {rows, seq}));
  for (size_t i = 0; i < field.size() && i < t.data.size(); ++i)
    t.data[i] = field[i];
  return t;
}

template <typename Emit>
PackedDataset::RowStart PackedDataset::fillRow(RowStart at, Emit &&emit) const {
  int64_t fill = 0, segment = 0;
  while (at.doc < (int64_t)docs_.size()) {
    int64_t remaining = docTokens(at.doc) - at.offset;
    // A document that does not fit in the rest of a started row begins the next one; the
    // first piece of a row is always placed, so a document longer than a row fills whole
    // rows and continues as a new segment in each.
    if (fill > 0 && remaining > seq_ - fill) break;
    int64_t n = std::min(remaining, seq_ - fill);
    emit(at.doc, at.offset, n, ++segment, fill);
    fill += n;
    if (n < remaining) {
      at.offset += n;
      break;
    }
    ++at.doc;
    at.offset = 0;
    if (fill == seq_) break;
  }
  return at;
}

std::unique_ptr<PackedDataset> PackedDataset::open(const std::string &path, int64_t seq,
                                                   const PackingOptions &opts, std::string *error) {
  std::unique_ptr<PackedDataset> ds(new PackedDataset());
  ds->path_ = path;
  ds->seq_ = seq;
  ds->eodId_ = opts.eodId;
  ds->npy_ = opts.format == PackingOptions::Format::Npy ||
             (opts.format == PackingOptions::Format::Auto && endsWith(path, ".npy"));
  if (seq < 1)
    return fail(error, path, "the row length must be positive, got " + std::to_string(seq)),
           nullptr;
  if (opts.eodId < 0 || opts.eodId > INT32_MAX)
    return fail(error, path,
                "the end-of-document id must be an int32 >= 0, got " + std::to_string(opts.eodId)),
           nullptr;
  auto eodInVocab = [&] {
    if (opts.vocab <= 0 || opts.eodId < opts.vocab) return true;
    return fail(error, path,
                "the end-of-document id " + std::to_string(opts.eodId) +
                    " is not below the vocabulary size " + std::to_string(opts.vocab));
  };

  if (ds->npy_) {
    if (!eodInVocab()) return nullptr;
    NpyInfo info;
    std::string why;
    if (!readNpyInfo(path, &info, &why)) return fail(error, path, why), nullptr;
    if (info.descr != "<i4")
      return fail(error, path,
                  "holds a '" + info.descr + "' array; a token file must be int32 ('<i4')"),
             nullptr;
    if (info.shape.size() != 1) {
      std::string shape;
      for (int64_t d : info.shape)
        shape += (shape.empty() ? "" : ", ") + std::to_string(d);
      return fail(error, path, "holds an array of shape (" + shape + "); a token file must be 1-D"),
             nullptr;
    }
    int64_t n = info.shape[0];
    if (n == 0) return fail(error, path, "the token array is empty"), nullptr;
    ds->storedLength_ = n;
    TensorType global(DType::I32, {n});
    int64_t docStart = 0;
    for (int64_t off = 0; off < n; off += kChunk) {
      int64_t len = std::min(kChunk, n - off);
      Tensor t;
      if (!readNpySlice(path, global, {off}, {len}, &t, &why))
        return fail(error, path, why), nullptr;
      for (int64_t i = 0; i < len; ++i) {
        auto v = (int64_t)t.data[i];
        if (v < 0 || (opts.vocab > 0 && v >= opts.vocab))
          return fail(
                     error, path,
                     "element " + std::to_string(off + i) + " holds token id " + std::to_string(v) +
                         (v < 0 ? ", a negative id"
                                : ", not below the vocabulary size " + std::to_string(opts.vocab))),
                 nullptr;
        if (v == opts.eodId) {
          // An end-of-document id right after another ends no document: empty documents
          // are skipped, as blank lines are in text.
          if (off + i > docStart) ds->docs_.push_back({docStart, off + i + 1 - docStart});
          docStart = off + i + 1;
        }
      }
    }
    if (docStart < n) ds->docs_.push_back({docStart, n - docStart});
    if (ds->docs_.empty())
      return fail(error, path, "holds no document (only end-of-document ids)"), nullptr;
  } else {
    if (opts.eodId < 256)
      return fail(error, path,
                  "the end-of-document id of byte-level text must not be a byte value "
                  "(0..255), got " +
                      std::to_string(opts.eodId)),
             nullptr;
    if (opts.vocab > 0 && opts.vocab < 256)
      return fail(error, path,
                  "byte-level text needs a vocabulary of at least 257 (bytes 0..255 and the "
                  "end-of-document id), got " +
                      std::to_string(opts.vocab)),
             nullptr;
    if (!eodInVocab()) return nullptr;
    std::ifstream in;
    if (std::string why = openRegular(path, in); !why.empty())
      return fail(error, path, why), nullptr;
    // Lines of only spaces, tabs and '\r' are blank; a document runs from its first
    // non-blank line to the end of its last one, without that line's terminator.
    std::vector<char> buf((size_t)kChunk);
    int64_t pos = 0, lineStart = 0, docStart = -1, docEnd = 0;
    bool blank = true;
    char prev = '\n';
    auto endLine = [&](int64_t lineEnd) {
      if (!blank) {
        if (docStart < 0) docStart = lineStart;
        docEnd = lineEnd - (lineEnd > lineStart && prev == '\r' ? 1 : 0);
      } else if (docStart >= 0) {
        ds->docs_.push_back({docStart, docEnd - docStart});
        docStart = -1;
      }
    };
    while (in) {
      in.read(buf.data(), (std::streamsize)buf.size());
      std::streamsize got = in.gcount();
      if (got <= 0) break;
      for (std::streamsize i = 0; i < got; ++i, ++pos) {
        char ch = buf[(size_t)i];
        if (ch == '\n') {
          endLine(pos);
          lineStart = pos + 1;
          blank = true;
        } else if (ch != ' ' && ch != '\t' && ch != '\r') {
          blank = false;
        }
        prev = ch;
      }
    }
    if (in.bad()) return fail(error, path, "read error"), nullptr;
    if (pos > lineStart) endLine(pos);
    blank = true;
    endLine(pos); // closes a document that runs to the end of the file
    ds->storedLength_ = pos;
    if (ds->docs_.empty())
      return fail(error, path,
                  pos == 0 ? "the file is empty" : "holds no document (only blank lines)"),
             nullptr;
  }

  for (int64_t d = 0; d < (int64_t)ds->docs_.size(); ++d)
    ds->tokens_ += ds->docTokens(d);
  if (ds->tokens_ < seq)
    return fail(error, path,
                "holds " + std::to_string(ds->tokens_) +
                    " tokens (with end-of-document ids), shorter than one row of " +
                    std::to_string(seq)),
           nullptr;
  RowStart at{0, 0};
  while (at.doc < (int64_t)ds->docs_.size()) {
    ds->rowStarts_.push_back(at);
    at = ds->fillRow(at, [](int64_t, int64_t, int64_t, int64_t, int64_t) {});
  }
  return ds;
}

bool PackedDataset::readStored(int64_t begin, int64_t end, std::vector<int32_t> *out,
                               std::string *error) const {
  out->assign((size_t)(end - begin), 0);
  if (end == begin) return true;
  std::string why = "the file changed since it was indexed";
  if (npy_) {
    Tensor t;
    if (!readNpySlice(path_, TensorType(DType::I32, {storedLength_}), {begin}, {end - begin}, &t,
                      &why))
      return fail(error, path_, why);
    for (int64_t i = 0; i < end - begin; ++i)
      (*out)[(size_t)i] = (int32_t)t.data[(size_t)i];
    return true;
  }
  std::ifstream in;
  if (std::string w = openRegular(path_, in); !w.empty()) return fail(error, path_, w);
  std::string bytes((size_t)(end - begin), '\0');
  in.seekg(begin);
  if (!in.read(bytes.data(), (std::streamsize)bytes.size())) return fail(error, path_, why);
  for (size_t i = 0; i < bytes.size(); ++i)
    (*out)[i] = (unsigned char)bytes[i];
  return true;
}

bool PackedDataset::readRows(int64_t r0, int64_t r1, PackedRows *out, std::string *error) const {
  if (r0 < 0 || r1 < r0 || r1 > numRows())
    return fail(error, path_,
                "row range [" + std::to_string(r0) + ", " + std::to_string(r1) +
                    ") is not inside the " + std::to_string(numRows()) + " rows");
  int64_t n = r1 - r0;
  out->rows = n;
  out->seq = seq_;
  for (auto *f : {&out->ids, &out->labels, &out->segments, &out->positions})
    f->assign((size_t)(n * seq_), 0);
  if (n == 0) return true;
  auto stored = [&](RowStart at) {
    if (at.doc >= (int64_t)docs_.size()) return storedLength_;
    return docs_[at.doc].start + std::min(at.offset, docs_[at.doc].length);
  };
  int64_t begin = stored(rowStarts_[r0]);
  int64_t end = r1 < numRows() ? stored(rowStarts_[r1]) : storedLength_;
  std::vector<int32_t> buf;
  if (!readStored(begin, end, &buf, error)) return false;
  auto token = [&](int64_t doc, int64_t t) -> int32_t {
    if (t >= docs_[doc].length) return (int32_t)eodId_; // text: the appended end of document
    return buf[(size_t)(docs_[doc].start + t - begin)];
  };
  for (int64_t r = 0; r < n; ++r) {
    size_t row = (size_t)(r * seq_);
    fillRow(rowStarts_[r0 + r],
            [&](int64_t doc, int64_t offset, int64_t count, int64_t segment, int64_t at) {
              for (int64_t j = 0; j < count; ++j) {
                size_t k = row + (size_t)(at + j);
                out->labels[k] = token(doc, offset + j);
                out->ids[k] = j == 0 ? 0 : token(doc, offset + j - 1);
                out->segments[k] = (int32_t)segment;
                out->positions[k] = (int32_t)j;
              }
            });
  }
  return true;
}

bool PackedDataset::readBatch(int64_t step, int64_t batch, int64_t first, int64_t count,
                              PackedRows *out, std::string *error) const {
  if (step < 0 || batch < 1 || first < 0 || count < 0)
    return fail(error, path_,
                "invalid batch request (step " + std::to_string(step) + ", batch " +
                    std::to_string(batch) + ", rows " + std::to_string(first) + " + " +
                    std::to_string(count) + ")");
  int64_t rows = numRows();
  auto r = (int64_t)(((__int128)step * batch + first) % rows);
  out->rows = 0;
  out->seq = seq_;
  for (auto *f : {&out->ids, &out->labels, &out->segments, &out->positions})
    f->clear();
  // Contiguous runs of rows, wrapping around at the end of the data.
  for (int64_t left = count; left > 0;) {
    int64_t n = std::min(left, rows - r);
    PackedRows part;
    if (!readRows(r, r + n, &part, error)) return false;
    out->ids.insert(out->ids.end(), part.ids.begin(), part.ids.end());
    out->labels.insert(out->labels.end(), part.labels.begin(), part.labels.end());
    out->segments.insert(out->segments.end(), part.segments.begin(), part.segments.end());
    out->positions.insert(out->positions.end(), part.positions.begin(), part.positions.end());
    out->rows += n;
    left -= n;
    r = (r + n) % rows;
  }
  return true;
}

} // namespace partita
