// Stats JSON: one walk over @main. Arithmetic saturates at INT64_MAX so that an absurd
// (but verified) program still yields valid JSON rather than overflowing.
#include "passes/Stats.h"

#include "ir/OpAttrs.h"
#include "passes/Memory.h"
#include "passes/Reshard.h"

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

int64_t satMul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? kMax : r;
}

int64_t bytesOf(const TensorType &t) {
  int64_t n = dtypeBytes(t.dtype);
  for (int64_t d : t.shape)
    n = satMul(n, d);
  return n;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += (char)c;
    } else if (c < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += (char)c;
    }
  }
  return out + "\"";
}

// The modelled step time's machine: one TPU v4 chip (bf16 peak 275 TFLOP/s) and the
// bandwidth one device's collectives get (100 GB/s, about two of its six 50 GB/s
// inter-chip links busy in each direction). docs/training.md, "Modelled step time".
constexpr double kPeakFlopsPerSecond = 275e12;
constexpr double kLinkBytesPerSecond = 100e9;

std::string jsonDouble(double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

} // namespace

std::string statsJson(const Module &m) {
  const Func *main = m.main();
  const Mesh *mesh = nullptr;
  int64_t devices = 1;
  if (main)
    if (auto p = main->partitionedMesh(); p && (mesh = m.mesh(*p))) devices = mesh->numDevices();
  if (!mesh && !m.meshes.empty()) mesh = &m.meshes.front();

  std::string out = "{\n  \"devices\": " + std::to_string(devices) + ",\n  \"mesh\": {";
  if (mesh)
    for (size_t i = 0; i < mesh->axes.size(); ++i)
      out += (i ? ", " : "") + jsonString(mesh->axes[i].name) + ": " +
             std::to_string(mesh->axes[i].size);
  out += "},\n  \"collectives\": [";

  int64_t flops = 0, params = 0;
  double wire = 0; // bytes one device sends or receives in collectives (wireBytes)
  MemoryAnalysis mem;
  if (main) {
    bool first = true;
    for (const auto &op : main->ops) {
      if (op->opcode == Opcode::Einsum) flops = satAdd(flops, einsumFlops(*op));
      if (!opInfo(op->opcode).is(opflag::CollectiveBit)) continue;
      out += first ? "\n    " : ",\n    ";
      first = false;
      out += "{\"kind\": " + jsonString(opcodeName(op->opcode)) + ", \"axes\": [";
      auto axes = collectiveAxes(*op);
      for (size_t i = 0; i < axes.size(); ++i)
        out += (i ? ", " : "") + jsonString(axes[i]);
      int64_t bytes = op->operands.empty() ? 0 : bytesOf(op->operands[0]->type);
      wire += wireBytes(op->opcode, bytes, mesh ? mesh->groupSize(axes) : 1);
      out += "], \"bytes\": " + std::to_string(bytes) + "}";
    }
    if (!first) out += "\n  ";
    for (const Value *a : main->args)
      params = satAdd(params, bytesOf(a->type));
    mem = analyzeMemory(*main);
  }
  out += "],\n  \"flops_per_device\": " + std::to_string(flops) +
         ",\n  \"param_bytes_per_device\": " + std::to_string(params) +
         ",\n  \"peak_bytes_per_device\": " + std::to_string(mem.peakBytes) +
         ",\n  \"peak_breakdown\": {";
  for (size_t c = 0; c < kNumMemoryClasses; ++c)
    out += std::string(c ? ", " : "") + jsonString(memoryClassName((MemoryClass)c)) + ": " +
           std::to_string(mem.peakByClass[c]);
  // No overlap of compute and communication: the sum bounds the step from above.
  double computeS = (double)flops / kPeakFlopsPerSecond, commS = wire / kLinkBytesPerSecond;
  out += "},\n  \"modelled_step\": {\"compute_seconds\": " + jsonDouble(computeS) +
         ", \"collective_wire_bytes\": " + jsonDouble(wire) +
         ", \"collective_seconds\": " + jsonDouble(commS) +
         ", \"seconds\": " + jsonDouble(computeS + commS);
  return out + "}\n}\n";
}

} // namespace partita
