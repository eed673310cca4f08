// partita-opt: parse, verify, run a pass pipeline and print a module (spec section 5).
// Outputs are written to a temporary file beside the target and renamed into place, so a
// failure never leaves a half-written file and an input is never overwritten.
#include "ir/Dot.h"
#include "ir/FileIO.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Pass.h"
#include "passes/ShardingRules.h"
#include "passes/Stats.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unistd.h>

using namespace partita;
namespace fs = std::filesystem;

namespace {

const char *kTool = "partita-opt";

void usage(std::ostream &os) {
  os << "usage: partita-opt [FILE|-] [-o FILE] [--propagate-sharding | --partition | "
        "--pipeline=a,b,c]\n"
        "                   [--print-ir-after-all] [--stats-json=FILE|-] [--no-verify-each]\n"
        "                   [--time-passes] [--print-sharding-rules]\n"
        "                   [--dot FILE|- [--dot-filter=PREFIX,...] [--dot-compact]]\n"
        "\n"
        "Parses a .pir module (stdin when FILE is '-' or absent), verifies it, runs the passes\n"
        "asked for and prints the result (stdout unless -o FILE).\n"
        "\n"
        "options:\n"
        "  -o FILE               write the module to FILE (never the input file)\n"
        "  --propagate-sharding  give every value a sharding (pipeline \"propagate-sharding\")\n"
        "  --partition           make the per-device program (pipeline \""
     << kPartitionPipeline
     << "\")\n"
        "  --pipeline=a,b,c      run the named passes in order\n"
        "  --print-ir-after-all  print the module to stderr after every pass\n"
        "  --stats-json=FILE     write devices, collectives, FLOPs and bytes of the output\n"
        "                        program as JSON ('-': stdout, after the module)\n"
        "  --dot FILE            write the output program as a Graphviz graph ('-': stdout,\n"
        "                        last): ops, arguments and results as nodes, data flow as\n"
        "                        edges, types and shardings in labels, collectives coloured\n"
        "  --dot-filter=P,Q      graph only values whose name starts with P or Q (e.g.\n"
        "                        layer1.moe.); inputs from elsewhere become dashed nodes\n"
        "  --dot-compact         graph only contractions, reductions, gathers, collectives\n"
        "                        and values used twice; dashed edges skip the ops between\n"
        "  --no-verify-each      do not verify the module after every pass\n"
        "  --time-passes         print the wall and CPU time of parsing, each pass, the\n"
        "                        verifier between passes and printing to stderr\n"
        "  --print-sharding-rules  print each op's sharding rule (Shardy's notation) of the\n"
        "                        input to stdout and exit\n"
        "  -h, --help            show this help\n"
        "\n"
        "passes:\n";
  for (const auto &p : registeredPasses()) {
    std::string name = p.name;
    name.resize(std::max<size_t>(name.size() + 2, 22), ' ');
    os << "  " << name << p.description << "\n";
  }
  os << "\n"
        "examples:\n"
        "  partita-opt model.pir                          # parse, verify and print\n"
        "  partita-opt model.pir --partition -o part.pir  # the per-device program\n"
        "  partita-opt model.pir --partition --stats-json=-\n"
        "  partita-opt model.pir --pipeline=cse,dce --print-ir-after-all\n"
        "  partita-opt big.pir --partition --time-passes -o /dev/null\n"
        "  partita-opt model.pir --partition --dot part.dot && dot -Tsvg part.dot -o part.svg\n"
        "  partita-opt glam.pir --partition --dot=- --dot-filter=layer1.moe. --dot-compact\n"
        "  cat model.pir | partita-opt - --propagate-sharding\n";
}

int toolError(const std::string &msg) {
  std::cerr << kTool << ": error: " << msg << "\n";
  return 1;
}

// Diagnostics without a source position are prefixed with the input's name.
void printDiagnostics(const Diagnostics &d, const std::string &inputName) {
  for (const auto &x : d.all()) {
    if (x.loc.known()) {
      std::cerr << x.str() << "\n";
    } else {
      Diagnostic y = x;
      y.loc.file = std::make_shared<const std::string>(inputName);
      std::cerr << y.str() << "\n";
    }
  }
}

bool samePath(const std::string &a, const std::string &b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);
}

