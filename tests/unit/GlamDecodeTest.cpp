// The GLaM serving programs (buildGlamDecode, docs/inference.md): prefill of a prompt and
// then one decode step per token must give, at every position, the logits of the
// full-sequence forward (@main with logits, itself checked against an independent
// implementation in GlamTest) under teacher forcing, unpartitioned and partitioned for
// data=2, model=2 and 2x2 meshes (simulated), for dense, MoE and bf16 models.
#include "frontends/glam/Glam.h"
#include "ir/InputGen.h"
#include "ir/Interpreter.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "runtime/Simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

using namespace partita;

namespace {

GlamConfig smallModel() {
  GlamConfig c;
  c.name = "decode";
  c.layers = 2;
  c.dModel = 8;
  c.ffn = 12;
  c.heads = 2;
  c.headDim = 4;
  c.experts = 4; // capacity = ceil(2 * 2 * S / 4) = S: the full forward drops nothing
  c.vocab = 30;
  c.batch = 2;
  c.seq = 20; // past 16 the relative position buckets become logarithmic
  return c;
}

// The parameters (and ids) of @main from the spec's generator, scaled so that the logits
// are far from flat.
std::map<std::string, Tensor> makeWeights(const Func &main, uint64_t seed) {
  std::map<std::string, Tensor> w;
  for (size_t i = 0; i < main.args.size(); ++i) {
    const Value *a = main.args[i];
    Tensor t = generateTensor(seed, a->name, a->type, argBound(main, i));
    if (isFloat(a->type.dtype)) {
      bool norm = a->name.size() > 6 && a->name.substr(a->name.size() - 6) == ".scale";
      for (double &x : t.data)
        x = roundTo(a->type.dtype, norm ? 1.0 + 0.2 * x : 0.7 * x);
    }
    w[a->name] = std::move(t);
  }
  return w;
}

// Arguments of `f` by name: from `given` first, else from the weights.
std::vector<Tensor> argsOf(const Func &f, const std::map<std::string, Tensor> &given,
                           const std::map<std::string, Tensor> &weights) {
  std::vector<Tensor> args;
  for (const Value *a : f.args) {
    auto it = given.find(a->name);
    if (it == given.end()) it = weights.find(a->name);
    EXPECT_NE(it, weights.end()) << "no value for argument " << a->name << " of @" << f.name;
    args.push_back(it == weights.end() ? Tensor(a->type) : it->second);
    if (!f.partitionedMesh()) { // a partitioned function's types are the local ones
      EXPECT_EQ(args.back().type, a->type) << a->name;
    }
  }
  return args;
}

Tensor scalarI32(int64_t v) { return Tensor(TensorType(DType::I32, {}), {(double)v}); }

// How a function is run: the interpreter, or the simulator on the partitioned module.
using Runner = std::function<std::vector<Tensor>(const Func &, const std::vector<Tensor> &)>;

struct Worst {
  double err = 0; // max over elements of |a-b| / (atol + rtol*|b|); <= 1 passes
  std::string where;
};

void compareRow(const Tensor &got, int64_t gotRow, const Tensor &full, int64_t b, int64_t t,
                double tol, Worst &w, const std::string &where) {
  int64_t s = full.type.shape[1], v = full.type.shape[2];
  for (int64_t i = 0; i < v; ++i) {
    double ref = full.data[(b * s + t) * v + i], x = got.data[gotRow * v + i];
    double e = std::fabs(x - ref) / (tol + tol * std::fabs(ref));
    if (!(e <= w.err)) w = {e, where + " b=" + std::to_string(b) + " t=" + std::to_string(t)};
  }
}

// Prefill the first `t0` tokens (the rest of the prompt buffer holds other tokens, which
// must not matter), then decode the remaining tokens one at a time; every step's logits
// must equal the full forward's at that position.
// `prefillName` may name a shorter bucket (@prefill_<L>, L >= t0): it takes the first L
// tokens of the buffer.
Worst teacherForcing(const Module &m, const std::map<std::string, Tensor> &w, const Tensor &ids,
                     const Tensor &fullLogits, int64_t t0, double tol, const Runner &run,
                     const std::string &prefillName = "prefill") {
  const Func &prefill = *m.func(prefillName), &step = *m.func("decode_step");
  int64_t B = ids.type.shape[0], S = ids.type.shape[1], V = fullLogits.type.shape[2];
  int64_t L = prefill.args[0]->type.shape[1];
  EXPECT_GE(L, t0) << "@" << prefillName;
  Tensor padded(TensorType(DType::I32, {B, L}));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L; ++t)
      padded.data[b * L + t] =
          t < t0 ? ids.data[b * S + t] : (double)(((int64_t)ids.data[b * S + t] + 7 + t) % V);
  std::vector<Tensor> r =
      run(prefill, argsOf(prefill, {{"ids", padded}, {"length", scalarI32(t0)}}, w));
  Worst worst;
  EXPECT_EQ(r.size(), prefill.results.size());
  for (int64_t b = 0; b < B; ++b)
    compareRow(r[0], b, fullLogits, b, t0 - 1, tol, worst, "prefill");
  std::vector<Tensor> caches(r.begin() + 1, r.end());
  for (int64_t t = t0; t < S; ++t) {
    std::map<std::string, Tensor> given;
    Tensor tok(TensorType(DType::I32, {B, 1}));
    for (int64_t b = 0; b < B; ++b)
      tok.data[b] = ids.data[b * S + t];
    given["ids"] = tok;
    given["pos"] = scalarI32(t);
    for (size_t i = 0; i < caches.size(); ++i)
      given[step.args[2 + i]->name] = caches[i];
    r = run(step, argsOf(step, given, w));
    for (int64_t b = 0; b < B; ++b)
      compareRow(r[0], b, fullLogits, b, t, tol, worst, "decode");
    caches.assign(r.begin() + 1, r.end());
  }
  return worst;
}

