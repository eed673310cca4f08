// Type inference, its own piece (as XLA's ShapeInference beside HloVerifier): the result
// type of an op from its operands and attributes, driven by each op's record. The verifier
// and the builder both call it; the verifier adds the declared type and the mesh.
#pragma once

#include "ir/IR.h"

#include <optional>
#include <string>
#include <vector>

namespace partita {

// The largest product of a type's extents, zero extents counted as 1 (2^48: 1 PiB of f32).
// Every product of a subset of extents, times any element size or small factor the passes
// and executors apply (strides, byte counts, ceil-division), then fits in int64.
constexpr int64_t kMaxTypeElements = int64_t(1) << 48;

// Why a type cannot describe a tensor (negative extents, extents over 2^31-1 which i32
// indices (iota, take, dynamic_slice, the partitioner's offsets) cannot address, more than
// kMaxTypeElements), or "".
std::string typeProblem(const TensorType &t);

struct InferredType {
  std::optional<TensorType> type; // set when the result type follows from operands/attrs
  std::string error;              // non-empty when the operands or attributes are invalid
};

// Result type of `code` applied to operands of the given types with `attrs`. For ops whose
// result type is not determined by operands and attributes (reshape, broadcast_in_dim,
// constant, iota, convert, ...), `type` is empty and no error is set.
InferredType inferResultType(Opcode code, const std::vector<TensorType> &operands,
                             const AttrDict &attrs);

// One op's record-driven check: attribute names, arity, inference and, given the declared
// type, the record's verify rule. `mesh` is where collectives run (null: unknown).
struct OpCheck {
  std::optional<TensorType> type; // the type the op must have, when known
  std::string error;
  std::string attr; // the attribute the error is about (empty: the op itself)
};
OpCheck checkOp(Opcode code, const std::vector<TensorType> &operands, const AttrDict &attrs,
                const TensorType *declared, const Mesh *mesh);

} // namespace partita
