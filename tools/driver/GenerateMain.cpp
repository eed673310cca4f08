// partita-generate: text generation with a serving module of partita-glam --decode
// (docs/inference.md). Byte-level prompts (token = byte, 0 = BOS) are prefilled in one run
// of @prefill (or of the shortest @prefill_<L> bucket that holds the prompt), then
// @decode_step runs once per new token against the KV caches, which stay on their devices
// between steps (per-device buffers; nothing is gathered but the logits).
// Runs on one device, on every device of the mesh in this process (--simulate), or one MPI
// rank per device; every rank samples the same token from the same replicated logits.
#include "ir/Parser.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "runtime/Collectives.h"
#include "runtime/Executable.h"
#include "runtime/Jit.h"
#include "runtime/Mpi.h"
#include "runtime/Parallel.h"
#include "runtime/RunDriver.h"
#include "runtime/Simulator.h"
#include "tools/driver/CommandLine.h"
#include "tools/driver/Mains.h"
#include "tools/driver/RunShared.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

namespace partita::driver {

namespace fs = std::filesystem;

namespace {

using Arity = Option::Arity;

struct GenOptions {
  std::string file, weights, checkpoint, prompt, promptFile;
  bool havePrompt = false, simulate = false, useCache = true, ignoreEos = false;
  int64_t maxNew = 0, topK = 0;
  bool haveMaxNew = false;
  double temperature = 0;
  uint64_t seed = 0;
  std::string cacheDir;
  std::string statsPath; // --stats-json: the tokens, first logits and timings as JSON
};

bool parseI64(const std::string &s, int64_t *out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

CommandLine generateCommandLine(GenOptions &o) {
  CommandLine cl(
      "partita-generate",
      "partita-generate MODEL.pir (--weights DIR | --checkpoint DIR)\n"
      "                        (--prompt TEXT | --prompt-file F) --max-new-tokens N\n"
      "                        [--temperature T] [--top-k K] [--seed S] [--simulate]\n"
      "                        [--cache-dir DIR] [--no-cache] [--ignore-eos]\n"
      "                        [--stats-json=FILE]",
      "Generates text with the @prefill (or the shortest @prefill_<L> that holds the\n"
      "prompt) and @decode_step functions of a module written by `partita-glam --decode`\n"
      "(docs/inference.md). The prompt's bytes are the tokens (a BOS\n"
      "0 first); new tokens are printed to stdout as they come, then a summary line on\n"
      "stderr. Under `mpirun -np N` each rank runs its device of the mesh; --simulate runs\n"
      "them all in this process. Greedy decoding (the default, temperature 0) is\n"
      "deterministic and the same on every mesh.",
      26);
  auto text = [](std::string *to, std::string flag) {
    return [to, flag](const std::string &v) {
      *to = v;
      return v.empty() ? flag + " needs a non-empty value" : std::string();
    };
  };
  cl.positional([&o](const std::string &v) {
    if (!o.file.empty()) return "unexpected argument '" + v + "' (one MODEL.pir only)";
    o.file = v;
    return std::string();
  });
  cl.value({"--weights"}, Arity::Either, "--weights DIR",
           "read parameter p from DIR/p.npy (global arrays; each device\n"
           "reads only its shard)",
           "--weights needs a directory", text(&o.weights, "--weights"))
      .value({"--checkpoint"}, Arity::Either, "--checkpoint DIR",
             "a training checkpoint: the step directory named by DIR/latest",
             "--checkpoint needs a directory", text(&o.checkpoint, "--checkpoint"))
      .value({"--prompt"}, Arity::Either, "--prompt TEXT", "the prompt, as bytes",
             "--prompt needs a value",
             [&o](const std::string &v) {
               o.prompt = v;
               o.havePrompt = true;
               return std::string();
             })
      .value({"--prompt-file"}, Arity::Either, "--prompt-file F", "the prompt: the bytes of F",
             "--prompt-file needs a file", text(&o.promptFile, "--prompt-file"))
      .value({"--max-new-tokens"}, Arity::Either, "--max-new-tokens N",
             "generate N tokens (fewer when the end-of-document id 256 comes,\n"
             "unless --ignore-eos)",
             "--max-new-tokens needs a value",
             [&o](const std::string &v) {
               o.haveMaxNew = true;
               if (!parseI64(v, &o.maxNew))
                 return "--max-new-tokens needs an integer, got '" + v + "'";
               if (o.maxNew < 1)
                 return "--max-new-tokens must be positive, got " + std::to_string(o.maxNew);
               return std::string();
             })
      .value({"--temperature"}, Arity::Either, "--temperature T",
             "0 (default): greedy; else sample from softmax(logits / T)",
             "--temperature needs a value",
             [&o](const std::string &v) {
               char *end = nullptr;
               o.temperature = std::strtod(v.c_str(), &end);
               if (v.empty() || *end || !std::isfinite(o.temperature) || o.temperature < 0)
                 return "--temperature needs a finite number >= 0, got '" + v + "'";
               return std::string();
             })
      .value({"--top-k"}, Arity::Either, "--top-k K",
             "sample among the K most likely tokens only (0: all)", "--top-k needs a value",
             [&o](const std::string &v) {
               if (!parseI64(v, &o.topK) || o.topK < 0)
                 return "--top-k needs an integer >= 0, got '" + v + "'";
               return std::string();
             })
      .value({"--seed"}, Arity::Either, "--seed S", "seed of the sampler (default 0)",
             "--seed needs a value",
             [&o](const std::string &v) {
               int64_t s;
               if (!parseI64(v, &s) || s < 0)
                 return "--seed needs a non-negative integer, got '" + v + "'";
               o.seed = (uint64_t)s;
               return std::string();
             })
      .flag({"--simulate"}, "--simulate", "run all devices of the mesh in this process",
            [&o] { o.simulate = true; })
      .value({"--cache-dir"}, Arity::Either, "--cache-dir DIR",
             "the JIT's compiled-program cache (default as partita-run)",
             "--cache-dir needs a directory", text(&o.cacheDir, "--cache-dir"))
      .flag({"--no-cache"}, "--no-cache", "compile without the cache", [&o] { o.useCache = false; })
      // Benchmarks need a fixed number of decode steps whatever the (random) weights pick.
      .flag({"--ignore-eos"}, "--ignore-eos",
            "go on after the end-of-document id 256: always N tokens", [&o] { o.ignoreEos = true; })
      .value({"--stats-json"}, Arity::Joined, "--stats-json=FILE",
             "write the token ids, row 0 of the first logits and the\n"
             "timings of the summary line as JSON (rank 0)",
             "--stats-json needs a value: --stats-json=FILE", text(&o.statsPath, "--stats-json"));
  cl.examples("  partita-glam --config 1.7B/64E --layers 2 --d-model 64 --ffn 256 --heads 4 \\\n"
              "      --head-dim 16 --experts 8 --vocab 512 --seq 64 --batch 1 --decode \\\n"
              "      --mesh model=2 -o serve.pir\n"
              "  partita-generate serve.pir --weights w/ --prompt 'Hello' --max-new-tokens 20 \\\n"
              "      --simulate\n"
              "  mpirun -np 2 partita-generate serve.pir --checkpoint run/ --prompt-file p.txt \\\n"
              "      --max-new-tokens 100 --temperature 0.8 --top-k 40\n");
  return cl;
}

// splitmix64: the sampler's random number of (seed, step), the same on every rank.
double uniform01(uint64_t seed, uint64_t step) {
  uint64_t z = seed * 0x9e3779b97f4a7c15ull + step + 0x632be59bd9b4e019ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) / 9007199254740992.0;
}

// The next token from row 0 of the logits: argmax (lowest index on ties) when greedy, else
// a draw from softmax(logits / T) restricted to the top-k.
int64_t sample(const Tensor &logits, const GenOptions &o, uint64_t step) {
  int64_t v = logits.type.shape[1];
  const double *l = logits.data.data();
  if (o.temperature == 0) return std::max_element(l, l + v) - l;
  std::vector<int64_t> idx(v);
  for (int64_t i = 0; i < v; ++i)
    idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return l[a] > l[b]; });
  if (o.topK > 0 && o.topK < v) idx.resize(o.topK);
  std::vector<double> p(idx.size());
  double z = 0;
  for (size_t i = 0; i < idx.size(); ++i)
    z += p[i] = std::exp((l[idx[i]] - l[idx[0]]) / o.temperature);
  double u = uniform01(o.seed, step) * z;
  for (size_t i = 0; i < idx.size(); ++i)
    if ((u -= p[i]) < 0) return idx[i];
  return idx.back();
}

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds of this process (all its threads): with one thread, the running time minus
// what the scheduler gave to other work, the figure a benchmark on a shared machine needs.
double cpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// Where the compiled functions run: one device, all devices as threads (--simulate), or
// this rank's device under MPI. Arguments and results stay per-device native buffers.
class Engine {
public:
  Engine(const Mesh *mesh, bool mpi) : mesh_(mesh), mpi_(mpi) {
    if (mesh_ && mpi_) coll_ = makeMpiCollectives(*mesh_, device(), {});
  }
  // The devices this process runs.
  std::vector<int64_t> devices() const {
    if (mpi_) return {device()};
    std::vector<int64_t> d;
    for (int64_t i = 0; i < (mesh_ ? mesh_->numDevices() : 1); ++i)
      d.push_back(i);
    return d;
  }
  int64_t device() const { return mpi_ ? MpiSession::start().rank() : 0; }

