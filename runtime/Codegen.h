// Lowering of one per-device function (ir/IR.h) to LLVM IR: a single native entry point
// `void partita_entry(void **args, void **results, PartitaCtx *ctx)` (runtime/Abi.h) with
// fused, vectorizable loop nests for elementwise chains and data movement, Eigen-backed
// einsum, generated reductions/scans/scatters, and collectives as runtime calls. Buffers are
// planned from liveness into one workspace arena.
#pragma once

#include "ir/IR.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace partita {

struct LowerOptions {
  // Time every root op: the entry calls partita_rt_profile_mark after each one (--profile).
  bool profile = false;
};

// A root op of the lowered program (a loop nest, kernel call or collective), for profiles.
// What a root op spends its time on, for --profile and --trace: computing, a blocking
// collective, starting an async collective, or waiting for one.
enum class OpPhase { Compute, Collective, Start, Wait };
const char *opPhaseName(OpPhase p); // "compute", "collective", "start", "wait"

struct LoweredOp {
  std::string opcode, name, type; // "einsum", "layer0.attn.q", "f32[8,256,8,64]"
  double flops = 0;               // 2 per multiply-add of an einsum, else 0
  int64_t bytes = 0;              // size of the result
  OpPhase phase = OpPhase::Compute;
};

struct LoweredFunc {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  std::string entry = "partita_entry";
  int64_t workspaceBytes = 0;
  // Sum of the sizes of every workspace buffer: what the plan would take without reuse.
  int64_t unplannedBytes = 0;
  // The most bytes of workspace buffers live at one time: the lower bound of any plan.
  int64_t liveBytes = 0;
  // Mesh axis lists (indices, major first) of the collectives, in first-use order, so an
  // MPI runtime can build its communicators once before running.
  std::vector<std::vector<int64_t>> groups;
  // Root ops in execution order (the indices partita_rt_profile_mark receives).
  std::vector<LoweredOp> ops;

  LoweredFunc();
  LoweredFunc(LoweredFunc &&) noexcept;
  LoweredFunc &operator=(LoweredFunc &&) noexcept;
  ~LoweredFunc();
};

// Lowers `f`. `mesh` is the mesh of a partitioned function (needed by collectives and
// axis_index; may be null otherwise). Returns false after adding located errors to `diags`
// for programs it cannot lower (e.g. a collective without a mesh).
bool lowerFunction(const Func &f, const Mesh *mesh, LoweredFunc *out, Diagnostics &diags,
                   const LowerOptions &opts = {});

} // namespace partita
