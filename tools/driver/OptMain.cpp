// partita-opt (spec section 5): parse, verify, run a pass pipeline and print a module, with
// optional statistics and Graphviz outputs. Outputs are written to a temporary file beside
// the target and renamed into place, so a failure never leaves a half-written file and an
// input is never overwritten.
#include "ir/Dot.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Memory.h"
#include "passes/Pass.h"
#include "passes/ShardingRules.h"
#include "passes/Stats.h"
#include "tools/driver/CommandLine.h"
#include "tools/driver/Mains.h"

#include <iostream>
#include <sstream>

namespace partita::driver {

namespace {

using Arity = Option::Arity;

std::string passList() {
  std::ostringstream os;
  os << "passes:\n";
  for (const auto &p : registeredPasses()) {
    std::string name = p.name;
    name.resize(std::max<size_t>(name.size() + 2, 22), ' ');
    os << "  " << name << p.description << "\n";
  }
  return os.str();
}

struct OptOptions {
  std::string input = "-", output = "-", pipeline, statsPath, dotPath;
  DotOptions dot;
  bool dotOnlyOptions = false, printAfterAll = false, verifyEach = true, haveInput = false,
       timePasses = false;
  bool printRules = false; // print each op's sharding rule and exit, no passes run
  int pipelineFlags = 0;
  int64_t memoryReportTop = 0; // --memory-report: values listed; 0 for no report
  bool differentiate = false;  // run "autodiff" before the pipeline
};

CommandLine optCommandLine(OptOptions &o) {
  CommandLine cl("partita-opt",
                 "partita-opt [FILE|-] [-o FILE] [--propagate-sharding | --partition | "
                 "--pipeline=a,b,c]\n"
                 "                   [--print-ir-after-all] [--stats-json=FILE|-] "
                 "[--no-verify-each]\n"
                 "                   [--time-passes] [--memory-report] [--print-sharding-rules]\n"
                 "                   [--dot FILE|- [--dot-filter=PREFIX,...] [--dot-compact]]",
                 "Parses a .pir module (stdin when FILE is '-' or absent), verifies it, runs the "
                 "passes\nasked for and prints the result (stdout unless -o FILE).",
                 24);
  auto pipeline = [&o](std::string p) {
    o.pipeline = std::move(p);
    ++o.pipelineFlags;
  };
  cl.value({"-o"}, Arity::Separate, "-o FILE", "write the module to FILE (never the input file)",
           "-o needs a file name",
           [&o](const std::string &v) {
             o.output = v;
             return std::string(v.empty() ? "-o needs a file name" : "");
           })
      .flag({"--propagate-sharding"}, "--propagate-sharding",
            "give every value a sharding (pipeline \"propagate-sharding\")",
            [=] { pipeline("propagate-sharding"); })
      .flag({"--partition"}, "--partition",
            std::string("make the per-device program (pipeline \"") + kPartitionPipeline + "\")",
            [=] { pipeline(kPartitionPipeline); })
      .flag({"--differentiate"}, "--differentiate",
            "append d(loss)/d(arg) for every `trainable` argument (pass\n"
            "\"autodiff\", docs/training.md); runs before the other passes",
            [&o] { o.differentiate = true; })
      .value({"--pipeline"}, Arity::Joined, "--pipeline=a,b,c", "run the named passes in order",
             "--pipeline needs a value: --pipeline=a,b,c",
             [=](const std::string &v) {
               pipeline(v);
               return std::string();
             })
      .flag({"--print-ir-after-all"}, "--print-ir-after-all",
            "print the module to stderr after every pass", [&o] { o.printAfterAll = true; })
      .value({"--stats-json"}, Arity::Joined, "--stats-json=FILE",
             "write devices, collectives, FLOPs and bytes of the output\n"
             "program as JSON ('-': stdout, after the module)",
             "--stats-json needs a value: --stats-json=FILE or --stats-json=-",
             [&o](const std::string &v) {
               o.statsPath = v;
               return std::string(v.empty() ? "--stats-json= needs a file name (or '-')" : "");
             })
      .value({"--dot"}, Arity::Either, "--dot FILE",
             "write the output program as a Graphviz graph ('-': stdout,\n"
             "last): ops, arguments and results as nodes, data flow as\n"
             "edges, types and shardings in labels, collectives coloured",
             "--dot needs a file name (or '-')",
             [&o](const std::string &v) {
               o.dotPath = v;
               return std::string(v.empty() ? "--dot needs a file name (or '-')" : "");
             })
      .value({"--dot-filter"}, Arity::Joined, "--dot-filter=P,Q",
             "graph only values whose name starts with P or Q (e.g.\n"
             "layer1.moe.); inputs from elsewhere become dashed nodes",
             "--dot-filter needs a value: --dot-filter=PREFIX,...",
             [&o](const std::string &v) {
               std::string err;
               auto prefixes = parseDotFilter(v, &err);
               if (!prefixes) return err;
               o.dot.prefixes = *prefixes;
               o.dotOnlyOptions = true;
               return std::string();
             })
      .flag({"--dot-compact"}, "--dot-compact",
            "graph only contractions, reductions, gathers, collectives\n"
            "and values used twice; dashed edges skip the ops between",
            [&o] { o.dot.compact = o.dotOnlyOptions = true; })
      .flag({"--no-verify-each"}, "--no-verify-each", "do not verify the module after every pass",
            [&o] { o.verifyEach = false; })
      .flag({"--time-passes"}, "--time-passes",
            "print the wall and CPU time of parsing, each pass, the\n"
            "verifier between passes and printing to stderr",
            [&o] { o.timePasses = true; })
      .flag({"--memory-report"}, "--memory-report",
            "print the peak live bytes per device of @main of the output\n"
            "program, split by class, and the 20 largest values live at\n"
            "the peak to stderr (docs/training.md)",
            [&o] { o.memoryReportTop = 20; })
      .flag({"--print-sharding-rules"}, "--print-sharding-rules",
            "print each op's sharding rule (Shardy's notation) of the\n"
            "input to stdout and exit",
            [&o] { o.printRules = true; })
      .positional([&o](const std::string &a) {
        if (o.haveInput) return "more than one input file ('" + o.input + "' and '" + a + "')";
        o.input = a;
        o.haveInput = true;
        return std::string();
      })
      .section(passList())
      .examples(
          "  partita-opt model.pir                          # parse, verify and print\n"
          "  partita-opt model.pir --partition -o part.pir  # the per-device program\n"
          "  partita-opt model.pir --partition --stats-json=-\n"
          "  partita-opt model.pir --pipeline=cse,dce --print-ir-after-all\n"
          "  partita-opt big.pir --partition --time-passes -o /dev/null\n"
          "  partita-opt model.pir --print-sharding-rules   # each op's sharding rule\n"
          "  partita-opt model.pir --partition --dot part.dot && dot -Tsvg part.dot -o part.svg\n"
          "  partita-opt glam.pir --partition --dot=- --dot-filter=layer1.moe. --dot-compact\n"
          "  cat model.pir | partita-opt - --propagate-sharding\n"
          "  partita-glam --config 0.1B --layers 1 --vocab 64 --seq 16 --batch 2 | \\\n"
          "      partita-opt - --differentiate --partition   # GLaM's partitioned gradients\n");
  return cl;
}

// Combinations of options that cannot work, found before any input is read.
std::string conflicts(const OptOptions &o) {
  const std::string &in = o.input, &out = o.output, &stats = o.statsPath, &dot = o.dotPath;
  if (o.pipelineFlags > 1)
    return "--propagate-sharding, --partition and --pipeline= exclude each other";
  if (in != "-") {
    if (out != "-" && samePath(in, out))
      return "refusing to overwrite the input file '" + in + "' with -o";
    if (!stats.empty() && stats != "-" && samePath(in, stats))
      return "refusing to overwrite the input file '" + in + "' with --stats-json";
  }
  if (out != "-" && stats != "-" && !stats.empty() && out == stats)
    return "-o and --stats-json name the same file '" + out + "'";
  if (o.dotOnlyOptions && dot.empty()) return "--dot-filter and --dot-compact need --dot FILE";
  if (!dot.empty() && dot != "-") {
    if (in != "-" && samePath(in, dot))
      return "refusing to overwrite the input file '" + in + "' with --dot";
    if (dot == out || dot == stats)
      return "--dot names the same file as " + std::string(dot == out ? "-o" : "--stats-json") +
             ": '" + dot + "'";
  }
  return "";
}

// Prints the module and the reports; each output is prepared before any is committed.
int writeOutputs(OptOptions &o, const Module &module, Module *before,
                 std::vector<PassTiming> &steps) {
  std::string err;
  Output out(o.output), stats(o.statsPath), dot(o.dotPath);
  StepTimer printTimer;
  std::string printed = printModule(module);
  steps.push_back(printTimer.elapsed("print"));
  auto fail = [&] {
    writeLines(std::cerr, err + "\n");
    return 1;
  };
  if (!out.write(printed, &err)) return fail();
  if (!o.statsPath.empty() && !stats.write(statsJson(module), &err)) return fail();
  if (!o.dotPath.empty()) {
    // Labels of a partitioned program name each value's global sharding, as propagation
    // chose it on the input. Only labels depend on it, so a failure just leaves them out.
    Diagnostics ignored;
    bool partitioned = false;
    for (const auto &f : module.funcs)
      partitioned |= f->partitionedMesh().has_value();
    if (before && partitioned && runPipeline(*before, "propagate-sharding", ignored))
      o.dot.globals = before;
    if (!dot.write(printDot(module, o.dot), &err)) return fail();
  }
  if (!out.commit(&err)) return fail();
  if (!o.statsPath.empty() && !stats.commit(&err)) return fail();
  if (!o.dotPath.empty() && !dot.commit(&err)) return fail();
  if (o.memoryReportTop > 0) {
    if (const Func *main = module.main())
      writeLines(std::cerr, memoryReport(*main, (size_t)o.memoryReportTop));
    else
      writeLines(std::cerr, "memory report: the module has no @main\n");
  }
  return 0;
}

} // namespace

int optMain(int argc, char **argv) {
  OptOptions o;
  CommandLine cl = optCommandLine(o);
  if (auto code = cl.parse(argc, argv)) return *code;
  if (std::string e = conflicts(o); !e.empty()) return cl.error(e);

  // Build the pipeline first: a misspelt pass is a command-line error, reported before I/O.
  Diagnostics diags;
  std::unique_ptr<PassManager> pm;
  if (o.differentiate) o.pipeline = o.pipeline.empty() ? "autodiff" : "autodiff," + o.pipeline;
  if (!o.pipeline.empty()) {
    pm = PassManager::fromPipeline(o.pipeline, diags);
    if (!pm) {
      for (const auto &d : diags.all())
        cl.error(d.message);
      return 1;
    }
    pm->setVerifyEach(o.verifyEach);
    if (o.printAfterAll) pm->setPrintIrAfterAll(&std::cerr);
  }
  // --time-passes: the steps below, reported on stderr when optMain returns.
  std::vector<PassTiming> steps;
  struct Report {
    const std::vector<PassTiming> *steps;
    bool on;
    ~Report() {
      if (on && !steps->empty()) writeLines(std::cerr, timingReport(*steps));
    }
  } report{&steps, o.timePasses};
  if (pm && o.timePasses) pm->setTiming(&steps);

  std::string text, name = o.input == "-" ? "<stdin>" : o.input;
  if (!readInputFile(o.input, &text, std::cerr)) return 1;
  StepTimer parseTimer;
  auto module = parseModule(text, name, diags);
  bool ok = module && verifyModule(*module, diags);
  steps.push_back(parseTimer.elapsed("parse and verify the input"));
  if (o.printRules) {
    printDiagnostics(diags, name, std::cerr);
    if (!ok) return 1;
    printShardingRules(*module, std::cout);
    return flushStdout(cl) ? 0 : 1;
  }
  // A partitioned graph labels values with their global sharding: keep the input for that.
  std::unique_ptr<Module> before = ok && !o.dotPath.empty() ? module->clone() : nullptr;
  if (ok && pm) ok = pm->run(*module, diags);
  printDiagnostics(diags, name, std::cerr);
  if (!ok) return 1;
  return writeOutputs(o, *module, before.get(), steps);
}

} // namespace partita::driver