  using PerDevice = std::vector<std::vector<NativeBuffer>>; // [device of devices()][arg]

  PerDevice run(const Executable &e, const PerDevice &args) const {
    std::vector<int64_t> ds = devices();
    PerDevice out(ds.size());
    if (mpi_ || ds.size() == 1) {
      out[0] = e.run(args[0], ds[0], coll_.get());
      return out;
    }
    InMemoryWorld world(*mesh_);
    std::vector<std::thread> threads;
    for (size_t k = 0; k < ds.size(); ++k)
      threads.emplace_back([&, k] {
        ThreadLimit serial(1);
        auto coll = world.device(ds[k]);
        out[k] = e.run(args[k], ds[k], coll.get());
      });
    for (auto &t : threads)
      t.join();
    if (world.failed()) throw RunError("partita-generate: error: " + world.failure());
    return out;
  }

private:
  const Mesh *mesh_;
  bool mpi_;
  std::unique_ptr<Collectives> coll_;
};

class Generator {
public:
  explicit Generator(const GenOptions &o) : o_(o) {}

  int run() {
    mpi_ = !o_.simulate && underMpiLauncher();
    if (mpi_) MpiSession::start();
    root_ = !mpi_ || MpiSession::start().rank() == 0;
    // Every check that can fail on one rank alone is agreed on before the first collective.
    std::string why;
    bool ok = true;
    try {
      setup();
    } catch (const std::exception &e) {
      why = e.what();
      ok = false;
    }
    if (mpi_ && !MpiSession::start().allTrue(ok)) {
      if (!ok && root_) writeLines(std::cerr, why + "\n");
      return 1;
    }
    if (!ok) return writeLines(std::cerr, why + "\n"), 1;
    try {
      generate();
    } catch (const std::exception &e) {
      if (mpi_) MpiSession::start().abort(e.what());
      writeLines(std::cerr, std::string(e.what()) + "\n");
      return 1;
    }
    return 0;
  }

private:
  const GenOptions &o_;
  bool mpi_ = false, root_ = true;
  std::unique_ptr<Module> module_, original_;
  std::string prefillName_ = "prefill";             // @prefill or the bucket choosePrefill() picked
  const Func *prefill_ = nullptr, *step_ = nullptr; // partitioned when there is a mesh
  const Func *prefillRef_ = nullptr, *stepRef_ = nullptr; // unpartitioned
  const Mesh *mesh_ = nullptr;
  std::unique_ptr<Executable> prefillExe_, stepExe_;
  std::unique_ptr<Engine> engine_;
  Engine::PerDevice prefillArgs_, stepArgs_;
  std::vector<int64_t> prompt_;
  int64_t batch_ = 0, cacheLen_ = 0, vocab_ = 0, cacheBytes_ = 0;
  std::string name_;

