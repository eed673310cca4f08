// partita-bench: how fast the JIT is, measured in one run on this machine.
//  1. Per-device step time of a partitioned GLaM model: JIT (threads + in-memory collectives)
//     against the reference interpreter (lockstep simulation), as CPU time per device.
//  2. Every distinct einsum of that per-device program as compiled by the JIT, in GFLOP/s,
//     against a plain Eigen GEMM of the same batch/M/N/K sizes, as a ratio (both on one
//     thread), and the JIT's rate on the runtime's threads.
//  3. The MoE dispatch and combine einsums with real GShard masks (at most two nonzeros per
//     token), where the kernel scatters the mask's nonzeros, against the dense GEMM.
//  4. JIT compile time of the per-device program, cold (empty cache) and cached.
#include "bench/BenchCommon.h"
#include "frontends/glam/Glam.h"
#include "ir/Einsum.h"
#include "ir/InputGen.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/ShardUtil.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "runtime/Executable.h"
#include "runtime/Parallel.h"
#include "runtime/Simulator.h"

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sys/resource.h>
#include <unistd.h>

using namespace partita;
using namespace partita::bench;

namespace {

[[noreturn]] void die(const std::string &msg) {
  std::cerr << "partita-bench: error: " << msg << "\n";
  std::exit(1);
}

void usage() {
  std::cout
      << "usage: partita-bench [--layers N] [--d-model N] [--ffn N] [--heads N] [--head-dim N]\n"
         "                     [--experts N] [--vocab N] [--seq N] [--batch N] [--mesh "
         "data=D,model=M]\n"
         "                     [--budget SECONDS]\n"
         "\n"
         "Builds a GLaM model (1.7B/64E architecture with the given sizes; defaults are the\n"
         "small demo shapes), partitions it for the mesh and reports: the per-device step\n"
         "time of the JIT against the reference interpreter; GFLOP/s of every distinct\n"
         "einsum of the per-device program against a plain Eigen GEMM of the same sizes;\n"
         "and the JIT's compile time, cold and from the object cache.\n"
         "\n"
         "example:\n"
         "  partita-bench --d-model 256 --ffn 1024 --seq 128 --mesh data=2,model=1\n";
}

} // namespace

