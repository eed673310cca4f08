// The `adafactor` pass: turns a differentiated @main (the autodiff pass's output: the
// original results, then one gradient per trainable argument) into the training step of
// docs/training.md — parameters, Adafactor state, step count and batch in; loss, aux loss,
// new parameters and new state out — with the update written in ordinary IR ops, so the
// same propagation and partitioning shard the optimizer with its parameters. The update
// follows optax.adafactor (scale_by_factored_rms, clip_by_block_rms, scale by the learning
// rate, scale_by_param_block_rms, negate) operation for operation, so the two agree to f32
// rounding.
#include "passes/Passes.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace partita {

namespace {

bool isTrainable(const AttrDict &attrs) {
  auto it = attrs.find("trainable");
  return it != attrs.end() && it->second.kind == Attr::Kind::Bool && it->second.b;
}

struct Hyper {
  const char *name;
  double value;
  bool integer;
  bool positive; // else non-negative
};

// A parameter's sharding with dimension `drop` removed (the state that reduced it away).
std::optional<Sharding> dropDim(const std::optional<Sharding> &s, int drop) {
  if (!s) return std::nullopt;
  Sharding r = *s;
  r.dims.erase(r.dims.begin() + drop);
  return r;
}

// A located reason the pass refuses the program.
struct Failure {
  Loc at;
  std::string msg;
};

// The hyperparameters: @main's `adafactor.*` attributes, defaults filled in so the step
// program records the values it was built with.
struct Hyperparameters {
  double lr, warmup, decayRate, clip, eps1, eps2;
  int64_t minDimToFactor;
};

std::optional<Failure> readHyperparameters(Func &f, Hyperparameters *out) {
  std::vector<Hyper> hyper = {{"adafactor.lr", 0.01, false, true},
                              {"adafactor.warmup_steps", 10000, true, false},
                              {"adafactor.decay_rate", 0.8, false, true},
                              {"adafactor.clip", 1.0, false, true},
                              {"adafactor.eps1", 1e-30, false, false},
                              {"adafactor.eps2", 1e-3, false, false},
                              {"adafactor.min_dim_to_factor", 1, true, false}};
  for (Hyper &h : hyper) {
    auto it = f.attrs.find(h.name);
    if (it == f.attrs.end()) {
      f.attrs[h.name] = h.integer ? Attr::ofInt((int64_t)h.value) : Attr::ofFloat(h.value);
      continue;
    }
    const Attr &a = it->second;
    bool ok = h.integer ? a.kind == Attr::Kind::Int : a.isNumber();
    if (!ok || !std::isfinite(a.asDouble()) || (h.positive ? a.asDouble() <= 0 : a.asDouble() < 0))
      return Failure{a.loc.known() ? a.loc : f.loc,
                     std::string("attribute '") + h.name + "' must be a " +
                         (h.positive ? "positive " : "non-negative ") +
                         (h.integer ? "integer" : "number")};
    h.value = a.asDouble();
  }
  // Read min_dim_to_factor as the integer it is: through double, INT64_MAX would round to
  // 2^63, which no int64 holds.
  auto md = f.attrs.find(hyper[6].name);
  *out = {hyper[0].value, hyper[1].value, hyper[2].value, hyper[3].value,
          hyper[4].value, hyper[5].value, md->second.i};
  return std::nullopt;
}

// The program autodiff made: f32 trainable arguments (`params`, the others in `batch`),
// the loss as the first result, one gradient per trainable argument at the end.
std::optional<Failure> checkDifferentiated(const Func &f, std::vector<size_t> *params,
                                           std::vector<size_t> *batch) {
  for (size_t i = 0; i < f.args.size(); ++i)
    (isTrainable(f.argAttrs[i]) ? params : batch)->push_back(i);
  if (params->empty()) return Failure{f.loc, "no argument of @main is marked `trainable = true`"};
  for (size_t i : *params)
    if (f.args[i]->type.dtype != DType::F32)
      return Failure{f.args[i]->loc, "trainable argument %" + f.args[i]->name + " has type " +
                                         f.args[i]->type.str() +
                                         "; Adafactor updates f32 parameters only"};
  // The autodiff pass appended one gradient per trainable argument, typed like it, after
  // at least the loss. Anything else was not differentiated.
  size_t np = params->size(), nr = f.results.size();
  bool differentiated = nr >= np + 1;
  for (size_t k = 0; differentiated && k < np; ++k)
    differentiated = f.results[nr - np + k].type == f.args[(*params)[k]]->type;
  if (!differentiated) {
    Loc at = f.results.empty() ? f.returnLoc : f.results.back().loc;
    if (!at.known()) at = f.returnLoc;
    if (!at.known()) at = f.loc;
    return Failure{at, "@main has " + std::to_string(nr) +
                           " result(s), but a differentiated program returns its loss and then "
                           "one gradient per trainable argument (" +
                           std::to_string(np) +
                           "); run autodiff first (partita-opt --differentiate)"};
  }
  const TensorType &lossType = f.results[0].type;
  if (lossType.rank() != 0 || lossType.dtype != DType::F32)
    return Failure{f.results[0].loc.known() ? f.results[0].loc : f.returnLoc,
                   "the first result of @main must be the loss, an f32 scalar; got " +
                       lossType.str()};
  return std::nullopt;
}

// A parameter's second-moment state: factored (v_row reduces dim d0, v_col dim d1) or full.
struct State {
  int d0 = -1, d1 = -1; // factored: reduced dim of v_row, of v_col; else -1
  Value *row = nullptr, *col = nullptr, *full = nullptr;
};

// Appends the state arguments of parameter `p` (zeros at step 0, sharded as `p` minus the
// reduced dim), factoring as optax's _factored_dims does.
State addState(Func &f, Value *p, int64_t minDimToFactor, std::vector<Value *> *stateArgs,
               std::vector<AttrDict> *stateAttrs) {
  auto add = [&](const std::string &suffix, TensorType t, std::optional<Sharding> s) {
    Value *v = f.addArg(f.uniqueName(p->name + suffix), std::move(t), p->loc);
    v->sharding = std::move(s);
    AttrDict a;
    a["train.init"] = Attr::ofString("zeros");
    a["train.state"] = Attr::ofString(p->name);
    stateArgs->push_back(v);
    stateAttrs->push_back(std::move(a));
    return v;
  };
  const std::vector<int64_t> &shape = p->type.shape;
  State st;
  if (shape.size() >= 2) {
    // optax's _factored_dims: the two largest dims by a stable ascending sort.
    std::vector<int> order(shape.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return shape[a] < shape[b]; });
    int d1 = order[order.size() - 2], d0 = order.back();
    if (shape[d1] >= minDimToFactor) {
      st.d0 = d0;
      st.d1 = d1;
    }
  }
  if (st.d0 >= 0) {
    auto without = [&](int d) {
      TensorType t = p->type;
      t.shape.erase(t.shape.begin() + d);
      return t;
    };
    st.row = add(".v_row", without(st.d0), dropDim(p->sharding, st.d0));
    st.col = add(".v_col", without(st.d1), dropDim(p->sharding, st.d1));
  } else {
    st.full = add(".v", p->type, p->sharding);
  }
  return st;
}

