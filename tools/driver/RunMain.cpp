// partita-run (spec section 5): parse and verify a module, partition it when its mesh has
// several devices, pick the execution path (JIT or reference interpreter; one device, all
// devices simulated in this process, or one MPI rank per device), feed identical inputs to
// every path, then print, write and check the results. runtime/ provides the execution
// pieces; this file owns the flow, the command line and the tool's diagnostics.
#include "ir/Accuracy.h"
#include "ir/Interpreter.h"
#include "ir/Npy.h"
#include "ir/Parser.h"
#include "ir/ShardUtil.h"
#include "ir/Verifier.h"
#include "passes/Partitioning.h"
#include "passes/Pass.h"
#include "passes/Passes.h"
#include "runtime/DeviceInterpreter.h"
#include "runtime/Executable.h"
#include "runtime/Mpi.h"
#include "runtime/Parallel.h"
#include "runtime/RunDriver.h"
#include "runtime/Simulator.h"
#include "tools/driver/CommandLine.h"
#include "tools/driver/Mains.h"
#include "tools/driver/OutputSet.h"
#include "tools/driver/RunShared.h"

#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <new>
#include <sstream>

namespace partita::driver {

namespace fs = std::filesystem;

namespace {

using Arity = Option::Arity;

struct RunOptions {
  std::string file = "-"; // the module; "-" is stdin
  uint64_t seed = 0;
  std::string inputsDir, outputsDir;
  bool saveInputs = false, check = false, simulate = false;
  // Execution engine: "jit" (LLVM code, runtime/Executable.h) or "interp" (the reference
  // interpreter on each device).
  std::string engine = "jit";
  bool useCache = true;
  std::string cacheDir;          // JIT object cache; empty: defaultCacheDir()
  std::string emitLlvm, emitObj; // debugging dumps of the compiled program
  double timeout = 0;            // seconds; > 0 ends a run (or a collective) that takes longer
  bool verbose = false;          // JIT compile/cache lines, phase times and memory on stderr
  bool profile = false;          // JIT: time every op, print a per-op-kind table on stderr
  std::string trace;             // JIT: write a Chrome trace (one process per rank) here
  bool asyncCollectives = false; // run the async-collectives pass after partitioning
  int maxInFlight = kDefaultMaxOutstandingCollectives;
  int threads = 0;        // kernel threads per process; 0: defaultRuntimeThreads()
  bool inputCheck = true; // MPI: compare replicated file inputs across ranks
  bool haveFile = false;
  std::string function = "main"; // the function to run (--function)
};

CommandLine runCommandLine(RunOptions &o) {
  CommandLine cl(
      "partita-run",
      "partita-run FILE|- [--seed N] [--inputs DIR] [--outputs DIR] [--save-inputs]\n"
      "                   [--check] [--simulate] [--engine=jit|interp] [--timeout S]\n"
      "                   [--cache-dir DIR] [--no-cache] [--emit-llvm FILE] [--emit-obj FILE]\n"
      "                   [--verbose] [--profile] [--threads N] [--no-input-check]\n"
      "                   [--function NAME] [--async-collectives] [--max-in-flight N]\n"
      "                   [--trace FILE]",
      "Executes @main (or --function NAME) of a .pir module, compiled to native code for this\n"
      "CPU by LLVM (or on the reference interpreter with --engine=interp). A module whose mesh has "
      "several\n"
      "devices is partitioned and runs on every device: one MPI rank each under\n"
      "`mpirun -np N` (N must equal the mesh size; each rank reads or generates only its\n"
      "own shard of every input, and rank 0 gathers, prints or writes the results), or all\n"
      "in this process with --simulate (a thread per device). An already partitioned module\n"
      "(attributes {partitioned = @mesh}) runs as it is.",
      18);
  auto text = [](std::string *to, std::string missing) {
    return [to, missing](const std::string &v) {
      *to = v;
      return v.empty() ? missing : std::string();
    };
  };
  cl.value({"--seed"}, Arity::Either, "--seed N", "seed of the input generator (default 0)",
           "--seed needs a value",
           [&o](const std::string &v) {
             char *end = nullptr;
             errno = 0;
             unsigned long long s = std::strtoull(v.c_str(), &end, 10);
             if (v.empty() || v[0] == '-' || *end || errno)
               return "--seed needs a non-negative integer, got '" + v + "'";
             o.seed = s;
             return std::string();
           })
      .value({"--inputs"}, Arity::Either, "--inputs DIR",
             "read argument %x from DIR/x.npy (whole arrays); arguments without a\n"
             "file are generated: floats uniform in [-1, 1), i32 uniform in\n"
             "[0, bound) (argument attribute `bound`, default 16), i1 a coin",
             "--inputs needs a directory", text(&o.inputsDir, "--inputs needs a directory"))
      .value({"--outputs"}, Arity::Either, "--outputs DIR",
             "write result i to DIR/result<i>.npy instead of printing it; the\n"
             "set appears whole or not at all (staged in a hidden directory)",
             "--outputs needs a directory", text(&o.outputsDir, "--outputs needs a directory"))
      .flag({"--save-inputs"}, "--save-inputs",
            "with --outputs, also write the generated inputs as DIR/<arg>.npy",
            [&o] { o.saveInputs = true; })
      .flag({"--check"}, "--check",
            "also run the unpartitioned program on the reference interpreter and\n"
            "compare: prints `check: max_abs_err=A max_rel_err=R PASS|FAIL`\n"
            "(f32 |a-b| <= 1e-4 + 1e-4|b|, bf16 1e-2 both, integers exact)",
            [&o] { o.check = true; })
      .flag({"--simulate"}, "--simulate",
            "run all devices of the mesh in this process, without MPI", [&o] { o.simulate = true; })
      .value({"--engine"}, Arity::Either, "--engine=E",
             "jit (default): LLVM-compiled code; interp: the reference interpreter",
             "--engine needs jit or interp",
             [&o](const std::string &v) {
               o.engine = v;
               if (v != "jit" && v != "interp")
                 return "--engine must be jit or interp, got '" + v + "'";
               return std::string();
             })
      .value({"--timeout"}, Arity::Either, "--timeout S",
             "end the run with an error (every MPI rank) after S seconds, e.g.\n"
             "when a collective never completes (default: no limit)",
             "--timeout needs a number of seconds",
             [&o](const std::string &v) {
               char *end = nullptr;
               double t = std::strtod(v.c_str(), &end);
               if (v.empty() || *end || !(t > 0) || t > 1e9)
                 return "--timeout needs a number of seconds in (0, 1e9], got '" + v + "'";
               o.timeout = t;
               return std::string();
             })
      .value({"--cache-dir"}, Arity::Either, "--cache-dir DIR",
             "compiled-object cache (default $PARTITA_CACHE_DIR, else\n"
             "~/.cache/partita): a second run of a program skips compilation",
             "--cache-dir needs a directory", text(&o.cacheDir, "--cache-dir needs a directory"))
      .flag({"--no-cache"}, "--no-cache", "neither read nor write the cache",
            [&o] { o.useCache = false; })
      .value({"--emit-llvm"}, Arity::Either, "--emit-llvm F",
             "write the optimized LLVM IR of the compiled program to F\n"
             "(never an input file)",
             "--emit-llvm needs a file", text(&o.emitLlvm, "--emit-llvm needs a file"))
      .value({"--emit-obj"}, Arity::Either, "--emit-obj F", "write its object file to F",
             "--emit-obj needs a file", text(&o.emitObj, "--emit-obj needs a file"))
      .flag({"--verbose"}, "--verbose",
            "report on stderr whether the program was compiled or cached, the\n"
            "wall time of each phase (parse, partition, inputs, compile, run,\n"
            "results), the planned workspace and the peak resident set",
            [&o] { o.verbose = true; })
      .flag({"--profile"}, "--profile",
            "(JIT) time every op and print on stderr the time per op kind and\n"
            "the slowest ops (one table per rank under mpirun)",
            [&o] { o.profile = true; })
      .value({"--trace"}, Arity::Either, "--trace FILE",
             "(JIT, one device or mpirun) write a Chrome trace JSON of the run\n"
             "to FILE (open it in Perfetto or chrome://tracing): one process per\n"
             "rank, one event per op: compute, collective, start or wait",
             "--trace needs a file", text(&o.trace, "--trace needs a file"))
      .flag({"--async-collectives"}, "--async-collectives",
            "make the collectives nonblocking (pass async-collectives): each\n"
            "starts as early and is awaited as late as data allow",
            [&o] { o.asyncCollectives = true; })
      .value({"--max-in-flight"}, Arity::Either, "--max-in-flight N",
             "with --async-collectives, at most N collectives in flight\n"
             "(default 4): each holds its operand and result buffers",
             "--max-in-flight needs a number",
             [&o](const std::string &v) {
               char *end = nullptr;
               long n = std::strtol(v.c_str(), &end, 10);
               if (v.empty() || *end || n < 1 || n > 1 << 20)
                 return "--max-in-flight needs an integer from 1 to 1048576, got '" + v + "'";
               o.maxInFlight = (int)n;
               return std::string();
             })
      .value({"--threads"}, Arity::Either, "--threads N",
             "threads for the kernels of each process (default\n"
             "$PARTITA_THREADS, else cores / ranks on this node)",
             "--threads needs a number",
             [&o](const std::string &v) {
               char *end = nullptr;
               long t = std::strtol(v.c_str(), &end, 10);
               if (v.empty() || *end || t < 1 || t > 4096)
                 return "--threads needs an integer from 1 to 4096, got '" + v + "'";
               o.threads = (int)t;
               return std::string();
             })
      .value({"--function"}, Arity::Either, "--function NAME",
             "run @NAME instead of @main (e.g. @prefill or @decode_step of a\n"
             "serving module); every function of the module is partitioned",
             "--function needs a name", text(&o.function, "--function needs a name"))
      .flag({"--no-input-check"}, "--no-input-check",
            "under mpirun, skip comparing a digest of each replicated argument\n"
            "read from --inputs across the ranks that hold copies of it",
            [&o] { o.inputCheck = false; })
      .positional([&o](const std::string &a) {
        if (o.haveFile) return "more than one input file ('" + o.file + "' and '" + a + "')";
        o.file = a;
        o.haveFile = true;
        return std::string();
      })
      .section("exit status: 0 success, 1 error, 2 --check found a mismatch\n")
      .examples("  partita-run model.pir                            # reference interpreter\n"
                "  partita-run model.pir --simulate --check --seed 7\n"
                "  partita-run model.pir --inputs in/ --outputs out/ --save-inputs\n"
                "  mpirun -np 4 partita-run model.pir --check\n"
                "  mpirun --allow-run-as-root --oversubscribe -np 8 partita-run model.pir "
                "--timeout 60\n"
                "  partita-run model.pir --emit-llvm model.ll --no-cache\n");
  return cl;
}

// The process's peak resident set so far (Linux reports ru_maxrss in KiB).
int64_t peakRssBytes() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (int64_t)u.ru_maxrss * 1024;
}

std::string mib(int64_t bytes) { return fmt("%.1f MiB", bytes / 1048576.0); }

// FNV-1a over a shard's values: cheap next to reading the file, and any differing element
// changes it.
uint64_t digest(const Tensor &t) {
  uint64_t h = 1469598103934665603ull;
  const unsigned char *p = (const unsigned char *)t.data.data();
  for (size_t k = 0, n = t.data.size() * sizeof(double); k < n; ++k)
    h = (h ^ p[k]) * 1099511628211ull;
  return h;
}

class Driver {
public:
  Driver(const RunOptions &o, std::ostream &out, std::ostream &err)
      : o_(o), out_(out), err_(err), name_(o.file == "-" ? "<stdin>" : o.file) {}

