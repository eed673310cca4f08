// partita-glam: writes the GLaM model of a paper preset (with any dimension overridden) as a
// .pir module, optionally annotated with a sharding preset, and its parameter and FLOP
// figures as JSON (spec section 6). Outputs go through a temporary file and a rename.
#include "frontends/glam/Glam.h"
#include "ir/FileIO.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>

using namespace partita;
namespace fs = std::filesystem;

namespace {

const char *kTool = "partita-glam";

void usage(std::ostream &os) {
  os << "usage: partita-glam --config NAME [-o FILE] [--stats-json=FILE|-]\n"
        "                    [--layers N] [--d-model N] [--ffn N] [--heads N] [--head-dim N]\n"
        "                    [--experts N] [--vocab N] [--batch N] [--seq N] [--groups N]\n"
        "                    [--capacity-factor X] [--moe-every N] [--activations=f32|bf16]\n"
        "                    [--sharding=2d|data|none] [--mesh data=D,model=M] [--moe-layer]\n"
        "\n"
        "Builds the GLaM decoder (docs/glam.md) and prints it as a .pir module.\n"
        "\n"
        "options:\n"
        "  --config NAME          a size of the GLaM paper:";
  for (const std::string &n : glamPresetNames())
    os << " " << n;
  os << "\n"
        "                         (defaults for every size: vocab 256000, seq 1024, batch 8,\n"
        "                         one MoE group per sequence, capacity factor 2.0)\n"
        "  --layers ... --groups  override one dimension (experts 0 = dense)\n"
        "  --capacity-factor X    expert capacity = ceil(X * 2 * group size / experts)\n"
        "  --moe-every N          layers l with l % N == N-1 are MoE layers (default 2)\n"
        "  --activations=DTYPE    f32 (default) or bf16 activations; weights stay f32\n"
        "  --sharding=KIND        none (default without --mesh), data, or 2d (default with\n"
        "                         --mesh): groups/experts on data, model dims on model\n"
        "  --mesh data=D,model=M  the device mesh of the sharding preset\n"
        "  --moe-layer            build one MoE layer alone: x[G,S,M] -> (y, aux loss,\n"
        "                         combine weights), the exact code of the model's MoE layers\n"
        "  -o FILE                write the module to FILE (default stdout)\n"
        "  --stats-json=FILE      write params, activated params and FLOPs per token as JSON;\n"
        "                         with '-' the JSON goes to stdout instead of the module\n"
        "                         (unless -o is given)\n"
        "  -h, --help             show this help\n"
        "\n"
        "examples:\n"
        "  partita-glam --config 64B/64E --stats-json=-\n"
        "  partita-glam --config 1.7B/64E --layers 2 --d-model 64 --ffn 256 --heads 4 \\\n"
        "      --head-dim 16 --experts 8 --vocab 512 --seq 64 --batch 4 -o tiny.pir\n"
        "  partita-glam --config 0.1B/64E --layers 4 --d-model 64 --ffn 256 --experts 8 \\\n"
        "      --vocab 512 --seq 64 --batch 4 --mesh data=2,model=2 | partita-opt --partition\n"
        "  partita-glam --config 1.7B/64E --moe-layer --d-model 64 --ffn 256 --experts 8 \\\n"
        "      --seq 64 --batch 4 --mesh data=2,model=2 -o moe.pir\n";
}

int toolError(const std::string &msg) {
  std::cerr << kTool << ": error: " << msg << "\n";
  return 1;
}

// Writes `text` to `path` ('-' is stdout), all or nothing.
bool writeOutput(const std::string &path, const std::string &text) {
  if (path == "-") {
    std::cout << text << std::flush;
    if (!std::cout.good()) return toolError("write to stdout failed"), false;
    return true;
  }
  std::string why;
  if (!writeFileAtomically(path, text, &why))
    return toolError(path + ": cannot write: " + why), false;
  return true;
}

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

} // namespace