std::vector<int64_t> allDimsBut(int rank, int drop) {
  std::vector<int64_t> d;
  for (int i = 0; i < rank; ++i)
    if (i != drop) d.push_back(i);
  return d;
}

// Writes the update in IR ops: the jnp-like helpers, the step's schedule scalars and each
// parameter's update, operation for operation as optax.adafactor.
class UpdateBuilder {
public:
  UpdateBuilder(Func &f, const Hyperparameters &h) : f_(f), h_(h), b_(f) {
    b_.setLoc(f.returnLoc.known() ? f.returnLoc : f.loc);
  }

  // Step scalars, shared by every parameter. optax's decay uses count + 1; its learning
  // rate schedule sees the pre-update count.
  void schedule(Value *step) {
    Value *count = b_.create(Opcode::Convert, {step}, {}, scalar_, "adafactor.count");
    one_ = cst(1, scalar_, "adafactor.one");
    Value *t = bin(Opcode::Add, count, one_, "adafactor.t");
    Value *negRate = cst(-h_.decayRate, scalar_, "adafactor.neg_decay_rate");
    decay_ =
        bin(Opcode::Sub, one_, bin(Opcode::Pow, t, negRate, "adafactor.t_pow"), "adafactor.decay");
    keep_ = bin(Opcode::Sub, one_, decay_, "adafactor.one_minus_decay");
    // lr * sqrt(w / max(count, w)): constant up to step w, then inverse square root.
    Value *wv = cst(std::max(h_.warmup, 1.0), scalar_, "adafactor.warmup");
    Value *peakLr = cst(h_.lr, scalar_, "adafactor.peak_lr");
    Value *lrFactor = un(Opcode::Sqrt,
                         bin(Opcode::Div, wv, bin(Opcode::Max, count, wv, "adafactor.after_warmup"),
                             "adafactor.decay_ratio"),
                         "adafactor.lr_factor");
    lr_ = bin(Opcode::Mul, peakLr, lrFactor, "adafactor.lr");
  }

