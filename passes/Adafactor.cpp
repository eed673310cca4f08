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

class AdafactorPass : public Pass {
public:
  std::string name() const override { return "adafactor"; }

  PassResult run(Module &m, Diagnostics &diags) override {
    PassResult r;
    Func *f = m.main();
    auto fail = [&](const Loc &at, const std::string &msg) {
      diags.error(at, "adafactor: " + msg);
      r.ok = false;
      return r;
    };
    if (!f)
      return fail(m.funcs.empty() ? Loc() : m.funcs.front()->loc, "module has no @main function");
    if (f->partitionedMesh())
      return fail(f->loc, "@main is already partitioned; build the step before --partition");

    std::vector<size_t> params, batch;
    for (size_t i = 0; i < f->args.size(); ++i)
      (isTrainable(f->argAttrs[i]) ? params : batch).push_back(i);
    if (params.empty()) return fail(f->loc, "no argument of @main is marked `trainable = true`");
    for (size_t i : params)
      if (f->args[i]->type.dtype != DType::F32)
        return fail(f->args[i]->loc, "trainable argument %" + f->args[i]->name + " has type " +
                                         f->args[i]->type.str() +
                                         "; Adafactor updates f32 parameters only");
    // The autodiff pass appended one gradient per trainable argument, typed like it, after
    // at least the loss. Anything else was not differentiated.
    size_t np = params.size(), nr = f->results.size();
    bool differentiated = nr >= np + 1;
    for (size_t k = 0; differentiated && k < np; ++k)
      differentiated = f->results[nr - np + k].type == f->args[params[k]]->type;
    if (!differentiated) {
      Loc at = f->results.empty() ? f->returnLoc : f->results.back().loc;
      if (!at.known()) at = f->returnLoc;
      if (!at.known()) at = f->loc;
      return fail(at,
                  "@main has " + std::to_string(nr) +
                      " result(s), but a differentiated "
                      "program returns its loss and then one gradient per trainable argument (" +
                      std::to_string(np) + "); run autodiff first (partita-opt --differentiate)");
    }
    size_t nkept = nr - np;
    const TensorType &lossType = f->results[0].type;
    if (lossType.rank() != 0 || lossType.dtype != DType::F32) {
      Loc at = f->results[0].loc.known() ? f->results[0].loc : f->returnLoc;
      return fail(at, "the first result of @main must be the loss, an f32 scalar; got " +
                          lossType.str());
    }

    // Hyperparameters: @main's `adafactor.*` attributes, defaults filled in so the step
    // program records the values it was built with.
    std::vector<Hyper> hyper = {{"adafactor.lr", 0.01, false, true},
                                {"adafactor.warmup_steps", 10000, true, false},
                                {"adafactor.decay_rate", 0.8, false, true},
                                {"adafactor.clip", 1.0, false, true},
                                {"adafactor.eps1", 1e-30, false, false},
                                {"adafactor.eps2", 1e-3, false, false},
                                {"adafactor.min_dim_to_factor", 1, true, false}};
    for (Hyper &h : hyper) {
      auto it = f->attrs.find(h.name);
      if (it == f->attrs.end()) {
        f->attrs[h.name] = h.integer ? Attr::ofInt((int64_t)h.value) : Attr::ofFloat(h.value);
        continue;
      }
      const Attr &a = it->second;
      Loc at = a.loc.known() ? a.loc : f->loc;
      bool ok = h.integer ? a.kind == Attr::Kind::Int : a.isNumber();
      if (!ok || !std::isfinite(a.asDouble()) ||
          (h.positive ? a.asDouble() <= 0 : a.asDouble() < 0))
        return fail(at, std::string("attribute '") + h.name + "' must be a " +
                            (h.positive ? "positive " : "non-negative ") +
                            (h.integer ? "integer" : "number"));
      h.value = a.asDouble();
    }
    const double lr = hyper[0].value, warmup = hyper[1].value, decayRate = hyper[2].value,
                 clip = hyper[3].value, eps1 = hyper[4].value, eps2 = hyper[5].value;
    const int64_t minDimToFactor = (int64_t)hyper[6].value;

    // Old gradients are the last np returns; the kept results stay first.
    std::vector<Value *> grads(f->returns.end() - (long)np, f->returns.end());
    std::vector<Value *> kept(f->returns.begin(), f->returns.begin() + (long)nkept);
    std::vector<FuncResult> keptResults(f->results.begin(), f->results.begin() + (long)nkept);

    // A replicated scalar on the parameters' mesh, when they are annotated.
    std::optional<std::string> meshName;
    for (size_t i : params)
      if (f->args[i]->sharding) meshName = f->args[i]->sharding->mesh;

    // New arguments: the state of each parameter in parameter order, then the step.
    struct State {
      int d0 = -1, d1 = -1; // factored: reduced dim of v_row, of v_col; else -1
      Value *row = nullptr, *col = nullptr, *full = nullptr;
    };
    std::vector<State> states(np);
    std::vector<Value *> stateArgs;
    std::vector<AttrDict> stateAttrs;
    auto addState = [&](Value *p, const std::string &suffix, TensorType t,
                        std::optional<Sharding> s) {
      Value *v = f->addArg(f->uniqueName(p->name + suffix), std::move(t), p->loc);
      v->sharding = std::move(s);
      AttrDict a;
      a["train.init"] = Attr::ofString("zeros");
      a["train.state"] = Attr::ofString(p->name);
      stateArgs.push_back(v);
      stateAttrs.push_back(std::move(a));
      return v;
    };
    for (size_t k = 0; k < np; ++k) {
      Value *p = f->args[params[k]];
      const std::vector<int64_t> &shape = p->type.shape;
      State &st = states[k];
      if (shape.size() >= 2) {
        // optax's _factored_dims: the two largest dims by a stable ascending sort.
        std::vector<int> order(shape.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return shape[a] < shape[b]; });
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
        st.row = addState(p, ".v_row", without(st.d0), dropDim(p->sharding, st.d0));
        st.col = addState(p, ".v_col", without(st.d1), dropDim(p->sharding, st.d1));
      } else {
        st.full = addState(p, ".v", p->type, p->sharding);
      }
    }
    Value *step = f->addArg(f->uniqueName("step"), TensorType(DType::I32, {}), f->loc);
    if (meshName) step->sharding = Sharding::replicatedOf(*meshName, 0);

