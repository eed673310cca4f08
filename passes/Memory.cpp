// Liveness-based peak memory of a function (see Memory.h). One sweep finds the peak op;
// a second pass lists what is live there, so the sweep itself stays O(ops) with no sets.
#include "passes/Memory.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace partita {

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

int64_t satAdd(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? kMax : r;
}

int64_t bytesOf(const TensorType &t) {
  int64_t n = dtypeBytes(t.dtype), r;
  for (int64_t d : t.shape)
    n = __builtin_mul_overflow(n, d, &r) ? kMax : r;
  return n;
}

// Gradients are recognised by the names autodiff gives them ("grad.<x>"), which the
// partitioner keeps; optimizer state and batch arguments by the attributes the adafactor
// pass puts on them. Batch inputs are activations: they scale with the batch, not the model.
MemoryClass classify(const Func &f, const Value *v) {
  if (!v->def) {
    const AttrDict &a = f.argAttrs[v->argIndex];
    if (a.count("train.state")) return MemoryClass::OptimizerState;
    if (a.count("train.batch")) return MemoryClass::Activation;
    return MemoryClass::Parameter;
  }
  if (isCollective(v->def->opcode)) return MemoryClass::CollectiveBuffer;
  if (v->name.rfind("grad.", 0) == 0) return MemoryClass::Gradient;
  return MemoryClass::Activation;
}

} // namespace

const char *memoryClassName(MemoryClass c) {
  switch (c) {
  case MemoryClass::Parameter: return "parameters";
  case MemoryClass::Gradient: return "gradients";
  case MemoryClass::OptimizerState: return "optimizer_state";
  case MemoryClass::Activation: return "activations";
  case MemoryClass::CollectiveBuffer: return "collective_buffers";
  }
  return "?";
}

MemoryAnalysis analyzeMemory(const Func &f) {
  size_t n = f.ops.size();
  std::unordered_map<const Value *, size_t> lastUse;
  for (size_t i = 0; i < n; ++i) {
    lastUse[f.ops[i]->result] = i;
    for (const Value *v : f.ops[i]->operands)
      lastUse[v] = i;
  }
  for (const Value *v : f.returns)
    lastUse[v] = n;
  // An async collective reads its operand until its await, which is when the operand may
  // be freed (the runtime's send buffer, docs/runtime.md).
  for (size_t i = 0; i < n; ++i)
    if (f.ops[i]->opcode == Opcode::Await && f.ops[i]->operands[0]->def)
      for (const Value *v : f.ops[i]->operands[0]->def->operands)
        lastUse[v] = std::max(lastUse[v], i);

  MemoryAnalysis r;
  int64_t argBytes = 0;
  for (const Value *a : f.args)
    argBytes = satAdd(argBytes, bytesOf(a->type));
  // Sweep: add each result at its definition, drop it after its last use.
  std::vector<int64_t> freed(n + 1, 0);
  int64_t live = argBytes;
  r.peakBytes = argBytes;
  for (size_t i = 0; i < n; ++i) {
    const Value *res = f.ops[i]->result;
    int64_t b = bytesOf(res->type);
    live = satAdd(live, b);
    if (live > r.peakBytes) {
      r.peakBytes = live;
      r.peakOp = (int64_t)i;
    }
    size_t last = lastUse[res];
    freed[last] = satAdd(freed[last], b);
    if (live != kMax) live -= freed[i];
  }

  // Live at the peak op p: arguments, and results defined at or before p and used at or
  // after it (the result of p itself included even when unused).
  for (const Value *a : f.args)
    r.liveAtPeak.push_back({a, bytesOf(a->type), classify(f, a)});
  for (int64_t i = 0; i <= r.peakOp; ++i) {
    const Value *res = f.ops[i]->result;
    if (i == r.peakOp || (int64_t)lastUse[res] >= r.peakOp)
      r.liveAtPeak.push_back({res, bytesOf(res->type), classify(f, res)});
  }
  for (const LiveValue &lv : r.liveAtPeak)
    r.peakByClass[(size_t)lv.cls] = satAdd(r.peakByClass[(size_t)lv.cls], lv.bytes);
  std::stable_sort(r.liveAtPeak.begin(), r.liveAtPeak.end(),
                   [](const LiveValue &a, const LiveValue &b) {
                     if (a.bytes != b.bytes) return a.bytes > b.bytes;
                     return a.value->name < b.value->name;
                   });
  return r;
}

std::string memoryReport(const Func &f, size_t top) {
  MemoryAnalysis a = analyzeMemory(f);
  auto mib = [](int64_t b) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.2f MiB", (double)b / (1024.0 * 1024.0));
    return std::string(buf);
  };
  std::string out = "memory report for @" + f.name + ": peak " + std::to_string(a.peakBytes) +
                    " bytes per device (" + mib(a.peakBytes) + ")";
  if (a.peakOp < 0) {
    out += ", the arguments alone\n";
  } else {
    const Op &op = *f.ops[a.peakOp];
    out += " at op " + std::to_string(a.peakOp) + " (%" + op.result->name + " = " +
           opcodeName(op.opcode) + ", " + op.loc.str() + ")\n";
  }
  for (size_t c = 0; c < kNumMemoryClasses; ++c)
    out += "  " + std::string(memoryClassName((MemoryClass)c)) + ": " +
           std::to_string(a.peakByClass[c]) + " bytes (" + mib(a.peakByClass[c]) + ")\n";
  size_t shown = std::min(top, a.liveAtPeak.size());
  out += "  largest live values at the peak (" + std::to_string(shown) + " of " +
         std::to_string(a.liveAtPeak.size()) + "):\n";
  for (size_t i = 0; i < shown; ++i) {
    const LiveValue &lv = a.liveAtPeak[i];
    std::string bytes = std::to_string(lv.bytes);
    bytes.insert(0, bytes.size() < 14 ? 14 - bytes.size() : 0, ' ');
    std::string cls = memoryClassName(lv.cls);
    cls.resize(std::max<size_t>(cls.size(), 18), ' ');
    out += "  " + bytes + "  " + cls + " %" + lv.value->name + " : " + lv.value->type.str() +
           (lv.value->def ? std::string(" = ") + opcodeName(lv.value->def->opcode)
                          : std::string(" (argument)")) +
           "\n";
  }
  return out;
}

} // namespace partita
