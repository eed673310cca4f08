// The C++ model importer: builds the AST of a model file with Clang libtooling, finds the
// entry function and the mesh declarations with a RecursiveASTVisitor, then evaluates the
// entry function symbolically (an abstract interpreter over the AST): tensors become IR
// values, integers and floats are compile-time numbers, helper calls are inlined and `for`
// loops unrolled. Anything outside that subset is a located error.
#include "frontends/cxx/CxxImport.h"

#include "ir/OpInfo.h"
#include "ir/Verifier.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/CompilationDatabase.h"
#include "clang/Tooling/Tooling.h"

#include <map>
#include <optional>
#include <unordered_map>

using namespace clang;

namespace partita {
namespace {

// Thrown at the first construct the importer cannot translate; caught in importCxx, never
// across Clang frames.
struct ImportError {
  Loc loc;
  std::string message;
};

// A compile-time value of the abstract interpreter.
struct Val {
  enum Kind { None, Tensor, Int, Float, Str, List, MeshRef } kind = None;
  Value *v = nullptr;
  int64_t i = 0;
  double f = 0;
  std::string s; // Str, MeshRef (the mesh name)
  std::vector<Val> list;

  static Val ofTensor(Value *x) {
    Val r;
    r.kind = Tensor;
    r.v = x;
    return r;
  }
  static Val ofInt(int64_t x) {
    Val r;
    r.kind = Int;
    r.i = x;
    return r;
  }
  static Val ofFloat(double x) {
    Val r;
    r.kind = Float;
    r.f = x;
    return r;
  }
  static Val ofStr(std::string x) {
    Val r;
    r.kind = Str;
    r.s = std::move(x);
    return r;
  }
  static Val ofList(std::vector<Val> x) {
    Val r;
    r.kind = List;
    r.list = std::move(x);
    return r;
  }
  bool isNumber() const { return kind == Int || kind == Float; }
  double num() const { return kind == Int ? (double)i : f; }
};

bool inModelNamespace(const Decl *d) {
  const auto *nd = dyn_cast<NamedDecl>(d);
  return nd && StringRef(nd->getQualifiedNameAsString()).starts_with("partita::model::");
}

const CXXRecordDecl *recordOf(QualType t) {
  return t.getNonReferenceType().getCanonicalType()->getAsCXXRecordDecl();
}

bool isModelClass(QualType t, StringRef name) {
  const CXXRecordDecl *r = recordOf(t);
  return r && r->getQualifiedNameAsString() == ("partita::model::" + name).str();
}

// Collects the entry function and the namespace-scope meshes of the main file.
class DeclFinder : public RecursiveASTVisitor<DeclFinder> {
public:
  explicit DeclFinder(SourceManager &sm) : sm_(sm) {}
  std::vector<FunctionDecl *> entries;
  std::vector<VarDecl *> meshes;

  bool VisitFunctionDecl(FunctionDecl *fd) {
    if (!fd->doesThisDeclarationHaveABody()) return true;
    for (const auto *a : fd->specific_attrs<AnnotateAttr>())
      if (a->getAnnotation() == "partita.entry") entries.push_back(fd);
    return true;
  }
  bool VisitVarDecl(VarDecl *vd) {
    if (vd->hasGlobalStorage() && !vd->isStaticLocal() && isModelClass(vd->getType(), "Mesh") &&
        sm_.isInMainFile(sm_.getExpansionLoc(vd->getLocation())))
      meshes.push_back(vd);
    return true;
  }

private:
  SourceManager &sm_;
};

class Importer {
public:
  Importer(ASTContext &ctx, Module &m) : ctx_(ctx), sm_(ctx.getSourceManager()), m_(m) {}

  void importMesh(VarDecl *vd) {
    Mesh mesh;
    mesh.name = vd->getNameAsString();
    mesh.loc = loc(vd->getLocation());
    if (!vd->getInit()) fail(vd->getLocation(), "mesh '" + mesh.name + "' has no initializer");
    frames_.emplace_back();
    Val axes = eval(vd->getInit());
    frames_.pop_back();
    for (const Val &a : axes.list) {
      if (a.kind != Val::List || a.list.size() != 2 || a.list[0].kind != Val::Str ||
          a.list[1].kind != Val::Int || a.list[1].i < 1)
        fail(vd->getInit()->getBeginLoc(),
             "a mesh axis must be {\"name\", size} with a positive compile-time size");
      mesh.axes.push_back({a.list[0].s, a.list[1].i});
    }
    if (axes.kind != Val::List || mesh.axes.empty())
      fail(vd->getLocation(), "mesh '" + mesh.name + "' needs at least one axis");
    m_.meshes.push_back(mesh);
  }

  void importEntry(FunctionDecl *fd) {
    auto f = std::make_unique<Func>();
    f->name = "main";
    f->loc = loc(fd->getLocation());
    f_ = f.get();
    b_ = std::make_unique<Builder>(*f_);
    frames_.emplace_back();
    for (ParmVarDecl *p : fd->parameters()) {
      TensorType t = paramType(p);
      Value *v = f_->addArg(p->getNameAsString(), t, loc(p->getLocation()));
      f_->argAttrs.resize(f_->args.size());
      paramAttrs(p, t, f_->argAttrs.back());
      frames_.back()[p] = Val::ofTensor(v);
    }
    Val ret = callBody(fd, fd->getLocation());
    frames_.pop_back();
    std::vector<Val> rets = ret.kind == Val::List ? ret.list : std::vector<Val>{ret};
    for (const Val &r : rets) {
      if (r.kind != Val::Tensor)
        fail(fd->getLocation(), "the entry function must return a tensor or a tuple of tensors");
      f_->returns.push_back(r.v);
      FuncResult res;
      res.type = r.v->type;
      res.loc = returnLoc_;
      f_->results.push_back(res);
    }
    f_->returnLoc = returnLoc_;
    m_.funcs.push_back(std::move(f));
  }

private:
  ASTContext &ctx_;
  SourceManager &sm_;
  Module &m_;
  Func *f_ = nullptr;
  std::unique_ptr<Builder> b_;
  std::vector<std::unordered_map<const VarDecl *, Val>> frames_; // one per inlined call
  std::map<std::string, std::shared_ptr<const std::string>> files_;
  std::string nameHint_ = "v";
  Loc returnLoc_;
  // Set by a `return` until the enclosing call finishes.
  std::optional<Val> returned_;

