// Type inference and verification for every op of the spec (section 3) and the module-level
// rules (meshes, shardings, returns, @main). One checker per op serves both inferResultType
// (no declared type, no mesh) and verifyOp (declared type and the function's mesh known),
// so the two can never disagree.
#include "ir/Verifier.h"

#include "ir/Einsum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_set>

namespace partita {

namespace {

// A failed check: the message and the attribute it is about (empty: the op itself).
struct CheckError {
  std::string msg;
  std::string attr;
};

[[noreturn]] void fail(std::string msg, std::string attr = {}) {
  throw CheckError{std::move(msg), std::move(attr)};
}

std::string shapeStr(const std::vector<int64_t> &s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(s[i]);
  }
  return out + "]";
}

std::string q(const std::string &s) { return "'" + s + "'"; }

const char *kindName(Attr::Kind k) {
  switch (k) {
  case Attr::Kind::Int:
    return "an integer";
  case Attr::Kind::Float:
    return "a float";
  case Attr::Kind::String:
    return "a string";
  case Attr::Kind::Bool:
    return "a boolean";
  case Attr::Kind::Symbol:
    return "a symbol";
  case Attr::Kind::Type:
    return "a type";
  case Attr::Kind::List:
    return "a list";
  case Attr::Kind::Sharding:
    return "a sharding";
  }
  return "an attribute";
}

// Why a type cannot describe a tensor in memory (negative or overflowing extents), or "".
std::string typeProblem(const TensorType &t) {
  int64_t n = dtypeBytes(t.dtype);
  for (int64_t d : t.shape) {
    if (d < 0) return "type " + t.str() + " has a negative dimension";
    if (__builtin_mul_overflow(n, d, &n))
      return "type " + t.str() + " is too large (its byte size overflows 64 bits)";
  }
  return "";
}

int64_t checkedAdd(int64_t a, int64_t b, const std::string &what) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) fail(what + " overflows 64 bits");
  return r;
}

int64_t checkedMul(int64_t a, int64_t b, const std::string &what) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) fail(what + " overflows 64 bits");
  return r;
}

// Attribute names each op accepts; names containing '.' are free-form (discardable) extras.
std::vector<std::string> allowedAttrs(Opcode c) {
  switch (c) {
  case Opcode::Compare:
    return {"direction"};
  case Opcode::Constant:
    return {"value"};
  case Opcode::Iota:
    return {"dim"};
  case Opcode::BroadcastInDim:
    return {"dims"};
  case Opcode::Transpose:
    return {"perm"};
  case Opcode::Slice:
    return {"limit", "start", "stride"};
  case Opcode::Concatenate:
    return {"dim"};
  case Opcode::Pad:
    return {"high", "low", "value"};
  case Opcode::Einsum:
    return {"spec"};
  case Opcode::ReduceSum:
  case Opcode::ReduceMax:
  case Opcode::ReduceMin:
    return {"dims"};
  case Opcode::Cumsum:
    return {"dim", "exclusive", "reverse"};
  case Opcode::Argmax:
    return {"dim"};
  case Opcode::OneHot:
    return {"axis", "depth"};
  case Opcode::Take:
  case Opcode::ScatterAdd:
    return {"axis"};
  case Opcode::AllReduce:
    return {"axes", "reduction"};
  case Opcode::AllGather:
    return {"axes", "dim"};
  case Opcode::ReduceScatter:
    return {"axes", "dim", "reduction"};
  case Opcode::AllToAll:
    return {"axes", "concat_dim", "split_dim"};
  case Opcode::CollectivePermute:
    return {"axes", "shift"};
  case Opcode::AxisIndex:
    return {"axis"};
  case Opcode::DynamicSlice:
    return {"sizes"};
  default:
    return {};
  }
}

