// How accurate a function's results can be: the least precise float type each result was
// computed through. A bf16 program's f32 results (a loss summed in f32, gradients converted
// back to f32 weights) carry bf16 accuracy, so comparisons use bf16's tolerance for them.
#pragma once

#include "ir/IR.h"

#include <vector>

namespace partita {

// Per result of `f`: bf16 when a bf16 value lies on some path from the arguments to it,
// else the result's own dtype.
std::vector<DType> resultAccuracy(const Func &f);

} // namespace partita
