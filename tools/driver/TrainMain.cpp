// partita-train: the training loop around a step program of the training-step contract
// (docs/training.md): validate the contract, partition and JIT-compile the step once,
// initialise each device's shard of the parameters and optimizer state (or read it from a
// checkpoint), then run the steps, feeding each device's new parameters and state back as
// its next arguments without gathering them, with batches packed from a data file.
#include "ir/Accuracy.h"
#include "ir/InputGen.h"
#include "ir/Parser.h"
#include "ir/ShardUtil.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "passes/Passes.h"
#include "runtime/Executable.h"
#include "runtime/Mpi.h"
#include "runtime/Parallel.h"
#include "runtime/RunDriver.h"
#include "runtime/Simulator.h"
#include "tools/driver/CommandLine.h"
#include "tools/driver/Mains.h"
#include "tools/driver/RunShared.h"
#include "tools/driver/TrainCheckpoint.h"
#include "tools/driver/TrainData.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

namespace partita::driver {

namespace fs = std::filesystem;

namespace {

using Arity = Option::Arity;

struct TrainOptions {
  std::string file, data, ckptDir, log;
  int64_t steps = 0, batch = 0, seq = 0, saveEvery = 0;
  int keep = 2;
  uint64_t seed = 0;
  int32_t eodId = 256;
  bool resume = false, simulate = false, check = false, useCache = true, haveFile = false,
       progress = true;
  std::string cacheDir;
  int threads = 0;
  bool asyncCollectives = false; // run the async-collectives pass on the per-device step
  int maxInFlight = kDefaultMaxOutstandingCollectives;
};

// A non-negative integer option value, or an error naming the option.
ValueHandler integer(const std::string &opt, int64_t min, int64_t *to) {
  return [opt, min, to](const std::string &v) {
    char *end = nullptr;
    errno = 0;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end || errno || x < min)
      return opt + " needs an integer >= " + std::to_string(min) + ", got '" + v + "'";
    *to = x;
    return std::string();
  };
}

CommandLine trainCommandLine(TrainOptions &o) {
  CommandLine cl(
      "partita-train",
      "partita-train STEP.pir --data FILE --steps N [--batch B --seq S] [--seed S]\n"
      "                     [--checkpoint-dir DIR [--save-every K] [--keep N] [--resume]]\n"
      "                     [--check] [--simulate] [--log FILE] [--eod-id N] [--threads N]\n"
      "                     [--async-collectives [--max-in-flight N]]",
      "Trains with a step program of the training-step contract (docs/training.md): its\n"
      "parameters and optimizer state are initialised per `train.init` from --seed (or read\n"
      "from the latest checkpoint with --resume), then each step runs on packed rows of\n"
      "--data and its new parameters and state become the next step's arguments. A program\n"
      "whose mesh has several devices is partitioned and runs one MPI rank per device under\n"
      "`mpirun -np N` (each rank makes, reads and writes only its own shards), or all\n"
      "devices in this process with --simulate. Rank 0 prints a line per step.",
      24);
  auto text = [](std::string *to, std::string missing) {
    return [to, missing](const std::string &v) {
      *to = v;
      return v.empty() ? missing : std::string();
    };
  };
  cl.value({"--data"}, Arity::Either, "--data FILE",
           "text (documents split at blank lines, a token per byte, 256 ends a\n"
           "document) or a flat int32 .npy token stream",
           "--data needs a file", text(&o.data, "--data needs a file"))
      .value({"--steps"}, Arity::Either, "--steps N", "train until N steps are done",
             "--steps needs a number", integer("--steps", 1, &o.steps))
      .value({"--batch"}, Arity::Either, "--batch B",
             "rows per step; must match the program's batch (default: the program's)",
             "--batch needs a number", integer("--batch", 1, &o.batch))
      .value({"--seq"}, Arity::Either, "--seq S",
             "tokens per row; must match the program's (default: the program's)",
             "--seq needs a number", integer("--seq", 1, &o.seq))
      .value({"--seed"}, Arity::Either, "--seed N",
             "seed of the parameter initialisation (default 0)", "--seed needs a value",
             [&o](const std::string &v) {
               char *end = nullptr;
               errno = 0;
               unsigned long long s = std::strtoull(v.c_str(), &end, 10);
               if (v.empty() || v[0] == '-' || *end || errno)
                 return "--seed needs a non-negative integer, got '" + v + "'";
               o.seed = s;
               return std::string();
             })
      .value({"--checkpoint-dir"}, Arity::Either, "--checkpoint-dir DIR",
             "save checkpoints as DIR/step-<k>/ (every --save-every steps and\n"
             "after the last step); DIR/latest names the newest",
             "--checkpoint-dir needs a directory",
             text(&o.ckptDir, "--checkpoint-dir needs a directory"))
      .value({"--save-every"}, Arity::Either, "--save-every K", "save a checkpoint every K steps",
             "--save-every needs a number", integer("--save-every", 1, &o.saveEvery))
      .value({"--keep"}, Arity::Either, "--keep N",
             "keep the newest N checkpoints (default 2; 0 keeps all)", "--keep needs a number",
             [&o](const std::string &v) {
               int64_t k = 0;
               std::string e = integer("--keep", 0, &k)(v);
               o.keep = (int)std::min<int64_t>(k, 1 << 30);
               return e;
             })
      .flag({"--resume"}, "--resume",
            "continue from the latest checkpoint in --checkpoint-dir: the losses\n"
            "are those of an uninterrupted run",
            [&o] { o.resume = true; })
      .flag({"--check"}, "--check",
            "also run the first step unpartitioned on the reference interpreter\n"
            "and compare every result (exit 2 on a mismatch)",
            [&o] { o.check = true; })
      .flag({"--simulate"}, "--simulate", "run every device of the mesh in this process",
            [&o] { o.simulate = true; })
      .value({"--log"}, Arity::Either, "--log FILE",
             "also write a JSON line per step (full-precision losses); appended\n"
             "to with --resume",
             "--log needs a file", text(&o.log, "--log needs a file"))
      .value({"--eod-id"}, Arity::Either, "--eod-id N",
             "the end-of-document token of a .npy token stream (default 256)",
             "--eod-id needs a number",
             [&o](const std::string &v) {
               int64_t x = 0;
               std::string e = integer("--eod-id", 0, &x)(v);
               if (e.empty() && x > INT32_MAX) e = "--eod-id is too large: '" + v + "'";
               o.eodId = (int32_t)x;
               return e;
             })
      .flag({"--async-collectives"}, "--async-collectives",
            "make the step's collectives nonblocking (pass async-collectives):\n"
            "each starts as early and is awaited as late as data allow",
            [&o] { o.asyncCollectives = true; })
      .value({"--max-in-flight"}, Arity::Either, "--max-in-flight N",
             "with --async-collectives, at most N collectives in flight (default 4)",
             "--max-in-flight needs a number",
             [&o](const std::string &v) {
               int64_t n = 0;
               std::string e = integer("--max-in-flight", 1, &n)(v);
               if (e.empty() && n > (1 << 20))
                 e = "--max-in-flight needs an integer from 1 to 1048576, got '" + v + "'";
               o.maxInFlight = (int)n;
               return e;
             })
      .flag({"--no-progress"}, "--no-progress", "no progress bar, even on a terminal",
            [&o] { o.progress = false; })
      .value({"--threads"}, Arity::Either, "--threads N",
             "threads for the kernels of each process (default\n"
             "$PARTITA_THREADS, else cores / ranks on this node)",
             "--threads needs a number",
             [&o](const std::string &v) {
               int64_t t = 0;
               std::string e = integer("--threads", 1, &t)(v);
               if (e.empty() && t > 4096)
                 e = "--threads needs an integer from 1 to 4096, got '" + v + "'";
               o.threads = (int)t;
               return e;
             })
      .value({"--cache-dir"}, Arity::Either, "--cache-dir DIR", "JIT object cache directory",
             "--cache-dir needs a directory", text(&o.cacheDir, "--cache-dir needs a directory"))
      .flag({"--no-cache"}, "--no-cache", "do not use the JIT object cache",
            [&o] { o.useCache = false; })
      .positional([&o](const std::string &a) {
        if (o.haveFile) return "more than one step program ('" + o.file + "' and '" + a + "')";
        o.file = a;
        o.haveFile = true;
        return std::string();
      })
      .section("output: rank 0 prints `step K/N loss L aux A tokens/s T time Ts` per step\n")
      .section("exit status: 0 success, 1 error, 2 --check found a mismatch\n")
      .examples("  partita-glam --train ... -o step.pir\n"
                "  partita-train step.pir --data text.txt --steps 100 --simulate\n"
                "  mpirun -np 4 partita-train step.pir --data text.txt --steps 100 \\\n"
                "      --checkpoint-dir ckpt --save-every 10\n"
                "  mpirun -np 4 partita-train step.pir --data text.txt --steps 200 \\\n"
                "      --checkpoint-dir ckpt --resume\n");
  return cl;
}

// How a parameter or state tensor starts (its `train.init`).
struct InitRule {
  enum Kind { Zeros, Ones, Uniform } kind = Zeros;
  double scale = 0;
};

const char *const kBatchKinds[4] = {"ids", "labels", "segments", "positions"};

// The roles of the step program's arguments (the training-step contract).
struct Contract {
  size_t numTrained = 0; // parameters + optimizer states: arguments [0, numTrained)
  size_t numParams = 0;
  size_t step = 0;
  size_t batch[4] = {0, 0, 0, 0};
  int64_t rows = 0, seq = 0;
  std::vector<InitRule> init; // per trained argument
};

class Trainer {
public:
  Trainer(const TrainOptions &o, std::ostream &out, std::ostream &err)
      : o_(o), out_(out), err_(err), name_(o.file) {}