std::string joined(const std::vector<std::string> &v) {
  std::string s;
  for (const auto &x : v)
    s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Checks one op. `declared` (the written result type) and `mesh` (for collectives) are
// null under inferResultType; with them, the checks that need them run too.
class Checker {
public:
  Checker(Opcode code, const std::vector<TensorType> &in, const AttrDict &attrs,
          const TensorType *declared, const Mesh *mesh)
      : code_(code), name_(q(opcodeName(code))), in_(in), attrs_(attrs), declared_(declared),
        mesh_(mesh) {}

  std::optional<TensorType> run() {
    checkAttrNames();
    checkArity();
    return infer();
  }

private:
  Opcode code_;
  std::string name_;
  const std::vector<TensorType> &in_;
  const AttrDict &attrs_;
  const TensorType *declared_;
  const Mesh *mesh_;

  const TensorType &x() const { return in_[0]; }

  void checkAttrNames() const {
    auto allowed = allowedAttrs(code_);
    for (const auto &[n, a] : attrs_) {
      if (n.find('.') != std::string::npos) continue;
      if (std::find(allowed.begin(), allowed.end(), n) != allowed.end()) continue;
      if (n == "sharding") fail("the sharding of " + name_ + " must be a sharding <...>", n);
      fail("unknown attribute " + q(n) + " on " + name_ +
               (allowed.empty() ? " (it takes none)" : " (expected " + joined(allowed) + ")"),
           n);
    }
  }

  void checkArity() const {
    int n = (int)in_.size(), arity = opcodeArity(code_);
    auto count = [](int k) { return std::to_string(k) + (k == 1 ? " operand" : " operands"); };
    if (arity >= 0 && n != arity)
      fail(name_ + " takes " + count(arity) + ", found " + std::to_string(n));
    if (code_ == Opcode::Concatenate && n < 1) fail(name_ + " takes at least 1 operand, found 0");
    if (code_ == Opcode::DynamicSlice || code_ == Opcode::DynamicUpdateSlice) {
      int fixed = code_ == Opcode::DynamicSlice ? 1 : 2;
      if (n < fixed)
        fail(name_ + " takes at least " + count(fixed) + ", found " + std::to_string(n));
      if (n != fixed + x().rank())
        fail(name_ + " takes " + count(fixed) + " and one i32[] offset per dimension of " +
             x().str() + " (" + std::to_string(x().rank()) + "), found " +
             std::to_string(n - fixed) + " offset(s)");
    }
  }

  // ---- attribute access ----
  const Attr *find(const std::string &n) const {
    auto it = attrs_.find(n);
    return it == attrs_.end() ? nullptr : &it->second;
  }
  const Attr &need(const std::string &n) const {
    const Attr *a = find(n);
    if (!a) fail(name_ + " requires attribute " + q(n));
    return *a;
  }
  [[noreturn]] void badKind(const std::string &n, const char *want) const {
    fail("attribute " + q(n) + " of " + name_ + " must be " + want + ", found " +
             kindName(find(n)->kind),
         n);
  }
  int64_t intAttr(const std::string &n) const {
    if (need(n).kind != Attr::Kind::Int) badKind(n, "an integer");
    return find(n)->i;
  }
  int64_t intAttr(const std::string &n, int64_t dflt) const { return find(n) ? intAttr(n) : dflt; }
  bool boolAttr(const std::string &n) const {
    const Attr *a = find(n);
    if (a && a->kind != Attr::Kind::Bool) badKind(n, "true or false");
    return a && a->b;
  }
  std::string stringAttr(const std::string &n) const {
    if (need(n).kind != Attr::Kind::String) badKind(n, "a string");
    return find(n)->s;
  }
  std::vector<int64_t> intsAttr(const std::string &n) const {
    auto v = need(n).asInts();
    if (!v) badKind(n, "a list of integers");
    return *v;
  }
  std::vector<std::string> stringsAttr(const std::string &n) const {
    auto v = need(n).asStrings();
    if (!v) badKind(n, "a list of strings");
    return *v;
  }
  std::string oneOf(const std::string &n, const std::vector<std::string> &choices) const {
    std::string v = stringAttr(n);
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      std::string c;
      for (const auto &s : choices)
        c += (c.empty() ? "" : ", ") + ("\"" + s + "\"");
      fail("attribute " + q(n) + " of " + name_ + " must be one of " + c + ", found \"" + v + "\"",
           n);
    }
    return v;
  }
  // A dimension index in [0, limit).
  int64_t dimAttr(const std::string &n, int64_t limit, const TensorType &of) const {
    int64_t d = intAttr(n);
    checkDim(n, d, limit, of);
    return d;
  }
  void checkDim(const std::string &n, int64_t d, int64_t limit, const TensorType &of) const {
    if (d < 0 || d >= limit)
      fail("attribute " + q(n) + " of " + name_ + " is " + std::to_string(d) +
               ", out of range for " + of.str() + " (expected 0 <= " + n + " < " +
               std::to_string(limit) + ")",
           n);
  }
  void rankList(const std::string &n, const std::vector<int64_t> &v, int rank) const {
    if ((int)v.size() != rank)
      fail("attribute " + q(n) + " of " + name_ + " has " + std::to_string(v.size()) +
               " entries, expected one per dimension of " + x().str() + " (" +
               std::to_string(rank) + ")",
           n);
  }

  // ---- operand type rules ----
  void needFloat(const TensorType &t, const std::string &what) const {
    if (!isFloat(t.dtype))
      fail(name_ + " expects " + what + " of float type (f32 or bf16), found " + t.str());
  }
  void needNumeric(const TensorType &t, const std::string &what) const {
    if (t.dtype == DType::I1)
      fail(name_ + " expects " + what + " of numeric type (f32, bf16 or i32), found " + t.str());
  }
  void needDType(const TensorType &t, DType d, const std::string &what) const {
    if (t.dtype != d)
      fail(name_ + " expects " + what + " of type " + dtypeName(d) + ", found " + t.str());
  }
  void sameType(const TensorType &a, const TensorType &b, const std::string &what) const {
    if (a.shape != b.shape)
      fail(what + " of " + name_ + " have different shapes: " + a.str() + " and " + b.str());
    if (a.dtype != b.dtype)
      fail(what + " of " + name_ + " have different element types: " + a.str() + " and " + b.str());
  }
  void declaredDType(DType d) const {
    if (declared_ && declared_->dtype != d)
      fail(name_ + " result must have element type " + dtypeName(d) + " like its operand, found " +
           declared_->str());
  }

  // ---- collectives ----
  // The group size of `axes`, or 0 when no mesh is known (inference without a module).
  int64_t group(const std::vector<std::string> &axes) const {
    std::set<std::string> seen;
    for (const auto &a : axes)
      if (!seen.insert(a).second)
        fail("attribute 'axes' of " + name_ + " names axis \"" + a + "\" twice", "axes");
    if (!mesh_) {
      if (declared_)
        fail(name_ + " needs a mesh: mark the function 'attributes {partitioned = @mesh}' or "
                     "declare exactly one mesh");
      return 0;
    }
    for (const auto &a : axes)
      if (mesh_->axisIndex(a) < 0)
        fail("attribute 'axes' of " + name_ + " names axis \"" + a + "\", which mesh @" +
                 mesh_->name + " does not have",
             "axes");
    return mesh_->groupSize(axes);
  }

  std::optional<TensorType> elementwiseUnary() const {
    const TensorType &t = x();
    switch (code_) {
    case Opcode::Not:
      needDType(t, DType::I1, "an operand");
      return t;
    case Opcode::Neg:
    case Opcode::Abs:
      needNumeric(t, "an operand");
      return t;
    case Opcode::Convert:
      if (!declared_) return std::nullopt;
      if (declared_->shape != t.shape)
        fail(name_ + " changes only the element type: result " + declared_->str() +
             " must have the operand's shape " + shapeStr(t.shape));
      return *declared_;
    default:
      needFloat(t, "an operand");
      return t;
    }
  }

  std::optional<TensorType> elementwiseBinary() const {
    const TensorType &a = in_[0], &b = in_[1];
    sameType(a, b, "operands");
    switch (code_) {
    case Opcode::Compare:
      oneOf("direction", {"eq", "ne", "lt", "le", "gt", "ge"});
      return TensorType(DType::I1, a.shape);
    case Opcode::And:
    case Opcode::Or:
      needDType(a, DType::I1, "operands");
      return a;
    default:
      needNumeric(a, "operands");
      return a;
    }
  }

  std::optional<TensorType> constant() const {
    const Attr &v = need("value");
    if (!declared_) {
      if (!v.isNumber() && v.kind != Attr::Kind::Bool && v.kind != Attr::Kind::List)
        badKind("value", "a number or a nested list of numbers");
      return std::nullopt;
    }
    checkConstant(v, 0);
    return *declared_;
  }
  void checkConstant(const Attr &v, int depth) const {
    const TensorType &t = *declared_;
    if (v.kind == Attr::Kind::List) {
      if (depth >= t.rank())
        fail("attribute 'value' of " + name_ + " nests lists deeper than the rank of " + t.str(),
             "value");
      if ((int64_t)v.list.size() != t.shape[depth])
        fail("attribute 'value' of " + name_ + " has " + std::to_string(v.list.size()) +
                 " entries at depth " + std::to_string(depth) + ", expected " +
                 std::to_string(t.shape[depth]) + " for " + t.str(),
             "value");
      for (const auto &e : v.list)
        checkConstant(e, depth + 1);
      return;
    }
    if (depth > 0 && depth < t.rank())
      fail("attribute 'value' of " + name_ + " mixes numbers and lists at depth " +
               std::to_string(depth) + " for " + t.str(),
           "value");
    std::string where = "attribute 'value' of " + name_;
    switch (t.dtype) {
    case DType::F32:
    case DType::BF16:
      if (!v.isNumber())
        fail(where + " must hold numbers for " + t.str() + ", found " + kindName(v.kind), "value");
      break;
    case DType::I32:
      if (v.kind != Attr::Kind::Int)
        fail(where + " must hold integers for " + t.str() + ", found " + kindName(v.kind), "value");
      if (v.i < std::numeric_limits<int32_t>::min() || v.i > std::numeric_limits<int32_t>::max())
        fail(where + " holds " + std::to_string(v.i) + ", which does not fit in i32", "value");
      break;
    case DType::I1:
      if (!(v.kind == Attr::Kind::Bool || (v.kind == Attr::Kind::Int && (v.i == 0 || v.i == 1))))
        fail(where + " must hold true, false, 0 or 1 for " + t.str(), "value");
      break;
    }
  }

  std::optional<TensorType> einsum() const {
    std::string specText = stringAttr("spec"), err;
    auto spec = EinsumSpec::parse(specText, &err);
    if (!spec) fail(err, "spec");
    if (spec->inputs.size() != in_.size())
      fail("einsum spec \"" + specText + "\" has " + std::to_string(spec->inputs.size()) +
               " operand(s) but " + name_ + " has " + std::to_string(in_.size()),
           "spec");
    sameDTypes();
    needNumeric(x(), "operands");
    int64_t size[26];
    std::fill(size, size + 26, -1);
    int owner[26] = {};
    for (size_t i = 0; i < in_.size(); ++i) {
      const std::string &l = spec->inputs[i];
      if ((int)l.size() != in_[i].rank())
        fail("einsum operand " + std::to_string(i) + " has type " + in_[i].str() + " (rank " +
             std::to_string(in_[i].rank()) + ") but spec \"" + specText + "\" gives it " +
             std::to_string(l.size()) + " letter(s) \"" + l + "\"");
      for (size_t k = 0; k < l.size(); ++k) {
        int c = l[k] - 'a';
        int64_t s = in_[i].shape[k];
        if (size[c] >= 0 && size[c] != s)
          fail("einsum letter '" + std::string(1, l[k]) + "' has size " + std::to_string(size[c]) +
               " in operand " + std::to_string(owner[c]) + " (" + in_[owner[c]].str() + ") but " +
               std::to_string(s) + " in operand " + std::to_string(i) + " (" + in_[i].str() + ")");
        size[c] = s;
        owner[c] = (int)i;
      }
    }
    TensorType r(x().dtype, {});
    for (char c : spec->output)
      r.shape.push_back(size[c - 'a']);
    return r;
  }

  void sameDTypes() const {
    for (size_t i = 1; i < in_.size(); ++i)
      if (in_[i].dtype != in_[0].dtype)
        fail("operands of " + name_ + " have different element types: " + in_[0].str() + " and " +
             in_[i].str());
  }

  std::optional<TensorType> reduction() const {
    needNumeric(x(), "an operand");
    auto dims = intsAttr("dims");
    std::vector<bool> drop(x().rank(), false);
    for (int64_t d : dims) {
      checkDim("dims", d, x().rank(), x());
      if (drop[d])
        fail("attribute 'dims' of " + name_ + " lists dimension " + std::to_string(d) + " twice",
             "dims");
      drop[d] = true;
    }
    TensorType r(x().dtype, {});
    for (int i = 0; i < x().rank(); ++i)
      if (!drop[i]) r.shape.push_back(x().shape[i]);
    return r;
  }

  std::optional<TensorType> infer() const {
    if (isUnaryElementwise(code_)) return elementwiseUnary();
    if (isBinaryElementwise(code_)) return elementwiseBinary();
    switch (code_) {
    case Opcode::Select: {
      const TensorType &p = in_[0];
      needDType(p, DType::I1, "a predicate");
      sameType(in_[1], in_[2], "the selected operands");
      if (p.shape != in_[1].shape)
        fail("the predicate of " + name_ + " has shape " + shapeStr(p.shape) +
             " but the selected operands have shape " + shapeStr(in_[1].shape));
      return in_[1];
    }
    case Opcode::Constant:
      return constant();
    case Opcode::Iota: {
      if (!declared_) {
        intAttr("dim");
        return std::nullopt;
      }
      if (declared_->dtype == DType::I1)
        fail(name_ + " result must be i32, f32 or bf16, found " + declared_->str());
      dimAttr("dim", declared_->rank(), *declared_);
      return *declared_;
    }
    case Opcode::BroadcastInDim: {
      auto dims = intsAttr("dims");
      rankList("dims", dims, x().rank());
      if (!declared_) return std::nullopt;
      declaredDType(x().dtype);
      std::vector<bool> used(declared_->rank(), false);
      for (int i = 0; i < x().rank(); ++i) {
        checkDim("dims", dims[i], declared_->rank(), *declared_);
        if (used[dims[i]])
          fail("attribute 'dims' of " + name_ +
                   " maps two operand dimensions to result dimension " + std::to_string(dims[i]),
               "dims");
        used[dims[i]] = true;
        int64_t s = x().shape[i], r = declared_->shape[dims[i]];
        if (s != 1 && s != r)
          fail(name_ + " cannot broadcast operand dimension " + std::to_string(i) + " of size " +
               std::to_string(s) + " to result dimension " + std::to_string(dims[i]) + " of size " +
               std::to_string(r) + " (" + x().str() + " to " + declared_->str() + ")");
      }
      return *declared_;
    }
    case Opcode::Reshape: {
      if (!declared_) return std::nullopt;
      declaredDType(x().dtype);
      if (declared_->numElements() != x().numElements())
        fail(name_ + " must keep the element count: " + x().str() + " has " +
             std::to_string(x().numElements()) + ", " + declared_->str() + " has " +
             std::to_string(declared_->numElements()));
      return *declared_;
    }
    case Opcode::Transpose: {
      auto perm = intsAttr("perm");
      rankList("perm", perm, x().rank());
      std::vector<bool> seen(x().rank(), false);
      TensorType r(x().dtype, {});
      for (int64_t p : perm) {
        checkDim("perm", p, x().rank(), x());
        if (seen[p])
          fail("attribute 'perm' of " + name_ + " is not a permutation: " + shapeStr(perm), "perm");
        seen[p] = true;
        r.shape.push_back(x().shape[p]);
      }
      return r;
    }
    case Opcode::Slice: {
      auto start = intsAttr("start"), limit = intsAttr("limit");
      rankList("start", start, x().rank());
      rankList("limit", limit, x().rank());
      std::vector<int64_t> stride(x().rank(), 1);
      if (find("stride")) {
        stride = intsAttr("stride");
        rankList("stride", stride, x().rank());
      }
      TensorType r(x().dtype, {});
      for (int i = 0; i < x().rank(); ++i) {
        if (!(0 <= start[i] && start[i] <= limit[i] && limit[i] <= x().shape[i]))
          fail(name_ + " bounds of dimension " + std::to_string(i) + " are [" +
                   std::to_string(start[i]) + ", " + std::to_string(limit[i]) +
                   "), expected 0 <= start <= limit <= " + std::to_string(x().shape[i]) + " for " +
                   x().str(),
               start[i] < 0 || start[i] > limit[i] ? "start" : "limit");
        if (stride[i] < 1)
          fail("attribute 'stride' of " + name_ + " must be positive, found " +
                   std::to_string(stride[i]),
               "stride");
        r.shape.push_back((limit[i] - start[i] + stride[i] - 1) / stride[i]);
      }
      return r;
    }
    case Opcode::Concatenate: {
      if (x().rank() == 0) fail(name_ + " cannot concatenate scalars (" + x().str() + ")");
      int64_t d = dimAttr("dim", x().rank(), x());
      TensorType r = x();
      for (size_t i = 1; i < in_.size(); ++i) {
        const TensorType &t = in_[i];
        bool ok = t.dtype == x().dtype && t.rank() == x().rank();
        for (int k = 0; ok && k < t.rank(); ++k)
          ok = k == d || t.shape[k] == x().shape[k];
        if (!ok)
          fail("operands of " + name_ + " must agree except in dimension " + std::to_string(d) +
               ": " + x().str() + " and " + t.str());
        r.shape[d] = checkedAdd(r.shape[d], t.shape[d], name_ + " result extent");
      }
      return r;
    }
    case Opcode::Pad: {
      auto low = intsAttr("low"), high = intsAttr("high");
      rankList("low", low, x().rank());
      rankList("high", high, x().rank());
      const Attr &v = need("value");
      if (!v.isNumber()) badKind("value", "a number");
      TensorType r = x();
      for (int i = 0; i < x().rank(); ++i) {
        if (low[i] < 0)
          fail("attribute 'low' of " + name_ + " must be non-negative, found " + shapeStr(low),
               "low");
        if (high[i] < 0)
          fail("attribute 'high' of " + name_ + " must be non-negative, found " + shapeStr(high),
               "high");
        r.shape[i] = checkedAdd(checkedAdd(r.shape[i], low[i], name_ + " result extent"), high[i],
                                name_ + " result extent");
      }
      return r;
    }
    case Opcode::Einsum:
      return einsum();
    case Opcode::ReduceSum:
    case Opcode::ReduceMax:
    case Opcode::ReduceMin:
      return reduction();
    case Opcode::Cumsum:
      needNumeric(x(), "an operand");
      dimAttr("dim", x().rank(), x());
      boolAttr("exclusive");
      boolAttr("reverse");
      return x();
    case Opcode::Argmax: {
      needNumeric(x(), "an operand");
      int64_t d = dimAttr("dim", x().rank(), x());
      TensorType r(DType::I32, x().shape);
      r.shape.erase(r.shape.begin() + d);
      return r;
    }
    case Opcode::OneHot: {
      needDType(x(), DType::I32, "ids");
      int64_t depth = intAttr("depth");
      if (depth <= 0)
        fail("attribute 'depth' of " + name_ + " must be positive, found " + std::to_string(depth),
             "depth");
      int64_t axis = intAttr("axis", x().rank());
      if (axis < 0 || axis > x().rank())
        fail("attribute 'axis' of " + name_ + " is " + std::to_string(axis) +
                 ", expected 0 <= axis <= " + std::to_string(x().rank()) + " for ids " + x().str(),
             "axis");
      if (!declared_) return std::nullopt;
      if (declared_->dtype == DType::I1)
        fail(name_ + " result must be f32, bf16 or i32, found " + declared_->str());
      TensorType r(declared_->dtype, x().shape);
      r.shape.insert(r.shape.begin() + axis, depth);
      return r;
    }
    case Opcode::Take:
    case Opcode::ScatterAdd: {
      const TensorType &table = in_[0], &ids = in_[1];
      needDType(ids, DType::I32, "ids (operand 1)");
      int64_t axis = dimAttr("axis", table.rank(), table);
      TensorType r(table.dtype, {});
      r.shape.insert(r.shape.end(), table.shape.begin(), table.shape.begin() + axis);
      r.shape.insert(r.shape.end(), ids.shape.begin(), ids.shape.end());
      r.shape.insert(r.shape.end(), table.shape.begin() + axis + 1, table.shape.end());
      if (code_ == Opcode::Take) return r;
      needNumeric(table, "a base");
      if (in_[2] != r)
        fail("updates of " + name_ + " must have type " + r.str() + " (base " + table.str() +
             " with dimension " + std::to_string(axis) + " replaced by the ids' shape " +
             shapeStr(ids.shape) + "), found " + in_[2].str());
      return table;
    }
    case Opcode::ShardingConstraint:
      return x();
    case Opcode::AllReduce:
    case Opcode::CollectivePermute: {
      group(stringsAttr("axes"));
      if (code_ == Opcode::AllReduce) {
        needNumeric(x(), "an operand");
        oneOf("reduction", {"sum", "max", "min"});
      } else {
        intAttr("shift");
      }
      return x();
    }
    case Opcode::AllGather:
    case Opcode::ReduceScatter: {
      if (code_ == Opcode::ReduceScatter) {
        needNumeric(x(), "an operand");
        oneOf("reduction", {"sum", "max", "min"});
      }
      int64_t d = dimAttr("dim", x().rank(), x());
      int64_t n = group(stringsAttr("axes"));
      if (!n) return std::nullopt;
      TensorType r = x();
      if (code_ == Opcode::AllGather) {
        r.shape[d] = checkedMul(r.shape[d], n, name_ + " result extent");
      } else {
        if (r.shape[d] % n)
          fail(name_ + " dimension " + std::to_string(d) + " of " + x().str() +
               " is not divisible by the group size " + std::to_string(n));
        r.shape[d] /= n;
      }
      return r;
    }
    case Opcode::AllToAll: {
      int64_t s = dimAttr("split_dim", x().rank(), x());
      int64_t c = dimAttr("concat_dim", x().rank(), x());
      int64_t n = group(stringsAttr("axes"));
      if (!n) return std::nullopt;
      TensorType r = x();
      if (r.shape[s] % n)
        fail(name_ + " split dimension " + std::to_string(s) + " of " + x().str() +
             " is not divisible by the group size " + std::to_string(n));
      r.shape[s] /= n;
      r.shape[c] = checkedMul(r.shape[c], n, name_ + " result extent");
      return r;
    }
    case Opcode::AxisIndex: {
      std::string a = stringAttr("axis");
      if (mesh_ && mesh_->axisIndex(a) < 0)
        fail("attribute 'axis' of " + name_ + " names axis \"" + a + "\", which mesh @" +
                 mesh_->name + " does not have",
             "axis");
      if (!mesh_ && declared_) group({a});
      return TensorType(DType::I32, {});
    }
    case Opcode::DynamicSlice:
    case Opcode::DynamicUpdateSlice: {
      size_t first = code_ == Opcode::DynamicSlice ? 1 : 2;
      for (size_t i = first; i < in_.size(); ++i)
        if (in_[i] != TensorType(DType::I32, {}))
          fail("offset " + std::to_string(i - first) + " of " + name_ + " must be i32[], found " +
               in_[i].str());
      if (code_ == Opcode::DynamicUpdateSlice) {
        const TensorType &u = in_[1];
        bool ok = u.dtype == x().dtype && u.rank() == x().rank();
        for (int k = 0; ok && k < u.rank(); ++k)
          ok = u.shape[k] <= x().shape[k];
        if (!ok)
          fail("the update of " + name_ +
               " must have the operand's element type and rank and "
               "fit inside it: operand " +
               x().str() + ", update " + u.str());
        return x();
      }
      auto sizes = intsAttr("sizes");
      rankList("sizes", sizes, x().rank());
      for (int k = 0; k < x().rank(); ++k)
        if (sizes[k] < 0 || sizes[k] > x().shape[k])
          fail("attribute 'sizes' of " + name_ + " is " + shapeStr(sizes) +
                   ", expected 0 <= sizes[i] <= the operand's extent " + shapeStr(x().shape),
               "sizes");
      return TensorType(x().dtype, sizes);
    }
    default:
      fail("internal error: no type rule for " + name_);
    }
  }
};