  [[noreturn]] void fail(const std::string &msg) const { throw RunError(msg); }
  std::string toolError(const std::string &msg) const { return "partita-generate: error: " + msg; }

  void setup() {
    name_ = o_.file;
    std::string text;
    if (std::string e = readInputText(o_.file, &text); !e.empty()) fail(e);
    Diagnostics diags;
    module_ = parseModule(text, name_, diags);
    if (!module_ || !verifyModule(*module_, diags)) {
      std::ostringstream os;
      printDiagnostics(diags, name_, os);
      std::string s = os.str();
      fail(s.substr(0, s.size() && s.back() == '\n' ? s.size() - 1 : s.size()));
    }
    for (const char *fn : {"prefill", "decode_step"})
      if (!module_->func(fn))
        fail(name_ + ":1:1: error: the module has no @" + fn +
             " function (write it with partita-glam --decode)");
    checkSignature(*module_->func("prefill"), *module_->func("decode_step"));
    readPrompt();
    prefillName_ = choosePrefill();

    // Both functions must be split over the same mesh: one set of ranks runs them.
    const Func &stepFn = *module_->func("decode_step");
    const Mesh *big = entryMesh(*module_, *module_->func(prefillName_), name_);
    if (entryMesh(*module_, stepFn, name_) != big)
      fail(locatedIn(stepFn.loc, name_) +
           ": error: @decode_step and @prefill must be sharded over the same mesh");
    if (big && big->numDevices() <= 1) big = nullptr;
    original_ = module_->clone();
    prefillRef_ = original_->func(prefillName_);
    stepRef_ = original_->func("decode_step");
    // Checked before partitioning, so a wrong -np fails at once on every rank.
    checkLaunch(big ? big->numDevices() : 1, mpi_, mpi_ ? MpiSession::start().size() : 1,
                o_.simulate, locatedIn(big ? big->loc : module_->func(prefillName_)->loc, name_));
    if (big && !partitionedMeshOf(*module_, *module_->func(prefillName_))) {
      Diagnostics d;
      if (!runPipeline(*module_, kPartitionPipeline, d)) {
        std::ostringstream os;
        printDiagnostics(d, name_, os);
        std::string msg = os.str();
        while (!msg.empty() && msg.back() == '\n')
          msg.pop_back();
        fail(msg);
      }
    }
    prefill_ = module_->func(prefillName_);
    step_ = module_->func("decode_step");
    mesh_ = partitionedMeshOf(*module_, *prefill_);

    JitOptions jo;
    if (o_.useCache) jo.cacheDir = o_.cacheDir.empty() ? defaultCacheDir() : o_.cacheDir;
    std::string err;
    std::shared_ptr<Jit> jit = Jit::create(jo, &err);
    if (!jit) fail(toolError(err));
    prefillExe_ = compile(*prefill_, jit);
    stepExe_ = compile(*step_, jit);
    engine_ = std::make_unique<Engine>(mesh_, mpi_);
    loadWeights();
  }