  int run() {
    if (o_.saveInputs && o_.outputsDir.empty())
      throw RunError("partita-run: error: --save-inputs needs --outputs DIR");
    if (!o_.trace.empty() && (o_.engine != "jit" || o_.simulate))
      throw RunError("partita-run: error: --trace records the JIT engine on one device or on "
                     "each rank under mpirun (not --engine=interp or --simulate)");
    std::error_code ec;
    if (!o_.inputsDir.empty() && !fs::is_directory(o_.inputsDir, ec))
      throw RunError(o_.inputsDir + ": error: --inputs needs a directory");

    // Under mpirun every rank runs its own device's program (unless --simulate asks for all
    // devices in this process).
    mpi_ = !o_.simulate && underMpiLauncher();
    if (mpi_) ranks_ = MpiSession::start().size();
    setRuntimeThreads(o_.threads > 0 ? o_.threads : defaultRuntimeThreads());
    phase_ = nowSeconds();

    Diagnostics diags;
    auto module = parseModule(readText(), name_, diags);
    bool ok = module && verifyModule(*module, diags);
    printDiagnostics(diags, name_, err_);
    if (!ok) return 1;
    // The function to run: @main unless --function names another. (The variable keeps the
    // name `main`: it is the entry of this run.)
    const std::string &entry = o_.function;
    Func *main = module->func(entry);
    // Located at the module's first line: there is no op to point at.
    if (!main) throw RunError(name_ + ":1:1: error: the module has no @" + entry + " function");
    lap("parse");

    // The unpartitioned entry (the reference and the source of input names and types).
    std::unique_ptr<Module> original;
    const Func *ref = nullptr;
    const Mesh *mesh = partitionedMeshOf(*module, *main);
    if (mesh) {
      if (o_.check)
        throw RunError(located(main->loc) + ": error: --check needs the unpartitioned module (@" +
                       entry +
                       " is already partitioned, so there is no reference to compare with)");
    } else {
      const Mesh *target = entryMesh(*module, *main, name_);
      const Mesh *big = target && target->numDevices() > 1 ? target : nullptr;
      if (!big) {
        ref = main;
      } else {
        checkLaunch(big->numDevices(), mpi_, ranks_, o_.simulate, locatedIn(big->loc, name_));
        original = module->clone();
        ref = original->func(entry);
        if (!runPipeline(*module, kPartitionPipeline, diags)) {
          printDiagnostics(diags, name_, err_);
          return 1;
        }
        // The partitioner's warnings (a reshard through full replication) matter to whoever
        // runs the program too; every rank partitions, rank 0 alone reports.
        if (!mpi_ || MpiSession::start().rank() == 0) printDiagnostics(diags, name_, err_);
        main = module->func(entry);
        lap("partition");
        mesh = main ? partitionedMeshOf(*module, *main) : nullptr;
        if (!mesh)
          throw RunError(name_ +
                         ": error: internal error: partitioning did not produce a partitioned @" +
                         entry);
        if (main->args.size() != ref->args.size() || main->results.size() != ref->results.size())
          throw RunError(name_ + ": error: internal error: the partitioned @" + entry +
                         " changed the signature");
      }
    }
    checkLaunch(mesh ? mesh->numDevices() : 1, mpi_, ranks_, o_.simulate,
                locatedIn(mesh ? mesh->loc : main->loc, name_));
    if (o_.asyncCollectives && mesh) {
      std::string pipeline =
          "async-collectives{max-outstanding=" + std::to_string(o_.maxInFlight) + "}";
      if (!runPipeline(*module, pipeline, diags)) {
        printDiagnostics(diags, name_, err_);
        return 1;
      }
      main = module->func(entry);
      lap("partition");
    }

    InputSource inputs(ref ? *ref : *main, o_.seed, o_.inputsDir);
    refuseToOverwriteInputs(inputs);
    if (mpi_) return runMpi(*module, *main, mesh, inputs, original ? *original : *module, ref);
    std::vector<Tensor> results;
    if (mesh) {
      results = runPartitioned(*module, *main, *mesh, inputs);
    } else if (o_.engine == "jit") {
      results = runJit(*module, *main, inputs);
    } else {
      results = runReference(*module, *main, globals(inputs));
      lap("run");
    }

    CheckResult check;
    if (o_.check) {
      std::vector<DType> accuracy = resultAccuracy(*ref);
      check = compareResults(
          results, runReference(original ? *original : *module, *ref, globals(inputs)), &accuracy);
    }

    if (!o_.outputsDir.empty())
      writeOutputs(results, inputs);
    else
      for (size_t i = 0; i < results.size(); ++i)
        printResult(out_, i, results[i]);
    if (o_.check) out_ << check.line() << "\n";
    flushResults();
    lap("results");
    report();
    return o_.check && !check.pass ? 2 : 0;
  }

private:
  const RunOptions &o_;
  std::ostream &out_, &err_;
  std::string name_;
  std::vector<Tensor> globals_;
  std::vector<std::string> readFiles_; // input files, never to be overwritten
  std::vector<uint64_t> digests_;      // per argument: digest of this device's shard read
  bool mpi_ = false;
  int ranks_ = 1;
  std::shared_ptr<Jit> jit_;
  // --verbose: wall time of each phase, and the memory figures of the compiled program.
  double phase_ = 0;
  std::vector<std::pair<std::string, double>> laps_;
  int64_t planned_ = -1, unplanned_ = 0, liveWs_ = 0, argBytes_ = 0, resultBytes_ = 0;

