// The combining function of all_reduce and reduce_scatter, named once for the whole code
// base: the op's `reduction` attribute (ir/OpAttrs.h), the collective plan, the reference
// interpreter and the MPI runtime all use this enum and these two functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace partita {

// The numbering is part of the runtime ABI (runtime/Abi.h, plan descriptors): keep it
// stable.
enum class Reduction : int32_t { Sum = 0, Max = 1, Min = 2 };

const char *reductionName(Reduction r); // "sum", "max", "min"
// nullopt when `s` names no reduction.
std::optional<Reduction> parseReduction(const std::string &s);

} // namespace partita
