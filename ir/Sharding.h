// Device meshes and Shardy-style tensor shardings (spec section 2), as a value class
// with parse-free construction, printing, validation and per-device shard geometry.
#pragma once

#include "ir/Types.h"

#include <string>
#include <vector>

namespace partita {

struct MeshAxis {
  std::string name;
  int64_t size = 1;
};

struct Mesh {
  std::string name; // without '@'
  std::vector<MeshAxis> axes;
  Loc loc;

  int64_t numDevices() const;
  int axisIndex(const std::string &axis) const; // -1 when absent
  int64_t axisSize(const std::string &axis) const;
  // Row-major coordinates of a device over the axes in declaration order.
  std::vector<int64_t> coords(int64_t device) const;
  int64_t deviceOf(const std::vector<int64_t> &coords) const;
  // Product of the sizes of the named axes.
  int64_t groupSize(const std::vector<std::string> &axes) const;
  // Index of `device` inside the group spanned by `axes` (major first).
  int64_t groupIndex(int64_t device, const std::vector<std::string> &axes) const;
  std::string str() const; // mesh @m = <["a"=2, "b"=2]>
};

struct Sharding {
  std::string mesh;                           // mesh symbol, without '@'
  std::vector<std::vector<std::string>> dims; // per tensor dim: axes, major first
  std::vector<std::string> replicated;        // explicitly replicated axes (informational)
  std::vector<std::string> unreduced;         // pending sum over these axes
  Loc loc;

  static Sharding replicatedOf(const std::string &mesh, int rank);
  int rank() const { return (int)dims.size(); }
  bool isFullyReplicated() const; // no dim split and nothing unreduced
  // Equality ignores the location.
  bool operator==(const Sharding &o) const {
    return mesh == o.mesh && dims == o.dims && replicated == o.replicated && unreduced == o.unreduced;
  }
  bool operator!=(const Sharding &o) const { return !(*this == o); }
  std::string str() const; // <@mesh, [{"a"}, {}]>

  // Checks the sharding against a value of type `t` on mesh `m`: rank, known axes,
  // each axis used at most once. Returns an empty string when valid, else the reason.
  std::string validate(const TensorType &t, const Mesh &m) const;

  int64_t numShards(int dim, const Mesh &m) const;
  // ceil(dim / shards): the local extent of dimension `dim`.
  int64_t shardSize(int dim, const TensorType &global, const Mesh &m) const;
  TensorType localType(const TensorType &global, const Mesh &m) const;
  // Shard index of `device` along dimension `dim` and the global offset of its shard.
  int64_t shardIndex(int dim, int64_t device, const Mesh &m) const;
  std::vector<int64_t> offsets(int64_t device, const TensorType &global, const Mesh &m) const;
  // Number of valid (non-padding) elements of `device`'s shard along `dim`.
  int64_t validSize(int dim, int64_t device, const TensorType &global, const Mesh &m) const;
  // Axes that split some dimension.
  std::vector<std::string> shardedAxes() const;
};

} // namespace partita
