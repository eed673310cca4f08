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
  Value *constScalar(DType t, double v);
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

struct ReshardResult {
  Value *value = nullptr; // the resharded per-device value (dry run: nullptr)
  int64_t bytes = 0;      // collective operand bytes per device
  bool replicatedAll = false; // went through full replication of a value that stays sharded
};

// Reshards `v` (per-device value of global type `g`, state `from`) to `to`. With
// `ctx == nullptr` it only computes the bytes.
ReshardResult reshard(SpmdContext *ctx, const Mesh &mesh, Value *v, const TensorType &g,
                      const ShardState &from, const ShardState &to);

} // namespace partita
