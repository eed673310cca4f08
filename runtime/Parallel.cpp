// A small fork-join pool for the runtime's kernels: the caller plus (threads - 1) workers
// claim equal, contiguous parts of a range (up to four per thread, so that a thread the OS
// delays does not hold everyone up). Workers spin briefly after each job before they
// sleep, because generated programs issue many short parallel loops back to back and a
// condition-variable wake-up costs more than most of them.
#include "runtime/Parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PARTITA_PAUSE() _mm_pause()
#else
#define PARTITA_PAUSE() ((void)0)
#endif

namespace partita {

namespace {

int envInt(const char *name) {
  const char *v = std::getenv(name);
  if (!v || !*v) return 0;
  char *end = nullptr;
  long x = std::strtol(v, &end, 10);
  return *end || x <= 0 || x > 4096 ? 0 : (int)x;
}

class Pool {
public:
  ~Pool() { resize(1); }

  void resize(int threads) {
    std::lock_guard<std::mutex> use(use_);
    stopWorkers();
    threads_ = std::max(1, threads);
  }
  int threads() const { return threads_; }

  void run(int64_t n, int ways, const std::function<void(int64_t, int64_t)> &fn) {
    std::unique_lock<std::mutex> use(use_, std::try_to_lock);
    if (!use.owns_lock() || ways <= 1) {
      fn(0, n);
      return;
    }
    startWorkers();
    pending_.store(ways, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> l(mu_);
      fn_ = &fn;
      n_ = n;
      ways_ = ways;
      next_ = 0;
      job_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    work();
    while (pending_.load(std::memory_order_acquire) != 0)
      PARTITA_PAUSE();
  }

private:
  // Claims parts of the current job until none is left. Claims are taken under mu_ (a
  // handful per job), so a worker that wakes late can never run a part of a finished job.
  void work() {
    for (;;) {
      const std::function<void(int64_t, int64_t)> *fn;
      int64_t b, e;
      {
        std::lock_guard<std::mutex> l(mu_);
        if (next_ >= ways_) return;
        int k = next_++;
        fn = fn_;
        b = n_ * k / ways_;
        e = n_ * (k + 1) / ways_;
      }
      (*fn)(b, e);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void workerLoop() {
    uint64_t seen = job_.load(std::memory_order_acquire);
    for (;;) {
      uint64_t j = seen;
      for (int spin = 0; spin < 20000 && j == seen; ++spin) {
        PARTITA_PAUSE();
        j = job_.load(std::memory_order_acquire);
      }
      if (j == seen) {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return job_.load(std::memory_order_acquire) != seen || stop_; });
        if (stop_) return;
        j = job_.load(std::memory_order_acquire);
      }
      seen = j;
      work();
    }
  }

  void startWorkers() {
    while ((int)workers_.size() < threads_ - 1)
      workers_.emplace_back([this] { workerLoop(); });
  }

  void stopWorkers() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto &w : workers_)
      w.join();
    workers_.clear();
    stop_ = false;
  }

  std::mutex use_; // held by the caller of the running job
  std::mutex mu_;  // guards the job's fields and claims
  std::condition_variable cv_;
  std::atomic<uint64_t> job_{0};
  std::atomic<int> pending_{0};
  bool stop_ = false;
  std::vector<std::thread> workers_;
  int threads_ = 1;
  const std::function<void(int64_t, int64_t)> *fn_ = nullptr;
  int64_t n_ = 0;
  int ways_ = 0, next_ = 0;
};

thread_local int tlsLimit = 0; // 0: no cap

Pool &pool() {
  static Pool *p = [] {
    auto *q = new Pool(); // never destroyed: workers may outlive static destructors
    q->resize(defaultRuntimeThreads());
    return q;
  }();
  return *p;
}

} // namespace

int defaultRuntimeThreads() {
  if (int t = envInt("PARTITA_THREADS")) return t;
  int cores = (int)std::max(1u, std::thread::hardware_concurrency());
  int local = 0;
  for (const char *v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                        "MV2_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE", "PMI_SIZE"})
    if ((local = envInt(v))) break;
  return std::max(1, cores / std::max(1, local));
}

void setRuntimeThreads(int n) { pool().resize(n); }
int runtimeThreads() { return pool().threads(); }

int parallelWays(int64_t n, int64_t grain) {
  int64_t parts = n / std::max<int64_t>(1, grain);
  int threads = pool().threads();
  if (tlsLimit > 0) threads = std::min(threads, tlsLimit);
  return (int)std::max<int64_t>(1, std::min<int64_t>(threads, parts));
}

ThreadLimit::ThreadLimit(int max) : saved_(tlsLimit) { tlsLimit = std::max(1, max); }
ThreadLimit::~ThreadLimit() { tlsLimit = saved_; }

int parallelParts(int64_t n, int64_t grain) {
  int ways = parallelWays(n, grain);
  if (ways <= 1) return 1;
  // More parts than threads, claimed dynamically: when another process holds a core for a
  // while, the threads that do run take over its share instead of everyone waiting for it.
  int64_t parts = n / std::max<int64_t>(1, grain);
  return (int)std::max<int64_t>(ways, std::min<int64_t>(parts, (int64_t)ways * 4));
}

void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> &fn) {
  if (n <= 0) return;
  int parts = parallelParts(n, grain);
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  pool().run(n, parts, fn);
}

} // namespace partita