struct OpCheck {
  std::optional<TensorType> type;
  std::string error, attr;
};

OpCheck checkOp(Opcode code, const std::vector<TensorType> &in, const AttrDict &attrs,
                const TensorType *declared, const Mesh *mesh) {
  try {
    return {Checker(code, in, attrs, declared, mesh).run(), "", ""};
  } catch (const CheckError &e) {
    return {std::nullopt, e.msg, e.attr};
  }
}

const Loc &pick(const Loc &preferred, const Loc &fallback) {
  return preferred.known() ? preferred : fallback;
}

// The verifier's state for one module: which meshes are usable (valid and present).
class ModuleVerifier {
public:
  ModuleVerifier(const Module &m, Diagnostics &d) : m_(m), d_(d) {}

  void meshes() {
    std::set<std::string> names;
    for (const auto &mesh : m_.meshes) {
      bool ok = true;
      auto err = [&](std::string msg) {
        d_.error(mesh.loc, std::move(msg));
        ok = false;
      };
      if (!names.insert(mesh.name).second) err("mesh @" + mesh.name + " is declared twice");
      std::set<std::string> axes;
      int64_t devices = 1;
      for (const auto &a : mesh.axes) {
        if (!axes.insert(a.name).second)
          err("mesh @" + mesh.name + " declares axis \"" + a.name + "\" twice");
        if (a.size <= 0)
          err("axis \"" + a.name + "\" of mesh @" + mesh.name + " has size " +
              std::to_string(a.size) + ", expected a positive size");
        else if (devices > 0 && (__builtin_mul_overflow(devices, a.size, &devices) ||
                                 devices > std::numeric_limits<int32_t>::max())) {
          err("mesh @" + mesh.name + " has more than 2^31-1 devices");
          devices = 0; // reported once
        }
      }
      if (ok && !usable_.count(mesh.name)) usable_[mesh.name] = &mesh;
    }
  }

