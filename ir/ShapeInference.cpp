// Record-driven type inference: the generic checks every op gets (attribute names, arity)
// and the OpContext helpers the per-op rules in ir/ops/ are written with.
#include "ir/ShapeInference.h"

#include "ir/OpInfo.h"
#include "ir/ops/OpContext.h"

#include <algorithm>
#include <limits>
#include <set>

namespace partita {

void fail(std::string msg, std::string attr) { throw CheckError{std::move(msg), std::move(attr)}; }

std::string shapeStr(const std::vector<int64_t> &s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(s[i]);
  }
  return out + "]";
}

std::string quoted(const std::string &s) { return "'" + s + "'"; }

const char *attrKindName(Attr::Kind k) {
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

std::string typeProblem(const TensorType &t) {
  // Zero extents count as 1: f32[0,2^62,4] holds nothing, but its strides still overflow.
  int64_t n = 1;
  for (int64_t d : t.shape) {
    if (d < 0) return "type " + t.str() + " has a negative dimension";
    if (d > std::numeric_limits<int32_t>::max())
      return "type " + t.str() + " has an extent over 2^31-1 (indices are i32)";
    if (__builtin_mul_overflow(n, std::max<int64_t>(d, 1), &n) || n > kMaxTypeElements)
      return "type " + t.str() + " is too large (the product of its extents exceeds 2^48)";
  }
  return "";
}

OpContext::OpContext(Opcode code, const std::vector<TensorType> &in, const AttrDict &attrs,
                     const Mesh *mesh, bool verifying)
    : code_(code), name_(quoted(opcodeName(code))), in_(in), attrs_(attrs), mesh_(mesh),
      verifying_(verifying) {}

const Attr *OpContext::find(const std::string &n) const {
  auto it = attrs_.find(n);
  return it == attrs_.end() ? nullptr : &it->second;
}

const Attr &OpContext::need(const std::string &n) const {
  const Attr *a = find(n);
  if (!a) fail(name_ + " requires attribute " + quoted(n));
  return *a;
}

void OpContext::badKind(const std::string &n, const char *want) const {
  fail("attribute " + quoted(n) + " of " + name_ + " must be " + want + ", found " +
           attrKindName(find(n)->kind),
       n);
}

int64_t OpContext::intAttr(const std::string &n) const {
  if (need(n).kind != Attr::Kind::Int) badKind(n, "an integer");
  return find(n)->i;
}

int64_t OpContext::intAttr(const std::string &n, int64_t dflt) const {
  return find(n) ? intAttr(n) : dflt;
}

bool OpContext::boolAttr(const std::string &n) const {
  const Attr *a = find(n);
  if (a && a->kind != Attr::Kind::Bool) badKind(n, "true or false");
  return a && a->b;
}

std::string OpContext::stringAttr(const std::string &n) const {
  if (need(n).kind != Attr::Kind::String) badKind(n, "a string");
  return find(n)->s;
}

std::vector<int64_t> OpContext::intsAttr(const std::string &n) const {
  auto v = need(n).asInts();
  if (!v) badKind(n, "a list of integers");
  return *v;
}

std::vector<std::string> OpContext::stringsAttr(const std::string &n) const {
  auto v = need(n).asStrings();
  if (!v) badKind(n, "a list of strings");
  return *v;
}

std::string OpContext::oneOf(const std::string &n, const std::vector<std::string> &choices) const {
  std::string v = stringAttr(n);
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
    std::string c;
    for (const auto &s : choices)
      c += (c.empty() ? "" : ", ") + ("\"" + s + "\"");
    fail("attribute " + quoted(n) + " of " + name_ + " must be one of " + c + ", found \"" + v +
             "\"",
         n);
  }
  return v;
}

int64_t OpContext::dimAttr(const std::string &n, int64_t limit, const TensorType &of) const {
  int64_t d = intAttr(n);
  checkDim(n, d, limit, of);
  return d;
}

void OpContext::checkDim(const std::string &n, int64_t d, int64_t limit,
                         const TensorType &of) const {
  if (d < 0 || d >= limit)
    fail("attribute " + quoted(n) + " of " + name_ + " is " + std::to_string(d) +
             ", out of range for " + of.str() + " (expected 0 <= " + n + " < " +
             std::to_string(limit) + ")",
         n);
}

