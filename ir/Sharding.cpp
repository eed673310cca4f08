// Mesh geometry and sharding geometry: which shard a device holds and where it starts.
#include "ir/Sharding.h"

#include <algorithm>
#include <set>

namespace partita {

int64_t Mesh::numDevices() const {
  int64_t n = 1;
  for (const auto &a : axes) n *= a.size;
  return n;
}

int Mesh::axisIndex(const std::string &axis) const {
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i].name == axis) return (int)i;
  return -1;
}

int64_t Mesh::axisSize(const std::string &axis) const {
  int i = axisIndex(axis);
  return i < 0 ? 1 : axes[i].size;
}

std::vector<int64_t> Mesh::coords(int64_t device) const {
  std::vector<int64_t> c(axes.size());
  for (int i = (int)axes.size() - 1; i >= 0; --i) {
    c[i] = device % axes[i].size;
    device /= axes[i].size;
  }
  return c;
}

int64_t Mesh::deviceOf(const std::vector<int64_t> &c) const {
  int64_t d = 0;
  for (size_t i = 0; i < axes.size(); ++i) d = d * axes[i].size + c[i];
  return d;
}

int64_t Mesh::groupSize(const std::vector<std::string> &names) const {
  int64_t n = 1;
  for (const auto &a : names) n *= axisSize(a);
  return n;
}

int64_t Mesh::groupIndex(int64_t device, const std::vector<std::string> &names) const {
  auto c = coords(device);
  int64_t idx = 0;
  for (const auto &a : names) {
    int i = axisIndex(a);
    if (i < 0) continue;
    idx = idx * axes[i].size + c[i];
  }
  return idx;
}

std::string Mesh::str() const {
  std::string s = "mesh @" + name + " = <[";
  for (size_t i = 0; i < axes.size(); ++i) {
    if (i) s += ", ";
    s += "\"" + axes[i].name + "\"=" + std::to_string(axes[i].size);
  }
  return s + "]>";
}

Sharding Sharding::replicatedOf(const std::string &mesh, int rank) {
  Sharding s;
  s.mesh = mesh;
  s.dims.assign(rank, {});
  return s;
}

bool Sharding::isFullyReplicated() const {
  if (!unreduced.empty()) return false;
  for (const auto &d : dims)
    if (!d.empty()) return false;
  return true;
}

static std::string axesStr(const std::vector<std::string> &axes) {
  std::string s = "{";
  for (size_t i = 0; i < axes.size(); ++i) {
    if (i) s += ", ";
    s += "\"" + axes[i] + "\"";
  }
  return s + "}";
}

std::string Sharding::str() const {
  std::string s = "<@" + mesh + ", [";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += axesStr(dims[i]);
  }
  s += "]";
  if (!replicated.empty()) s += ", replicated=" + axesStr(replicated);
  if (!unreduced.empty()) s += ", unreduced=" + axesStr(unreduced);
  return s + ">";
}

std::string Sharding::validate(const TensorType &t, const Mesh &m) const {
  if (m.name != mesh) return "sharding refers to mesh @" + mesh + ", not @" + m.name;
  if ((int)dims.size() != t.rank())
    return "sharding has " + std::to_string(dims.size()) + " dimension(s) but the value " + t.str() +
           " has rank " + std::to_string(t.rank());
  std::set<std::string> seen;
  auto check = [&](const std::string &a, const char *where) -> std::string {
    if (m.axisIndex(a) < 0) return "unknown axis \"" + a + "\" in " + where + " (mesh @" + mesh + " has no such axis)";
    if (!seen.insert(a).second) return "axis \"" + a + "\" is used more than once in the sharding";
    return "";
  };
  for (const auto &d : dims)
    for (const auto &a : d)
      if (auto e = check(a, "a dimension sharding"); !e.empty()) return e;
  for (const auto &a : replicated)
    if (auto e = check(a, "replicated"); !e.empty()) return e;
  for (const auto &a : unreduced)
    if (auto e = check(a, "unreduced"); !e.empty()) return e;
  return "";
}

int64_t Sharding::numShards(int dim, const Mesh &m) const { return m.groupSize(dims[dim]); }

int64_t Sharding::shardSize(int dim, const TensorType &global, const Mesh &m) const {
  int64_t n = numShards(dim, m);
  return (global.shape[dim] + n - 1) / n;
}

TensorType Sharding::localType(const TensorType &global, const Mesh &m) const {
  TensorType t = global;
  for (int d = 0; d < global.rank() && d < rank(); ++d) t.shape[d] = shardSize(d, global, m);
  return t;
}

int64_t Sharding::shardIndex(int dim, int64_t device, const Mesh &m) const {
  return m.groupIndex(device, dims[dim]);
}

std::vector<int64_t> Sharding::offsets(int64_t device, const TensorType &global, const Mesh &m) const {
  std::vector<int64_t> off(global.rank(), 0);
  for (int d = 0; d < global.rank() && d < rank(); ++d)
    off[d] = shardIndex(d, device, m) * shardSize(d, global, m);
  return off;
}

int64_t Sharding::validSize(int dim, int64_t device, const TensorType &global, const Mesh &m) const {
  int64_t size = shardSize(dim, global, m);
  int64_t start = shardIndex(dim, device, m) * size;
  return std::clamp<int64_t>(global.shape[dim] - start, 0, size);
}

std::vector<std::string> Sharding::shardedAxes() const {
  std::vector<std::string> out;
  for (const auto &d : dims) out.insert(out.end(), d.begin(), d.end());
  return out;
}

} // namespace partita
