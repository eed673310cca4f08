// The collective-communication interface compiled programs call through runtime/Abi.h, with
// two implementations: in-memory for simulated devices running as threads of one process
// (InMemoryWorld), and MPI for one device per rank (runtime/MpiCollectives.h).
//
// Every call names its group by mesh axis indices, major first (spec section 3: a group
// along ["a","b"] is ordered like a dimension split over a then b). All devices execute the
// same program, so they issue the same collectives in the same order.
#pragma once

#include "ir/CollectivePlan.h"
#include "ir/Sharding.h"
#include "ir/Types.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace partita {

struct GroupAxes {
  const int64_t *axes;
  int64_t n;
};

class Collectives {
public:
  virtual ~Collectives() = default;
  virtual void allReduce(const void *in, void *out, int64_t count, DType t, Reduction r,
                         GroupAxes g) = 0;
  virtual void allGather(const void *in, void *out, int64_t bytes, GroupAxes g) = 0;
  virtual void reduceScatter(const void *in, void *out, int64_t count, DType t, Reduction r,
                             GroupAxes g) = 0;
  virtual void allToAll(const void *in, void *out, int64_t bytes, GroupAxes g) = 0;
  virtual void permute(const void *in, void *out, int64_t bytes, int64_t shift, GroupAxes g) = 0;

  // Async collectives (docs/runtime.md): start() begins plan `p` in request slot `slot`
  // (any number >= 0; the code generator numbers a function's async collectives), wait()
  // completes it, post block swap included. `in`, `out` and `scratch` must stay untouched
  // in between. This default completes the exchange inside start(), as the in-memory
  // communicator and the interpreters do; the MPI one issues nonblocking MPI calls.
  // Throws std::runtime_error when a slot is started twice or waited for unstarted.
  virtual void start(const CollectivePlan &p, const void *in, void *out, void *scratch,
                     int64_t slot);
  virtual void wait(int64_t slot);
  // Lets exchanges in flight advance: MPI implementations progress nonblocking collectives
  // only inside MPI calls, so generated code calls this between ops while any is pending.
  virtual void progress() {}
  // Slots started and not yet waited for.
  virtual int64_t outstanding() const { return (int64_t)inFlight_.size(); }

protected:
  // Marks `slot` started (throws when it already is) / completed (throws when it is not).
  void claimSlot(int64_t slot);
  void releaseSlot(int64_t slot);

private:
  std::vector<int64_t> inFlight_;
};

// The device numbers of `device`'s group along `axes` (major first), in group order.
std::vector<int64_t> groupMembers(const Mesh &mesh, int64_t device, GroupAxes g);

// Executes collective plan `p` (ir/CollectivePlan.h) on this device: the pre block swap
// into `scratch`, the flat exchange through `coll`, the post block swap into `out`.
// `scratch` holds at least p.scratchBytes bytes (may be null when that is 0); `in`, `out`
// and `scratch` do not overlap. The one implementation behind runCollective (the device
// interpreter) and partita_rt_collective (generated code).
void runCollectivePlan(const CollectivePlan &p, Collectives &coll, const void *in, void *out,
                       void *scratch);

// Reduces `n` arrays of `count` elements of type `t` into `out`, in array order (bf16 is
// summed in f32 and rounded once, like the interpreter's single rounding per op).
void reduceArrays(const std::vector<const void *> &in, void *out, int64_t count, DType t,
                  Reduction r);

// Shared state of the devices of one simulated mesh, each a thread of this process. A call
// publishes the device's buffers, waits for every device, reads its peers' inputs directly,
// and waits again before any input may change. If one device fails (abort()) or a barrier
// times out, every pending and later call returns immediately and failed() reports why.
class InMemoryWorld {
public:
  InMemoryWorld(const Mesh &mesh, double timeoutSeconds = 0);
  int64_t size() const { return n_; }
  const Mesh &mesh() const { return mesh_; }
  // The Collectives a device's thread uses.
  std::unique_ptr<Collectives> device(int64_t d);
  void abort(const std::string &why);
  bool failed() const { return aborted_; }
  std::string failure() const;

private:
  friend class InMemoryCollectives;
  // Returns false when the world was aborted or the wait timed out.
  bool barrier();

  Mesh mesh_;
  int64_t n_;
  double timeout_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t waiting_ = 0, generation_ = 0;
  std::atomic<bool> aborted_{false};
  std::string why_;
  std::vector<const void *> in_;
  std::vector<void *> out_;
};

} // namespace partita
