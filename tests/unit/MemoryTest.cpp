// Liveness-based peak memory (passes/Memory.h) of small programs, against peaks and
// splits worked out by hand in the comments.
#include "passes/Memory.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"

#include <gtest/gtest.h>

using namespace partita;

namespace {

std::unique_ptr<Module> parse(const char *text) {
  Diagnostics d;
  auto m = parseModule(text, "test.pir", d);
  EXPECT_TRUE(m && verifyModule(*m, d)) << (d.all().empty() ? "" : d.all()[0].str());
  return m;
}

int64_t cls(const MemoryAnalysis &a, MemoryClass c) { return a.peakByClass[(size_t)c]; }

// A miniature training step on 2 devices, everything replicated. Arguments: %w 64 B
// (parameter), %v 16 B (optimizer state), %x 32 B (batch: activation) = 112.
//   op0 %h      32 B  live 112+32          = 144
//   op1 %t      32 B  live 144+32 = 176, %h dies         -> 144
//   op2 %grad.w 64 B  live 144+64 = 208, %t dies         -> 176
//   op3 %r      64 B  live 176+64 = 240, %grad.w dies    -> 176
//   op4 %n      64 B  live 176+64 = 240 (not above: the peak stays at op3)
// At op3: parameters 64, optimizer state 16, activations 32, gradients 64, collective 64.
const char *kStep = R"(
mesh @m = <["d"=2]>

func @main(%w: f32[4,4] {global = f32[4,4], sharding = <@m, [{}, {}]>},
           %v: f32[4] {global = f32[4], sharding = <@m, [{}]>, train.state = "w"},
           %x: f32[2,4] {global = f32[2,4], sharding = <@m, [{}, {}]>, train.batch = "x"})
    -> (f32[4,4] {global = f32[4,4], sharding = <@m, [{}, {}]>})
    attributes {partitioned = @m} {
  %h = einsum(%x, %w) {spec = "bi,ij->bj"} : f32[2,4]
  %t = tanh(%h) : f32[2,4]
  %grad.w = einsum(%x, %t) {spec = "bi,bj->ij"} : f32[4,4]
  %r = all_reduce(%grad.w) {axes = ["d"], reduction = "sum"} : f32[4,4]
  %n = add(%w, %r) : f32[4,4]
  return %n
}
)";

} // namespace

TEST(Memory, TrainingStepPeakAndClasses) {
  auto m = parse(kStep);
  ASSERT_TRUE(m);
  MemoryAnalysis a = analyzeMemory(*m->main());
  EXPECT_EQ(a.peakBytes, 240);
  EXPECT_EQ(a.peakOp, 3);
  EXPECT_EQ(cls(a, MemoryClass::Parameter), 64);
  EXPECT_EQ(cls(a, MemoryClass::OptimizerState), 16);
  EXPECT_EQ(cls(a, MemoryClass::Activation), 32);
  EXPECT_EQ(cls(a, MemoryClass::Gradient), 64);
  EXPECT_EQ(cls(a, MemoryClass::CollectiveBuffer), 64);
  // Largest first, ties by name: grad.w, r, w (64 each), then x (32), v (16).
  std::vector<std::string> names;
  for (const LiveValue &lv : a.liveAtPeak)
    names.push_back(lv.value->name);
  EXPECT_EQ(names, (std::vector<std::string>{"grad.w", "r", "w", "x", "v"}));
}

// A long-lived value: %a is used by the last op, so it stays live over %b and %c.
//   args %x 40 B. op0 %a 40 -> 80. op1 %b 40 -> 120. op2 %c 40 -> 160, %b dies -> 120.
//   op3 %d = add(%a, %c) 40 -> 160 (ties op2); %a, %c die. Peak 160 at op2 with %x, %a,
//   %b, %c live (all activations but the parameter %x).
TEST(Memory, LongLivedValue) {
  auto m = parse(R"(
func @main(%x: f32[10]) -> (f32[10]) {
  %a = exp(%x) : f32[10]
  %b = tanh(%x) : f32[10]
  %c = neg(%b) : f32[10]
  %d = add(%a, %c) : f32[10]
  return %d
}
)");
  ASSERT_TRUE(m);
  MemoryAnalysis a = analyzeMemory(*m->main());
  EXPECT_EQ(a.peakBytes, 160);
  EXPECT_EQ(a.peakOp, 2);
  EXPECT_EQ(cls(a, MemoryClass::Parameter), 40);
  EXPECT_EQ(cls(a, MemoryClass::Activation), 120);
  EXPECT_EQ(a.liveAtPeak.size(), 4u);
}

TEST(Memory, ArgumentsAlone) {
  auto m = parse("func @main(%x: f32[4], %y: bf16[8]) -> (f32[4]) {\n  return %x\n}\n");
  ASSERT_TRUE(m);
  MemoryAnalysis a = analyzeMemory(*m->main());
  EXPECT_EQ(a.peakBytes, 32);
  EXPECT_EQ(a.peakOp, -1);
  EXPECT_EQ(a.liveAtPeak.size(), 2u);
  EXPECT_NE(memoryReport(*m->main(), 5).find("peak 32 bytes per device (0.00 MiB), the "
                                             "arguments alone"),
            std::string::npos);
}

TEST(Memory, ReportListsTheLargestValues) {
  auto m = parse(kStep);
  ASSERT_TRUE(m);
  std::string r = memoryReport(*m->main(), 2);
  EXPECT_NE(r.find("peak 240 bytes per device"), std::string::npos) << r;
  EXPECT_NE(r.find("at op 3 (%r = all_reduce, test.pir:"), std::string::npos) << r;
  EXPECT_NE(r.find("  gradients: 64 bytes"), std::string::npos) << r;
  EXPECT_NE(r.find("(2 of 5)"), std::string::npos) << r;
  EXPECT_NE(r.find("%grad.w : f32[4,4] = einsum"), std::string::npos) << r;
  EXPECT_NE(r.find("%r : f32[4,4] = all_reduce"), std::string::npos) << r;
  EXPECT_EQ(r.find("%w : f32[4,4]"), std::string::npos) << r; // third: not listed
}

// An async all_reduce reads its operand until its await: %h (32 B) stays live through
// %t and %u. Arguments 64 + 32 = 96.
//   op0 %h 128, op1 %g 160, op2 %t 192, op3 %u 224 (%t dies -> 192),
//   op4 %gd 224 (%h and %g die -> 160), op5 %n 192.
// Were %h freed at op1, as for a blocking all_reduce, the peak would be 192.
TEST(Memory, AsyncCollectiveKeepsItsOperandUntilTheAwait) {
  auto m = parse(R"(
mesh @m = <["d"=2]>

func @main(%w: f32[4,4] {global = f32[4,4], sharding = <@m, [{}, {}]>},
           %x: f32[2,4] {global = f32[2,4], sharding = <@m, [{}, {}]>})
    -> (f32[2,4] {global = f32[2,4], sharding = <@m, [{}, {}]>})
    attributes {partitioned = @m} {
  %h = einsum(%x, %w) {spec = "bi,ij->bj"} : f32[2,4]
  %g = all_reduce(%h) {async = true, axes = ["d"], reduction = "sum"} : f32[2,4]
  %t = tanh(%x) : f32[2,4]
  %u = exp(%t) : f32[2,4]
  %gd = await(%g) : f32[2,4]
  %n = add(%gd, %u) : f32[2,4]
  return %n
}
)");
  ASSERT_TRUE(m);
  MemoryAnalysis a = analyzeMemory(*m->main());
  EXPECT_EQ(a.peakBytes, 224);
  EXPECT_EQ(a.peakOp, 3);
}