  // The shortest @prefill_<L> (partita-glam --decode writes them for L = 16, 24, 32, 48, ...
  // below the cache length) that holds the prompt, else @prefill: a prefill costs its length, so
  // a short prompt should not pay for the whole cache. A bucket must be @prefill over
  // fewer positions: the same parameters and results, ids of [B,L].
  std::string choosePrefill() {
    const Func &full = *module_->func("prefill");
    std::string best = "prefill";
    int64_t bestLen = cacheLen_;
    for (const auto &f : module_->funcs) {
      const std::string &n = f->name;
      if (n.rfind("prefill_", 0) != 0 || n.size() == 8 ||
          n.find_first_not_of("0123456789", 8) != std::string::npos || n.size() > 14)
        continue;
      int64_t len = std::stoll(n.substr(8));
      bool same = f->args.size() == full.args.size() && f->results.size() == full.results.size();
      for (size_t a = 1; same && a < f->args.size(); ++a)
        same = f->args[a]->name == full.args[a]->name && f->args[a]->type == full.args[a]->type;
      for (size_t r = 0; same && r < f->results.size(); ++r)
        same = f->results[r].type == full.results[r].type;
      TensorType ids(DType::I32, {batch_, len});
      if (!same || f->args.empty() || f->args[0]->name != "ids" || f->args[0]->type != ids)
        fail(locatedIn(f->loc, name_) + ": error: @" + n + " must be @prefill over " +
             std::to_string(len) + " positions: %ids: i32[" + std::to_string(batch_) + "," +
             std::to_string(len) +
             "], then @prefill's arguments and results (write the module with partita-glam "
             "--decode)");
      if (len >= (int64_t)prompt_.size() && len < bestLen) {
        best = n;
        bestLen = len;
      }
    }
    return best;
  }

