// Resharding a per-device value between two shardings by the cheapest sequence of local
// slices and collectives (the reshard ladder of docs/partitioning.md). The same code
// either emits the ops or, in dry-run mode, only counts the bytes they would move, so the
// partitioner's cost model and its output never disagree.
#pragma once

#include "ir/IR.h"

#include <string>
#include <vector>

namespace partita {

enum class ReduceKind { Sum, Max, Min };
const char *reduceKindName(ReduceKind k);

// How a per-device value relates to its global value.
struct ShardState {
  std::vector<std::vector<std::string>> dims; // per dim: axes, major first
  std::vector<std::string> pending;           // axes over which a reduction is pending
  ReduceKind kind = ReduceKind::Sum;

  bool operator==(const ShardState &o) const {
    return dims == o.dims && pending == o.pending && (pending.empty() || kind == o.kind);
  }
  bool operator!=(const ShardState &o) const { return !(*this == o); }
  std::string key() const;
};

// Shared context of a partitioned function under construction.
struct SpmdContext {
  Func &func;
  std::vector<std::unique_ptr<Op>> &ops;
  const Mesh &mesh;
  Diagnostics &diags;
  Builder b;
  SpmdContext(Func &f, std::vector<std::unique_ptr<Op>> &out, const Mesh &m, Diagnostics &d)
      : func(f), ops(out), mesh(m), diags(d), b(f, out) {}

  // Helpers that emit per-device index arithmetic.
  Value *constI32(int64_t v);
  // This device's shard index along the group of `axes` (major first), as i32[].
  Value *groupIndex(const std::vector<std::string> &axes);
  // groupIndex(axes) * chunk.
  Value *shardOffset(const std::vector<std::string> &axes, int64_t chunk);
  // Local type of a value of global type `g` under `st`.
  TensorType localType(const TensorType &g, const ShardState &st) const;
  // Replaces cells of `x` outside the global extent of dimension `dim` (padding of an
  // uneven shard) by `fill`.
  Value *maskPadding(Value *x, int dim, const std::vector<std::string> &axes, int64_t globalSize,
                     double fill);
};

// A constant attribute of dtype `t` for the fill value `v` of masks and windows: infinities
// (the identities of max and min) become the integer type's extreme values.
Attr fillAttr(DType t, double v);

// What a collective costs: `bytes` is the operand size on one device (what the stats report);
// `wire` estimates the bytes one device sends or receives with ring algorithms over a group
// of n: all_gather (n-1)x its operand, reduce_scatter and all_to_all (n-1)/n x, all_reduce
// 2(n-1)/n x, collective_permute 1x. The partitioner's cost model uses `wire`: counting
// operand bytes would make an all_gather look n-1 times cheaper than it is.
double wireBytes(Opcode collective, int64_t operandBytes, int64_t groupSize);

struct ReshardResult {
  Value *value = nullptr;     // the resharded per-device value (dry run: nullptr)
  int64_t bytes = 0;          // collective operand bytes per device
  double wire = 0;            // estimated bytes on the wire per device (see wireBytes)
  bool replicatedAll = false; // went through full replication of a value that stays sharded
};

// Reshards `v` (per-device value of global type `g`, state `from`) to `to`. With
// `ctx == nullptr` it only computes the bytes.
ReshardResult reshard(SpmdContext *ctx, const Mesh &mesh, Value *v, const TensorType &g,
                      const ShardState &from, const ShardState &to);

// A per-device window along one dimension of a value, for slice, pad and concatenate on a
// split dimension. The device with index i along `axes` (the result's split of that
// dimension) needs global positions [a + b*i, a + b*i + size) of the operand, whose
// dimension `dim` has global extent `global` and is split over `from` (equal to `axes`, or
// empty when the operand dimension is whole). Only positions in [validLo, validHi) are ever
// used; others may hold anything (the caller masks them, or they land in the result's
// padding). The window is built from this device's shard and halos from its neighbours
// (one collective_permute per neighbour distance, ring shifts along `axes`), then cut out
// with a dynamic_slice at an axis_index-derived offset: nothing depends on the number of
// devices beyond the group size in the arithmetic.
struct HaloWindow {
  int dim = 0;
  int64_t global = 0;
  std::vector<std::string> from, axes;
  int64_t a = 0, b = 1, size = 1;
  int64_t validLo = 0, validHi = 0;
};

struct HaloResult {
  Value *value = nullptr; // the window, extent `size` along `dim` (dry run: nullptr)
  int64_t bytes = 0;      // collective_permute operand bytes per device
  double wire = 0;
  int64_t depth = 0; // neighbour distance reached on the farther side (one permute per step)
};

// The deepest halo the partitioner exchanges, in neighbour shards per side. Each step is one
// collective_permute, so a bound keeps the program's size independent of the device count:
// a window whose reach grows with the group (a concatenation whose operands' shards drift
// against the result's, many devices over a short dimension) gathers the dimension instead.
constexpr int64_t kMaxHaloDepth = 2;

// Builds the window of `x` (per-device value of local type `local`). With ctx == nullptr it
// only computes the cost.
HaloResult haloWindow(SpmdContext *ctx, const Mesh &mesh, Value *x, const TensorType &local,
                      const HaloWindow &w);

// i1 mask over `shape`: true where the global position a + b*i + iota(dim) lies in [lo, hi),
// with i this device's index along `axes`; nullptr when that holds everywhere on every device.
Value *windowMask(SpmdContext &ctx, const std::vector<int64_t> &shape, int dim,
                  const std::vector<std::string> &axes, int64_t a, int64_t b, int64_t lo,
                  int64_t hi);

} // namespace partita