std::unique_ptr<Module> buildDecode(const GlamConfig &c, const ShardingPreset &p = {}) {
  Diagnostics d;
  auto m = buildGlamDecode(c, p, d);
  EXPECT_TRUE(m) << (d.all().empty() ? "" : d.all()[0].message);
  if (m) {
    EXPECT_TRUE(verifyModule(*m, d)) << (d.all().empty() ? "" : d.all()[0].str());
  }
  return m;
}

// The full forward's logits [B,S,V] (result 2 of @main).
Tensor fullLogits(const Module &m, const std::map<std::string, Tensor> &w) {
  const Func &main = *m.main();
  return runFunction(main, argsOf(main, {}, w))[2];
}

TEST(GlamDecode, ModuleShape) {
  GlamConfig c = smallModel();
  auto m = buildDecode(c, {ShardingPreset::Kind::TwoD, {{"data", 2}, {"model", 2}}});
  ASSERT_TRUE(m);
  const Func *prefill = m->func("prefill"), *step = m->func("decode_step");
  ASSERT_TRUE(prefill && step && m->main());
  // logits and a k and a v cache per layer.
  ASSERT_EQ(prefill->results.size(), 1u + 2 * c.layers);
  ASSERT_EQ(step->results.size(), 1u + 2 * c.layers);
  TensorType cache(DType::F32, {c.batch, c.seq, c.heads, c.headDim});
  std::vector<std::vector<std::string>> cacheDims = {{"data"}, {}, {"model"}, {}};
  for (int64_t i = 1; i <= 2 * c.layers; ++i) {
    EXPECT_EQ(prefill->results[i].type, cache);
    EXPECT_EQ(step->results[i].type, cache);
    EXPECT_EQ(step->args[1 + i]->type, cache);
    ASSERT_TRUE(step->args[1 + i]->sharding);
    EXPECT_EQ(step->args[1 + i]->sharding->dims, cacheDims);
    ASSERT_TRUE(step->results[i].sharding);
    EXPECT_EQ(step->results[i].sharding->dims, cacheDims);
  }
  EXPECT_EQ(step->args[2]->name, "layer0.attn.k_cache");
  EXPECT_EQ(step->args[3]->name, "layer0.attn.v_cache");
  EXPECT_EQ(prefill->results[0].type, TensorType(DType::F32, {c.batch, c.vocab}));
  // The logits come back whole on every device: each samples the same next token.
  for (const Func *f : {prefill, step}) {
    ASSERT_TRUE(f->results[0].sharding);
    EXPECT_TRUE(f->results[0].sharding->isFullyReplicated());
  }
  int dus = 0;
  for (const auto &op : step->ops)
    dus += op->opcode == Opcode::DynamicUpdateSlice;
  EXPECT_EQ(dus, 2 * c.layers);
  // Prefill buckets of 16, 24, 32, 48, ... below the cache length, returning the whole caches.
  const Func *bucket = m->func("prefill_16");
  ASSERT_TRUE(bucket);
  EXPECT_FALSE(m->func("prefill_24")); // 16, 24, 32, 48, ...: only 16 is below 20
  EXPECT_EQ(bucket->args[0]->type, TensorType(DType::I32, {c.batch, 16}));
  ASSERT_EQ(bucket->results.size(), prefill->results.size());
  for (size_t i = 0; i < prefill->results.size(); ++i)
    EXPECT_EQ(bucket->results[i].type, prefill->results[i].type);
}

