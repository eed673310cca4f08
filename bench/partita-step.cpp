// partita-step: times one forward step of a .pir program as partita-run executes it (JIT,
// one device, or one MPI rank per device under mpirun), for bench/run. It reports, as one
// JSON object on rank 0's stdout: parse/partition/compile times (and whether the object came
// from the JIT cache), the step time (wall, the slowest rank of every repetition) and each
// rank's least CPU time per step, the scalar results, peak RSS per rank next to the
// program's live set (argument shard + planned workspace + results), and with --einsums the
// CPU time of every distinct einsum of the (per-device) program against a plain Eigen GEMM
// of the same sizes (the sizes are printed so that bench/run can time OpenBLAS on them too).
// Kernel threads follow the runtime's policy ($PARTITA_THREADS).
#include "bench/BenchCommon.h"
#include "ir/Einsum.h"
#include "ir/InputGen.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "passes/Passes.h"
#include "runtime/Executable.h"
#include "runtime/Mpi.h"
#include "runtime/RunDriver.h"
#include "runtime/Simulator.h"

#include <Eigen/Core>

#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace partita;
using namespace partita::bench;

namespace {

[[noreturn]] void die(const std::string &msg) {
  std::cerr << "partita-step: error: " << msg << "\n";
  if (MpiSession::active()) MpiSession::start().abort(msg);
  std::exit(1);
}

void usage() {
  std::cout << "usage: partita-step FILE [--reps N] [--seed N] [--inputs DIR] [--cache-dir DIR]\n"
               "                    [--no-cache] [--einsums] [--budget SECONDS] [--compile-only]\n"
               "                    [--async-collectives] [--max-in-flight N] [--comm-profile]\n"
               "       mpirun -np N partita-step FILE ...\n"
               "\n"
               "Compiles @main like partita-run (partitioned for its mesh; one MPI rank per\n"
               "device under mpirun), runs it once to warm up and then --reps times (default 3)\n"
               "on preallocated buffers, and prints one JSON object: compile time (cold or from\n"
               "the cache), step times (the slowest rank of each repetition), scalar results,\n"
               "peak RSS per rank and the live set. --einsums (one process only) also times every\n"
               "distinct einsum of the program against an Eigen GEMM of the same B x M x N x K,\n"
               "and each f32 one again with bf16 operands and result.\n"
               "--compile-only compiles (filling the cache) without running, in one process.\n"
               "--async-collectives runs the async-collectives pass (at most --max-in-flight N\n"
               "collectives in flight, default 4) after partitioning. --comm-profile compiles\n"
               "with per-op timing and adds each rank's milliseconds per step in compute,\n"
               "blocking collectives, async starts and awaits, and waiting_ms_per_step (the\n"
               "time blocked in collectives: blocking collectives + awaits).\n";
}

// Resident and peak resident set size of this process (KiB), from /proc/self/status.
int64_t statusKib(const char *key) {
  std::ifstream is("/proc/self/status");
  std::string line;
  size_t n = std::strlen(key);
  while (std::getline(is, line))
    if (line.compare(0, n, key) == 0) return std::atoll(line.c_str() + n + 1);
  return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so that the peak of one phase can be read.
bool resetPeakRss() {
  std::ofstream os("/proc/self/clear_refs");
  os << "5";
  os.flush();
  return (bool)os;
}

int64_t maxRssKib() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

std::string jsonStr(const std::string &s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      o += '\\', o += c;
    else if ((unsigned char)c < 0x20)
      o += ' ';
    else
      o += c;
  }
  return o + "\"";
}

template <class T> std::string jsonList(const std::vector<T> &v) {
  std::ostringstream os;
  os.precision(9);
  os << "[";
  for (size_t i = 0; i < v.size(); ++i)
    os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

// Every distinct einsum of `f` (spec and operand types), JIT-compiled alone and timed
// against Eigen, and (f32 ones) again in bf16; counts say how often each occurs in the program.
std::string einsumReport(const Func &f, double budget) {
  std::map<std::string, int> count;
  std::vector<const Op *> order;
  for (const auto &opp : f.ops) {
    if (opp->opcode != Opcode::Einsum) continue;
    std::string sig = opp->getString("spec") + " " + opp->operands[0]->type.str() + " " +
                      opp->operands[1]->type.str();
    if (count[sig]++ == 0) order.push_back(opp.get());
  }
  std::ostringstream js;
  js.precision(9);
  js << "[";
  bool first = true;
  for (const Op *opp : order) {
    const Op &op = *opp;
    std::string sig =
        op.getString("spec") + " " + op.operands[0]->type.str() + " " + op.operands[1]->type.str();
    // The einsum alone, with every operand and the result in `dt`, JIT-compiled; the best
    // single-threaded CPU time of a run.
    auto timeAs = [&](DType dt) {
      auto ty = [&](TensorType t) {
        t.dtype = dt;
        return t.str();
      };
      std::string text = "func @main(%a: " + ty(op.operands[0]->type) +
                         ", %b: " + ty(op.operands[1]->type) + ") -> (" + ty(op.type()) +
                         ") {\n  %y = einsum(%a, %b) {spec = \"" + op.getString("spec") +
                         "\"} : " + ty(op.type()) + "\n  return %y\n}\n";
      Diagnostics d;
      auto m = parseModule(text, "einsum", d);
      if (!m || !verifyModule(*m, d)) die("cannot rebuild einsum " + printOp(op));
      std::string err;
      JitOptions o;
      std::shared_ptr<Jit> jit = Jit::create(o, &err);
      if (!jit) die(err);
      auto e = Executable::compile(*m, *m->main(), jit, d);
      if (!e) die("cannot compile einsum " + printOp(op));
      std::vector<NativeBuffer> in;
      for (const Value *a : m->main()->args)
        in.push_back(NativeBuffer::fromTensor(generateTensor(2, a->name, a->type)));
      std::vector<NativeBuffer> outs;
      for (const auto &t : e->resultTypes())
        outs.emplace_back(t);
      NativeBuffer ws(TensorType(DType::I1, {std::max<int64_t>(e->workspaceBytes(), 1)}));
      std::vector<void *> ap, rp;
      for (auto &b : in)
        ap.push_back(b.data());
      for (auto &b : outs)
        rp.push_back(b.data());
      // Single-threaded, so CPU time is its running time on a busy machine.
      return bestTime([&] { e->runRaw(ap.data(), rp.data(), 0, nullptr, ws.data()); }, budget, 2,
                      processCpu);
    };
    EinsumShape s = einsumShape(op);
    double tj = timeAs(op.type().dtype);
    double te = eigenGemmSeconds(s, budget, 2, processCpu);
    // The same einsum in bf16 (AVX512-BF16 dot products where the CPU has them): f32 ones only.
    double tb = op.type().dtype == DType::F32 ? timeAs(DType::BF16) : -1;
    js << (first ? "\n    " : ",\n    ") << "{\"spec\": " << jsonStr(op.getString("spec"))
       << ", \"operands\": "
       << jsonStr(op.operands[0]->type.str() + "," + op.operands[1]->type.str())
       << ", \"count\": " << count[sig] << ", \"b\": " << s.b << ", \"m\": " << s.m
       << ", \"n\": " << s.n << ", \"k\": " << s.k << ", \"flops\": " << s.flops()
       << ", \"jit_cpu_s\": " << tj << ", \"eigen_cpu_s\": " << te << ", \"jit_bf16_cpu_s\": " << tb
       << "}";
    first = false;
  }
  js << "\n  ]";
  return js.str();
}

} // namespace

int main(int argc, char **argv) {
  std::string file, inputsDir, cacheDir = defaultCacheDir();
  uint64_t seed = 0;
  int reps = 3;
  bool useCache = true, einsums = false, compileOnly = false;
  bool async = false, commProfile = false;
  int maxInFlight = kDefaultMaxOutstandingCollectives;
  double budget = 0.3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (a == "--reps") {
      reps = std::atoi(next().c_str());
      if (reps < 1) die("--reps needs a positive integer");
    } else if (a == "--seed")
      seed = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--inputs")
      inputsDir = next();
    else if (a == "--cache-dir")
      cacheDir = next();
    else if (a == "--no-cache")
      useCache = false;
    else if (a == "--einsums")
      einsums = true;
    else if (a == "--compile-only")
      compileOnly = true;
    else if (a == "--async-collectives")
      async = true;
    else if (a == "--max-in-flight") {
      maxInFlight = std::atoi(next().c_str());
      if (maxInFlight < 1) die("--max-in-flight needs a positive integer");
    } else if (a == "--comm-profile")
      commProfile = true;
    else if (a == "--budget")
      budget = std::atof(next().c_str());
    else if (!a.empty() && a[0] == '-')
      die("unknown option '" + a + "' (see --help)");
    else if (file.empty())
      file = a;
    else
      die("more than one input file");
  }
  if (file.empty()) die("no input file (see --help)");