int main(int argc, char **argv) {
  std::string configName, output, statsPath, activations = "f32", shardingName, meshSpec;
  bool haveOutput = false, moeLayerOnly = false;
  // Overrides are applied after the preset is known, in any argument order.
  std::vector<std::pair<std::string, std::string>> overrides;
  const std::vector<std::string> intFlags = {"--layers",   "--d-model", "--ffn",      "--heads",
                                             "--head-dim", "--experts", "--vocab",    "--batch",
                                             "--seq",      "--groups",  "--moe-every"};
  auto isValued = [&](const std::string &flag) {
    for (const auto &f : intFlags)
      if (f == flag) return true;
    return flag == "--config" || flag == "-o" || flag == "--stats-json" ||
           flag == "--capacity-factor" || flag == "--activations" || flag == "--sharding" ||
           flag == "--mesh";
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(std::cout);
      return 0;
    }
    if (a == "--moe-layer") {
      moeLayerOnly = true;
      continue;
    }
    std::string flag = a, value;
    size_t eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else if (isValued(a)) {
      if (i + 1 >= argc) return toolError(a + " needs a value (see --help)");
      value = argv[++i];
    }
    if (!isValued(flag)) {
      if (!a.empty() && a[0] == '-') return toolError("unknown option '" + a + "' (see --help)");
      return toolError("unexpected argument '" + a + "' (see --help)");
    }
    if (flag == "--config")
      configName = value;
    else if (flag == "-o")
      output = value, haveOutput = true;
    else if (flag == "--stats-json")
      statsPath = value;
    else if (flag == "--activations")
      activations = value;
    else if (flag == "--sharding")
      shardingName = value;
    else if (flag == "--mesh")
      meshSpec = value;
    else
      overrides.push_back({flag, value});
    if (value.empty()) return toolError(flag + " needs a non-empty value");
  }

  if (configName.empty()) return toolError("--config NAME is required (see --help)");
  std::optional<GlamConfig> preset = glamPreset(configName);
  if (!preset) {
    std::string names;
    for (const std::string &n : glamPresetNames())
      names += (names.empty() ? "" : ", ") + n;
    return toolError("unknown config '" + configName + "'; valid configs: " + names);
  }
  GlamConfig c = *preset;
  for (const auto &[flag, value] : overrides) {
    if (flag == "--capacity-factor") {
      if (!parseDouble(value, &c.capacityFactor))
        return toolError("--capacity-factor needs a number, got '" + value + "'");
      continue;
    }
    int64_t v;
    if (!parseInt(value, &v)) return toolError(flag + " needs an integer, got '" + value + "'");
    if (flag == "--layers")
      c.layers = v;
    else if (flag == "--d-model")
      c.dModel = v;
    else if (flag == "--ffn")
      c.ffn = v;
    else if (flag == "--heads")
      c.heads = v;
    else if (flag == "--head-dim")
      c.headDim = v;
    else if (flag == "--experts")
      c.experts = v;
    else if (flag == "--vocab")
      c.vocab = v;
    else if (flag == "--batch")
      c.batch = v;
    else if (flag == "--seq")
      c.seq = v;
    else if (flag == "--groups") {
      if (v < 1) return toolError("--groups must be positive, got " + value);
      c.groups = v;
    } else if (flag == "--moe-every")
      c.moeEvery = v;
  }
  if (!overrides.empty()) c.name += " (overridden)";
  if (activations == "f32")
    c.activations = DType::F32;
  else if (activations == "bf16")
    c.activations = DType::BF16;
  else
    return toolError("--activations must be f32 or bf16, got '" + activations + "'");
  std::string err = validateGlamConfig(c);
  if (!err.empty()) return toolError(err);
  if (moeLayerOnly && c.experts <= 0)
    return toolError("--moe-layer needs experts (a config with E, or --experts N)");

  ShardingPreset sp;
  if (shardingName.empty()) shardingName = meshSpec.empty() ? "none" : "2d";
  auto kind = parseShardingKind(shardingName);
  if (!kind) return toolError("--sharding must be 2d, data or none, got '" + shardingName + "'");
  sp.kind = *kind;
  if (sp.kind == ShardingPreset::Kind::None && !meshSpec.empty())
    return toolError("--mesh needs --sharding=2d or --sharding=data");
  if (sp.kind != ShardingPreset::Kind::None) {
    if (meshSpec.empty())
      return toolError("--sharding=" + shardingName + " needs --mesh (e.g. --mesh data=2,model=2)");
    auto axes = parseMeshSpec(meshSpec, &err);
    if (!axes) return toolError(err);
    sp.mesh = *axes;
  }

  Diagnostics diags;
  std::unique_ptr<Module> m =
      moeLayerOnly ? buildGlamMoeLayer(c, sp, diags) : buildGlam(c, sp, diags);
  if (!m) {
    for (const auto &d : diags.all())
      toolError(d.message);
    return 1;
  }
  if (!verifyModule(*m, diags)) {
    for (const auto &d : diags.all())
      toolError("internal error: the built module is invalid: " + d.str());
    return 1;
  }

  if (!haveOutput) output = statsPath == "-" ? "" : "-";
  if (!output.empty() && output == statsPath && output != "-")
    return toolError("-o and --stats-json name the same file '" + output + "'");
  if (!output.empty() && !writeOutput(output, printModule(*m))) return 1;
  if (!statsPath.empty() && !writeOutput(statsPath, glamStatsJson(c, countGlamStats(*m)))) return 1;
  return 0;
}