  std::unique_ptr<Executable> compile(const Func &f, std::shared_ptr<Jit> jit) {
    Diagnostics d;
    auto e = Executable::compile(*module_, f, jit, d);
    if (!e) {
      std::ostringstream os;
      printDiagnostics(d, name_, os);
      fail(os.str());
    }
    return e;
  }

  // The shapes partita-glam --decode writes; anything else is not a serving module.
  void checkSignature(const Func &prefill, const Func &step) {
    auto bad = [&](const Func &f, const std::string &what) {
      fail((f.loc.known() ? f.loc.str() : name_ + ":1:1") + ": error: @" + f.name + " " + what +
           " (write the module with partita-glam --decode)");
    };
    if (prefill.args.size() < 2 || prefill.args[0]->name != "ids" ||
        prefill.args[0]->type.rank() != 2 || prefill.args[0]->type.dtype != DType::I32 ||
        prefill.args[1]->name != "length" || prefill.args[1]->type.rank() != 0)
      bad(prefill, "must take %ids: i32[B,S] and %length: i32[] first");
    batch_ = prefill.args[0]->type.shape[0];
    cacheLen_ = prefill.args[0]->type.shape[1];
    if (prefill.results.empty() || prefill.results[0].type.rank() != 2 ||
        prefill.results[0].type.shape[0] != batch_)
      bad(prefill, "must return logits [B,V] first");
    vocab_ = prefill.results[0].type.shape[1];
    size_t caches = prefill.results.size() - 1;
    if (step.args.size() < 2 + caches || step.args[0]->name != "ids" ||
        step.args[0]->type != TensorType(DType::I32, {batch_, 1}) || step.args[1]->name != "pos" ||
        step.results.size() != prefill.results.size())
      bad(step, "must take %ids: i32[B,1], %pos: i32[] and the caches @prefill returns");
    for (size_t i = 0; i < caches; ++i)
      if (step.args[2 + i]->type != prefill.results[1 + i].type ||
          step.results[1 + i].type != prefill.results[1 + i].type)
        bad(step, "cache " + std::to_string(i) + " does not match @prefill's");
  }

