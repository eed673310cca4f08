// Liveness-based memory accounting of one function (normally a per-device @main): the
// peak of live bytes over program order, what is live at that peak, split into
// parameters, gradients, optimizer state, activations and collective buffers. Used by
// `--stats-json` (peak_bytes_per_device, peak_breakdown) and `partita-opt --memory-report`.
#pragma once

#include "ir/IR.h"

#include <array>
#include <string>
#include <vector>

namespace partita {

enum class MemoryClass { Parameter, Gradient, OptimizerState, Activation, CollectiveBuffer };
constexpr size_t kNumMemoryClasses = 5;
const char *memoryClassName(MemoryClass c); // "parameters", "gradients", ... (JSON keys)

struct LiveValue {
  const Value *value;
  int64_t bytes;
  MemoryClass cls;
};

struct MemoryAnalysis {
  int64_t peakBytes = 0;
  // The op whose execution reaches the peak (its operands and result both live), or -1
  // when the arguments alone are the peak (no op adds to them).
  int64_t peakOp = -1;
  std::array<int64_t, kNumMemoryClasses> peakByClass{}; // sums to peakBytes
  std::vector<LiveValue> liveAtPeak;                    // largest first, then by name
};

// Arguments are live throughout; an op's result from its definition to its last use
// (returned values to the end); at each op its operands and its result are both live.
// Byte figures saturate at INT64_MAX.
MemoryAnalysis analyzeMemory(const Func &f);

// Text for `partita-opt --memory-report`: the peak, its split by class and the `top`
// largest values live at the peak, one per line.
std::string memoryReport(const Func &f, size_t top);

} // namespace partita