  int run() {
    mpi_ = !o_.simulate && underMpiLauncher();
    if (mpi_) {
      MpiSession &s = MpiSession::start();
      rank_ = s.rank();
      ranks_ = s.size();
    }
    setRuntimeThreads(o_.threads > 0 ? o_.threads : defaultRuntimeThreads());
    if (o_.resume && o_.ckptDir.empty())
      throw RunError("partita-train: error: --resume needs --checkpoint-dir DIR");
    if (o_.saveEvery > 0 && o_.ckptDir.empty())
      throw RunError("partita-train: error: --save-every needs --checkpoint-dir DIR");

    std::string text;
    if (std::string e = readInputText(o_.file, &text); !e.empty()) throw RunError(e);
    Diagnostics diags;
    module_ = parseModule(text, name_, diags);
    bool ok = module_ && verifyModule(*module_, diags);
    if (root()) printDiagnostics(diags, name_, err_);
    if (!ok) throw AlreadyReported();
    main_ = module_->main();
    if (!main_) throw RunError(name_ + ":1:1: error: the module has no @main function");

    // An already partitioned @main runs as it is; otherwise partition() replaces main_ and
    // keeps the unpartitioned original as ref_.
    mesh_ = partitionedMeshOf(*module_, *main_);
    if (mesh_ && o_.check)
      throw RunError(located(main_->loc) +
                     ": error: --check needs the unpartitioned module (@main is already "
                     "partitioned, so there is no reference to compare with)");
    ref_ = main_;
    contract_ = validateContract(*ref_);
    if (o_.batch && o_.batch != contract_.rows)
      throw RunError("partita-train: error: --batch " + std::to_string(o_.batch) +
                     " does not match the program's batch of " + std::to_string(contract_.rows) +
                     " rows (%" + ref_->args[contract_.batch[0]]->name + " is " +
                     globalArg(*ref_, contract_.batch[0]).str() + ")");
    if (o_.seq && o_.seq != contract_.seq)
      throw RunError("partita-train: error: --seq " + std::to_string(o_.seq) +
                     " does not match the program's rows of " + std::to_string(contract_.seq) +
                     " tokens (%" + ref_->args[contract_.batch[0]]->name + " is " +
                     globalArg(*ref_, contract_.batch[0]).str() + ")");

    std::string err;
    data_ = openBatchSource(o_.data, contract_.seq, o_.eodId, &err);
    if (!data_) throw RunError(err);

    if (!mesh_) partition();
    if (mesh_ && o_.asyncCollectives) makeCollectivesAsync();
    checkLaunch(mesh_ ? mesh_->numDevices() : 1, mpi_, ranks_, o_.simulate,
                locatedIn(mesh_ ? mesh_->loc : main_->loc, name_));
    single_.name = "single";
    const Mesh &mesh = meshOf();
    if (mpi_)
      devices_ = {rank_};
    else
      for (int64_t d = 0; d < mesh.numDevices(); ++d)
        devices_.push_back(d);
    checkBoundaries();

    std::vector<CheckpointTensor> tensors;
    for (size_t i = 0; i < contract_.numTrained; ++i) {
      Boundary b = boundary(i);
      tensors.push_back({main_->args[i]->name, b.global, b.sharding});
    }
    CheckpointInfo info;
    info.seed = o_.seed;
    info.data = o_.data;
    info.batch = contract_.rows;
    info.seq = contract_.seq;
    if (!o_.ckptDir.empty()) {
      // Found unusable before the first step rather than at the first save.
      std::error_code ec;
      if (!o_.resume) fs::create_directories(o_.ckptDir, ec);
      if (!fs::is_directory(o_.ckptDir, ec) && !(o_.resume && !fs::exists(o_.ckptDir, ec)))
        throw RunError(o_.ckptDir + ": error: cannot create the checkpoint directory" +
                       (fs::exists(o_.ckptDir, ec) ? " (a file of that name exists)" : ""));
      ckpt_ = std::make_unique<Checkpoints>(o_.ckptDir, mesh, tensors, info, mpi_, o_.keep);
    }

    int64_t start = startState();
    if (start < 0) return 1;
    compile();
    return loop(start);
  }

private:
  const TrainOptions &o_;
  std::ostream &out_, &err_;
  std::string name_;
  bool mpi_ = false;
  int64_t rank_ = 0, ranks_ = 1;
  std::unique_ptr<Module> module_, original_;
  Func *main_ = nullptr;
  const Func *ref_ = nullptr; // the unpartitioned @main (the contract's and --check's)
  const Mesh *mesh_ = nullptr;
  Mesh single_;
  Contract contract_;
  std::unique_ptr<BatchSource> data_;
  std::unique_ptr<Checkpoints> ckpt_;
  std::string resumedFrom_; // the checkpoint directory a resumed run started from
  std::vector<int64_t> devices_;
  std::vector<std::vector<NativeBuffer>> args_; // per local device: every argument
  std::unique_ptr<Executable> exe_;