  void lap(const std::string &what) {
    double t = nowSeconds();
    for (auto &[name, secs] : laps_)
      if (name == what) {
        secs += t - phase_;
        phase_ = t;
        return;
      }
    laps_.push_back({what, t - phase_});
    phase_ = t;
  }

  // The --verbose summary of one process (one rank under MPI).
  void report() {
    if (!o_.verbose) return;
    std::string prefix = mpi_ ? "rank " + std::to_string(MpiSession::start().rank()) + ": " : "";
    // Whole lines in one write, so the ranks' reports do not interleave mid-line.
    std::ostringstream os;
    os << prefix << "time:";
    double total = 0;
    for (auto &[name, secs] : laps_) {
      os << " " << name << " " << fmt("%.1f ms", secs * 1e3) << ",";
      total += secs;
    }
    os << " total " << fmt("%.1f ms", total * 1e3) << " (" << runtimeThreads() << " kernel thread"
       << (runtimeThreads() == 1 ? "" : "s") << ")\n";
    if (planned_ >= 0)
      os << prefix << "memory: arguments " << mib(argBytes_) << ", results " << mib(resultBytes_)
         << ", planned workspace " << mib(planned_) << " (peak of live buffers " << mib(liveWs_)
         << ", " << mib(unplanned_) << " without reuse), live set "
         << mib(argBytes_ + resultBytes_ + planned_) << ", peak RSS " << mib(peakRssBytes())
         << "\n";
    writeLines(err_, os.str());
  }

