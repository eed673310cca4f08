// The bf16 GEMM of the einsum kernel on CPUs with AVX512-BF16 (see Gemm.h): operands are
// packed as bf16 pairs along k and multiplied with vdpbf16ps (_mm512_dpbf16_ps), which
// adds two bf16 products into each f32 lane, so a 512-bit instruction does 32
// multiply-adds where the f32 kernel's 256-bit FMA does 8, from half the packed bytes.
// Accumulation stays in f32; only the summation order differs from the f32 path.
//
// This file is built without -march=native: the kernel functions carry a target attribute
// and run only when the CPU reports the instructions at run time (bf16DotAvailable), so the
// same binary works on CPUs without them. Blocking follows the f32 kernel (Gemm.cpp).
#include "runtime/Gemm.h"

#include "runtime/Parallel.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PARTITA_BF16_X86 1
#endif

namespace partita {

#ifdef PARTITA_BF16_X86
namespace {

#define PARTITA_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// 12 rows x 32 columns: 24 zmm accumulators, two B vectors and one broadcast A pair of the
// 32 registers. KC counts k (two per bf16 pair): a KC x NR strip of B is 32 KiB (L1), an
// MC x KC block of A 144 KiB (L2); twice the f32 kernel's KC, since bf16 halves the bytes,
// halves how often each C tile is loaded and stored.
constexpr int64_t MR = 12, NR = 32;
constexpr int64_t KC = 512, MC = 144, NC = 4096;

// Round to nearest even, as f32 -> bf16 conversion does everywhere else; NaN stays NaN.
inline uint16_t toBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1)) >> 16);
}
inline uint32_t pairOf(float lo, float hi) {
  return (uint32_t)toBf16(lo) | ((uint32_t)toBf16(hi) << 16);
}

struct Bf16Buffers {
  uint32_t *a = nullptr, *b = nullptr;
  size_t aCap = 0, bCap = 0;
  ~Bf16Buffers() {
    std::free(a);
    std::free(b);
  }
  static uint32_t *grow(uint32_t *&p, size_t &cap, size_t n) {
    if (n > cap) {
      std::free(p);
      p = (uint32_t *)std::aligned_alloc(64, (n * sizeof(uint32_t) + 63) / 64 * 64);
      if (!p) std::abort();
      cap = n;
    }
    return p;
  }
};
thread_local Bf16Buffers tlBf16;

struct RowMap {
  const int64_t *rows;
  int64_t operator[](int64_t i) const { return rows ? rows[i] : i; }
};

// Whether a packed B strip (kp pairs x NR) holds no NaN or infinity (exponent all ones in
// either bf16 half). Skipping zeros of A is exact only against finite B (0 * inf is NaN).
uint8_t stripFinite(const uint32_t *strip, int64_t kp) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < kp * NR; ++i) {
    uint32_t x = strip[i];
    bad |= ((x & 0x7f800000u) == 0x7f800000u) | ((x & 0x7f80u) == 0x7f80u);
  }
  return bad ? 0 : 1;
}

// The pairs [lo, hi) outside which a packed A strip (kp pairs x MR) is zero (+-0): the
// probabilities of causal attention are zero above the diagonal, so the micro-kernel can
// skip about half of them, as the f32 kernel does.
void stripSpan(const uint32_t *strip, int64_t kp, int64_t *lo, int64_t *hi) {
  auto zero = [&](int64_t p) {
    for (int64_t i = 0; i < MR; ++i)
      if (strip[p * MR + i] & 0x7fff7fffu) return false;
    return true;
  };
  int64_t a = 0, b = kp;
  while (a < b && zero(a))
    ++a;
  while (b > a && zero(b - 1))
    --b;
  *lo = a;
  *hi = b;
}

