// partita-random-check: partitions random small programs over random meshes and shardings,
// runs every device in the simulator, and compares with the reference interpreter. A
// failure prints its seed and the program, ready to become a lit case. With --grad each
// program first becomes a loss (the sum of its squared float results) and is differentiated
// with respect to every float argument, so the partitioned backward ops are checked too.
#include "RandomGraph.h"

#include "ir/InputGen.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "passes/Passes.h"
#include "runtime/RunDriver.h"
#include "runtime/Simulator.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <string>

using namespace partita;

// How many programs contained each collective: a checker that never communicates proves little.
static std::map<std::string, int> gKinds;
static bool gGrad = false;
static int gSkipped = 0;

// Turns @main into loss = sum_k sum(r_k * r_k) over its float results, every float argument
// trainable, and differentiates it. Returns false (the case is skipped) when the program has
// no float result or argument to differentiate.
static bool makeGradient(Module &m, std::string *why) {
  Func &f = *m.main();
  bool anyArg = false;
  for (size_t i = 0; i < f.args.size(); ++i)
    if (isFloat(f.args[i]->type.dtype)) {
      f.argAttrs[i]["trainable"] = Attr::ofBool(true);
      anyArg = true;
    }
  Builder b(f);
  Value *loss = nullptr;
  for (Value *r : f.returns) {
    if (!isFloat(r->type.dtype)) continue;
    std::vector<int64_t> dims(r->type.rank());
    for (size_t d = 0; d < dims.size(); ++d)
      dims[d] = (int64_t)d;
    Value *sq = b.create(Opcode::Mul, {r, r}, {}, r->type, "sq");
    Value *s = b.create(Opcode::ReduceSum, {sq}, {{"dims", Attr::ofInts(dims)}},
                        TensorType(r->type.dtype, {}), "sum");
    if (s->type.dtype != DType::F32)
      s = b.create(Opcode::Convert, {s}, {}, TensorType(DType::F32, {}), "sum");
    loss = loss ? b.create(Opcode::Add, {loss, s}, {}, s->type, "loss") : s;
  }
  if (!loss || !anyArg) return false;
  f.returns = {loss};
  FuncResult res;
  res.type = loss->type;
  f.results = {res};
  Diagnostics d;
  if (!createAutodiffPass()->run(m, d).ok) {
    for (const auto &x : d.all())
      *why += x.str() + "; ";
    *why = "autodiff failed: " + *why;
  }
  return true;
}

static std::string checkOne(uint64_t seed, std::string *text) {
  auto m = randomModule(seed);
  if (gGrad) {
    std::string why;
    if (!makeGradient(*m, &why)) {
      ++gSkipped;
      return "";
    }
    if (!why.empty()) return why + "\n" + printModule(*m);
  }
  *text = printModule(*m);
  Diagnostics diags;
  if (!verifyModule(*m, diags)) {
    std::string s;
    for (const auto &d : diags.all())
      s += d.str() + "; ";
    return "generated module does not verify: " + s;
  }
  const Func &f = *m->main();
  std::vector<Tensor> inputs = generateArgs(seed, f);
  std::vector<Tensor> ref;
  try {
    ref = runFunction(f, inputs);
  } catch (const std::exception &e) {
    return std::string("reference run failed: ") + e.what();
  }
  auto part = m->clone();
  if (!runPipeline(*part, kPartitionPipeline, diags)) {
    std::string s;
    for (const auto &d : diags.all())
      s += d.str() + "; ";
    return "partitioning failed: " + s;
  }
  std::set<std::string> kinds;
  for (const auto &op : part->main()->ops)
    if (isCollective(op->opcode) || op->opcode == Opcode::DynamicSlice)
      kinds.insert(opcodeName(op->opcode));
  for (const auto &k : kinds)
    ++gKinds[k];
  std::string printed = printModule(*part);
  Diagnostics pd;
  auto reparsed = parseModule(printed, "<partitioned>", pd);
  if (!reparsed || !verifyModule(*reparsed, pd)) {
    std::string s;
    for (const auto &d : pd.all())
      s += d.str() + "; ";
    return "partitioned program does not parse back: " + s + "\n" + printed;
  }
  std::vector<Tensor> got;
  try {
    got = simulate(*part->main(), m->meshes[0], inputs);
  } catch (const std::exception &e) {
    return std::string("simulation failed: ") + e.what() + "\n" + printed;
  }
  CheckResult c = compareResults(got, ref);
  if (!c.pass) return c.line() + "\n" + printed;
  return "";
}

int main(int argc, char **argv) {
  uint64_t start = 1;
  int cases = 500;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--cases" || a == "--seed") && i + 1 < argc) {
      char *end = nullptr;
      unsigned long long v = std::strtoull(argv[++i], &end, 10);
      if (!end || *end) {
        std::cerr << "partita-random-check: error: " << a << " takes a number\n";
        return 1;
      }
      (a == "--cases" ? (void)(cases = (int)v) : (void)(start = v));
    } else if (a == "--grad") {
      gGrad = true;
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: partita-random-check [--cases N] [--seed FIRST] [--grad]\n"
                   "Partitions N random programs (seeds FIRST..FIRST+N-1), simulates every device\n"
                   "and compares with the reference interpreter. --grad checks the gradients of\n"
                   "sum(result^2) with respect to every float argument instead.\n"
                   "example: partita-random-check --cases 1 --seed 1234   # replay one failure\n";
      return 0;
    } else {
      std::cerr << "partita-random-check: error: unknown argument '" << a << "'\n";
      return 1;
    }
  }
  int failed = 0;
  for (int k = 0; k < cases; ++k) {
    uint64_t seed = start + k;
    std::string text;
    std::string why = checkOne(seed, &text);
    if (!why.empty()) {
      ++failed;
      std::cout << "FAIL seed " << seed << ": " << why << "\n--- program (seed " << seed << ")\n"
                << text << "---\n";
    }
  }
  std::cout << "programs with:";
  for (const auto &[k, n] : gKinds)
    std::cout << " " << k << "=" << n;
  std::cout << "\n";
  if (gGrad) std::cout << "skipped (nothing to differentiate): " << gSkipped << "\n";
  std::cout << (cases - failed) << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}
