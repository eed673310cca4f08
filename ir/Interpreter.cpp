// The reference interpreter: one plain loop over multi-indices per op, computing in double
// (integers modulo 2^64) and rounding every result to its dtype. Correctness over speed: this
// is the oracle. Choices the spec leaves open, documented in docs/execution.md:
//   i32 division by zero gives 0; i32 pow with a negative exponent gives 0 unless the base
//   is 1 or -1; argmax treats NaN as the maximum (the first NaN wins); max/min propagate
//   NaN; empty reductions give 0, -inf and +inf (INT_MIN/INT_MAX for i32); negative ids in
//   take, scatter_add and one_hot are out of range.
#include "ir/Interpreter.h"

#include "ir/CollectivePlan.h"
#include "ir/Einsum.h"
#include "ir/OpAttrs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace partita {

namespace {

[[noreturn]] void error(const std::string &msg) { throw std::runtime_error(msg); }

int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = (int)s.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

int64_t dot(const std::vector<int64_t> &idx, const std::vector<int64_t> &strides) {
  int64_t o = 0;
  for (size_t i = 0; i < idx.size(); ++i)
    o += idx[i] * strides[i];
  return o;
}

// Calls fn(index, linear) for every multi-index of `shape` in row-major order.
template <class F> void forEachIndex(const std::vector<int64_t> &shape, F fn) {
  int64_t n = product(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    fn(idx, k);
    for (int i = (int)shape.size() - 1; i >= 0 && ++idx[i] == shape[i]; --i)
      idx[i] = 0;
  }
}

double nan() { return std::numeric_limits<double>::quiet_NaN(); }
double inf() { return std::numeric_limits<double>::infinity(); }

// Sums in double for floats and modulo 2^64 for integers, so that i32 sums and products
// wrap exactly as 32-bit arithmetic does once the result is taken modulo 2^32.
struct Sum {
  bool integer = false;
  double f = 0;
  uint64_t u = 0;

