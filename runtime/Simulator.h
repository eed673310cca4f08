// The simulated multi-device executor: runs a partitioned @main on every device of its mesh
// in one process, in lockstep (each op on all devices before the next op), with the
// reference interpreter for local ops and evalCollective for communication. It is the
// oracle for partitioned programs without MPI.
#pragma once

#include "ir/IR.h"
#include "ir/Tensor.h"

#include <vector>

namespace partita {

// An argument or result of a partitioned function: its whole-array type (the `global`
// attribute, else the local type) and its sharding (replicated when absent).
struct Boundary {
  TensorType global;
  Sharding sharding;
};
Boundary argBoundary(const Func &f, size_t i, const Mesh &mesh);
Boundary resultBoundary(const Func &f, size_t i, const Mesh &mesh);

// The mesh named by f's `partitioned` attribute; nullptr when f is not partitioned.
const Mesh *partitionedMeshOf(const Module &m, const Func &f);

// The most devices --simulate runs in one process (either engine), and the most the JIT
// engine runs at once as threads when the program has collectives (every device must reach
// a collective before any leaves it, so they all need a thread at the same time).
constexpr int64_t kMaxSimulatedDevices = int64_t(1) << 20;
constexpr int64_t kMaxSimulatedThreads = 4096;

// Bytes this process can still allocate before the system runs short (MemAvailable, bounded
// by the cgroup's limit); -1 when unknown.
int64_t availableMemoryBytes();

// Throws std::runtime_error with a located message when an argument's or result's local
// type is not the shard of its global type under its sharding (a wrong `global`
// attribute), when simulating `f` on every device of `mesh` would exceed
// kMaxSimulatedDevices, or when the lockstep simulation's peak (each device's live values
// at the busiest op, times the devices) would not fit in availableMemoryBytes(). Cheap:
// call it before making any device's inputs.
void checkSimulation(const Func &f, const Mesh &mesh);

// Runs `f` on every device: args[d][i] is device d's local argument i. Returns each
// device's local results. Throws std::runtime_error with a located message.
std::vector<std::vector<Tensor>> simulateLocal(const Func &f, const Mesh &mesh,
                                               std::vector<std::vector<Tensor>> args);

// Assembles each result's global array from every device's local results
// (perDevice[d][r]), per the result's `global` type and sharding.
std::vector<Tensor> assembleResults(const Func &f, const Mesh &mesh,
                                    std::vector<std::vector<Tensor>> perDevice);

// Whole arrays in and out: shards each global argument per its boundary, runs, and
// assembles each result (summing unreduced axes).
std::vector<Tensor> simulate(const Func &f, const Mesh &mesh,
                             const std::vector<Tensor> &globalArgs);

} // namespace partita