  bool root() const { return rank_ == 0; }
  const Mesh &meshOf() const { return mesh_ ? *mesh_ : single_; }
  std::string located(const Loc &loc) const { return loc.known() ? loc.str() : name_ + ":1:1"; }

  // The whole-array type of argument i of `f` (local types of a partitioned @main are
  // its shards).
  TensorType globalArg(const Func &f, size_t i) const {
    if (const Mesh *m = partitionedMeshOf(*module_, f)) return argBoundary(f, i, *m).global;
    return f.args[i]->type;
  }

  Boundary boundary(size_t i) const {
    if (mesh_) return argBoundary(*main_, i, *mesh_);
    return {main_->args[i]->type, Sharding::replicatedOf("single", main_->args[i]->type.rank())};
  }

  static const Attr *attrOf(const AttrDict &d, const std::string &k) {
    auto it = d.find(k);
    return it == d.end() ? nullptr : &it->second;
  }

  Contract validateContract(const Func &f) {
    Contract c;
    // The contract's order: parameters (0), optimizer state (1), %step (2), the batch (3).
    int lastRole = 0;
    bool haveStep = false, haveBatch[4] = {false, false, false, false};
    std::vector<std::string> params;
    for (size_t i = 0; i < f.args.size(); ++i) {
      const AttrDict &a = f.argAttrs[i];
      const Value *v = f.args[i];
      const std::string at = located(v->loc) + ": error: argument %" + v->name;
      const Attr *tr = attrOf(a, "trainable"), *st = attrOf(a, "train.state"),
                 *sp = attrOf(a, "train.step"), *bt = attrOf(a, "train.batch"),
                 *in = attrOf(a, "train.init");
      int role = tr && tr->kind == Attr::Kind::Bool && tr->b   ? 0
                 : st                                          ? 1
                 : sp && sp->kind == Attr::Kind::Bool && sp->b ? 2
                 : bt                                          ? 3
                                                               : -1;
      if (role < 0)
        throw RunError(at + " has no training role (trainable = true, train.state, "
                            "train.step = true or train.batch)");
      static const char *const roleName[4] = {"a parameter", "an optimizer state", "the step count",
                                              "a batch input"};
      if (role < lastRole)
        throw RunError(at + " is " + roleName[role] +
                       " but follows an argument of a later kind: the contract orders the "
                       "parameters, the optimizer state, %step, then the batch");
      lastRole = role;
      TensorType g = globalArg(f, i);
      if (role <= 1) {
        if (!isFloat(g.dtype))
          throw RunError(at + " is " + g.str() + "; parameters and optimizer state must be float");
        InitRule r;
        std::string s = in && in->kind == Attr::Kind::String ? in->s : "";
        if (s == "zeros") {
          r.kind = InitRule::Zeros;
        } else if (s == "ones") {
          r.kind = InitRule::Ones;
        } else if (s.rfind("uniform:", 0) == 0) {
          char *end = nullptr;
          r.kind = InitRule::Uniform;
          r.scale = std::strtod(s.c_str() + 8, &end);
          if (s.size() == 8 || *end || !(r.scale > 0) || !std::isfinite(r.scale))
            throw RunError(at + ": train.init \"" + s + "\" needs a positive scale");
        } else {
          throw RunError(at + (in ? " has train.init \"" + s + "\"" : " has no train.init") +
                         "; expected \"ones\", \"zeros\" or \"uniform:<scale>\"");
        }
        if (role == 1) {
          std::string p = st->kind == Attr::Kind::String ? st->s : "";
          if (std::find(params.begin(), params.end(), p) == params.end())
            throw RunError(at + ": train.state names '" + p +
                           "', which is not a trainable argument before it");
        } else {
          params.push_back(v->name);
          ++c.numParams;
        }
        c.init.push_back(r);
        ++c.numTrained;
      } else if (role == 2) {
        if (haveStep) throw RunError(at + ": a second argument with train.step = true");
        if (g != TensorType(DType::I32, {}))
          throw RunError(at + " is " + g.str() + "; the step count must be i32[]");
        haveStep = true;
        c.step = i;
      } else {
        std::string kind = bt->kind == Attr::Kind::String ? bt->s : "";
        int k = -1;
        for (int j = 0; j < 4; ++j)
          if (kind == kBatchKinds[j]) k = j;
        if (k < 0)
          throw RunError(at +
                         ": train.batch must be \"ids\", \"labels\", \"segments\" or "
                         "\"positions\", got \"" +
                         kind + "\"");
        if (haveBatch[k]) throw RunError(at + ": a second batch argument \"" + kind + "\"");
        if (g.dtype != DType::I32 || g.rank() != 2)
          throw RunError(at + " is " + g.str() + "; batch inputs must be i32[B,S]");
        if (c.rows && (g.shape[0] != c.rows || g.shape[1] != c.seq))
          throw RunError(at + " is " + g.str() + " but the other batch inputs are i32[" +
                         std::to_string(c.rows) + "," + std::to_string(c.seq) + "]");
        c.rows = g.shape[0];
        c.seq = g.shape[1];
        haveBatch[k] = true;
        c.batch[k] = i;
      }
    }
    if (!haveStep)
      throw RunError(located(f.loc) + ": error: @main has no step argument (an i32[] argument with "
                                      "train.step = true)");
    for (int k = 0; k < 4; ++k)
      if (!haveBatch[k])
        throw RunError(located(f.loc) +
                       ": error: @main has no batch argument with train.batch = \"" +
                       kBatchKinds[k] + "\"");
    if (c.numParams == 0)
      throw RunError(located(f.loc) + ": error: @main has no parameter (trainable = true)");
    const size_t want = 2 + c.numTrained;
    if (f.results.size() != want)
      throw RunError(located(f.returnLoc.known() ? f.returnLoc : f.loc) +
                     ": error: @main returns " + std::to_string(f.results.size()) +
                     " results but the contract needs " + std::to_string(want) +
                     ": the loss, the aux loss, then the next value of each of the " +
                     std::to_string(c.numTrained) + " parameters and optimizer states");
    for (size_t r = 0; r < want; ++r) {
      const FuncResult &fr = f.results[r];
      std::string at =
          located(fr.loc.known() ? fr.loc : f.loc) + ": error: result " + std::to_string(r);
      if (r < 2) {
        if (fr.type != TensorType(DType::F32, {}))
          throw RunError(at + std::string(r == 0 ? " (the loss)" : " (the aux loss)") +
                         " must be f32[], got " + fr.type.str());
        continue;
      }
      const std::string &arg = f.args[r - 2]->name;
      const Attr *nx = attrOf(fr.attrs, "train.next");
      std::string next = nx && nx->kind == Attr::Kind::String ? nx->s : "";
      if (next != arg)
        throw RunError(at + (nx ? " has train.next = \"" + next + "\"" : " has no train.next") +
                       " but it is the next value of argument " + std::to_string(r - 2) + " %" +
                       arg + " (results follow the argument order)");
    }
    return c;
  }