// An output of the tool: stdout for '-' (printed on commit), else a PendingFile, so all
// outputs are prepared before any of them replaces its target.
class Output {
public:
  explicit Output(std::string path) : path_(path), file_(std::move(path)) {}

  bool write(const std::string &text, std::string *err) {
    if (path_ == "-") return text_ = text, true;
    std::string why;
    return file_.write(text, &why) || fail(err, why);
  }

  bool commit(std::string *err) {
    if (path_ == "-") {
      std::cout << text_ << std::flush;
      return std::cout.good() || fail(err, "write to stdout failed");
    }
    std::string why;
    return file_.commit(&why) || fail(err, why);
  }

private:
  std::string path_, text_;
  PendingFile file_;

  bool fail(std::string *err, const std::string &why) {
    *err = path_ + ": error: cannot write: " + why;
    return false;
  }
};

} // namespace

int main(int argc, char **argv) {
  std::string input, output = "-", pipeline, statsPath, dotPath;
  DotOptions dotOptions;
  bool dotOnlyOptions = false;
  int pipelineFlags = 0;
  bool printAfterAll = false, verifyEach = true, haveInput = false, timePasses = false;
  bool printRules = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string &flag) { return a.substr(flag.size()); };
    if (a == "-h" || a == "--help") {
      usage(std::cout);
      return 0;
    } else if (a == "-o") {
      if (i + 1 >= argc) return toolError("-o needs a file name");
      output = argv[++i];
    } else if (a == "--propagate-sharding") {
      pipeline = "propagate-sharding";
      ++pipelineFlags;
    } else if (a == "--partition") {
      pipeline = kPartitionPipeline;
      ++pipelineFlags;
    } else if (a.rfind("--pipeline=", 0) == 0) {
      pipeline = value("--pipeline=");
      ++pipelineFlags;
    } else if (a == "--print-ir-after-all") {
      printAfterAll = true;
    } else if (a == "--no-verify-each") {
      verifyEach = false;
    } else if (a == "--print-sharding-rules") {
      printRules = true;
    } else if (a == "--time-passes") {
      timePasses = true;
    } else if (a.rfind("--stats-json=", 0) == 0) {
      statsPath = value("--stats-json=");
      if (statsPath.empty()) return toolError("--stats-json= needs a file name (or '-')");
    } else if (a == "--dot" || a.rfind("--dot=", 0) == 0) {
      if (a == "--dot") {
        if (i + 1 >= argc) return toolError("--dot needs a file name (or '-')");
        dotPath = argv[++i];
      } else {
        dotPath = value("--dot=");
      }
      if (dotPath.empty()) return toolError("--dot needs a file name (or '-')");
    } else if (a.rfind("--dot-filter=", 0) == 0) {
      std::string err;
      auto prefixes = parseDotFilter(value("--dot-filter="), &err);
      if (!prefixes) return toolError(err);
      dotOptions.prefixes = *prefixes;
      dotOnlyOptions = true;
    } else if (a == "--dot-compact") {
      dotOptions.compact = true;
      dotOnlyOptions = true;
    } else if (a == "--stats-json") {
      return toolError("--stats-json needs a value: --stats-json=FILE or --stats-json=-");
    } else if (a.size() > 1 && a[0] == '-') {
      return toolError("unknown option '" + a + "' (see --help)");
    } else if (haveInput) {
      return toolError("more than one input file ('" + input + "' and '" + a + "')");
    } else {
      input = a;
      haveInput = true;
    }
  }
  if (!haveInput) input = "-";
  if (pipelineFlags > 1)
    return toolError("--propagate-sharding, --partition and --pipeline= exclude each other");
  if (output.empty()) return toolError("-o needs a file name");
  if (input != "-") {
    if (output != "-" && samePath(input, output))
      return toolError("refusing to overwrite the input file '" + input + "' with -o");
    if (!statsPath.empty() && statsPath != "-" && samePath(input, statsPath))
      return toolError("refusing to overwrite the input file '" + input + "' with --stats-json");
  }
  if (output != "-" && statsPath != "-" && !statsPath.empty() && output == statsPath)
    return toolError("-o and --stats-json name the same file '" + output + "'");
  if (dotOnlyOptions && dotPath.empty())
    return toolError("--dot-filter and --dot-compact need --dot FILE");
  if (!dotPath.empty() && dotPath != "-") {
    if (input != "-" && samePath(input, dotPath))
      return toolError("refusing to overwrite the input file '" + input + "' with --dot");
    if (dotPath == output || dotPath == statsPath)
      return toolError("--dot names the same file as " +
                       std::string(dotPath == output ? "-o" : "--stats-json") + ": '" + dotPath +
                       "'");
  }

  // Build the pipeline first: a misspelt pass is a command-line error, reported before I/O.
  Diagnostics diags;
  std::unique_ptr<PassManager> pm;
  if (!pipeline.empty()) {
    pm = PassManager::fromPipeline(pipeline, diags);
    if (!pm) {
      for (const auto &d : diags.all())
        toolError(d.message);
      return 1;
    }
    pm->setVerifyEach(verifyEach);
    if (printAfterAll) pm->setPrintIrAfterAll(&std::cerr);
  }
  // --time-passes: the steps below, reported on stderr when main returns.
  std::vector<PassTiming> steps;
  struct Report {
    const std::vector<PassTiming> *steps;
    bool on;
    ~Report() {
      if (on && !steps->empty()) std::cerr << timingReport(*steps);
    }
  } report{&steps, timePasses};
  if (pm && timePasses) pm->setTiming(&steps);

  std::string text, name = input == "-" ? "<stdin>" : input;
  if (input == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::error_code ec;
    std::ifstream is(input, std::ios::binary);
    if (!is || fs::is_directory(input, ec)) {
      std::cerr << input << ": error: cannot open the input file\n";
      return 1;
    }
    text.assign(std::istreambuf_iterator<char>(is), {});
  }

  StepTimer parseTimer;
  auto module = parseModule(text, name, diags);
  bool ok = module && verifyModule(*module, diags);
  steps.push_back(parseTimer.elapsed("parse and verify the input"));
  if (printRules) {
    printDiagnostics(diags, name);
    if (!ok) return 1;
    printShardingRules(*module, std::cout);
    return 0;
  }
  // A partitioned graph labels values with their global sharding: keep the input for that.
  std::unique_ptr<Module> before = ok && !dotPath.empty() ? module->clone() : nullptr;
  if (ok && pm) ok = pm->run(*module, diags);
  printDiagnostics(diags, name);
  if (!ok) return 1;

  std::string err;
  Output out(output), stats(statsPath.empty() ? "" : statsPath), dot(dotPath);
  StepTimer printTimer;
  std::string printed = printModule(*module);
  steps.push_back(printTimer.elapsed("print"));
  if (!out.write(printed, &err)) return std::cerr << err << "\n", 1;
  if (!statsPath.empty() && !stats.write(statsJson(*module), &err))
    return std::cerr << err << "\n", 1;
  if (!dotPath.empty()) {
    // Labels of a partitioned program name each value's global sharding, as propagation
    // chose it on the input. Only labels depend on it, so a failure just leaves them out.
    Diagnostics ignored;
    bool partitioned = false;
    for (const auto &f : module->funcs)
      partitioned |= f->partitionedMesh().has_value();
    if (before && partitioned && runPipeline(*before, "propagate-sharding", ignored))
      dotOptions.globals = before.get();
    if (!dot.write(printDot(*module, dotOptions), &err)) return std::cerr << err << "\n", 1;
  }
  if (!out.commit(&err)) return std::cerr << err << "\n", 1;
  if (!statsPath.empty() && !stats.commit(&err)) return std::cerr << err << "\n", 1;
  if (!dotPath.empty() && !dot.commit(&err)) return std::cerr << err << "\n", 1;
  return 0;
}