  void readPrompt() {
    std::string bytes = o_.prompt;
    if (!o_.promptFile.empty()) {
      std::ifstream is(o_.promptFile, std::ios::binary);
      std::error_code ec;
      if (!is || fs::is_directory(o_.promptFile, ec))
        fail(o_.promptFile + ": error: cannot open the prompt file");
      // Read no more than can fit (the BOS token takes one position): an endless or huge
      // file (/dev/zero, a log) is refused instead of filling memory.
      bool fits = readAtMost(is, &bytes, (size_t)std::max<int64_t>(cacheLen_, 0));
      if (is.bad()) fail(o_.promptFile + ": error: cannot read the prompt file");
      if (!fits)
        fail(o_.promptFile + ": error: the prompt file holds more than " +
             std::to_string(cacheLen_) + " bytes, longer than the KV cache of " +
             std::to_string(cacheLen_) + " positions");
    }
    // As in training: a segment starts with BOS 0, then its bytes.
    prompt_.push_back(0);
    for (unsigned char ch : bytes)
      prompt_.push_back(ch);
    int64_t p = (int64_t)prompt_.size();
    if (vocab_ < 257)
      fail(toolError("the model's vocabulary of " + std::to_string(vocab_) +
                     " is too small for byte tokens (needs at least 257)"));
    if (p > cacheLen_)
      fail(toolError("the prompt of " + std::to_string(p - 1) + " bytes (" + std::to_string(p) +
                     " tokens with BOS) is longer than the KV cache of " +
                     std::to_string(cacheLen_) + " positions"));
    // The n-th new token comes from position p-1+n-1 = p+n-2 of the cache.
    if (p + o_.maxNew - 1 > cacheLen_)
      fail(toolError(std::to_string(o_.maxNew) + " new tokens after a prompt of " +
                     std::to_string(p) + " tokens need position " +
                     std::to_string(p + o_.maxNew - 2) + ", past the KV cache of " +
                     std::to_string(cacheLen_) + " positions (at most " +
                     std::to_string(cacheLen_ - p + 1) + " new tokens)"));
  }

  std::string weightsDir() const {
    if (!o_.weights.empty()) return o_.weights;
    fs::path latest = fs::path(o_.checkpoint) / "latest";
    std::ifstream is(latest);
    std::string step;
    if (!is || !std::getline(is, step))
      fail(latest.string() + ": error: cannot read the checkpoint's latest step");
    while (!step.empty() && std::isspace((unsigned char)step.back()))
      step.pop_back();
    fs::path dir = fs::path(o_.checkpoint) / step;
    std::error_code ec;
    if (step.empty() || !fs::is_directory(dir, ec))
      fail(latest.string() + ": error: names '" + step + "', which is not a directory");
    return dir.string();
  }

