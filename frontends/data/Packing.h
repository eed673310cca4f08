// The training data loader: a plain text file (bytes, documents split at blank lines) or a
// .npy int32 token stream, packed greedily into rows of `seq` tokens with segment ids and
// per-segment positions, as GLaM trains (docs/training.md, "Data: packed batches"). Opening
// a file scans it once for document boundaries and keeps a small index (one entry per
// document and per row); any row range is then read from the file alone, so every MPI rank
// reads only the rows of its own part of a batch.
#pragma once

#include "ir/Tensor.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace partita {

struct PackingOptions {
  enum class Format { Auto, Text, Npy } format = Format::Auto; // Auto: ".npy" by extension
  int64_t eodId = 256; // the end-of-document id: appended to text documents, ends .npy ones
  int64_t vocab = 0;   // when > 0, every token (and eodId) must be below it
};

// Rows [r0, r0 + rows) of the packed stream, each field row-major [rows, seq]:
// ids = the segment's tokens shifted right by one with 0 (BOS) at each segment start,
// labels = the tokens, segments = 1, 2, ... per document piece in the row (0 = padding),
// positions = 0, 1, ... restarting in each segment (0 on padding). Padding has id and
// label 0.
struct PackedRows {
  int64_t rows = 0, seq = 0;
  std::vector<int32_t> ids, labels, segments, positions;
  // One field as an i32[rows, seq] tensor (for partita-run inputs and the interpreter).
  static Tensor tensor(const std::vector<int32_t> &field, int64_t rows, int64_t seq);
};

class PackedDataset {
public:
  // Scans `path` and indexes its rows of `seq` tokens. On failure returns nullptr and sets
  // *error to one line `PATH: error: ...` (the file is missing, unreadable, empty, shorter
  // than one row, a .npy that is not a 1-D '<i4' array, or holds a token outside
  // [0, vocab)).
  static std::unique_ptr<PackedDataset> open(const std::string &path, int64_t seq,
                                             const PackingOptions &opts, std::string *error);

  int64_t numRows() const { return (int64_t)rowStarts_.size(); }
  int64_t seq() const { return seq_; }
  int64_t numDocuments() const { return (int64_t)docs_.size(); }
  int64_t numTokens() const { return tokens_; } // with the end-of-document ids
  const std::string &path() const { return path_; }

  // Rows [r0, r1), 0 <= r0 <= r1 <= numRows(). False with *error (`PATH: error: ...`) if
  // the file can no longer be read as it was indexed.
  bool readRows(int64_t r0, int64_t r1, PackedRows *out, std::string *error) const;
  // Rows `first .. first+count-1` of training step `step` with `batch` rows per step: row
  // (step * batch + first + i) mod numRows() for i < count (a rank's share of a batch).
  bool readBatch(int64_t step, int64_t batch, int64_t first, int64_t count, PackedRows *out,
                 std::string *error) const;

private:
  // A document as stored: `length` tokens at `start` (a byte offset for text, an element
  // index for .npy); text documents get eodId appended after them.
  struct Doc {
    int64_t start, length;
  };
  struct RowStart {
    int64_t doc, offset; // the row begins `offset` tokens into document `doc`
  };
  PackedDataset() = default;
  int64_t docTokens(int64_t d) const { return docs_[d].length + (npy_ ? 0 : 1); }
  // Fills one row from `at` by the packing rule; returns where the next row starts.
  // `emit(doc, offset, count, segment, rowPos)` places `count` tokens of `doc`.
  template <typename Emit> RowStart fillRow(RowStart at, Emit &&emit) const;
  bool readStored(int64_t begin, int64_t end, std::vector<int32_t> *out, std::string *error) const;

  std::string path_;
  bool npy_ = false;
  int64_t seq_ = 0, eodId_ = 256, tokens_ = 0, storedLength_ = 0;
  std::vector<Doc> docs_;
  std::vector<RowStart> rowStarts_;
};

} // namespace partita
