// Builds, encodes and decodes collective plans (ir/CollectivePlan.h).
#include "ir/CollectivePlan.h"

#include <stdexcept>

namespace partita {

namespace {

[[noreturn]] void fail(const std::string &msg) { throw std::runtime_error(msg); }

int64_t product(const std::vector<int64_t> &v, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i)
    p *= v[i];
  return p;
}

// 64 bytes: the code generator's buffer alignment, so scratch pieces stay vector-aligned.
int64_t alignUp(int64_t x) { return (x + 63) / 64 * 64; }

// A swap of `a` x `b` blocks covering `totalBytes`. An empty tensor needs no swap: a x b can
// be astronomically large (and overflow) when a zero extent sits after the swapped ones.
BlockSwap swapOf(int64_t a, int64_t b, int64_t totalBytes) {
  if (totalBytes == 0) return BlockSwap{1, 1, 0};
  return BlockSwap{a, b, totalBytes / (a * b)};
}

} // namespace

std::vector<int64_t> groupMembers(const Mesh &mesh, int64_t device,
                                  const std::vector<int64_t> &axes) {
  std::vector<int64_t> coords = mesh.coords(device);
  int64_t size = 1;
  for (int64_t a : axes)
    size *= mesh.axes[a].size;
  std::vector<int64_t> members(size);
  for (int64_t m = 0; m < size; ++m) {
    // m's digits in the mixed radix of the group's axes, the last axis minor.
    int64_t rem = m;
    for (size_t i = axes.size(); i-- > 0;) {
      int64_t s = mesh.axes[axes[i]].size;
      coords[axes[i]] = rem % s;
      rem /= s;
    }
    members[m] = mesh.deviceOf(coords);
  }
  return members;
}

std::vector<int64_t> CollectivePlan::members(const Mesh &mesh, int64_t device) const {
  return groupMembers(mesh, device, axes);
}

int64_t CollectivePlan::memberIndex(const Mesh &mesh, int64_t device) const {
  std::vector<int64_t> c = mesh.coords(device);
  int64_t idx = 0;
  for (int64_t a : axes)
    idx = idx * mesh.axes[a].size + c[a];
  return idx;
}

CollectivePlan planCollective(const Op &op, const Mesh &mesh) {
  const char *name = opcodeName(op.opcode);
  std::string what = std::string("'") + name + "'";
  CollectivePlan p;
  switch (op.opcode) {
  case Opcode::AllReduce:
    p.kind = CollectiveKind::AllReduce;
    break;
  case Opcode::AllGather:
    p.kind = CollectiveKind::AllGather;
    break;
  case Opcode::ReduceScatter:
    p.kind = CollectiveKind::ReduceScatter;
    break;
  case Opcode::AllToAll:
    p.kind = CollectiveKind::AllToAll;
    break;
  case Opcode::CollectivePermute:
    p.kind = CollectiveKind::Permute;
    break;
  default:
    fail(std::string("internal error: '") + name + "' is not a collective");
  }
  if (op.operands.size() != 1 || !op.result) fail(what + " takes one operand and has one result");
  const TensorType &in = op.operands[0]->type, &out = op.type();
  if (in.dtype != out.dtype)
    fail(what + " result " + out.str() + " must have the operand's element type (" + in.str() +
         ")");

  std::vector<bool> seen(mesh.axes.size(), false);
  p.groupSize = 1;
  for (const std::string &a : op.getStrings("axes")) {
    int i = mesh.axisIndex(a);
    if (i < 0) fail(what + ": mesh @" + mesh.name + " has no axis \"" + a + "\"");
    if (seen[i]) fail(what + ": axis \"" + a + "\" appears twice");
    seen[i] = true;
    p.axes.push_back(i);
    p.groupSize *= mesh.axes[i].size;
  }
  const int64_t n = p.groupSize;
  if (p.kind == CollectiveKind::AllReduce || p.kind == CollectiveKind::ReduceScatter) {
    // No default: spec section 3 requires the attribute, and guessing "sum" would hide a
    // dropped attribute in hand-written IR.
    if (!op.hasAttr("reduction")) fail(what + ": missing attribute 'reduction'");
    std::string rs = op.getString("reduction");
    std::optional<Reduction> r = parseReduction(rs);
    if (!r) fail(what + ": unknown reduction \"" + rs + "\"");
    p.reduction = *r;
  }
  p.dtype = in.dtype;
  p.inBytes = in.bytes();
  p.outBytes = out.bytes();
  const int64_t eb = dtypeBytes(in.dtype);
  auto dimAttr = [&](const char *attr) {
    int64_t d = op.getInt(attr);
    if (d < 0 || d >= in.rank())
      fail(what + ": '" + attr + "' " + std::to_string(d) + " is out of range for " + in.str());
    return (size_t)d;
  };

  TensorType want = in; // the result type the attributes imply
  switch (p.kind) {
  case CollectiveKind::AllReduce:
    p.count = in.numElements();
    break;
  case CollectiveKind::Permute:
    p.bytes = p.inBytes;
    // Reduced mod n here so that no executor forms me - shift with a shift near INT64_MIN.
    p.shift = ((op.getInt("shift") % n) + n) % n;
    break;
  case CollectiveKind::AllGather: {
    // Member k's operand is block k of every outer row: gather whole operands, then move
    // the member index inside the outer rows.
    size_t d = dimAttr("dim");
    want.shape[d] *= n;
    p.bytes = p.inBytes;
    p.post = swapOf(n, product(in.shape, 0, d), p.outBytes);
    break;
  }
  case CollectiveKind::ReduceScatter: {
    size_t d = dimAttr("dim");
    if (in.shape[d] % n)
      fail(what + " dimension " + std::to_string(d) + " of " + in.str() +
           " is not divisible by the group size " + std::to_string(n));
    want.shape[d] /= n;
    p.count = want.numElements();
    // Piece k of every outer row goes to leading piece k.
    p.pre = swapOf(product(in.shape, 0, d), n, p.inBytes);
    break;
  }
  case CollectiveKind::AllToAll: {
    size_t s = dimAttr("split_dim"), c = dimAttr("concat_dim");
    if (in.shape[s] % n)
      fail(what + " split dimension " + std::to_string(s) + " of " + in.str() +
           " is not divisible by the group size " + std::to_string(n));
    std::vector<int64_t> piece = in.shape;
    piece[s] /= n;
    p.bytes = product(piece, 0, piece.size()) * eb;
    // Leading piece k is the split dimension's piece k; what arrives from member k becomes
    // block k of every outer row of the concatenation dimension.
    p.pre = swapOf(product(in.shape, 0, s), n, p.inBytes);
    p.post = swapOf(n, product(piece, 0, c), p.outBytes);
    want.shape = piece;
    want.shape[c] *= n;
    break;
  }
  }
  if (want != out)
    fail(what + " over " + std::to_string(n) + " device(s) of mesh @" + mesh.name + " produces " +
         want.str() + " from " + in.str() + ", but its declared type is " + out.str());

  int64_t scratch = 0;
  if (!p.pre.isCopy()) {
    p.sendOffset = 0;
    scratch = alignUp(p.inBytes);
  }
  if (!p.post.isCopy()) {
    p.recvOffset = scratch;
    scratch += alignUp(p.outBytes);
  }
  p.scratchBytes = scratch;
  return p;
}

