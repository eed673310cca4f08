// extern "C" kernels called by generated code: einsum as batched GEMM on strided views
// (runtime/Gemm.h; operands are packed only when their layout is not a strided matrix),
// split over the runtime's threads, skipping zero rows of A, or computed as a scatter of a
// mostly-zero operand's nonzeros (MoE dispatch/combine); the byte-block transpose used to
// pack collectives along non-leading dimensions; the parallel-for and profiling hooks;
// scalar helpers. Compiled with -march=native -O3 (runtime/CMakeLists.txt) so the element
// loops use the host's vector units.
#include "ir/Tensor.h"
#include "runtime/Abi.h"
#include "runtime/Gemm.h"
#include "runtime/Parallel.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <vector>

namespace {

using partita::parallelFor;
using partita::parallelParts;
using partita::parallelWays;

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
      if (std::is_same_v<T, float> && dtype == 1 && innerStride == 1) {
        // Contiguous bf16: a loop that vectorises.
        const uint16_t *s16 = (const uint16_t *)src + srcOff;
        for (int64_t j = 0; j < inner; ++j)
          o[j] = std::bit_cast<T>((uint32_t)s16[j] << 16);
      } else {
        for (int64_t j = 0; j < inner; ++j)
          o[j] = ld(srcOff + j * innerStride);
      }
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
    } else if (std::is_same_v<T, float> && innerStride == 1) {
      // Contiguous bf16: st()'s rounding, branch-free so that it vectorises.
      uint16_t *o = (uint16_t *)out + dstOff;
      for (int64_t j = 0; j < inner; ++j) {
        uint32_t u = std::bit_cast<uint32_t>((float)s[j]);
        uint16_t r = (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
        o[j] = (u & 0x7fffffffu) > 0x7f800000u ? (uint16_t)((u >> 16) | 0x40) : r;
      }
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

using View = partita::MatView;

View rowsOf(View v, int64_t r0, int64_t r1) {
  v.p += r0 * v.rs;
  v.rows = r1 - r0;
  return v;
}
View colsOf(View v, int64_t c0, int64_t c1) {
  v.p += c0 * v.cs;
  v.cols = c1 - c0;
  return v;
}

// Row i of `a` is all zeros (-0 included). Stops at the first nonzero, so a dense row costs
// one load.
bool zeroRow(const View &a, int64_t i) {
  const float *p = a.p + i * a.rs;
  for (int64_t k = 0; k < a.cols; ++k)
    if (p[k * a.cs] != 0.0f) return false;
  return true;
}

// One GEMM of a batched einsum restricted to rows [r0, r1) of A and C.
struct Piece {
  int64_t batch, r0, r1;
  bool zero; // A's rows are all zero, so C's are too
};

// Runs of zero and nonzero rows of A in every batch. Skipping zero rows is exact for
// finite B (0 * x = 0) and pays off for MoE expert inputs, whose unfilled capacity slots
// are zero rows. Dense A (or a small problem) gives one nonzero piece per batch, and so
// does a B holding NaN or inf, whose columns make the zero rows' results NaN.
std::vector<Piece> rowPieces(const std::vector<View> &as, const std::vector<View> &bs, int64_t nM,
                             int64_t nN) {
  std::vector<Piece> pieces;
  bool scan = nM >= 32 && nN >= 16;
  for (size_t b = 0; b < as.size(); ++b) {
    if (!scan) {
      pieces.push_back({(int64_t)b, 0, nM, false});
      continue;
    }
    std::vector<Piece> runs;
    int64_t zeros = 0;
    for (int64_t i = 0; i < nM; ++i) {
      bool z = zeroRow(as[b], i);
      zeros += z;
      if (!runs.empty() && runs.back().zero == z)
        runs.back().r1 = i + 1;
      else
        runs.push_back({(int64_t)b, i, i + 1, z});
    }
    // Worth it only when many rows are zero and the nonzero runs are not tiny GEMMs.
    if (zeros * 8 < nM || (int64_t)runs.size() * 8 > nM || !partita::allFinite(bs[b]))
      pieces.push_back({(int64_t)b, 0, nM, false});
    else
      pieces.insert(pieces.end(), runs.begin(), runs.end());
  }
  return pieces;
}

// The GEMMs of all pieces, spread over the runtime's threads: by rows (every row costs the
// same N*K) when there are at least as many rows as columns, else by columns of B and C.
// Each batch's nonzero rows go to one sgemmRows call, so B is packed once per batch and
// part rather than once per run of nonzero rows.
// `bf16`: the operands hold bf16 values, which the bf16 GEMM multiplies natively where the
// CPU can (runtime/GemmBf16.cpp).
void runPieces(const std::vector<Piece> &pieces, const std::vector<View> &as,
               const std::vector<View> &bs, const std::vector<View> &cs, int64_t nN, int64_t nK,
               bool bf16) {
  auto gemmRows = [bf16](View c, View a, View b, const int64_t *rows, int64_t n) {
    if (bf16)
      partita::sgemmRowsBf16(c, a, b, rows, n);
    else
      partita::sgemmRows(c, a, b, rows, n);
  };
  auto gemmRowsParallel = [bf16](View c, View a, View b, const int64_t *rows, int64_t n) {
    if (bf16)
      partita::sgemmRowsParallelBf16(c, a, b, rows, n);
    else
      partita::sgemmRowsParallel(c, a, b, rows, n);
  };
  std::vector<const Piece *> zeros;
  int64_t zeroElems = 0;
  // The nonzero rows of every batch laid end to end; batch b's are [spans[b], spans[b + 1]).
  std::vector<int64_t> rowIdx, spans(as.size() + 1, 0);
  for (const Piece &p : pieces) {
    if (p.zero) {
      zeros.push_back(&p);
      zeroElems += (p.r1 - p.r0) * nN;
    } else {
      for (int64_t r = p.r0; r < p.r1; ++r)
        rowIdx.push_back(r);
    }
    spans[p.batch + 1] = (int64_t)rowIdx.size();
  }
  for (size_t b = 1; b < spans.size(); ++b)
    spans[b] = std::max(spans[b], spans[b - 1]);
  // Zero-filling is memory-bound: worth splitting only when there is a lot of it.
  int64_t zeroGrain = zeroElems < (1 << 18) ? (int64_t)zeros.size() + 1 : 1;
  parallelFor((int64_t)zeros.size(), zeroGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      partita::fillZero(rowsOf(cs[zeros[i]->batch], zeros[i]->r0, zeros[i]->r1));
  });
  int64_t rows = (int64_t)rowIdx.size();
  // Rows [lo, hi) of the concatenation, columns [c0, c1).
  auto part = [&](int64_t lo, int64_t hi, int64_t c0, int64_t c1) {
    for (size_t b = 0; b < as.size(); ++b) {
      int64_t x = std::max(lo, spans[b]), y = std::min(hi, spans[b + 1]);
      if (x < y)
        gemmRows(colsOf(cs[b], c0, c1), as[b], colsOf(bs[b], c0, c1), rowIdx.data() + x, y - x);
    }
  };
  double flops = 2.0 * rows * nN * nK;
  const int64_t minRows = 48, minCols = 64;
  // Few, tall products (a projection of all tokens): the threads share each packed block of
  // B and take blocks of rows in turn, rather than each packing all of B for its rows.
  int threads = flops < 4e6 ? 1 : parallelWays(rows, minRows);
  int64_t tall = 2 * threads * partita::sgemmRowBlock(), shortest = -1;
  for (size_t b = 0; b < as.size(); ++b) {
    int64_t n = spans[b + 1] - spans[b];
    if (n > 0 && nN > 8) shortest = shortest < 0 ? n : std::min(shortest, n);
  }
  if (threads > 1 && shortest >= tall) {
    for (size_t b = 0; b < as.size(); ++b)
      if (spans[b + 1] > spans[b])
        gemmRowsParallel(cs[b], as[b], bs[b], rowIdx.data() + spans[b], spans[b + 1] - spans[b]);
    return;
  }
  // Each part packs its own share of B: split the longer side, so a wide B (a vocabulary
  // projection) is not packed once per row block.
  bool byRows = rows >= 2 * minRows && (rows >= nN || nN < 2 * minCols);
  int ways = flops < 4e6 ? 1 : parallelParts(byRows ? rows : nN, byRows ? minRows : minCols);
  if (ways <= 1) return part(0, rows, 0, nN);
  parallelFor(ways, 1, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      if (byRows)
        part(rows * k / ways, rows * (k + 1) / ways, 0, nN);
      else
        part(0, rows, nN * k / ways, nN * (k + 1) / ways);
    }
  });
}

