// Forward dataflow of "passed through bf16" over the ops of a function.
#include "ir/Accuracy.h"

#include <unordered_set>

namespace partita {

std::vector<DType> resultAccuracy(const Func &f) {
  std::unordered_set<const Value *> viaBf16;
  for (const Value *a : f.args)
    if (a->type.dtype == DType::BF16) viaBf16.insert(a);
  for (const auto &op : f.ops) {
    bool low = op->type().dtype == DType::BF16;
    for (const Value *o : op->operands)
      low = low || viaBf16.count(o);
    if (low) viaBf16.insert(op->result);
  }
  std::vector<DType> out;
  for (const Value *r : f.returns)
    out.push_back(isFloat(r->type.dtype) && viaBf16.count(r) ? DType::BF16 : r->type.dtype);
  return out;
}

} // namespace partita