  const bool mpi = underMpiLauncher();
  int rank = 0, ranks = 1;
  if (mpi) {
    MpiSession &s = MpiSession::start();
    rank = s.rank();
    ranks = s.size();
  }
  const bool root = rank == 0;
  int64_t rssStart = statusKib("VmRSS:");

  // Parse, verify, partition (timed).
  double t0 = now();
  std::ifstream is(file, std::ios::binary);
  if (!is) die(file + ": cannot open the input file");
  std::string text((std::istreambuf_iterator<char>(is)), {});
  Diagnostics diags;
  auto module = parseModule(text, file, diags);
  if (!module || !verifyModule(*module, diags)) {
    for (const auto &d : diags.all())
      std::cerr << d.str() << "\n";
    die("cannot parse " + file);
  }
  double tParse = now() - t0;
  std::unique_ptr<Module> original;
  const Func *ref = module->main();
  if (!ref) die(file + " has no @main");
  const Mesh *big = nullptr;
  for (const Mesh &m : module->meshes)
    if (m.numDevices() > 1 && (!big || m.numDevices() > big->numDevices())) big = &m;
  double tPartition = 0;
  if (big) {
    original = module->clone();
    ref = original->main();
    t0 = now();
    if (!runPipeline(*module, kPartitionPipeline, diags)) {
      for (const auto &d : diags.all())
        std::cerr << d.str() << "\n";
      die("partitioning failed");
    }
    tPartition = now() - t0;
  }
  if (async) {
    t0 = now();
    if (!runPipeline(*module,
                     "async-collectives{max-outstanding=" + std::to_string(maxInFlight) + "}",
                     diags)) {
      for (const auto &d : diags.all())
        std::cerr << d.str() << "\n";
      die("async-collectives failed");
    }
    tPartition += now() - t0;
  }
  const Func &f = *module->main();
  const Mesh *mesh = partitionedMeshOf(*module, f);
  int64_t devices = mesh ? mesh->numDevices() : 1;
  if (devices != ranks && !(compileOnly && ranks == 1))
    die("the program runs on " + std::to_string(devices) + " device(s) but " +
        std::to_string(ranks) + " process(es) run it: use mpirun -np " + std::to_string(devices));
  if ((einsums || compileOnly) && ranks != 1)
    die("--einsums and --compile-only run in one process only");

