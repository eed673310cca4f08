// Driver-internal pieces shared by the tools that execute programs (partita-run,
// partita-train): timing and number formatting, the reference run, and the guard around a
// tool's flow that maps exceptions to one diagnostic line and always finalizes MPI.
#pragma once

#include "ir/IR.h"
#include "ir/Tensor.h"

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace partita::driver {

std::string fmt(const char *f, double v);
double nowSeconds();

// A failure whose diagnostics have already been printed: exit 1 without another line.
struct AlreadyReported : std::runtime_error {
  AlreadyReported() : std::runtime_error("") {}
};

// The reference interpreter; a module with one mesh gives ops like axis_index a device.
std::vector<Tensor> runReference(const Module &m, const Func &f, const std::vector<Tensor> &args);

// The mesh the partitioner splits `f` over (functionMesh of passes/Partitioning.h): the
// one its shardings name, or the module's only mesh; nullptr when the module has none.
// Throws a located RunError when `f` names two meshes, or none while the module has several:
// guessing would decide how many ranks the program needs. `tool` locates a function
// without a source location.
const Mesh *entryMesh(const Module &m, const Func &f, const std::string &tool);

// "FILE:LINE:COL" of `loc`, or FILE:1:1 (the module's first line) when it is unknown.
std::string locatedIn(const Loc &loc, const std::string &file);

// Refuses a launch that does not fit a program of `devices` devices: under mpirun
// (`mpi`, `ranks` processes) their number must be `devices`; outside it a program of
// several devices needs --simulate (`simulate`). Every rank finds the same mismatch and
// throws the same RunError, located at `where` (the mesh declaration or the entry): no hang.
void checkLaunch(int64_t devices, bool mpi, int64_t ranks, bool simulate, const std::string &where);

// Runs a tool's flow: its exit code, or 1 after printing the one-line diagnostic of what it
// threw (RunError lines as they are, out of memory and interpreter errors located in
// `name`). MPI is finalized on every path out, so mpirun sees a clean exit with our code.
int runGuarded(const std::string &name, const std::function<int()> &body);

} // namespace partita::driver