  explicit Sum(DType t, double init = 0) : integer(!isFloat(t)) { add(init); }
  void add(double v) {
    if (integer)
      u += (uint64_t)(int64_t)v;
    else
      f += v;
  }
  void addProduct(double a, double b) {
    if (integer)
      u += (uint64_t)(int64_t)a * (uint64_t)(int64_t)b;
    else
      f += a * b;
  }
  double value() const { return integer ? (double)(int32_t)(uint32_t)u : f; }
};

double maxOf(double a, double b) { return std::isnan(a) || std::isnan(b) ? nan() : a > b ? a : b; }
double minOf(double a, double b) { return std::isnan(a) || std::isnan(b) ? nan() : a < b ? a : b; }

// i32 power by squaring, wrapping like repeated 32-bit multiplication.
double intPow(double base, double expo) {
  auto b = (int64_t)base, e = (int64_t)expo;
  if (e < 0) return b == 1 ? 1 : b == -1 ? (e % 2 ? -1 : 1) : 0;
  uint64_t r = 1, x = (uint64_t)b;
  for (; e > 0; e >>= 1, x *= x)
    if (e & 1) r *= x;
  return (double)(int32_t)(uint32_t)r;
}

double unary(Opcode c, DType from, DType to, double x) {
  switch (c) {
  case Opcode::Neg:
    return -x;
  case Opcode::Abs:
    return std::fabs(x);
  case Opcode::Exp:
    return std::exp(x);
  case Opcode::Log:
    return std::log(x);
  case Opcode::Sqrt:
    return std::sqrt(x);
  case Opcode::Rsqrt:
    return 1.0 / std::sqrt(x);
  case Opcode::Tanh:
    return std::tanh(x);
  case Opcode::Logistic:
    return 1.0 / (1.0 + std::exp(-x));
  case Opcode::Erf:
    return std::erf(x);
  case Opcode::Gelu:
    return 0.5 * x * (1.0 + std::tanh(0.7978845608 * (x + 0.044715 * x * x * x)));
  case Opcode::Not:
    return x != 0 ? 0 : 1;
  case Opcode::Convert:
    // Float to i32 truncates and saturates (NaN gives 0) rather than wrapping.
    if (to == DType::I32 && isFloat(from)) {
      if (std::isnan(x)) return 0;
      return std::clamp(std::trunc(x), (double)std::numeric_limits<int32_t>::min(),
                        (double)std::numeric_limits<int32_t>::max());
    }
    return x; // rounding to `to` does the rest (nonzero → 1 for i1)
  default:
    error(std::string("internal error: '") + opcodeName(c) + "' is not unary");
  }
}

using Cmp = CompareDirection;

double binary(Opcode c, DType t, Cmp dir, double a, double b) {
  bool integer = !isFloat(t);
  switch (c) {
  case Opcode::Add:
    return a + b; // exact for i32 operands; rounding wraps
  case Opcode::Sub:
    return a - b;
  case Opcode::Mul:
    if (integer) return (double)(int32_t)(uint32_t)((uint64_t)(int64_t)a * (uint64_t)(int64_t)b);
    return a * b;
  case Opcode::Div:
    if (integer) return b == 0 ? 0 : (double)((int64_t)a / (int64_t)b); // truncates toward zero
    return a / b;
  case Opcode::Max:
    return maxOf(a, b);
  case Opcode::Min:
    return minOf(a, b);
  case Opcode::Pow:
    return integer ? intPow(a, b) : std::pow(a, b);
  case Opcode::And:
    return a != 0 && b != 0;
  case Opcode::Or:
    return a != 0 || b != 0;
  case Opcode::Compare:
    switch (dir) {
    case Cmp::Eq:
      return a == b;
    case Cmp::Ne:
      return a != b;
    case Cmp::Lt:
      return a < b;
    case Cmp::Le:
      return a <= b;
    case Cmp::Gt:
      return a > b;
    case Cmp::Ge:
      return a >= b;
    }
    return 0;
  default:
    error(std::string("internal error: '") + opcodeName(c) + "' is not binary");
  }
}

// Writes a `value` attribute (a number splats over the rest of the shape; a list gives one
// entry per index of dimension `depth`) into out[offset, offset + product(shape[depth:])).
void fillConstant(const Attr &a, const std::vector<int64_t> &shape, size_t depth, int64_t offset,
                  std::vector<double> &out) {
  int64_t block = 1;
  for (size_t i = depth; i < shape.size(); ++i)
    block *= shape[i];
  if (a.kind == Attr::Kind::List) {
    if (depth >= shape.size() || (int64_t)a.list.size() != shape[depth])
      error("constant: the nested list of 'value' does not match the result shape");
    int64_t sub = 1;
    for (size_t i = depth + 1; i < shape.size(); ++i)
      sub *= shape[i];
    for (size_t i = 0; i < a.list.size(); ++i)
      fillConstant(a.list[i], shape, depth + 1, offset + (int64_t)i * sub, out);
    return;
  }
  double v;
  if (a.kind == Attr::Kind::Bool)
    v = a.b;
  else if (a.isNumber())
    v = a.asDouble();
  else
    error("constant: 'value' must hold numbers");
  std::fill(out.begin() + offset, out.begin() + offset + block, v);
}

Tensor einsum(const Op &op, const Tensor &a, const Tensor &b) {
  const EinsumSpec *spec = &EinsumOp(op).spec();
  if (spec->inputs.size() != 2) error("einsum: needs two operands and a valid spec");
  // Loop letters: the output's, then the summed ones.
  std::string letters = spec->output + spec->contracted();
  std::vector<int64_t> size(letters.size(), 0);
  const Tensor *in[2] = {&a, &b};
  std::vector<int64_t> stride[2];
  for (int k = 0; k < 2; ++k) {
    auto st = in[k]->strides();
    stride[k].assign(letters.size(), 0);
    for (size_t j = 0; j < spec->inputs[k].size(); ++j) {
      size_t l = letters.find(spec->inputs[k][j]);
      size[l] = in[k]->type.shape[j];
      stride[k][l] = st[j];
    }
  }
  size_t nOut = spec->output.size();
  std::vector<int64_t> outShape(size.begin(), size.begin() + nOut),
      sumShape(size.begin() + nOut, size.end());
  Tensor r(op.type());
  std::vector<int64_t> full(letters.size());
  forEachIndex(outShape, [&](const std::vector<int64_t> &o, int64_t k) {
    std::copy(o.begin(), o.end(), full.begin());
    Sum acc(r.type.dtype);
    forEachIndex(sumShape, [&](const std::vector<int64_t> &s, int64_t) {
      std::copy(s.begin(), s.end(), full.begin() + nOut);
      acc.addProduct(a.data[dot(full, stride[0])], b.data[dot(full, stride[1])]);
    });
    r.data[k] = acc.value();
  });
  return r;
}

Tensor reduce(const Op &op, const Tensor &x) {
  std::vector<bool> drop(x.type.rank(), false);
  auto dims = op.opcode == Opcode::ReduceSum   ? ReduceSumOp(op).dims()
              : op.opcode == Opcode::ReduceMax ? ReduceMaxOp(op).dims()
                                               : ReduceMinOp(op).dims();
  for (int64_t d : dims)
    drop.at(d) = true;
  Tensor r(op.type());
  // Stride of each operand dimension in the result (0 for reduced dimensions).
  auto rs = r.strides();
  std::vector<int64_t> st(x.type.rank(), 0);
  for (int i = 0, j = 0; i < x.type.rank(); ++i)
    if (!drop[i]) st[i] = rs[j++];
  if (op.opcode == Opcode::ReduceSum) {
    std::vector<Sum> acc(r.size(), Sum(x.type.dtype));
    forEachIndex(x.type.shape,
                 [&](const std::vector<int64_t> &i, int64_t k) { acc[dot(i, st)].add(x.data[k]); });
    for (int64_t k = 0; k < r.size(); ++k)
      r.data[k] = acc[k].value();
  } else {
    bool isMax = op.opcode == Opcode::ReduceMax;
    std::fill(r.data.begin(), r.data.end(), isMax ? -inf() : inf());
    forEachIndex(x.type.shape, [&](const std::vector<int64_t> &i, int64_t k) {
      double &v = r.data[dot(i, st)];
      v = isMax ? maxOf(v, x.data[k]) : minOf(v, x.data[k]);
    });
  }
  return r;
}

// Calls fn(base) for each line along `dim`: `base` is the line's first linear offset.
template <class F> void forEachLine(const TensorType &t, int dim, F fn) {
  std::vector<int64_t> outer = t.shape;
  outer[dim] = 1;
  auto st = stridesOf(t.shape);
  forEachIndex(outer, [&](const std::vector<int64_t> &i, int64_t) { fn(dot(i, st)); });
}

Tensor cumsum(const Op &op, const Tensor &x) {
  CumsumOp cs(op);
  int dim = (int)cs.dim();
  bool exclusive = cs.exclusive(), reverse = cs.reverse();
  int64_t n = x.type.shape.at(dim), step = x.strides()[dim];
  Tensor r(op.type());
  forEachLine(x.type, dim, [&](int64_t base) {
    Sum acc(x.type.dtype);
    for (int64_t j = 0; j < n; ++j) {
      int64_t o = base + (reverse ? n - 1 - j : j) * step;
      if (exclusive) r.data[o] = acc.value();
      acc.add(x.data[o]);
      if (!exclusive) r.data[o] = acc.value();
    }
  });
  return r;
}

Tensor argmax(const Op &op, const Tensor &x) {
  int dim = (int)ArgmaxOp(op).dim();
  int64_t n = x.type.shape.at(dim), step = x.strides()[dim];
  std::vector<double> out;
  out.reserve(op.type().numElements());
  // Lines come in row-major order of the remaining dimensions: the result's order.
  forEachLine(x.type, dim, [&](int64_t base) {
    int64_t best = 0;
    for (int64_t j = 1; j < n; ++j) {
      double v = x.data[base + j * step], b = x.data[base + best * step];
      if (!std::isnan(b) && (std::isnan(v) || v > b)) best = j;
    }
    out.push_back((double)best);
  });
  return Tensor(op.type(), std::move(out));
}

Tensor oneHot(const Op &op, const Tensor &ids) {
  Tensor r(op.type());
  int axis = (int)OneHotOp(op).axis().value_or(ids.type.rank());
  auto st = ids.strides();
  std::vector<int64_t> idx;
  forEachIndex(r.type.shape, [&](const std::vector<int64_t> &i, int64_t k) {
    idx.assign(i.begin(), i.end());
    idx.erase(idx.begin() + axis);
    r.data[k] = ids.data[dot(idx, st)] == (double)i[axis];
  });
  return r;
}

// Result index → (table offset, or -1 when the id is out of range), shared by take and
// scatter_add. The result's dims are table[:axis] ++ ids ++ table[axis+1:].
struct Gather {
  int axis, idsRank;
  std::vector<int64_t> tableStrides, idsStrides;
  int64_t depth;
  Gather(const Tensor &table, const Tensor &ids, int axis)
      : axis(axis), idsRank(ids.type.rank()), tableStrides(table.strides()),
        idsStrides(ids.strides()), depth(table.type.shape.at(axis)) {}
  int64_t tableOffset(const std::vector<int64_t> &r, const Tensor &ids) const {
    int64_t io = 0;
    for (int j = 0; j < idsRank; ++j)
      io += r[axis + j] * idsStrides[j];
    double id = ids.data[io];
    if (!(id >= 0 && id < (double)depth)) return -1;
    int64_t o = (int64_t)id * tableStrides[axis];
    for (int j = 0; j < axis; ++j)
      o += r[j] * tableStrides[j];
    for (size_t j = axis + 1; j < tableStrides.size(); ++j)
      o += r[j - 1 + idsRank] * tableStrides[j];
    return o;
  }
};

Tensor take(const Op &op, const Tensor &table, const Tensor &ids) {
  Gather g(table, ids, (int)TakeOp(op).axis());
  Tensor r(op.type());
  forEachIndex(r.type.shape, [&](const std::vector<int64_t> &i, int64_t k) {
    int64_t o = g.tableOffset(i, ids);
    r.data[k] = o < 0 ? 0 : table.data[o];
  });
  return r;
}

Tensor scatterAdd(const Op &op, const Tensor &base, const Tensor &ids, const Tensor &updates) {
  Gather g(base, ids, (int)ScatterAddOp(op).axis());
  std::vector<Sum> acc;
  acc.reserve(base.size());
  for (double v : base.data)
    acc.emplace_back(base.type.dtype, v);
  forEachIndex(updates.type.shape, [&](const std::vector<int64_t> &i, int64_t k) {
    int64_t o = g.tableOffset(i, ids);
    if (o >= 0) acc[o].add(updates.data[k]);
  });
  Tensor r(op.type());
  for (int64_t k = 0; k < r.size(); ++k)
    r.data[k] = acc[k].value();
  return r;
}

// Offsets from scalar operands, clamped so that a box of `sizes` fits (as XLA does).
std::vector<int64_t> clampedOffsets(const std::vector<const Tensor *> &operands, size_t first,
                                    const std::vector<int64_t> &shape,
                                    const std::vector<int64_t> &sizes) {
  std::vector<int64_t> off(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    double v = operands.at(first + i)->data.at(0);
    off[i] = (int64_t)std::clamp(v, 0.0, (double)(shape[i] - sizes[i]));
  }
  return off;
}

Tensor evalLocal(const Op &op, const std::vector<const Tensor *> &in, const DeviceContext *ctx) {
  const TensorType &rt = op.type();
  Opcode c = op.opcode;
  if (isUnaryElementwise(c)) {
    const Tensor &x = *in[0];
    Tensor r(rt);
    for (int64_t k = 0; k < r.size(); ++k)
      r.data[k] = unary(c, x.type.dtype, rt.dtype, x.data[k]);
    return r;
  }
  if (isBinaryElementwise(c)) {
    const Tensor &a = *in[0], &b = *in[1];
    Cmp dir = c == Opcode::Compare ? CompareOp(op).direction() : Cmp::Eq;
    Tensor r(rt);
    for (int64_t k = 0; k < r.size(); ++k)
      r.data[k] = binary(c, a.type.dtype, dir, a.data[k], b.data[k]);
    return r;
  }
  switch (c) {
  case Opcode::Select: {
    Tensor r(rt);
    for (int64_t k = 0; k < r.size(); ++k)
      r.data[k] = in[0]->data[k] != 0 ? in[1]->data[k] : in[2]->data[k];
    return r;
  }
  case Opcode::Constant: {
    Tensor r(rt);
    fillConstant(ConstantOp(op).value(), rt.shape, 0, 0, r.data);
    return r;
  }
  case Opcode::Iota: {
    Tensor r(rt);
    int dim = (int)IotaOp(op).dim();
    forEachIndex(rt.shape,
                 [&](const std::vector<int64_t> &i, int64_t k) { r.data[k] = (double)i.at(dim); });
    return r;
  }
  case Opcode::BroadcastInDim: {
    const Tensor &x = *in[0];
    auto dims = BroadcastInDimOp(op).dims();
    auto xs = x.strides();
    Tensor r(rt);
    forEachIndex(rt.shape, [&](const std::vector<int64_t> &i, int64_t k) {
      int64_t o = 0;
      for (size_t j = 0; j < dims.size(); ++j)
        if (x.type.shape[j] != 1) o += i[dims[j]] * xs[j];
      r.data[k] = x.data[o];
    });
    return r;
  }
  case Opcode::Reshape:
    return Tensor(rt, in[0]->data);
  case Opcode::Transpose: {
    const Tensor &x = *in[0];
    auto perm = TransposeOp(op).perm();
    auto xs = x.strides();
    Tensor r(rt);
    forEachIndex(rt.shape, [&](const std::vector<int64_t> &i, int64_t k) {
      int64_t o = 0;
      for (size_t j = 0; j < perm.size(); ++j)
        o += i[j] * xs[perm[j]];
      r.data[k] = x.data[o];
    });
    return r;
  }
  case Opcode::Slice: {
    const Tensor &x = *in[0];
    auto start = SliceOp(op).start(), stride = SliceOp(op).stride();
    if (stride.empty()) stride.assign(rt.rank(), 1);
    auto xs = x.strides();
    Tensor r(rt);
    forEachIndex(rt.shape, [&](const std::vector<int64_t> &i, int64_t k) {
      int64_t o = 0;
      for (size_t j = 0; j < i.size(); ++j)
        o += (start[j] + i[j] * stride[j]) * xs[j];
      r.data[k] = x.data[o];
    });
    return r;
  }
  case Opcode::Concatenate: {
    int dim = (int)ConcatenateOp(op).dim();
    Tensor r(rt);
    std::vector<int64_t> at(rt.rank(), 0), zero(rt.rank(), 0);
    for (const Tensor *x : in) {
      copyBox(*x, zero, r, at, x->type.shape);
      at[dim] += x->type.shape[dim];
    }
    return r;
  }
  case Opcode::Pad: {
    Tensor r(rt);
    std::fill(r.data.begin(), r.data.end(), PadOp(op).value());
    std::vector<int64_t> zero(rt.rank(), 0);
    copyBox(*in[0], zero, r, PadOp(op).low(), in[0]->type.shape);
    return r;
  }
  case Opcode::Einsum:
    return einsum(op, *in[0], *in[1]);
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
    return reduce(op, *in[0]);
  case Opcode::Cumsum:
    return cumsum(op, *in[0]);
  case Opcode::Argmax:
    return argmax(op, *in[0]);
  case Opcode::OneHot:
    return oneHot(op, *in[0]);
  case Opcode::Take:
    return take(op, *in[0], *in[1]);
  case Opcode::ScatterAdd:
    return scatterAdd(op, *in[0], *in[1], *in[2]);
  case Opcode::ShardingConstraint:
  case Opcode::Await: // the interpreters complete async collectives when they start
    return *in[0];
  case Opcode::AxisIndex: {
    std::string axis = AxisIndexOp(op).axis();
    if (!ctx || !ctx->mesh)
      error("'axis_index' needs a device of a mesh: run the program partitioned");
    int a = ctx->mesh->axisIndex(axis);
    if (a < 0) error("'axis_index': mesh @" + ctx->mesh->name + " has no axis \"" + axis + "\"");
    return Tensor(rt, {(double)ctx->mesh->coords(ctx->device)[a]});
  }
  case Opcode::DynamicSlice: {
    const Tensor &x = *in[0];
    Tensor r(rt);
    copyBox(x, clampedOffsets(in, 1, x.type.shape, rt.shape), r, std::vector<int64_t>(rt.rank(), 0),
            rt.shape);
    return r;
  }
  case Opcode::DynamicUpdateSlice: {
    const Tensor &x = *in[0], &u = *in[1];
    Tensor r = x;
    copyBox(u, std::vector<int64_t>(rt.rank(), 0), r,
            clampedOffsets(in, 2, x.type.shape, u.type.shape), u.type.shape);
    return r;
  }
  default:
    error(std::string("internal error: no interpreter rule for '") + opcodeName(c) + "'");
  }
}

void checkOperands(const Op &op, const std::vector<const Tensor *> &operands) {
  if (operands.size() != op.operands.size())
    error(std::string("'") + opcodeName(op.opcode) + "' got " + std::to_string(operands.size()) +
          " operand(s), expected " + std::to_string(op.operands.size()));
  for (size_t i = 0; i < operands.size(); ++i)
    if (!operands[i] || operands[i]->type != op.operands[i]->type ||
        operands[i]->size() != operands[i]->type.numElements())
      error(std::string("'") + opcodeName(op.opcode) + "' operand " + std::to_string(i) +
            " is not a tensor of type " + op.operands[i]->type.str());
}

// Elementwise sum/max/min of the members' tensors, in member order.
Tensor reduceGroup(Reduction reduction, const std::vector<const Tensor *> &xs) {
  const TensorType &t = xs[0]->type;
  Tensor r(t);
  for (int64_t k = 0; k < r.size(); ++k) {
    if (reduction == Reduction::Sum) {
      Sum acc(t.dtype);
      for (const Tensor *x : xs)
        acc.add(x->data[k]);
      r.data[k] = acc.value();
    } else {
      double v = xs[0]->data[k];
      for (const Tensor *x : xs)
        v = reduction == Reduction::Max ? maxOf(v, x->data[k]) : minOf(v, x->data[k]);
      r.data[k] = v;
    }
  }
  return r;
}

// Piece `k` of `n` equal pieces of `x` along `dim`.
Tensor piece(const Tensor &x, int dim, int64_t k, int64_t n) {
  TensorType t = x.type;
  t.shape[dim] /= n;
  Tensor r(t);
  std::vector<int64_t> off(t.rank(), 0);
  off[dim] = k * t.shape[dim];
  copyBox(x, off, r, std::vector<int64_t>(t.rank(), 0), t.shape);
  return r;
}

} // namespace