  void funcs() {
    std::set<std::string> names;
    for (const auto &f : m_.funcs) {
      if (!names.insert(f->name).second)
        d_.error(f->loc, "function @" + f->name + " is defined twice");
      func(*f);
    }
    if (!m_.funcs.empty() && !m_.main())
      d_.error(m_.funcs.front()->loc,
               "the module has no @main function (found @" + m_.funcs.front()->name + ")");
  }

  // The mesh collectives of `f` run on: its `partitioned` mesh, else the module's only mesh.
  const Mesh *collectiveMesh(const Func &f) const {
    if (auto p = f.partitionedMesh()) return lookup(*p);
    return m_.meshes.size() == 1 ? lookup(m_.meshes[0].name) : nullptr;
  }

  // Checks one op; false when its result type itself is unusable (so uses are not checked).
  bool op(const Op &op, const Func &f) {
    std::string name = q(opcodeName(op.opcode));
    if (!op.result) {
      d_.error(op.loc, name + " has no result");
      return false;
    }
    if (auto p = typeProblem(op.type()); !p.empty()) {
      d_.error(op.loc, p);
      return false;
    }
    std::vector<TensorType> in;
    for (const Value *v : op.operands) {
      if (!v) {
        d_.error(op.loc, name + " has a null operand");
        return true;
      }
      in.push_back(v->type);
    }
    const Mesh *mesh = collectiveMesh(f);
    bool needsMesh = isCollective(op.opcode) || op.opcode == Opcode::AxisIndex;
    if (!mesh && needsMesh && meshDeclaredButInvalid(f)) return true; // reported at the mesh
    OpCheck c = checkOp(op.opcode, in, op.attrs, &op.type(), mesh);
    if (!c.error.empty()) {
      const Attr *a = c.attr.empty() ? nullptr : op.attr(c.attr);
      d_.error(a ? pick(a->loc, op.loc) : op.loc, c.error);
    } else if (c.type && *c.type != op.type()) {
      d_.error(op.loc, "declared result type " + op.type().str() + " of " + name +
                           " does not match the inferred type " + c.type->str());
    }
    if (op.opcode == Opcode::ShardingConstraint && !op.result->sharding)
      d_.error(op.loc, "'sharding_constraint' requires attribute 'sharding'");
    if (op.result->sharding) sharding(*op.result->sharding, op.type(), f, op.loc, "");
    return true;
  }

