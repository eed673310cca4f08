// partita-import-cxx: imports a C++ model written against partita/model.h as Partita IR.
// The tool's options, flow and diagnostics live in the driver library (tools/driver).
#include "tools/driver/Mains.h"

int main(int argc, char **argv) { return partita::driver::importCxxMain(argc, argv); }