  void noteExecutable(const Executable &e) {
    planned_ = e.workspaceBytes();
    unplanned_ = e.unplannedBytes();
    liveWs_ = e.liveBytes();
    resultBytes_ = 0;
    for (const auto &t : e.resultTypes())
      resultBytes_ += t.bytes();
  }

  void printProfile(const Executable &e, const std::vector<int64_t> &ns) {
    if (!o_.profile) return;
    std::string prefix = mpi_ ? "rank " + std::to_string(MpiSession::start().rank()) + ": " : "";
    std::istringstream is(profileReport(e.ops(), ns));
    std::string text;
    for (std::string l; std::getline(is, l);)
      text += prefix + l + "\n";
    writeLines(err_, text);
  }

  // --trace: room for one event per root op of one run, and the run's time origin.
  struct Tracer {
    std::vector<PartitaTraceEvent> buf;
    PartitaTrace t{nullptr, 0, 0};
    int64_t origin = 0;
    Tracer(const Executable &e, bool on) {
      if (!on) return;
      buf.resize(e.ops().size());
      t = {buf.data(), 0, (int64_t)buf.size()};
      origin = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count();
    }
    PartitaTrace *get() { return t.events ? &t : nullptr; }
    std::vector<PartitaTraceEvent> events() const {
      return std::vector<PartitaTraceEvent>(buf.begin(), buf.begin() + t.count);
    }
  };

