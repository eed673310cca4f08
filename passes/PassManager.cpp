// The pass manager: builds pipelines from strings, verifies between passes and dumps IR.
#include "passes/Pass.h"

#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <sstream>

namespace partita {

std::unique_ptr<Pass> createPass(const std::string &name) {
  for (const auto &p : registeredPasses())
    if (p.name == name) return p.create();
  return nullptr;
}

std::unique_ptr<PassManager> PassManager::fromPipeline(const std::string &pipeline, Diagnostics &diags) {
  auto pm = std::make_unique<PassManager>();
  std::stringstream ss(pipeline);
  std::string name;
  while (std::getline(ss, name, ',')) {
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (name.empty()) continue;
    auto p = createPass(name);
    if (!p) {
      std::string known;
      for (const auto &i : registeredPasses()) known += (known.empty() ? "" : ", ") + i.name;
      diags.error(Loc{}, "unknown pass '" + name + "' (known passes: " + known + ")");
      return nullptr;
    }
    pm->addPass(std::move(p));
  }
  return pm;
}

bool PassManager::run(Module &m, Diagnostics &diags) {
  for (auto &p : passes_) {
    PassResult r = p->run(m, diags);
    if (!r.ok || diags.hasErrors()) return false;
    if (verifyEach_ && !verifyModule(m, diags)) {
      diags.error(Loc{}, "internal error: the IR does not verify after pass '" + p->name() + "'");
      return false;
    }
    if (dump_) {
      *dump_ << "// -----// IR Dump After " << p->name() << " //----- //\n";
      printModule(m, *dump_);
    }
  }
  return true;
}

bool runPipeline(Module &m, const std::string &pipeline, Diagnostics &diags, std::ostream *printIrAfterAll) {
  auto pm = PassManager::fromPipeline(pipeline, diags);
  if (!pm) return false;
  pm->setPrintIrAfterAll(printIrAfterAll);
  return pm->run(m, diags);
}

} // namespace partita