  // Every device's shard of each parameter, read from DIR/<name>.npy; the types must match.
  void loadWeights() {
    std::string dir = weightsDir();
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail(dir + ": error: the weights directory does not exist");
    InputSource in(*prefillRef_, 0, dir);
    size_t caches = prefill_->results.size() - 1;
    std::map<std::string, size_t> index;
    for (size_t i = 2; i < in.size(); ++i) {
      if (!in.fromFile(i))
        fail((fs::path(dir) / (in.name(i) + ".npy")).string() +
             ": error: missing: the model's parameter %" + in.name(i) + " has no weights file");
      index[in.name(i)] = i;
    }
    std::vector<int64_t> ds = engine_->devices();
    prefillArgs_.clear();
    prefillArgs_.resize(ds.size());
    stepArgs_.clear();
    stepArgs_.resize(ds.size());
    for (size_t k = 0; k < ds.size(); ++k) {
      auto shard = [&](const Func &f, size_t a) {
        size_t i = index.at(f.args[a]->name);
        if (!mesh_) return in.global(i);
        Boundary b = argBoundary(f, a, *mesh_);
        if (b.global != in.type(i))
          fail(locatedIn(f.args[a]->loc, name_) + ": error: parameter %" + f.args[a]->name +
               " has different types in @" + prefillRef_->name + " and @" + f.name);
        return in.shard(i, b.sharding, *mesh_, ds[k]);
      };
      // ids and length are filled in per prompt.
      prefillArgs_[k].emplace_back(prefillExe_->argTypes()[0]);
      prefillArgs_[k].emplace_back(prefillExe_->argTypes()[1]);
      for (size_t a = 2; a < prefill_->args.size(); ++a)
        prefillArgs_[k].push_back(NativeBuffer::fromTensor(shard(*prefill_, a)));
      stepArgs_[k].emplace_back(stepExe_->argTypes()[0]);
      stepArgs_[k].emplace_back(stepExe_->argTypes()[1]);
      for (size_t c = 0; c < caches; ++c)
        stepArgs_[k].emplace_back(stepExe_->argTypes()[2 + c]);
      for (size_t a = 2 + caches; a < step_->args.size(); ++a) {
        if (!index.count(step_->args[a]->name))
          fail(locatedIn(step_->args[a]->loc, name_) + ": error: @decode_step's parameter %" +
               step_->args[a]->name + " is not a parameter of @prefill");
        stepArgs_[k].push_back(NativeBuffer::fromTensor(shard(*step_, a)));
      }
    }
    cacheBytes_ = 0;
    for (size_t c = 0; c < caches; ++c)
      cacheBytes_ += stepExe_->argTypes()[2 + c].bytes();
  }

  // Writes an i32 value into every element of a per-device buffer of ids or a scalar. The
  // ids are split over `data` at most, and every row holds the same token.
  static void fill(NativeBuffer &b, int64_t v) {
    int32_t *p = (int32_t *)b.data();
    for (int64_t i = 0, n = b.type().numElements(); i < n; ++i)
      p[i] = (int32_t)v;
  }

  void emit(int64_t token) {
    if (!root_) return;
    if (token < 256)
      std::cout << (char)token;
    else
      std::cout << "<" << token << ">";
    std::cout.flush();
  }

  void generate() {
    int64_t p = (int64_t)prompt_.size();
    std::vector<int64_t> ds = engine_->devices();
    // The prompt in every row; the padding after it is ignored (causal attention, and the
    // MoE routing of @prefill leaves it out).
    for (size_t k = 0; k < ds.size(); ++k) {
      NativeBuffer &ids = prefillArgs_[k][0];
      int32_t *q = (int32_t *)ids.data();
      int64_t rows = ids.type().shape[0], cols = ids.type().shape[1];
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          q[r * cols + c] = c < p ? (int32_t)prompt_[c] : 0;
      fill(prefillArgs_[k][1], p);
    }
    double t0 = now(), c0 = cpuNow();
    Engine::PerDevice out = engine_->run(*prefillExe_, prefillArgs_);
    Tensor first = out[0][0].toTensor();
    int64_t token = sample(first, o_, 0);
    double tFirst = now() - t0, cFirst = cpuNow() - c0;
    emit(token);
    std::vector<int64_t> tokens = {token};
    int64_t made = 1;
    size_t caches = prefill_->results.size() - 1;
    double tDecode0 = now(), cDecode0 = cpuNow();
    for (int64_t n = 1; n < o_.maxNew && (token != 256 || o_.ignoreEos); ++n) {
      for (size_t k = 0; k < ds.size(); ++k) {
        fill(stepArgs_[k][0], token);
        fill(stepArgs_[k][1], p + n - 1);
        for (size_t c = 0; c < caches; ++c)
          stepArgs_[k][2 + c] = std::move(out[k][1 + c]);
      }
      out = engine_->run(*stepExe_, stepArgs_);
      token = sample(out[0][0].toTensor(), o_, (uint64_t)n);
      emit(token);
      tokens.push_back(token);
      ++made;
    }
    double tDecode = now() - tDecode0, cDecode = cpuNow() - cDecode0;
    if (!root_) return;
    std::cout << "\n";
    std::cout.flush();
    std::ostringstream os;
    os << "generate: " << made << " token" << (made == 1 ? "" : "s") << ", prompt " << p
       << " tokens, time to first token " << fmt("%.2f", tFirst * 1e3) << " ms, ";
    if (made > 1)
      os << fmt("%.1f", (double)(made - 1) / tDecode) << " tokens/s decoding";
    else
      os << "no decode step";
    os << ", KV cache " << cacheBytes_ << " bytes per device (" << (mesh_ ? mesh_->numDevices() : 1)
       << " device" << (mesh_ && mesh_->numDevices() > 1 ? "s" : "") << ")\n";
    writeLines(std::cerr, os.str());
    if (!std::cout) fail(toolError("write to stdout failed"));
    if (!o_.statsPath.empty()) writeStats(tokens, first, p, {tFirst, cFirst, tDecode, cDecode});
  }

