// Compiling a function to native code and running it on native buffers, on one device or on
// a whole simulated mesh (one thread per device).
#include "runtime/Executable.h"

#include "runtime/Codegen.h"
#include "runtime/Parallel.h"
#include "runtime/Simulator.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstring>
#include <map>
#include <new>
#include <sstream>
#include <system_error>
#include <thread>

namespace partita {

void NativeBuffer::Free::operator()(void *p) const { ::operator delete(p, std::align_val_t(64)); }

NativeBuffer::NativeBuffer(const TensorType &t, bool zero)
    : type_(t), bytes_(t.bytes()),
      data_(::operator new((size_t)std::max<int64_t>(64, (t.bytes() + 63) / 64 * 64),
                           std::align_val_t(64))) {
  if (zero) std::memset(data_.get(), 0, (size_t)bytes_);
}

NativeBuffer NativeBuffer::fromTensor(const Tensor &t) {
  NativeBuffer b(t.type);
  int64_t n = t.size();
  switch (t.type.dtype) {
  case DType::F32:
    for (int64_t i = 0; i < n; ++i)
      ((float *)b.data())[i] = (float)t.data[i];
    break;
  case DType::BF16:
    for (int64_t i = 0; i < n; ++i) {
      float f = bf16Round((float)t.data[i]);
      uint16_t hi = (uint16_t)(std::bit_cast<uint32_t>(f) >> 16);
      ((uint16_t *)b.data())[i] = f != f ? (uint16_t)(hi | 0x40) : hi;
    }
    break;
  case DType::I32:
    for (int64_t i = 0; i < n; ++i)
      ((int32_t *)b.data())[i] = (int32_t)roundTo(DType::I32, t.data[i]);
    break;
  case DType::I1:
    for (int64_t i = 0; i < n; ++i)
      ((uint8_t *)b.data())[i] = t.data[i] != 0;
    break;
  }
  return b;
}

Tensor NativeBuffer::toTensor() const {
  Tensor t(type_);
  int64_t n = t.size();
  switch (type_.dtype) {
  case DType::F32:
    for (int64_t i = 0; i < n; ++i)
      t.data[i] = ((const float *)data())[i];
    break;
  case DType::BF16:
    for (int64_t i = 0; i < n; ++i)
      t.data[i] = std::bit_cast<float>((uint32_t)((const uint16_t *)data())[i] << 16);
    break;
  case DType::I32:
    for (int64_t i = 0; i < n; ++i)
      t.data[i] = ((const int32_t *)data())[i];
    break;
  case DType::I1:
    for (int64_t i = 0; i < n; ++i)
      t.data[i] = ((const uint8_t *)data())[i] ? 1 : 0;
    break;
  }
  return t;
}

std::unique_ptr<Executable> Executable::compile(const Module &m, const Func &f,
                                                std::shared_ptr<Jit> jit, Diagnostics &diags,
                                                const LowerOptions &opts) {
  std::unique_ptr<Executable> e(new Executable());
  const Mesh *mesh = nullptr;
  if (auto name = f.partitionedMesh())
    mesh = m.mesh(*name);
  else if (m.meshes.size() == 1)
    mesh = &m.meshes[0]; // axis_index in a hand-written program
  LoweredFunc lf;
  if (!lowerFunction(f, mesh, &lf, diags, opts)) return nullptr;
  std::string err;
  int h = jit->addModule(std::move(lf.context), std::move(lf.module), &err);
  void *fn = h < 0 ? nullptr : jit->lookup(h, lf.entry, &err);
  if (!fn) {
    diags.error(f.loc, err);
    return nullptr;
  }
  e->jit_ = std::move(jit);
  e->entry_ = (PartitaEntryFn)fn;
  for (const Value *a : f.args)
    e->argTypes_.push_back(a->type);
  for (const auto &r : f.results)
    e->resultTypes_.push_back(r.type);
  if (mesh) e->mesh_ = *mesh;
  e->workspaceBytes_ = lf.workspaceBytes;
  e->unplannedBytes_ = lf.unplannedBytes;
  e->liveBytes_ = lf.liveBytes;
  e->groups_ = lf.groups;
  e->ops_ = std::move(lf.ops);
  e->profiled_ = opts.profile;
  return e;
}

// JIT-compiled code has no -fsanitize=function type prologue, so UBSan's check of the
// indirect call would read before the function's first byte (off its page).
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
void Executable::runRaw(void **args, void **results, int64_t device, Collectives *coll,
                        void *workspace, int64_t *profile, PartitaTrace *trace) const {
  std::vector<int64_t> coords = mesh_ ? mesh_->coords(device) : std::vector<int64_t>{};
  coords.push_back(0); // never an empty vector: data() must be a valid pointer
  std::vector<int64_t> ignored;
  if (profiled_ && !profile) {
    ignored.assign(ops_.size() + 1, 0);
    profile = ignored.data();
  }
  PartitaCtx ctx{workspace, coords.data(), coll, device, profile, 0, trace};
  entry_(args, results, &ctx);
}

std::vector<NativeBuffer> Executable::run(const std::vector<NativeBuffer> &args, int64_t device,
                                          Collectives *coll, int64_t *profile,
                                          PartitaTrace *trace) const {
  std::vector<NativeBuffer> results;
  for (const auto &t : resultTypes_)
    results.emplace_back(t);
  std::vector<void *> a, r;
  for (const auto &b : args)
    a.push_back(const_cast<void *>(b.data()));
  for (auto &b : results)
    r.push_back(b.data());
  // Every workspace byte is written before it is read; pages the plan never reaches stay
  // out of the resident set.
  NativeBuffer ws(TensorType(DType::I1, {workspaceBytes_}), /*zero=*/false);
  runRaw(a.data(), r.data(), device, coll, ws.data(), profile, trace);
  return results;
}

std::vector<Tensor> Executable::runTensors(const std::vector<Tensor> &args, int64_t device,
                                           Collectives *coll) const {
  std::vector<NativeBuffer> in;
  for (const auto &t : args)
    in.push_back(NativeBuffer::fromTensor(t));
  std::vector<Tensor> out;
  for (const auto &b : run(in, device, coll))
    out.push_back(b.toTensor());
  return out;
}

std::string profileReport(const std::vector<LoweredOp> &ops, const std::vector<int64_t> &ns,
                          int runs, int top) {
  struct Kind {
    int count = 0;
    double ms = 0, flops = 0;
  };
  std::map<std::string, Kind> kinds;
  double total = 0;
  for (size_t i = 0; i < ops.size() && i < ns.size(); ++i) {
    double ms = ns[i] * 1e-6 / std::max(1, runs);
    Kind &k = kinds[ops[i].opcode];
    ++k.count;
    k.ms += ms;
    k.flops += ops[i].flops;
    total += ms;
  }
  std::vector<std::pair<std::string, Kind>> sorted(kinds.begin(), kinds.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto &a, const auto &b) { return a.second.ms > b.second.ms; });
  std::ostringstream os;
  char line[256];
  std::snprintf(line, sizeof line, "profile: %.3f ms in %zu ops (per run, %d run%s)\n", total,
                ops.size(), runs, runs == 1 ? "" : "s");
  os << line;
  std::snprintf(line, sizeof line, "profile: %-20s %6s %10s %7s %9s\n", "op kind", "count", "ms",
                "share", "GFLOP/s");
  os << line;
  for (const auto &[name, k] : sorted) {
    std::snprintf(line, sizeof line, "profile: %-20s %6d %10.3f %6.1f%%", name.c_str(), k.count,
                  k.ms, total > 0 ? 100 * k.ms / total : 0.0);
    os << line;
    if (k.flops > 0 && k.ms > 0) {
      std::snprintf(line, sizeof line, " %9.1f", k.flops / (k.ms * 1e-3) * 1e-9);
      os << line;
    }
    os << "\n";
  }
  // Where the communication time goes: blocking collectives, issuing async ones, and
  // waiting for them (time blocked in an await is time the overlap did not hide).
  double phaseMs[4] = {0, 0, 0, 0};
  int phaseCount[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < ops.size() && i < ns.size(); ++i) {
    phaseMs[(int)ops[i].phase] += ns[i] * 1e-6 / std::max(1, runs);
    ++phaseCount[(int)ops[i].phase];
  }
  if (phaseCount[1] + phaseCount[2] + phaseCount[3] > 0) {
    for (OpPhase p : {OpPhase::Compute, OpPhase::Collective, OpPhase::Start, OpPhase::Wait}) {
      std::snprintf(line, sizeof line, "profile: phase %-14s %6d %10.3f %6.1f%%\n",
                    opPhaseName(p), phaseCount[(int)p], phaseMs[(int)p],
                    total > 0 ? 100 * phaseMs[(int)p] / total : 0.0);
      os << line;
    }
    double comm = phaseMs[1] + phaseMs[2] + phaseMs[3], waiting = phaseMs[1] + phaseMs[3];
    std::snprintf(line, sizeof line,
                  "profile: communication %.3f ms (%.1f%%), of which waiting %.3f ms (%.1f%%)\n",
                  comm, total > 0 ? 100 * comm / total : 0.0, waiting,
                  total > 0 ? 100 * waiting / total : 0.0);
    os << line;
  }
  std::vector<size_t> order(std::min(ops.size(), ns.size()));
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  // Slowest first, ties in program order.
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return ns[a] != ns[b] ? ns[a] > ns[b] : a < b; });
  if (top > 0 && !order.empty()) os << "profile: slowest ops:\n";
  for (int i = 0; i < top && i < (int)order.size(); ++i) {
    const LoweredOp &op = ops[order[i]];
    double ms = ns[order[i]] * 1e-6 / std::max(1, runs);
    std::snprintf(line, sizeof line, "profile: %10.3f ms %6.1f%%  %-14s %%%s : %s", ms,
                  total > 0 ? 100 * ms / total : 0.0, op.opcode.c_str(), op.name.c_str(),
                  op.type.c_str());
    os << line;
    if (op.flops > 0 && ms > 0) {
      std::snprintf(line, sizeof line, "  %.1f GFLOP/s", op.flops / (ms * 1e-3) * 1e-9);
      os << line;
    }
    os << "\n";
  }
  return os.str();
}

