// Parsed einsum specifications ("gsec,gsm->egcm"), shared by the verifier, the
// interpreter, propagation and the partitioner.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace partita {

struct EinsumSpec {
  std::vector<std::string> inputs; // one letter string per operand
  std::string output;

  // Parses "ab,bc->ac"; on failure returns nullopt and sets *error.
  static std::optional<EinsumSpec> parse(const std::string &spec, std::string *error);
  // The parsed form of a spec, parsed once per distinct text for the whole process (every
  // op with that spec shares it; thread-safe). An invalid spec gives an empty EinsumSpec.
  static const EinsumSpec &cached(const std::string &spec);
  // Letters in some input and not in the output: summed.
  std::string contracted() const;
};

} // namespace partita
