// partita-train's BatchSource over the training data loader (frontends/data/Packing.h): the
// loader indexes the file once and reads only the requested rows, so each rank reads only
// its own part of each batch.
#include "tools/driver/TrainData.h"

#include "frontends/data/Packing.h"

namespace partita::driver {

namespace {

class PackedSource : public BatchSource {
public:
  explicit PackedSource(std::unique_ptr<PackedDataset> ds) : ds_(std::move(ds)) {}
  int64_t numRows() const override { return ds_->numRows(); }
  int64_t seq() const override { return ds_->seq(); }
  BatchRows rows(int64_t r0, int64_t r1) const override {
    PackedRows got;
    std::string err;
    // Rows taken modulo numRows() (an epoch wraps).
    if (!ds_->readBatch(0, 1, r0, r1 - r0, &got, &err)) throw std::runtime_error(err);
    BatchRows out;
    out.ids = std::move(got.ids);
    out.labels = std::move(got.labels);
    out.segments = std::move(got.segments);
    out.positions = std::move(got.positions);
    return out;
  }

private:
  std::unique_ptr<PackedDataset> ds_;
};

} // namespace

std::unique_ptr<BatchSource> openBatchSource(const std::string &path, int64_t seq, int32_t eodId,
                                             std::string *error) {
  PackingOptions opts;
  opts.eodId = eodId;
  auto ds = PackedDataset::open(path, seq, opts, error);
  if (!ds) return nullptr;
  return std::make_unique<PackedSource>(std::move(ds));
}

} // namespace partita::driver