// Rows [i0, i0 + mc) x k [0, kc) of A into MR-row strips of kp = ceil(kc/2) pairs, pair-major:
// strip[p * MR + i] holds A[i][2p], A[i][2p+1]. Missing rows and the odd k's partner are zero.
// Rows with unit stride along k (the einsum kernel's packed operands) convert 32 values
// at a time; others go element by element.
PARTITA_BF16_TARGET void packA(const float *a, int64_t rs, int64_t cs, RowMap rows, int64_t i0,
                               int64_t mc, int64_t kc, uint32_t *dst) {
  int64_t kp = (kc + 1) / 2;
  for (int64_t s0 = 0; s0 < mc; s0 += MR, dst += MR * kp) {
    int64_t mr = std::min(MR, mc - s0);
    if (cs != 1) {
      for (int64_t i = 0; i < MR; ++i) {
        if (i >= mr) {
          for (int64_t p = 0; p < kp; ++p)
            dst[p * MR + i] = 0;
          continue;
        }
        const float *r = a + rows[i0 + s0 + i] * rs;
        for (int64_t p = 0; p < kc / 2; ++p)
          dst[p * MR + i] = pairOf(r[2 * p * cs], r[(2 * p + 1) * cs]);
        if (kc & 1) dst[(kp - 1) * MR + i] = pairOf(r[(kc - 1) * cs], 0.0f);
      }
      continue;
    }
    // 16 pairs (32 k) of every row at a time, then transposed into the strip.
    alignas(64) uint32_t t[MR][16];
    for (int64_t k0 = 0; k0 < kc; k0 += 32) {
      int64_t left = std::min<int64_t>(32, kc - k0);
      __mmask16 m0 = (__mmask16)(left >= 16 ? 0xffff : (1u << left) - 1);
      __mmask16 m1 = (__mmask16)(left >= 32 ? 0xffff : left > 16 ? (1u << (left - 16)) - 1 : 0);
      for (int64_t i = 0; i < MR; ++i) {
        if (i >= mr) {
          _mm512_store_si512(t[i], _mm512_setzero_si512());
          continue;
        }
        const float *r = a + rows[i0 + s0 + i] * rs + k0;
        __m512 lo = _mm512_maskz_loadu_ps(m0, r), hi = _mm512_maskz_loadu_ps(m1, r + 16);
        _mm512_store_si512(t[i], (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
      }
      int64_t pairs = (left + 1) / 2;
      uint32_t *o = dst + (k0 / 2) * MR;
      for (int64_t q = 0; q < pairs; ++q)
        for (int64_t i = 0; i < MR; ++i)
          o[q * MR + i] = t[i][q];
    }
  }
}

// k [0, kc) x columns [0, nc) of B into NR-column strips of kp pairs: strip[p * NR + j]
// holds B[2p][j], B[2p+1][j]. Columns past nc and the odd k's partner are zero. Rows with
// unit stride along columns convert and interleave 16 columns of two rows at a time.
PARTITA_BF16_TARGET void packB(const float *b, int64_t rs, int64_t cs, int64_t kc, int64_t nc,
                               uint32_t *dst, uint8_t *finite) {
  int64_t kp = (kc + 1) / 2;
  // Output u16 lane 2j takes row 2p's column j (lane j), lane 2j+1 row 2p+1's (lane 16+j).
  alignas(64) int16_t order[32];
  for (int j = 0; j < 16; ++j) {
    order[2 * j] = (int16_t)j;
    order[2 * j + 1] = (int16_t)(16 + j);
  }
  const __m512i interleave = _mm512_load_si512(order);
  for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kp) {
    int64_t nr = std::min(NR, nc - j0);
    for (int64_t p = 0; p < kp; ++p) {
      const float *r0 = b + 2 * p * rs + j0 * cs;
      const float *r1 = 2 * p + 1 < kc ? r0 + rs : nullptr;
      uint32_t *o = dst + p * NR;
      if (cs != 1) {
        for (int64_t j = 0; j < nr; ++j)
          o[j] = pairOf(r0[j * cs], r1 ? r1[j * cs] : 0.0f);
        for (int64_t j = nr; j < NR; ++j)
          o[j] = 0;
        continue;
      }
      for (int64_t h = 0; h < NR; h += 16) {
        int64_t left = std::max<int64_t>(0, std::min<int64_t>(16, nr - h));
        __mmask16 m = (__mmask16)(left == 16 ? 0xffff : (1u << left) - 1);
        __m512 x0 = _mm512_maskz_loadu_ps(m, r0 + h);
        __m512 x1 = r1 ? _mm512_maskz_loadu_ps(m, r1 + h) : _mm512_setzero_ps();
        __m512i both = (__m512i)_mm512_cvtne2ps_pbh(x1, x0); // row 2p's 16, then row 2p+1's
        _mm512_store_si512(o + h, _mm512_permutexvar_epi16(interleave, both));
      }
    }
    *finite++ = stripFinite(dst, kp);
  }
}

// C[0:mr, 0:nr] (+)= A-strip * B-strip over kp pairs; row i of the tile starts at C[i].
PARTITA_BF16_TARGET void microKernel(int64_t kp, const uint32_t *A, const uint32_t *B,
                                     float *const *C, int64_t cs, int64_t mr, int64_t nr,
                                     bool add) {
  __m512 c[MR][2];
  for (int64_t i = 0; i < MR; ++i)
    c[i][0] = c[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kp; ++p, A += MR, B += NR) {
    __m512bh b0 = (__m512bh)_mm512_load_si512(B), b1 = (__m512bh)_mm512_load_si512(B + 16);
    for (int64_t i = 0; i < MR; ++i) {
      __m512bh a = (__m512bh)_mm512_set1_epi32((int)A[i]);
      c[i][0] = _mm512_dpbf16_ps(c[i][0], a, b0);
      c[i][1] = _mm512_dpbf16_ps(c[i][1], a, b1);
    }
  }
  if (mr == MR && nr == NR && cs == 1) {
    for (int64_t i = 0; i < MR; ++i) {
      float *r = C[i];
      if (add) {
        c[i][0] = _mm512_add_ps(c[i][0], _mm512_loadu_ps(r));
        c[i][1] = _mm512_add_ps(c[i][1], _mm512_loadu_ps(r + 16));
      }
      _mm512_storeu_ps(r, c[i][0]);
      _mm512_storeu_ps(r + 16, c[i][1]);
    }
    return;
  }
  alignas(64) float t[MR * NR];
  for (int64_t i = 0; i < MR; ++i) {
    _mm512_store_ps(t + i * NR, c[i][0]);
    _mm512_store_ps(t + i * NR + 16, c[i][1]);
  }
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) {
      float &d = C[i][j * cs];
      d = add ? d + t[i * NR + j] : t[i * NR + j];
    }
}