// ---- The element-sparse path ----------------------------------------------------------
// When one operand S is mostly zeros (MoE dispatch and combine masks: at most two nonzeros
// per token out of experts x capacity), the einsum is computed as a scatter: for every
// nonzero S[...], C[c-offset + f] += s * D[d-offset + f] over the free letters f of the
// other operand D. Equal to the dense GEMM for finite D (up to the order of the sum), so
// the kernel takes this path only after checking D.
struct SparsePlan {
  int64_t nL = 0;             // S's letters, in S's dimension order
  const int64_t *L = nullptr; // nL x {size, strideS, strideD, strideC}
  int64_t nF = 0;             // D's letters that S lacks (all of them in C)
  const int64_t *F = nullptr; // nF x {size, strideD, strideC}
  int64_t parallel = 0;       // 1: S's first letter is in C, so its slices write disjoint C
};

const int64_t *readSparse(const int64_t *p, SparsePlan *sp, bool *present) {
  *present = *p++ != 0;
  if (!*present) return p;
  sp->nL = *p++;
  sp->L = p;
  p += 4 * sp->nL;
  sp->nF = *p++;
  sp->F = p;
  p += 3 * sp->nF;
  sp->parallel = *p++;
  return p;
}

int64_t sparseTotal(const SparsePlan &sp) {
  int64_t t = 1;
  for (int64_t i = 0; i < sp.nL; ++i)
    t *= sp.L[4 * i];
  return t;
}

