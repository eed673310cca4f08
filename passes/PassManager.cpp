// The pass manager: builds pipelines from strings, verifies between passes, dumps IR and
// times each pass.
#include "passes/Pass.h"

#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace partita {

std::unique_ptr<Pass> createPass(const std::string &name) {
  for (const auto &p : registeredPasses())
    if (p.name == name) return p.create();
  return nullptr;
}

std::unique_ptr<PassManager> PassManager::fromPipeline(const std::string &pipeline,
                                                       Diagnostics &diags) {
  auto pm = std::make_unique<PassManager>();
  std::stringstream ss(pipeline);
  std::string name;
  while (std::getline(ss, name, ',')) {
    while (!name.empty() && name.front() == ' ')
      name.erase(name.begin());
    while (!name.empty() && name.back() == ' ')
      name.pop_back();
    if (name.empty()) continue;
    // `name{options}`: options for passes that take them.
    std::unique_ptr<Pass> p;
    if (size_t brace = name.find('{'); brace != std::string::npos) {
      std::string options;
      if (name.back() == '}') options = name.substr(brace + 1, name.size() - brace - 2);
      std::string base = name.substr(0, brace), error;
      const PassInfo *info = nullptr;
      for (const auto &i : registeredPasses())
        if (i.name == base) info = &i;
      if (!info || name.back() != '}') {
        // Reported below as an unknown pass.
      } else if (!info->createWithOptions) {
        diags.error(Loc{}, "pass '" + base + "' takes no options, got {" + options + "}");
        return nullptr;
      } else if (!(p = info->createWithOptions(options, &error))) {
        diags.error(Loc{}, error);
        return nullptr;
      }
    } else {
      p = createPass(name);
    }
    if (!p) {
      std::string known;
      for (const auto &i : registeredPasses())
        known += (known.empty() ? "" : ", ") + i.name;
      diags.error(Loc{}, "unknown pass '" + name + "' (known passes: " + known + ")");
      return nullptr;
    }
    pm->addPass(std::move(p));
  }
  return pm;
}

namespace {
double cpuNow() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}
double wallNow() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
} // namespace

StepTimer::StepTimer() : wall0_(wallNow()), cpu0_(cpuNow()) {}

PassTiming StepTimer::elapsed(const std::string &name) const {
  return {name, wallNow() - wall0_, cpuNow() - cpu0_};
}

std::string timingReport(const std::vector<PassTiming> &steps) {
  size_t width = 10;
  for (const auto &s : steps)
    width = std::max(width, s.name.size());
  PassTiming total{"total"};
  std::ostringstream os;
  auto line = [&](const std::string &name, const std::string &cols) {
    os << "  " << name << std::string(width - name.size(), ' ') << cols << "\n";
  };
  line("time in ms", "      wall       CPU");
  auto step = [&](const PassTiming &s) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%10.1f%10.1f", s.wallMs, s.cpuMs);
    line(s.name, buf);
  };
  for (const auto &s : steps) {
    step(s);
    total.wallMs += s.wallMs;
    total.cpuMs += s.cpuMs;
  }
  step(total);
  return os.str();
}

bool PassManager::run(Module &m, Diagnostics &diags) {
  PassTiming verifier{"verifier"};
  // The verifier's time is one step at the end, whichever way run() leaves.
  struct Flush {
    std::vector<PassTiming> *to;
    PassTiming *v;
    bool any;
    ~Flush() {
      if (to && any) to->push_back(*v);
    }
  } flush{timing_, &verifier, false};
  for (auto &p : passes_) {
    StepTimer t;
    PassResult r = p->run(m, diags);
    if (timing_) timing_->push_back(t.elapsed(p->name()));
    if (!r.ok || diags.hasErrors()) return false;
    StepTimer tv;
    bool verified = !verifyEach_ || verifyModule(m, diags);
    PassTiming v = tv.elapsed("");
    verifier.wallMs += v.wallMs;
    verifier.cpuMs += v.cpuMs;
    flush.any |= verifyEach_;
    if (!verified) {
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

bool runPipeline(Module &m, const std::string &pipeline, Diagnostics &diags,
                 std::ostream *printIrAfterAll) {
  auto pm = PassManager::fromPipeline(pipeline, diags);
  if (!pm) return false;
  pm->setPrintIrAfterAll(printIrAfterAll);
  return pm->run(m, diags);
}

} // namespace partita
