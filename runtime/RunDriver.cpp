// partita-run: parse and verify a module, pick the execution path (reference interpreter,
// partition + simulate, already partitioned + simulate), feed identical inputs to every
// path, then print, write and check the results.
#include "runtime/RunDriver.h"

#include "ir/InputGen.h"
#include "ir/Interpreter.h"
#include "ir/Npy.h"
#include "ir/Parser.h"
#include "ir/ShardUtil.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "runtime/DeviceInterpreter.h"
#include "runtime/Executable.h"
#include "runtime/Mpi.h"
#include "runtime/Parallel.h"
#include "runtime/Simulator.h"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <new>
#include <sstream>

namespace partita {

namespace fs = std::filesystem;

namespace {

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string number(DType t, double v) {
  if (!isFloat(t) && std::fabs(v) < 0x1p53) return std::to_string((int64_t)v);
  return fmt("%.6g", v);
}

// Diagnostics without a source position are prefixed with the input's name.
void printDiagnostics(const Diagnostics &d, const std::string &name, std::ostream &err) {
  for (const auto &x : d.all()) {
    Diagnostic y = x;
    if (!y.loc.known()) y.loc.file = std::make_shared<const std::string>(name);
    err << y.str() << "\n";
  }
}

bool samePath(const std::string &a, const std::string &b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);
}

double nowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The process's peak resident set so far (Linux reports ru_maxrss in KiB).
int64_t peakRssBytes() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (int64_t)u.ru_maxrss * 1024;
}

std::string mib(int64_t bytes) { return fmt("%.1f MiB", bytes / 1048576.0); }

} // namespace

InputSource::InputSource(const Func &f, uint64_t seed, const std::string &inputsDir) : seed_(seed) {
  for (size_t i = 0; i < f.args.size(); ++i) {
    Arg a;
    a.name = f.args[i]->name;
    a.type = f.args[i]->type;
    a.bound = argBound(f, i);
    if (i < f.argAttrs.size()) {
      const AttrDict &attrs = f.argAttrs[i];
      if (auto it = attrs.find("global"); it != attrs.end() && it->second.kind == Attr::Kind::Type)
        a.type = it->second.type;
    }
    if (!inputsDir.empty()) {
      std::string p = (fs::path(inputsDir) / (a.name + ".npy")).string();
      std::error_code ec;
      if (fs::exists(p, ec)) a.path = p;
    }
    args_.push_back(std::move(a));
  }
}

Tensor InputSource::global(size_t i) const {
  const Arg &a = args_.at(i);
  if (a.path.empty()) return generateTensor(seed_, a.name, a.type, a.bound);
  Tensor t;
  std::string err;
  if (!readNpyAs(a.path, a.type, &t, &err))
    throw RunError(a.path + ": error: " + err + " for argument %" + a.name);
  return t;
}

Tensor InputSource::shard(size_t i, const Sharding &s, const Mesh &m, int64_t device) const {
  const Arg &a = args_.at(i);
  if (auto e = s.validate(a.type, m); !e.empty())
    throw RunError("partita-run: error: argument %" + a.name + ": " + e);
  if (a.path.empty()) return generateShard(seed_, a.name, a.type, s, m, device, a.bound);
  TensorType local = s.localType(a.type, m);
  if (!holdsUnreducedValue(s, m, device)) return Tensor(local);
  Tensor t;
  std::string err;
  if (!readNpySlice(a.path, a.type, s.offsets(device, a.type, m), local.shape, &t, &err))
    throw RunError(a.path + ": error: " + err + " for argument %" + a.name);
  return t;
}

std::string CheckResult::line() const {
  return "check: max_abs_err=" + fmt("%.3g", maxAbs) + " max_rel_err=" + fmt("%.3g", maxRel) +
         (pass ? " PASS" : " FAIL");
}

CheckResult compareResults(const std::vector<Tensor> &got, const std::vector<Tensor> &ref) {
  CheckResult c;
  const double inf = std::numeric_limits<double>::infinity();
  if (got.size() != ref.size()) {
    c.pass = false;
    c.maxAbs = c.maxRel = inf;
    return c;
  }
  for (size_t r = 0; r < got.size(); ++r) {
    const Tensor &a = got[r], &b = ref[r];
    if (a.type != b.type || a.size() != b.size()) {
      c.pass = false;
      c.maxAbs = c.maxRel = inf;
      continue;
    }
    DType t = b.type.dtype;
    double tol = t == DType::BF16 ? 1e-2 : t == DType::F32 ? 1e-4 : 0;
    for (int64_t k = 0; k < a.size(); ++k) {
      double x = a.data[k], y = b.data[k];
      if ((std::isnan(x) && std::isnan(y)) || x == y) continue;
      double abs = std::fabs(x - y); // NaN when exactly one side is NaN
      if (std::isnan(abs)) abs = inf;
      c.maxAbs = std::max(c.maxAbs, abs);
      if (y != 0 && std::isfinite(y)) c.maxRel = std::max(c.maxRel, abs / std::fabs(y));
      if (!(abs <= tol + tol * std::fabs(y))) c.pass = false;
    }
  }
  return c;
}

