// Lockstep simulation of a per-device program on all devices of a mesh in one process.
// Values are kept per device and freed after their last use, so memory follows the live
// set of the program rather than its length.
#include "runtime/Simulator.h"

#include "ir/Interpreter.h"
#include "ir/ShardUtil.h"

#include <stdexcept>
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

std::vector<std::vector<Tensor>> simulateLocal(const Func &f, const Mesh &mesh,
                                               std::vector<std::vector<Tensor>> args) {
  const int64_t nd = mesh.numDevices();
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
