// Host tensor helpers: row-major strides and rounding of double-held values to a dtype.
#include "ir/Tensor.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace partita {

std::vector<int64_t> Tensor::strides() const {
  std::vector<int64_t> s(type.shape.size(), 1);
  for (int i = (int)s.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * type.shape[i + 1];
  return s;
}

float bf16Round(float f) {
  if (std::isnan(f)) return f; // the carry below could turn a NaN payload into infinity
  uint32_t bits = std::bit_cast<uint32_t>(f);
  bits += 0x7FFFu + ((bits >> 16) & 1u); // ties go to the even upper half
  return std::bit_cast<float>(bits & 0xFFFF0000u);
}

// i32 results of arithmetic wrap modulo 2^32, as XLA's integer ops do. Values that are not
// integers are truncated toward zero; NaN becomes 0 and values beyond the int64 range
// (infinities included) saturate, since no wrap-around of them is meaningful.
static double roundI32(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2e18) return std::numeric_limits<int32_t>::max();
  if (v <= -9.2e18) return std::numeric_limits<int32_t>::min();
  auto w = (uint32_t)(uint64_t)(int64_t)std::trunc(v);
  return (double)(int32_t)w;
}

double roundTo(DType t, double v) {
  switch (t) {
  case DType::F32:
    return (double)(float)v;
  case DType::BF16:
    return (double)bf16Round((float)v);
  case DType::I32:
    return roundI32(v);
  case DType::I1:
    return v != 0 ? 1.0 : 0.0; // NaN is nonzero, hence true
  }
  return v;
}

void roundAll(Tensor &t) {
  for (double &v : t.data)
    v = roundTo(t.type.dtype, v);
}

void copyBox(const Tensor &src, const std::vector<int64_t> &srcOffsets, Tensor &dst,
             const std::vector<int64_t> &dstOffsets, const std::vector<int64_t> &sizes) {
  int rank = (int)sizes.size();
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  if (n == 0) return;
  auto ss = src.strides(), ds = dst.strides();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t so = 0, d = 0;
    for (int i = 0; i < rank; ++i) {
      so += (srcOffsets[i] + idx[i]) * ss[i];
      d += (dstOffsets[i] + idx[i]) * ds[i];
    }
    dst.data[d] = src.data[so];
    for (int i = rank - 1; i >= 0 && ++idx[i] == sizes[i]; --i)
      idx[i] = 0;
  }
}

} // namespace partita