  static constexpr int kMaxCallDepth = 64;
  static constexpr int64_t kMaxIterations = 1000000;

  // ---- Locations and errors ----

  Loc loc(SourceLocation l) {
    PresumedLoc p = sm_.getPresumedLoc(sm_.getExpansionLoc(l));
    if (p.isInvalid()) return {};
    auto &file = files_[p.getFilename()];
    if (!file) file = std::make_shared<const std::string>(p.getFilename());
    // Imported: printed as loc(...) so the C++ position survives the text format.
    return Loc{file, (int)p.getLine(), (int)p.getColumn(), true};
  }
  [[noreturn]] void fail(SourceLocation l, const std::string &msg) {
    throw ImportError{loc(l), msg};
  }
  static SourceLocation where(const Expr *e) {
    if (const auto *op = dyn_cast<CXXOperatorCallExpr>(e)) return op->getOperatorLoc();
    return e->getBeginLoc();
  }

  // ---- Entry parameters ----

  TensorType paramType(const ParmVarDecl *p) {
    const auto *spec = dyn_cast_or_null<ClassTemplateSpecializationDecl>(recordOf(p->getType()));
    if (!spec || spec->getQualifiedNameAsString() != "partita::model::Tensor")
      fail(p->getLocation(), "entry parameter '" + p->getNameAsString() +
                                 "' must have a static tensor type such as Tensor<f32, 8, 16>");
    const TemplateArgumentList &args = spec->getTemplateArgs();
    int64_t dt = args[0].getAsIntegral().getSExtValue();
    if (dt < 0 || dt > 3)
      fail(p->getLocation(), "entry parameter '" + p->getNameAsString() +
                                 "' needs a dtype and a shape, e.g. Tensor<f32, 8, 16>");
    TensorType t;
    t.dtype = toDType(dt);
    if (args.size() > 1)
      for (const TemplateArgument &d : args[1].pack_elements()) {
        int64_t n = d.getAsIntegral().getSExtValue();
        if (n < 0)
          fail(p->getLocation(),
               "negative dimension in the type of '" + p->getNameAsString() + "'");
        t.shape.push_back(n);
      }
    return t;
  }
  // Argument attributes from `partita.*` annotations on an entry parameter (the macros of
  // model.h): PARTITA_BOUND(n) is `bound = n`, the exclusive bound of generated i32 inputs.
  void paramAttrs(const ParmVarDecl *p, const TensorType &t, AttrDict &attrs) {
    for (const auto *a : p->specific_attrs<AnnotateAttr>()) {
      StringRef what = a->getAnnotation();
      if (!what.starts_with("partita.")) continue;
      if (what != "partita.bound")
        fail(a->getLocation(), "unknown annotation '" + what.str() + "' on entry parameter '" +
                                   p->getNameAsString() + "'");
      if (t.dtype != DType::I32)
        fail(a->getLocation(), "PARTITA_BOUND applies to i32 parameters, but '" +
                                   p->getNameAsString() + "' is " + t.str());
      Expr::EvalResult r;
      if (a->args_size() != 1 || (*a->args_begin())->isValueDependent() ||
          !(*a->args_begin())->EvaluateAsInt(r, ctx_))
        fail(a->getLocation(), "PARTITA_BOUND needs one compile-time integer");
      llvm::APSInt n = r.Val.getInt();
      // Generated inputs lie in [0, n) and are i32 values, so n is at most 2^31.
      if (n.isNegative() || n.isZero() || n.getSignificantBits() > 33 ||
          n.getExtValue() > (int64_t(1) << 31))
        fail(a->getLocation(),
             "PARTITA_BOUND must be an integer in [1, 2^31], got " + toString(n, 10));
      attrs["bound"] = Attr::ofInt(n.getExtValue());
    }
  }

  static DType toDType(int64_t d) {
    static const DType kinds[] = {DType::F32, DType::BF16, DType::I32, DType::I1};
    return kinds[d];
  }

  // ---- Statements ----

  Val callBody(const FunctionDecl *fd, SourceLocation callLoc) {
    if (frames_.size() > kMaxCallDepth)
      fail(callLoc, "helper calls nest deeper than " + std::to_string(kMaxCallDepth) +
                        " (recursion is not supported)");
    returned_.reset();
    exec(fd->getBody());
    Val r = returned_ ? *returned_ : Val();
    returned_.reset();
    return r;
  }