  // Compile (cold or cached: the cache says which).
  JitOptions jo;
  if (useCache) jo.cacheDir = cacheDir;
  std::string err;
  std::shared_ptr<Jit> jit = Jit::create(jo, &err);
  if (!jit) die(err);
  t0 = now();
  LowerOptions lo;
  lo.profile = commProfile;
  auto exe = Executable::compile(*module, f, jit, diags, lo);
  double tCompile = now() - t0;
  if (!exe) {
    for (const auto &d : diags.all())
      std::cerr << d.str() << "\n";
    die("JIT compilation failed");
  }
  int64_t rssAfterCompile = statusKib("VmRSS:");
  if (compileOnly) {
    std::ostringstream os;
    os.precision(9);
    os << "{\n  \"file\": " << jsonStr(file) << ",\n  \"ops\": " << f.ops.size()
       << ",\n  \"parse_s\": " << tParse << ",\n  \"partition_s\": " << tPartition
       << ",\n  \"compile_s\": " << tCompile << ",\n  \"jit_compiled\": " << jit->compiledCount()
       << ",\n  \"jit_cached\": " << jit->cachedCount()
       << ",\n  \"workspace_bytes\": " << exe->workspaceBytes()
       << ",\n  \"einsums\": " << (einsums ? einsumReport(f, budget) : std::string("[]"))
       << "\n}\n";
    std::cout << os.str();
    return 0;
  }