std::vector<int64_t> CollectivePlan::encode() const {
  std::vector<int64_t> d(kDescAxes + axes.size());
  d[kDescMagic] = kCollectiveDescMagic;
  d[kDescKind] = (int64_t)kind;
  d[kDescReduction] = (int64_t)reduction;
  d[kDescDType] = (int64_t)dtype;
  d[kDescGroupSize] = groupSize;
  d[kDescInBytes] = inBytes;
  d[kDescOutBytes] = outBytes;
  d[kDescCount] = count;
  d[kDescBytes] = bytes;
  d[kDescShift] = shift;
  d[kDescPre] = pre.a;
  d[kDescPre + 1] = pre.b;
  d[kDescPre + 2] = pre.blockBytes;
  d[kDescPost] = post.a;
  d[kDescPost + 1] = post.b;
  d[kDescPost + 2] = post.blockBytes;
  d[kDescSendOffset] = sendOffset;
  d[kDescRecvOffset] = recvOffset;
  d[kDescScratchBytes] = scratchBytes;
  d[kDescNumAxes] = (int64_t)axes.size();
  for (size_t i = 0; i < axes.size(); ++i)
    d[kDescAxes + i] = axes[i];
  return d;
}

CollectivePlan CollectivePlan::decode(const int64_t *d) {
  if (!d || d[kDescMagic] != kCollectiveDescMagic)
    fail("internal error: not a collective plan descriptor");
  if (d[kDescKind] < 0 || d[kDescKind] > (int64_t)CollectiveKind::Permute ||
      d[kDescReduction] < 0 || d[kDescReduction] > (int64_t)Reduction::Min || d[kDescDType] < 0 ||
      d[kDescDType] > (int64_t)DType::I1 || d[kDescNumAxes] < 0)
    fail("internal error: malformed collective plan descriptor");
  CollectivePlan p;
  p.kind = (CollectiveKind)d[kDescKind];
  p.reduction = (Reduction)d[kDescReduction];
  p.dtype = (DType)d[kDescDType];
  p.groupSize = d[kDescGroupSize];
  p.inBytes = d[kDescInBytes];
  p.outBytes = d[kDescOutBytes];
  p.count = d[kDescCount];
  p.bytes = d[kDescBytes];
  p.shift = d[kDescShift];
  p.pre = {d[kDescPre], d[kDescPre + 1], d[kDescPre + 2]};
  p.post = {d[kDescPost], d[kDescPost + 1], d[kDescPost + 2]};
  p.sendOffset = d[kDescSendOffset];
  p.recvOffset = d[kDescRecvOffset];
  p.scratchBytes = d[kDescScratchBytes];
  p.axes.assign(d + kDescAxes, d + kDescAxes + d[kDescNumAxes]);
  return p;
}

bool CollectivePlan::operator==(const CollectivePlan &o) const {
  return kind == o.kind && reduction == o.reduction && dtype == o.dtype && axes == o.axes &&
         groupSize == o.groupSize && inBytes == o.inBytes && outBytes == o.outBytes &&
         count == o.count && bytes == o.bytes && shift == o.shift && pre == o.pre &&
         post == o.post && sendOffset == o.sendOffset && recvOffset == o.recvOffset &&
         scratchBytes == o.scratchBytes;
}

} // namespace partita
