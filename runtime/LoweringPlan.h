// The code generator's decisions as a pure analysis of one per-device function, without
// LLVM: fusion groups (which values are recomputed element by element inside which root),
// the buffer plan (where every root's buffer and scratch live in the workspace arena) and
// the thread plan (how each root's outer loop splits over threads). runtime/Codegen.cpp
// emits code from it; tests/unit/LoweringPlanTest.cpp checks plans directly.
#pragma once

#include "ir/CollectivePlan.h"
#include "ir/IR.h"

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace partita {

// Root: computed into a buffer by its own loop nest or kernel call. Fused: recomputed element
// by element inside its consumers' loops. Alias: the bytes of its operand (reshape,
// sharding_constraint, await; a transpose only einsums read, through permuted strides). Arg:
// the caller's buffer. Global: a non-splat constant. Dead: not needed by any result.
enum class ValueKind { Dead, Arg, Global, Alias, Fused, Root };

// The most ops one root's fusion group may hold (the root included). Longer groups are cut:
// the largest fused operand becomes a root of its own. Real programs stay below it (the
// GLaM programs lower to the same IR with or without the cap), but a chain of 20,000
// elementwise ops would otherwise be one loop body, recursed into op by op by the element
// emitter and optimized by LLVM as one huge block.
constexpr int kMaxFusionGroup = 128;

// Buffers and scratch in the workspace are aligned to this many bytes.
constexpr int64_t kBufferAlign = 64;

struct RootPlan {
  const Op *op = nullptr;
  int pos = 0;                       // index of the op in the function
  std::vector<const Value *> leaves; // storages read by the fusion group, deduplicated
  // A chain of elementwise ops and splat constants: one flat loop whatever the rank.
  bool flat = false;
  int64_t scratchBytes = 0, scratchOffset = 0;
  // Parallel roots split the outer loop [0, parN) over the runtime's threads, at least
  // parGrain iterations per part (parN = 0: serial).
  int64_t parN = 0, parGrain = 0;
  // The operand whose buffer this (flat elementwise) root overwrites, if any.
  const Value *inPlace = nullptr;
  // Collective roots: the op's plan, decoded once at compile time; generated code passes
  // its encode() to partita_rt_collective, and scratchBytes is its scratchBytes.
  std::optional<CollectivePlan> collective;
  // Async collectives (start) and their awaits (wait): the request slot both name, numbered
  // in program order of the starts; -1 for every other root. An await's RootPlan computes
  // nothing and owns no buffer (its value is an Alias of the collective's result).
  int64_t asyncSlot = -1;
  bool isWait = false;
};

struct LoweringPlan {
  std::unordered_map<const Value *, ValueKind> kind;
  std::unordered_map<const Value *, int> pos; // op result -> op index
  std::vector<RootPlan> roots;                // in execution order
  // A root whose value is returned (or, for an async collective, its await's value) writes
  // results[slot] directly (first slot returning it).
  std::unordered_map<const Value *, int> resultSlot;
  std::unordered_map<const Value *, int64_t> offset; // other roots: workspace offset
  int64_t workspaceBytes = 0;
  int64_t unplannedBytes = 0; // every buffer's size summed: the arena without reuse
  int64_t liveBytes = 0;      // the most bytes live at once: no placement can beat it

  ValueKind kindOf(const Value *v) const { return kind.at(v); }
  bool isLeaf(const Value *v) const { return kind.at(v) != ValueKind::Fused; }
  // The value whose buffer holds v (through aliases).
  const Value *storageOf(const Value *v) const;
  // Element strides of a leaf in its storage: row-major, except through transposes einsums
  // read in place, whose strides are their operand's, permuted.
  std::vector<int64_t> stridesOf(const Value *v) const;
  // Whether `op` and its fusion group are elementwise ops and splat constants only.
  bool flatFusable(const Op &op) const;
};

// Plans `f` (mesh: that of a partitioned function, null otherwise). Returns false after
// adding located errors to `diags` for ops it cannot lower (a collective without a mesh, or
// one planCollective rejects).
bool planLowering(const Func &f, const Mesh *mesh, LoweringPlan *plan, Diagnostics &diags);

// The descriptor partita_kernel_einsum reads (layout documented in EinsumPlan.cpp) and the
// scratch bytes it needs.
std::vector<int64_t> einsumDescriptor(const Op &op, const LoweringPlan &plan,
                                      int64_t *scratchBytes);

// Elementwise ops and data movement that can be evaluated one output element at a time.
bool isElementalOp(Opcode c);
bool isSplatConstant(const Op &op);
int64_t alignBuffer(int64_t bytes);
std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape);
// v[from] * ... * v[to - 1].
int64_t shapeProduct(const std::vector<int64_t> &v, size_t from, size_t to);

} // namespace partita
