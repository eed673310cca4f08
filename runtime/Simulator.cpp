// Lockstep simulation of a per-device program on all devices of a mesh in one process.
// Values are kept per device and freed after their last use, so memory follows the live
// set of the program rather than its length.
#include "runtime/Simulator.h"

#include "ir/Interpreter.h"
#include "ir/ShardUtil.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <unordered_map>

namespace partita {

namespace {

Boundary boundary(const TensorType &local, const std::optional<Sharding> &s, const AttrDict &attrs,
                  const Mesh &mesh) {
  Boundary b;
  auto it = attrs.find("global");
  b.global = it != attrs.end() && it->second.kind == Attr::Kind::Type ? it->second.type : local;
  b.sharding = s ? *s : Sharding::replicatedOf(mesh.name, local.rank());
  return b;
}

} // namespace

Boundary argBoundary(const Func &f, size_t i, const Mesh &mesh) {
  static const AttrDict none;
  return boundary(f.args.at(i)->type, f.args[i]->sharding,
                  i < f.argAttrs.size() ? f.argAttrs[i] : none, mesh);
}

Boundary resultBoundary(const Func &f, size_t i, const Mesh &mesh) {
  const FuncResult &r = f.results.at(i);
  return boundary(r.type, r.sharding, r.attrs, mesh);
}

const Mesh *partitionedMeshOf(const Module &m, const Func &f) {
  auto p = f.partitionedMesh();
  return p ? m.mesh(*p) : nullptr;
}

namespace {

// What one host tensor costs besides its elements (object, shape vector, allocator).
constexpr int64_t kTensorOverhead = 128;

// In double: summed over a program, byte counts of large types would overflow int64.
double hostBytes(const TensorType &t) { return (double)t.numElements() * 8 + kTensorOverhead; }

// The first number in `path` (a cgroup limit file), or -1 ("max", missing).
int64_t readNumber(const char *path) {
  std::ifstream is(path);
  long long v = -1;
  if (!(is >> v)) return -1;
  return v;
}

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  return buf;
}

} // namespace

int64_t availableMemoryBytes() {
  int64_t avail = -1;
  std::ifstream is("/proc/meminfo");
  std::string key;
  long long kb;
  std::string unit;
  while (is >> key >> kb) {
    std::getline(is, unit);
    if (key == "MemAvailable:") {
      avail = (int64_t)kb * 1024;
      break;
    }
  }
  if (avail < 0) {
    long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) avail = (int64_t)pages * page;
  }
  // A container's memory limit is tighter than the machine's free memory.
  int64_t limit = readNumber("/sys/fs/cgroup/memory.max");
  int64_t used = readNumber("/sys/fs/cgroup/memory.current");
  if (limit > 0 && used >= 0) {
    int64_t left = std::max<int64_t>(0, limit - used);
    avail = avail < 0 ? left : std::min(avail, left);
  }
  return avail;
}

// Each argument's and result's local type must be its global type's shard under its
// sharding on `mesh` (a wrong or missing `global` attribute breaks that), else sharding
// the inputs and assembling the results fail deep inside, far from the cause.
static void checkBoundary(const char *what, const std::string &name, const Loc &loc,
                          const TensorType &local, const Boundary &b, const Mesh &mesh) {
  std::string why = b.sharding.mesh != mesh.name
                        ? "its sharding is over @" + b.sharding.mesh + ", not @" + mesh.name
                        : b.sharding.validate(b.global, mesh);
  if (why.empty() && b.global.dtype != local.dtype)
    why = "its global type " + b.global.str() + " has another element type";
  if (why.empty()) {
    TensorType want = b.sharding.localType(b.global, mesh);
    if (want != local)
      why = "global type " + b.global.str() + " sharded as " + b.sharding.str() + " gives " +
            want.str() + " per device";
  }
  if (!why.empty())
    throw std::runtime_error(loc.str() + ": error: " + what + name + " is " + local.str() +
                             " on each device of mesh @" + mesh.name + ", but " + why +
                             " (is its `global` attribute right?)");
}

