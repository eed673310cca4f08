// One record per op: what the rest of the compiler knows about an opcode without executing
// it. The declarative part (text, arity, flags, attributes) comes from ir/Ops.def; type
// inference, the verifier rule and the sharding rule from the op's family file in ir/ops/.
// Executors (ir/Interpreter.cpp, runtime/Codegen*.cpp) are the only other places that name
// individual ops. docs/ir.md, "Adding an op", walks through it.
#pragma once

#include "ir/IR.h"
#include "ir/ShardingRule.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace partita {

// Category bits of an op record.
namespace opflag {
constexpr unsigned UnaryBit = 1u << 0;      // one operand, one output element per element
constexpr unsigned BinaryBit = 1u << 1;     // two same-typed operands, elementwise
constexpr unsigned Elementwise = 1u << 2;   // unary, binary and select
constexpr unsigned CollectiveBit = 1u << 3; // communicates between the devices of a group
constexpr unsigned Major = 1u << 4;         // kept by ir/Dot's compact graphs: data is
                                            // contracted, reduced, gathered or moved
constexpr unsigned PerDevice = 1u << 5;     // only in partitioned programs; no sharding rule
constexpr unsigned NeedsMesh = 1u << 6;     // refers to mesh axes (collectives, axis_index)
constexpr unsigned Unary = UnaryBit | Elementwise;
constexpr unsigned Binary = BinaryBit | Elementwise;
constexpr unsigned Collective = CollectiveBit | Major | PerDevice | NeedsMesh;
} // namespace opflag

// What an attribute holds; ir/OpAttrs.h maps each kind to its accessor's C++ type.
enum class AttrKind {
  Int,       // int64_t
  Bool,      // true/false
  String,    // a string
  Ints,      // a list of integers
  Strings,   // a list of strings
  Number,    // one number (pad's value)
  Value,     // a number or nested list of numbers (constant's value)
  Reduction, // "sum" | "max" | "min"            → Reduction (ir/Reduction.h)
  Direction, // "eq" | "ne" | "lt" | ... | "ge"  → CompareDirection
  Spec,      // an einsum spec                    → const EinsumSpec &
};

struct AttrSpec {
  const char *name;
  AttrKind kind;
  bool required;
};

class OpContext;

// Result type from operands and attributes; nullopt when it also needs the declared type
// (reshape, broadcast_in_dim, constant, iota, convert, one_hot) or a mesh. Reports invalid
// operands or attributes through OpContext::fail.
using InferTypeFn = std::optional<TensorType> (*)(const OpContext &);
// The op-specific checks that need the declared result type; returns the type the op must
// have (compared with the declared one) or nullopt when it only had to be checked.
using VerifyFn = std::optional<TensorType> (*)(const OpContext &, const TensorType &declared);
// The factor mapping of a verified op.
using ShardingRuleFn = OpRule (*)(const Op &);
struct VjpContext; // ir/Vjp.h
// Reverse-mode derivative rule (ir/Vjp.h): one cotangent per operand (nullptr where none is
// wanted or the operand is not differentiable) from the cotangent of the result.
using VjpFn = std::vector<Value *> (*)(VjpContext &);

struct OpInfo {
  Opcode code;
  const char *name; // the text form
  int arity;        // -1: variadic (at least the operands its inference requires)
  unsigned flags;   // opflag bits
  std::vector<AttrSpec> attrs;
  InferTypeFn inferType = nullptr;
  VerifyFn verify = nullptr;             // null: inference says it all
  ShardingRuleFn shardingRule = nullptr; // null: per-device op, cannot be partitioned
  VjpFn vjp = nullptr;                   // null: no derivative (autodiff reports the op)
  // Names the C++ frontend's API spells differently (frontends/cxx/include/partita).
  std::vector<const char *> frontendAliases = {};

  bool is(unsigned flag) const { return (flags & flag) == flag; }
  const AttrSpec *attr(std::string_view name) const;
  // Accepted attribute names, sorted.
  std::vector<std::string> attrNames() const;
};

const OpInfo &opInfo(Opcode code);
// A collective carrying `async = true`: its result is pending until an `await` reads it.
bool isAsyncCollective(const Op &op);
// By text name ("broadcast_in_dim"); null when no op has it.
const OpInfo *opInfoByName(std::string_view name);
// By text name or frontend alias ("maximum" → max); null when none matches.
const OpInfo *opInfoByFrontendName(std::string_view name);
// Every record, in opcode order.
const std::vector<OpInfo> &allOpInfos();

// The part of a record each family file (ir/ops/*.cpp) provides.
struct OpImpl {
  Opcode code;
  InferTypeFn inferType;
  VerifyFn verify;
  ShardingRuleFn shardingRule;
  VjpFn vjp = nullptr;
  std::vector<const char *> frontendAliases = {};
};
namespace ops {
std::vector<OpImpl> elementwiseOps();
std::vector<OpImpl> shapeOps();
std::vector<OpImpl> contractionOps();
std::vector<OpImpl> reductionOps();
std::vector<OpImpl> gatherOps();
std::vector<OpImpl> collectiveOps();
} // namespace ops

} // namespace partita
