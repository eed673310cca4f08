// partita-import-cxx: reads a model written in C++ against partita/model.h (with Clang,
// without running it) and prints the equivalent Partita IR. See docs/cxx-frontend.md.
#include "frontends/cxx/CxxImport.h"
#include "ir/FileIO.h"
#include "ir/Printer.h"
#include "passes/Pass.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

using namespace partita;
namespace fs = std::filesystem;

namespace {

void usage(std::ostream &os) {
  os << "usage: partita-import-cxx FILE.cpp [-o OUT.pir] [--partition] [--no-locs]\n"
        "                          [-- CLANG_ARGS...]\n"
        "\n"
        "Reads the function marked [[clang::annotate(\"partita.entry\")]] in FILE.cpp (written\n"
        "against partita/model.h, whose folder is on the include path) and prints its IR as\n"
        "@main (stdout unless -o). Errors point at the C++ source: FILE:LINE:COL: error: ...\n"
        "Every op and argument ends in loc(\"FILE.cpp\":LINE:COL), its C++ position, so that\n"
        "later tools (partita-opt, partita-run) report errors and warnings at the C++ line.\n"
        "\n"
        "options:\n"
        "  -o FILE      write the module to FILE (never the input file)\n"
        "  --partition  also run the partition pipeline here and print the per-device program\n"
        "  --no-locs    leave the loc(...) suffixes out (diagnostics of later tools then point\n"
        "               at the .pir lines)\n"
        "  -- ARGS      extra Clang arguments (-I, -D, ...)\n"
        "  -h, --help   show this help\n"
        "\n"
        "examples:\n"
        "  partita-import-cxx model.cpp -o model.pir\n"
        "  partita-import-cxx model.cpp | partita-opt --partition\n"
        "  partita-import-cxx model.cpp --partition -- -DLAYERS=4\n";
}

int toolError(const std::string &msg) {
  std::cerr << "partita-import-cxx: error: " << msg << "\n";
  return 1;
}

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

int main(int argc, char **argv) {
  CxxImportOptions opts;
  std::string out = "-";
  bool partition = false, locs = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(std::cout);
      return 0;
    } else if (a == "--") {
      opts.clangArgs.assign(argv + i + 1, argv + argc);
      break;
    } else if (a == "-o") {
      if (++i == argc) return toolError("-o needs a file name");
      out = argv[i];
    } else if (a == "--partition") {
      partition = true;
    } else if (a == "--no-locs") {
      locs = false;
    } else if (a.size() > 1 && a[0] == '-') {
      return toolError("unknown option '" + a + "' (see --help)");
    } else if (opts.file.empty()) {
      opts.file = a;
    } else {
      return toolError("more than one input file");
    }
  }
  if (opts.file.empty()) return toolError("no input file (see --help)");
  if (opts.file == "-") return toolError("reading C++ from stdin is not supported");
  std::error_code ec;
  if (!fs::is_regular_file(opts.file, ec)) return toolError("cannot read '" + opts.file + "'");
  if (out != "-" && fs::equivalent(out, opts.file, ec))
    return toolError("the output would overwrite the input file");

  Diagnostics diags;
  std::unique_ptr<Module> m = importCxx(opts, diags);
  if (m && partition) runPipeline(*m, kPartitionPipeline, diags);
  diags.print(std::cerr);
  if (!m || diags.hasErrors()) return 1;
  if (!locs) dropLocs(*m);
  std::string text = printModule(*m);
  if (out == "-") {
    std::cout << text << std::flush;
    return std::cout.good() ? 0 : toolError("write to stdout failed");
  }
  std::string err;
  if (!writeFileAtomically(out, text, &err)) return toolError("cannot write '" + out + "': " + err);
  return 0;
}
