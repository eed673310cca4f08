// The figures `partita-opt --stats-json` writes (spec section 5, "Stats JSON") for a
// module's @main: devices, mesh, collectives, FLOPs and bytes per device.
#pragma once

#include "ir/IR.h"

#include <string>

namespace partita {

// JSON object with keys devices, mesh, collectives, flops_per_device,
// param_bytes_per_device, peak_bytes_per_device, peak_breakdown (the peak split by
// class, passes/Memory.h) and modelled_step (FLOPs at a TPU-v4-like peak plus collective
// wire bytes at a fixed link bandwidth, docs/training.md). Types in a partitioned program are
// per-device, so every byte figure is a plain sum over the types the program names.
// A module without @main reports zeros.
std::string statsJson(const Module &m);

} // namespace partita