  // --stats-json: what a benchmark needs to check the tokens against another implementation
  // (the ids, and row 0 of @prefill's logits) and the figures of the summary line, unrounded.
  struct Times {
    double first, firstCpu, decode, decodeCpu; // wall and process CPU seconds
  };
  void writeStats(const std::vector<int64_t> &tokens, const Tensor &first, int64_t promptLen,
                  const Times &t) const {
    auto num = [](double v) { return std::isfinite(v) ? fmt("%.9g", v) : std::string("null"); };
    std::ostringstream js;
    js << "{\n  \"prompt_tokens\": " << promptLen << ",\n  \"prefill\": \"" << prefillName_
       << "\",\n  \"tokens\": [";
    for (size_t i = 0; i < tokens.size(); ++i)
      js << (i ? ", " : "") << tokens[i];
    int64_t steps = (int64_t)tokens.size() - 1;
    js << "],\n  \"time_to_first_token_s\": " << num(t.first)
       << ",\n  \"time_to_first_token_cpu_s\": " << num(t.firstCpu)
       << ",\n  \"decode_steps\": " << steps << ",\n  \"decode_s\": " << num(t.decode)
       << ",\n  \"decode_cpu_s\": " << num(t.decodeCpu)
       << ",\n  \"decode_tokens_per_s\": " << (steps > 0 ? num((double)steps / t.decode) : "null")
       << ",\n  \"kv_cache_bytes_per_device\": " << cacheBytes_
       << ",\n  \"devices\": " << (mesh_ ? mesh_->numDevices() : 1)
       << ",\n  \"threads\": " << runtimeThreads() << ",\n  \"first_logits\": [";
    const double *l = first.data.data();
    for (int64_t i = 0; i < vocab_; ++i)
      js << (i ? ", " : "") << num(l[i]);
    js << "]\n}\n";
    Output out(o_.statsPath);
    std::string err;
    if (!out.write(js.str(), &err) || !out.commit(&err)) fail(err);
  }
};

} // namespace

int generateMain(int argc, char **argv) {
  MpiSession::setToolName("partita-generate");
  GenOptions o;
  CommandLine cl = generateCommandLine(o);
  if (auto code = cl.parse(argc, argv)) return *code;
  if (o.file.empty()) return cl.error("a MODEL.pir is required (see --help)");
  if (o.weights.empty() == o.checkpoint.empty())
    return cl.error("give exactly one of --weights DIR and --checkpoint DIR");
  if (o.havePrompt == !o.promptFile.empty())
    return cl.error("give exactly one of --prompt TEXT and --prompt-file F");
  if (!o.haveMaxNew) return cl.error("--max-new-tokens N is required");
  if (o.topK > 0 && o.temperature == 0)
    return cl.error("--top-k needs a --temperature above 0 (greedy decoding takes the top 1)");
  setRuntimeThreads(defaultRuntimeThreads());
  Generator g(o);
  int code = g.run();
  if (MpiSession::active()) MpiSession::start().finalize();
  return code;
}

} // namespace partita::driver
