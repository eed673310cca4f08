// Names of the reduction kinds (ir/Reduction.h), the text form used in .pir attributes.
#include "ir/Reduction.h"

namespace partita {

const char *reductionName(Reduction r) {
  switch (r) {
  case Reduction::Sum:
    return "sum";
  case Reduction::Max:
    return "max";
  case Reduction::Min:
    return "min";
  }
  return "?";
}

std::optional<Reduction> parseReduction(const std::string &s) {
  for (Reduction r : {Reduction::Sum, Reduction::Max, Reduction::Min})
    if (s == reductionName(r)) return r;
  return std::nullopt;
}

} // namespace partita
