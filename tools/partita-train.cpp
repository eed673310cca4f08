// partita-train: trains with a step program of the training-step contract (docs/training.md).
// The tool's options, loop, checkpoints and diagnostics live in the driver library.
#include "tools/driver/Mains.h"

int main(int argc, char **argv) { return partita::driver::trainMain(argc, argv); }
