// The verifier: the module-level rules (meshes, shardings, returns, @main) here; each op's
// checks come from its record (ir/OpInfo.h) through checkOp, the same code type inference
// runs, so the two can never disagree.
#include "ir/Verifier.h"

#include "ir/OpInfo.h"
#include "ir/ShapeInference.h"
#include "ir/ops/OpContext.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_set>

namespace partita {

namespace {

std::string q(const std::string &s) { return quoted(s); }
const char *kindName(Attr::Kind k) { return attrKindName(k); }

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
    bool needsMesh = opInfo(op.opcode).is(opflag::NeedsMesh);
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
    pendingValues(f);
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
  // Async collectives (docs/ir.md): a pending result is read by exactly one `await` and by
  // nothing else, and is never returned; `await` reads nothing but a pending result.
  void pendingValues(const Func &f) {
    std::unordered_map<const Value *, const Op *> awaited;
    auto what = [](const Value *v) {
      return "%" + v->name +
             (v->def ? std::string(" (the result of '") + opcodeName(v->def->opcode) + "')"
                     : std::string(" (an argument)"));
    };
    for (const auto &o : f.ops)
      for (const Value *v : o->operands) {
        if (!v) continue;
        bool pending = v->def && isAsyncCollective(*v->def);
        if (o->opcode == Opcode::Await) {
          if (!pending)
            d_.error(o->loc, "'await' needs the pending result of an async collective, but " +
                                 what(v) + " is not one");
          else if (!awaited.emplace(v, o.get()).second)
            d_.error(o->loc, "%" + v->name + ", the pending result of async '" +
                                 opcodeName(v->def->opcode) + "', is awaited more than once");
        } else if (pending) {
          d_.error(o->loc, std::string("'") + opcodeName(o->opcode) + "' reads %" + v->name +
                               ", the pending result of async '" + opcodeName(v->def->opcode) +
                               "': only 'await' may read it");
        }
      }
    for (const auto &o : f.ops)
      if (o->result && isAsyncCollective(*o) && !awaited.count(o->result))
        d_.error(o->loc, std::string("async '") + opcodeName(o->opcode) + "' %" + o->result->name +
                             " is never awaited");
    for (const Value *v : f.returns)
      if (v && v->def && isAsyncCollective(*v->def))
        d_.error(pick(f.returnLoc, f.loc), "'return' reads %" + v->name +
                                               ", the pending result of async '" +
                                               opcodeName(v->def->opcode) + "': await it first");
  }

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
      // At most 2^31: generated i32 inputs lie in [0, bound) and must be i32 values.
      if (b.kind != Attr::Kind::Int || b.i <= 0 || b.i > (int64_t(1) << 31))
        d_.error(pick(b.loc, at), what + ": attribute 'bound' must be an integer in [1, 2^31]");
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
