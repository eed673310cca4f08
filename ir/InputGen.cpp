// The counter-based input generator: element = mix(seed, FNV-1a(arg name), global index),
// so any shard is made without the rest of the tensor. The mixer is the splitmix64
// finalizer, applied twice with different multipliers, which passes avalanche tests and
// keeps neighbouring indices and similar names uncorrelated.
#include "ir/InputGen.h"

#include "ir/ShardUtil.h"

#include <stdexcept>

namespace partita {

namespace {

uint64_t fnv1a(const std::string &s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t mixA(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t mixB(uint64_t z) {
  z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdull;
  z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ull;
  return z ^ (z >> 33);
}

// Per-(seed, name) key, computed once per tensor.
uint64_t streamKey(uint64_t seed, const std::string &arg) {
  return mixA(mixA(seed ^ 0x9e3779b97f4a7c15ull) ^ fnv1a(arg));
}

double element(uint64_t key, int64_t index, DType dtype, int64_t bound) {
  uint64_t u = mixB(mixA(key + (uint64_t)index * 0xd1b54a32d192ed03ull));
  switch (dtype) {
  case DType::F32:
  case DType::BF16: {
    // 24 random bits: k * 2^-23 - 1 is exact in f32 and lies in [-1, 1).
    double v = (double)(u >> 40) * 0x1p-24 * 2 - 1;
    return roundTo(dtype, v);
  }
  case DType::I32:
    return (double)((u >> 11) % (uint64_t)bound);
  case DType::I1:
    return (double)(u >> 63);
  }
  return 0;
}

void checkBound(int64_t bound) {
  if (bound < 1)
    throw std::runtime_error("input generator: bound must be at least 1, got " +
                             std::to_string(bound));
}

} // namespace

double generateElement(uint64_t seed, const std::string &arg, int64_t index, DType dtype,
                       int64_t bound) {
  checkBound(bound);
  return element(streamKey(seed, arg), index, dtype, bound);
}

Tensor generateTensor(uint64_t seed, const std::string &arg, const TensorType &type,
                      int64_t bound) {
  checkBound(bound);
  uint64_t key = streamKey(seed, arg);
  Tensor t(type);
  for (int64_t k = 0; k < t.size(); ++k)
    t.data[k] = element(key, k, type.dtype, bound);
  return t;
}

Tensor generateShard(uint64_t seed, const std::string &arg, const TensorType &global,
                     const Sharding &s, const Mesh &m, int64_t device, int64_t bound) {
  checkBound(bound);
  if (auto e = s.validate(global, m); !e.empty()) throw std::runtime_error(e);
  Tensor local(s.localType(global, m));
  if (!holdsUnreducedValue(s, m, device) || local.size() == 0) return local;
  uint64_t key = streamKey(seed, arg);
  auto off = s.offsets(device, global, m);
  std::vector<int64_t> gs(global.rank(), 1);
  for (int i = global.rank() - 2; i >= 0; --i)
    gs[i] = gs[i + 1] * global.shape[i + 1];
  std::vector<int64_t> idx(local.type.rank(), 0);
  for (int64_t k = 0; k < local.size(); ++k) {
    int64_t g = 0;
    bool inside = true;
    for (int i = 0; i < global.rank(); ++i) {
      int64_t at = off[i] + idx[i];
      inside = inside && at < global.shape[i];
      g += at * gs[i];
    }
    if (inside) local.data[k] = element(key, g, global.dtype, bound);
    for (int i = local.type.rank() - 1; i >= 0 && ++idx[i] == local.type.shape[i]; --i)
      idx[i] = 0;
  }
  return local;
}

int64_t argBound(const Func &f, size_t i) {
  if (i < f.argAttrs.size())
    if (auto it = f.argAttrs[i].find("bound");
        it != f.argAttrs[i].end() && it->second.kind == Attr::Kind::Int)
      return it->second.i;
  return 16;
}

std::vector<Tensor> generateArgs(uint64_t seed, const Func &f) {
  std::vector<Tensor> args;
  for (size_t i = 0; i < f.args.size(); ++i)
    args.push_back(generateTensor(seed, f.args[i]->name, f.args[i]->type, argBound(f, i)));
  return args;
}

} // namespace partita