namespace {
std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if ((unsigned char)c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", (unsigned)c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}
} // namespace

std::string chromeTrace(const std::vector<LoweredOp> &ops,
                        const std::vector<std::vector<PartitaTraceEvent>> &perRank,
                        const std::vector<int64_t> &origins) {
  std::ostringstream os;
  os << "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [";
  bool first = true;
  auto sep = [&] {
    os << (first ? "\n" : ",\n");
    first = false;
  };
  char num[64];
  for (size_t r = 0; r < perRank.size(); ++r) {
    sep();
    os << "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": " << r
       << ", \"tid\": 0, \"args\": {\"name\": \"rank " << r << "\"}}";
    for (const PartitaTraceEvent &e : perRank[r]) {
      if (e.op < 0 || e.op >= (int64_t)ops.size()) continue;
      const LoweredOp &op = ops[e.op];
      sep();
      os << "{\"name\": " << jsonString(op.opcode + " %" + op.name)
         << ", \"cat\": \"" << opPhaseName(op.phase) << "\", \"ph\": \"X\", \"pid\": " << r
         << ", \"tid\": 0";
      std::snprintf(num, sizeof num, ", \"ts\": %.3f, \"dur\": %.3f",
                    (e.begin - origins[r]) * 1e-3, (e.end - e.begin) * 1e-3);
      os << num << ", \"args\": {\"op\": " << e.op << ", \"type\": " << jsonString(op.type)
         << "}}";
    }
  }
  os << "\n]}\n";
  return os.str();
}

std::vector<std::vector<Tensor>> runSimulated(const Executable &e,
                                              const std::vector<std::vector<Tensor>> &perDeviceArgs,
                                              double timeoutSeconds, std::string *error) {
  Mesh single;
  single.name = "single";
  const Mesh &mesh = e.mesh() ? *e.mesh() : single;
  int64_t n = mesh.numDevices();
  if ((int64_t)perDeviceArgs.size() != n) {
    *error = "expected arguments for " + std::to_string(n) + " devices, got " +
             std::to_string(perDeviceArgs.size());
    return {};
  }
  // Devices that never communicate can take turns on a few threads; with collectives every
  // device must be inside the program at once, so each needs its own thread.
  bool talks = false;
  for (const LoweredOp &op : e.ops())
    if (auto oc = parseOpcode(op.opcode); oc && isCollective(*oc)) talks = true;
  const int64_t workers =
      talks ? n : std::min<int64_t>(n, std::max(1, (int)std::thread::hardware_concurrency()));
  if (talks && n > kMaxSimulatedThreads) {
    *error = "the JIT engine simulates a program with collectives as one thread per device, at "
             "most " +
             std::to_string(kMaxSimulatedThreads) + "; mesh @" + mesh.name + " has " +
             std::to_string(n) + " devices (use --engine=interp, or mpirun)";
    return {};
  }
  // Host tensors of every device plus, for each device running at once, its native copies
  // and workspace.
  int64_t native = e.workspaceBytes() + (1 << 16); // and a thread's stack and bookkeeping
  for (const TensorType &t : e.argTypes())
    native += t.bytes();
  for (const TensorType &t : e.resultTypes())
    native += t.bytes() + t.numElements() * 8;
  int64_t host = 0;
  if (n > 0)
    for (const Tensor &t : perDeviceArgs[0])
      host += t.size() * 8;
  double need = (double)workers * native + (double)n * host;
  int64_t avail = availableMemoryBytes();
  if (avail >= 0 && need > (double)avail) {
    *error = "simulating the " + std::to_string(n) + " devices of mesh @" + mesh.name +
             " needs about " + std::to_string((int64_t)(need / (1 << 20))) +
             " MiB, more than the " + std::to_string(avail >> 20) +
             " MiB available (run it under mpirun)";
    return {};
  }

  InMemoryWorld world(mesh, timeoutSeconds);
  std::vector<std::vector<Tensor>> results(n);
  std::atomic<int64_t> next{0};
  auto work = [&] {
    // The devices share the machine's cores; each one's kernels run on its own thread.
    ThreadLimit serial(workers > 1 ? 1 : runtimeThreads());
    for (int64_t d; (d = next.fetch_add(1)) < n && !world.failed();) {
      try {
        auto coll = world.device(d);
        results[d] = e.runTensors(perDeviceArgs[d], d, coll.get());
      } catch (const std::exception &ex) { // e.g. bad_alloc: fail the run, not the process
        world.abort("device " + std::to_string(d) + ": " + ex.what());
      }
    }
  };
  std::vector<std::thread> threads;
  try {
    for (int64_t w = 0; w < workers; ++w)
      threads.emplace_back(work);
  } catch (const std::system_error &ex) {
    // Out of threads (a process or system limit): the started devices are released from
    // their collectives by the abort, and the run fails instead of terminating.
    world.abort("cannot start a thread for device " + std::to_string(threads.size()) + " of " +
                std::to_string(n) + " (" + ex.what() + ")");
  }
  for (auto &t : threads)
    t.join();
  if (world.failed()) {
    *error = world.failure();
    return {};
  }
  return results;
}

} // namespace partita
