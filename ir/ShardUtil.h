// Moving between global tensors and per-device shards (with ceil-sized, zero-padded
// uneven shards), for loaders, the simulated executor and tests.
#pragma once

#include "ir/Sharding.h"
#include "ir/Tensor.h"

#include <vector>

namespace partita {

// With unreduced axes a value is the sum of its group's tensors: the first member of each
// group along the unreduced axes holds the value, the others hold zeros. True when
// `device` holds the value (always, without unreduced axes).
bool holdsUnreducedValue(const Sharding &s, const Mesh &m, int64_t device);
// Device `device`'s local tensor: the box at its offsets, padded with zeros to the local
// (ceil) shape; zeros altogether when holdsUnreducedValue is false.
Tensor extractShard(const Tensor &global, const Sharding &s, const Mesh &m, int64_t device);
// Reassembles the global tensor from every device's local tensor: takes each shard's valid
// part; unreduced axes are summed over their group.
Tensor assembleGlobal(const std::vector<Tensor> &locals, const Sharding &s, const Mesh &m,
                      const TensorType &global);

} // namespace partita
