// The runtime's thread pool: how many threads one device's kernels may use, and a
// parallel-for that the GEMM kernels and generated loop nests split their work with.
//
// Policy (docs/runtime.md, "Threads"): $PARTITA_THREADS when set, else the machine's cores
// divided by the number of ranks on this node (OMPI_COMM_WORLD_LOCAL_SIZE,
// MPI_LOCALNRANKS, ...), at least 1; `partita-run --threads N` overrides both. A single
// process owns the pool: a call made while another thread is using it runs serially, so
// simulated devices (one thread each) never oversubscribe the machine.
#pragma once

#include <cstdint>
#include <functional>

namespace partita {

// The thread count kernels use from now on (>= 1; the pool grows or shrinks on next use).
void setRuntimeThreads(int n);
int runtimeThreads();
// The default policy above, without the --threads override.
int defaultRuntimeThreads();

// Calls fn(begin, end) on disjoint ranges covering [0, n), each at least `grain` long, on up
// to runtimeThreads() threads including the caller. Runs fn(0, n)
// inline when n < 2 * grain, when only one thread is allowed, or when the pool is busy
// serving another caller. Returns when every range is done.
void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> &fn);

// How many threads parallelFor(n, grain, ...) would use right now (1 = inline), and into
// how many ranges it would cut [0, n) (up to 4 per thread, claimed dynamically).
int parallelWays(int64_t n, int64_t grain);
int parallelParts(int64_t n, int64_t grain);

// Caps the threads parallelFor uses for calls made from this thread while it lives (the
// simulator's device threads run their kernels serially: the devices are the parallelism).
class ThreadLimit {
public:
  explicit ThreadLimit(int max);
  ~ThreadLimit();
  ThreadLimit(const ThreadLimit &) = delete;
  ThreadLimit &operator=(const ThreadLimit &) = delete;

private:
  int saved_;
};

} // namespace partita