// S's nonzeros (S is a whole row-major tensor), counted until `limit` is passed.
int64_t countNonzero(const void *s, int dtype, int64_t n, int64_t limit) {
  int64_t nz = 0;
  const int64_t chunk = 4096;
  for (int64_t i = 0; i < n && nz <= limit; i += chunk) {
    int64_t e = std::min(n, i + chunk);
    if (dtype == 1) {
      const uint16_t *p = (const uint16_t *)s;
      for (int64_t k = i; k < e; ++k)
        nz += (p[k] & 0x7fff) != 0;
    } else {
      const float *p = (const float *)s;
      for (int64_t k = i; k < e; ++k)
        nz += p[k] != 0.0f;
    }
  }
  return nz;
}

// Whether D holds only finite values where the einsum reads it (the span of offsets its
// letters reach; D is a whole tensor, so that is all of it). The scatter never multiplies
// S's zeros, so it equals the dense product only then.
bool denseSideFinite(const SparsePlan &sp, int dtype, const void *D) {
  int64_t lo = 0, hi = 0;
  bool empty = false;
  auto reach = [&](int64_t size, int64_t stride) {
    empty |= size == 0;
    (stride < 0 ? lo : hi) += (size - 1) * stride;
  };
  for (int64_t i = 0; i < sp.nL; ++i)
    reach(sp.L[4 * i], sp.L[4 * i + 2]);
  for (int64_t i = 0; i < sp.nF; ++i)
    reach(sp.F[3 * i], sp.F[3 * i + 1]);
  if (empty) return true;
  if (dtype != 1) return partita::allFinite((const float *)D + lo, hi - lo + 1);
  const uint16_t *p = (const uint16_t *)D + lo;
  uint16_t m = 0;
  for (int64_t k = 0; k <= hi - lo; ++k)
    m = std::max<uint16_t>(m, p[k] & 0x7f80);
  return m != 0x7f80;
}

