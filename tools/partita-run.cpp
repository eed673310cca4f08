// partita-run: executes @main of a module (spec section 5). The logic lives in
// runtime/RunDriver so that other execution paths reuse it; this is the command line.
#include "runtime/RunDriver.h"

#include <cerrno>
#include <cstdlib>
#include <iostream>

using namespace partita;

namespace {

void usage(std::ostream &os) {
  os << "usage: partita-run FILE|- [--seed N] [--inputs DIR] [--outputs DIR] [--save-inputs]\n"
        "                   [--check] [--simulate] [--engine=jit|interp] [--timeout S]\n"
        "                   [--cache-dir DIR] [--no-cache] [--emit-llvm FILE] [--emit-obj FILE]\n"
        "                   [--verbose] [--profile] [--threads N]\n"
        "\n"
        "Executes @main of a .pir module, compiled to native code for this CPU by LLVM (or on\n"
        "the reference interpreter with --engine=interp). A module whose mesh has several\n"
        "devices is partitioned and runs on every device: one MPI rank each under\n"
        "`mpirun -np N` (N must equal the mesh size; each rank reads or generates only its\n"
        "own shard of every input, and rank 0 gathers, prints or writes the results), or all\n"
        "in this process with --simulate (a thread per device). An already partitioned module\n"
        "(attributes {partitioned = @mesh}) runs as it is.\n"
        "\n"
        "options:\n"
        "  --seed N        seed of the input generator (default 0)\n"
        "  --inputs DIR    read argument %x from DIR/x.npy (whole arrays); arguments without a\n"
        "                  file are generated: floats uniform in [-1, 1), i32 uniform in\n"
        "                  [0, bound) (argument attribute `bound`, default 16), i1 a coin\n"
        "  --outputs DIR   write result i to DIR/result<i>.npy instead of printing it\n"
        "  --save-inputs   with --outputs, also write the generated inputs as DIR/<arg>.npy\n"
        "  --check         also run the unpartitioned program on the reference interpreter and\n"
        "                  compare: prints `check: max_abs_err=A max_rel_err=R PASS|FAIL`\n"
        "                  (f32 |a-b| <= 1e-4 + 1e-4|b|, bf16 1e-2 both, integers exact)\n"
        "  --simulate      run all devices of the mesh in this process, without MPI\n"
        "  --engine=E      jit (default): LLVM-compiled code; interp: the reference interpreter\n"
        "  --timeout S     end the run with an error (every MPI rank) after S seconds, e.g.\n"
        "                  when a collective never completes (default: no limit)\n"
        "  --cache-dir DIR compiled-object cache (default $PARTITA_CACHE_DIR, else\n"
        "                  ~/.cache/partita): a second run of a program skips compilation\n"
        "  --no-cache      neither read nor write the cache\n"
        "  --emit-llvm F   write the optimized LLVM IR of the compiled program to F\n"
        "  --emit-obj F    write its object file to F\n"
        "  --verbose       report on stderr whether the program was compiled or cached, the\n"
        "                  wall time of each phase (parse, partition, inputs, compile, run,\n"
        "                  results), the planned workspace and the peak resident set\n"
        "  --profile       (JIT) time every op and print on stderr the time per op kind and\n"
        "                  the slowest ops (one table per rank under mpirun)\n"
        "  --threads N     threads for the kernels of each process (default\n"
        "                  $PARTITA_THREADS, else cores / ranks on this node)\n"
        "  -h, --help      show this help\n"
        "\n"
        "exit status: 0 success, 1 error, 2 --check found a mismatch\n"
        "\n"
        "examples:\n"
        "  partita-run model.pir                            # reference interpreter\n"
        "  partita-run model.pir --simulate --check --seed 7\n"
        "  partita-run model.pir --inputs in/ --outputs out/ --save-inputs\n"
        "  mpirun -np 4 partita-run model.pir --check\n"
        "  mpirun --allow-run-as-root --oversubscribe -np 8 partita-run model.pir --timeout 60\n"
        "  partita-run model.pir --emit-llvm model.ll --no-cache\n";
}

int toolError(const std::string &msg) {
  std::cerr << "partita-run: error: " << msg << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  RunOptions o;
  bool haveFile = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // Options taking a value accept both "--opt V" and "--opt=V".
    auto value = [&](const std::string &flag, std::string *out) {
      if (a == flag) {
        if (i + 1 >= argc) return false;
        *out = argv[++i];
        return true;
      }
      *out = a.substr(flag.size() + 1);
      return true;
    };
    auto is = [&](const std::string &flag) { return a == flag || a.rfind(flag + "=", 0) == 0; };
    std::string v;
    if (a == "-h" || a == "--help") {
      usage(std::cout);
      return 0;
    } else if (is("--seed")) {
      if (!value("--seed", &v)) return toolError("--seed needs a value");
      char *end = nullptr;
      errno = 0;
      unsigned long long s = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || v[0] == '-' || *end || errno)
        return toolError("--seed needs a non-negative integer, got '" + v + "'");
      o.seed = s;
    } else if (is("--inputs")) {
      if (!value("--inputs", &o.inputsDir) || o.inputsDir.empty())
        return toolError("--inputs needs a directory");
    } else if (is("--outputs")) {
      if (!value("--outputs", &o.outputsDir) || o.outputsDir.empty())
        return toolError("--outputs needs a directory");
    } else if (a == "--save-inputs") {
      o.saveInputs = true;
    } else if (a == "--check") {
      o.check = true;
    } else if (a == "--simulate") {
      o.simulate = true;
    } else if (is("--engine")) {
      if (!value("--engine", &o.engine)) return toolError("--engine needs jit or interp");
      if (o.engine != "jit" && o.engine != "interp")
        return toolError("--engine must be jit or interp, got '" + o.engine + "'");
    } else if (is("--timeout")) {
      if (!value("--timeout", &v)) return toolError("--timeout needs a number of seconds");
      char *end = nullptr;
      double t = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || !(t > 0) || t > 1e9)
        return toolError("--timeout needs a positive number of seconds, got '" + v + "'");
      o.timeout = t;
    } else if (is("--cache-dir")) {
      if (!value("--cache-dir", &o.cacheDir) || o.cacheDir.empty())
        return toolError("--cache-dir needs a directory");
    } else if (a == "--no-cache") {
      o.useCache = false;
    } else if (is("--emit-llvm")) {
      if (!value("--emit-llvm", &o.emitLlvm) || o.emitLlvm.empty())
        return toolError("--emit-llvm needs a file");
    } else if (is("--emit-obj")) {
      if (!value("--emit-obj", &o.emitObj) || o.emitObj.empty())
        return toolError("--emit-obj needs a file");
    } else if (a == "--verbose") {
      o.verbose = true;
    } else if (a == "--profile") {
      o.profile = true;
    } else if (is("--threads")) {
      if (!value("--threads", &v)) return toolError("--threads needs a number");
      char *end = nullptr;
      long t = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || t < 1 || t > 4096)
        return toolError("--threads needs a positive integer, got '" + v + "'");
      o.threads = (int)t;
    } else if (a.size() > 1 && a[0] == '-') {
      return toolError("unknown option '" + a + "' (see --help)");
    } else if (haveFile) {
      return toolError("more than one input file ('" + o.file + "' and '" + a + "')");
    } else {
      o.file = a;
      haveFile = true;
    }
  }
  if (!haveFile) return toolError("no input file (give FILE, or '-' for stdin; see --help)");
  return runDriver(o, std::cout, std::cerr);
}
