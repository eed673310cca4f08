// Host tensors for the reference interpreter and the executors. Every element is held as a
// double and rounded to the tensor's dtype after each op (f32 → float, bf16 → round to
// nearest even, i32 → wrap to 32 bits, i1 → 0/1), so results follow the dtype's semantics
// while the code stays one obviously-correct loop per op.
#pragma once

#include "ir/Types.h"

#include <vector>

namespace partita {

struct Tensor {
  TensorType type;
  std::vector<double> data; // row-major

  Tensor() = default;
  explicit Tensor(TensorType t) : type(std::move(t)), data(type.numElements(), 0.0) {}
  Tensor(TensorType t, std::vector<double> d) : type(std::move(t)), data(std::move(d)) {}
  int64_t size() const { return (int64_t)data.size(); }
  // Row-major strides of the shape.
  std::vector<int64_t> strides() const;
};

// Rounds one value to what `t` can hold.
double roundTo(DType t, double v);
// Rounds every element in place.
void roundAll(Tensor &t);
float bf16Round(float f); // round to nearest even bf16, returned as float

// Copies the box of extent `sizes` at `srcOffsets` in `src` to `dstOffsets` in `dst`; the
// box must lie inside both tensors. Shared by the interpreter's data movement ops and the
// shard utilities.
void copyBox(const Tensor &src, const std::vector<int64_t> &srcOffsets, Tensor &dst,
             const std::vector<int64_t> &dstOffsets, const std::vector<int64_t> &sizes);

} // namespace partita