  // The next value of parameter `p` from its gradient `g`; its next state values are
  // appended to `newState` in argument order.
  Value *update(Value *p, Value *g, const State &st, std::vector<Value *> *newState) {
    const TensorType &pt = p->type;
    std::string n = p->name;
    b_.setLoc(p->loc.known() ? p->loc : f_.loc);
    Value *g2 = bin(Opcode::Mul, g, g, n + ".g2");
    Value *gsq = bin(Opcode::Add, g2, cst(h_.eps1, pt, n + ".eps1"), n + ".g2_eps");
    Value *u;
    if (st.d0 >= 0) {
      int rank = pt.rank();
      Value *vr = ema(st.row, mean(gsq, {st.d0}, n + ".row_mean"), n + ".v_row.next");
      Value *vc = ema(st.col, mean(gsq, {st.d1}, n + ".col_mean"), n + ".v_col.next");
      newState->push_back(vr);
      newState->push_back(vc);
      // Normalise the rows by their mean over the other factored dim (optax's
      // row_col_mean), per slice of any further dims (each expert on its own).
      int reducedD1 = st.d1 > st.d0 ? st.d1 - 1 : st.d1;
      Value *rcm = mean(vr, {reducedD1}, n + ".row_col_mean");
      Value *rcmB = bcast(rcm, vr->type, allDimsBut(rank - 1, reducedD1), n + ".row_col_mean.b");
      Value *rowF =
          un(Opcode::Rsqrt, bin(Opcode::Div, vr, rcmB, n + ".row_norm"), n + ".row_factor");
      Value *colF = un(Opcode::Rsqrt, vc, n + ".col_factor");
      u = bin(Opcode::Mul, g, bcast(rowF, pt, allDimsBut(rank, st.d0), n + ".row_factor.b"),
              n + ".u_row");
      u = bin(Opcode::Mul, u, bcast(colF, pt, allDimsBut(rank, st.d1), n + ".col_factor.b"),
              n + ".u");
    } else {
      Value *v = ema(st.full, gsq, n + ".v.next");
      newState->push_back(v);
      u = bin(Opcode::Mul, g, un(Opcode::Rsqrt, v, n + ".factor"), n + ".u");
    }
    // clip_by_block_rms: u / max(1, rms(u) / clip).
    Value *uRms = rms(u, n + ".u_rms");
    Value *uRmsRel = bin(Opcode::Div, uRms, cst(h_.clip, scalar_, n + ".clip"), n + ".u_rms_rel");
    Value *denom = bin(Opcode::Max, one_, uRmsRel, n + ".clip_denom");
    u = bin(Opcode::Div, u, splat(denom, pt, n + ".clip_denom.b"), n + ".u_clipped");
    u = bin(Opcode::Mul, u, splat(lr_, pt, n + ".lr.b"), n + ".u_lr");
    // scale_by_param_block_rms: relative step size, at least eps2.
    Value *pRms = rms(p, n + ".rms");
    Value *pscale = bin(Opcode::Max, pRms, cst(h_.eps2, scalar_, n + ".eps2"), n + ".scale");
    u = bin(Opcode::Mul, u, splat(pscale, pt, n + ".scale.b"), n + ".u_scaled");
    return bin(Opcode::Add, p, un(Opcode::Neg, u, n + ".delta"), n + ".next");
  }

private:
  Func &f_;
  const Hyperparameters &h_;
  Builder b_;
  const TensorType scalar_ = TensorType(DType::F32, {});
  Value *one_ = nullptr, *decay_ = nullptr, *keep_ = nullptr, *lr_ = nullptr;