  void writeTrace(const std::string &json) {
    std::ofstream os(o_.trace, std::ios::binary);
    os << json;
    if (!os.flush()) throw RunError(o_.trace + ": error: cannot write the trace file");
  }

  // Every rank sends its events (op, begin, end relative to its own origin, taken just
  // before its run, after the communicators were made) to rank 0, which writes the file.
  void gatherTrace(const Executable &e, Tracer &tr) {
    MpiSession &s = MpiSession::start();
    const int64_t cap = (int64_t)e.ops().size();
    std::vector<int64_t> mine(1 + 3 * cap, 0), all;
    mine[0] = tr.t.count;
    for (int64_t i = 0; i < tr.t.count; ++i) {
      mine[1 + 3 * i] = tr.buf[i].op;
      mine[2 + 3 * i] = tr.buf[i].begin - tr.origin;
      mine[3 + 3 * i] = tr.buf[i].end - tr.origin;
    }
    if (s.rank() == 0) all.resize(mine.size() * s.size());
    s.gather(mine.data(), (int64_t)(mine.size() * sizeof(int64_t)), all.data());
    if (s.rank() != 0) return;
    std::vector<std::vector<PartitaTraceEvent>> perRank(s.size());
    for (int r = 0; r < s.size(); ++r) {
      const int64_t *w = all.data() + r * mine.size();
      for (int64_t i = 0; i < w[0] && i < cap; ++i)
        perRank[r].push_back({w[1 + 3 * i], w[2 + 3 * i], w[3 + 3 * i]});
    }
    writeTrace(chromeTrace(e.ops(), perRank, std::vector<int64_t>(s.size(), 0)));
  }

  // The unpartitioned program on the JIT. Arguments go to native buffers one at a time, so
  // the host tensors (8 bytes per element) never all exist at once unless --check or
  // --save-inputs needs them again.
  std::vector<Tensor> runJit(const Module &m, const Func &f, const InputSource &in) {
    bool keep = o_.check || o_.saveInputs;
    std::vector<NativeBuffer> args;
    for (size_t i = 0; i < in.size(); ++i) {
      if (keep) {
        args.push_back(NativeBuffer::fromTensor(globals(in)[i]));
      } else {
        if (in.fromFile(i)) readFiles_.push_back(in.path(i));
        args.push_back(NativeBuffer::fromTensor(in.global(i)));
      }
      argBytes_ += args.back().bytes();
    }
    lap("inputs");
    auto exe = compile(m, f);
    lap("compile");
    noteExecutable(*exe);
    std::vector<int64_t> profile(exe->ops().size() + 1, 0);
    Tracer tracer(*exe, !o_.trace.empty());
    std::vector<NativeBuffer> out = exe->run(args, 0, nullptr, profile.data(), tracer.get());
    lap("run");
    printProfile(*exe, profile);
    if (tracer.get()) writeTrace(chromeTrace(exe->ops(), {tracer.events()}, {tracer.origin}));
    args.clear();
    std::vector<Tensor> results;
    for (const NativeBuffer &b : out)
      results.push_back(b.toTensor());
    return results;
  }

  std::string readText() {
    std::string text;
    if (std::string e = readInputText(o_.file, &text); !e.empty()) throw RunError(e);
    if (o_.file != "-") readFiles_.push_back(o_.file);
    return text;
  }

  const std::vector<Tensor> &globals(const InputSource &in) {
    if (globals_.empty())
      for (size_t i = 0; i < in.size(); ++i) {
        if (in.fromFile(i)) readFiles_.push_back(in.path(i));
        globals_.push_back(in.global(i));
      }
    return globals_;
  }

  // The JIT-compiled form of `f`; diagnostics are printed and AlreadyReported thrown on error.
  std::unique_ptr<Executable> compile(const Module &m, const Func &f) {
    if (!jit_) {
      JitOptions jo;
      if (o_.useCache) jo.cacheDir = o_.cacheDir.empty() ? defaultCacheDir() : o_.cacheDir;
      jo.emitLlvm = o_.emitLlvm;
      jo.emitObj = o_.emitObj;
      jo.verbose = o_.verbose;
      std::string err;
      jit_ = Jit::create(jo, &err);
      if (!jit_) throw RunError("partita-run: error: " + err);
    }
    Diagnostics d;
    LowerOptions lo;
    lo.profile = o_.profile || !o_.trace.empty(); // the trace records the profile's marks
    auto e = Executable::compile(m, f, jit_, d, lo);
    printDiagnostics(d, name_, err_);
    if (!e) throw AlreadyReported();
    return e;
  }

