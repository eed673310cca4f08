// f32 GEMM on strided matrices (see Gemm.h), single-threaded except sgemmRowsParallel, where
// the runtime's threads share each packed block of B. The packed kernel follows
// Goto and van de Geijn / BLIS: B is packed in KC x NC blocks of NR-wide column strips,
// which stay in L3 / L1, A in MC x KC blocks of MR-high row strips, which stay in L2, and a
// register-blocked MR x NR micro-kernel runs over them. Packing reads any strides, so a
// transposed operand costs nothing extra. Eigen 3.4's GEMM reaches ~0.55-0.67x of
// OpenBLAS on the einsum shapes of GLaM (docs/performance.md); this kernel closes most of
// that gap (0.9x single-threaded OpenBLAS). Compiled with -march=native -O3
// (runtime/CMakeLists.txt).
#include "runtime/Gemm.h"

#include "runtime/Parallel.h"

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define PARTITA_GEMM_FMA 1
#endif

namespace partita {
namespace {

// 6 x 16 accumulators are 12 of the 16 vector registers of AVX2, leaving room for two B
// vectors and one broadcast A value: enough independent FMAs to hide their latency.
constexpr int64_t MR = 6, NR = 16;
// A KC x NR strip of B (16 KiB) fits L1; an MC x KC block of A (144 KiB) fits L2; a
// KC x NC block of B (4 MiB) fits a share of L3.
constexpr int64_t KC = 256, MC = 144, NC = 4096;

using V8A = float __attribute__((vector_size(32)));

inline V8A load8(const float *p) { return *(const V8A *)p; } // packed buffers are aligned
inline V8A loadu8(const float *p) {
  V8A v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storeu8(float *p, V8A v) { std::memcpy(p, &v, sizeof v); }
inline V8A bcast8(const float *p) {
#ifdef PARTITA_GEMM_FMA
  return (V8A)_mm256_broadcast_ss(p);
#else
  float x = *p;
  return V8A{x, x, x, x, x, x, x, x};
#endif
}
inline V8A fma8(V8A a, V8A b, V8A c) {
#ifdef PARTITA_GEMM_FMA
  return (V8A)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}

// Packing buffers, one pair per thread, grown on demand and kept: einsums run back to back.
struct PackBuffers {
  float *a = nullptr, *b = nullptr;
  size_t aCap = 0, bCap = 0;
  ~PackBuffers() {
    std::free(a);
    std::free(b);
  }
  static float *grow(float *&p, size_t &cap, size_t n) {
    if (n > cap) {
      std::free(p);
      size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      p = (float *)std::aligned_alloc(64, bytes);
      if (!p) std::abort();
      cap = n;
    }
    return p;
  }
};
thread_local PackBuffers tlBuffers;

// Which rows of A and C the product covers: row i is row rows[i] (or i, without a list).
struct RowMap {
  const int64_t *rows;
  int64_t operator[](int64_t i) const { return rows ? rows[i] : i; }
};

// Rows [i0, i0 + mc) of the product x k [0, kc) of A (already offset to the K block) into
// MR-row strips, each kc x MR, k-major; rows past mc are zero so the micro-kernel always
// computes a full tile.
void packA(const float *a, int64_t rs, int64_t cs, RowMap rows, int64_t i0, int64_t mc, int64_t kc,
           float *dst, int64_t *span) {
  for (int64_t s0 = 0; s0 < mc; s0 += MR, dst += MR * kc, span += 2) {
    int64_t mr = std::min(MR, mc - s0);
    const float *r[MR];
    for (int64_t i = 0; i < MR; ++i)
      r[i] = i < mr ? a + rows[i0 + s0 + i] * rs : nullptr;
    if (mr == MR && cs != 1) { // column-major A: the strip's rows share cache lines
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t i = 0; i < MR; ++i)
          dst[k * MR + i] = r[i][k * cs];
    } else {
      for (int64_t i = 0; i < MR; ++i)
        for (int64_t k = 0; k < kc; ++k)
          dst[k * MR + i] = i < mr ? r[i][k * cs] : 0.0f;
    }
    // The strip's k range outside which it is all zero: a causal attention mask leaves the
    // probabilities zero past the diagonal, so about half of `bnst,btnk->bsnk` is skipped.
    // A dense strip costs two compares. Exact for finite B, like the zero-row skip.
    auto zero = [&](int64_t k) {
      for (int64_t i = 0; i < MR; ++i)
        if (dst[k * MR + i] != 0.0f) return false;
      return true;
    };
    int64_t lo = 0, hi = kc;
    while (hi > 0 && zero(hi - 1))
      --hi;
    while (lo < hi && zero(lo))
      ++lo;
    span[0] = lo;
    span[1] = hi;
  }
}

// k [0, kc) x columns [0, nc) of B into NR-column strips, each kc x NR, k-major; columns
// past nc are zero.
void packB(const float *b, int64_t rs, int64_t cs, int64_t kc, int64_t nc, float *dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
    int64_t nr = std::min(NR, nc - j0);
    const float *base = b + j0 * cs;
    if (nr == NR && cs == 1) {
      for (int64_t k = 0; k < kc; ++k)
        std::memcpy(dst + k * NR, base + k * rs, NR * sizeof(float));
    } else if (nr == NR) {
      for (int64_t j = 0; j < NR; ++j) {
        const float *col = base + j * cs;
        for (int64_t k = 0; k < kc; ++k)
          dst[k * NR + j] = col[k * rs];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k)
        for (int64_t j = 0; j < NR; ++j)
          dst[k * NR + j] = j < nr ? base[k * rs + j * cs] : 0.0f;
    }
  }
}

// Whether each packed B strip holds only finite values (1), or NaN/inf (0), or is not
// checked yet (-1). The micro-kernel may skip an A strip's zero k range only against a
// finite B strip (0 * inf is NaN); asked only when a strip of A has such a range, so dense
// products never pay for the check. Threads sharing a packed block may race to fill an
// entry, harmlessly: all compute the same answer from the same read-only strip.
struct StripFinite {
  std::atomic<int8_t> s[NC / NR];
  void reset(int64_t strips) {
    for (int64_t i = 0; i < strips; ++i)
      s[i].store(-1, std::memory_order_relaxed);
  }
  bool operator()(const float *Bp, int64_t kc, int64_t strip) {
    int8_t v = s[strip].load(std::memory_order_relaxed);
    if (v < 0) {
      v = allFinite(Bp + strip * NR * kc, NR * kc);
      s[strip].store(v, std::memory_order_relaxed);
    }
    return v;
  }
};

// C[0:mr, 0:nr] (+)= A-strip * B-strip over kc, row i of the tile at C[i]. `add` keeps C's
// value (a later K block).
void microKernel(int64_t kc, const float *A, const float *B, float *const *C, int64_t cs,
                 int64_t mr, int64_t nr, bool add) {
  // C's rows are far apart (often a multiple of 4 KiB), so the hardware prefetcher does not
  // see them coming: ask for the tile now, while the FMAs run.
  for (int64_t i = 0; i < mr; ++i) {
    __builtin_prefetch(C[i], 1);
    __builtin_prefetch(C[i] + (nr - 1) * cs, 1);
  }
  V8A c00{}, c01{}, c10{}, c11{}, c20{}, c21{}, c30{}, c31{}, c40{}, c41{}, c50{}, c51{};
  for (int64_t k = 0; k < kc; ++k, A += MR, B += NR) {
    V8A b0 = load8(B), b1 = load8(B + 8), a;
#define PARTITA_ROW(i)                                                                             \
  a = bcast8(A + i);                                                                               \
  c##i##0 = fma8(a, b0, c##i##0);                                                                  \
  c##i##1 = fma8(a, b1, c##i##1);
    PARTITA_ROW(0)
    PARTITA_ROW(1)
    PARTITA_ROW(2)
    PARTITA_ROW(3)
    PARTITA_ROW(4)
    PARTITA_ROW(5)
#undef PARTITA_ROW
  }
  if (mr == MR && nr == NR && cs == 1) {
#define PARTITA_STORE(i)                                                                           \
  {                                                                                                \
    float *r = C[i];                                                                               \
    if (add) {                                                                                     \
      c##i##0 += loadu8(r);                                                                        \
      c##i##1 += loadu8(r + 8);                                                                    \
    }                                                                                              \
    storeu8(r, c##i##0);                                                                           \
    storeu8(r + 8, c##i##1);                                                                       \
  }
    PARTITA_STORE(0)
    PARTITA_STORE(1)
    PARTITA_STORE(2)
    PARTITA_STORE(3)
    PARTITA_STORE(4)
    PARTITA_STORE(5)
#undef PARTITA_STORE
    return;
  }
  alignas(64) float t[MR * NR];
  V8A *tv = (V8A *)t;
  V8A acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  for (int i = 0; i < 12; ++i)
    tv[i] = acc[i];
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) {
      float &dst = C[i][j * cs];
      dst = add ? dst + t[i * NR + j] : t[i * NR + j];
    }
}

// Makes a view Eigen-mappable: a size-1 dimension may have any stride, so pick one that
// makes the inner stride 1 and the outer stride at least the inner size.
MatView normalized(MatView v) {
  if (v.rows <= 1 && v.cs != 1) v.rs = 1;
  if (v.cols <= 1 && v.rs != 1) v.cs = 1;
  if (v.cs == 1 && v.rows <= 1) v.rs = std::max<int64_t>(v.cols, 1);
  if (v.rs == 1 && v.cs != 1 && v.cols <= 1) v.cs = std::max<int64_t>(v.rows, 1);
  return v;
}

using Strided = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
template <int Order>
using SMap = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Order>, 0,
                        Eigen::OuterStride<>>;
template <int Order>
using SMapC = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Order>, 0,
                         Eigen::OuterStride<>>;
using GMap = Eigen::Map<Eigen::MatrixXf, 0, Strided>;
using GMapC = Eigen::Map<const Eigen::MatrixXf, 0, Strided>;

template <int Order> SMap<Order> mapOf(const MatView &v) {
  return SMap<Order>(v.p, v.rows, v.cols,
                     Eigen::OuterStride<>(Order == Eigen::RowMajor ? v.rs : v.cs));
}
template <int Order> SMapC<Order> mapOfC(const MatView &v) {
  return SMapC<Order>(v.p, v.rows, v.cols,
                      Eigen::OuterStride<>(Order == Eigen::RowMajor ? v.rs : v.cs));
}

template <int OC, int OA> void eigen3(const MatView &c, const MatView &a, const MatView &b) {
  auto cm = mapOf<OC>(c);
  auto am = mapOfC<OA>(a);
  if (b.cs == 1)
    cm.noalias() = am * mapOfC<Eigen::RowMajor>(b);
  else
    cm.noalias() = am * mapOfC<Eigen::ColMajor>(b);
}

bool unitInner(const MatView &v) { return v.rs == 1 || v.cs == 1; }

} // namespace

namespace {

// One MC block of rows [ic, ic + mc) of the product against a packed KC x NC block of B
// (columns [jc, jc + nc), k block [pc, pc + kc)): packs A into this thread's buffer and
// runs the micro-kernel over it.
void computeBlock(MatView c, MatView a, RowMap rows, int64_t ic, int64_t mc, int64_t jc, int64_t nc,
                  int64_t pc, int64_t kc, const float *Bp, StripFinite &bFinite) {
  PackBuffers &buf = tlBuffers;
  float *Ap = PackBuffers::grow(buf.a, buf.aCap, (size_t)(MC * KC));
  int64_t span[2 * (MC / MR + 1)];
  packA(a.p + pc * a.cs, a.rs, a.cs, rows, ic, mc, kc, Ap, span);
  // C's row starts for this block; tile rows past mc repeat the last row, which the kernel
  // does not write.
  float *crow[MC + MR];
  for (int64_t i = 0; i < mc + MR; ++i)
    crow[i] = c.p + rows[ic + std::min(i, mc - 1)] * c.rs + jc * c.cs;
  for (int64_t jr = 0; jr < nc; jr += NR)
    for (int64_t ir = 0; ir < mc; ir += MR) {
      float *tile[MR];
      for (int64_t i = 0; i < MR; ++i)
        tile[i] = crow[ir + i] + jr * c.cs;
      // An all-zero strip runs no k steps: it stores zeros, or adds nothing. Against a B
      // strip holding NaN or inf it runs them all, so that 0 * inf gives NaN as it should.
      int64_t lo = span[2 * (ir / MR)], hi = span[2 * (ir / MR) + 1];
      if ((lo > 0 || hi < kc) && !bFinite(Bp, kc, jr / NR)) lo = 0, hi = kc;
      microKernel(hi - lo, Ap + ir * kc + lo * MR, Bp + jr * kc + lo * NR, tile, c.cs,
                  std::min(MR, mc - ir), std::min(NR, nc - jr), pc > 0);
    }
}

// Row r of C = A * B when B's rows or columns are contiguous; false for other strides.
// A product of one row (a decode step: one token per sequence) uses each element of B once,
// so packing B would copy all of it for nothing: B is read in place, once, and the sums
// run over k in order (no zero skip, so NaN and inf in either operand propagate as they
// must).
bool gemvRow(MatView c, MatView a, MatView b, int64_t r) {
  int64_t n = c.cols, k = a.cols;
  float *cr = c.p + r * c.rs;
  const float *ar = a.p + r * a.rs;
  if (b.cs == 1) {
    // c[j] = sum_p a[p] * B[p, j], B row by row into accumulators that stay in L1.
    constexpr int64_t W = 1024;
    float acc[W];
    for (int64_t j0 = 0; j0 < n; j0 += W) {
      int64_t w = std::min(W, n - j0);
      std::fill(acc, acc + w, 0.0f);
      for (int64_t p = 0; p < k; ++p) {
        float s = ar[p * a.cs];
        const float *row = b.p + p * b.rs + j0;
        for (int64_t j = 0; j < w; ++j)
          acc[j] += s * row[j];
      }
      for (int64_t j = 0; j < w; ++j)
        cr[(j0 + j) * c.cs] = acc[j];
    }
    return true;
  }
  if (b.rs != 1) return false;
  // c[j] = dot(a, B[:, j]) over contiguous columns (a transposed weight: the tied output
  // projection reads the [vocab, d_model] embedding so): eight lanes per column, four
  // columns at a time sharing each load of a.
  PackBuffers &buf = tlBuffers;
  const float *av = ar;
  if (a.cs != 1) {
    float *t = PackBuffers::grow(buf.a, buf.aCap, (size_t)k);
    for (int64_t p = 0; p < k; ++p)
      t[p] = ar[p * a.cs];
    av = t;
  }
  constexpr int64_t L = 8, Q = 4;
  int64_t kk = k / L * L;
  for (int64_t j0 = 0; j0 < n; j0 += Q) {
    int64_t q = std::min(Q, n - j0);
    const float *col[Q];
    for (int64_t i = 0; i < Q; ++i)
      col[i] = b.p + (j0 + std::min(i, q - 1)) * b.cs;
    float acc[Q][L] = {};
#ifdef PARTITA_GEMM_FMA
    __m256 v0 = _mm256_setzero_ps(), v1 = v0, v2 = v0, v3 = v0;
    for (int64_t p = 0; p < kk; p += L) {
      __m256 x = _mm256_loadu_ps(av + p);
      v0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(col[0] + p), v0);
      v1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(col[1] + p), v1);
      v2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(col[2] + p), v2);
      v3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(col[3] + p), v3);
    }
    _mm256_storeu_ps(acc[0], v0);
    _mm256_storeu_ps(acc[1], v1);
    _mm256_storeu_ps(acc[2], v2);
    _mm256_storeu_ps(acc[3], v3);
