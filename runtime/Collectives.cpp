// In-memory collectives for simulated devices (threads of one process), the group helpers
// shared with the MPI implementation, the executor of collective plans (runCollectivePlan),
// and the extern "C" entry points generated code calls.
#include "runtime/Collectives.h"

#include "ir/Tensor.h"
#include "runtime/Abi.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace partita {

std::vector<int64_t> groupMembers(const Mesh &mesh, int64_t device, GroupAxes g) {
  return groupMembers(mesh, device, std::vector<int64_t>(g.axes, g.axes + g.n));
}

void runCollectivePlan(const CollectivePlan &p, Collectives &coll, const void *in, void *out,
                       void *scratch) {
  const void *send = in;
  if (!p.pre.isCopy()) {
    void *packed = (char *)scratch + p.sendOffset;
    partita_kernel_swap01(in, packed, p.pre.a, p.pre.b, p.pre.blockBytes);
    send = packed;
  }
  void *recv = p.post.isCopy() ? out : (char *)scratch + p.recvOffset;
  GroupAxes g{p.axes.data(), (int64_t)p.axes.size()};
  switch (p.kind) {
  case CollectiveKind::AllReduce:
    coll.allReduce(send, recv, p.count, p.dtype, p.reduction, g);
    break;
  case CollectiveKind::AllGather:
    coll.allGather(send, recv, p.bytes, g);
    break;
  case CollectiveKind::ReduceScatter:
    coll.reduceScatter(send, recv, p.count, p.dtype, p.reduction, g);
    break;
  case CollectiveKind::AllToAll:
    coll.allToAll(send, recv, p.bytes, g);
    break;
  case CollectiveKind::Permute:
    coll.permute(send, recv, p.bytes, p.shift, g);
    break;
  }
  if (!p.post.isCopy()) partita_kernel_swap01(recv, out, p.post.a, p.post.b, p.post.blockBytes);
}

void Collectives::claimSlot(int64_t slot) {
  if (slot < 0 || std::find(inFlight_.begin(), inFlight_.end(), slot) != inFlight_.end())
    throw std::runtime_error("async collective slot " + std::to_string(slot) +
                             " started while still in flight");
  inFlight_.push_back(slot);
}

void Collectives::releaseSlot(int64_t slot) {
  auto it = std::find(inFlight_.begin(), inFlight_.end(), slot);
  if (it == inFlight_.end())
    throw std::runtime_error("await of async collective slot " + std::to_string(slot) +
                             ", which was not started");
  inFlight_.erase(it);
}

void Collectives::start(const CollectivePlan &p, const void *in, void *out, void *scratch,
                        int64_t slot) {
  claimSlot(slot);
  runCollectivePlan(p, *this, in, out, scratch);
}

void Collectives::wait(int64_t slot) { releaseSlot(slot); }

static float bf16ToF32(uint16_t h) { return std::bit_cast<float>((uint32_t)h << 16); }
static uint16_t f32ToBf16(float f) {
  float r = bf16Round(f);
  uint16_t hi = (uint16_t)(std::bit_cast<uint32_t>(r) >> 16);
  return f != f ? (uint16_t)(hi | 0x40) : hi;
}

template <class T> static T combine(T a, T b, Reduction r) {
  if (r == Reduction::Sum) return a + b;
  // NaN-propagating, like the code generator's llvm.maximum/minimum.
  if constexpr (std::is_floating_point_v<T>)
    if (a != a || b != b) return a != a ? a : b;
  return r == Reduction::Max ? std::max(a, b) : std::min(a, b);
}

void reduceArrays(const std::vector<const void *> &in, void *out, int64_t count, DType t,
                  Reduction r) {
  switch (t) {
  case DType::F32: {
    auto *o = (float *)out;
    for (int64_t i = 0; i < count; ++i) {
      float acc = ((const float *)in[0])[i];
      for (size_t k = 1; k < in.size(); ++k)
        acc = combine(acc, ((const float *)in[k])[i], r);
      o[i] = acc;
    }
    return;
  }
  case DType::BF16: {
    auto *o = (uint16_t *)out;
    for (int64_t i = 0; i < count; ++i) {
      float acc = bf16ToF32(((const uint16_t *)in[0])[i]);
      for (size_t k = 1; k < in.size(); ++k)
        acc = combine(acc, bf16ToF32(((const uint16_t *)in[k])[i]), r);
      o[i] = f32ToBf16(acc);
    }
    return;
  }
  case DType::I32: {
    // Wrapping arithmetic without signed-overflow UB.
    auto *o = (int32_t *)out;
    for (int64_t i = 0; i < count; ++i) {
      int32_t acc = ((const int32_t *)in[0])[i];
      for (size_t k = 1; k < in.size(); ++k) {
        int32_t v = ((const int32_t *)in[k])[i];
        acc = r == Reduction::Sum ? (int32_t)((uint32_t)acc + (uint32_t)v) : combine(acc, v, r);
      }
      o[i] = acc;
    }
    return;
  }
  case DType::I1: {
    auto *o = (uint8_t *)out;
    for (int64_t i = 0; i < count; ++i) {
      uint8_t acc = ((const uint8_t *)in[0])[i];
      for (size_t k = 1; k < in.size(); ++k) {
        uint8_t v = ((const uint8_t *)in[k])[i];
        acc = r == Reduction::Min ? (acc & v) : (acc | v);
      }
      o[i] = acc;
    }
    return;
  }
  }
}

