// What an op record's inference and verify rules see (ir/ops/*.cpp): the operand types, the
// attributes, the mesh when known, and checking helpers whose failures carry the verifier's
// exact diagnostic text. A failed check throws; ir/ShapeInference.cpp turns it into an error.
#pragma once

#include "ir/IR.h"

#include <optional>
#include <string>
#include <vector>

namespace partita {

// A failed check: the message and the attribute it is about (empty: the op itself).
struct CheckError {
  std::string msg;
  std::string attr;
};

[[noreturn]] void fail(std::string msg, std::string attr = {});

std::string shapeStr(const std::vector<int64_t> &s);
std::string quoted(const std::string &s); // 'text'
const char *attrKindName(Attr::Kind k);   // "an integer", ...
int64_t checkedAdd(int64_t a, int64_t b, const std::string &what);
int64_t checkedMul(int64_t a, int64_t b, const std::string &what);

class OpContext {
public:
  OpContext(Opcode code, const std::vector<TensorType> &in, const AttrDict &attrs, const Mesh *mesh,
            bool verifying);

  Opcode code() const { return code_; }
  const std::string &name() const { return name_; } // quoted: 'einsum'
  const std::vector<TensorType> &in() const { return in_; }
  const TensorType &x() const { return in_[0]; }
  const Mesh *mesh() const { return mesh_; }
  // True when checking a written op (a declared type exists) rather than inferring one.
  bool verifying() const { return verifying_; }

  // ---- attribute access ----
  const Attr *find(const std::string &n) const;
  const Attr &need(const std::string &n) const;
  [[noreturn]] void badKind(const std::string &n, const char *want) const;
  int64_t intAttr(const std::string &n) const;
  int64_t intAttr(const std::string &n, int64_t dflt) const;
  bool boolAttr(const std::string &n) const;
  std::string stringAttr(const std::string &n) const;
  std::vector<int64_t> intsAttr(const std::string &n) const;
  std::vector<std::string> stringsAttr(const std::string &n) const;
  std::string oneOf(const std::string &n, const std::vector<std::string> &choices) const;
  // A dimension index in [0, limit).
  int64_t dimAttr(const std::string &n, int64_t limit, const TensorType &of) const;
  void checkDim(const std::string &n, int64_t d, int64_t limit, const TensorType &of) const;
  void rankList(const std::string &n, const std::vector<int64_t> &v, int rank) const;

  // ---- operand type rules ----
  void needFloat(const TensorType &t, const std::string &what) const;
  void needNumeric(const TensorType &t, const std::string &what) const;
  void needDType(const TensorType &t, DType d, const std::string &what) const;
  void sameType(const TensorType &a, const TensorType &b, const std::string &what) const;
  void sameDTypes() const;
  // The declared result type must keep the operand's element type `d`.
  void declaredDType(const TensorType &declared, DType d) const;

  // The group size of `axes` on the mesh, or 0 when no mesh is known (inference without a
  // module); when verifying, a missing mesh is an error.
  int64_t group(const std::vector<std::string> &axes) const;

private:
  Opcode code_;
  std::string name_;
  const std::vector<TensorType> &in_;
  const AttrDict &attrs_;
  const Mesh *mesh_;
  bool verifying_;
};

} // namespace partita