  // The per-device program (unless the module is single-device); the unpartitioned
  // original stays as the reference of --check.
  void partition() {
    const Mesh *target = entryMesh(*module_, *main_, name_);
    if (!target || target->numDevices() <= 1) return;
    original_ = module_->clone();
    ref_ = original_->main();
    Diagnostics diags;
    if (!runPipeline(*module_, kPartitionPipeline, diags)) {
      if (root()) printDiagnostics(diags, name_, err_);
      throw AlreadyReported();
    }
    if (root()) printDiagnostics(diags, name_, err_);
    main_ = module_->main();
    mesh_ = main_ ? partitionedMeshOf(*module_, *main_) : nullptr;
    if (!mesh_ || main_->args.size() != ref_->args.size() ||
        main_->results.size() != ref_->results.size())
      throw RunError(name_ + ": error: internal error: partitioning changed the signature");
  }

  // The async-collectives pass over the per-device step (its losses stay bitwise the same:
  // only where the collectives start and finish moves).
  void makeCollectivesAsync() {
    Diagnostics diags;
    bool ok = runPipeline(
        *module_, "async-collectives{max-outstanding=" + std::to_string(o_.maxInFlight) + "}",
        diags);
    if (root()) printDiagnostics(diags, name_, err_);
    if (!ok) throw AlreadyReported();
    main_ = module_->main();
  }

