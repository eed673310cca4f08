// The Partita IR: modules of meshes and functions; a function is a list of single-result
// ops over SSA values. One generic Op (opcode, operands, attributes, result with its
// sharding) serves every operation, as XLA's HloInstruction does.
#pragma once

#include "ir/Sharding.h"
#include "ir/Types.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace partita {

enum class Opcode {
#define OP(name, text, arity, flags, attrs) name,
#include "ir/Ops.def"
#undef OP
};

// Shorthands for fields of the op's record (ir/OpInfo.h), which holds everything else.
const char *opcodeName(Opcode op);            // text form, e.g. "broadcast_in_dim"
std::optional<Opcode> parseOpcode(const std::string &text);
int opcodeArity(Opcode op);                    // -1: variadic
bool isUnaryElementwise(Opcode op);            // neg ... not (incl. convert)
bool isBinaryElementwise(Opcode op);           // add ... or (incl. compare)
bool isElementwise(Opcode op);                 // unary, binary and select
bool isCollective(Opcode op);                  // all_reduce ... collective_permute

struct Attr {
  enum class Kind { Int, Float, String, Bool, Symbol, Type, List, Sharding };
  Kind kind = Kind::Int;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s; // String and Symbol (without '@')
  TensorType type;
  std::vector<Attr> list;
  std::vector<Sharding> sharding; // exactly one element when kind == Sharding
  Loc loc;

  static Attr ofInt(int64_t v);
  static Attr ofFloat(double v);
  static Attr ofString(std::string v);
  static Attr ofBool(bool v);
  static Attr ofSymbol(std::string v);
  static Attr ofType(TensorType t);
  static Attr ofList(std::vector<Attr> v);
  static Attr ofInts(const std::vector<int64_t> &v);
  static Attr ofStrings(const std::vector<std::string> &v);
  static Attr ofSharding(Sharding s);

  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double asDouble() const { return kind == Kind::Int ? (double)i : f; }
  // A list of ints; nullopt when this is not one.
  std::optional<std::vector<int64_t>> asInts() const;
  std::optional<std::vector<std::string>> asStrings() const;
  bool operator==(const Attr &o) const; // structural, ignores loc
  bool operator!=(const Attr &o) const { return !(*this == o); }
};

// Sorted by name: the printer's order falls out of the container.
using AttrDict = std::map<std::string, Attr>;

struct Op;

struct Value {
  std::string name; // without '%'
  TensorType type;
  Op *def = nullptr; // nullptr for function arguments
  int argIndex = -1;
  std::optional<Sharding> sharding;
  Loc loc;
};

struct Op {
  Opcode opcode;
  std::vector<Value *> operands;
  AttrDict attrs; // never holds "sharding": that lives on result->sharding
  Value *result = nullptr;
  Loc loc;

  TensorType &type() { return result->type; }
  const TensorType &type() const { return result->type; }
  const Attr *attr(const std::string &name) const;
  bool hasAttr(const std::string &name) const { return attrs.count(name) != 0; }
  // Untyped getters by attribute name, kept for runtime/ until it moves to the typed views
  // of ir/OpAttrs.h (SliceOp(op).start()), which everything else uses.
  int64_t getInt(const std::string &name, int64_t dflt = 0) const;
  bool getBool(const std::string &name, bool dflt = false) const;
  std::string getString(const std::string &name, const std::string &dflt = "") const;
  std::vector<int64_t> getInts(const std::string &name) const;
  std::vector<std::string> getStrings(const std::string &name) const;
};

struct FuncResult {
  TensorType type;
  std::optional<Sharding> sharding;
  AttrDict attrs; // without "sharding"
  Loc loc;
};

struct Func {
  std::string name; // without '@'
  Loc loc;
  std::vector<Value *> args;
  std::vector<AttrDict> argAttrs; // per argument, without "sharding"
  std::vector<FuncResult> results;
  AttrDict attrs;                       // the `attributes {...}` dict
  std::vector<std::unique_ptr<Op>> ops; // in program order
  std::vector<Value *> returns;
  Loc returnLoc;

  Value *addArg(const std::string &name, TensorType type, Loc loc = {});
  // Creates a value owned by this function; `name` is made unique if taken.
  Value *newValue(const std::string &nameHint, TensorType type, Loc loc = {});
  Value *lookup(const std::string &name) const;
  // Makes a name that no value of this function uses yet.
  std::string uniqueName(const std::string &hint);
  // Removes values that are neither arguments nor results of an op in `ops` (after passes
  // rebuilt the op list).
  void collectGarbage();
  std::optional<std::string> partitionedMesh() const; // the `partitioned = @mesh` attribute

private:
  std::vector<std::unique_ptr<Value>> values_;
  std::unordered_map<std::string, Value *> byName_;
  std::unordered_map<std::string, int64_t> nextSuffix_;
};

struct Module {
  std::vector<Mesh> meshes;
  std::vector<std::unique_ptr<Func>> funcs;

  const Mesh *mesh(const std::string &name) const;
  Func *func(const std::string &name) const;
  Func *main() const { return func("main"); }
  std::unique_ptr<Module> clone() const;
};

// Appends ops to a function; the result type is inferred unless given.
class Builder {
public:
  Builder(Func &f, std::vector<std::unique_ptr<Op>> &out) : f_(f), out_(&out) {}
  explicit Builder(Func &f) : f_(f), out_(&f.ops) {}
  void setLoc(const Loc &loc) { loc_ = loc; }
  const Loc &loc() const { return loc_; }
  Func &func() { return f_; }

  // Creates an op whose result type is `type`.
  Value *create(Opcode code, std::vector<Value *> operands, AttrDict attrs, TensorType type,
                const std::string &nameHint = "v");
  // Creates an op whose result type is inferred; aborts on ill-typed input (a compiler bug).
  Value *build(Opcode code, std::vector<Value *> operands, AttrDict attrs = {},
               const std::string &nameHint = "v");

private:
  Func &f_;
  std::vector<std::unique_ptr<Op>> *out_;
  Loc loc_;
};

} // namespace partita
