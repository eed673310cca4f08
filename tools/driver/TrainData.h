// The batches partita-train feeds to a step program: packed rows of byte-level text (or of
// a flat .npy token stream) as ids/labels/segments/positions (the training-step contract).
// A small built-in loader behind the BatchSource interface, so the training loop does not
// depend on how the rows are made (the full loader lives in frontends/data).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace partita::driver {

// Rows [r0, r1) of the packed stream, each `seq` tokens, row-major.
struct BatchRows {
  std::vector<int32_t> ids, labels, segments, positions;
};

class BatchSource {
public:
  virtual ~BatchSource() = default;
  virtual int64_t numRows() const = 0;
  virtual int64_t seq() const = 0;
  // Rows r0 .. r1-1 of the stream, each index taken modulo numRows() (so an epoch wraps).
  virtual BatchRows rows(int64_t r0, int64_t r1) const = 0;
};

// Packs `path` into rows of `seq` tokens. A file ending in .npy is a flat int32 token stream
// whose documents end with `eodId`; any other file is text split into documents at blank
// lines, a token per byte, each document followed by `eodId`. Documents are packed greedily
// in file order; a document longer than the rest of a row continues as a new segment in the
// next row. Returns nullptr and sets *error ("PATH: error: ...") when the file cannot be
// read or holds less than one row.
std::unique_ptr<BatchSource> openBatchSource(const std::string &path, int64_t seq, int32_t eodId,
                                             std::string *error);

} // namespace partita::driver
