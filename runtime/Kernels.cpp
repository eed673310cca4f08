// extern "C" kernels called by generated code: einsum as batched GEMM on Eigen::Map
// matrices (packing operands only when their layout is not already a GEMM operand), the
// byte-block transpose used to pack collectives along non-leading dimensions, and scalar
// helpers. Compiled with -march=native -O3 (runtime/CMakeLists.txt) so Eigen uses the host's
// vector units.
#include "ir/Tensor.h"
#include "runtime/Abi.h"

#include <Eigen/Core>

#include <bit>
#include <cmath>
#include <cstring>

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapC = Eigen::Map<const RowMat>;
using Map = Eigen::Map<RowMat>;

// One operand's packing plan: `rank` dims (the first `canon` are kept, the rest summed) with
// their sizes and source strides, in elements.
struct Layout {
  int64_t rank = 0, canon = 0;
  const int64_t *sizes = nullptr, *strides = nullptr;
};

const int64_t *readLayout(const int64_t *p, Layout *l, bool hasCanon) {
  l->rank = *p++;
  l->canon = hasCanon ? *p++ : l->rank;
  l->sizes = p;
  l->strides = p + l->rank;
  return p + 2 * l->rank;
}

float loadF(const void *p, int64_t i, int dtype) {
  if (dtype == 1) return std::bit_cast<float>((uint32_t)((const uint16_t *)p)[i] << 16);
  return ((const float *)p)[i];
}

// dst (canonical row-major, float or int32) = src gathered through the layout's strides,
// summing over the dims past `canon` (which all come after the canonical ones).
template <class T> void pack(const void *src, int dtype, const Layout &l, T *dst) {
  auto ld = [&](int64_t i) -> T {
    if constexpr (std::is_same_v<T, float>)
      return loadF(src, i, dtype);
    else
      return ((const int32_t *)src)[i];
  };
  int64_t total = 1, canonTotal = 1;
  for (int64_t d = 0; d < l.rank; ++d) {
    total *= l.sizes[d];
    if (d < l.canon) canonTotal *= l.sizes[d];
  }
  bool summing = l.rank > l.canon;
  if (summing) std::fill(dst, dst + canonTotal, T(0));
  if (total == 0) return;
  if (l.rank == 0) {
    dst[0] = ld(0);
    return;
  }
  int64_t inner = l.sizes[l.rank - 1], innerStride = l.strides[l.rank - 1];
  int64_t idx[32] = {0}, srcOff = 0;
  for (int64_t done = 0; done < total; done += inner) {
    int64_t dstOff = 0;
    for (int64_t d = 0; d < std::min(l.canon, l.rank - 1); ++d)
      dstOff = dstOff * l.sizes[d] + idx[d];
    if (!summing) {
      T *o = dst + dstOff * inner;
      for (int64_t j = 0; j < inner; ++j)
        o[j] = ld(srcOff + j * innerStride);
    } else {
      T acc = dst[dstOff];
      for (int64_t j = 0; j < inner; ++j) {
        if constexpr (std::is_same_v<T, float>)
          acc += ld(srcOff + j * innerStride);
        else
          acc = (int32_t)((uint32_t)acc + (uint32_t)ld(srcOff + j * innerStride));
      }
      dst[dstOff] = acc;
    }
    for (int64_t d = l.rank - 2; d >= 0; --d) {
      if (++idx[d] < l.sizes[d]) {
        srcOff += l.strides[d];
        break;
      }
      srcOff -= (l.sizes[d] - 1) * l.strides[d];
      idx[d] = 0;
    }
  }
}

// out (any layout via strides) = canonical C, with the element type's rounding. Walks the
// canonical order with an odometer over the outer dims and a strided inner run.
template <class T> void unpack(const T *src, const Layout &l, void *out, int dtype) {
  auto st = [&](int64_t off, T v) {
    if constexpr (std::is_same_v<T, float>) {
      if (dtype == 1) {
        float r = partita::bf16Round(v);
        uint16_t hi = (uint16_t)(std::bit_cast<uint32_t>(r) >> 16);
        ((uint16_t *)out)[off] = v != v ? (uint16_t)(hi | 0x40) : hi;
      } else {
        ((float *)out)[off] = v;
      }
    } else {
      ((int32_t *)out)[off] = v;
    }
  };
  int64_t total = 1;
  for (int64_t d = 0; d < l.rank; ++d)
    total *= l.sizes[d];
  if (total == 0) return;
  if (l.rank == 0) {
    st(0, src[0]);
    return;
  }
  int64_t inner = l.sizes[l.rank - 1], innerStride = l.strides[l.rank - 1];
  int64_t idx[32] = {0}, dstOff = 0;
  for (int64_t done = 0; done < total; done += inner) {
    const T *s = src + done;
    if (innerStride == 1 && dtype != 1) {
      std::memcpy((char *)out + dstOff * sizeof(T), s, inner * sizeof(T));
    } else {
      for (int64_t j = 0; j < inner; ++j)
        st(dstOff + j * innerStride, s[j]);
    }
    for (int64_t d = l.rank - 2; d >= 0; --d) {
      if (++idx[d] < l.sizes[d]) {
        dstOff += l.strides[d];
        break;
      }
      dstOff -= (l.sizes[d] - 1) * l.strides[d];
      idx[d] = 0;
    }
  }
}

