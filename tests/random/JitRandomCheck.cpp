// partita-jit-random-check: random small programs (tests/random/RandomGraph.h) through the
// JIT, against the reference interpreter: the unpartitioned @main on one device, then the
// partitioned per-device program on every device (threads + in-memory collectives) against
// the interpreter's lockstep simulation. Failures print the seed and the program.
#include "RandomGraph.h"

#include "ir/InputGen.h"
#include "ir/Interpreter.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "runtime/Executable.h"
#include "runtime/RunDriver.h"
#include "runtime/Simulator.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

using namespace partita;

static std::string diagText(const Diagnostics &d) {
  std::string s;
  for (const auto &x : d.all())
    s += x.str() + "; ";
  return s;
}

static std::string checkOne(uint64_t seed, const std::shared_ptr<Jit> &jit) {
  auto m = randomModule(seed);
  Diagnostics diags;
  if (!verifyModule(*m, diags)) return "generated module does not verify: " + diagText(diags);
  const Func &f = *m->main();
  std::vector<Tensor> inputs = generateArgs(seed, f);
  DeviceContext ctx{&m->meshes[0], 0};
  std::vector<Tensor> ref;
  try {
    ref = runFunction(f, inputs, &ctx);
  } catch (const std::exception &e) {
    return std::string("reference run failed: ") + e.what();
  }
  auto exe = Executable::compile(*m, f, jit, diags);
  if (!exe) return "JIT compilation failed: " + diagText(diags);
  CheckResult c = compareResults(exe->runTensors(inputs), ref);
  if (!c.pass) return "unpartitioned: " + c.line();

  auto part = m->clone();
  if (!runPipeline(*part, kPartitionPipeline, diags))
    return "partitioning failed: " + diagText(diags);
  const Func &pf = *part->main();
  const Mesh *mesh = partitionedMeshOf(*part, pf);
  if (!mesh) return "partitioning produced no partitioned @main";
  int64_t nd = mesh->numDevices();
  std::vector<std::vector<Tensor>> local(nd);
  for (size_t i = 0; i < pf.args.size(); ++i) {
    Boundary b = argBoundary(pf, i, *mesh);
    for (int64_t d = 0; d < nd; ++d)
      local[d].push_back(
          generateShard(seed, pf.args[i]->name, b.global, b.sharding, *mesh, d, argBound(pf, i)));
  }
  std::vector<std::vector<Tensor>> want;
  try {
    want = simulateLocal(pf, *mesh, local);
  } catch (const std::exception &e) {
    return std::string("simulation failed: ") + e.what() + "\n" + printModule(*part);
  }
  auto pexe = Executable::compile(*part, pf, jit, diags);
  if (!pexe) return "JIT compilation of the partitioned program failed: " + diagText(diags);
  std::string err;
  auto got = runSimulated(*pexe, local, 60, &err);
  if (got.empty()) return "threaded run failed: " + err;
  for (int64_t d = 0; d < nd; ++d) {
    CheckResult pc = compareResults(got[d], want[d]);
    if (!pc.pass)
      return "device " + std::to_string(d) + ": " + pc.line() + "\n" + printModule(*part);
  }
  return "";
}

int main(int argc, char **argv) {
  uint64_t start = 1;
  int cases = 200;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
      start = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--cases") && i + 1 < argc)
      cases = std::atoi(argv[++i]);
    else {
      std::cout << "usage: partita-jit-random-check [--seed N] [--cases N]\n";
      return std::strcmp(argv[i], "--help") ? 1 : 0;
    }
  }
  std::string err;
  std::shared_ptr<Jit> jit = Jit::create(JitOptions{}, &err);
  if (!jit) {
    std::cerr << "partita-jit-random-check: error: " << err << "\n";
    return 1;
  }
  int failed = 0;
  for (int k = 0; k < cases; ++k) {
    uint64_t seed = start + k;
    std::string why = checkOne(seed, jit);
    if (!why.empty()) {
      ++failed;
      std::cout << "FAIL seed " << seed << ": " << why << "\n"
                << printModule(*randomModule(seed)) << "\n";
    }
  }
  std::cout << cases - failed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}