  void exec(const Stmt *s) {
    if (returned_) return;
    if (const auto *c = dyn_cast<CompoundStmt>(s)) {
      for (const Stmt *x : c->body()) {
        exec(x);
        if (returned_) return;
      }
    } else if (const auto *d = dyn_cast<DeclStmt>(s)) {
      for (const Decl *x : d->decls()) {
        // Clang has checked static_asserts, and types do not matter here.
        if (isa<StaticAssertDecl, TypedefNameDecl, UsingDecl, UsingDirectiveDecl>(x)) continue;
        const auto *vd = dyn_cast<VarDecl>(x);
        if (!vd) fail(x->getLocation(), "only variable declarations are supported here");
        if (vd->isStaticLocal())
          fail(vd->getLocation(), "static local variables are not supported");
        if (!vd->getInit())
          fail(vd->getLocation(), "variable '" + vd->getNameAsString() + "' needs an initializer");
        std::string saved = nameHint_;
        nameHint_ = vd->getNameAsString();
        Val v = eval(vd->getInit());
        nameHint_ = saved;
        frames_.back()[vd] = v;
      }
    } else if (const auto *r = dyn_cast<ReturnStmt>(s)) {
      returnLoc_ = loc(r->getReturnLoc());
      returned_ = r->getRetValue() ? eval(r->getRetValue()) : Val();
    } else if (const auto *fs = dyn_cast<ForStmt>(s)) {
      execFor(fs);
    } else if (const auto *is = dyn_cast<IfStmt>(s)) {
      if (is->getInit()) exec(is->getInit());
      if (is->getConditionVariableDeclStmt())
        fail(is->getBeginLoc(), "condition variables are not supported");
      if (constInt(is->getCond(), "if condition"))
        exec(is->getThen());
      else if (is->getElse())
        exec(is->getElse());
    } else if (const auto *e = dyn_cast<Expr>(s)) {
      eval(e);
    } else if (isa<NullStmt>(s)) {
    } else {
      fail(s->getBeginLoc(), std::string("unsupported statement '") + s->getStmtClassName() +
                                 "' (supported: declarations, assignments, for, if, return)");
    }
  }

  // An integer known at import time; `what` names it in the error otherwise.
  int64_t constInt(const Expr *e, const std::string &what) {
    Val v;
    try {
      v = eval(e);
    } catch (ImportError &err) {
      err.message = what + " is not a compile-time constant: " + err.message;
      throw;
    }
    if (v.kind != Val::Int) fail(e->getBeginLoc(), what + " is not a compile-time integer");
    return v.i;
  }

  void execFor(const ForStmt *fs) {
    if (fs->getInit()) exec(fs->getInit());
    for (int64_t n = 0;; ++n) {
      if (fs->getCond() && !constInt(fs->getCond(), "loop trip count")) break;
      if (n >= kMaxIterations)
        fail(fs->getBeginLoc(),
             "loop runs more than " + std::to_string(kMaxIterations) + " iterations");
      if (fs->getBody()) exec(fs->getBody());
      if (returned_) return;
      if (fs->getInc()) {
        try {
          eval(fs->getInc());
        } catch (ImportError &err) {
          err.message = "loop trip count is not a compile-time constant: " + err.message;
          throw;
        }
      }
    }
  }

  // ---- Expressions ----

  Val *lookupLocal(const ValueDecl *d) {
    const auto *vd = dyn_cast<VarDecl>(d);
    if (!vd) return nullptr;
    auto it = frames_.back().find(vd);
    return it == frames_.back().end() ? nullptr : &it->second;
  }

  // The variable an assignment writes; only plain local variables can be assigned.
  Val &lvalue(const Expr *e) {
    e = e->IgnoreParenImpCasts();
    if (const auto *dr = dyn_cast<DeclRefExpr>(e))
      if (Val *v = lookupLocal(dr->getDecl())) return *v;
    fail(e->getBeginLoc(), "only local variables can be assigned");
  }

  // `var = rhs`; the ops computing rhs are named after the variable.
  Val assign(const Expr *lhs, const Expr *rhs) {
    Val &dst = lvalue(lhs);
    std::string saved = nameHint_;
    if (const auto *dr = dyn_cast<DeclRefExpr>(lhs->IgnoreParenImpCasts()))
      nameHint_ = dr->getDecl()->getNameAsString();
    Val v = eval(rhs);
    nameHint_ = saved;
    return dst = v;
  }

