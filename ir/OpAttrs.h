// Typed attribute views generated from ir/Ops.def: `SliceOp(op).start()`,
// `EinsumOp(op).spec()` (parsed once per spec text), `AllReduceOp(op).reduction()` (an
// enum), so no use site looks attributes up by string. Views read verified ops: a missing
// required attribute reads as its kind's zero value.
#pragma once

#include "ir/Einsum.h"
#include "ir/IR.h"
#include "ir/OpInfo.h"
#include "ir/Reduction.h"

#include <optional>
#include <string>
#include <vector>

namespace partita {

enum class CompareDirection { Eq, Ne, Lt, Le, Gt, Ge };

std::optional<CompareDirection> parseCompareDirection(const std::string &s);

namespace attrs {
enum Presence { Required, Optional };

// Maps (kind, presence) to the accessor's type and reads it.
template <AttrKind K, Presence P> struct Traits;
template <> struct Traits<AttrKind::Int, Required> {
  using type = int64_t;
  static type get(const Op &op, const char *n) { return op.getInt(n); }
};
template <> struct Traits<AttrKind::Int, Optional> {
  using type = std::optional<int64_t>;
  static type get(const Op &op, const char *n) {
    const Attr *a = op.attr(n);
    return a && a->kind == Attr::Kind::Int ? type(a->i) : std::nullopt;
  }
};
template <> struct Traits<AttrKind::Bool, Optional> {
  using type = bool;
  static type get(const Op &op, const char *n) { return op.getBool(n); }
};
template <> struct Traits<AttrKind::String, Required> {
  using type = std::string;
  static type get(const Op &op, const char *n) { return op.getString(n); }
};
template <Presence P> struct Traits<AttrKind::Ints, P> {
  using type = std::vector<int64_t>; // empty when an optional list is absent
  static type get(const Op &op, const char *n) { return op.getInts(n); }
};
template <> struct Traits<AttrKind::Strings, Required> {
  using type = std::vector<std::string>;
  static type get(const Op &op, const char *n) { return op.getStrings(n); }
};
template <> struct Traits<AttrKind::Number, Required> {
  using type = double;
  static type get(const Op &op, const char *n) {
    const Attr *a = op.attr(n);
    return a && a->isNumber() ? a->asDouble() : 0.0;
  }
};
template <> struct Traits<AttrKind::Value, Required> {
  using type = const Attr &;
  static type get(const Op &op, const char *n);
};
template <> struct Traits<AttrKind::Reduction, Required> {
  using type = Reduction;
  static type get(const Op &op, const char *n) {
    return parseReduction(op.getString(n)).value_or(Reduction::Sum);
  }
};
template <> struct Traits<AttrKind::Direction, Required> {
  using type = CompareDirection;
  static type get(const Op &op, const char *n) {
    return parseCompareDirection(op.getString(n)).value_or(CompareDirection::Eq);
  }
};
template <> struct Traits<AttrKind::Spec, Required> {
  using type = const EinsumSpec &;
  static type get(const Op &op, const char *n) { return EinsumSpec::cached(op.getString(n)); }
};
} // namespace attrs

#define ATTR(accessor, name, kind, presence)                                                       \
  attrs::Traits<AttrKind::kind, attrs::presence>::type accessor() const {                          \
    return attrs::Traits<AttrKind::kind, attrs::presence>::get(op, name);                          \
  }
#define OP(Name, text, arity, flags, attributes)                                                   \
  struct Name##Op {                                                                                \
    const Op &op;                                                                                  \
    explicit Name##Op(const Op &o) : op(o) {}                                                      \
    attributes                                                                                     \
  };
#include "ir/Ops.def"
#undef OP
#undef ATTR

// The mesh axes a collective (any op with the Collective flag) communicates over.
std::vector<std::string> collectiveAxes(const Op &op);

// The dimensions a reduce_sum, reduce_max or reduce_min reduces (empty for other ops).
std::vector<int64_t> reducedDims(const Op &op);

// Floating-point operations of an einsum: 2 per multiply-add, twice the product of every
// letter's extent (saturating at INT64_MAX). Defined in ir/Einsum.cpp.
int64_t einsumFlops(const Op &op);

} // namespace partita
