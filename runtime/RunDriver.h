// The execution pieces of partita-run (spec section 5) that need no passes, shared by the
// driver (tools/driver/RunMain.cpp), the benchmarks and the random checkers: where inputs
// come from, how results are compared and printed.
#pragma once

#include "ir/IR.h"
#include "ir/Tensor.h"

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace partita {

// A user-facing failure whose message is a complete diagnostic line ("FILE: error: ...").
struct RunError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where @main's arguments come from: DIR/<arg name>.npy when that name exists (a dangling
// link or a FIFO there is an error when read), else the seeded generator with the argument's
// `bound` attribute (default 16). Names, global types and bounds are taken from the
// function given at construction (the unpartitioned one when there is one), so every
// execution path sees identical inputs.
class InputSource {
public:
  InputSource(const Func &f, uint64_t seed, const std::string &inputsDir);
  size_t size() const { return args_.size(); }
  const std::string &name(size_t i) const { return args_.at(i).name; }
  const TensorType &type(size_t i) const { return args_.at(i).type; }
  bool fromFile(size_t i) const { return !args_.at(i).path.empty(); }
  const std::string &path(size_t i) const { return args_.at(i).path; }
  // The whole array of argument i. Throws RunError naming the file.
  Tensor global(size_t i) const;
  // Device `device`'s shard of argument i under `s`, made or read without the whole array.
  Tensor shard(size_t i, const Sharding &s, const Mesh &m, int64_t device) const;

private:
  struct Arg {
    std::string name, path;
    std::string error; // why `path` cannot be read (a dangling link, a FIFO), else empty
    TensorType type;
    int64_t bound = 16;
  };
  std::vector<Arg> args_;
  uint64_t seed_;
};

struct CheckResult {
  double maxAbs = 0, maxRel = 0;
  bool pass = true;
  std::string line() const; // "check: max_abs_err=A max_rel_err=R PASS|FAIL"
};

// Compares results with reference results element by element: f32 within
// 1e-4 + 1e-4*|ref|, bf16 within 1e-2 + 1e-2*|ref|, i32 and i1 exactly; NaN matches NaN.
// The relative error is taken over elements whose reference is nonzero.
// `accuracy`, when given, names per result the dtype whose tolerance applies (ir/Accuracy.h:
// an f32 result computed through bf16 values is compared with bf16's tolerance).
CheckResult compareResults(const std::vector<Tensor> &got, const std::vector<Tensor> &ref,
                           const std::vector<DType> *accuracy = nullptr);

// "result0: f32[8,32] [0.123, -0.5, ...] sum=1.25"
void printResult(std::ostream &os, size_t index, const Tensor &t);

// True when this process was started by mpirun/mpiexec (Open MPI, MPICH or PMIx).
bool underMpiLauncher();

} // namespace partita
