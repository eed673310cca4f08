// partita-import-cxx: reads a model written in C++ against partita/model.h (with Clang,
// without running it) and prints the equivalent Partita IR. See docs/cxx-frontend.md. Built
// into its own library, partita_driver_cxx, since it alone links the Clang frontend.
#include "frontends/cxx/CxxImport.h"
#include "ir/Printer.h"
#include "passes/Pass.h"
#include "tools/driver/CommandLine.h"
#include "tools/driver/Mains.h"

#include <filesystem>
#include <iostream>

namespace partita::driver {

namespace fs = std::filesystem;

namespace {

// Turns the C++ positions into plain in-memory locations, which the printer leaves out.
void dropLocs(Module &m) {
  for (auto &f : m.funcs) {
    for (Value *a : f->args)
      a->loc.imported = false;
    for (auto &op : f->ops) {
      op->loc.imported = false;
      op->result->loc.imported = false;
    }
  }
}

} // namespace

int importCxxMain(int argc, char **argv) {
  CxxImportOptions opts;
  std::string out = "-";
  bool partition = false, locs = true;
  CommandLine cl(
      "partita-import-cxx",
      "partita-import-cxx FILE.cpp [-o OUT.pir] [--partition] [--no-locs]\n"
      "                          [-- CLANG_ARGS...]",
      "Reads the function marked [[clang::annotate(\"partita.entry\")]] in FILE.cpp (written\n"
      "against partita/model.h, whose folder is on the include path) and prints its IR as\n"
      "@main (stdout unless -o). Errors point at the C++ source: FILE:LINE:COL: error: ...\n"
      "Every op and argument ends in loc(\"FILE.cpp\":LINE:COL), its C++ position, so that\n"
      "later tools (partita-opt, partita-run) report errors and warnings at the C++ line.",
      15);
  cl.value({"-o"}, Option::Arity::Separate, "-o FILE",
           "write the module to FILE (never the input file)", "-o needs a file name",
           [&](const std::string &v) { return out = v, std::string(); })
      .flag({"--partition"}, "--partition",
            "also run the partition pipeline here and print the per-device program",
            [&] { partition = true; })
      .flag({"--no-locs"}, "--no-locs",
            "leave the loc(...) suffixes out (diagnostics of later tools then point\n"
            "at the .pir lines)",
            [&] { locs = false; })
      .afterDashDash("-- ARGS", "extra Clang arguments (-I, -D, ...)",
                     [&](std::vector<std::string> rest) { opts.clangArgs = std::move(rest); })
      .positional([&](const std::string &a) {
        if (!opts.file.empty()) return std::string("more than one input file");
        return opts.file = a, std::string();
      })
      .examples("  partita-import-cxx model.cpp -o model.pir\n"
                "  partita-import-cxx model.cpp | partita-opt --partition\n"
                "  partita-import-cxx model.cpp --partition -- -DLAYERS=4\n");
  if (auto code = cl.parse(argc, argv)) return *code;
  if (opts.file.empty()) return cl.error("no input file (see --help)");
  if (opts.file == "-") return cl.error("reading C++ from stdin is not supported");
  std::error_code ec;
  if (!fs::is_regular_file(opts.file, ec)) return cl.error("cannot read '" + opts.file + "'");
  if (out != "-" && fs::equivalent(out, opts.file, ec))
    return cl.error("the output would overwrite the input file");

  Diagnostics diags;
  std::unique_ptr<Module> m = importCxx(opts, diags);
  if (m && partition) runPipeline(*m, kPartitionPipeline, diags);
  for (const auto &d : diags.all())
    writeLines(std::cerr, d.str() + "\n");
  if (!m || diags.hasErrors()) return 1;
  if (!locs) dropLocs(*m);
  std::string text = printModule(*m);
  if (out == "-") {
    std::cout << text;
    return flushStdout(cl) ? 0 : 1;
  }
  Output file(out);
  std::string err;
  if (!file.write(text, &err) || !file.commit(&err)) return writeLines(std::cerr, err + "\n"), 1;
  return 0;
}

} // namespace partita::driver