#else
    for (int64_t p = 0; p < kk; p += L)
      for (int64_t i = 0; i < Q; ++i)
        for (int64_t l = 0; l < L; ++l)
          acc[i][l] += av[p + l] * col[i][p + l];
#endif
    for (int64_t i = 0; i < q; ++i) {
      float sum = 0;
      for (int64_t l = 0; l < L; ++l)
        sum += acc[i][l];
      for (int64_t p = kk; p < k; ++p)
        sum += av[p] * col[i][p];
      cr[(j0 + i) * c.cs] = sum;
    }
  }
  return true;
}

// The m rows `rows` names of C = A * B. With `parallel`, each packed block of B is shared by
// the runtime's threads, which take the MC blocks of rows in turn (BLIS's parallel ic loop),
// and the packing of B is split between them too.
void packedCore(MatView c, MatView a, MatView b, RowMap rows, int64_t m, bool parallel) {
  int64_t n = c.cols, k = a.cols;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c.p[rows[i] * c.rs + j * c.cs] = 0.0f;
    return;
  }
  if (m == 1 && gemvRow(c, a, b, rows[0])) return;
  PackBuffers &buf = tlBuffers;
  int64_t kcMax = std::min(KC, k), ncMax = std::min(NC, (n + NR - 1) / NR * NR);
  // The shared block lives in the calling thread's B buffer; workers only read it.
  float *Bp = PackBuffers::grow(buf.b, buf.bCap, (size_t)(ncMax * kcMax));
  StripFinite bFinite;
  for (int64_t jc = 0; jc < n; jc += NC) {
    int64_t nc = std::min(NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      int64_t kc = std::min(KC, k - pc);
      const float *bBlock = b.p + pc * b.rs + jc * b.cs;
      bFinite.reset((nc + NR - 1) / NR);
      if (!parallel) {
        packB(bBlock, b.rs, b.cs, kc, nc, Bp);
        for (int64_t ic = 0; ic < m; ic += MC)
          computeBlock(c, a, rows, ic, std::min(MC, m - ic), jc, nc, pc, kc, Bp, bFinite);
        continue;
      }
      int64_t strips = (nc + NR - 1) / NR;
      parallelFor(strips, 16, [&](int64_t s0, int64_t s1) {
        packB(bBlock + s0 * NR * b.cs, b.rs, b.cs, kc, std::min(nc, s1 * NR) - s0 * NR,
              Bp + s0 * NR * kc);
      });
      // Equal shares of MR-row strips (whole MC blocks would leave one thread a block more
      // than the other), each run in blocks of at most MC rows.
      parallelFor((m + MR - 1) / MR, MC / MR / 2, [&](int64_t s0, int64_t s1) {
        for (int64_t i0 = s0 * MR, end = std::min(m, s1 * MR); i0 < end; i0 += MC)
          computeBlock(c, a, rows, i0, std::min(MC, end - i0), jc, nc, pc, kc, Bp, bFinite);
      });
    }
  }
}
} // namespace

