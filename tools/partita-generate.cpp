// partita-generate: text generation with a serving module of partita-glam --decode
// (docs/inference.md). The tool's options, flow and diagnostics live in the driver library.
#include "tools/driver/Mains.h"

int main(int argc, char **argv) { return partita::driver::generateMain(argc, argv); }