void OpContext::rankList(const std::string &n, const std::vector<int64_t> &v, int rank) const {
  if ((int)v.size() != rank)
    fail("attribute " + quoted(n) + " of " + name_ + " has " + std::to_string(v.size()) +
             " entries, expected one per dimension of " + x().str() + " (" + std::to_string(rank) +
             ")",
         n);
}

void OpContext::needFloat(const TensorType &t, const std::string &what) const {
  if (!isFloat(t.dtype))
    fail(name_ + " expects " + what + " of float type (f32 or bf16), found " + t.str());
}

void OpContext::needNumeric(const TensorType &t, const std::string &what) const {
  if (t.dtype == DType::I1)
    fail(name_ + " expects " + what + " of numeric type (f32, bf16 or i32), found " + t.str());
}

void OpContext::needDType(const TensorType &t, DType d, const std::string &what) const {
  if (t.dtype != d)
    fail(name_ + " expects " + what + " of type " + dtypeName(d) + ", found " + t.str());
}

void OpContext::sameType(const TensorType &a, const TensorType &b, const std::string &what) const {
  if (a.shape != b.shape)
    fail(what + " of " + name_ + " have different shapes: " + a.str() + " and " + b.str());
  if (a.dtype != b.dtype)
    fail(what + " of " + name_ + " have different element types: " + a.str() + " and " + b.str());
}

void OpContext::sameDTypes() const {
  for (size_t i = 1; i < in_.size(); ++i)
    if (in_[i].dtype != in_[0].dtype)
      fail("operands of " + name_ + " have different element types: " + in_[0].str() + " and " +
           in_[i].str());
}

void OpContext::declaredDType(const TensorType &declared, DType d) const {
  if (declared.dtype != d)
    fail(name_ + " result must have element type " + dtypeName(d) + " like its operand, found " +
         declared.str());
}

int64_t OpContext::group(const std::vector<std::string> &axes) const {
  std::set<std::string> seen;
  for (const auto &a : axes)
    if (!seen.insert(a).second)
      fail("attribute 'axes' of " + name_ + " names axis \"" + a + "\" twice", "axes");
  if (!mesh_) {
    if (verifying_)
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

namespace {

std::string joined(const std::vector<std::string> &v) {
  std::string s;
  for (const auto &x : v)
    s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Names containing '.' are free-form (discardable) extras.
void checkAttrNames(const OpInfo &info, const OpContext &c, const AttrDict &attrs) {
  for (const auto &[n, a] : attrs) {
    if (n.find('.') != std::string::npos || info.attr(n)) continue;
    if (n == "sharding") fail("the sharding of " + c.name() + " must be a sharding <...>", n);
    auto allowed = info.attrNames();
    fail("unknown attribute " + quoted(n) + " on " + c.name() +
             (allowed.empty() ? " (it takes none)" : " (expected " + joined(allowed) + ")"),
         n);
  }
}

// Variadic ops state their minimum in their inference rule; only the fixed arity is generic.
void checkArity(const OpInfo &info, const OpContext &c) {
  int n = (int)c.in().size();
  auto count = [](int k) { return std::to_string(k) + (k == 1 ? " operand" : " operands"); };
  if (info.arity >= 0 && n != info.arity)
    fail(c.name() + " takes " + count(info.arity) + ", found " + std::to_string(n));
}

} // namespace

OpCheck checkOp(Opcode code, const std::vector<TensorType> &in, const AttrDict &attrs,
                const TensorType *declared, const Mesh *mesh) {
  const OpInfo &info = opInfo(code);
  OpContext c(code, in, attrs, mesh, declared != nullptr);
  try {
    checkAttrNames(info, c, attrs);
    checkArity(info, c);
    std::optional<TensorType> t = info.inferType(c);
    if (declared && info.verify)
      if (auto v = info.verify(c, *declared)) t = v;
    return {t, "", ""};
  } catch (const CheckError &e) {
    return {std::nullopt, e.msg, e.attr};
  }
}

InferredType inferResultType(Opcode code, const std::vector<TensorType> &operands,
                             const AttrDict &attrs) {
  for (const auto &t : operands)
    if (auto p = typeProblem(t); !p.empty()) return {std::nullopt, p};
  OpCheck c = checkOp(code, operands, attrs, nullptr, nullptr);
  return {c.type, c.error};
}

} // namespace partita
