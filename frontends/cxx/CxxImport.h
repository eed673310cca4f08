// Entry point of the C++ model frontend: parses a C++ file written against
// include/partita/model.h with Clang and builds the IR of its entry function. Kept free of
// Clang headers so that the tool and tests compile quickly.
#pragma once

#include "ir/IR.h"

#include <memory>
#include <string>
#include <vector>

namespace partita {

struct CxxImportOptions {
  std::string file;                   // the model's .cpp file
  std::vector<std::string> clangArgs; // extra compiler flags (-I, -D, ...)
};

// Returns the module, verified, or nullptr after adding a located error to `diags`.
// Clang's own diagnostics (C++ syntax and type errors) are printed to stderr by Clang and
// summarised by one error in `diags`.
std::unique_ptr<Module> importCxx(const CxxImportOptions &opts, Diagnostics &diags);

} // namespace partita
