// Module → Graphviz DOT: one node per argument, op and result, edges along data flow,
// collectives coloured by kind, so a (partitioned) program can be looked at as a picture.
// `partita-opt --dot FILE` is the command-line front; see docs/ir.md.
#pragma once

#include "ir/IR.h"

#include <optional>
#include <string>
#include <vector>

namespace partita {

struct DotOptions {
  // Keep only arguments and ops whose value name starts with one of these (empty: all).
  // Values from outside that feed a kept op are drawn as dashed "boundary" nodes.
  std::vector<std::string> prefixes;
  // Keep only arguments, results, contractions, reductions, gathers, scatters, one_hot,
  // sharding constraints and collectives; the ops in between are elided and the edges
  // that pass through them are dashed. Values used more than once stay (a residual stream
  // would otherwise fan in from every layer). Constants, iota, axis_index and whatever is
  // computed from them alone (offsets, masks, index tables) disappear.
  bool compact = false;
  // For partitioned functions, whose types are per-device: the same module before
  // partitioning, after propagate-sharding. A value of the same name whose sharding turns
  // its global type into exactly the per-device type is labelled with both, so the graph
  // says which tensors are split where. Only a label: nothing is checked or changed.
  const Module *globals = nullptr;
};

// Parses "--dot-filter" text: comma-separated name prefixes, none empty. On error returns
// nullopt and sets *error.
std::optional<std::vector<std::string>> parseDotFilter(const std::string &text, std::string *error);

// The DOT text of every function of `m` (one cluster each when there are several).
// Deterministic: node ids are positions in the function, not addresses.
std::string printDot(const Module &m, const DotOptions &options = {});

// Fill and border colours of a collective kind, also used by the docs' legend. Empty for
// other ops.
std::pair<std::string, std::string> dotCollectiveColors(Opcode op);

} // namespace partita