  Val eval(const Expr *e) {
    // Arithmetic first goes to Clang's constant evaluator: constexpr variables and
    // functions, sizeof, enumerators. Loop counters and other locals fall through.
    QualType t = e->getType();
    if (!e->isValueDependent() && !e->HasSideEffects(ctx_)) {
      if (t->isIntegralOrEnumerationType()) {
        Expr::EvalResult r;
        if (e->EvaluateAsInt(r, ctx_)) return Val::ofInt(r.Val.getInt().getSExtValue());
      } else if (t->isRealFloatingType()) {
        llvm::APFloat fv(0.0);
        if (e->EvaluateAsFloat(fv, ctx_)) return Val::ofFloat(fv.convertToDouble());
      }
    }
    if (t->isPointerType() && !isa<StringLiteral>(e->IgnoreParenImpCasts())) {
      if (const auto *bo = dyn_cast<BinaryOperator>(e->IgnoreParens()))
        if (bo->isAdditiveOp()) fail(bo->getOperatorLoc(), "pointer arithmetic is not supported");
      if (const auto *uo = dyn_cast<UnaryOperator>(e->IgnoreParens()))
        if (uo->isIncrementDecrementOp())
          fail(uo->getOperatorLoc(), "pointer arithmetic is not supported");
    }

    if (const auto *x = dyn_cast<ParenExpr>(e)) return eval(x->getSubExpr());
    if (const auto *x = dyn_cast<ConstantExpr>(e)) return eval(x->getSubExpr());
    if (const auto *x = dyn_cast<ExprWithCleanups>(e)) return eval(x->getSubExpr());
    if (const auto *x = dyn_cast<MaterializeTemporaryExpr>(e)) return eval(x->getSubExpr());
    if (const auto *x = dyn_cast<CXXBindTemporaryExpr>(e)) return eval(x->getSubExpr());
    if (const auto *x = dyn_cast<CXXDefaultArgExpr>(e)) return eval(x->getExpr());
    if (const auto *x = dyn_cast<CXXStdInitializerListExpr>(e)) return eval(x->getSubExpr());
    if (const auto *x = dyn_cast<CastExpr>(e)) return evalCast(x);
    if (const auto *x = dyn_cast<IntegerLiteral>(e))
      return Val::ofInt(x->getValue().getSExtValue());
    if (const auto *x = dyn_cast<CXXBoolLiteralExpr>(e)) return Val::ofInt(x->getValue());
    if (const auto *x = dyn_cast<FloatingLiteral>(e))
      return Val::ofFloat(x->getValue().convertToDouble());
    if (const auto *x = dyn_cast<StringLiteral>(e)) {
      if (!x->isOrdinary()) fail(x->getBeginLoc(), "only ordinary string literals are supported");
      return Val::ofStr(x->getString().str());
    }
    if (const auto *x = dyn_cast<InitListExpr>(e)) {
      std::vector<Val> items;
      for (const Expr *i : x->inits())
        items.push_back(eval(i));
      return Val::ofList(std::move(items));
    }
    if (const auto *x = dyn_cast<CXXConstructExpr>(e)) return evalConstruct(x);
    if (const auto *x = dyn_cast<DeclRefExpr>(e)) return evalDeclRef(x);
    if (const auto *x = dyn_cast<BinaryOperator>(e)) return evalBinary(x);
    if (const auto *x = dyn_cast<UnaryOperator>(e)) return evalUnary(x);
    if (const auto *x = dyn_cast<ConditionalOperator>(e))
      return constInt(x->getCond(), "condition") ? eval(x->getTrueExpr()) : eval(x->getFalseExpr());
    if (const auto *x = dyn_cast<CallExpr>(e)) return evalCall(x);
    if (isa<ArraySubscriptExpr>(e))
      fail(e->getBeginLoc(), "array subscripts and pointer arithmetic are not supported");
    if (isa<LambdaExpr>(e)) fail(e->getBeginLoc(), "lambdas are not supported");
    fail(e->getBeginLoc(), std::string("unsupported expression '") + e->getStmtClassName() + "'");
  }

  Val evalCast(const CastExpr *x) {
    Val v = eval(x->getSubExpr());
    switch (x->getCastKind()) {
    case CK_IntegralToFloating:
      if (v.kind == Val::Int) return Val::ofFloat((double)v.i);
      break;
    case CK_FloatingToIntegral:
      if (v.kind == Val::Float) return Val::ofInt((int64_t)v.f);
      break;
    case CK_IntegralToBoolean:
      if (v.kind == Val::Int) return Val::ofInt(v.i != 0);
      break;
    case CK_FloatingToBoolean:
      if (v.kind == Val::Float) return Val::ofInt(v.f != 0);
      break;
    case CK_PointerToIntegral:
    case CK_IntegralToPointer:
    case CK_AddressSpaceConversion:
      fail(x->getBeginLoc(), "pointer conversions are not supported");
    default:
      break;
    }
    return v;
  }

  Val evalConstruct(const CXXConstructExpr *x) {
    // Copies, moves and the std containers and strings that carry lists to the API are
    // transparent: a constructor with one explicit argument yields that argument, with
    // several a list, with none an empty list (a default-constructed Tensor has no value).
    std::vector<Val> args;
    for (const Expr *a : x->arguments())
      if (!isa<CXXDefaultArgExpr>(a)) args.push_back(eval(a));
    if (args.size() == 1) return args[0];
    if (args.empty()) return isModelClass(x->getType(), "Tensor") ? Val() : Val::ofList({});
    if (inModelNamespace(x->getConstructor()))
      fail(x->getBeginLoc(), "tensors come from the partita::model functions, not constructors");
    return Val::ofList(std::move(args));
  }

  Val evalDeclRef(const DeclRefExpr *x) {
    const ValueDecl *d = x->getDecl();
    if (Val *v = lookupLocal(d)) {
      if (v->kind == Val::None)
        fail(x->getLocation(), "'" + d->getNameAsString() + "' is used before it has a value");
      return *v;
    }
    if (const auto *vd = dyn_cast<VarDecl>(d)) {
      if (vd->hasGlobalStorage() && isModelClass(vd->getType(), "Mesh")) {
        Val r;
        r.kind = Val::MeshRef;
        r.s = vd->getNameAsString();
        if (!m_.mesh(r.s))
          fail(x->getLocation(), "mesh '" + r.s + "' is not declared in this file");
        return r;
      }
      if (vd->hasGlobalStorage() && vd->getType().isConstQualified() && vd->getInit() &&
          !vd->getType()->isArithmeticType()) {
        frames_.emplace_back();
        Val r = eval(vd->getInit());
        frames_.pop_back();
        return r;
      }
    }
    fail(x->getLocation(), "'" + d->getNameAsString() + "' is not a compile-time constant");
  }

  // A comparison of two integers or two numbers: an int 0/1, as C++ gives.
  template <class T> static std::optional<Val> compare(BinaryOperatorKind op, T x, T y) {
    switch (op) {
    case BO_LT:
      return Val::ofInt(x < y);
    case BO_GT:
      return Val::ofInt(x > y);
    case BO_LE:
      return Val::ofInt(x <= y);
    case BO_GE:
      return Val::ofInt(x >= y);
    case BO_EQ:
      return Val::ofInt(x == y);
    case BO_NE:
      return Val::ofInt(x != y);
    default:
      return std::nullopt;
    }
  }