  Value *cst(double v, const TensorType &t, const std::string &name) {
    return b_.create(Opcode::Constant, {}, {{"value", Attr::ofFloat(v)}}, t, name);
  }
  Value *bin(Opcode c, Value *x, Value *y, const std::string &name) {
    return b_.create(c, {x, y}, {}, x->type, name);
  }
  Value *un(Opcode c, Value *x, const std::string &name) {
    return b_.create(c, {x}, {}, x->type, name);
  }
  // Broadcasts `x` into type `t`, its dims going to `dims`.
  Value *bcast(Value *x, const TensorType &t, std::vector<int64_t> dims, const std::string &name) {
    return b_.create(Opcode::BroadcastInDim, {x}, {{"dims", Attr::ofInts(dims)}}, t, name);
  }
  Value *splat(Value *s, const TensorType &t, const std::string &name) {
    return t.rank() == 0 ? s : bcast(s, t, {}, name);
  }
  // jnp.mean over `dims`: a sum divided by the count.
  Value *mean(Value *x, std::vector<int64_t> dims, const std::string &name) {
    TensorType t(x->type.dtype, {});
    double n = 1;
    for (int i = 0; i < x->type.rank(); ++i)
      if (std::find(dims.begin(), dims.end(), i) == dims.end())
        t.shape.push_back(x->type.shape[i]);
      else
        n *= (double)x->type.shape[i];
    Value *s = b_.create(Opcode::ReduceSum, {x}, {{"dims", Attr::ofInts(dims)}}, t, name + ".sum");
    return bin(Opcode::Div, s, cst(n, t, name + ".n"), name);
  }
  Value *rms(Value *x, const std::string &name) {
    Value *sq = bin(Opcode::Mul, x, x, name + ".sq");
    std::vector<int64_t> all(x->type.rank());
    std::iota(all.begin(), all.end(), 0);
    return un(Opcode::Sqrt, mean(sq, all, name + ".ms"), name);
  }
  // EMA of squared gradients: decay * v + (1 - decay) * stat.
  Value *ema(Value *v, Value *stat, const std::string &name) {
    Value *old = bin(Opcode::Mul, splat(decay_, v->type, name + ".decay"), v, name + ".old");
    Value *fresh = bin(Opcode::Mul, splat(keep_, v->type, name + ".keep"), stat, name + ".new");
    return bin(Opcode::Add, old, fresh, name);
  }
};

class AdafactorPass : public Pass {
public:
  std::string name() const override { return "adafactor"; }