  void func(const Func &f) {
    const Mesh *part = nullptr;
    if (auto it = f.attrs.find("partitioned"); it != f.attrs.end()) {
      const Attr &a = it->second;
      if (a.kind != Attr::Kind::Symbol)
        d_.error(pick(a.loc, f.loc), "attribute 'partitioned' of @" + f.name +
                                         " must be a mesh symbol such as @mesh, found " +
                                         kindName(a.kind));
      else if (!m_.mesh(a.s))
        d_.error(pick(a.loc, f.loc), "attribute 'partitioned' of @" + f.name + " names mesh @" +
                                         a.s + ", which is not declared");
      else
        part = lookup(a.s);
    }
    // Values defined so far, and whether their type is usable: ops on values whose type was
    // already reported are not checked again.
    std::unordered_map<const Value *, bool> defined;
    for (size_t i = 0; i < f.args.size(); ++i) {
      const Value *v = f.args[i];
      std::string what = "argument %" + v->name;
      auto p = typeProblem(v->type);
      defined[v] = p.empty();
      if (!p.empty())
        d_.error(v->loc, what + ": " + p);
      else
        boundary(what, v->type, v->sharding, i < f.argAttrs.size() ? &f.argAttrs[i] : nullptr, f,
                 part, v->loc);
    }
    for (size_t i = 0; i < f.results.size(); ++i) {
      const FuncResult &r = f.results[i];
      std::string what = "result " + std::to_string(i) + " of @" + f.name;
      if (auto p = typeProblem(r.type); !p.empty())
        d_.error(pick(r.loc, f.loc), what + ": " + p);
      else
        boundary(what, r.type, r.sharding, &r.attrs, f, part, pick(r.loc, f.loc));
    }
    for (const auto &o : f.ops) {
      bool ok = true, usable = true;
      for (const Value *v : o->operands) {
        auto it = defined.find(v);
        if (v && it == defined.end()) {
          d_.error(o->loc, "operand %" + v->name + " of '" + opcodeName(o->opcode) +
                               "' is not defined before its use in @" + f.name);
          ok = false;
        } else if (v) {
          usable = usable && it->second;
        }
      }
      bool typeOk = ok && usable ? op(*o, f) : o->result && typeProblem(o->type()).empty();
      if (o->result) defined[o->result] = typeOk;
    }
    const Loc &rl = pick(f.returnLoc, f.loc);
    if (f.returns.size() != f.results.size()) {
      d_.error(rl, "'return' has " + std::to_string(f.returns.size()) + " value(s) but @" + f.name +
                       " declares " + std::to_string(f.results.size()) + " result(s)");
      return;
    }
    for (size_t i = 0; i < f.returns.size(); ++i) {
      const Value *v = f.returns[i];
      if (!v || !defined.count(v)) {
        d_.error(rl, "return value " + std::to_string(i) + " is not defined in @" + f.name);
      } else if (v->type != f.results[i].type) {
        d_.error(rl, "return value " + std::to_string(i) + " (%" + v->name + ") has type " +
                         v->type.str() + " but @" + f.name + " declares result type " +
                         f.results[i].type.str());
      }
    }
  }

private:
  const Module &m_;
  Diagnostics &d_;
  std::map<std::string, const Mesh *> usable_; // valid meshes; invalid ones are reported once

