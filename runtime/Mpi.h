// MPI for partita-run under mpirun: the session (init/finalize, agreement between ranks,
// gathering results to rank 0, aborting the whole job with a message), the Collectives
// implementation on MPI's own collectives with one communicator per axis set, and a
// watchdog that ends the job when a run exceeds --timeout. <mpi.h> stays in Mpi.cpp.
#pragma once

#include "runtime/Collectives.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace partita {

class MpiSession {
public:
  // Initializes MPI (MPI_THREAD_MULTIPLE when available, so the watchdog may abort) and
  // installs an error handler that reports MPI errors and aborts the job.
  static MpiSession &start();
  static bool active(); // started and not finalized
  int rank() const { return rank_; }
  int size() const { return size_; }
  // True when `ok` holds on every rank (a barrier: every rank must call it).
  bool allTrue(bool ok);
  // Rank 0's value of `v`, on every rank.
  int broadcast(int v);
  // Concatenates every rank's `bytes` bytes, in rank order, into `out` on rank 0.
  void gather(const void *in, int64_t bytes, void *out);
  // Prints MESSAGE as it is when it is a diagnostic line already ("FILE: error: ...",
  // "TOOL: error: ..."), else "TOOL: error: rank R: MESSAGE", and ends every rank of the
  // job with `code`.
  [[noreturn]] void abort(const std::string &message, int code = 1);
  // The tool named in the job's error lines: "partita-run" unless a driver sets another.
  static void setToolName(const std::string &name);
  static const std::string &toolName();
  void finalize();

private:
  MpiSession() = default;
  int rank_ = 0, size_ = 1;
  bool threadMultiple_ = false;
};

// Collectives on MPI: device = rank; the group of a collective is a communicator split
// from MPI_COMM_WORLD by the coordinates along the other axes, ranked by group index.
// Communicators for `groups` (mesh axis index lists) are made up front, the same way on
// every rank; any other group is made on first use.
std::unique_ptr<Collectives> makeMpiCollectives(const Mesh &mesh, int64_t device,
                                                const std::vector<std::vector<int64_t>> &groups);

// Aborts the MPI job (or, outside MPI, exits the process) unless done() is called within
// `seconds`. seconds <= 0 disables it.
class Watchdog {
public:
  Watchdog(double seconds, std::string what);
  ~Watchdog();
  void done();

private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

} // namespace partita