void printResult(std::ostream &os, size_t index, const Tensor &t) {
  const int64_t shown = 6;
  os << "result" << index << ": " << t.type.str() << " [";
  double sum = 0;
  for (int64_t k = 0; k < t.size(); ++k) {
    sum += t.data[k];
    if (k < shown) os << (k ? ", " : "") << number(t.type.dtype, t.data[k]);
  }
  if (t.size() > shown) os << ", ...";
  os << "] sum=" << number(t.type.dtype, sum) << "\n";
}

bool underMpiLauncher() {
  for (const char *v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

namespace {

// A failure whose diagnostics have already been printed: exit 1 without another line.
struct AlreadyReported : std::runtime_error {
  AlreadyReported() : std::runtime_error("") {}
};

class Driver {
public:
  Driver(const RunOptions &o, std::ostream &out, std::ostream &err)
      : o_(o), out_(out), err_(err), name_(o.file == "-" ? "<stdin>" : o.file) {}

  int run() {
    if (o_.saveInputs && o_.outputsDir.empty())
      throw RunError("partita-run: error: --save-inputs needs --outputs DIR");
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
    Func *main = module->main();
    if (!main) throw RunError(name_ + ": error: the module has no @main function");
    lap("parse");

    // The unpartitioned @main (the reference and the source of input names and types).
    std::unique_ptr<Module> original;
    const Func *ref = nullptr;
    const Mesh *mesh = partitionedMeshOf(*module, *main);
    if (mesh) {
      if (o_.check)
        throw RunError(name_ + ": error: --check needs the unpartitioned module (@main is already "
                               "partitioned, so there is no reference to compare with)");
    } else {
      const Mesh *big = nullptr;
      for (const Mesh &m : module->meshes)
        if (m.numDevices() > 1 && (!big || m.numDevices() > big->numDevices())) big = &m;
      if (!big) {
        ref = main;
      } else {
        if (mpi_)
          needRanks(big->numDevices());
        else if (!o_.simulate)
          needDevices(big->numDevices());
        original = module->clone();
        ref = original->main();
        if (!runPipeline(*module, kPartitionPipeline, diags)) {
          printDiagnostics(diags, name_, err_);
          return 1;
        }
        // The partitioner's warnings (a reshard through full replication) matter to whoever
        // runs the program too; every rank partitions, rank 0 alone reports.
        if (!mpi_ || MpiSession::start().rank() == 0) printDiagnostics(diags, name_, err_);
        main = module->main();
        lap("partition");
        mesh = main ? partitionedMeshOf(*module, *main) : nullptr;
        if (!mesh)
          throw RunError(
              name_ + ": error: internal error: partitioning did not produce a partitioned @main");
        if (main->args.size() != ref->args.size() || main->results.size() != ref->results.size())
          throw RunError(name_ +
                         ": error: internal error: the partitioned @main changed the signature");
      }
    }
    if (mpi_)
      needRanks(mesh ? mesh->numDevices() : 1);
    else if (mesh && !o_.simulate && mesh->numDevices() > 1)
      needDevices(mesh->numDevices());

    InputSource inputs(ref ? *ref : *main, o_.seed, o_.inputsDir);
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
    if (o_.check)
      check = compareResults(results,
                             runReference(original ? *original : *module, *ref, globals(inputs)));

    if (!o_.outputsDir.empty())
      writeOutputs(results, inputs);
    else
      for (size_t i = 0; i < results.size(); ++i)
        printResult(out_, i, results[i]);
    if (o_.check) out_ << check.line() << "\n";
    out_.flush();
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
    err_ << os.str();
    err_.flush();
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
    err_ << text;
    err_.flush();
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
    std::vector<NativeBuffer> out = exe->run(args, 0, nullptr, profile.data());
    lap("run");
    printProfile(*exe, profile);
    args.clear();
    std::vector<Tensor> results;
    for (const NativeBuffer &b : out)
      results.push_back(b.toTensor());
    return results;
  }

  std::string readText() {
    if (o_.file == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
    std::error_code ec;
    std::ifstream is(o_.file, std::ios::binary);
    if (!is || fs::is_directory(o_.file, ec))
      throw RunError(o_.file + ": error: cannot open the input file");
    readFiles_.push_back(o_.file);
    return std::string(std::istreambuf_iterator<char>(is), {});
  }

  // Every rank finds the same mismatch, so every rank reports it and exits 1: no hang.
  void needRanks(int64_t n) {
    if (ranks_ == n) return;
    throw RunError(name_ + ": error: this program runs on " + std::to_string(n) +
                   " device(s) but mpirun started " + std::to_string(ranks_) +
                   " process(es): use `mpirun -np " + std::to_string(n) + "`");
  }

  [[noreturn]] void needDevices(int64_t n) {
    std::string s = std::to_string(n);
    throw RunError(name_ + ": error: this program needs " + s +
                   " devices: run it under `mpirun -np " + s + "` or with --simulate");
  }

  const std::vector<Tensor> &globals(const InputSource &in) {
    if (globals_.empty())
      for (size_t i = 0; i < in.size(); ++i) {
        if (in.fromFile(i)) readFiles_.push_back(in.path(i));
        globals_.push_back(in.global(i));
      }
    return globals_;
  }

  // The reference interpreter; a module with one mesh gives ops like axis_index a device.
  std::vector<Tensor> runReference(const Module &m, const Func &f,
                                   const std::vector<Tensor> &args) {
    DeviceContext ctx;
    if (m.meshes.size() == 1) ctx.mesh = &m.meshes[0];
    return runFunction(f, args, ctx.mesh ? &ctx : nullptr);
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
    lo.profile = o_.profile;
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
    if (in.fromFile(i)) readFiles_.push_back(in.path(i));
    return in.shard(i, b.sharding, mesh, device);
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
      err_ << e.what() << "\n";
      ok = false;
    }
    // Setup errors may be rank-specific (a file one rank cannot read): agree before any
    // collective, so a failed rank never leaves the others waiting.
    if (!s.allTrue(ok)) return 1;

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
          local = exe->run(nargs, device, coll.get(), profile.data());
          lap("run");
          printProfile(*exe, profile);
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
        if (o_.check) check = compareResults(results, runReference(refModule, *ref, globals(in)));
        if (!o_.outputsDir.empty())
          writeOutputs(results, in);
        else
          for (size_t i = 0; i < results.size(); ++i)
            printResult(out_, i, results[i]);
        if (o_.check) out_ << check.line() << "\n";
        out_.flush();
        code = o_.check && !check.pass ? 2 : 0;
        lap("results");
      } catch (const std::exception &e) {
        err_ << e.what() << "\n";
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
      files.push_back({(fs::path(o_.outputsDir) / ("result" + std::to_string(i) + ".npy")).string(),
                       &results[i]});
    if (o_.saveInputs) {
      const auto &g = globals(in);
      for (size_t i = 0; i < in.size(); ++i)
        if (!in.fromFile(i))
          files.push_back({(fs::path(o_.outputsDir) / (in.name(i) + ".npy")).string(), &g[i]});
    }
    // Check every target before writing any, so a refusal leaves nothing half done.
    for (size_t i = 0; i < files.size(); ++i) {
      for (const std::string &r : readFiles_)
        if (samePath(files[i].first, r))
          throw RunError(files[i].first + ": error: refusing to overwrite an input file");
      for (size_t j = 0; j < i; ++j)
        if (files[j].first == files[i].first)
          throw RunError(files[i].first + ": error: two outputs would be written to this file");
    }
    for (const auto &[path, t] : files) {
      std::string err;
      if (!writeNpy(path, *t, &err)) throw RunError(path + ": error: " + err);
    }
  }
};

} // namespace

int runDriver(const RunOptions &opts, std::ostream &out, std::ostream &err) {
  std::string name = opts.file == "-" ? "<stdin>" : opts.file;
  // Every path out of the driver finalizes MPI, so mpirun sees a clean exit with our code.
  struct Finalize {
    ~Finalize() {
      if (MpiSession::active()) MpiSession::start().finalize();
    }
  } finalize;
  try {
    return Driver(opts, out, err).run();
  } catch (const AlreadyReported &) {
  } catch (const RunError &e) {
    err << e.what() << "\n";
  } catch (const std::bad_alloc &) {
    err << name << ": error: out of memory\n";
  } catch (const std::exception &e) {
    // Interpreter errors are located at an op; ops without a position get the file's name.
    std::string msg = e.what();
    if (msg.rfind("<unknown>:", 0) == 0)
      msg = name + msg.substr(9);
    else if (msg.find(": error: ") == std::string::npos)
      msg = name + ": error: " + msg;
    err << msg << "\n";
  }
  return 1;
}

} // namespace partita