  static Val arith(BinaryOperatorKind op, const Val &a, const Val &b, const Expr *e,
                   Importer &self) {
    if (a.kind == Val::Int && b.kind == Val::Int) {
      int64_t x = a.i, y = b.i;
      if (auto c = compare(op, x, y)) return *c;
      switch (op) {
      case BO_Add:
        return Val::ofInt(x + y);
      case BO_Sub:
        return Val::ofInt(x - y);
      case BO_Mul:
        return Val::ofInt(x * y);
      case BO_Div:
      case BO_Rem:
        if (y == 0) self.fail(e->getExprLoc(), "division by zero");
        return Val::ofInt(op == BO_Div ? x / y : x % y);
      case BO_Shl:
        return Val::ofInt(y < 0 || y > 62 ? 0 : x << y);
      case BO_Shr:
        return Val::ofInt(y < 0 || y > 62 ? 0 : x >> y);
      case BO_And:
        return Val::ofInt(x & y);
      case BO_Or:
        return Val::ofInt(x | y);
      case BO_Xor:
        return Val::ofInt(x ^ y);
      case BO_LAnd:
        return Val::ofInt(x && y);
      case BO_LOr:
        return Val::ofInt(x || y);
      default:
        break;
      }
    } else if (a.isNumber() && b.isNumber()) {
      double x = a.num(), y = b.num();
      if (auto c = compare(op, x, y)) return *c;
      switch (op) {
      case BO_Add:
        return Val::ofFloat(x + y);
      case BO_Sub:
        return Val::ofFloat(x - y);
      case BO_Mul:
        return Val::ofFloat(x * y);
      case BO_Div:
        return Val::ofFloat(x / y);
      default:
        break;
      }
    }
    self.fail(e->getExprLoc(), "unsupported operator '" + BinaryOperator::getOpcodeStr(op).str() +
                                   "' on these operands");
  }

  Val evalBinary(const BinaryOperator *x) {
    BinaryOperatorKind op = x->getOpcode();
    if (x->getLHS()->getType()->isPointerType() || x->getRHS()->getType()->isPointerType())
      fail(x->getOperatorLoc(), "pointer arithmetic is not supported");
    if (op == BO_Comma) fail(x->getOperatorLoc(), "the comma operator is not supported");
    if (op == BO_Assign) return assign(x->getLHS(), x->getRHS());
    if (x->isCompoundAssignmentOp()) {
      Val &dst = lvalue(x->getLHS());
      Val v =
          arith(BinaryOperator::getOpForCompoundAssignment(op), dst, eval(x->getRHS()), x, *this);
      return dst = v;
    }
    if (op == BO_LAnd || op == BO_LOr) { // short-circuit, as C++ does
      Val a = eval(x->getLHS());
      if (a.kind == Val::Int && (op == BO_LAnd ? !a.i : a.i)) return Val::ofInt(op == BO_LOr);
      return arith(op, a, eval(x->getRHS()), x, *this);
    }
    // Left before right: argument evaluation order is unspecified, and the ops must come out
    // in source order whatever compiler built the importer.
    Val lhs = eval(x->getLHS());
    return arith(op, lhs, eval(x->getRHS()), x, *this);
  }

  Val evalUnary(const UnaryOperator *x) {
    UnaryOperatorKind op = x->getOpcode();
    if (op == UO_AddrOf || op == UO_Deref) fail(x->getOperatorLoc(), "pointers are not supported");
    if (x->isIncrementDecrementOp()) {
      Val &dst = lvalue(x->getSubExpr());
      if (dst.kind != Val::Int) fail(x->getOperatorLoc(), "++ and -- need an integer variable");
      Val old = dst;
      dst.i += x->isIncrementOp() ? 1 : -1;
      return x->isPrefix() ? dst : old;
    }
    Val v = eval(x->getSubExpr());
    if (op == UO_Plus && v.isNumber()) return v;
    if (op == UO_Minus && v.kind == Val::Int) return Val::ofInt(-v.i);
    if (op == UO_Minus && v.kind == Val::Float) return Val::ofFloat(-v.f);
    if (op == UO_LNot && v.kind == Val::Int) return Val::ofInt(!v.i);
    if (op == UO_Not && v.kind == Val::Int) return Val::ofInt(~v.i);
    fail(x->getOperatorLoc(),
         "unsupported unary operator '" + UnaryOperator::getOpcodeStr(op).str() + "'");
  }

  Val evalCall(const CallExpr *x) {
    if (const auto *op = dyn_cast<CXXOperatorCallExpr>(x))
      if (op->getOperator() == OO_Equal && op->getNumArgs() == 2)
        return assign(op->getArg(0), op->getArg(1));
    // Indexing a list (a Results or a shape) with a compile-time index.
    if (const auto *op = dyn_cast<CXXOperatorCallExpr>(x))
      if (op->getOperator() == OO_Subscript && op->getNumArgs() == 2) {
        Val list = eval(op->getArg(0));
        int64_t i = constInt(op->getArg(1), "index");
        if (list.kind != Val::List || i < 0 || i >= (int64_t)list.list.size())
          fail(op->getArg(1)->getBeginLoc(),
               "index " + std::to_string(i) + " is out of range (" +
                   (list.kind == Val::List ? std::to_string(list.list.size()) + " elements"
                                           : std::string("not a list")) +
                   ")");
        return list.list[i];
      }
    if (isa<CXXMemberCallExpr>(x))
      fail(x->getBeginLoc(), "member function calls are not supported");
    const FunctionDecl *fd = x->getDirectCallee();
    if (!fd) fail(x->getBeginLoc(), "indirect calls are not supported");
    std::vector<Val> args;
    for (const Expr *a : x->arguments())
      args.push_back(eval(a));
    if (inModelNamespace(fd)) return primitive(x, fd, args);
    const FunctionDecl *def = nullptr;
    if (!fd->hasBody(def) || sm_.isInSystemHeader(sm_.getExpansionLoc(def->getLocation())))
      fail(where(x), "call to unknown function '" + fd->getQualifiedNameAsString() +
                         "' (only partita::model functions and helpers defined in the model "
                         "can be called)");
    if (def->isVariadic()) fail(where(x), "variadic helpers are not supported");
    std::unordered_map<const VarDecl *, Val> frame;
    for (unsigned i = 0; i < def->getNumParams() && i < args.size(); ++i)
      frame[def->getParamDecl(i)] = args[i];
    frames_.push_back(std::move(frame));
    std::string saved = nameHint_;
    Val r = callBody(def, where(x));
    nameHint_ = saved;
    frames_.pop_back();
    return r;
  }

