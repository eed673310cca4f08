// Passes and the pass manager: a pass is a small class with name() and run(); a pipeline
// is built from a comma-separated string of registered pass names.
#pragma once

#include "ir/IR.h"

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace partita {

struct PassResult {
  bool changed = false;
  bool ok = true; // false: the pass reported an error in Diagnostics
};

class Pass {
public:
  virtual ~Pass() = default;
  virtual std::string name() const = 0;
  virtual PassResult run(Module &m, Diagnostics &diags) = 0;
};

struct PassInfo {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<Pass>()> create;
  // Passes with options, written `name{key=value;...}` in a pipeline: builds the pass from
  // the text between the braces, or returns nullptr after setting *error.
  std::function<std::unique_ptr<Pass>(const std::string &options, std::string *error)>
      createWithOptions = nullptr;
};

// Every registered pass (see passes/Registry.cpp), in a stable order.
const std::vector<PassInfo> &registeredPasses();
std::unique_ptr<Pass> createPass(const std::string &name); // nullptr when unknown

// The passes `partita-opt --partition` runs.
extern const char *const kPartitionPipeline;

// Wall and CPU time of one step of a run, in milliseconds.
struct PassTiming {
  std::string name;
  double wallMs = 0, cpuMs = 0;
};

// The `--time-passes` report: one line per step and their total.
std::string timingReport(const std::vector<PassTiming> &steps);

// Starts a clock on construction; elapsed() is the time since then as a step.
class StepTimer {
public:
  StepTimer();
  PassTiming elapsed(const std::string &name) const;

private:
  double wall0_, cpu0_;
};

class PassManager {
public:
  // Builds from "a,b,c"; unknown names are reported in `diags` and yield nullptr.
  static std::unique_ptr<PassManager> fromPipeline(const std::string &pipeline, Diagnostics &diags);
  void addPass(std::unique_ptr<Pass> p) { passes_.push_back(std::move(p)); }
  // Dump "// -----// IR Dump After <name> //----- //" and the module after each pass.
  void setPrintIrAfterAll(std::ostream *os) { dump_ = os; }
  void setVerifyEach(bool v) { verifyEach_ = v; }
  // Time every pass, and the verifier runs between passes as one "verifier" step, into
  // `steps` (appended when run() returns, also on failure).
  void setTiming(std::vector<PassTiming> *steps) { timing_ = steps; }
  // Runs every pass, verifying after each; false on the first error.
  bool run(Module &m, Diagnostics &diags);

private:
  std::vector<std::unique_ptr<Pass>> passes_;
  std::ostream *dump_ = nullptr;
  bool verifyEach_ = true;
  std::vector<PassTiming> *timing_ = nullptr;
};

} // namespace partita

namespace partita {
// Builds the pipeline and runs it (verifying after each pass). False on any error.
bool runPipeline(Module &m, const std::string &pipeline, Diagnostics &diags,
                 std::ostream *printIrAfterAll = nullptr);
} // namespace partita
