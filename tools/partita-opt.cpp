// partita-opt: parses, verifies, transforms and prints a .pir module (spec section 5).
// The tool's options, flow and diagnostics live in the driver library (tools/driver).
#include "tools/driver/Mains.h"

int main(int argc, char **argv) { return partita::driver::optMain(argc, argv); }