  // ---- partita::model functions ----

  struct Args {
    Importer &im;
    const CallExpr *call;
    std::string fn;
    std::vector<Val> &v;
    SourceLocation at(size_t i) const {
      return i < call->getNumArgs() ? call->getArg(i)->getBeginLoc() : call->getBeginLoc();
    }
    Value *tensor(size_t i) const {
      if (i >= v.size() || v[i].kind != Val::Tensor) im.fail(at(i), fn + ": expects a tensor here");
      return v[i].v;
    }
    int64_t integer(size_t i) const {
      if (i >= v.size() || v[i].kind != Val::Int)
        im.fail(at(i), fn + ": expects a compile-time integer here");
      return v[i].i;
    }
    double number(size_t i) const {
      if (i >= v.size() || !v[i].isNumber())
        im.fail(at(i), fn + ": expects a compile-time number here");
      return v[i].num();
    }
    std::string str(size_t i) const {
      if (i >= v.size() || v[i].kind != Val::Str)
        im.fail(at(i), fn + ": expects a string literal here");
      return v[i].s;
    }
    std::vector<int64_t> ints(size_t i) const {
      if (i >= v.size() || v[i].kind != Val::List)
        im.fail(at(i), fn + ": expects a list of integers");
      std::vector<int64_t> r;
      for (const Val &x : v[i].list) {
        if (x.kind != Val::Int) im.fail(at(i), fn + ": expects a list of compile-time integers");
        r.push_back(x.i);
      }
      return r;
    }
    DType dtype(size_t i) const {
      int64_t d = integer(i);
      if (d < 0 || d > 3) im.fail(at(i), fn + ": expects a dtype (f32, bf16, i32 or i1)");
      return toDType(d);
    }
  };

  // Creates an op at the call's location, with `type` or the inferred result type; shape
  // and attribute errors become errors at the call.
  Value *emit(const CallExpr *call, const std::string &fn, Opcode code, std::vector<Value *> ops,
              AttrDict attrs, std::optional<TensorType> type = std::nullopt,
              std::optional<Sharding> sharding = std::nullopt) {
    SourceLocation at = where(call);
    if (!type) {
      std::vector<TensorType> types;
      for (Value *v : ops)
        types.push_back(v->type);
      InferredType t = inferResultType(code, types, attrs);
      if (!t.error.empty()) fail(at, fn + ": " + t.error);
      if (!t.type) fail(at, fn + ": cannot infer the result type");
      type = t.type;
    }
    b_->setLoc(loc(at));
    Value *r = b_->create(code, std::move(ops), std::move(attrs), *type, nameHint_);
    r->sharding = std::move(sharding);
    Diagnostics d;
    if (!verifyOp(*f_->ops.back(), m_, d))
      for (const Diagnostic &x : d.all())
        if (x.severity == Diagnostic::Severity::Error) fail(at, fn + ": " + x.message);
    return r;
  }

  Value *splat(const CallExpr *call, double v, const TensorType &t) {
    AttrDict a;
    a["value"] = isFloat(t.dtype) ? Attr::ofFloat(v) : Attr::ofInt((int64_t)v);
    return emit(call, "constant", Opcode::Constant, {}, std::move(a), t);
  }

