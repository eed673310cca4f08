// partita-glam (spec section 6): writes the GLaM model of a paper preset (with any
// dimension overridden) as a .pir module, optionally annotated with a sharding preset, and
// its parameter and FLOP figures as JSON; with --train, the Adafactor training step instead
// (docs/training.md). Outputs go through a temporary file and a rename.
#include "frontends/glam/Glam.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Passes.h"
#include "tools/driver/CommandLine.h"
#include "tools/driver/Mains.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>

namespace partita::driver {

namespace {

using Arity = Option::Arity;

struct GlamOptions {
  std::string configName, output, statsPath, activations = "f32", shardingName, meshSpec;
  bool haveOutput = false, moeLayerOnly = false, logits = false, decode = false, train = false,
       packed = false;
  std::string lr, warmupSteps; // --train hyperparameters; empty: the pass's defaults
  std::string remat;           // --remat: "" (not given), "none" or "layer"
  // Overrides are applied after the preset is known, in any argument order.
  std::vector<std::pair<std::string, std::string>> overrides;
};

bool parseInt(const std::string &s, int64_t *out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

bool parseDouble(const std::string &s, double *out) {
  if (s.empty() || std::isspace((unsigned char)s[0])) return false;
  char *end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

CommandLine glamCommandLine(GlamOptions &o) {
  std::string presets;
  for (const std::string &n : glamPresetNames())
    presets += " " + n;
  CommandLine cl(
      "partita-glam",
      "partita-glam --config NAME [-o FILE] [--stats-json=FILE|-]\n"
      "                    [--layers N] [--d-model N] [--ffn N] [--heads N] [--head-dim N]\n"
      "                    [--experts N] [--vocab N] [--batch N] [--seq N] [--groups N]\n"
      "                    [--capacity-factor X] [--moe-every N] [--activations=f32|bf16]\n"
      "                    [--sharding=2d|2d-full|data|none] [--mesh data=D,model=M] "
      "[--moe-layer]\n"
      "                    [--logits] [--decode] [--packed]\n"
      "                    [--train [--lr X] [--warmup-steps N] [--remat=none|layer]]",
      "Builds the GLaM decoder (docs/glam.md) and prints it as a .pir module.", 25);
  cl.unexpectedArgument("unexpected argument");
  // Every valued option takes "--opt V" or "--opt=V" and refuses an empty value.
  auto valued = [&cl](std::string name, std::string display, std::string help,
                      std::function<void(const std::string &)> set) {
    cl.value({name}, name == "-o" ? Arity::Separate : Arity::Either, display, help,
             name + " needs a value (see --help)", [name, set](const std::string &v) {
               set(v);
               return v.empty() ? name + " needs a non-empty value" : std::string();
             });
  };
  valued("--config", "--config NAME",
         "a size of the GLaM paper:" + presets +
             "\n(defaults for every size: vocab 256000, seq 1024, batch 8,\n"
             "one MoE group per sequence, capacity factor 2.0)",
         [&o](const std::string &v) { o.configName = v; });
  for (const char *flag :
       {"--layers", "--d-model", "--ffn", "--heads", "--head-dim", "--experts", "--vocab",
        "--batch", "--seq", "--groups", "--capacity-factor", "--moe-every"})
    valued(flag, "", "", [&o, flag](const std::string &v) { o.overrides.push_back({flag, v}); });
  cl.note("--layers ... --groups", "override one dimension (experts 0 = dense)")
      .note("--capacity-factor X", "expert capacity = ceil(X * 2 * group size / experts)")
      .note("--moe-every N", "layers l with l % N == N-1 are MoE layers (default 2)");
  valued("--activations", "--activations=DTYPE",
         "f32 (default) or bf16 activations; weights stay f32",
         [&o](const std::string &v) { o.activations = v; });
  valued("--sharding", "--sharding=KIND",
         "none (default without --mesh), data, 2d (default with\n"
         "--mesh): groups/experts on data, model dims on model, or\n"
         "2d-full: 2d with dense weights also split over data",
         [&o](const std::string &v) { o.shardingName = v; });
  valued("--mesh", "--mesh data=D,model=M", "the device mesh of the sharding preset",
         [&o](const std::string &v) { o.meshSpec = v; });
  cl.flag({"--moe-layer"}, "--moe-layer",
          "build one MoE layer alone: x[G,S,M] -> (y, aux loss,\n"
          "combine weights), the exact code of the model's MoE layers",
          [&o] { o.moeLayerOnly = true; });
  cl.flag({"--logits"}, "--logits",
          "also return the f32 logits [batch, seq, vocab] (vocabulary\n"
          "on model in the 2d preset) after the loss and aux loss",
          [&o] { o.logits = true; });
  cl.flag({"--decode"}, "--decode",
          "write the serving module (docs/inference.md): @prefill and\n"
          "@decode_step with a KV cache of --seq positions, and @main,\n"
          "the full forward with logits they agree with",
          [&o] { o.decode = true; });
  cl.flag({"--packed"}, "--packed",
          "packed rows: also take segments and positions [batch, seq];\n"
          "attention within a segment, padding (segment 0) out of the\n"
          "loss and the expert buffers (docs/training.md)",
          [&o] { o.packed = true; });
  cl.flag({"--train"}, "--train",
          "write the Adafactor training step instead (docs/training.md):\n"
          "(params, optimizer state, step, batch) -> (loss, aux loss,\n"
          "next params, next state); loss and aux loss in f32;\n"
          "implies --packed",
          [&o] { o.train = true; });
  valued("--lr", "--lr X", "with --train: peak learning rate (default 0.01)",
         [&o](const std::string &v) { o.lr = v; });
  valued("--warmup-steps", "--warmup-steps N",
         "with --train: constant learning rate up to step N, then\n"
         "lr * sqrt(N / step) (default 10000)",
         [&o](const std::string &v) { o.warmupSteps = v; });
  valued("--remat", "--remat=KIND",
         "with --train: 'layer' recomputes each layer's forward values\n"
         "in the backward pass instead of keeping them (sets @main's\n"
         "remat = \"layer\"; partitioning applies it); 'none' (default)",
         [&o](const std::string &v) { o.remat = v; });
  valued("-o", "-o FILE", "write the module to FILE (default stdout)", [&o](const std::string &v) {
    o.output = v;
    o.haveOutput = true;
  });
  valued("--stats-json", "--stats-json=FILE",
         "write params, activated params and FLOPs per token as JSON;\n"
         "with '-' the JSON goes to stdout instead of the module\n"
         "(unless -o is given)",
         [&o](const std::string &v) { o.statsPath = v; });
  cl.examples(
      "  partita-glam --config 64B/64E --stats-json=-\n"
      "  partita-glam --config 1.7B/64E --layers 2 --d-model 64 --ffn 256 --heads 4 \\\n"
      "      --head-dim 16 --experts 8 --vocab 512 --seq 64 --batch 4 -o tiny.pir\n"
      "  partita-glam --config 0.1B/64E --layers 4 --d-model 64 --ffn 256 --experts 8 \\\n"
      "      --vocab 512 --seq 64 --batch 4 --mesh data=2,model=2 | partita-opt --partition\n"
      "  partita-glam --config 1.7B/64E --moe-layer --d-model 64 --ffn 256 --experts 8 \\\n"
      "      --seq 64 --batch 4 --mesh data=2,model=2 -o moe.pir\n"
      "  partita-glam --config 1.7B/64E --layers 2 --d-model 64 --ffn 256 --heads 4 \\\n"
      "      --head-dim 16 --experts 8 --vocab 512 --seq 64 --batch 1 --decode -o serve.pir\n"
      "  partita-glam --config 0.1B/64E --layers 2 --d-model 32 --ffn 64 --heads 2 \\\n"
      "      --head-dim 16 --experts 4 --vocab 257 --seq 16 --batch 4 \\\n"
      "      --mesh data=2,model=2 --train --lr 0.01 --warmup-steps 100 -o step.pir\n");
  return cl;
}

// The preset with the overrides applied; "" or the error.
std::string configure(const GlamOptions &o, GlamConfig *c) {
  for (const auto &[flag, value] : o.overrides) {
    if (flag == "--capacity-factor") {
      if (!parseDouble(value, &c->capacityFactor))
        return "--capacity-factor needs a number, got '" + value + "'";
      continue;
    }
    int64_t v;
    if (!parseInt(value, &v)) return flag + " needs an integer, got '" + value + "'";
    if (flag == "--groups" && v < 1) return "--groups must be positive, got " + value;
    int64_t *field = flag == "--layers"     ? &c->layers
                     : flag == "--d-model"  ? &c->dModel
                     : flag == "--ffn"      ? &c->ffn
                     : flag == "--heads"    ? &c->heads
                     : flag == "--head-dim" ? &c->headDim
                     : flag == "--experts"  ? &c->experts
                     : flag == "--vocab"    ? &c->vocab
                     : flag == "--batch"    ? &c->batch
                     : flag == "--seq"      ? &c->seq
                     : flag == "--groups"   ? &c->groups
                                            : &c->moeEvery;
    *field = v;
  }
  if (!o.overrides.empty()) c->name += " (overridden)";
  c->packed = o.packed;
  if (o.activations == "f32")
    c->activations = DType::F32;
  else if (o.activations == "bf16")
    c->activations = DType::BF16;
  else
    return "--activations must be f32 or bf16, got '" + o.activations + "'";
  std::string err = validateGlamConfig(*c);
  if (!err.empty()) return err;
  if (o.moeLayerOnly && c->experts <= 0)
    return "--moe-layer needs experts (a config with E, or --experts N)";
  if (o.moeLayerOnly && (o.logits || o.decode))
    return std::string(o.logits ? "--logits" : "--decode") + " cannot be combined with --moe-layer";
  if (o.moeLayerOnly && o.packed) return "--packed builds the whole model; not with --moe-layer";
  if ((!o.lr.empty() || !o.warmupSteps.empty()) && !o.train)
    return std::string(o.lr.empty() ? "--warmup-steps" : "--lr") + " needs --train";
  if (!o.remat.empty() && o.remat != "none" && o.remat != "layer")
    return "--remat must be none or layer, got '" + o.remat + "'";
  if (!o.remat.empty() && !o.train) return "--remat needs --train";
  if (o.train && o.moeLayerOnly) return "--train builds the whole model; drop --moe-layer";
  // The serving module takes one prompt per row and is no training step; a training step
  // returns the loss, its state and parameters, not logits.
  if (o.decode && (o.train || o.packed))
    return std::string("--decode cannot be combined with ") + (o.train ? "--train" : "--packed");
  if (o.logits && o.train) return "--logits cannot be combined with --train";
  c->returnLogits = o.logits;
  c->train = o.train;
  c->packed = o.packed || o.train; // the training step takes packed rows
  return "";
}

// The sharding preset of --sharding and --mesh; "" or the error.
std::string shardingPreset(GlamOptions &o, ShardingPreset *sp) {
  if (o.shardingName.empty()) o.shardingName = o.meshSpec.empty() ? "none" : "2d";
  auto kind = parseShardingKind(o.shardingName);
  if (!kind) return "--sharding must be 2d, 2d-full, data or none, got '" + o.shardingName + "'";
  sp->kind = *kind;
  if (sp->kind == ShardingPreset::Kind::None && !o.meshSpec.empty())
    return "--mesh needs --sharding=2d or --sharding=data";
  if (sp->kind != ShardingPreset::Kind::None) {
    if (o.meshSpec.empty())
      return "--sharding=" + o.shardingName + " needs --mesh (e.g. --mesh data=2,model=2)";
    std::string err;
    auto axes = parseMeshSpec(o.meshSpec, &err);
    if (!axes) return err;
    sp->mesh = *axes;
  }
  return "";
}

// Writes `text` to `path` ('-' is stdout), all or nothing.
bool writeOutput(const CommandLine &cl, const std::string &path, const std::string &text) {
  if (path == "-") {
    std::cout << text;
    return flushStdout(cl);
  }
  Output file(path);
  std::string err;
  if (!file.write(text, &err) || !file.commit(&err))
    return writeLines(std::cerr, err + "\n"), false;
  return true;
}

// Differentiates the model and turns it into the Adafactor step; "" or the error.
std::string buildTrainStep(const GlamOptions &o, Module &m) {
  Func &f = *m.main();
  if (!o.lr.empty()) {
    double lr;
    if (!parseDouble(o.lr, &lr) || !(lr > 0) || !std::isfinite(lr))
      return "--lr needs a positive number, got '" + o.lr + "'";
    f.attrs["adafactor.lr"] = Attr::ofFloat(lr);
  }
  if (!o.warmupSteps.empty()) {
    int64_t w;
    if (!parseInt(o.warmupSteps, &w) || w < 0)
      return "--warmup-steps needs a non-negative integer, got '" + o.warmupSteps + "'";
    f.attrs["adafactor.warmup_steps"] = Attr::ofInt(w);
  }
  Diagnostics diags;
  for (auto make : {createAutodiffPass, createAdafactorPass}) {
    std::unique_ptr<Pass> pass = make();
    if (!pass->run(m, diags).ok || !verifyModule(m, diags)) {
      std::string why = diags.all().empty() ? pass->name() + " failed" : diags.all().front().str();
      return "internal error: building the training step: " + why;
    }
  }
  // The remat pass runs at the end of partitioning (after CSE, which would merge the
  // recomputed values back); the step only records that it is wanted.
  if (o.remat == "layer") f.attrs["remat"] = Attr::ofString("layer");
  return "";
}

} // namespace

int glamMain(int argc, char **argv) {
  GlamOptions o;
  CommandLine cl = glamCommandLine(o);
  if (auto code = cl.parse(argc, argv)) return *code;
  if (o.configName.empty()) return cl.error("--config NAME is required (see --help)");
  std::optional<GlamConfig> preset = glamPreset(o.configName);
  if (!preset) {
    std::string names;
    for (const std::string &n : glamPresetNames())
      names += (names.empty() ? "" : ", ") + n;
    return cl.error("unknown config '" + o.configName + "'; valid configs: " + names);
  }
  GlamConfig c = *preset;
  ShardingPreset sp;
  if (std::string e = configure(o, &c); !e.empty()) return cl.error(e);
  if (std::string e = shardingPreset(o, &sp); !e.empty()) return cl.error(e);

  Diagnostics diags;
  std::unique_ptr<Module> m = o.moeLayerOnly ? buildGlamMoeLayer(c, sp, diags)
                              : o.decode     ? buildGlamDecode(c, sp, diags)
                                             : buildGlam(c, sp, diags);
  if (!m) {
    for (const auto &d : diags.all())
      cl.error(d.message);
    return 1;
  }
  if (!verifyModule(*m, diags)) {
    for (const auto &d : diags.all())
      cl.error("internal error: the built module is invalid: " + d.str());
    return 1;
  }
  // The figures describe the model, so they are counted before it becomes a step.
  GlamStats stats = countGlamStats(*m);
  if (o.train) {
    if (std::string e = buildTrainStep(o, *m); !e.empty()) return cl.error(e);
  }

  std::string output = o.haveOutput ? o.output : o.statsPath == "-" ? "" : "-";
  if (!output.empty() && output == o.statsPath && output != "-")
    return cl.error("-o and --stats-json name the same file '" + output + "'");
  if (!output.empty() && !writeOutput(cl, output, printModule(*m))) return 1;
  if (!o.statsPath.empty() && !writeOutput(cl, o.statsPath, glamStatsJson(c, stats))) return 1;
  return 0;
}

} // namespace partita::driver