  // This device's arguments, converted one at a time (the generator's doubles are freed).
  InputSource in(*ref, seed, inputsDir);
  std::vector<NativeBuffer> args;
  int64_t argBytes = 0;
  for (size_t i = 0; i < f.args.size(); ++i) {
    Tensor t = mesh ? in.shard(i, argBoundary(f, i, *mesh).sharding, *mesh, rank) : in.global(i);
    args.push_back(NativeBuffer::fromTensor(t));
    argBytes += args.back().bytes();
  }
  std::vector<NativeBuffer> results;
  int64_t resultBytes = 0;
  for (const TensorType &t : exe->resultTypes()) {
    results.emplace_back(t);
    resultBytes += results.back().bytes();
  }
  NativeBuffer ws(TensorType(DType::I1, {std::max<int64_t>(exe->workspaceBytes(), 1)}));
  std::vector<void *> ap, rp;
  for (auto &b : args)
    ap.push_back(b.data());
  for (auto &b : results)
    rp.push_back(b.data());
  std::unique_ptr<Collectives> coll;
  if (mpi && mesh) coll = makeMpiCollectives(*mesh, rank, exe->groups());
  malloc_trim(0); // return the generator's freed doubles: the steady state starts here
  int64_t rssSetup = statusKib("VmRSS:");
  bool hwmReset = resetPeakRss();

  // Warm-up, then timed steps. Every rank waits for the others before each step, and a
  // step lasts as long as its slowest rank.
  auto barrier = [&] {
    if (mpi && !MpiSession::start().allTrue(true)) die("a rank failed");
  };
  std::vector<double> steps;
  double minCpu = 1e30; // this rank's least CPU time (user + system) in one step
  // --comm-profile: this rank's nanoseconds per op over the timed steps.
  std::vector<int64_t> prof(exe->ops().size() + 1, 0);
  for (int r = 0; r <= reps; ++r) {
    barrier();
    double c0 = processCpu(), s0 = now();
    exe->runRaw(ap.data(), rp.data(), rank, coll.get(), ws.data(),
                commProfile && r > 0 ? prof.data() : nullptr);
    double dt = now() - s0;
    if (r > 0) minCpu = std::min(minCpu, processCpu() - c0);
    std::vector<double> all(ranks, dt);
    if (mpi) MpiSession::start().gather(&dt, sizeof dt, all.data());
    if (r > 0) steps.push_back(*std::max_element(all.begin(), all.end()));
  }
  int64_t runPeak = statusKib("VmHWM:"), rssEnd = statusKib("VmRSS:"), peak = maxRssKib();