  // Device `device`'s local arguments of partitioned `f`, each read or generated alone.
  std::vector<Tensor> localArgs(const Func &f, const Mesh &mesh, const InputSource &in,
                                int64_t device) {
    std::vector<Tensor> args;
    for (size_t i = 0; i < f.args.size(); ++i)
      args.push_back(localArg(f, mesh, in, device, i));
    return args;
  }

  Tensor localArg(const Func &f, const Mesh &mesh, const InputSource &in, int64_t device,
                  size_t i) {
    Boundary b = argBoundary(f, i, mesh);
    if (b.global != in.type(i))
      throw RunError(name_ + ": error: internal error: argument %" + f.args[i]->name +
                     " has global type " + b.global.str() + " but the unpartitioned program has " +
                     in.type(i).str());
    if (!in.fromFile(i)) return in.shard(i, b.sharding, mesh, device);
    readFiles_.push_back(in.path(i));
    Tensor t = in.shard(i, b.sharding, mesh, device);
    if (digests_.size() < in.size()) digests_.resize(in.size(), 0);
    digests_[i] = digest(t);
    return t;
  }

  std::vector<Tensor> runPartitioned(const Module &m, const Func &f, const Mesh &mesh,
                                     const InputSource &in) {
    checkSimulation(f, mesh); // before any device's inputs are made
    // --timeout covers the whole simulation: inputs, compilation, the run, assembly.
    Watchdog watchdog(o_.timeout, "the simulation");
    const int64_t nd = mesh.numDevices();
    std::vector<std::vector<Tensor>> local(nd);
    for (int64_t d = 0; d < nd; ++d)
      local[d] = localArgs(f, mesh, in, d);
    if (o_.engine != "jit")
      return assembleResults(f, mesh, simulateLocal(f, mesh, std::move(local)));
    auto exe = compile(m, f);
    std::string err;
    auto results = runSimulated(*exe, local, o_.timeout, &err);
    if (results.empty() && nd > 0) throw RunError(name_ + ": error: " + err);
    return assembleResults(f, mesh, std::move(results));
  }

  // One rank of an MPI job: this device's inputs and program; results gathered to rank 0,
  // which assembles, checks and prints or writes them. Every rank returns the same code.
  int runMpi(const Module &m, const Func &f, const Mesh *mesh, const InputSource &in,
             const Module &refModule, const Func *ref) {
    MpiSession &s = MpiSession::start();
    const int64_t device = s.rank();
    const bool root = device == 0;
    std::unique_ptr<Executable> exe;
    std::vector<Tensor> args;
    std::vector<NativeBuffer> nargs;
    bool ok = true;
    try {
      if (o_.engine == "jit" && !o_.check) {
        // Each argument is made, copied to its native buffer and freed before the next, so
        // the host tensors (8 bytes per element) never all exist at once.
        for (size_t i = 0; i < in.size(); ++i) {
          if (!mesh && in.fromFile(i)) readFiles_.push_back(in.path(i));
          nargs.push_back(
              NativeBuffer::fromTensor(mesh ? localArg(f, *mesh, in, device, i) : in.global(i)));
          argBytes_ += nargs.back().bytes();
        }
      } else {
        args = mesh ? localArgs(f, *mesh, in, device) : globals(in);
      }
      lap("inputs");
      if (o_.engine == "jit") {
        exe = compile(m, f);
        noteExecutable(*exe);
      }
      lap("compile");
    } catch (const AlreadyReported &) {
      ok = false;
    } catch (const std::exception &e) {
      writeLines(err_, std::string(e.what()) + "\n");
      ok = false;
    }
    // Setup errors may be rank-specific (a file one rank cannot read): agree before any
    // collective, so a failed rank never leaves the others waiting.
    if (!s.allTrue(ok)) return 1;
    if (mesh && o_.inputCheck && !o_.inputsDir.empty() && !sameReplicas(f, *mesh, in)) return 1;

    std::vector<NativeBuffer> local;
    {
      Watchdog watchdog(o_.timeout, "the run");
      try {
        std::unique_ptr<Collectives> coll;
        if (mesh)
          coll = makeMpiCollectives(*mesh, device,
                                    exe ? exe->groups() : std::vector<std::vector<int64_t>>{});
        if (exe) {
          if (nargs.empty())
            for (const Tensor &t : args) {
              nargs.push_back(NativeBuffer::fromTensor(t));
              argBytes_ += nargs.back().bytes();
            }
          std::vector<int64_t> profile(exe->ops().size() + 1, 0);
          Tracer tracer(*exe, !o_.trace.empty());
          local = exe->run(nargs, device, coll.get(), profile.data(), tracer.get());
          lap("run");
          printProfile(*exe, profile);
          if (tracer.get()) gatherTrace(*exe, tracer);
        } else {
          std::vector<Tensor> r =
              mesh ? interpretOnDevice(f, *mesh, device, args, *coll) : runReference(m, f, args);
          for (const Tensor &t : r)
            local.push_back(NativeBuffer::fromTensor(t));
        }
      } catch (const std::exception &e) {
        s.abort(e.what()); // the other ranks may be inside a collective: end the job
      }
      watchdog.done();
    }

    std::vector<std::vector<Tensor>> perDevice(root ? s.size() : 0);
    for (const NativeBuffer &b : local) {
      std::vector<char> all(root ? b.bytes() * s.size() : 0);
      s.gather(b.data(), b.bytes(), all.data());
      for (int d = 0; root && d < s.size(); ++d) {
        NativeBuffer x(b.type());
        std::memcpy(x.data(), all.data() + d * b.bytes(), b.bytes());
        perDevice[d].push_back(x.toTensor());
      }
    }
    int code = 0;
    if (root) {
      try {
        std::vector<Tensor> results =
            mesh ? assembleResults(f, *mesh, std::move(perDevice)) : perDevice[0];
        CheckResult check;
        if (o_.check) {
          std::vector<DType> accuracy = resultAccuracy(*ref);
          check = compareResults(results, runReference(refModule, *ref, globals(in)), &accuracy);
        }
        if (!o_.outputsDir.empty())
          writeOutputs(results, in);
        else
          for (size_t i = 0; i < results.size(); ++i)
            printResult(out_, i, results[i]);
        if (o_.check) out_ << check.line() << "\n";
        flushResults();
        code = o_.check && !check.pass ? 2 : 0;
        lap("results");
      } catch (const std::exception &e) {
        writeLines(err_, std::string(e.what()) + "\n");
        code = 1;
      }
    }
    code = s.broadcast(code);
    report();
    return code;
  }