  Val primitive(const CallExpr *call, const FunctionDecl *fd, std::vector<Val> &v) {
    static const std::map<std::string, const char *> compares = {
        {"operator<", "lt"}, {"operator<=", "le"}, {"operator>", "gt"}, {"operator>=", "ge"}};
    std::string fn = fd->getNameAsString();
    Args a{*this, call, fn, v};
    // The API's functions are named after ops (or an op's frontend alias, "maximum").
    const OpInfo *info = opInfoByFrontendName(fn);
    std::optional<Opcode> code;
    if (info) code = info->code;
    auto attrs = [](std::initializer_list<std::pair<const char *, Attr>> kv) {
      AttrDict d;
      for (auto &[k, x] : kv)
        d[k] = x;
      return d;
    };
    auto T = [](Value *x) { return Val::ofTensor(x); };

    if (fn == "operator-" && v.size() == 1)
      return T(emit(call, fn, Opcode::Neg, {a.tensor(0)}, {}));
    if (info && info->is(opflag::UnaryBit) && info->attrs.empty() && code != Opcode::Convert)
      return T(emit(call, fn, *code, {a.tensor(0)}, {}));
    if (info && info->is(opflag::BinaryBit) && info->attrs.empty()) {
      // A number next to a tensor is splatted to the tensor's type.
      if (v.size() == 2 && v[0].isNumber() && v[1].kind == Val::Tensor)
        v[0] = Val::ofTensor(splat(call, v[0].num(), v[1].v->type));
      if (v.size() == 2 && v[1].isNumber() && v[0].kind == Val::Tensor)
        v[1] = Val::ofTensor(splat(call, v[1].num(), v[0].v->type));
      return T(emit(call, fn, *code, {a.tensor(0), a.tensor(1)}, {}));
    }
    if (auto it = compares.find(fn); it != compares.end())
      return T(emit(call, fn, Opcode::Compare, {a.tensor(0), a.tensor(1)},
                    attrs({{"direction", Attr::ofString(it->second)}})));
    if (code == Opcode::Compare)
      return T(emit(call, fn, Opcode::Compare, {a.tensor(0), a.tensor(1)},
                    attrs({{"direction", Attr::ofString(a.str(2))}})));
    if (code == Opcode::Select)
      return T(emit(call, fn, Opcode::Select, {a.tensor(0), a.tensor(1), a.tensor(2)}, {}));
    if (code == Opcode::Convert) {
      Value *x = a.tensor(0);
      return T(emit(call, fn, Opcode::Convert, {x}, {}, TensorType(a.dtype(1), x->type.shape)));
    }
    if (code == Opcode::Constant) {
      TensorType t(a.dtype(1), a.ints(2));
      return T(splat(call, a.number(0), t));
    }
    if (code == Opcode::Iota)
      return T(emit(call, fn, Opcode::Iota, {}, attrs({{"dim", Attr::ofInt(a.integer(2))}}),
                    TensorType(a.dtype(0), a.ints(1))));
    if (code == Opcode::BroadcastInDim) {
      Value *x = a.tensor(0);
      return T(emit(call, fn, Opcode::BroadcastInDim, {x},
                    attrs({{"dims", Attr::ofInts(a.ints(2))}}),
                    TensorType(x->type.dtype, a.ints(1))));
    }
    if (code == Opcode::Reshape) {
      Value *x = a.tensor(0);
      return T(emit(call, fn, Opcode::Reshape, {x}, {}, TensorType(x->type.dtype, a.ints(1))));
    }
    if (code == Opcode::Transpose)
      return T(emit(call, fn, Opcode::Transpose, {a.tensor(0)},
                    attrs({{"perm", Attr::ofInts(a.ints(1))}})));
    if (code == Opcode::Slice) {
      AttrDict d = attrs({{"start", Attr::ofInts(a.ints(1))}, {"limit", Attr::ofInts(a.ints(2))}});
      std::vector<int64_t> stride = a.ints(3);
      if (!stride.empty()) d["stride"] = Attr::ofInts(stride);
      return T(emit(call, fn, Opcode::Slice, {a.tensor(0)}, std::move(d)));
    }
    if (code == Opcode::Concatenate) {
      if (v.empty() || v[0].kind != Val::List || v[0].list.empty())
        fail(a.at(0), fn + ": expects a non-empty list of tensors");
      std::vector<Value *> xs;
      for (const Val &x : v[0].list) {
        if (x.kind != Val::Tensor) fail(a.at(0), fn + ": expects a list of tensors");
        xs.push_back(x.v);
      }
      return T(
          emit(call, fn, Opcode::Concatenate, xs, attrs({{"dim", Attr::ofInt(a.integer(1))}})));
    }
    if (code == Opcode::Pad) {
      Value *x = a.tensor(0);
      Attr value =
          isFloat(x->type.dtype) ? Attr::ofFloat(a.number(3)) : Attr::ofInt((int64_t)a.number(3));
      return T(emit(call, fn, Opcode::Pad, {x},
                    attrs({{"low", Attr::ofInts(a.ints(1))},
                           {"high", Attr::ofInts(a.ints(2))},
                           {"value", value}})));
    }
    if (code == Opcode::Einsum)
      return T(emit(call, fn, Opcode::Einsum, {a.tensor(1), a.tensor(2)},
                    attrs({{"spec", Attr::ofString(a.str(0))}})));
    if (code == Opcode::ReduceSum || code == Opcode::ReduceMax || code == Opcode::ReduceMin) {
      return T(emit(call, fn, *code, {a.tensor(0)}, attrs({{"dims", Attr::ofInts(a.ints(1))}})));
    }
    if (code == Opcode::Cumsum) {
      AttrDict d = attrs({{"dim", Attr::ofInt(a.integer(1))}});
      if (a.integer(2)) d["exclusive"] = Attr::ofBool(true);
      if (a.integer(3)) d["reverse"] = Attr::ofBool(true);
      return T(emit(call, fn, Opcode::Cumsum, {a.tensor(0)}, std::move(d)));
    }
    if (code == Opcode::Argmax)
      return T(emit(call, fn, Opcode::Argmax, {a.tensor(0)},
                    attrs({{"dim", Attr::ofInt(a.integer(1))}})));
    if (code == Opcode::OneHot) {
      Value *ids = a.tensor(0);
      int64_t depth = a.integer(1), axis = a.integer(3);
      std::vector<int64_t> shape = ids->type.shape;
      int64_t pos = axis < 0 ? (int64_t)shape.size() : axis;
      if (pos > (int64_t)shape.size() || depth < 0)
        fail(a.at(3),
             fn + ": axis " + std::to_string(axis) + " is out of range for " + ids->type.str());
      shape.insert(shape.begin() + pos, depth);
      AttrDict d = attrs({{"depth", Attr::ofInt(depth)}});
      if (axis >= 0) d["axis"] = Attr::ofInt(axis);
      return T(emit(call, fn, Opcode::OneHot, {ids}, std::move(d), TensorType(a.dtype(2), shape)));
    }
    if (code == Opcode::Take)
      return T(emit(call, fn, Opcode::Take, {a.tensor(0), a.tensor(1)},
                    attrs({{"axis", Attr::ofInt(a.integer(2))}})));
    if (code == Opcode::ScatterAdd)
      return T(emit(call, fn, Opcode::ScatterAdd, {a.tensor(0), a.tensor(1), a.tensor(2)},
                    attrs({{"axis", Attr::ofInt(a.integer(3))}})));
    if (fn == "softmax") return T(softmax(call, a.tensor(0), a.integer(1)));
    if (fn == "shard") {
      Value *x = a.tensor(0);
      if (v.size() < 3 || v[1].kind != Val::MeshRef) fail(a.at(1), fn + ": expects a Mesh");
      Sharding s;
      s.mesh = v[1].s;
      s.loc = loc(where(call));
      if (v[2].kind != Val::List) fail(a.at(2), fn + ": expects {{\"axis\", ...}, {}, ...}");
      for (const Val &d : v[2].list) {
        s.dims.emplace_back();
        std::vector<Val> axes = d.kind == Val::List ? d.list : std::vector<Val>{d};
        for (const Val &ax : axes) {
          if (ax.kind != Val::Str) fail(a.at(2), fn + ": mesh axes are string literals");
          s.dims.back().push_back(ax.s);
        }
      }
      if (std::string err = s.validate(x->type, *m_.mesh(s.mesh)); !err.empty())
        fail(where(call), fn + ": " + err);
      return T(emit(call, fn, Opcode::ShardingConstraint, {x}, {}, x->type, s));
    }
    if (fn == "rank") return Val::ofInt(a.tensor(0)->type.rank());
    if (fn == "dim") {
      Value *x = a.tensor(0);
      int64_t i = a.integer(1);
      if (i < 0 || i >= x->type.rank())
        fail(a.at(1),
             fn + ": dimension " + std::to_string(i) + " is out of range for " + x->type.str());
      return Val::ofInt(x->type.shape[i]);
    }
    if (fn == "shape") {
      std::vector<Val> dims;
      for (int64_t d : a.tensor(0)->type.shape)
        dims.push_back(Val::ofInt(d));
      return Val::ofList(std::move(dims));
    }
    fail(where(call), "partita::model::" + fn + " has no IR equivalent for these arguments");
  }