InMemoryWorld::InMemoryWorld(const Mesh &mesh, double timeoutSeconds)
    : mesh_(mesh), n_(mesh.numDevices()), timeout_(timeoutSeconds), in_(n_), out_(n_) {}

void InMemoryWorld::abort(const std::string &why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!aborted_) why_ = why;
  aborted_ = true;
  cv_.notify_all();
}

std::string InMemoryWorld::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return why_;
}

bool InMemoryWorld::barrier() {
  std::unique_lock<std::mutex> lock(mu_);
  if (aborted_) return false;
  int64_t gen = generation_;
  if (++waiting_ == n_) {
    waiting_ = 0;
    ++generation_;
    cv_.notify_all();
    return true;
  }
  auto done = [&] { return generation_ != gen || aborted_; };
  if (timeout_ > 0) {
    if (!cv_.wait_for(lock, std::chrono::duration<double>(timeout_), done)) {
      if (!aborted_)
        why_ = "a collective did not complete within " + std::to_string(timeout_) + " s";
      aborted_ = true;
      cv_.notify_all();
      return false;
    }
  } else {
    cv_.wait(lock, done);
  }
  return !aborted_;
}

class InMemoryCollectives : public Collectives {
public:
  InMemoryCollectives(InMemoryWorld &w, int64_t d) : w_(w), d_(d) {}

  void allReduce(const void *in, void *out, int64_t count, DType t, Reduction r,
                 GroupAxes g) override {
    exchange(
        in,
        [&](const std::vector<int64_t> &members, int64_t) {
          std::vector<const void *> ins;
          for (int64_t m : members)
            ins.push_back(w_.in_[m]);
          reduceArrays(ins, out, count, t, r);
        },
        g);
  }
  void allGather(const void *in, void *out, int64_t bytes, GroupAxes g) override {
    exchange(
        in,
        [&](const std::vector<int64_t> &members, int64_t) {
          // Empty shards have no buffer (null); memcpy forbids null even for 0 bytes.
          if (bytes == 0)
            return;
          for (size_t k = 0; k < members.size(); ++k)
            std::memcpy((char *)out + k * bytes, w_.in_[members[k]], bytes);
        },
        g);
  }
  void reduceScatter(const void *in, void *out, int64_t count, DType t, Reduction r,
                     GroupAxes g) override {
    exchange(
        in,
        [&](const std::vector<int64_t> &members, int64_t me) {
          std::vector<const void *> ins;
          int64_t off = me * count * dtypeBytes(t);
          for (int64_t m : members)
            ins.push_back((const char *)w_.in_[m] + off);
          reduceArrays(ins, out, count, t, r);
        },
        g);
  }
  void allToAll(const void *in, void *out, int64_t bytes, GroupAxes g) override {
    exchange(
        in,
        [&](const std::vector<int64_t> &members, int64_t me) {
          if (bytes == 0)
            return;
          for (size_t k = 0; k < members.size(); ++k)
            std::memcpy((char *)out + k * bytes, (const char *)w_.in_[members[k]] + me * bytes,
                        bytes);
        },
        g);
  }
  void permute(const void *in, void *out, int64_t bytes, int64_t shift, GroupAxes g) override {
    exchange(
        in,
        [&](const std::vector<int64_t> &members, int64_t me) {
          int64_t n = (int64_t)members.size();
          int64_t from = ((me - shift) % n + n) % n;
          if (bytes > 0)
            std::memcpy(out, w_.in_[members[from]], bytes);
        },
        g);
  }

private:
  template <class F> void exchange(const void *in, F &&work, GroupAxes g) {
    w_.in_[d_] = in;
    if (!w_.barrier()) return;
    std::vector<int64_t> members = groupMembers(w_.mesh_, d_, g);
    int64_t me = std::find(members.begin(), members.end(), d_) - members.begin();
    work(members, me);
    w_.barrier(); // inputs stay untouched until every peer has read them
  }

  InMemoryWorld &w_;
  int64_t d_;
};

std::unique_ptr<Collectives> InMemoryWorld::device(int64_t d) {
  return std::make_unique<InMemoryCollectives>(*this, d);
}

} // namespace partita

using partita::CollectivePlan;
using partita::Collectives;

static Collectives &coll(PartitaCtx *ctx) { return *static_cast<Collectives *>(ctx->collectives); }

extern "C" {

void partita_rt_collective(PartitaCtx *ctx, const int64_t *desc, const void *in, void *out,
                           void *scratch) {
  CollectivePlan p;
  try {
    p = CollectivePlan::decode(desc);
  } catch (const std::exception &e) {
    // Only a code generator bug gets here, and exceptions must not unwind through JIT frames.
    std::fprintf(stderr, "partita: %s\n", e.what());
    std::abort();
  }
  partita::runCollectivePlan(p, coll(ctx), in, out, scratch);
}

void partita_rt_collective_start(PartitaCtx *ctx, const int64_t *desc, const void *in, void *out,
                                 void *scratch, int64_t slot) {
  // Exceptions must not unwind through JIT frames: a misuse here is a code generator bug.
  try {
    coll(ctx).start(CollectivePlan::decode(desc), in, out, scratch, slot);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "partita: %s\n", e.what());
    std::abort();
  }
}

void partita_rt_collective_wait(PartitaCtx *ctx, int64_t slot) {
  try {
    coll(ctx).wait(slot);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "partita: %s\n", e.what());
    std::abort();
  }
}

void partita_rt_collective_progress(PartitaCtx *ctx) { coll(ctx).progress(); }
}