// acc[c + f-offsets] += v * D[d + f-offsets] over the free letters (the last one innermost).
template <int DT>
void axpyFree(const SparsePlan &sp, float v, const void *D, int64_t d, float *acc, int64_t c) {
  if (sp.nF == 0) {
    acc[c] += v * loadF(D, d, DT);
    return;
  }
  const int64_t *last = sp.F + 3 * (sp.nF - 1);
  int64_t n = last[0], sd = last[1], sc = last[2];
  int64_t idx[32] = {0}, outer = 1;
  for (int64_t i = 0; i + 1 < sp.nF; ++i)
    outer *= sp.F[3 * i];
  for (int64_t o = 0; o < outer; ++o) {
    if (sd == 1 && sc == 1) {
      float *ac = acc + c;
      if constexpr (DT == 0) {
        const float *dp = (const float *)D + d;
        for (int64_t j = 0; j < n; ++j)
          ac[j] += v * dp[j];
      } else {
        const uint16_t *dp = (const uint16_t *)D + d;
        for (int64_t j = 0; j < n; ++j)
          ac[j] += v * std::bit_cast<float>((uint32_t)dp[j] << 16);
      }
    } else {
      for (int64_t j = 0; j < n; ++j)
        acc[c + j * sc] += v * loadF(D, d + j * sd, DT);
    }
    for (int64_t i = sp.nF - 2; i >= 0; --i) {
      const int64_t *f = sp.F + 3 * i;
      if (++idx[i] < f[0]) {
        d += f[1];
        c += f[2];
        break;
      }
      d -= (f[0] - 1) * f[1];
      c -= (f[0] - 1) * f[2];
      idx[i] = 0;
    }
  }
}

// The scatter over the elements of S whose first index is in [o0, o1).
template <int DT>
void sparseRange(const SparsePlan &sp, const void *S, const void *D, float *acc, int64_t o0,
                 int64_t o1) {
  if (sp.nL == 0) {
    float v = loadF(S, 0, DT);
    if (v != 0.0f) axpyFree<DT>(sp, v, D, 0, acc, 0);
    return;
  }
  const int64_t *last = sp.L + 4 * (sp.nL - 1);
  // An odometer over the outer letters (the first restricted to [o0, o1)) keeps the offsets
  // of each inner run's first element; the inner letter is S's contiguous last dimension.
  int64_t inner = last[0], outer = 1;
  int64_t idx[32] = {0};
  int64_t so = o0 * sp.L[1], dOff = o0 * sp.L[2], cOff = o0 * sp.L[3];
  if (sp.nL > 1) {
    idx[0] = o0;
    outer = o1 - o0;
    for (int64_t i = 1; i + 1 < sp.nL; ++i)
      outer *= sp.L[4 * i];
  } else {
    inner = o1 - o0;
  }
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      float v = loadF(S, so + j * last[1], DT);
      if (v == 0.0f) continue;
      axpyFree<DT>(sp, v, D, dOff + j * last[2], acc, cOff + j * last[3]);
    }
    for (int64_t i = sp.nL - 2; i >= 0; --i) {
      const int64_t *l = sp.L + 4 * i;
      int64_t lo = i == 0 ? o0 : 0, hi = i == 0 ? o1 : l[0];
      if (++idx[i] < hi) {
        so += l[1];
        dOff += l[2];
        cOff += l[3];
        break;
      }
      so -= (hi - 1 - lo) * l[1];
      dOff -= (hi - 1 - lo) * l[2];
      cOff -= (hi - 1 - lo) * l[3];
      idx[i] = lo;
    }
  }
}