// Serving takes one prompt per row and is no training step: packed or training
// configurations are refused with one error, not built into a wrong module.
TEST(GlamDecode, RefusesPackedAndTrainingConfigurations) {
  for (bool train : {false, true}) {
    GlamConfig c = smallModel();
    (train ? c.train : c.packed) = true;
    Diagnostics d;
    EXPECT_FALSE(buildGlamDecode(c, {}, d));
    ASSERT_EQ(d.all().size(), 1u);
    EXPECT_EQ(d.all()[0].message, std::string("the serving module cannot be built with ") +
                                      (train ? "--train" : "--packed"));
  }
}

TEST(GlamDecode, TeacherForcingMatchesFullForward) {
  GlamConfig moe = smallModel();
  GlamConfig dense = smallModel();
  dense.name = "dense";
  dense.experts = 0;
  GlamConfig every = smallModel(); // every layer MoE, odd sizes, more experts than slots need
  every.name = "every";
  every.moeEvery = 1;
  every.experts = 3;
  every.heads = 3;
  every.vocab = 29;
  every.batch = 3;
  every.seq = 7;
  for (const GlamConfig &c : {moe, dense, every}) {
    auto m = buildDecode(c);
    ASSERT_TRUE(m);
    auto w = makeWeights(*m->main(), 11);
    Tensor full = fullLogits(*m, w);
    Runner interp = [](const Func &f, const std::vector<Tensor> &a) { return runFunction(f, a); };
    for (int64_t t0 : {int64_t(1), int64_t(3), c.seq}) {
      if (t0 > c.seq) continue;
      Worst e = teacherForcing(*m, w, w.at("ids"), full, t0, 1e-4, interp);
      EXPECT_LE(e.err, 1.0) << c.name << " prefill " << t0 << ": " << e.where;
      // A bucket holding the prompt fills the same cache: the same logits at every step.
      if (m->func("prefill_16") && t0 <= 16) {
        e = teacherForcing(*m, w, w.at("ids"), full, t0, 1e-4, interp, "prefill_16");
        EXPECT_LE(e.err, 1.0) << c.name << " prefill_16 " << t0 << ": " << e.where;
      }
    }
  }
}

