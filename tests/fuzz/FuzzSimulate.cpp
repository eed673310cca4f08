// libFuzzer target for what `partita-run --simulate --engine=interp --check` does with a small
// program: parse, verify, partition (the partita-run pipeline, for half the inputs followed
// by async-collectives), simulate every device, and compare with the unpartitioned
// reference interpreter. Modules over a small budget (mesh
// devices, elements per tensor, ops) are skipped before anything runs, so the fuzzer explores
// logic rather than memory. Any crash, uncaught non-located exception, partitioned program
// that fails to verify, or result that differs from the reference is a finding.
#include "ir/InputGen.h"
#include "ir/Interpreter.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Partitioning.h"
#include "passes/Pass.h"
#include "runtime/Simulator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace partita;

namespace {

constexpr int64_t kMaxDevices = 16;
constexpr int64_t kMaxElements = 4096; // per tensor, global or local
constexpr size_t kMaxOps = 64;         // per function, before partitioning

[[noreturn]] void die(const char *what, const std::string &a, const std::string &b = "") {
  std::fprintf(stderr, "partita-fuzz-simulate: %s\n--- module ---\n%s\n--- detail ---\n%s\n", what,
               a.c_str(), b.c_str());
  std::abort();
}

bool small(const TensorType &t) {
  int64_t n = 1;
  for (int64_t d : t.shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n) || n > kMaxElements) return false;
  return true;
}

bool withinBudget(const Module &m) {
  for (const Mesh &mesh : m.meshes) {
    int64_t n = 1;
    for (const MeshAxis &a : mesh.axes)
      if (a.size < 1 || __builtin_mul_overflow(n, a.size, &n) || n > kMaxDevices) return false;
  }
  for (const auto &f : m.funcs) {
    if (f->ops.size() > kMaxOps) return false;
    for (const Value *a : f->args)
      if (!small(a->type)) return false;
    for (const AttrDict &attrs : f->argAttrs)
      for (const auto &[k, v] : attrs)
        if (v.kind == Attr::Kind::Type && !small(v.type)) return false;
    for (const FuncResult &r : f->results) {
      if (!small(r.type)) return false;
      for (const auto &[k, v] : r.attrs)
        if (v.kind == Attr::Kind::Type && !small(v.type)) return false;
    }
    for (const auto &op : f->ops)
      if (!small(op->type())) return false;
  }
  return true;
}

// Interpreter errors are fine (data-dependent, e.g. an index out of range) when located.
bool located(const std::runtime_error &e) {
  return std::string_view(e.what()).find(": error: ") != std::string_view::npos;
}

// The same tolerance as `partita-run --check`, scaled by the reference's magnitude so that a
// different summation order over large values is not a finding.
bool close(const Tensor &got, const Tensor &want, std::string *why) {
  if (got.type != want.type) return *why = got.type.str() + " vs " + want.type.str(), false;
  double scale = 0;
  for (double w : want.data)
    if (std::isfinite(w)) scale = std::max(scale, std::fabs(w));
  bool exact = want.type.dtype == DType::I32 || want.type.dtype == DType::I1;
  double tol = want.type.dtype == DType::BF16 ? 1e-2 : 1e-4;
  for (size_t i = 0; i < want.data.size(); ++i) {
    double a = got.data[i], b = want.data[i];
    if (a == b || (std::isnan(a) && std::isnan(b))) continue;
    if (!exact && std::isfinite(a) && std::isfinite(b) &&
        std::fabs(a - b) <= tol + tol * std::fabs(b) + 1e-5 * scale)
      continue;
    return *why = "element " + std::to_string(i) + ": " + std::to_string(a) + " vs reference " +
                  std::to_string(b),
           false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  Diagnostics diags;
  auto m = parseModule(text, "fuzz.pir", diags);
  if (!m || !verifyModule(*m, diags) || !withinBudget(*m)) return 0;
  Func *main = m->main();
  if (!main) return 0;

  std::unique_ptr<Module> original;
  const Mesh *mesh = partitionedMeshOf(*m, *main);
  if (!mesh) {
    // As partita-run: the mesh @main's shardings name, or the only one. With several meshes
    // and no sharding nothing chooses one: partita-run's located error
    // (tests/lit/propagation/two-meshes-no-sharding.pir).
    Diagnostics probe;
    const Mesh *target = functionMesh(*m, *main, probe);
    if (!target && !probe.hasErrors()) return 0;
    const Mesh *big = target && target->numDevices() > 1 ? target : nullptr;
    if (!big && !probe.hasErrors())
      return 0; // nothing to partition: the parser fuzzer covers the rest
    original = m->clone();
    Diagnostics pd;
    if (!runPipeline(*m, kPartitionPipeline, pd)) {
      for (const Diagnostic &d : pd.all())
        if (d.severity == Diagnostic::Severity::Error && !d.loc.known())
          die("the partitioner reported an unlocated error", std::string(text), d.str());
      return 0;
    }
    main = m->main();
    mesh = main ? partitionedMeshOf(*m, *main) : nullptr;
    if (!mesh) die("partitioning did not produce a partitioned @main", std::string(text));
    Diagnostics vd;
    if (!verifyModule(*m, vd))
      die("the partitioned module does not verify", printModule(*m), vd.all()[0].str());
    // Half the inputs also get async collectives (partita-run --async-collectives), with a
    // cap of 1 to 4 in flight: the same results, whatever the schedule.
    if (size % 2) {
      std::string async =
          "async-collectives{max-outstanding=" + std::to_string(1 + size / 2 % 4) + "}";
      Diagnostics ad;
      if (!runPipeline(*m, async, ad))
        die("the async-collectives pass failed", printModule(*m),
            ad.all().empty() ? "" : ad.all()[0].str());
      main = m->main();
    }
  }

  const Func &ref = original ? *original->main() : *main;
  std::vector<Tensor> args = generateArgs(7, ref);
  std::vector<Tensor> got;
  try {
    got = simulate(*main, *mesh, args);
  } catch (const std::runtime_error &e) {
    if (!located(e)) die("the simulator threw an unlocated error", printModule(*m), e.what());
    return 0;
  }
  if (got.size() != main->results.size())
    die("the simulation returned the wrong number of results", printModule(*m));
  if (!original) return 0;

  std::vector<Tensor> want;
  try {
    DeviceContext ctx;
    if (original->meshes.size() == 1) ctx.mesh = &original->meshes[0];
    want = runFunction(ref, args, ctx.mesh ? &ctx : nullptr);
  } catch (const std::runtime_error &e) {
    if (!located(e)) die("the interpreter threw an unlocated error", std::string(text), e.what());
    return 0; // the partitioned program ran, the reference did not: data-dependent, skip
  }
  if (want.size() != got.size()) die("result count differs from the reference", printModule(*m));
  for (size_t i = 0; i < got.size(); ++i) {
    std::string why;
    if (!close(got[i], want[i], &why))
      die(("result " + std::to_string(i) + " differs from the reference").c_str(),
          std::string(text) + "\n--- partitioned ---\n" + printModule(*m), why);
  }
  return 0;
}
