// The MPI session and the MPI Collectives: all_reduce, all_gather, reduce_scatter,
// all_to_all and collective_permute on MPI_Allreduce, MPI_Allgather, MPI_Reduce_scatter_block,
// MPI_Alltoall and MPI_Sendrecv over per-axis-set communicators, and their nonblocking
// forms (MPI_Iallreduce, ..., MPI_Isend + MPI_Irecv) for async collectives. bf16 is reduced
// in f32 (and rounded once, as the interpreter does); f32 max/min and i32 sums use our own
// MPI_Ops so that NaN propagates and integer sums wrap without undefined behaviour.
#include "runtime/Mpi.h"

#include "ir/Tensor.h"
#include "runtime/Abi.h"

// The C API only: Open MPI would otherwise pull in its deprecated C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <bit>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <unistd.h>

namespace partita {

namespace {

bool gStarted = false, gFinalized = false;

std::string &toolNameStorage() {
  static std::string name = "partita-run";
  return name;
}

void onMpiError(MPI_Comm *, int *code, ...) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(*code, text, &len);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "%s: error: rank %d: MPI error: %.*s\n", MpiSession::toolName().c_str(),
               rank, len, text);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

void check(int rc, const char *what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  MpiSession::start().abort(std::string(what) + " failed: " + std::string(text, len));
}

int toInt(int64_t n, const char *what) {
  if (n > INT_MAX)
    MpiSession::start().abort(std::string(what) + ": " + std::to_string(n) +
                              " elements exceed MPI's int count");
  return (int)n;
}

// NaN-propagating f32 max/min and wrapping i32 sum.
void f32Max(void *in, void *inout, int *len, MPI_Datatype *) {
  auto *a = (const float *)in;
  auto *b = (float *)inout;
  for (int i = 0; i < *len; ++i)
    b[i] = a[i] != a[i] || b[i] != b[i] ? (b[i] != b[i] ? b[i] : a[i]) : std::max(a[i], b[i]);
}
void f32Min(void *in, void *inout, int *len, MPI_Datatype *) {
  auto *a = (const float *)in;
  auto *b = (float *)inout;
  for (int i = 0; i < *len; ++i)
    b[i] = a[i] != a[i] || b[i] != b[i] ? (b[i] != b[i] ? b[i] : a[i]) : std::min(a[i], b[i]);
}
void i32Sum(void *in, void *inout, int *len, MPI_Datatype *) {
  auto *a = (const uint32_t *)in;
  auto *b = (uint32_t *)inout;
  for (int i = 0; i < *len; ++i)
    b[i] += a[i];
}

struct Ops {
  MPI_Op f32Max, f32Min, i32Sum;
};

Ops &ops() {
  static Ops o = [] {
    Ops x;
    MPI_Op_create(&partita::f32Max, 1, &x.f32Max);
    MPI_Op_create(&partita::f32Min, 1, &x.f32Min);
    MPI_Op_create(&partita::i32Sum, 1, &x.i32Sum);
    return x;
  }();
  return o;
}

// The MPI type and op for reducing `t` (bf16 travels as f32).
std::pair<MPI_Datatype, MPI_Op> reduceTypeOp(DType t, Reduction r) {
  bool f = isFloat(t);
  if (t == DType::I1) return {MPI_UNSIGNED_CHAR, r == Reduction::Min ? MPI_MIN : MPI_MAX};
  MPI_Datatype dt = f ? MPI_FLOAT : MPI_INT;
  switch (r) {
  case Reduction::Sum:
    return {dt, f ? MPI_SUM : ops().i32Sum};
  case Reduction::Max:
    return {dt, f ? ops().f32Max : MPI_MAX};
  case Reduction::Min:
    return {dt, f ? ops().f32Min : MPI_MIN};
  }
  return {dt, MPI_SUM};
}

std::vector<float> widen(const void *bf16, int64_t n) {
  std::vector<float> out(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = std::bit_cast<float>((uint32_t)((const uint16_t *)bf16)[i] << 16);
  return out;
}

void narrow(const std::vector<float> &f, void *bf16) {
  for (size_t i = 0; i < f.size(); ++i) {
    float r = bf16Round(f[i]);
    uint16_t hi = (uint16_t)(std::bit_cast<uint32_t>(r) >> 16);
    ((uint16_t *)bf16)[i] = f[i] != f[i] ? (uint16_t)(hi | 0x40) : hi;
  }
}

} // namespace

// ---- the session ----

MpiSession &MpiSession::start() {
  static MpiSession s;
  if (!gStarted) {
    gStarted = true;
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
    s.threadMultiple_ = provided >= MPI_THREAD_MULTIPLE;
    MPI_Comm_rank(MPI_COMM_WORLD, &s.rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &s.size_);
    MPI_Errhandler h;
    MPI_Comm_create_errhandler(&onMpiError, &h);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, h);
  }
  return s;
}