int main(int argc, char **argv) {
  GlamConfig c = *glamPreset("1.7B/64E");
  c.layers = 2;
  c.dModel = 64;
  c.ffn = 256;
  c.heads = 4;
  c.headDim = 16;
  c.experts = 8;
  c.vocab = 512;
  c.seq = 64;
  c.batch = 4;
  std::string meshSpec = "data=2,model=2";
  double budget = 0.3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    auto num = [&]() -> int64_t {
      std::string v = next();
      char *end = nullptr;
      long long x = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end || x <= 0) die(a + " needs a positive integer, got '" + v + "'");
      return x;
    };
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (a == "--layers")
      c.layers = num();
    else if (a == "--d-model")
      c.dModel = num();
    else if (a == "--ffn")
      c.ffn = num();
    else if (a == "--heads")
      c.heads = num();
    else if (a == "--head-dim")
      c.headDim = num();
    else if (a == "--experts")
      c.experts = num();
    else if (a == "--vocab")
      c.vocab = num();
    else if (a == "--seq")
      c.seq = num();
    else if (a == "--batch")
      c.batch = num();
    else if (a == "--mesh")
      meshSpec = next();
    else if (a == "--budget") {
      std::string v = next();
      budget = std::atof(v.c_str());
      if (!(budget > 0)) die("--budget needs a positive number of seconds");
    } else
      die("unknown option '" + a + "' (see --help)");
  }
  if (auto e = validateGlamConfig(c); !e.empty()) die(e);
  std::string err;
  ShardingPreset preset;
  preset.kind = ShardingPreset::Kind::TwoD;
  auto axes = parseMeshSpec(meshSpec, &err);
  if (!axes) die(err);
  preset.mesh = *axes;

  Diagnostics diags;
  auto module = buildGlam(c, preset, diags);
  if (!module || !runPipeline(*module, kPartitionPipeline, diags)) {
    diags.print(std::cerr);
    die("cannot build and partition the model");
  }
  const Func &f = *module->main();
  const Mesh *mesh = partitionedMeshOf(*module, f);
  if (!mesh) die("the partitioned model has no mesh");
  int64_t nd = mesh->numDevices();
  std::printf("model: GLaM layers=%lld d_model=%lld ffn=%lld heads=%lld head_dim=%lld experts=%lld "
              "vocab=%lld seq=%lld batch=%lld, mesh %s (%lld devices), %zu ops per device\n",
              (long long)c.layers, (long long)c.dModel, (long long)c.ffn, (long long)c.heads,
              (long long)c.headDim, (long long)c.experts, (long long)c.vocab, (long long)c.seq,
              (long long)c.batch, meshSpec.c_str(), (long long)nd, f.ops.size());
  std::printf("cpu: %s\n", hostCpuName().c_str());

  // 3. Compile time, cold then cached (a fresh cache directory).
  std::string cacheDir = (std::filesystem::temp_directory_path() /
                          ("partita-bench-cache-" + std::to_string(::getpid())))
                             .string();
  std::filesystem::remove_all(cacheDir);
  double compileCold = 0, compileCached = 0;
  std::unique_ptr<Executable> exe;
  for (int pass = 0; pass < 2; ++pass) {
    JitOptions o;
    o.cacheDir = cacheDir;
    std::shared_ptr<Jit> jit = Jit::create(o, &err);
    if (!jit) die(err);
    double t0 = now();
    exe = Executable::compile(*module, f, jit, diags);
    double t = now() - t0;
    if (!exe) {
      diags.print(std::cerr);
      die("JIT compilation failed");
    }
    (pass == 0 ? compileCold : compileCached) = t;
    if (pass == 1 && jit->cachedCount() != 1)
      die("the second compilation did not come from the cache");
  }
  std::filesystem::remove_all(cacheDir);

  // 1. Per-device step time.
  std::vector<std::vector<Tensor>> args(nd);
  for (size_t i = 0; i < f.args.size(); ++i) {
    Boundary b = argBoundary(f, i, *mesh);
    for (int64_t d = 0; d < nd; ++d)
      args[d].push_back(generateShard(1, f.args[i]->name, b.global, b.sharding, *mesh, d));
  }
  auto perDeviceCpu = [&](auto fn, int reps) {
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
      double t0 = processCpu();
      fn();
      best = std::min(best, (processCpu() - t0) / (double)nd);
    }
    return best;
  };
  std::vector<std::vector<Tensor>> jitOut, refOut;
  double jitStep = perDeviceCpu(
      [&] {
        jitOut = runSimulated(*exe, args, 600, &err);
        if (jitOut.empty()) die(err);
      },
      5);
  double interpStep = perDeviceCpu([&] { refOut = simulateLocal(f, *mesh, args); }, 1);
  double maxDiff = 0;
  for (int64_t d = 0; d < nd; ++d)
    for (size_t r = 0; r < refOut[d].size(); ++r)
      for (int64_t k = 0; k < refOut[d][r].size(); ++k)
        maxDiff = std::max(maxDiff, std::fabs(refOut[d][r].data[k] - jitOut[d][r].data[k]));
  std::printf("step time per device (cpu): jit %.3f ms, interpreter %.3f ms, speedup %.1fx "
              "(max |jit - interpreter| = %.3g)\n",
              jitStep * 1e3, interpStep * 1e3, interpStep / jitStep, maxDiff);
  std::printf("workspace per device: %.1f KiB planned, %.1f KiB without reuse\n",
              exe->workspaceBytes() / 1024.0, exe->unplannedBytes() / 1024.0);

  // 2. Einsums against Eigen GEMM.
  std::set<std::string> seen;
  double jitFlopTime = 0, eigenFlopTime = 0, flopsTotal = 0;
  const int threads = runtimeThreads();
  std::printf("%-22s %-28s %-22s %10s %10s %7s %12s\n", "einsum", "operands", "B x M x N x K",
              "jit GF/s", "eigen GF/s", "ratio",
              ("jit x" + std::to_string(threads) + " GF/s").c_str());
  for (const auto &opp : f.ops) {
    if (opp->opcode != Opcode::Einsum) continue;
    const Op &op = *opp;
    std::string key = printOp(op);
    std::string sig =
        op.getString("spec") + " " + op.operands[0]->type.str() + " " + op.operands[1]->type.str();
    if (!seen.insert(sig).second) continue;
    std::string text = "func @main(%a: " + op.operands[0]->type.str() +
                       ", %b: " + op.operands[1]->type.str() + ") -> (" + op.type().str() +
                       ") {\n  %y = einsum(%a, %b) {spec = \"" + op.getString("spec") +
                       "\"} : " + op.type().str() + "\n  return %y\n}\n";
    Diagnostics d;
    auto m = parseModule(text, "einsum", d);
    if (!m || !verifyModule(*m, d)) die("cannot rebuild einsum " + key);
    JitOptions o;
    std::shared_ptr<Jit> jit = Jit::create(o, &err);
    auto e = Executable::compile(*m, *m->main(), jit, d);
    if (!e) die("cannot compile einsum " + key);
    std::vector<NativeBuffer> in;
    for (const Value *a : m->main()->args)
      in.push_back(NativeBuffer::fromTensor(generateTensor(2, a->name, a->type)));
    std::vector<NativeBuffer> outs;
    for (const auto &t : e->resultTypes())
      outs.emplace_back(t);
    NativeBuffer ws(TensorType(DType::I1, {e->workspaceBytes()}));
    std::vector<void *> ap, rp;
    for (auto &b : in)
      ap.push_back(b.data());
    for (auto &b : outs)
      rp.push_back(b.data());
    EinsumShape s = einsumShape(op);
    double tj, tjN;
    {
      ThreadLimit one(1); // like for like with the single-threaded Eigen GEMM
      tj = bestTime([&] { e->runRaw(ap.data(), rp.data(), 0, nullptr, ws.data()); }, budget);
    }
    tjN = bestTime([&] { e->runRaw(ap.data(), rp.data(), 0, nullptr, ws.data()); }, budget);
    double te = eigenGemmSeconds(s, budget);
    double gj = s.flops() / tj * 1e-9, ge = s.flops() / te * 1e-9;
    char dims[64];
    std::snprintf(dims, sizeof dims, "%lldx%lldx%lldx%lld", (long long)s.b, (long long)s.m,
                  (long long)s.n, (long long)s.k);
    std::string operands = op.operands[0]->type.str() + "," + op.operands[1]->type.str();
    std::printf("%-22s %-28s %-22s %10.2f %10.2f %7.2f %12.2f\n", op.getString("spec").c_str(),
                operands.c_str(), dims, gj, ge, gj / ge, s.flops() / tjN * 1e-9);
    flopsTotal += s.flops();
    jitFlopTime += tj;
    eigenFlopTime += te;
  }
  if (flopsTotal > 0)
    std::printf("einsum overall (all distinct einsums once): jit %.2f GFLOP/s, eigen %.2f GFLOP/s, "
                "ratio %.2f\n",
                flopsTotal / jitFlopTime * 1e-9, flopsTotal / eigenFlopTime * 1e-9,
                eigenFlopTime / jitFlopTime);

  // 3. Dispatch and combine with a real mask: every token of every group goes to at most two
  // (expert, slot) cells, as the GShard router leaves them.
  for (const auto &opp : f.ops) {
    if (opp->opcode != Opcode::Einsum) continue;
    std::string spec = opp->getString("spec");
    if (spec != "gsec,gsm->egcm" && spec != "gsec,egcm->gsm") continue;
    const Op &op = *opp;
    std::string text = "func @main(%a: " + op.operands[0]->type.str() +
                       ", %b: " + op.operands[1]->type.str() + ") -> (" + op.type().str() +
                       ") {\n  %y = einsum(%a, %b) {spec = \"" + spec + "\"} : " + op.type().str() +
                       "\n  return %y\n}\n";
    Diagnostics d;
    auto m = parseModule(text, "einsum", d);
    if (!m || !verifyModule(*m, d)) die("cannot rebuild einsum " + spec);
    JitOptions o;
    std::shared_ptr<Jit> jit = Jit::create(o, &err);
    auto e = Executable::compile(*m, *m->main(), jit, d);
    if (!e) die("cannot compile einsum " + spec);
    const TensorType &mt = op.operands[0]->type;
    Tensor mask(mt);
    std::mt19937 rng(3);
    int64_t cells = mt.shape[2] * mt.shape[3];
    for (int64_t t = 0; t < mt.shape[0] * mt.shape[1]; ++t)
      for (int k = 0; k < 2; ++k)
        mask.data[t * cells + rng() % cells] = k == 0 ? 0.75 : 0.25;
    std::vector<NativeBuffer> in;
    in.push_back(NativeBuffer::fromTensor(mask));
    in.push_back(NativeBuffer::fromTensor(generateTensor(2, "b", op.operands[1]->type)));
    std::vector<NativeBuffer> outs;
    for (const auto &t : e->resultTypes())
      outs.emplace_back(t);
    NativeBuffer ws(TensorType(DType::I1, {e->workspaceBytes()}));
    std::vector<void *> ap = {in[0].data(), in[1].data()}, rp = {outs[0].data()};
    EinsumShape s = einsumShape(op);
    double tj = bestTime([&] { e->runRaw(ap.data(), rp.data(), 0, nullptr, ws.data()); }, budget);
    double te = eigenGemmSeconds(s, budget);
    std::printf("sparse %-15s %s: %.3f ms (dense-equivalent %.1f GFLOP/s), dense Eigen GEMM "
                "%.3f ms, %.1fx faster\n",
                spec.c_str(), mt.str().c_str(), tj * 1e3, s.flops() / tj * 1e-9, te * 1e3, te / tj);
  }
  std::printf("jit compile of the per-device program: cold %.1f ms, cached %.1f ms\n",
              compileCold * 1e3, compileCached * 1e3);
  return 0;
}
