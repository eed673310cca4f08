// Timing and einsum-sizing helpers shared by the C++ benchmarks (partita-bench,
// partita-step): clocks, best-of-repetitions timing, an einsum's batched-GEMM extents and
// the plain Eigen GEMM of those extents that the JIT's einsums are measured against.
#pragma once

#include "ir/Einsum.h"
#include "ir/IR.h"

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <time.h>
#include <vector>

namespace partita::bench {

inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of this process (all threads): a single-threaded measurement by CPU time leaves
// out the time other processes of a busy machine take.
inline double processCpu() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Best time of `fn` by `clock` over repetitions that together last at least `budget`
// seconds of wall time (and at least `minReps`).
template <class F> double bestTime(F fn, double budget, int minReps = 3, double (*clock)() = now) {
  double best = 1e30, start = now();
  for (int i = 0; i < minReps || now() - start < budget; ++i) {
    double t0 = clock();
    fn();
    best = std::min(best, clock() - t0);
    if (i > 100000) break;
  }
  return best;
}

struct EinsumShape {
  int64_t b = 1, m = 1, n = 1, k = 1;
  double flops() const { return 2.0 * b * m * n * k; }
};

// Batch / M / N / K extents of an einsum: letters in both operands and the result, in the
// left operand and the result, in the right one and the result, in both operands only.
// Letters summed within one operand are not part of the GEMM.
inline EinsumShape einsumShape(const Op &op) {
  std::string err;
  EinsumSpec s = *EinsumSpec::parse(op.getString("spec"), &err);
  std::map<char, int64_t> size;
  for (size_t i = 0; i < 2; ++i)
    for (size_t j = 0; j < s.inputs[i].size(); ++j)
      size[s.inputs[i][j]] = op.operands[i]->type.shape[j];
  auto in = [](const std::string &x, char c) { return x.find(c) != std::string::npos; };
  EinsumShape e;
  for (auto [c, n] : size) {
    bool a = in(s.inputs[0], c), b = in(s.inputs[1], c), o = in(s.output, c);
    if (a && b && o)
      e.b *= n;
    else if (a && b)
      e.k *= n;
    else if (a && o)
      e.m *= n;
    else if (b && o)
      e.n *= n;
  }
  return e;
}

// C[b] = A[b] * B[b] with row-major contiguous operands: the GEMM an einsum of this size
// would be at best, timed like bestTime.
inline double eigenGemmSeconds(const EinsumShape &s, double budget, int minReps = 3,
                               double (*clock)() = now) {
  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<float> a(s.b * s.m * s.k, 0.5f), b(s.b * s.k * s.n, 0.25f), c(s.b * s.m * s.n);
  return bestTime(
      [&] {
        for (int64_t i = 0; i < s.b; ++i) {
          Eigen::Map<const RowMat> am(a.data() + i * s.m * s.k, s.m, s.k);
          Eigen::Map<const RowMat> bm(b.data() + i * s.k * s.n, s.k, s.n);
          Eigen::Map<RowMat> cm(c.data() + i * s.m * s.n, s.m, s.n);
          cm.noalias() = am * bm;
        }
      },
      budget, minReps, clock);
}

} // namespace partita::bench