  // The mesh collectives of `f` would use is declared but invalid (and already reported).
  bool meshDeclaredButInvalid(const Func &f) const {
    auto p = f.partitionedMesh();
    if (p) return m_.mesh(*p) && !lookup(*p);
    return m_.meshes.size() == 1 && !lookup(m_.meshes[0].name);
  }

  const Mesh *lookup(const std::string &name) const {
    auto it = usable_.find(name);
    return it == usable_.end() ? nullptr : it->second;
  }

  // Validates a sharding of a value of type `t`; false when it is unusable.
  bool sharding(const Sharding &s, const TensorType &t, const Func &f, const Loc &at,
                const std::string &what) {
    const Loc &l = pick(s.loc, at);
    std::string pre = what.empty() ? "" : what + ": ";
    if (!m_.mesh(s.mesh)) {
      d_.error(l, pre + "sharding " + s.str() + " refers to mesh @" + s.mesh +
                      ", which is not declared");
      return false;
    }
    const Mesh *mesh = lookup(s.mesh);
    if (!mesh) return false; // invalid mesh: reported at its declaration
    if (auto p = f.partitionedMesh(); p && *p != s.mesh) {
      d_.error(l, pre + "sharding " + s.str() + " refers to mesh @" + s.mesh + " but @" + f.name +
                      " is partitioned over @" + *p);
      return false;
    }
    if (auto e = s.validate(t, *mesh); !e.empty()) {
      d_.error(l, pre + e + ": " + s.str());
      return false;
    }
    return true;
  }