  // Per-rank memory and CPU figures, gathered to rank 0.
  int64_t mine[7] = {rssStart, rssAfterCompile,        rssSetup, runPeak, peak,
                     rssEnd,   (int64_t)(minCpu * 1e6)};
  std::vector<int64_t> mem(7 * ranks);
  if (mpi)
    MpiSession::start().gather(mine, sizeof mine, mem.data());
  else
    std::copy(mine, mine + 7, mem.begin());
  // Milliseconds per step in each op phase (compute, blocking collective, async start,
  // await), per rank: the time blocked in collectives is collective + wait.
  double phase[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < exe->ops().size(); ++i)
    phase[(int)exe->ops()[i].phase] += prof[i] * 1e-6 / reps;
  std::vector<double> phases(4 * ranks);
  if (mpi)
    MpiSession::start().gather(phase, sizeof phase, phases.data());
  else
    std::copy(phase, phase + 4, phases.begin());
  std::string einsumJson = einsums ? einsumReport(f, budget) : "[]";
  if (root) {
    auto col = [&](int k) {
      std::vector<int64_t> v;
      for (int r = 0; r < ranks; ++r)
        v.push_back(mem[7 * r + k]);
      return v;
    };
    std::vector<double> scalars;
    for (const NativeBuffer &b : results)
      if (b.type().rank() == 0) scalars.push_back(b.toTensor().data[0]);
    std::vector<double> sorted = steps;
    std::sort(sorted.begin(), sorted.end());
    std::ostringstream os;
    os.precision(9);
    os << "{\n  \"file\": " << jsonStr(file) << ",\n  \"ranks\": " << ranks
       << ",\n  \"ops\": " << f.ops.size() << ",\n  \"parse_s\": " << tParse
       << ",\n  \"partition_s\": " << tPartition << ",\n  \"compile_s\": " << tCompile
       << ",\n  \"jit_compiled\": " << jit->compiledCount()
       << ",\n  \"jit_cached\": " << jit->cachedCount() << ",\n  \"step_s\": " << jsonList(steps)
       << ",\n  \"step_best_s\": " << sorted.front()
       << ",\n  \"step_median_s\": " << sorted[sorted.size() / 2]
       << ",\n  \"step_cpu_us\": " << jsonList(col(6))
       << ",\n  \"scalar_results\": " << jsonList(scalars) << ",\n  \"arg_bytes\": " << argBytes
       << ",\n  \"workspace_bytes\": " << exe->workspaceBytes()
       << ",\n  \"unplanned_bytes\": " << exe->unplannedBytes()
       << ",\n  \"result_bytes\": " << resultBytes << ",\n  \"rss_start_kib\": " << jsonList(col(0))
       << ",\n  \"rss_after_compile_kib\": " << jsonList(col(1))
       << ",\n  \"rss_setup_kib\": " << jsonList(col(2))
       << ",\n  \"rss_run_peak_kib\": " << jsonList(col(3))
       << ",\n  \"rss_process_peak_kib\": " << jsonList(col(4))
       << ",\n  \"rss_end_kib\": " << jsonList(col(5))
       << ",\n  \"run_peak_is_phase_peak\": " << (hwmReset ? "true" : "false")
       << ",\n  \"einsums\": " << einsumJson;
    if (commProfile) {
      auto ph = [&](int k) {
        std::vector<double> v;
        for (int r = 0; r < ranks; ++r)
          v.push_back(phases[4 * r + k]);
        return v;
      };
      std::vector<double> waiting;
      for (int r = 0; r < ranks; ++r)
        waiting.push_back(phases[4 * r + 1] + phases[4 * r + 3]);
      os << ",\n  \"async_collectives\": " << (async ? "true" : "false")
         << ",\n  \"compute_ms_per_step\": " << jsonList(ph(0))
         << ",\n  \"blocking_collective_ms_per_step\": " << jsonList(ph(1))
         << ",\n  \"start_ms_per_step\": " << jsonList(ph(2))
         << ",\n  \"await_ms_per_step\": " << jsonList(ph(3))
         << ",\n  \"waiting_ms_per_step\": " << jsonList(waiting);
    }
    os << "\n}\n";
    std::cout << os.str();
    std::cout.flush();
  }
  if (mpi) MpiSession::start().finalize();
  return 0;
}