  PassResult run(Module &m, Diagnostics &diags) override {
    PassResult r;
    auto fail = [&](const Failure &e) {
      diags.error(e.at, "adafactor: " + e.msg);
      r.ok = false;
      return r;
    };
    Func *f = m.main();
    if (!f)
      return fail({m.funcs.empty() ? Loc() : m.funcs.front()->loc, "module has no @main function"});
    if (f->partitionedMesh())
      return fail({f->loc, "@main is already partitioned; build the step before --partition"});
    std::vector<size_t> params, batch;
    if (auto e = checkDifferentiated(*f, &params, &batch)) return fail(*e);
    Hyperparameters h;
    if (auto e = readHyperparameters(*f, &h)) return fail(*e);

    size_t np = params.size(), nkept = f->results.size() - np;
    // Old gradients are the last np returns; the kept results stay first.
    std::vector<Value *> grads(f->returns.end() - (long)np, f->returns.end());
    std::vector<Value *> kept(f->returns.begin(), f->returns.begin() + (long)nkept);
    std::vector<FuncResult> keptResults(f->results.begin(), f->results.begin() + (long)nkept);

    // New arguments: the state of each parameter in parameter order, then the step (a
    // replicated scalar on the parameters' mesh, when they are annotated).
    std::vector<State> states;
    std::vector<Value *> stateArgs;
    std::vector<AttrDict> stateAttrs;
    for (size_t i : params)
      states.push_back(addState(*f, f->args[i], h.minDimToFactor, &stateArgs, &stateAttrs));
    Value *step = f->addArg(f->uniqueName("step"), TensorType(DType::I32, {}), f->loc);
    for (size_t i : params)
      if (f->args[i]->sharding)
        step->sharding = Sharding::replicatedOf(f->args[i]->sharding->mesh, 0);
    reorderArguments(*f, params, batch, stateArgs, stateAttrs, step);

    UpdateBuilder u(*f, h);
    u.schedule(step);
    std::vector<Value *> newParams, newState;
    for (size_t k = 0; k < np; ++k)
      newParams.push_back(u.update(f->args[k], grads[k], states[k], &newState));

    // Results: the kept ones (loss, aux loss), then the next parameters and state.
    f->returns = kept;
    f->results = keptResults;
    for (size_t k = 0; k < np; ++k)
      addResult(*f, newParams[k], f->args[k]);
    for (size_t k = 0; k < newState.size(); ++k)
      addResult(*f, newState[k], f->args[np + k]);
    // The gradients are now used only by the update; anything else they fed is dead.
    Diagnostics none;
    createDcePass()->run(m, none);
    r.changed = true;
    return r;
  }

private:
  // The contract's argument order: parameters, state, step, batch.
  static void reorderArguments(Func &f, const std::vector<size_t> &params,
                               const std::vector<size_t> &batch,
                               const std::vector<Value *> &stateArgs,
                               const std::vector<AttrDict> &stateAttrs, Value *step) {
    std::vector<Value *> oldArgs = f.args;
    std::vector<AttrDict> oldAttrs = f.argAttrs;
    f.args.clear();
    f.argAttrs.clear();
    auto push = [&](Value *v, AttrDict a) {
      v->argIndex = (int)f.args.size();
      f.args.push_back(v);
      f.argAttrs.push_back(std::move(a));
    };
    for (size_t i : params)
      push(oldArgs[i], oldAttrs[i]);
    for (size_t k = 0; k < stateArgs.size(); ++k)
      push(stateArgs[k], stateAttrs[k]);
    push(step, {{"train.step", Attr::ofBool(true)}});
    for (size_t i : batch) {
      AttrDict a = oldAttrs[i];
      a["train.batch"] = Attr::ofString(oldArgs[i]->name);
      push(oldArgs[i], std::move(a));
    }
  }

  // `v` returned as the next value of argument `arg`, typed and sharded like it.
  static void addResult(Func &f, Value *v, const Value *arg) {
    FuncResult res;
    res.type = arg->type;
    res.sharding = arg->sharding;
    res.loc = arg->loc;
    res.attrs["train.next"] = Attr::ofString(arg->name);
    f.results.push_back(std::move(res));
    f.returns.push_back(v);
  }
};

} // namespace

std::unique_ptr<Pass> createAdafactorPass() { return std::make_unique<AdafactorPass>(); }

} // namespace partita