  // An argument or result: its sharding, and in partitioned functions its `global` type.
  void boundary(const std::string &what, const TensorType &t, const std::optional<Sharding> &s,
                const AttrDict *attrs, const Func &f, const Mesh *part, const Loc &at) {
    bool shardingOk = s && sharding(*s, t, f, at, what);
    if (!attrs) return;
    if (auto it = attrs->find("bound"); it != attrs->end()) {
      const Attr &b = it->second;
      if (b.kind != Attr::Kind::Int || b.i <= 0)
        d_.error(pick(b.loc, at), what + ": attribute 'bound' must be a positive integer");
    }
    auto it = attrs->find("global");
    if (it == attrs->end()) return;
    const Attr &g = it->second;
    const Loc &gl = pick(g.loc, at);
    if (g.kind != Attr::Kind::Type) {
      d_.error(gl, what + ": attribute 'global' must be a type, found " + kindName(g.kind));
      return;
    }
    if (auto p = typeProblem(g.type); !p.empty()) {
      d_.error(gl, what + ": attribute 'global': " + p);
      return;
    }
    if (g.type.dtype != t.dtype || g.type.rank() != t.rank()) {
      d_.error(gl, what + ": global type " + g.type.str() +
                       " must have the element type and rank of the local type " + t.str());
      return;
    }
    if (!part || (s && !shardingOk)) return;
    TensorType local = s ? s->localType(g.type, *part) : g.type;
    if (local != t)
      d_.error(gl, what + ": type " + t.str() + " is not the per-device type of global " +
                       g.type.str() + (s ? " under " + s->str() : " (unsharded)") + ", expected " +
                       local.str());
  }
};

} // namespace