void sgemmPacked(MatView c, MatView a, MatView b) {
  packedCore(c, a, b, RowMap{nullptr}, c.rows, false);
}

void sgemmRowsParallel(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows) {
#ifdef PARTITA_GEMM_FMA
  if (c.cols > NR / 2) return packedCore(c, a, b, RowMap{rows}, nrows, true);
#endif
  // Eigen: each part packs its own B.
  parallelFor(nrows, MC, [&](int64_t r0, int64_t r1) { sgemmRows(c, a, b, rows + r0, r1 - r0); });
}

int64_t sgemmRowBlock() { return MC; }

void sgemmRows(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows) {
#ifdef PARTITA_GEMM_FMA
  if (c.cols > NR / 2) return packedCore(c, a, b, RowMap{rows}, nrows, false);
#endif
  // Eigen: one product per run of consecutive rows.
  for (int64_t i = 0; i < nrows;) {
    int64_t j = i + 1;
    while (j < nrows && rows[j] == rows[j - 1] + 1)
      ++j;
    MatView ci = c, ai = a;
    ci.p += rows[i] * c.rs;
    ai.p += rows[i] * a.rs;
    ci.rows = ai.rows = j - i;
    sgemmEigen(ci, ai, b);
    i = j;
  }
}

void fillZero(MatView c) {
  for (int64_t i = 0; i < c.rows; ++i)
    for (int64_t j = 0; j < c.cols; ++j)
      c.p[i * c.rs + j * c.cs] = 0.0f;
}