  // Result 2+i becomes argument i on the same device, so both must be laid out alike.
  void checkBoundaries() {
    if (!mesh_) return;
    for (size_t i = 0; i < contract_.numTrained; ++i) {
      Boundary a = argBoundary(*main_, i, *mesh_), r = resultBoundary(*main_, 2 + i, *mesh_);
      if (a.global != r.global || a.sharding != r.sharding) {
        const FuncResult &fr = ref_->results[2 + i];
        throw RunError(located(fr.loc.known() ? fr.loc : ref_->loc) + ": error: result " +
                       std::to_string(2 + i) + " is " + r.global.str() + " sharded " +
                       r.sharding.str() + " but it feeds argument %" + main_->args[i]->name + ", " +
                       a.global.str() + " sharded " + a.sharding.str());
      }
    }
  }

  // Device `device`'s initial shard of trained argument i.
  Tensor initialShard(size_t i, int64_t device) const {
    Boundary b = boundary(i);
    const Mesh &mesh = meshOf();
    const InitRule &r = contract_.init[i];
    TensorType local = b.sharding.localType(b.global, mesh);
    if (r.kind == InitRule::Zeros || !holdsUnreducedValue(b.sharding, mesh, device))
      return Tensor(local);
    if (r.kind == InitRule::Uniform) {
      Tensor t = generateShard(o_.seed, main_->args[i]->name, b.global, b.sharding, mesh, device);
      // The generator's value in the parameter's dtype, times the scale, rounded again: what
      // a script scaling partita-run's generated inputs computes too.
      for (double &v : t.data)
        v = roundTo(local.dtype, roundTo(local.dtype, v) * r.scale);
      return t;
    }
    // Ones in the valid box; padding cells stay zero like every generated shard's.
    Tensor t(local);
    std::vector<int64_t> valid(local.rank()), idx(local.rank(), 0);
    int64_t n = 1;
    for (int d = 0; d < local.rank(); ++d)
      n *= (valid[d] = b.sharding.validSize(d, device, b.global, mesh));
    std::vector<int64_t> strides = t.strides();
    for (int64_t k = 0; k < n; ++k) {
      int64_t at = 0;
      for (int d = 0; d < local.rank(); ++d)
        at += idx[d] * strides[d];
      t.data[at] = 1;
      for (int d = local.rank() - 1; d >= 0; --d) {
        if (++idx[d] < valid[d]) break;
        idx[d] = 0;
      }
    }
    return t;
  }

