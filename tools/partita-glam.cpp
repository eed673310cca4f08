// partita-glam: writes the GLaM model of a paper preset as a .pir module (spec section 6).
// The tool's options, flow and diagnostics live in the driver library (tools/driver).
#include "tools/driver/Mains.h"

int main(int argc, char **argv) { return partita::driver::glamMain(argc, argv); }
