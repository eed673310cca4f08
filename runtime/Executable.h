// A per-device function compiled to native code (runtime/Codegen.h + runtime/Jit.h), and the
// ways to run it: on one device with host tensors, on raw native buffers (the MPI driver),
// or on every device of a mesh as threads with in-memory collectives (--simulate).
#pragma once

#include "ir/IR.h"
#include "ir/Tensor.h"
#include "runtime/Abi.h"
#include "runtime/Codegen.h"
#include "runtime/Collectives.h"
#include "runtime/Jit.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace partita {

// A tensor in the layout generated code uses: row-major; f32 as float, bf16 as its upper 16
// bits, i32 as int32, i1 as one byte 0/1. 64-byte aligned.
class NativeBuffer {
public:
  NativeBuffer() = default;
  // Zero-filled unless `zero` is false (for buffers every byte of which is written before it
  // is read: skipping the fill keeps untouched pages out of the resident set).
  explicit NativeBuffer(const TensorType &t, bool zero = true);
  static NativeBuffer fromTensor(const Tensor &t);
  Tensor toTensor() const;
  void *data() { return data_.get(); }
  const void *data() const { return data_.get(); }
  int64_t bytes() const { return bytes_; }
  const TensorType &type() const { return type_; }

private:
  struct Free {
    void operator()(void *p) const;
  };
  TensorType type_;
  int64_t bytes_ = 0;
  std::unique_ptr<void, Free> data_;
};

class Executable {
public:
  // Lowers and JIT-compiles `f` (of module `m`, whose mesh it uses when `f` is partitioned).
  // Returns nullptr after adding errors to `diags`.
  static std::unique_ptr<Executable> compile(const Module &m, const Func &f,
                                             std::shared_ptr<Jit> jit, Diagnostics &diags,
                                             const LowerOptions &opts = {});

  const std::vector<TensorType> &argTypes() const { return argTypes_; }
  const std::vector<TensorType> &resultTypes() const { return resultTypes_; }
  const std::optional<Mesh> &mesh() const { return mesh_; }
  int64_t workspaceBytes() const { return workspaceBytes_; }
  int64_t unplannedBytes() const { return unplannedBytes_; }
  // The most workspace bytes live at one time (workspaceBytes() minus fragmentation).
  int64_t liveBytes() const { return liveBytes_; }
  // Mesh axis lists of the program's collectives (for building communicators up front).
  const std::vector<std::vector<int64_t>> &groups() const { return groups_; }
  // The root ops in execution order; with LowerOptions::profile, runRaw's `profile` array
  // (one entry per op) receives the nanoseconds each one took.
  const std::vector<LoweredOp> &ops() const { return ops_; }
  bool profiled() const { return profiled_; }

  // Runs on raw buffers; `workspace` must hold workspaceBytes() (64-byte aligned). When the
  // program was compiled with profiling, `profile` (ops().size() entries, or null) gets
  // each op's time added.
  // `trace` (profiled programs only; may be null) receives one event per root op run.
  void runRaw(void **args, void **results, int64_t device, Collectives *coll, void *workspace,
              int64_t *profile = nullptr, PartitaTrace *trace = nullptr) const;
  // Allocates results and workspace and runs on device `device`.
  std::vector<NativeBuffer> run(const std::vector<NativeBuffer> &args, int64_t device = 0,
                                Collectives *coll = nullptr, int64_t *profile = nullptr,
                                PartitaTrace *trace = nullptr) const;
  // Host-tensor convenience for tests and the simulator.
  std::vector<Tensor> runTensors(const std::vector<Tensor> &args, int64_t device = 0,
                                 Collectives *coll = nullptr) const;

private:
  Executable() = default;
  std::shared_ptr<Jit> jit_;
  PartitaEntryFn entry_ = nullptr;
  std::vector<TensorType> argTypes_, resultTypes_;
  std::optional<Mesh> mesh_;
  int64_t workspaceBytes_ = 0, unplannedBytes_ = 0, liveBytes_ = 0;
  std::vector<std::vector<int64_t>> groups_;
  std::vector<LoweredOp> ops_;
  bool profiled_ = false;
};

// The --profile report: time per op kind (count, ms, share, GFLOP/s for einsums) and the
// `top` slowest ops, from per-op nanoseconds summed over `runs` runs.
std::string profileReport(const std::vector<LoweredOp> &ops, const std::vector<int64_t> &ns,
                          int runs = 1, int top = 15);

// The --trace file: Chrome's trace event format (a JSON object with "traceEvents", which
// Perfetto and chrome://tracing open). Rank r's events become process r ("rank r"), one
// complete ("ph": "X") event per root op named "OPCODE %name", its category the op's phase
// (compute, collective, start, wait); times in microseconds since origins[r] (steady-clock
// nanoseconds).
std::string chromeTrace(const std::vector<LoweredOp> &ops,
                        const std::vector<std::vector<PartitaTraceEvent>> &perRank,
                        const std::vector<int64_t> &origins);

// Runs every device of the executable's mesh with in-memory collectives: a thread per device
// when the program has collectives (at most kMaxSimulatedThreads), else a thread per core
// taking devices in turn. perDeviceArgs[d] are device d's arguments; returns each device's
// results. On failure (a collective timed out, too many devices or too little memory, no
// thread could be started) returns an empty vector and sets *error.
std::vector<std::vector<Tensor>> runSimulated(const Executable &e,
                                              const std::vector<std::vector<Tensor>> &perDeviceArgs,
                                              double timeoutSeconds, std::string *error);

} // namespace partita