void computeBlock(MatView c, MatView a, RowMap rows, int64_t ic, int64_t mc, int64_t jc, int64_t nc,
                  int64_t pc, int64_t kc, const uint32_t *Bp, const uint8_t *bFinite) {
  Bf16Buffers &buf = tlBf16;
  int64_t kp = (kc + 1) / 2;
  uint32_t *Ap = Bf16Buffers::grow(buf.a, buf.aCap, (size_t)(MC * (KC / 2)));
  packA(a.p + pc * a.cs, a.rs, a.cs, rows, ic, mc, kc, Ap);
  int64_t span[2 * (MC / MR + 1)];
  for (int64_t ir = 0; ir < mc; ir += MR)
    stripSpan(Ap + ir * kp, kp, &span[2 * (ir / MR)], &span[2 * (ir / MR) + 1]);
  float *crow[MC + MR];
  for (int64_t i = 0; i < mc + MR; ++i)
    crow[i] = c.p + rows[ic + std::min(i, mc - 1)] * c.rs + jc * c.cs;
  for (int64_t jr = 0; jr < nc; jr += NR)
    for (int64_t ir = 0; ir < mc; ir += MR) {
      float *tile[MR];
      for (int64_t i = 0; i < MR; ++i)
        tile[i] = crow[ir + i] + jr * c.cs;
      // An all-zero strip runs no pairs: it stores zeros, or adds nothing; against a B strip
      // holding NaN or inf it runs them all, so that 0 * inf gives NaN as it should.
      int64_t lo = span[2 * (ir / MR)], hi = span[2 * (ir / MR) + 1];
      if ((lo > 0 || hi < kp) && !bFinite[jr / NR]) lo = 0, hi = kp;
      microKernel(hi - lo, Ap + ir * kp + lo * MR, Bp + jr * kp + lo * NR, tile, c.cs,
                  std::min(MR, mc - ir), std::min(NR, nc - jr), pc > 0);
    }
}