// out (row-major, `outElems` elements) = the einsum, by scattering S's nonzeros. bf16
// accumulates in f32 `scratch` and is rounded once.
void sparseEinsum(const SparsePlan &sp, int dtype, const void *S, const void *D, void *out,
                  int64_t outElems, float *scratch) {
  float *acc = dtype == 1 ? scratch : (float *)out;
  parallelFor(outElems, 1 << 16, [&](int64_t b, int64_t e) { std::fill(acc + b, acc + e, 0.0f); });
  int64_t first = sp.nL > 0 ? sp.L[0] : 1;
  auto range = [&](int64_t o0, int64_t o1) {
    if (dtype == 1)
      sparseRange<1>(sp, S, D, acc, o0, o1);
    else
      sparseRange<0>(sp, S, D, acc, o0, o1);
  };
  if (sp.parallel && sp.nL > 0)
    parallelFor(first, 1, range);
  else
    range(0, first);
  if (dtype == 1) {
    uint16_t *o = (uint16_t *)out;
    for (int64_t i = 0; i < outElems; ++i) {
      float r = partita::bf16Round(acc[i]);
      uint16_t hi = (uint16_t)(std::bit_cast<uint32_t>(r) >> 16);
      o[i] = acc[i] != acc[i] ? (uint16_t)(hi | 0x40) : hi;
    }
  }
}

// Offsets of every batch's view, from the operand's per-letter batch strides.
std::vector<int64_t> batchOffsets(int64_t nbl, const int64_t *sizes, const int64_t *strides,
                                  int64_t nB) {
  std::vector<int64_t> off(std::max<int64_t>(nB, 0));
  int64_t idx[32] = {0}, at = 0;
  for (int64_t b = 0; b < nB; ++b) {
    off[b] = at;
    for (int64_t i = nbl - 1; i >= 0; --i) {
      if (++idx[i] < sizes[i]) {
        at += strides[i];
        break;
      }
      at -= (sizes[i] - 1) * strides[i];
      idx[i] = 0;
    }
  }
  return off;
}

} // namespace

