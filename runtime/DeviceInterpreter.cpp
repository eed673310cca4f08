// Per-device interpretation with real collectives, for --engine=interp under MPI.
#include "runtime/DeviceInterpreter.h"

#include "ir/CollectivePlan.h"
#include "ir/Interpreter.h"
#include "runtime/Executable.h"

#include <stdexcept>
#include <unordered_map>

namespace partita {

void runCollective(const Op &op, const Mesh &mesh, const void *in, void *out, Collectives &coll) {
  CollectivePlan plan;
  try {
    plan = planCollective(op, mesh);
  } catch (const std::runtime_error &e) {
    throw std::runtime_error(op.loc.str() + ": error: " + e.what());
  }
  std::vector<char> scratch(plan.scratchBytes);
  runCollectivePlan(plan, coll, in, out, scratch.data());
}

std::vector<Tensor> interpretOnDevice(const Func &f, const Mesh &mesh, int64_t device,
                                      const std::vector<Tensor> &args, Collectives &coll) {
  if (args.size() != f.args.size())
    throw std::runtime_error(f.loc.str() + ": error: @" + f.name + " takes " +
                             std::to_string(f.args.size()) + " argument(s), got " +
                             std::to_string(args.size()));
  std::unordered_map<const Value *, Tensor> env;
  for (size_t i = 0; i < args.size(); ++i)
    env[f.args[i]] = args[i];
  DeviceContext ctx{&mesh, device};
  for (const auto &opp : f.ops) {
    const Op &op = *opp;
    std::vector<const Tensor *> in;
    for (const Value *v : op.operands)
      in.push_back(&env.at(v));
    if (isCollective(op.opcode)) {
      NativeBuffer src = NativeBuffer::fromTensor(*in[0]), dst(op.type());
      runCollective(op, mesh, src.data(), dst.data(), coll);
      env[op.result] = dst.toTensor();
    } else {
      try {
        env[op.result] = evalOp(op, in, &ctx);
      } catch (const std::runtime_error &e) {
        throw std::runtime_error(op.loc.str() + ": error: " + e.what());
      }
    }
  }
  std::vector<Tensor> out;
  for (const Value *v : f.returns)
    out.push_back(env.at(v));
  return out;
}

} // namespace partita
