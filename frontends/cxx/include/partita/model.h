// The Partita C++ model API: write a model as ordinary C++ over `Tensor`s and let
// `partita-import-cxx` read the entry function's AST (without running it) and emit the
// equivalent Partita IR. Every function here mirrors one IR op (docs/cxx-frontend.md);
// the bodies only exist so that models also compile with a normal compiler, which gives
// users C++ type checking. Shapes are checked by the importer, not by these bodies.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

// Marks the model's entry function; GCC would warn about Clang's attribute, so it only
// expands under Clang (the importer is Clang).
#ifdef __clang__
#define PARTITA_ENTRY [[clang::annotate("partita.entry")]]
#else
#define PARTITA_ENTRY
#endif

// Argument attributes, written before an entry parameter:
//   PARTITA_BOUND(n): the i32 argument's `bound = n`, the exclusive upper bound of the inputs
//   partita-run generates for it (token ids: PARTITA_BOUND(kVocab) Tensor<i32, B, S> ids).
#ifdef __clang__
#define PARTITA_BOUND(n) [[clang::annotate("partita.bound", n)]]
#else
#define PARTITA_BOUND(n)
#endif

namespace partita::model {

// Element types; `any` marks the dynamic tensor handle that ops return.
enum DType : int { any = -1, f32 = 0, bf16 = 1, i32 = 2, i1 = 3 };

template <DType D = any, int64_t... Dims> struct Tensor;

// The value every op returns: its dtype and shape are known to the importer.
template <> struct Tensor<any> {
  DType dtype = any;
  std::vector<int64_t> shape;
  Tensor() = default;
  Tensor(DType d, std::vector<int64_t> s) : dtype(d), shape(std::move(s)) {}
};

// A tensor with a static dtype and shape, e.g. `Tensor<f32, 8, 16>`: the type of the
// entry function's parameters, from which the importer reads the argument types.
template <DType D, int64_t... Dims> struct Tensor : Tensor<> {
  Tensor() : Tensor<>(D, {Dims...}) {}
};

using Shape = std::vector<int64_t>;
// The return type of an entry function with several results: `return {loss, aux};`.
using Results = std::vector<Tensor<>>;

// A device mesh, declared at namespace scope; the variable's name is the IR mesh name:
//   const Mesh mesh{{"data", 2}, {"model", 2}};
struct Axis {
  const char *name;
  int64_t size;
};
struct Mesh {
  std::vector<Axis> axes;
  Mesh(std::initializer_list<Axis> a) : axes(a) {}
};

// Per tensor dimension, the mesh axes that split it (major first): {{"data"}, {}}.
using DimAxes = std::vector<std::vector<std::string>>;

// ---- Elementwise ----
inline Tensor<> neg(const Tensor<> &x) { return x; }
inline Tensor<> abs(const Tensor<> &x) { return x; }
inline Tensor<> exp(const Tensor<> &x) { return x; }
inline Tensor<> log(const Tensor<> &x) { return x; }
inline Tensor<> sqrt(const Tensor<> &x) { return x; }
inline Tensor<> rsqrt(const Tensor<> &x) { return x; }
inline Tensor<> tanh(const Tensor<> &x) { return x; }
inline Tensor<> logistic(const Tensor<> &x) { return x; }
inline Tensor<> erf(const Tensor<> &x) { return x; }
inline Tensor<> gelu(const Tensor<> &x) { return x; }
inline Tensor<> logical_not(const Tensor<> &x) { return x; }

inline Tensor<> add(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> sub(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> mul(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> div(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> maximum(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> minimum(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> pow(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> logical_and(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> logical_or(const Tensor<> &x, const Tensor<> &y) { return x; }
// The arithmetic ones also take a number on either side, splatted to the tensor's type
// (maximum(d, 0) is a ReLU of d).
#define PARTITA_NUMBER_OVERLOADS(fn)                                                               \
  inline Tensor<> fn(const Tensor<> &x, double y) { return x; }                                    \
  inline Tensor<> fn(double x, const Tensor<> &y) { return y; }
PARTITA_NUMBER_OVERLOADS(add)
PARTITA_NUMBER_OVERLOADS(sub)
PARTITA_NUMBER_OVERLOADS(mul)
PARTITA_NUMBER_OVERLOADS(div)
PARTITA_NUMBER_OVERLOADS(maximum)
PARTITA_NUMBER_OVERLOADS(minimum)
PARTITA_NUMBER_OVERLOADS(pow)
#undef PARTITA_NUMBER_OVERLOADS
// direction: "eq" "ne" "lt" "le" "gt" "ge"; the result is i1.
inline Tensor<> compare(const Tensor<> &x, const Tensor<> &y, const char *direction) {
  return Tensor<>(i1, x.shape);
}
inline Tensor<> select(const Tensor<> &pred, const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> convert(const Tensor<> &x, DType to) { return Tensor<>(to, x.shape); }

// Operators: tensor with tensor of the same shape, or with a number (splatted to the
// tensor's type). Comparisons give i1 tensors.
inline Tensor<> operator+(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> operator-(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> operator*(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> operator/(const Tensor<> &x, const Tensor<> &y) { return x; }
inline Tensor<> operator+(const Tensor<> &x, double y) { return x; }
inline Tensor<> operator-(const Tensor<> &x, double y) { return x; }
inline Tensor<> operator*(const Tensor<> &x, double y) { return x; }
inline Tensor<> operator/(const Tensor<> &x, double y) { return x; }
inline Tensor<> operator+(double x, const Tensor<> &y) { return y; }
inline Tensor<> operator-(double x, const Tensor<> &y) { return y; }
inline Tensor<> operator*(double x, const Tensor<> &y) { return y; }
inline Tensor<> operator/(double x, const Tensor<> &y) { return y; }
inline Tensor<> operator-(const Tensor<> &x) { return x; }
inline Tensor<> operator<(const Tensor<> &x, const Tensor<> &y) { return Tensor<>(i1, x.shape); }
inline Tensor<> operator<=(const Tensor<> &x, const Tensor<> &y) { return Tensor<>(i1, x.shape); }
inline Tensor<> operator>(const Tensor<> &x, const Tensor<> &y) { return Tensor<>(i1, x.shape); }
inline Tensor<> operator>=(const Tensor<> &x, const Tensor<> &y) { return Tensor<>(i1, x.shape); }

// ---- Creation, shape and data movement ----
// A tensor of `dtype` and `shape` whose elements all equal `value`.
inline Tensor<> constant(double value, DType dtype, const Shape &shape) {
  return Tensor<>(dtype, shape);
}
inline Tensor<> iota(DType dtype, const Shape &shape, int64_t dim) {
  return Tensor<>(dtype, shape);
}
// Operand dim i goes to result dim dims[i].
inline Tensor<> broadcast_in_dim(const Tensor<> &x, const Shape &shape, const Shape &dims) {
  return Tensor<>(x.dtype, shape);
}
inline Tensor<> reshape(const Tensor<> &x, const Shape &shape) { return Tensor<>(x.dtype, shape); }
inline Tensor<> transpose(const Tensor<> &x, const Shape &perm) { return x; }
inline Tensor<> slice(const Tensor<> &x, const Shape &start, const Shape &limit,
                      const Shape &stride = {}) {
  return x;
}
inline Tensor<> concatenate(const std::vector<Tensor<>> &xs, int64_t dim) { return xs.at(0); }
inline Tensor<> pad(const Tensor<> &x, const Shape &low, const Shape &high, double value = 0) {
  return x;
}
inline Tensor<> einsum(const char *spec, const Tensor<> &a, const Tensor<> &b) { return a; }
inline Tensor<> reduce_sum(const Tensor<> &x, const Shape &dims) { return x; }
inline Tensor<> reduce_max(const Tensor<> &x, const Shape &dims) { return x; }
inline Tensor<> reduce_min(const Tensor<> &x, const Shape &dims) { return x; }
inline Tensor<> cumsum(const Tensor<> &x, int64_t dim, bool exclusive = false,
                       bool reverse = false) {
  return x;
}
inline Tensor<> argmax(const Tensor<> &x, int64_t dim) { return Tensor<>(i32, x.shape); }
// axis: position of the new dimension of size `depth`; -1 appends it.
inline Tensor<> one_hot(const Tensor<> &ids, int64_t depth, DType dtype = f32, int64_t axis = -1) {
  return Tensor<>(dtype, ids.shape);
}
inline Tensor<> take(const Tensor<> &table, const Tensor<> &ids, int64_t axis = 0) { return table; }
inline Tensor<> scatter_add(const Tensor<> &base, const Tensor<> &ids, const Tensor<> &updates,
                            int64_t axis = 0) {
  return base;
}

// Softmax along `axis`, expanded by the importer into reduce_max, exp, reduce_sum and
// broadcasts.
inline Tensor<> softmax(const Tensor<> &x, int64_t axis) { return x; }

// ---- Sharding ----
// A sharding constraint: `dims[i]` lists the mesh axes that split dimension i.
inline Tensor<> shard(const Tensor<> &x, const Mesh &mesh, const DimAxes &dims) { return x; }

// ---- Static shape queries (compile-time integers for the importer) ----
inline int64_t rank(const Tensor<> &x) { return (int64_t)x.shape.size(); }
inline int64_t dim(const Tensor<> &x, int64_t i) { return x.shape.at(i); }
inline Shape shape(const Tensor<> &x) { return x.shape; }

} // namespace partita::model