InferredType inferResultType(Opcode code, const std::vector<TensorType> &operands,
                             const AttrDict &attrs) {
  for (const auto &t : operands)
    if (auto p = typeProblem(t); !p.empty()) return {std::nullopt, p};
  OpCheck c = checkOp(code, operands, attrs, nullptr, nullptr);
  return {c.type, c.error};
}

bool verifyOp(const Op &op, const Module &m, Diagnostics &diags) {
  Diagnostics local;
  ModuleVerifier v(m, local);
  v.meshes();
  local.clear(); // mesh problems belong to verifyModule; here only this op's are wanted
  for (const auto &f : m.funcs)
    for (const auto &o : f->ops)
      if (o.get() == &op) {
        v.op(op, *f);
        for (const auto &d : local.all())
          diags.error(d.loc, d.message);
        return !local.hasErrors();
      }
  Func none;
  v.op(op, none);
  for (const auto &d : local.all())
    diags.error(d.loc, d.message);
  return !local.hasErrors();
}

bool verifyModule(const Module &m, Diagnostics &diags) {
  size_t before = diags.all().size();
  ModuleVerifier v(m, diags);
  v.meshes();
  v.funcs();
  for (size_t i = before; i < diags.all().size(); ++i)
    if (diags.all()[i].severity == Diagnostic::Severity::Error) return false;
  return true;
}

} // namespace partita