  // The whole initial value of trained argument i (the --check reference's input).
  Tensor initialGlobal(size_t i) const {
    TensorType g = boundary(i).global;
    const InitRule &r = contract_.init[i];
    if (r.kind == InitRule::Zeros) return Tensor(g);
    if (r.kind == InitRule::Ones) return Tensor(g, std::vector<double>(g.numElements(), 1.0));
    Tensor t = generateTensor(o_.seed, main_->args[i]->name, g);
    for (double &v : t.data)
      v = roundTo(g.dtype, roundTo(g.dtype, v) * r.scale);
    return t;
  }

  // Fresh parameters and state, or those of the latest checkpoint. Returns the number of
  // steps already done, or -1 after the error was reported on every rank.
  int64_t startState() {
    const size_t n = contract_.numTrained;
    args_.resize(devices_.size());
    for (auto &a : args_)
      a.resize(main_->args.size());
    std::string latest, err;
    if (ckpt_) latest = ckpt_->latest(&err);
    if (!o_.resume) {
      // A new run must not replace the checkpoints of another one.
      if (!latest.empty())
        throw RunError(o_.ckptDir + ": error: holds checkpoints already (latest " +
                       fs::path(latest).filename().string() +
                       "): pass --resume to continue them, or use another --checkpoint-dir");
      for (size_t j = 0; j < devices_.size(); ++j)
        for (size_t i = 0; i < n; ++i)
          args_[j][i] = NativeBuffer::fromTensor(initialShard(i, devices_[j]));
      return 0;
    }
    if (latest.empty())
      throw RunError(o_.ckptDir +
                     ": error: " + (err.empty() ? "no checkpoint to resume from" : err));
    // Rank 0 checks the meta file and every file's header and size, so a bad checkpoint
    // is one message; then each rank reads only its own shard regions.
    int64_t step = 0;
    if (root()) {
      std::string data;
      step = ckpt_->validate(latest, &data, &err);
      if (step < 0) writeLines(err_, err + "\n");
      // A moved file is fine; other data would not continue the run bit for bit.
      if (step >= 0 && data != o_.data)
        writeLines(err_, "partita-train: warning: " + latest + " was trained on '" + data +
                             "'; this run reads '" + o_.data + "'\n");
    }
    if (mpi_) step = MpiSession::start().broadcast((int)step);
    if (step < 0) return -1;
    bool ok = true;
    for (size_t j = 0; j < devices_.size() && ok; ++j)
      for (size_t i = 0; i < n && ok; ++i) {
        Tensor t;
        if (!ckpt_->readShard(latest, i, devices_[j], &t, &err)) {
          writeLines(err_, err + "\n");
          ok = false;
        } else {
          args_[j][i] = NativeBuffer::fromTensor(t);
        }
      }
    if (mpi_) ok = MpiSession::start().allTrue(ok);
    if (!ok) return -1;
    resumedFrom_ = latest;
    return step;
  }

  void compile() {
    JitOptions jo;
    if (o_.useCache) jo.cacheDir = o_.cacheDir.empty() ? defaultCacheDir() : o_.cacheDir;
    std::string err;
    std::shared_ptr<Jit> jit = Jit::create(jo, &err);
    if (!jit) throw RunError("partita-train: error: " + err);
    Diagnostics d;
    exe_ = Executable::compile(*module_, *main_, jit, d);
    if (root()) printDiagnostics(d, name_, err_);
    if (!exe_) throw AlreadyReported();
  }

  // Device `device`'s shard of the four batch inputs and the step count for step k.
  void fillStepArgs(int64_t k, size_t j) {
    const int64_t device = devices_[j];
    const Mesh &mesh = meshOf();
    args_[j][contract_.step] =
        NativeBuffer::fromTensor(Tensor(TensorType(DType::I32, {}), {(double)k}));
    for (int q = 0; q < 4; ++q) {
      size_t i = contract_.batch[q];
      Boundary b = boundary(i);
      Tensor t(b.sharding.localType(b.global, mesh));
      if (holdsUnreducedValue(b.sharding, mesh, device)) {
        std::vector<int64_t> off = b.sharding.offsets(device, b.global, mesh);
        int64_t v0 = b.sharding.validSize(0, device, b.global, mesh),
                v1 = b.sharding.validSize(1, device, b.global, mesh);
        // Only this device's rows of the step's batch are packed.
        int64_t r0 = k * contract_.rows + off[0];
        BatchRows rows = data_->rows(r0, r0 + v0);
        const std::vector<int32_t> *src[4] = {&rows.ids, &rows.labels, &rows.segments,
                                              &rows.positions};
        const int64_t cols = t.type.shape[1];
        for (int64_t r = 0; r < v0; ++r)
          for (int64_t c = 0; c < v1; ++c)
            t.data[r * cols + c] = (*src[q])[r * contract_.seq + off[1] + c];
      }
      args_[j][i] = NativeBuffer::fromTensor(t);
    }
  }