template <class A, class B>
void gemmInto(float *c, int64_t cMode, int64_t m, int64_t n, const A &a, const B &b) {
  if (cMode == 1) {
    Map ct(c, n, m);
    ct.noalias() = b.transpose() * a.transpose();
  } else {
    Map cm(c, m, n);
    cm.noalias() = a * b;
  }
}

} // namespace

extern "C" {

void partita_kernel_einsum(const int64_t *desc, const void *a, const void *b, void *out,
                           void *scratch) {
  int dtype = (int)desc[0];
  int64_t nB = desc[1], nM = desc[2], nN = desc[3], nK = desc[4];
  int64_t aMode = desc[5], bMode = desc[6], cMode = desc[7];
  char *s = (char *)scratch;
  Layout la, lb, lc;
  const int64_t *p = readLayout(desc + 11, &la, true);
  p = readLayout(p, &lb, true);
  readLayout(p, &lc, false);
  if (dtype == (int)partita::DType::I32) {
    // Integer einsum wraps modulo 2^32 like the interpreter; Eigen's GEMM would overflow (UB).
    auto *pa = (int32_t *)(s + desc[8]), *pb = (int32_t *)(s + desc[9]),
         *pc = (int32_t *)(s + desc[10]);
    pack(a, dtype, la, pa);
    pack(b, dtype, lb, pb);
    for (int64_t bi = 0; bi < nB; ++bi)
      for (int64_t i = 0; i < nM; ++i) {
        uint32_t *row = (uint32_t *)pc + (bi * nM + i) * nN;
        std::fill(row, row + nN, 0u);
        for (int64_t k = 0; k < nK; ++k) {
          uint32_t av = (uint32_t)pa[(bi * nM + i) * nK + k];
          const int32_t *brow = pb + (bi * nK + k) * nN;
          for (int64_t j = 0; j < nN; ++j)
            row[j] += av * (uint32_t)brow[j];
        }
      }
    unpack(pc, lc, out, dtype);
    return;
  }
  const float *A = (const float *)a, *Bp = (const float *)b;
  if (aMode == 2) {
    float *pa = (float *)(s + desc[8]);
    pack(a, dtype, la, pa);
    A = pa;
    aMode = 0;
  }
  if (bMode == 2) {
    float *pb = (float *)(s + desc[9]);
    pack(b, dtype, lb, pb);
    Bp = pb;
    bMode = 0;
  }
  float *Cp = cMode == 2 ? (float *)(s + desc[10]) : (float *)out;
  int64_t gemmC = cMode == 2 ? 0 : cMode;
  for (int64_t bi = 0; bi < nB; ++bi) {
    const float *ab = A + bi * nM * nK, *bb = Bp + bi * nK * nN;
    float *cb = Cp + bi * nM * nN;
    if (aMode == 0 && bMode == 0)
      gemmInto(cb, gemmC, nM, nN, MapC(ab, nM, nK), MapC(bb, nK, nN));
    else if (aMode == 0)
      gemmInto(cb, gemmC, nM, nN, MapC(ab, nM, nK), MapC(bb, nN, nK).transpose());
    else if (bMode == 0)
      gemmInto(cb, gemmC, nM, nN, MapC(ab, nK, nM).transpose(), MapC(bb, nK, nN));
    else
      gemmInto(cb, gemmC, nM, nN, MapC(ab, nK, nM).transpose(), MapC(bb, nN, nK).transpose());
  }
  if (cMode == 2) unpack(Cp, lc, out, dtype);
}

void partita_kernel_swap01(const void *in, void *out, int64_t a, int64_t b, int64_t bytes) {
  const char *src = (const char *)in;
  char *dst = (char *)out;
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      std::memcpy(dst + (j * a + i) * bytes, src + (i * b + j) * bytes, bytes);
}

int32_t partita_rt_pow_i32(int32_t a, int32_t b) {
  // Squaring with wrap-around; negative exponents give 0 unless |a| is 1 (the interpreter's).
  if (b < 0) return a == 1 ? 1 : a == -1 ? (b % 2 ? -1 : 1) : 0;
  uint32_t r = 1, x = (uint32_t)a;
  for (uint32_t e = (uint32_t)b; e > 0; e >>= 1, x *= x)
    if (e & 1) r *= x;
  return (int32_t)r;
}
}

namespace partita {

const std::vector<std::pair<std::string, void *>> &runtimeSymbols() {
  static const std::vector<std::pair<std::string, void *>> syms = {
      {"partita_rt_all_reduce", (void *)&partita_rt_all_reduce},
      {"partita_rt_all_gather", (void *)&partita_rt_all_gather},
      {"partita_rt_reduce_scatter", (void *)&partita_rt_reduce_scatter},
      {"partita_rt_all_to_all", (void *)&partita_rt_all_to_all},
      {"partita_rt_collective_permute", (void *)&partita_rt_collective_permute},
      {"partita_kernel_swap01", (void *)&partita_kernel_swap01},
      {"partita_kernel_einsum", (void *)&partita_kernel_einsum},
      {"partita_rt_pow_i32", (void *)&partita_rt_pow_i32},
      {"memcpy", (void *)(void *(*)(void *, const void *, size_t)) & std::memcpy},
      {"memmove", (void *)(void *(*)(void *, const void *, size_t)) & std::memmove},
      {"memset", (void *)(void *(*)(void *, int, size_t)) & std::memset},
      {"pow", (void *)(double (*)(double, double)) & std::pow},
  };
  return syms;
}

} // namespace partita
