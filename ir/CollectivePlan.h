// The collective plan: one decoding of a collective op (all_reduce, all_gather,
// reduce_scatter, all_to_all, collective_permute) on its mesh into what every executor
// needs — the reduction kind, the group as mesh axis indices, sizes, and the block
// transposes that turn a collective along any dimension into a flat exchange of
// leading pieces. The reference interpreter, the device interpreter and the runtime entry
// point that generated code calls (partita_rt_collective) all read the same plan, so the
// op's meaning is decoded in one place. No runtime or LLVM dependency.
#pragma once

#include "ir/IR.h"
#include "ir/Reduction.h"
#include "ir/Sharding.h"
#include "ir/Types.h"

#include <cstdint>
#include <string>
#include <vector>

namespace partita {

// Which flat exchange a plan performs; numbering is part of the descriptor ABI.
enum class CollectiveKind : int32_t {
  AllReduce = 0,
  AllGather = 1,
  ReduceScatter = 2,
  AllToAll = 3,
  Permute = 4,
};

// out[j][i][:] = in[i][j][:] for i < a, j < b and blocks of `blockBytes` bytes (exactly
// partita_kernel_swap01's arguments). With a or b equal to 1 it is a plain copy, which
// executors skip by exchanging in place.
struct BlockSwap {
  int64_t a = 1, b = 1, blockBytes = 0;
  bool isCopy() const { return a == 1 || b == 1; }
  bool operator==(const BlockSwap &o) const {
    return a == o.a && b == o.b && blockBytes == o.blockBytes;
  }
};

// Execution of a plan on one device (runtime/Collectives.cpp, runCollectivePlan):
//   send = pre.isCopy() ? in : scratch + sendOffset, after swap(pre, in -> send)
//   recv = post.isCopy() ? out : scratch + recvOffset
//   flat exchange of `kind` from send to recv over the group (see below)
//   swap(post, recv -> out) unless post.isCopy()
// The flat exchanges work on the members' leading pieces, in group order:
//   AllReduce:     recv = reduction of the members' `count` elements
//   AllGather:     recv[k] = member k's `bytes` bytes
//   ReduceScatter: recv = reduction of the members' piece `me` (pieces of `count` elements)
//   AllToAll:      recv[k] = member k's piece `me` (pieces of `bytes` bytes)
//   Permute:       recv = the `bytes` bytes of the member `shift` places earlier (ring)
struct CollectivePlan {
  CollectiveKind kind = CollectiveKind::AllReduce;
  Reduction reduction = Reduction::Sum; // AllReduce and ReduceScatter only
  DType dtype = DType::F32;
  std::vector<int64_t> axes; // mesh axis indices, major first (the op's order)
  int64_t groupSize = 1;
  int64_t inBytes = 0, outBytes = 0; // one device's operand and result
  int64_t count = 0;                 // elements per member (AllReduce, ReduceScatter)
  int64_t bytes = 0;                 // bytes per member piece (AllGather, AllToAll, Permute)
  int64_t shift = 0;                 // Permute
  BlockSwap pre, post;
  // Scratch the executor provides: [sendOffset, +inBytes) when pre is not a copy,
  // [recvOffset, +outBytes) when post is not a copy; offsets are 64-byte aligned.
  int64_t sendOffset = 0, recvOffset = 0, scratchBytes = 0;

  // `device`'s group along `axes`, in group order (the op's first axis is major).
  std::vector<int64_t> members(const Mesh &mesh, int64_t device) const;
  // Index of `device` in its group.
  int64_t memberIndex(const Mesh &mesh, int64_t device) const;

  // The flat int64 descriptor generated code passes to partita_rt_collective, and back.
  // Layout: see the kDesc* constants below; the axes follow the fixed header.
  std::vector<int64_t> encode() const;
  // Throws std::runtime_error on a malformed descriptor.
  static CollectivePlan decode(const int64_t *desc);
  bool operator==(const CollectivePlan &o) const;
};

// Word offsets of the descriptor (CollectivePlan::encode).
enum : int64_t {
  kDescMagic = 0, // kCollectiveDescMagic, catches a stale or foreign pointer
  kDescKind = 1,
  kDescReduction = 2,
  kDescDType = 3,
  kDescGroupSize = 4,
  kDescInBytes = 5,
  kDescOutBytes = 6,
  kDescCount = 7,
  kDescBytes = 8,
  kDescShift = 9,
  kDescPre = 10,  // a, b, blockBytes
  kDescPost = 13, // a, b, blockBytes
  kDescSendOffset = 16,
  kDescRecvOffset = 17,
  kDescScratchBytes = 18,
  kDescNumAxes = 19,
  kDescAxes = 20, // kDescNumAxes words of mesh axis indices
};
constexpr int64_t kCollectiveDescMagic = 0x50434f4c4c310000; // "PCOLL1"

// The plan of collective `op` on `mesh`. Throws std::runtime_error (an unlocated message;
// callers add the op's location) when the op is not a collective, names an unknown axis
// or reduction, has a dimension out of range or not divisible by the group size, or its
// result type disagrees with its operand and attributes.
CollectivePlan planCollective(const Op &op, const Mesh &mesh);

// The devices of `device`'s group along mesh axes `axes` (indices, major first), in group
// order.
std::vector<int64_t> groupMembers(const Mesh &mesh, int64_t device,
                                  const std::vector<int64_t> &axes);

} // namespace partita