bool allFinite(const float *p, int64_t n) {
  // The largest exponent field, in chunks so that a NaN early on ends the scan early; an
  // unsigned max over integers vectorises, where a float test would not (without
  // -ffast-math the compiler keeps NaN-aware compares scalar-ordered).
  const uint32_t expMask = 0x7f800000u;
  for (int64_t i = 0; i < n; i += 4096) {
    int64_t e = std::min(n, i + 4096);
    uint32_t m = 0;
    for (int64_t k = i; k < e; ++k) {
      uint32_t u;
      std::memcpy(&u, p + k, sizeof u);
      m = std::max(m, u & expMask);
    }
    if (m == expMask) return false;
  }
  return true;
}

bool allFinite(MatView v) {
  v = normalized(v);
  if (v.cs == 1) {
    for (int64_t i = 0; i < v.rows; ++i)
      if (!allFinite(v.p + i * v.rs, v.cols)) return false;
    return true;
  }
  if (v.rs == 1) {
    for (int64_t j = 0; j < v.cols; ++j)
      if (!allFinite(v.p + j * v.cs, v.rows)) return false;
    return true;
  }
  for (int64_t i = 0; i < v.rows; ++i)
    for (int64_t j = 0; j < v.cols; ++j)
      if (!std::isfinite(v.p[i * v.rs + j * v.cs])) return false;
  return true;
}