void checkSimulation(const Func &f, const Mesh &mesh) {
  for (size_t i = 0; i < f.args.size(); ++i)
    checkBoundary("argument %", f.args[i]->name, f.args[i]->loc, f.args[i]->type,
                  argBoundary(f, i, mesh), mesh);
  for (size_t r = 0; r < f.results.size(); ++r)
    checkBoundary("result ", std::to_string(r), f.results[r].loc.known() ? f.results[r].loc : f.loc,
                  f.results[r].type, resultBoundary(f, r, mesh), mesh);
  const int64_t nd = mesh.numDevices();
  const std::string where = (mesh.loc.known() ? mesh.loc : f.loc).str() + ": error: ";
  if (nd > kMaxSimulatedDevices)
    throw std::runtime_error(where + "--simulate runs at most " +
                             std::to_string(kMaxSimulatedDevices) +
                             " devices in one process; mesh @" + mesh.name + " has " +
                             std::to_string(nd) + " (run it under mpirun, one rank per device)");
  // The lockstep peak: arguments, plus each op's result, minus values past their last use.
  std::unordered_map<const Value *, size_t> lastUse;
  for (size_t i = 0; i < f.ops.size(); ++i)
    for (const Value *v : f.ops[i]->operands)
      lastUse[v] = i;
  for (const Value *v : f.returns)
    lastUse[v] = f.ops.size();
  double live = 0, results = 0;
  for (const auto &a : f.args)
    live += hostBytes(a->type);
  double peak = live;
  for (size_t i = 0; i < f.ops.size(); ++i) {
    const Op &op = *f.ops[i];
    live += hostBytes(op.type());
    peak = std::max(peak, live);
    for (const Value *v : op.operands) {
      auto it = lastUse.find(v);
      if (it != lastUse.end() && it->second == i) {
        live -= hostBytes(v->type);
        lastUse.erase(it); // an operand used twice by this op is freed once
      }
    }
    if (!lastUse.count(op.result)) live -= hostBytes(op.type());
  }
  for (const Value *v : f.returns)
    results += hostBytes(v->type);
  // The assembled results need about as much again as the per-device pieces.
  double need = (double)nd * (peak + results);
  int64_t avail = availableMemoryBytes();
  if (avail >= 0 && need > (double)avail)
    throw std::runtime_error(where + "simulating the " + std::to_string(nd) + " devices of mesh @" +
                             mesh.name + " needs about " + gib(need) + " (" +
                             std::to_string((int64_t)std::min(peak + results, 9e18)) +
                             " bytes per device), more than the " + gib((double)avail) +
                             " available (run it under mpirun)");
}