Tensor evalOp(const Op &op, const std::vector<const Tensor *> &operands, const DeviceContext *ctx) {
  if (isCollective(op.opcode))
    error(std::string("'") + opcodeName(op.opcode) +
          "' needs every device's operand (evalCollective)");
  checkOperands(op, operands);
  Tensor r = evalLocal(op, operands, ctx);
  if (r.type != op.type() || r.size() != op.type().numElements())
    error(std::string("internal error: '") + opcodeName(op.opcode) + "' produced " + r.type.str() +
          ", expected " + op.type().str());
  if (!ctx || !ctx->exact) roundAll(r);
  return r;
}

std::vector<Tensor> evalCollective(const Op &op, const Mesh &mesh,
                                   const std::vector<const Tensor *> &perDevice) {
  if (!isCollective(op.opcode))
    error(std::string("internal error: '") + opcodeName(op.opcode) + "' is not a collective");
  int64_t nd = mesh.numDevices();
  if ((int64_t)perDevice.size() != nd)
    error(std::string("'") + opcodeName(op.opcode) + "' got " + std::to_string(perDevice.size()) +
          " device operand(s) for mesh @" + mesh.name + " of " + std::to_string(nd) + " devices");
  for (const Tensor *t : perDevice)
    checkOperands(op, {t});
  // The plan decodes the op (group, reduction) and rejects malformed ones; the data
  // movement below stays the definition of spec section 3, independent of the plan's block
  // swaps, so this remains the oracle the executors are checked against.
  CollectivePlan plan = planCollective(op, mesh);
  int64_t n = plan.groupSize;
  std::vector<Tensor> out;
  out.reserve(nd);
  for (int64_t d = 0; d < nd; ++d) {
    auto members = plan.members(mesh, d);
    int64_t me = plan.memberIndex(mesh, d);
    std::vector<const Tensor *> xs;
    for (int64_t m : members)
      xs.push_back(perDevice[m]);
    const TensorType &xt = xs[0]->type;
    Tensor r;
    switch (plan.kind) {
    case CollectiveKind::AllReduce:
      r = reduceGroup(plan.reduction, xs);
      break;
    case CollectiveKind::AllGather: {
      int dim = (int)AllGatherOp(op).dim();
      r = Tensor(op.type());
      std::vector<int64_t> at(xt.rank(), 0), zero(xt.rank(), 0);
      for (const Tensor *x : xs) {
        copyBox(*x, zero, r, at, xt.shape);
        at[dim] += xt.shape[dim];
      }
      break;
    }
    case CollectiveKind::ReduceScatter: {
      int dim = (int)ReduceScatterOp(op).dim();
      r = piece(reduceGroup(plan.reduction, xs), dim, me, n);
      break;
    }
    case CollectiveKind::AllToAll: {
      int split = (int)AllToAllOp(op).splitDim(), concat = (int)AllToAllOp(op).concatDim();
      r = Tensor(op.type());
      std::vector<int64_t> at(xt.rank(), 0), zero(xt.rank(), 0);
      for (const Tensor *x : xs) { // member j's piece `me` goes to slot j
        Tensor p = piece(*x, split, me, n);
        copyBox(p, zero, r, at, p.type.shape);
        at[concat] += p.type.shape[concat];
      }
      break;
    }
    case CollectiveKind::Permute: {
      int64_t from = (me - plan.shift + n) % n; // the plan's shift is already in [0, n)
      r = *xs[from];
      break;
    }
    default:
      error("internal error: unknown collective");
    }
    if (r.type != op.type())
      error(std::string("'") + opcodeName(op.opcode) + "' produces " + r.type.str() + " on mesh @" +
            mesh.name + " but its declared type is " + op.type().str());
    roundAll(r);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Tensor> runFunction(const Func &f, const std::vector<Tensor> &args,
                                const DeviceContext *ctx) {
  if (args.size() != f.args.size())
    throw std::runtime_error(f.loc.str() + ": error: @" + f.name + " takes " +
                             std::to_string(f.args.size()) + " argument(s), got " +
                             std::to_string(args.size()));
  std::unordered_map<const Value *, Tensor> env;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type != f.args[i]->type || args[i].size() != args[i].type.numElements())
      throw std::runtime_error(f.args[i]->loc.str() + ": error: argument %" + f.args[i]->name +
                               " has type " + f.args[i]->type.str() + ", got a tensor of type " +
                               args[i].type.str());
    env[f.args[i]] = args[i];
  }
  // A value dies after the op that uses it last; returned values never die.
  std::unordered_map<const Value *, size_t> lastUse;
  for (size_t i = 0; i < f.ops.size(); ++i)
    for (const Value *v : f.ops[i]->operands)
      lastUse[v] = i;
  for (const Value *v : f.returns)
    lastUse[v] = f.ops.size();
  for (size_t i = 0; i < f.ops.size(); ++i) {
    const Op &op = *f.ops[i];
    std::vector<const Tensor *> in;
    try {
      for (const Value *v : op.operands) {
        auto it = env.find(v);
        if (it == env.end()) error("operand %" + v->name + " has no value");
        in.push_back(&it->second);
      }
      Tensor r;
      if (isCollective(op.opcode)) {
        if (!ctx || !ctx->mesh || ctx->mesh->numDevices() != 1)
          error(std::string("'") + opcodeName(op.opcode) +
                "' needs every device of the mesh: run the program with the simulator or MPI");
        r = std::move(evalCollective(op, *ctx->mesh, in)[0]);
      } else {
        r = evalOp(op, in, ctx);
      }
      env[op.result] = std::move(r);
    } catch (const std::runtime_error &e) {
      throw std::runtime_error(op.loc.str() + ": error: " + e.what());
    }
    for (const Value *v : op.operands)
      if (lastUse[v] == i) env.erase(v);
    if (!lastUse.count(op.result)) env.erase(op.result);
  }
  std::vector<Tensor> out;
  for (const Value *v : f.returns) {
    auto it = env.find(v);
    if (it == env.end())
      throw std::runtime_error(f.returnLoc.str() + ": error: return value %" + v->name +
                               " has no value");
    out.push_back(it->second);
  }
  return out;
}

} // namespace partita
