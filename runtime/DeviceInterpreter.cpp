// Per-device interpretation with real collectives, for --engine=interp under MPI.
#include "runtime/DeviceInterpreter.h"

#include "ir/Interpreter.h"
#include "runtime/Abi.h"
#include "runtime/Executable.h"

#include <stdexcept>
#include <unordered_map>

namespace partita {

namespace {
int64_t product(const std::vector<int64_t> &v, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i)
    p *= v[i];
  return p;
}
} // namespace

void runCollective(const Op &op, const Mesh &mesh, const void *in, void *out, Collectives &coll) {
  const TensorType &it = op.operands[0]->type, &ot = op.type();
  std::vector<int64_t> axes;
  for (const auto &a : op.getStrings("axes")) {
    int i = mesh.axisIndex(a);
    if (i < 0)
      throw std::runtime_error(op.loc.str() + ": error: mesh @" + mesh.name + " has no axis \"" +
                               a + "\"");
    axes.push_back(i);
  }
  GroupAxes g{axes.data(), (int64_t)axes.size()};
  int64_t n = mesh.groupSize(op.getStrings("axes")), eb = dtypeBytes(it.dtype);
  std::string rs = op.getString("reduction", "sum");
  Reduction red = rs == "max" ? Reduction::Max : rs == "min" ? Reduction::Min : Reduction::Sum;
  switch (op.opcode) {
  case Opcode::AllReduce:
    coll.allReduce(in, out, it.numElements(), it.dtype, red, g);
    return;
  case Opcode::CollectivePermute:
    coll.permute(in, out, it.bytes(), op.getInt("shift"), g);
    return;
  case Opcode::AllGather: {
    int64_t outer = product(it.shape, 0, op.getInt("dim"));
    std::vector<char> tmp(ot.bytes());
    coll.allGather(in, tmp.data(), it.bytes(), g);
    partita_kernel_swap01(tmp.data(), out, n, outer, outer ? it.bytes() / outer : 0);
    return;
  }
  case Opcode::ReduceScatter: {
    int64_t outer = product(it.shape, 0, op.getInt("dim"));
    int64_t piece = outer ? ot.numElements() / outer : 0;
    std::vector<char> tmp(it.bytes());
    partita_kernel_swap01(in, tmp.data(), outer, n, piece * eb);
    coll.reduceScatter(tmp.data(), out, ot.numElements(), it.dtype, red, g);
    return;
  }
  case Opcode::AllToAll: {
    int64_t s = op.getInt("split_dim"), c = op.getInt("concat_dim");
    std::vector<int64_t> piece = it.shape;
    piece[s] /= n;
    int64_t pe = product(piece, 0, piece.size());
    int64_t outerS = product(it.shape, 0, s), outerC = product(piece, 0, c);
    std::vector<char> send(it.bytes()), recv(ot.bytes());
    partita_kernel_swap01(in, send.data(), outerS, n, outerS ? pe / outerS * eb : 0);
    coll.allToAll(send.data(), recv.data(), pe * eb, g);
    partita_kernel_swap01(recv.data(), out, n, outerC, outerC ? pe / outerC * eb : 0);
    return;
  }
  default:
    throw std::runtime_error(op.loc.str() + ": error: internal error: not a collective");
  }
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