std::vector<std::vector<Tensor>> simulateLocal(const Func &f, const Mesh &mesh,
                                               std::vector<std::vector<Tensor>> args) {
  const int64_t nd = mesh.numDevices();
  checkSimulation(f, mesh);
  if ((int64_t)args.size() != nd)
    throw std::runtime_error(f.loc.str() + ": error: got arguments for " +
                             std::to_string(args.size()) + " devices, mesh @" + mesh.name +
                             " has " + std::to_string(nd));
  using PerDevice = std::vector<Tensor>;
  std::unordered_map<const Value *, PerDevice> env;
  for (size_t i = 0; i < f.args.size(); ++i) {
    PerDevice v(nd);
    for (int64_t d = 0; d < nd; ++d) {
      if (args[d].size() != f.args.size() || args[d][i].type != f.args[i]->type ||
          args[d][i].size() != args[d][i].type.numElements())
        throw std::runtime_error(f.args[i]->loc.str() + ": error: device " + std::to_string(d) +
                                 " has no tensor of type " + f.args[i]->type.str() +
                                 " for argument %" + f.args[i]->name);
      v[d] = std::move(args[d][i]);
    }
    env[f.args[i]] = std::move(v);
  }
  args.clear();
  std::unordered_map<const Value *, size_t> lastUse;
  for (size_t i = 0; i < f.ops.size(); ++i)
    for (const Value *v : f.ops[i]->operands)
      lastUse[v] = i;
  for (const Value *v : f.returns)
    lastUse[v] = f.ops.size();

  std::vector<DeviceContext> ctx(nd);
  for (int64_t d = 0; d < nd; ++d)
    ctx[d] = DeviceContext{&mesh, d};
  for (size_t i = 0; i < f.ops.size(); ++i) {
    const Op &op = *f.ops[i];
    PerDevice out(nd);
    try {
      std::vector<const PerDevice *> in;
      for (const Value *v : op.operands) {
        auto it = env.find(v);
        if (it == env.end()) throw std::runtime_error("operand %" + v->name + " has no value");
        in.push_back(&it->second);
      }
      if (isCollective(op.opcode)) {
        std::vector<const Tensor *> perDevice(nd);
        for (int64_t d = 0; d < nd; ++d)
          perDevice[d] = &(*in[0])[d];
        out = evalCollective(op, mesh, perDevice);
      } else {
        std::vector<const Tensor *> operands(in.size());
        for (int64_t d = 0; d < nd; ++d) {
          for (size_t k = 0; k < in.size(); ++k)
            operands[k] = &(*in[k])[d];
          out[d] = evalOp(op, operands, &ctx[d]);
        }
      }
    } catch (const std::runtime_error &e) {
      throw std::runtime_error(op.loc.str() + ": error: " + e.what());
    }
    env[op.result] = std::move(out);
    for (const Value *v : op.operands)
      if (lastUse[v] == i) env.erase(v);
    if (!lastUse.count(op.result)) env.erase(op.result);
  }
  std::vector<std::vector<Tensor>> results(nd);
  for (const Value *v : f.returns) {
    auto it = env.find(v);
    if (it == env.end())
      throw std::runtime_error(f.returnLoc.str() + ": error: return value %" + v->name +
                               " has no value");
    for (int64_t d = 0; d < nd; ++d)
      results[d].push_back(it->second[d]);
  }
  return results;
}

std::vector<Tensor> simulate(const Func &f, const Mesh &mesh,
                             const std::vector<Tensor> &globalArgs) {
  if (globalArgs.size() != f.args.size())
    throw std::runtime_error(f.loc.str() + ": error: @" + f.name + " takes " +
                             std::to_string(f.args.size()) + " argument(s), got " +
                             std::to_string(globalArgs.size()));
  checkSimulation(f, mesh);
  const int64_t nd = mesh.numDevices();
  std::vector<std::vector<Tensor>> local(nd);
  for (size_t i = 0; i < f.args.size(); ++i) {
    Boundary b = argBoundary(f, i, mesh);
    if (globalArgs[i].type != b.global)
      throw std::runtime_error(f.args[i]->loc.str() + ": error: argument %" + f.args[i]->name +
                               " has global type " + b.global.str() + ", got " +
                               globalArgs[i].type.str());
    for (int64_t d = 0; d < nd; ++d)
      local[d].push_back(extractShard(globalArgs[i], b.sharding, mesh, d));
  }
  return assembleResults(f, mesh, simulateLocal(f, mesh, std::move(local)));
}

std::vector<Tensor> assembleResults(const Func &f, const Mesh &mesh,
                                    std::vector<std::vector<Tensor>> perDevice) {
  const int64_t nd = mesh.numDevices();
  std::vector<Tensor> out;
  for (size_t r = 0; r < f.results.size(); ++r) {
    Boundary b = resultBoundary(f, r, mesh);
    std::vector<Tensor> pieces(nd);
    for (int64_t d = 0; d < nd; ++d)
      pieces[d] = std::move(perDevice.at(d).at(r));
    out.push_back(assembleGlobal(pieces, b.sharding, mesh, b.global));
  }
  return out;
}

} // namespace partita