// A bucket routes a prompt exactly as @prefill does, also when experts overflow: with a
// capacity factor of 0.5 (5 slots per expert for 16 tokens' 32 choices) tokens are dropped,
// and the bucket must drop the same ones (its capacity is the cache length's, not its own),
// so its logits and the prompt's cache entries equal @prefill's.
TEST(GlamDecode, PrefillBucketsDropLikePrefill) {
  GlamConfig c = smallModel();
  c.capacityFactor = 0.5;
  c.layers = 3; // layer 2's keys and values see which tokens layer 1's experts dropped
  auto m = buildDecode(c);
  ASSERT_TRUE(m);
  auto w = makeWeights(*m->main(), 5);
  const Func &full = *m->func("prefill"), &bucket = *m->func("prefill_16");
  const Tensor &ids = w.at("ids");
  int64_t B = c.batch, S = c.seq, L = 16;
  for (int64_t t0 : {int64_t(9), int64_t(16)}) {
    Tensor idsL(TensorType(DType::I32, {B, L}));
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < L; ++t)
        idsL.data[b * L + t] = ids.data[b * S + t];
    auto a = runFunction(full, argsOf(full, {{"ids", ids}, {"length", scalarI32(t0)}}, w));
    auto r = runFunction(bucket, argsOf(bucket, {{"ids", idsL}, {"length", scalarI32(t0)}}, w));
    ASSERT_EQ(a.size(), r.size());
    for (size_t i = 0; i < a[0].data.size(); ++i)
      EXPECT_NEAR(r[0].data[i], a[0].data[i], 1e-5 + 1e-5 * std::fabs(a[0].data[i]))
          << "logits, t0 = " << t0;
    // Cache slots [B, S, H, D]: those of the prompt are equal, the bucket's others are 0.
    for (size_t k = 1; k < a.size(); ++k) {
      int64_t per = a[k].type.shape[2] * a[k].type.shape[3];
      for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < S; ++t)
          for (int64_t e = 0; e < per; ++e) {
            size_t i = (size_t)((b * S + t) * per + e);
            if (t < t0)
              EXPECT_NEAR(r[k].data[i], a[k].data[i], 1e-5 + 1e-5 * std::fabs(a[k].data[i]))
                  << "cache " << k << " t0 = " << t0 << " slot " << t;
            else if (t >= L)
              EXPECT_EQ(r[k].data[i], 0.0) << "cache " << k << " slot " << t;
          }
    }
  }
}

TEST(GlamDecode, Bf16TeacherForcing) {
  GlamConfig c = smallModel();
  c.activations = DType::BF16;
  auto m = buildDecode(c);
  ASSERT_TRUE(m);
  auto w = makeWeights(*m->main(), 4);
  Tensor full = fullLogits(*m, w);
  Runner interp = [](const Func &f, const std::vector<Tensor> &a) { return runFunction(f, a); };
  // The same bf16 roundings in a different order: bf16 tolerance.
  Worst e = teacherForcing(*m, w, w.at("ids"), full, 4, 1e-2, interp);
  EXPECT_LE(e.err, 1.0) << e.where;
}

TEST(GlamDecode, PartitionedProgramsMatchFullForward) {
  GlamConfig c = smallModel();
  c.batch = 4;
  std::vector<std::vector<MeshAxis>> meshes = {
      {{"data", 2}}, {{"model", 2}}, {{"data", 2}, {"model", 2}}};
  for (const auto &axes : meshes) {
    auto m = buildDecode(c, {ShardingPreset::Kind::TwoD, axes});
    ASSERT_TRUE(m);
    auto w = makeWeights(*m->main(), 9);
    // The reference is the unpartitioned full forward.
    Tensor full = fullLogits(*m, w);
    Diagnostics d;
    ASSERT_TRUE(runPipeline(*m, kPartitionPipeline, d))
        << (d.all().empty() ? "" : d.all()[0].str());
    const Module &pm = *m;
    Runner sim = [&pm](const Func &f, const std::vector<Tensor> &a) {
      const Mesh *mesh = partitionedMeshOf(pm, f);
      EXPECT_TRUE(mesh) << "@" << f.name << " was not partitioned";
      return mesh ? simulate(f, *mesh, a) : std::vector<Tensor>{};
    };
    Worst e = teacherForcing(pm, w, w.at("ids"), full, 5, 1e-4, sim);
    EXPECT_LE(e.err, 1.0) << axes.size() << " axes: " << e.where;
    e = teacherForcing(pm, w, w.at("ids"), full, 5, 1e-4, sim, "prefill_16");
    EXPECT_LE(e.err, 1.0) << axes.size() << " axes, prefill_16: " << e.where;
  }
}

} // namespace