bool MpiSession::active() { return gStarted && !gFinalized; }

bool MpiSession::allTrue(bool ok) {
  int mine = ok ? 1 : 0, all = 0;
  check(MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return all == 1;
}

int MpiSession::broadcast(int v) {
  check(MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return v;
}

void MpiSession::gather(const void *in, int64_t bytes, void *out) {
  int n = toInt(bytes, "gathering a result");
  check(MPI_Gather(in, n, MPI_BYTE, out, n, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Gather");
}

void MpiSession::setToolName(const std::string &name) { toolNameStorage() = name; }

const std::string &MpiSession::toolName() { return toolNameStorage(); }

void MpiSession::abort(const std::string &message, int code) {
  if (message.find(": error: ") != std::string::npos)
    std::fprintf(stderr, "%s\n", message.c_str());
  else
    std::fprintf(stderr, "%s: error: rank %d: %s\n", toolName().c_str(), rank_, message.c_str());
  std::fflush(stderr);
  if (active()) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

void MpiSession::finalize() {
  if (!active()) return;
  gFinalized = true;
  MPI_Finalize();
}

// ---- collectives ----

namespace {

class MpiCollectives : public Collectives {
public:
  MpiCollectives(const Mesh &mesh, int64_t device) : mesh_(mesh), device_(device) {}

  MPI_Comm comm(GroupAxes g) {
    std::vector<int64_t> key(g.axes, g.axes + g.n);
    auto it = comms_.find(key);
    if (it != comms_.end()) return it->second;
    // color: this device's coordinates on the axes outside the group (row-major);
    // key: its index inside the group, so communicator rank == group index.
    std::vector<int64_t> c = mesh_.coords(device_);
    std::vector<bool> in(mesh_.axes.size(), false);
    for (int64_t a : key)
      in[a] = true;
    int64_t color = 0, idx = 0;
    for (size_t a = 0; a < mesh_.axes.size(); ++a)
      if (!in[a]) color = color * mesh_.axes[a].size + c[a];
    for (int64_t a : key)
      idx = idx * mesh_.axes[a].size + c[a];
    MPI_Comm out;
    check(MPI_Comm_split(MPI_COMM_WORLD, (int)color, (int)idx, &out), "MPI_Comm_split");
    comms_[key] = out;
    return out;
  }

  ~MpiCollectives() override {
    if (!MpiSession::active()) return;
    for (auto &[k, c] : comms_)
      MPI_Comm_free(&c);
  }

  void allReduce(const void *in, void *out, int64_t count, DType t, Reduction r,
                 GroupAxes g) override {
    auto [dt, op] = reduceTypeOp(t, r);
    int n = toInt(count, "all_reduce");
    if (t == DType::BF16) {
      std::vector<float> a = widen(in, count), b(count);
      check(MPI_Allreduce(a.data(), b.data(), n, dt, op, comm(g)), "MPI_Allreduce");
      narrow(b, out);
      return;
    }
    check(MPI_Allreduce(in, out, n, dt, op, comm(g)), "MPI_Allreduce");
  }

  void allGather(const void *in, void *out, int64_t bytes, GroupAxes g) override {
    int n = toInt(bytes, "all_gather");
    check(MPI_Allgather(in, n, MPI_BYTE, out, n, MPI_BYTE, comm(g)), "MPI_Allgather");
  }

  void reduceScatter(const void *in, void *out, int64_t count, DType t, Reduction r,
                     GroupAxes g) override {
    auto [dt, op] = reduceTypeOp(t, r);
    int n = toInt(count, "reduce_scatter");
    MPI_Comm c = comm(g);
    if (t == DType::BF16) {
      int size = 0;
      MPI_Comm_size(c, &size);
      std::vector<float> a = widen(in, count * size), b(count);
      check(MPI_Reduce_scatter_block(a.data(), b.data(), n, dt, op, c), "MPI_Reduce_scatter_block");
      narrow(b, out);
      return;
    }
    check(MPI_Reduce_scatter_block(in, out, n, dt, op, c), "MPI_Reduce_scatter_block");
  }

  void allToAll(const void *in, void *out, int64_t bytes, GroupAxes g) override {
    int n = toInt(bytes, "all_to_all");
    check(MPI_Alltoall(in, n, MPI_BYTE, out, n, MPI_BYTE, comm(g)), "MPI_Alltoall");
  }

  void permute(const void *in, void *out, int64_t bytes, int64_t shift, GroupAxes g) override {
    MPI_Comm c = comm(g);
    int size = 0, me = 0;
    MPI_Comm_size(c, &size);
    MPI_Comm_rank(c, &me);
    int64_t s = ((shift % size) + size) % size;
    int to = (int)((me + s) % size), from = (int)((me - s + size) % size);
    int n = toInt(bytes, "collective_permute");
    check(MPI_Sendrecv(in, n, MPI_BYTE, to, 7, out, n, MPI_BYTE, from, 7, c, MPI_STATUS_IGNORE),
          "MPI_Sendrecv");
  }

  // Nonblocking: the pre swap, then MPI_I* into the slot's requests; wait() does MPI_Waitall,
  // the bf16 narrowing and the post swap.
  void start(const CollectivePlan &p, const void *in, void *out, void *scratch,
             int64_t slot) override {
    claimSlot(slot);
    Pending &q = pending_[slot];
    q = Pending();
    q.plan = p;
    q.out = out;
    const void *send = in;
    if (!p.pre.isCopy()) {
      void *packed = (char *)scratch + p.sendOffset;
      partita_kernel_swap01(in, packed, p.pre.a, p.pre.b, p.pre.blockBytes);
      send = packed;
    }
    q.recv = p.post.isCopy() ? out : (char *)scratch + p.recvOffset;
    GroupAxes g{q.plan.axes.data(), (int64_t)q.plan.axes.size()};
    MPI_Comm c = comm(g);
    MPI_Request r = MPI_REQUEST_NULL;
    switch (p.kind) {
    case CollectiveKind::AllReduce:
    case CollectiveKind::ReduceScatter: {
      auto [dt, op] = reduceTypeOp(p.dtype, p.reduction);
      bool all = p.kind == CollectiveKind::AllReduce;
      int n = toInt(p.count, all ? "all_reduce" : "reduce_scatter");
      const void *a = send;
      void *b = q.recv;
      if (p.dtype == DType::BF16) {
        // Reduced in f32 like the blocking path; the buffers live in the slot until wait.
        q.wideIn = widen(send, all ? p.count : p.count * p.groupSize);
        q.wideOut.resize(p.count);
        a = q.wideIn.data();
        b = q.wideOut.data();
      }
      if (all)
        check(MPI_Iallreduce(a, b, n, dt, op, c, &r), "MPI_Iallreduce");
      else
        check(MPI_Ireduce_scatter_block(a, b, n, dt, op, c, &r), "MPI_Ireduce_scatter_block");
      q.reqs.push_back(r);
      break;
    }
    case CollectiveKind::AllGather: {
      int n = toInt(p.bytes, "all_gather");
      check(MPI_Iallgather(send, n, MPI_BYTE, q.recv, n, MPI_BYTE, c, &r), "MPI_Iallgather");
      q.reqs.push_back(r);
      break;
    }
    case CollectiveKind::AllToAll: {
      int n = toInt(p.bytes, "all_to_all");
      check(MPI_Ialltoall(send, n, MPI_BYTE, q.recv, n, MPI_BYTE, c, &r), "MPI_Ialltoall");
      q.reqs.push_back(r);
      break;
    }
    case CollectiveKind::Permute: {
      int size = 0, me = 0;
      MPI_Comm_size(c, &size);
      MPI_Comm_rank(c, &me);
      int64_t s = ((p.shift % size) + size) % size;
      int to = (int)((me + s) % size), from = (int)((me - s + size) % size);
      int n = toInt(p.bytes, "collective_permute");
      // One tag per slot: two permutes in flight on one communicator must not match each
      // other's messages (MPI matches point-to-point by source, tag and communicator).
      int tag = 1000 + (int)(slot % 30000);
      q.reqs.resize(2, MPI_REQUEST_NULL);
      check(MPI_Irecv(q.recv, n, MPI_BYTE, from, tag, c, &q.reqs[0]), "MPI_Irecv");
      check(MPI_Isend(send, n, MPI_BYTE, to, tag, c, &q.reqs[1]), "MPI_Isend");
      break;
    }
    }
  }

  void wait(int64_t slot) override {
    releaseSlot(slot);
    Pending &q = pending_.at(slot);
    check(MPI_Waitall((int)q.reqs.size(), q.reqs.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    const CollectivePlan &p = q.plan;
    if (!q.wideOut.empty()) narrow(q.wideOut, q.recv);
    if (!p.post.isCopy())
      partita_kernel_swap01(q.recv, q.out, p.post.a, p.post.b, p.post.blockBytes);
    q = Pending();
  }

  void progress() override {
    if (!progressCalls_) return;
    for (auto &[slot, q] : pending_) {
      if (q.reqs.empty()) continue;
      int done = 0;
      check(MPI_Testall((int)q.reqs.size(), q.reqs.data(), &done, MPI_STATUSES_IGNORE),
            "MPI_Testall");
    }
  }

private:
  struct Pending {
    CollectivePlan plan;
    std::vector<MPI_Request> reqs;
    std::vector<float> wideIn, wideOut; // bf16 reductions travel as f32
    void *recv = nullptr, *out = nullptr;
  };

  Mesh mesh_;
  int64_t device_;
  std::map<std::vector<int64_t>, MPI_Comm> comms_;
  std::map<int64_t, Pending> pending_;
  // PARTITA_MPI_PROGRESS=0 turns the progress calls into no-ops, to measure what they buy
  // (docs/performance.md, "Overlapping collectives").
  bool progressCalls_ = [] {
    const char *e = std::getenv("PARTITA_MPI_PROGRESS");
    return !(e && std::string(e) == "0");
  }();
};

} // namespace

std::unique_ptr<Collectives> makeMpiCollectives(const Mesh &mesh, int64_t device,
                                                const std::vector<std::vector<int64_t>> &groups) {
  auto c = std::make_unique<MpiCollectives>(mesh, device);
  for (const auto &g : groups)
    c->comm({g.data(), (int64_t)g.size()});
  return c;
}

// ---- the watchdog ----

Watchdog::Watchdog(double seconds, std::string what) {
  if (seconds <= 0) return;
  thread_ = std::thread([this, seconds, what] {
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return done_; })) return;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", seconds);
    std::string msg =
        what + " did not finish within " + secs + " s (--timeout); a collective may never complete";
    if (MpiSession::active()) MpiSession::start().abort(msg);
    std::fprintf(stderr, "%s: error: %s\n", MpiSession::toolName().c_str(), msg.c_str());
    std::fflush(stderr);
    std::_Exit(1);
  });
}

void Watchdog::done() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Watchdog::~Watchdog() { done(); }

} // namespace partita