  void writeOutputs(const std::vector<Tensor> &results, const InputSource &in) {
    std::error_code ec;
    fs::create_directories(o_.outputsDir, ec);
    if (!fs::is_directory(o_.outputsDir, ec))
      throw RunError(o_.outputsDir + ": error: cannot create the output directory");
    std::vector<std::pair<std::string, const Tensor *>> files;
    for (size_t i = 0; i < results.size(); ++i)
      files.push_back({"result" + std::to_string(i) + ".npy", &results[i]});
    if (o_.saveInputs) {
      const auto &g = globals(in);
      for (size_t i = 0; i < in.size(); ++i)
        if (!in.fromFile(i)) files.push_back({in.name(i) + ".npy", &g[i]});
    }
    // Check every target before writing any, so a refusal leaves nothing half done.
    std::vector<std::string> names;
    for (size_t i = 0; i < files.size(); ++i) {
      std::string path = (fs::path(o_.outputsDir) / files[i].first).string();
      for (const std::string &r : readFiles_)
        if (samePath(path, r))
          throw RunError(path + ": error: refusing to overwrite an input file");
      for (size_t j = 0; j < i; ++j)
        if (files[j].first == files[i].first)
          throw RunError(path + ": error: two outputs would be written to this file");
      names.push_back(files[i].first);
    }
    std::string err;
    auto encode = [&](size_t i, std::string *bytes, std::string *why) {
      std::string e;
      if (encodeNpy(*files[i].second, bytes, &e)) return true;
      *why = (fs::path(o_.outputsDir) / files[i].first).string() + ": error: " + e;
      return false;
    };
    if (!writeOutputSet(o_.outputsDir, names, encode, &err)) throw RunError(err);
  }

  // Results on stdout count only when they arrived: a full disk or a closed pipe is an error.
  void flushResults() {
    out_.flush();
    if (!out_) throw RunError("partita-run: error: write to stdout failed");
  }

  // "FILE:LINE:COL", or the module's first line when `loc` is unknown.
  std::string located(const Loc &loc) const { return loc.known() ? loc.str() : name_ + ":1:1"; }

  // The debugging dumps must not replace the program or an input array.
  void refuseToOverwriteInputs(const InputSource &in) const {
    for (const std::string *dump : {&o_.emitLlvm, &o_.emitObj}) {
      if (dump->empty()) continue;
      std::string flag = dump == &o_.emitLlvm ? "--emit-llvm" : "--emit-obj";
      bool clash = o_.file != "-" && samePath(*dump, o_.file);
      for (size_t i = 0; i < in.size() && !clash; ++i)
        clash = in.fromFile(i) && samePath(*dump, in.path(i));
      if (clash)
        throw RunError(*dump + ": error: refusing to overwrite an input file with " + flag);
    }
    if (!o_.emitLlvm.empty() && o_.emitLlvm == o_.emitObj)
      throw RunError(o_.emitLlvm + ": error: --emit-llvm and --emit-obj name the same file");
  }

