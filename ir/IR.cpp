// Generic IR objects: attributes, functions, modules, the builder.
#include "ir/IR.h"

#include "ir/ShapeInference.h"

#include <cstdlib>
#include <iostream>

namespace partita {

Attr Attr::ofInt(int64_t v) { Attr a; a.kind = Kind::Int; a.i = v; return a; }
Attr Attr::ofFloat(double v) { Attr a; a.kind = Kind::Float; a.f = v; return a; }
Attr Attr::ofString(std::string v) { Attr a; a.kind = Kind::String; a.s = std::move(v); return a; }
Attr Attr::ofBool(bool v) { Attr a; a.kind = Kind::Bool; a.b = v; return a; }
Attr Attr::ofSymbol(std::string v) { Attr a; a.kind = Kind::Symbol; a.s = std::move(v); return a; }
Attr Attr::ofType(TensorType t) { Attr a; a.kind = Kind::Type; a.type = std::move(t); return a; }
Attr Attr::ofList(std::vector<Attr> v) { Attr a; a.kind = Kind::List; a.list = std::move(v); return a; }
Attr Attr::ofSharding(Sharding s) { Attr a; a.kind = Kind::Sharding; a.sharding = {std::move(s)}; return a; }

Attr Attr::ofInts(const std::vector<int64_t> &v) {
  std::vector<Attr> l;
  for (int64_t x : v) l.push_back(ofInt(x));
  return ofList(std::move(l));
}

Attr Attr::ofStrings(const std::vector<std::string> &v) {
  std::vector<Attr> l;
  for (const auto &x : v) l.push_back(ofString(x));
  return ofList(std::move(l));
}

std::optional<std::vector<int64_t>> Attr::asInts() const {
  if (kind != Kind::List) return std::nullopt;
  std::vector<int64_t> out;
  for (const auto &e : list) {
    if (e.kind != Kind::Int) return std::nullopt;
    out.push_back(e.i);
  }
  return out;
}

std::optional<std::vector<std::string>> Attr::asStrings() const {
  if (kind != Kind::List) return std::nullopt;
  std::vector<std::string> out;
  for (const auto &e : list) {
    if (e.kind != Kind::String) return std::nullopt;
    out.push_back(e.s);
  }
  return out;
}

bool Attr::operator==(const Attr &o) const {
  if (kind != o.kind) return false;
  switch (kind) {
  case Kind::Int: return i == o.i;
  case Kind::Float: return f == o.f;
  case Kind::Bool: return b == o.b;
  case Kind::String: case Kind::Symbol: return s == o.s;
  case Kind::Type: return type == o.type;
  case Kind::List: return list == o.list;
  case Kind::Sharding: return sharding == o.sharding;
  }
  return false;
}

const Attr *Op::attr(const std::string &name) const {
  auto it = attrs.find(name);
  return it == attrs.end() ? nullptr : &it->second;
}

int64_t Op::getInt(const std::string &name, int64_t dflt) const {
  const Attr *a = attr(name);
  return a && a->kind == Attr::Kind::Int ? a->i : dflt;
}

bool Op::getBool(const std::string &name, bool dflt) const {
  const Attr *a = attr(name);
  return a && a->kind == Attr::Kind::Bool ? a->b : dflt;
}

std::string Op::getString(const std::string &name, const std::string &dflt) const {
  const Attr *a = attr(name);
  return a && (a->kind == Attr::Kind::String || a->kind == Attr::Kind::Symbol) ? a->s : dflt;
}

std::vector<int64_t> Op::getInts(const std::string &name) const {
  const Attr *a = attr(name);
  if (!a) return {};
  if (a->kind == Attr::Kind::Int) return {a->i};
  return a->asInts().value_or(std::vector<int64_t>{});
}

std::vector<std::string> Op::getStrings(const std::string &name) const {
  const Attr *a = attr(name);
  if (!a) return {};
  if (a->kind == Attr::Kind::String) return {a->s};
  return a->asStrings().value_or(std::vector<std::string>{});
}

Value *Func::addArg(const std::string &name, TensorType type, Loc loc) {
  Value *v = newValue(name, std::move(type), std::move(loc));
  v->argIndex = (int)args.size();
  args.push_back(v);
  argAttrs.emplace_back();
  return v;
}

std::string Func::uniqueName(const std::string &hint) {
  std::string base = hint.empty() ? "v" : hint;
  if (!byName_.count(base)) return base;
  int64_t &n = nextSuffix_[base];
  std::string name;
  do {
    name = base + "." + std::to_string(++n);
  } while (byName_.count(name));
  return name;
}

Value *Func::newValue(const std::string &nameHint, TensorType type, Loc loc) {
  auto v = std::make_unique<Value>();
  v->name = uniqueName(nameHint);
  v->type = std::move(type);
  v->loc = std::move(loc);
  Value *raw = v.get();
  byName_[raw->name] = raw;
  values_.push_back(std::move(v));
  return raw;
}

Value *Func::lookup(const std::string &name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : it->second;
}

void Func::collectGarbage() {
  std::unordered_map<const Value *, bool> live;
  for (Value *a : args) live[a] = true;
  for (const auto &op : ops) live[op->result] = true;
  std::vector<std::unique_ptr<Value>> kept;
  for (auto &v : values_) {
    if (live.count(v.get())) {
      kept.push_back(std::move(v));
    } else {
      auto it = byName_.find(v->name);
      if (it != byName_.end() && it->second == v.get()) byName_.erase(it);
    }
  }
  values_ = std::move(kept);
}

std::optional<std::string> Func::partitionedMesh() const {
  auto it = attrs.find("partitioned");
  if (it == attrs.end() || it->second.kind != Attr::Kind::Symbol) return std::nullopt;
  return it->second.s;
}

const Mesh *Module::mesh(const std::string &name) const {
  for (const auto &m : meshes)
    if (m.name == name) return &m;
  return nullptr;
}

Func *Module::func(const std::string &name) const {
  for (const auto &f : funcs)
    if (f->name == name) return f.get();
  return nullptr;
}

std::unique_ptr<Module> Module::clone() const {
  auto m = std::make_unique<Module>();
  m->meshes = meshes;
  for (const auto &f : funcs) {
    auto g = std::make_unique<Func>();
    g->name = f->name;
    g->loc = f->loc;
    g->attrs = f->attrs;
    g->results = f->results;
    g->returnLoc = f->returnLoc;
    std::unordered_map<const Value *, Value *> map;
    for (size_t i = 0; i < f->args.size(); ++i) {
      const Value *a = f->args[i];
      Value *b = g->addArg(a->name, a->type, a->loc);
      b->sharding = a->sharding;
      g->argAttrs[i] = f->argAttrs[i];
      map[a] = b;
    }
    for (const auto &op : f->ops) {
      auto o = std::make_unique<Op>();
      o->opcode = op->opcode;
      o->attrs = op->attrs;
      o->loc = op->loc;
      for (Value *v : op->operands) o->operands.push_back(map.at(v));
      o->result = g->newValue(op->result->name, op->result->type, op->result->loc);
      o->result->sharding = op->result->sharding;
      o->result->def = o.get();
      map[op->result] = o->result;
      g->ops.push_back(std::move(o));
    }
    for (Value *v : f->returns) g->returns.push_back(map.at(v));
    m->funcs.push_back(std::move(g));
  }
  return m;
}

Value *Builder::create(Opcode code, std::vector<Value *> operands, AttrDict attrs, TensorType type,
                       const std::string &nameHint) {
  auto op = std::make_unique<Op>();
  op->opcode = code;
  op->operands = std::move(operands);
  op->attrs = std::move(attrs);
  op->loc = loc_;
  op->result = f_.newValue(nameHint, std::move(type), loc_);
  op->result->def = op.get();
  Value *r = op->result;
  out_->push_back(std::move(op));
  return r;
}

Value *Builder::build(Opcode code, std::vector<Value *> operands, AttrDict attrs, const std::string &nameHint) {
  std::vector<TensorType> types;
  for (Value *v : operands) types.push_back(v->type);
  InferredType t = inferResultType(code, types, attrs);
  if (!t.type) {
    std::cerr << "internal error: cannot infer the result type of " << opcodeName(code) << ": "
              << (t.error.empty() ? "result type must be given" : t.error) << "\n";
    std::abort();
  }
  return create(code, std::move(operands), std::move(attrs), *t.type, nameHint);
}

} // namespace partita