void sgemmEigen(MatView c, MatView a, MatView b) {
  c = normalized(c);
  a = normalized(a);
  b = normalized(b);
  if (c.rows == 0 || c.cols == 0) return;
  if (a.cols == 0) return fillZero(c);
  if (!unitInner(c) || !unitInner(a) || !unitInner(b)) {
    GMap(c.p, c.rows, c.cols, Strided(c.cs, c.rs)).noalias() =
        GMapC(a.p, a.rows, a.cols, Strided(a.cs, a.rs)) *
        GMapC(b.p, b.rows, b.cols, Strided(b.cs, b.rs));
    return;
  }
  bool cr = c.cs == 1, ar = a.cs == 1;
  if (cr && ar)
    eigen3<Eigen::RowMajor, Eigen::RowMajor>(c, a, b);
  else if (cr)
    eigen3<Eigen::RowMajor, Eigen::ColMajor>(c, a, b);
  else if (ar)
    eigen3<Eigen::ColMajor, Eigen::RowMajor>(c, a, b);
  else
    eigen3<Eigen::ColMajor, Eigen::ColMajor>(c, a, b);
}

void sgemm(MatView c, MatView a, MatView b) {
#ifdef PARTITA_GEMM_FMA
  // A product at most 8 columns wide (the MoE router's expert logits) would fill half of
  // every 16-wide micro-tile; Eigen's narrower kernels waste less there.
  if (c.cols <= NR / 2 && c.rows > 1) return sgemmEigen(c, a, b);
  sgemmPacked(c, a, b);
#else
  sgemmEigen(c, a, b);
#endif
}

const char *sgemmKind() {
#ifdef PARTITA_GEMM_FMA
  return "packed-avx2";
#else
  return "eigen";
#endif
}

} // namespace partita