    // Reorder: parameters, state, step, batch.
    std::vector<Value *> oldArgs = f->args;
    std::vector<AttrDict> oldAttrs = f->argAttrs;
    f->args.clear();
    f->argAttrs.clear();
    auto push = [&](Value *v, AttrDict a) {
      v->argIndex = (int)f->args.size();
      f->args.push_back(v);
      f->argAttrs.push_back(std::move(a));
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

    // ---- The update ----
    Builder b(*f);
    b.setLoc(f->returnLoc.known() ? f->returnLoc : f->loc);
    const TensorType scalar(DType::F32, {});
    auto cst = [&](double v, const TensorType &t, const std::string &name) {
      return b.create(Opcode::Constant, {}, {{"value", Attr::ofFloat(v)}}, t, name);
    };
    auto bin = [&](Opcode c, Value *x, Value *y, const std::string &name) {
      return b.create(c, {x, y}, {}, x->type, name);
    };
    auto un = [&](Opcode c, Value *x, const std::string &name) {
      return b.create(c, {x}, {}, x->type, name);
    };
    // Broadcasts `x` into type `t`, its dims going to `dims`.
    auto bcast = [&](Value *x, const TensorType &t, std::vector<int64_t> dims,
                     const std::string &name) {
      return b.create(Opcode::BroadcastInDim, {x}, {{"dims", Attr::ofInts(dims)}}, t, name);
    };
    auto splat = [&](Value *s, const TensorType &t, const std::string &name) {
      return t.rank() == 0 ? s : bcast(s, t, {}, name);
    };
    auto allDimsBut = [](int rank, int drop) {
      std::vector<int64_t> d;
      for (int i = 0; i < rank; ++i)
        if (i != drop) d.push_back(i);
      return d;
    };
    // jnp.mean over `dims`: a sum divided by the count.
    auto mean = [&](Value *x, std::vector<int64_t> dims, const std::string &name) {
      TensorType t(x->type.dtype, {});
      double n = 1;
      for (int i = 0; i < x->type.rank(); ++i)
        if (std::find(dims.begin(), dims.end(), i) == dims.end())
          t.shape.push_back(x->type.shape[i]);
        else
          n *= (double)x->type.shape[i];
      Value *s = b.create(Opcode::ReduceSum, {x}, {{"dims", Attr::ofInts(dims)}}, t, name + ".sum");
      return bin(Opcode::Div, s, cst(n, t, name + ".n"), name);
    };
    auto rms = [&](Value *x, const std::string &name) {
      Value *sq = bin(Opcode::Mul, x, x, name + ".sq");
      std::vector<int64_t> all(x->type.rank());
      std::iota(all.begin(), all.end(), 0);
      return un(Opcode::Sqrt, mean(sq, all, name + ".ms"), name);
    };

    // Step scalars, shared by every parameter. optax's decay uses count + 1; its learning
    // rate schedule sees the pre-update count.
    Value *count = b.create(Opcode::Convert, {step}, {}, scalar, "adafactor.count");
    Value *one = cst(1, scalar, "adafactor.one");
    Value *t = bin(Opcode::Add, count, one, "adafactor.t");
    Value *decay = bin(
        Opcode::Sub, one,
        bin(Opcode::Pow, t, cst(-decayRate, scalar, "adafactor.neg_decay_rate"), "adafactor.t_pow"),
        "adafactor.decay");
    Value *keep = bin(Opcode::Sub, one, decay, "adafactor.one_minus_decay");
    // lr * sqrt(w / max(count, w)): constant up to step w, then inverse square root.
    double w = std::max(warmup, 1.0);
    Value *wv = cst(w, scalar, "adafactor.warmup");
    Value *peakLr = cst(lr, scalar, "adafactor.peak_lr");
    Value *lrFactor = un(Opcode::Sqrt,
                         bin(Opcode::Div, wv, bin(Opcode::Max, count, wv, "adafactor.after_warmup"),
                             "adafactor.decay_ratio"),
                         "adafactor.lr_factor");
    Value *lrT = bin(Opcode::Mul, peakLr, lrFactor, "adafactor.lr");

    std::vector<Value *> newParams(np), newState;
    for (size_t k = 0; k < np; ++k) {
      Value *p = f->args[k];
      Value *g = grads[k];
      State &st = states[k];
      const TensorType &pt = p->type;
      std::string n = p->name;
      b.setLoc(p->loc.known() ? p->loc : f->loc);
      // EMA of squared gradients: decay * v + (1 - decay) * stat.
      auto ema = [&](Value *v, Value *stat, const std::string &name) {
        Value *old = bin(Opcode::Mul, splat(decay, v->type, name + ".decay"), v, name + ".old");
        Value *fresh = bin(Opcode::Mul, splat(keep, v->type, name + ".keep"), stat, name + ".new");
        return bin(Opcode::Add, old, fresh, name);
      };
      Value *g2 = bin(Opcode::Mul, g, g, n + ".g2");
      Value *gsq = bin(Opcode::Add, g2, cst(eps1, pt, n + ".eps1"), n + ".g2_eps");
      Value *u;
      if (st.d0 >= 0) {
        int rank = pt.rank();
        Value *vr = ema(st.row, mean(gsq, {st.d0}, n + ".row_mean"), n + ".v_row.next");
        Value *vc = ema(st.col, mean(gsq, {st.d1}, n + ".col_mean"), n + ".v_col.next");
        newState.push_back(vr);
        newState.push_back(vc);
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
        newState.push_back(v);
        u = bin(Opcode::Mul, g, un(Opcode::Rsqrt, v, n + ".factor"), n + ".u");
      }
      // clip_by_block_rms: u / max(1, rms(u) / clip).
      Value *uRms = rms(u, n + ".u_rms");
      Value *uRmsRel = bin(Opcode::Div, uRms, cst(clip, scalar, n + ".clip"), n + ".u_rms_rel");
      Value *denom = bin(Opcode::Max, one, uRmsRel, n + ".clip_denom");
      u = bin(Opcode::Div, u, splat(denom, pt, n + ".clip_denom.b"), n + ".u_clipped");
      u = bin(Opcode::Mul, u, splat(lrT, pt, n + ".lr.b"), n + ".u_lr");
      // scale_by_param_block_rms: relative step size, at least eps2.
      Value *pRms = rms(p, n + ".rms");
      Value *pscale = bin(Opcode::Max, pRms, cst(eps2, scalar, n + ".eps2"), n + ".scale");
      u = bin(Opcode::Mul, u, splat(pscale, pt, n + ".scale.b"), n + ".u_scaled");
      newParams[k] = bin(Opcode::Add, p, un(Opcode::Neg, u, n + ".delta"), n + ".next");
    }

    // Results: the kept ones (loss, aux loss), then the next parameters and state.
    f->returns = kept;
    f->results = keptResults;
    auto result = [&](Value *v, const Value *arg) {
      FuncResult res;
      res.type = arg->type;
      res.sharding = arg->sharding;
      res.loc = arg->loc;
      res.attrs["train.next"] = Attr::ofString(arg->name);
      f->results.push_back(std::move(res));
      f->returns.push_back(v);
    };
    for (size_t k = 0; k < np; ++k)
      result(newParams[k], f->args[k]);
    for (size_t k = 0; k < newState.size(); ++k)
      result(newState[k], f->args[np + k]);
    // The gradients are now used only by the update; anything else they fed is dead.
    Diagnostics none;
    createDcePass()->run(m, none);
    r.changed = true;
    return r;
  }
};

} // namespace

std::unique_ptr<Pass> createAdafactorPass() { return std::make_unique<AdafactorPass>(); }

} // namespace partita
