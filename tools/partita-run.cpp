// partita-run: executes @main of a .pir module, partitioned when its mesh has several devices.
// The tool's options, flow and diagnostics live in the driver library (tools/driver).
#include "tools/driver/Mains.h"

int main(int argc, char **argv) { return partita::driver::runMain(argc, argv); }