  // Every argument of the unpartitioned program for step k, whole (--check).
  std::vector<Tensor> globalArgs(int64_t k) const {
    std::vector<Tensor> a(ref_->args.size());
    for (size_t i = 0; i < contract_.numTrained; ++i) {
      if (resumedFrom_.empty()) {
        a[i] = initialGlobal(i);
      } else {
        std::string err;
        if (!ckpt_->readWhole(resumedFrom_, i, &a[i], &err)) throw RunError(err);
      }
    }
    a[contract_.step] = Tensor(TensorType(DType::I32, {}), {(double)k});
    BatchRows rows = data_->rows(k * contract_.rows, (k + 1) * contract_.rows);
    const std::vector<int32_t> *src[4] = {&rows.ids, &rows.labels, &rows.segments, &rows.positions};
    for (int q = 0; q < 4; ++q) {
      Tensor t(TensorType(DType::I32, {contract_.rows, contract_.seq}));
      for (size_t e = 0; e < src[q]->size(); ++e)
        t.data[e] = (*src[q])[e];
      a[contract_.batch[q]] = std::move(t);
    }
    return a;
  }

  // Runs one step on every local device; returns each local device's results.
  std::vector<std::vector<NativeBuffer>> runStep(Collectives *mpiColl) {
    std::vector<std::vector<NativeBuffer>> out(devices_.size());
    if (mpi_) {
      try {
        out[0] = exe_->run(args_[0], devices_[0], mpiColl);
      } catch (const std::exception &e) {
        MpiSession::start().abort(e.what()); // the others may wait inside a collective
      }
      return out;
    }
    if (devices_.size() == 1) {
      out[0] = exe_->run(args_[0], devices_[0], nullptr);
      return out;
    }
    InMemoryWorld world(meshOf());
    std::vector<std::thread> threads;
    std::vector<std::string> errors(devices_.size());
    for (size_t j = 0; j < devices_.size(); ++j)
      threads.emplace_back([&, j] {
        // The devices share the machine's cores; each one's kernels run on its own thread.
        ThreadLimit serial(1);
        auto coll = world.device(devices_[j]);
        try {
          out[j] = exe_->run(args_[j], devices_[j], coll.get());
        } catch (const std::exception &e) {
          errors[j] = e.what();
          world.abort(e.what());
        }
      });
    for (auto &t : threads)
      t.join();
    for (const std::string &e : errors)
      if (!e.empty()) throw std::runtime_error(e);
    if (world.failed()) throw RunError(name_ + ": error: " + world.failure());
    return out;
  }

  // Result r of every device, on rank 0 (under MPI gathered from every rank).
  std::vector<Tensor> perDevice(const std::vector<std::vector<NativeBuffer>> &out, size_t r) {
    std::vector<Tensor> t;
    if (!mpi_) {
      for (const auto &o : out)
        t.push_back(o[r].toTensor());
      return t;
    }
    MpiSession &s = MpiSession::start();
    const NativeBuffer &b = out[0][r];
    std::vector<char> all(root() ? b.bytes() * s.size() : 0);
    s.gather(b.data(), b.bytes(), all.data());
    for (int d = 0; root() && d < s.size(); ++d) {
      NativeBuffer x(b.type());
      std::memcpy(x.data(), all.data() + d * b.bytes(), b.bytes());
      t.push_back(x.toTensor());
    }
    return t;
  }

  // The global value of result r (meaningful on rank 0).
  Tensor assembled(const std::vector<std::vector<NativeBuffer>> &out, size_t r) {
    std::vector<Tensor> locals = perDevice(out, r);
    if (!root()) return Tensor();
    if (!mesh_) return locals[0];
    Boundary b = resultBoundary(*main_, r, *mesh_);
    return assembleGlobal(locals, b.sharding, *mesh_, b.global);
  }