  // Ranks holding copies of the same shard of a replicated argument read from --inputs
  // must have read the same values (each node may see its own file system): rank 0
  // compares a digest per copy, and every rank fails together on a mismatch.
  bool sameReplicas(const Func &f, const Mesh &mesh, const InputSource &in) {
    MpiSession &s = MpiSession::start();
    const size_t n = in.size();
    std::vector<uint64_t> mine(n, 0), all(s.rank() == 0 ? n * s.size() : 0);
    for (size_t i = 0; i < n && i < digests_.size(); ++i)
      mine[i] = digests_[i];
    s.gather(mine.data(), (int64_t)(n * sizeof(uint64_t)), all.data());
    int bad = 0;
    for (size_t i = 0; s.rank() == 0 && i < n && !bad; ++i) {
      if (!in.fromFile(i)) continue;
      Boundary b = argBoundary(f, i, mesh);
      std::map<std::vector<int64_t>, int64_t> first; // shard offsets -> first device
      for (int64_t d = 0; d < s.size() && !bad; ++d) {
        if (!holdsUnreducedValue(b.sharding, mesh, d)) continue;
        auto [it, added] = first.emplace(b.sharding.offsets(d, b.global, mesh), d);
        if (added || all[d * n + i] == all[it->second * n + i]) continue;
        writeLines(err_, in.path(i) + ": error: ranks " + std::to_string(it->second) + " and " +
                             std::to_string(d) +
                             " read different values for their copies of the replicated "
                             "argument %" +
                             in.name(i) +
                             " (is the file the same on every node? --no-input-check skips "
                             "this check)\n");
        bad = 1;
      }
    }
    return s.broadcast(bad) == 0;
  }
};

} // namespace

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

double nowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<Tensor> runReference(const Module &m, const Func &f, const std::vector<Tensor> &args) {
  DeviceContext ctx;
  if (m.meshes.size() == 1) ctx.mesh = &m.meshes[0];
  return runFunction(f, args, ctx.mesh ? &ctx : nullptr);
}

std::string locatedIn(const Loc &loc, const std::string &file) {
  return loc.known() ? loc.str() : file + ":1:1";
}

void checkLaunch(int64_t devices, bool mpi, int64_t ranks, bool simulate,
                 const std::string &where) {
  std::string n = std::to_string(devices);
  if (mpi && ranks != devices)
    throw RunError(where + ": error: this program runs on " + n + " device(s) but mpirun started " +
                   std::to_string(ranks) + " process(es): use `mpirun -np " + n + "`");
  if (!mpi && !simulate && devices > 1)
    throw RunError(where + ": error: this program needs " + n +
                   " devices: run it under `mpirun -np " + n + "` or with --simulate");
}

const Mesh *entryMesh(const Module &m, const Func &f, const std::string &tool) {
  Diagnostics probe;
  const Mesh *target = functionMesh(m, f, probe);
  if (probe.hasErrors()) {
    std::ostringstream os;
    printDiagnostics(probe, tool, os);
    std::string msg = os.str();
    while (!msg.empty() && msg.back() == '\n')
      msg.pop_back();
    throw RunError(msg);
  }
  if (!target && m.meshes.size() > 1) {
    std::string names;
    for (const Mesh &mesh : m.meshes)
      names += (names.empty() ? "@" : ", @") + mesh.name;
    throw RunError(locatedIn(f.loc, tool) + ": error: function @" + f.name +
                   " has no sharding to choose among the meshes " + names +
                   "; annotate a value with a sharding over the mesh to run on");
  }
  return target;
}

int runGuarded(const std::string &name, const std::function<int()> &body) {
  int code = 1;
  {
    // Every path out of the driver finalizes MPI, so mpirun sees a clean exit with our code.
    struct Finalize {
      ~Finalize() {
        if (MpiSession::active()) MpiSession::start().finalize();
      }
    } finalize;
    std::string msg;
    try {
      code = body();
    } catch (const AlreadyReported &) {
    } catch (const RunError &e) {
      msg = e.what();
    } catch (const std::bad_alloc &) {
      msg = name + ": error: out of memory";
    } catch (const std::exception &e) {
      // Interpreter errors are located at an op; ops without a position get the file's name.
      msg = e.what();
      if (msg.rfind("<unknown>:", 0) == 0)
        msg = name + msg.substr(9);
      else if (msg.find(": error: ") == std::string::npos)
        msg = name + ": error: " + msg;
    }
    if (!msg.empty()) writeLines(std::cerr, msg + "\n");
  }
  return code;
}

int runMain(int argc, char **argv) {
  RunOptions o;
  CommandLine cl = runCommandLine(o);
  if (auto code = cl.parse(argc, argv)) return *code;
  if (!o.haveFile) return cl.error("no input file (give FILE, or '-' for stdin; see --help)");
  std::string name = o.file == "-" ? "<stdin>" : o.file;
  int code = runGuarded(name, [&] { return Driver(o, std::cout, std::cerr).run(); });
  // A result that could not be written (stdout on a full disk, a closed pipe) is an error;
  // a run that failed already said so.
  if (code != 1 && !flushStdout(cl)) return 1;
  return code;
}

} // namespace partita::driver
