// Global tensors ↔ per-device shards: extraction with zero padding of uneven shards, and
// reassembly that keeps one copy of replicated shards and sums unreduced ones.
#include "ir/ShardUtil.h"

#include <algorithm>
#include <stdexcept>

namespace partita {

bool holdsUnreducedValue(const Sharding &s, const Mesh &m, int64_t device) {
  return m.groupIndex(device, s.unreduced) == 0;
}

// The valid (non-padding) extent of `device`'s box in every dimension.
static std::vector<int64_t> validSizes(const Sharding &s, const Mesh &m, int64_t device,
                                       const TensorType &global) {
  std::vector<int64_t> v(global.rank());
  for (int d = 0; d < global.rank(); ++d)
    v[d] = s.validSize(d, device, global, m);
  return v;
}

static void checkSharding(const Sharding &s, const Mesh &m, const TensorType &global) {
  if (auto e = s.validate(global, m); !e.empty()) throw std::runtime_error(e);
}

Tensor extractShard(const Tensor &global, const Sharding &s, const Mesh &m, int64_t device) {
  checkSharding(s, m, global.type);
  Tensor local(s.localType(global.type, m));
  if (!holdsUnreducedValue(s, m, device)) return local;
  copyBox(global, s.offsets(device, global.type, m), local,
          std::vector<int64_t>(local.type.rank(), 0), validSizes(s, m, device, global.type));
  return local;
}

Tensor assembleGlobal(const std::vector<Tensor> &locals, const Sharding &s, const Mesh &m,
                      const TensorType &global) {
  checkSharding(s, m, global);
  if ((int64_t)locals.size() != m.numDevices())
    throw std::runtime_error("assembleGlobal: " + std::to_string(locals.size()) +
                             " local tensors for mesh @" + m.name + " of " +
                             std::to_string(m.numDevices()) + " devices");
  TensorType lt = s.localType(global, m);
  // Replica axes (neither splitting a dimension nor unreduced) repeat a shard: only the
  // device at coordinate 0 along all of them contributes.
  auto sharded = s.shardedAxes();
  std::vector<int> replicaAxes;
  for (int a = 0; a < (int)m.axes.size(); ++a) {
    const std::string &n = m.axes[a].name;
    if (std::find(sharded.begin(), sharded.end(), n) == sharded.end() &&
        std::find(s.unreduced.begin(), s.unreduced.end(), n) == s.unreduced.end())
      replicaAxes.push_back(a);
  }
  Tensor out(global);
  auto st = out.strides();
  for (int64_t d = 0; d < m.numDevices(); ++d) {
    auto c = m.coords(d);
    if (std::any_of(replicaAxes.begin(), replicaAxes.end(), [&](int a) { return c[a] != 0; }))
      continue;
    const Tensor &l = locals[d];
    if (l.type != lt || l.size() != lt.numElements())
      throw std::runtime_error("assembleGlobal: device " + std::to_string(d) + " holds " +
                               l.type.str() + ", expected " + lt.str());
    // Disjoint boxes are added into zeros, which copies them; unreduced groups sum.
    Tensor box(TensorType(global.dtype, validSizes(s, m, d, global)));
    copyBox(l, std::vector<int64_t>(lt.rank(), 0), box, std::vector<int64_t>(lt.rank(), 0),
            box.type.shape);
    auto off = s.offsets(d, global, m), bs = box.strides();
    for (int64_t k = 0; k < box.size(); ++k) {
      int64_t o = 0, rest = k;
      for (int i = 0; i < global.rank(); ++i) {
        o += (off[i] + rest / bs[i]) * st[i];
        rest %= bs[i];
      }
      out.data[o] += box.data[k];
    }
  }
  roundAll(out);
  return out;
}

} // namespace partita