extern "C" {

void partita_kernel_einsum(const int64_t *desc, const void *a, const void *b, void *out,
                           void *scratch) {
  int dtype = (int)desc[0];
  int64_t nB = desc[1], nM = desc[2], nN = desc[3], nK = desc[4];
  int64_t aMode = desc[5], bMode = desc[6], cMode = desc[7];
  char *s = (char *)scratch;
  int64_t nbl = desc[11];
  const int64_t *bsizes = desc + 12;
  const int64_t *p = bsizes + nbl;
  struct Operand {
    const int64_t *bstrides;
    int64_t rs, cs;
  } ops[3];
  for (Operand &o : ops) {
    o.bstrides = p;
    o.rs = p[nbl];
    o.cs = p[nbl + 1];
    p += nbl + 2;
  }
  Layout la, lb, lc;
  p = readLayout(p, &la, true);
  p = readLayout(p, &lb, true);
  p = readLayout(p, &lc, false);
  SparsePlan spA, spB;
  bool hasA = false, hasB = false;
  p = readSparse(p, &spA, &hasA);
  readSparse(p, &spB, &hasB);

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

  // A mostly-zero operand turns the einsum into a scatter of its nonzeros. Decided at run
  // time: the count stops as soon as the operand is too dense to gain.
  double work = (double)nB * nM * nN * nK;
  if (work >= (1 << 20)) {
    for (int side = 0; side < 2; ++side) {
      if (!(side == 0 ? hasA : hasB)) continue;
      const SparsePlan &sp = side == 0 ? spA : spB;
      const void *S = side == 0 ? a : b, *D = side == 0 ? b : a;
      int64_t total = sparseTotal(sp), limit = total / 16;
      if (countNonzero(S, dtype, total, limit) > limit || !denseSideFinite(sp, dtype, D)) continue;
      sparseEinsum(sp, dtype, S, D, out, nB * nM * nN, (float *)(s + desc[10]));
      return;
    }
  }

  const float *A = (const float *)a, *Bp = (const float *)b;
  if (aMode == 2) {
    float *pa = (float *)(s + desc[8]);
    pack(a, dtype, la, pa);
    A = pa;
  }
  if (bMode == 2) {
    float *pb = (float *)(s + desc[9]);
    pack(b, dtype, lb, pb);
    Bp = pb;
  }
  float *Cp = cMode == 2 ? (float *)(s + desc[10]) : (float *)out;
  auto offA = batchOffsets(nbl, bsizes, ops[0].bstrides, nB);
  auto offB = batchOffsets(nbl, bsizes, ops[1].bstrides, nB);
  auto offC = batchOffsets(nbl, bsizes, ops[2].bstrides, nB);
  std::vector<View> as, bs, cs;
  for (int64_t bi = 0; bi < nB; ++bi) {
    as.push_back({const_cast<float *>(A) + offA[bi], nM, nK, ops[0].rs, ops[0].cs});
    bs.push_back({const_cast<float *>(Bp) + offB[bi], nK, nN, ops[1].rs, ops[1].cs});
    cs.push_back({Cp + offC[bi], nM, nN, ops[2].rs, ops[2].cs});
  }
  // The bf16 kernel multiplies bf16 numbers: right for operands packed straight from bf16,
  // not for one whose packing summed letters only it has (those sums are f32 values).
  bool bf16 = dtype == (int)partita::DType::BF16 && aMode == 2 && bMode == 2 &&
              la.rank == la.canon && lb.rank == lb.canon;
  runPieces(rowPieces(as, bs, nM, nN), as, bs, cs, nN, nK, bf16);
  if (cMode == 2) unpack(Cp, lc, out, dtype);
}

void partita_kernel_swap01(const void *in, void *out, int64_t a, int64_t b, int64_t bytes) {
  const char *src = (const char *)in;
  char *dst = (char *)out;
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      std::memcpy(dst + (j * a + i) * bytes, src + (i * b + j) * bytes, bytes);
}

void partita_rt_parallel_for(void (*task)(void **, int64_t, int64_t), void **env, int64_t n,
                             int64_t grain) {
  partita::parallelFor(n, grain, [&](int64_t b, int64_t e) { task(env, b, e); });
}

void partita_rt_profile_mark(PartitaCtx *ctx, int64_t op) {
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  if (op >= 0 && ctx->profile) ctx->profile[op] += now - ctx->profileLast;
  if (op >= 0 && ctx->trace && ctx->trace->count < ctx->trace->capacity)
    ctx->trace->events[ctx->trace->count++] = {op, ctx->profileLast, now};
  ctx->profileLast = now;
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
      {"partita_rt_collective", (void *)&partita_rt_collective},
      {"partita_rt_collective_start", (void *)&partita_rt_collective_start},
      {"partita_rt_collective_wait", (void *)&partita_rt_collective_wait},
      {"partita_rt_collective_progress", (void *)&partita_rt_collective_progress},
      {"partita_kernel_einsum", (void *)&partita_kernel_einsum},
      {"partita_rt_pow_i32", (void *)&partita_rt_pow_i32},
      {"partita_rt_profile_mark", (void *)&partita_rt_profile_mark},
      {"partita_rt_parallel_for", (void *)&partita_rt_parallel_for},
      {"memcpy", (void *)(void *(*)(void *, const void *, size_t)) & std::memcpy},
      {"memmove", (void *)(void *(*)(void *, const void *, size_t)) & std::memmove},
      {"memset", (void *)(void *(*)(void *, int, size_t)) & std::memset},
      {"pow", (void *)(double (*)(double, double)) & std::pow},
  };
  return syms;
}

} // namespace partita