// As Gemm.cpp's packedCore: the m rows `rows` names of C = A * B, optionally with the
// runtime's threads sharing each packed block of B.
void bf16Core(MatView c, MatView a, MatView b, RowMap rows, int64_t m, bool parallel) {
  int64_t n = c.cols, k = a.cols;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c.p[rows[i] * c.rs + j * c.cs] = 0.0f;
    return;
  }
  Bf16Buffers &buf = tlBf16;
  int64_t kpMax = (std::min(KC, k) + 1) / 2, ncMax = std::min(NC, (n + NR - 1) / NR * NR);
  uint32_t *Bp = Bf16Buffers::grow(buf.b, buf.bCap, (size_t)(ncMax * kpMax));
  std::vector<uint8_t> bFinite((size_t)((ncMax + NR - 1) / NR));
  for (int64_t jc = 0; jc < n; jc += NC) {
    int64_t nc = std::min(NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      int64_t kc = std::min(KC, k - pc), kp = (kc + 1) / 2;
      const float *bBlock = b.p + pc * b.rs + jc * b.cs;
      if (!parallel) {
        packB(bBlock, b.rs, b.cs, kc, nc, Bp, bFinite.data());
        for (int64_t ic = 0; ic < m; ic += MC)
          computeBlock(c, a, rows, ic, std::min(MC, m - ic), jc, nc, pc, kc, Bp, bFinite.data());
        continue;
      }
      int64_t strips = (nc + NR - 1) / NR;
      parallelFor(strips, 8, [&](int64_t s0, int64_t s1) {
        packB(bBlock + s0 * NR * b.cs, b.rs, b.cs, kc, std::min(nc, s1 * NR) - s0 * NR,
              Bp + s0 * NR * kp, bFinite.data() + s0);
      });
      parallelFor((m + MR - 1) / MR, MC / MR / 2, [&](int64_t s0, int64_t s1) {
        for (int64_t i0 = s0 * MR, end = std::min(m, s1 * MR); i0 < end; i0 += MC)
          computeBlock(c, a, rows, i0, std::min(MC, end - i0), jc, nc, pc, kc, Bp, bFinite.data());
      });
    }
  }
}

// A product at most 16 columns wide (the MoE router's expert logits) would leave most of
// every 32-wide tile empty; the f32 path handles it better.
bool narrow(const MatView &c) { return c.cols <= NR / 2; }

} // namespace

bool bf16DotAvailable() {
  static const bool ok = [] {
    if (const char *e = std::getenv("PARTITA_NO_BF16_DOT"); e && *e && *e != '0') return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
  }();
  return ok;
}

void sgemmBf16(MatView c, MatView a, MatView b) {
  if (!bf16DotAvailable() || narrow(c)) return sgemm(c, a, b);
  bf16Core(c, a, b, RowMap{nullptr}, c.rows, false);
}

void sgemmRowsBf16(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows) {
  if (!bf16DotAvailable() || narrow(c)) return sgemmRows(c, a, b, rows, nrows);
  bf16Core(c, a, b, RowMap{rows}, nrows, false);
}

void sgemmRowsParallelBf16(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows) {
  if (!bf16DotAvailable() || narrow(c)) return sgemmRowsParallel(c, a, b, rows, nrows);
  bf16Core(c, a, b, RowMap{rows}, nrows, true);
}

#else

bool bf16DotAvailable() { return false; }
void sgemmBf16(MatView c, MatView a, MatView b) { sgemm(c, a, b); }
void sgemmRowsBf16(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows) {
  sgemmRows(c, a, b, rows, nrows);
}
void sgemmRowsParallelBf16(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows) {
  sgemmRowsParallel(c, a, b, rows, nrows);
}

#endif

} // namespace partita
