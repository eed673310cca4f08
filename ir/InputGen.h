// The seeded counter-based input generator of spec section 5: any element is a pure
// function of (seed, argument name, global element index), so every device can make just
// its own shard and sharded and unsharded runs see identical inputs.
#pragma once

#include "ir/IR.h"
#include "ir/Sharding.h"
#include "ir/Tensor.h"

#include <string>

namespace partita {

// f32/bf16: uniform in [-1, 1) (bf16 rounded); i32: uniform in [0, bound); i1: fair coin.
double generateElement(uint64_t seed, const std::string &arg, int64_t index, DType dtype,
                       int64_t bound = 16);
Tensor generateTensor(uint64_t seed, const std::string &arg, const TensorType &type,
                      int64_t bound = 16);
// The `bound` attribute of argument `i` of `f` (spec section 5), 16 when it has none.
int64_t argBound(const Func &f, size_t i);
// Every argument of `f`, whole, as partita-run generates them.
std::vector<Tensor> generateArgs(uint64_t seed, const Func &f);
// Device `device`'s shard of the global tensor (padding cells are zero).
Tensor generateShard(uint64_t seed, const std::string &arg, const TensorType &global,
                     const Sharding &s, const Mesh &m, int64_t device, int64_t bound = 16);

} // namespace partita