  int loop(int64_t start) {
    const int64_t total = o_.steps;
    // Only rank 0 writes the log, so whether it could is agreed on by every rank (a rank
    // that went on alone would wait for rank 0 in the next collective forever).
    std::ofstream log;
    auto logWorks = [&](const char *what) {
      if (o_.log.empty()) return;
      bool ok = !root() || log.good();
      if (mpi_) ok = MpiSession::start().allTrue(ok);
      if (ok) return;
      if (root()) throw RunError(o_.log + ": error: " + what);
      throw AlreadyReported();
    };
    if (root() && !o_.log.empty()) log.open(o_.log, o_.resume ? std::ios::app : std::ios::trunc);
    logWorks("cannot open the log file");
    if (root() && !resumedFrom_.empty())
      out_ << "resumed from " << resumedFrom_ << " at step " << start << "\n";
    if (start >= total) {
      if (root()) out_ << "nothing to do: the checkpoint already has " << start << " steps\n";
      return 0;
    }
    // mpirun hands its ranks a pseudo-terminal even when its own output is a file: no bar
    // under MPI.
    const bool bar = root() && !mpi_ && o_.progress && isatty(STDOUT_FILENO);
    std::unique_ptr<Collectives> coll;
    if (mpi_ && mesh_) coll = makeMpiCollectives(*mesh_, rank_, exe_->groups());
    int code = 0;
    const int64_t tokens = contract_.rows * contract_.seq;
    const double t0 = nowSeconds();
    for (int64_t k = start; k < total; ++k) {
      const double begin = nowSeconds();
      for (size_t j = 0; j < devices_.size(); ++j)
        fillStepArgs(k, j);
      std::vector<Tensor> checkArgs;
      if (o_.check && k == start && root()) checkArgs = globalArgs(k);
      std::vector<std::vector<NativeBuffer>> out = runStep(coll.get());
      const double secs = nowSeconds() - begin;
      Tensor loss = assembled(out, 0), aux = assembled(out, 1);
      if (o_.check && k == start) {
        std::vector<Tensor> results;
        for (size_t r = 0; r < out[0].size(); ++r)
          results.push_back(assembled(out, r));
        if (root()) {
          std::vector<DType> accuracy = resultAccuracy(*ref_);
          CheckResult c = compareResults(
              results, runReference(original_ ? *original_ : *module_, *ref_, checkArgs),
              &accuracy);
          out_ << c.line() << "\n";
          if (!c.pass) code = 2;
        }
      }
      // The new parameters and state stay on their devices as the next step's arguments.
      for (size_t j = 0; j < devices_.size(); ++j)
        for (size_t i = 0; i < contract_.numTrained; ++i)
          args_[j][i] = std::move(out[j][2 + i]);
      if (root()) {
        if (bar) out_ << "\r\033[K";
        out_ << "step " << k + 1 << "/" << total << " loss " << fmt("%.4f", loss.data[0]) << " aux "
             << fmt("%.4f", aux.data[0]) << " tokens/s "
             << fmt("%.0f", secs > 0 ? tokens / secs : 0.0) << " time " << fmt("%.3f", secs)
             << "s\n";
        if (log.is_open()) {
          log << "{\"step\": " << k + 1 << ", \"loss\": " << fmt("%.9g", loss.data[0])
              << ", \"aux_loss\": " << fmt("%.9g", aux.data[0])
              << ", \"tokens_per_s\": " << fmt("%.1f", secs > 0 ? tokens / secs : 0.0)
              << ", \"time\": " << fmt("%.6f", secs) << "}" << std::endl;
        }
        if (bar) {
          const int width = 30;
          int64_t done = k + 1 - start, left = total - k - 1;
          int fill = (int)(width * (k + 1) / total);
          double eta = (nowSeconds() - t0) / done * left;
          out_ << "[" << std::string(fill, '#') << std::string(width - fill, '.') << "] " << k + 1
               << "/" << total << " eta " << fmt("%.0f", eta) << "s";
        }
        out_.flush();
      }
      // A full disk (or /dev/full) ends the run now, not with a silently short log.
      logWorks("write failed");
      const bool last = k + 1 == total;
      if (ckpt_ && (last || (o_.saveEvery > 0 && (k + 1) % o_.saveEvery == 0))) {
        std::string e = ckpt_->save(k + 1, devices_, args_);
        if (!e.empty()) {
          if (root()) writeLines(err_, e + "\n");
          return 1;
        }
      }
    }
    if (bar) out_ << "\r\033[K";
    if (root() && log.is_open()) log.flush();
    logWorks("write failed");
    out_.flush();
    if (!out_) throw RunError("partita-train: error: write to stdout failed");
    return code;
  }
};

} // namespace

int trainMain(int argc, char **argv) {
  MpiSession::setToolName("partita-train");
  TrainOptions o;
  CommandLine cl = trainCommandLine(o);
  if (auto code = cl.parse(argc, argv)) return *code;
  if (!o.haveFile) return cl.error("no step program (see --help)");
  if (o.data.empty()) return cl.error("no --data FILE (see --help)");
  if (o.steps <= 0) return cl.error("no --steps N (see --help)");
  int code = runGuarded(o.file, [&] {
    try {
      return Trainer(o, std::cout, std::cerr).run();
    } catch (const RunError &) {
      // Every rank finds the same problem in the shared program, data and checkpoint:
      // rank 0 alone says so, every rank exits 1.
      if (MpiSession::active() && MpiSession::start().rank() != 0) throw AlreadyReported();
      throw;
    }
  });
  if (code != 1 && !flushStdout(cl)) return 1;
  return code;
}

} // namespace partita::driver