  // exp(x - max) / sum(exp(x - max)) along `axis`, from primitives.
  Value *softmax(const CallExpr *call, Value *x, int64_t axis) {
    const TensorType &t = x->type;
    if (axis < 0 || axis >= t.rank())
      fail(call->getArg(1)->getBeginLoc(),
           "softmax: axis " + std::to_string(axis) + " is out of range for " + t.str());
    std::vector<int64_t> keep;
    for (int64_t d = 0; d < t.rank(); ++d)
      if (d != axis) keep.push_back(d);
    auto back = [&](Value *r) {
      AttrDict a;
      a["dims"] = Attr::ofInts(keep);
      return emit(call, "softmax", Opcode::BroadcastInDim, {r}, std::move(a), t);
    };
    AttrDict dims;
    dims["dims"] = Attr::ofInts({axis});
    Value *m = emit(call, "softmax", Opcode::ReduceMax, {x}, dims);
    Value *e = emit(call, "softmax", Opcode::Exp,
                    {emit(call, "softmax", Opcode::Sub, {x, back(m)}, {})}, {});
    Value *s = emit(call, "softmax", Opcode::ReduceSum, {e}, dims);
    return emit(call, "softmax", Opcode::Div, {e, back(s)}, {});
  }
};

} // namespace

std::unique_ptr<Module> importCxx(const CxxImportOptions &opts, Diagnostics &diags) {
  // Clang's diagnostics one line each, like the tools' own (no source snippet and caret:
  // a snippet of a binary or non-UTF-8 file is raw bytes); `-- -fcaret-diagnostics`
  // brings them back.
  std::vector<std::string> args = {"-std=c++20", "-fsyntax-only",
                                   "-resource-dir=" PARTITA_CLANG_RESOURCE_DIR,
                                   "-I" PARTITA_CXX_INCLUDE_DIR, "-fno-caret-diagnostics"};
  args.insert(args.end(), opts.clangArgs.begin(), opts.clangArgs.end());
  tooling::FixedCompilationDatabase db(".", args);
  tooling::ClangTool tool(db, {opts.file});
  std::vector<std::unique_ptr<ASTUnit>> asts;
  int rc = tool.buildASTs(asts);
  auto fileLoc = [&] { return Loc{std::make_shared<const std::string>(opts.file), 1, 1}; };
  if (rc != 0 || asts.size() != 1 || asts[0]->getDiagnostics().hasErrorOccurred()) {
    diags.error(fileLoc(), "the C++ file does not compile (see the errors above)");
    return nullptr;
  }
  ASTContext &ctx = asts[0]->getASTContext();
  DeclFinder finder(ctx.getSourceManager());
  finder.TraverseDecl(ctx.getTranslationUnitDecl());

  auto m = std::make_unique<Module>();
  Importer im(ctx, *m);
  try {
    for (VarDecl *vd : finder.meshes)
      im.importMesh(vd);
    if (finder.entries.empty()) {
      diags.error(fileLoc(), "no function is marked [[clang::annotate(\"partita.entry\")]]");
      return nullptr;
    }
    if (finder.entries.size() > 1) {
      SourceManager &sm = ctx.getSourceManager();
      PresumedLoc p = sm.getPresumedLoc(sm.getExpansionLoc(finder.entries[1]->getLocation()));
      diags.error(Loc{std::make_shared<const std::string>(p.getFilename()), (int)p.getLine(),
                      (int)p.getColumn()},
                  "more than one function is marked as the entry");
      return nullptr;
    }
    im.importEntry(finder.entries[0]);
  } catch (const ImportError &e) {
    diags.error(e.loc, e.message);
    return nullptr;
  }
  if (!verifyModule(*m, diags)) return nullptr;
  return m;
}

} // namespace partita
