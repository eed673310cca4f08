// The tools' entry points: each tools/<tool>.cpp main calls one of these (MLIR's
// MlirOptMain pattern), so option parsing, the tool's flow and its diagnostics live in the
// driver library rather than in the executables or in runtime/.
#pragma once

namespace partita::driver {

// partita-opt: parse, verify, run a pass pipeline, print the module and its reports.
int optMain(int argc, char **argv);
// partita-run: partition (when the mesh has several devices) and execute @main.
int runMain(int argc, char **argv);
// partita-train: the training loop over a step program, with checkpoints.
int trainMain(int argc, char **argv);
// partita-glam: write the GLaM model of a paper preset as a .pir module.
int glamMain(int argc, char **argv);
// partita-generate: text generation with the serving module of partita-glam --decode.
int generateMain(int argc, char **argv);
// partita-import-cxx: import a C++ model (in the separate partita_driver_cxx library, since
// it alone links Clang).
int importCxxMain(int argc, char **argv);

} // namespace partita::driver
