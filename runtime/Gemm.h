// f32 GEMM on strided matrices, the core of the einsum kernel. Where the
// build targets AVX2 and FMA it is a packed, cache-blocked kernel in the style of BLIS
// (Goto's algorithm); elsewhere it is Eigen's GEMM. The einsum kernel splits work over
// threads itself; only sgemmRowsParallel uses the runtime's threads (runtime/Parallel.h).
#pragma once

#include <cstdint>

namespace partita {

// A strided matrix: element (i, j) at p[i * rs + j * cs], in elements. Any strides work.
struct MatView {
  float *p;
  int64_t rows, cols, rs, cs;
};

// c = a * b, overwriting c. a is rows(c) x k, b is k x cols(c); k == 0 zeroes c. c must
// not alias a or b.
void sgemm(MatView c, MatView a, MatView b);

// c = a * b on the listed rows only: rows[0..nrows) index distinct rows of both a and
// c; other rows of c are left alone. One packing of b serves all of them,
// which matters for MoE expert inputs, where only the filled capacity slots are nonzero.
void sgemmRows(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows);

// sgemmRows on the runtime's threads, which share each packed block of b and take blocks of
// sgemmRowBlock() rows in turn: for a few large products, where giving each thread its own
// rows would pack all of b once per thread (or per part). Worth it from about two row
// blocks per thread.
void sgemmRowsParallel(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows);
int64_t sgemmRowBlock();

// Zeroes every element of c (the einsum kernel's zero rows).
void fillZero(MatView c);

// Whether no element is NaN or +-inf. Skipping work because one operand is zero is exact
// only when the other operand is finite (0 * inf and 0 * NaN are NaN), so every zero skip
// asks this first. Vectorised; cheap next to the product it guards.
bool allFinite(const float *p, int64_t n);
bool allFinite(MatView v);

// The two implementations, both always built so that tests can compare them.
void sgemmPacked(MatView c, MatView a, MatView b); // fused multiply-adds where the build has FMA
void sgemmEigen(MatView c, MatView a, MatView b);

// bf16 products (runtime/GemmBf16.cpp): the same contracts as sgemm, sgemmRows and
// sgemmRowsParallel, for operands whose values are bf16 numbers held as f32 (the einsum
// kernel's packed bf16 operands); other values are rounded to bf16 first. Where the CPU has
// AVX512-BF16 (checked once at run time; PARTITA_NO_BF16_DOT=1 turns it off) they multiply
// bf16 pairs with vdpbf16ps into f32 accumulators; elsewhere they are the f32 functions.
bool bf16DotAvailable();
void sgemmBf16(MatView c, MatView a, MatView b);
void sgemmRowsBf16(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows);
void sgemmRowsParallelBf16(MatView c, MatView a, MatView b, const int64_t *rows, int64_t nrows);

// "packed-avx2" or "eigen": what sgemm runs in this build.
const char *sgemmKind();

} // namespace partita
