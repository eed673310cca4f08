// The code generator's pure analysis (runtime/LoweringPlan.h) on small programs: which values
// are fused into which root, transposes aliased by einsums, the arena plan (reuse of dead
// buffers, in-place elementwise roots, and no two live buffers sharing bytes, checked
// against liveness recomputed here from the IR), the fusion-group cap, thread splits, and
// collective roots carrying their plan (scratch sized by it, rejected ops located).
#include "runtime/LoweringPlan.h"
#include "ir/Parser.h"
#include "ir/Verifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

using namespace partita;

namespace {

struct Planned {
  std::unique_ptr<Module> module;
  LoweringPlan plan;
  const Func &f() const { return *module->main(); }
  // The value named `name` (without the %).
  const Value *value(const std::string &name) const {
    for (const Value *a : f().args)
      if (a->name == name) return a;
    for (const auto &op : f().ops)
      if (op->result->name == name) return op->result;
    ADD_FAILURE() << "no value %" << name;
    return nullptr;
  }
  ValueKind kind(const std::string &name) const { return plan.kindOf(value(name)); }
  const RootPlan *root(const std::string &name) const {
    for (const RootPlan &r : plan.roots)
      if (r.op->result->name == name) return &r;
    return nullptr;
  }
};

Planned planOf(const std::string &text) {
  Planned p;
  Diagnostics d;
  p.module = parseModule(text, "test.pir", d);
  if (p.module && !verifyModule(*p.module, d)) p.module.reset();
  std::ostringstream os;
  d.print(os);
  EXPECT_TRUE(p.module) << os.str();
  if (!p.module) return p;
  Diagnostics pd;
  EXPECT_TRUE(planLowering(p.f(), nullptr, &p.plan, pd));
  return p;
}

std::vector<std::string> names(const std::vector<const Value *> &vs) {
  std::vector<std::string> out;
  for (const Value *v : vs)
    out.push_back(v->name);
  return out;
}

// Liveness recomputed from the IR, independently of the planner: each root reads the
// storages reachable from its operands through fused and aliased values; a root's buffer is
// live from its op to the last root reading it (results: to the end). Then no two buffers or
// scratch areas live at the same time may share a byte, except a root writing over an
// operand whose last reader it is (RootPlan::inPlace).
void expectNoLiveOverlap(const Planned &p) {
  const LoweringPlan &plan = p.plan;
  const int kEnd = (int)p.f().ops.size() + 1;
  auto storage = [&](const Value *v) {
    while (plan.kindOf(v) == ValueKind::Alias)
      v = v->def->operands[0];
    return v;
  };
  std::map<const Value *, int> lastRead;
  for (const RootPlan &r : plan.roots) {
    std::vector<const Value *> work(r.op->operands.begin(), r.op->operands.end());
    while (!work.empty()) {
      const Value *v = work.back();
      work.pop_back();
      if (plan.kindOf(v) == ValueKind::Fused) {
        work.insert(work.end(), v->def->operands.begin(), v->def->operands.end());
        continue;
      }
      lastRead[storage(v)] = std::max(lastRead[storage(v)], r.pos);
    }
  }
  for (const Value *v : p.f().returns)
    lastRead[storage(v)] = kEnd;
  // An async collective reads its operand and writes its result and scratch until its
  // await (docs/runtime.md).
  std::map<const Op *, int> awaitAt;
  for (const RootPlan &r : plan.roots)
    if (r.op->opcode == Opcode::Await) {
      const Op *start = r.op->operands[0]->def;
      awaitAt[start] = r.pos;
      lastRead[start->result] = std::max(lastRead[start->result], r.pos);
      lastRead[storage(start->operands[0])] =
          std::max(lastRead[storage(start->operands[0])], r.pos);
    }
  struct Area {
    std::string what;
    int start, end;
    int64_t begin, bytes;
    const Value *value, *inPlace;
  };
  std::vector<Area> areas;
  for (const RootPlan &r : plan.roots) {
    const Value *v = r.op->result;
    if (r.op->opcode == Opcode::Await) continue; // no buffer of its own
    if (!plan.resultSlot.count(v))
      areas.push_back({v->name, r.pos, std::max(r.pos, lastRead[v]), plan.offset.at(v),
                       v->type.bytes(), v, r.inPlace});
    int scratchEnd = awaitAt.count(r.op) ? awaitAt.at(r.op) : r.pos;
    if (r.scratchBytes)
      areas.push_back({v->name + ".scratch", r.pos, scratchEnd, r.scratchOffset, r.scratchBytes,
                       nullptr, nullptr});
  }
  for (size_t i = 0; i < areas.size(); ++i)
    for (size_t j = i + 1; j < areas.size(); ++j) {
      const Area &a = areas[i], &b = areas[j];
      bool bytes = a.begin < b.begin + b.bytes && b.begin < a.begin + a.bytes;
      bool time = a.start <= b.end && b.start <= a.end;
      if (!bytes || !time) continue;
      // In place: b starts exactly where its operand a is last read, at the same offset.
      bool inPlace = (b.inPlace == a.value && b.start == a.end && a.begin == b.begin) ||
                     (a.inPlace == b.value && a.start == b.end && a.begin == b.begin);
      EXPECT_TRUE(inPlace && a.value && b.value)
          << a.what << " [" << a.start << "," << a.end << "] @" << a.begin << "+" << a.bytes
          << " overlaps " << b.what << " [" << b.start << "," << b.end << "] @" << b.begin << "+"
          << b.bytes;
    }
  for (const Area &a : areas)
    EXPECT_LE(a.begin + a.bytes, plan.workspaceBytes) << a.what;
}

TEST(LoweringPlan, ElementwiseChainIsOneFlatRoot) {
  auto p = planOf("func @main(%x: f32[4,8], %y: f32[4,8]) -> (f32[4,8]) {\n"
                  "  %e = exp(%x) : f32[4,8]\n"
                  "  %n = neg(%e) : f32[4,8]\n"
                  "  %c = constant() {value = 2.0} : f32[4,8]\n"
                  "  %m = mul(%n, %c) : f32[4,8]\n"
                  "  %s = add(%m, %y) : f32[4,8]\n"
                  "  return %s\n}\n");
  EXPECT_EQ(p.kind("e"), ValueKind::Fused);
  EXPECT_EQ(p.kind("n"), ValueKind::Fused);
  EXPECT_EQ(p.kind("c"), ValueKind::Fused);
  EXPECT_EQ(p.kind("m"), ValueKind::Fused);
  ASSERT_EQ(p.plan.roots.size(), 1u);
  const RootPlan &r = p.plan.roots[0];
  EXPECT_EQ(r.op->result->name, "s");
  EXPECT_TRUE(r.flat);
  EXPECT_EQ(names(r.leaves), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(p.plan.resultSlot.at(r.op->result), 0); // written straight into the result
  EXPECT_EQ(p.plan.workspaceBytes, 0);
}

TEST(LoweringPlan, FusionStopsAtReusedAndReplicatedValues) {
  auto p = planOf("func @main(%x: f32[8], %y: f32[4,8]) -> (f32[8], f32[4,8]) {\n"
                  "  %t = tanh(%x) : f32[8]\n"
                  "  %u = exp(%t) : f32[8]\n"
                  "  %v = add(%t, %x) : f32[8]\n"
                  "  %b = broadcast_in_dim(%u) {dims = [1]} : f32[4,8]\n"
                  "  %w = mul(%b, %y) : f32[4,8]\n"
                  "  %r = reduce_sum(%w) {dims = [1]} : f32[4]\n"
                  "  %q = broadcast_in_dim(%r) {dims = [0]} : f32[4,8]\n"
                  "  %z = add(%q, %y) : f32[4,8]\n"
                  "  return %v, %z\n}\n");
  EXPECT_EQ(p.kind("t"), ValueKind::Root);  // two users, not free to recompute
  EXPECT_EQ(p.kind("u"), ValueKind::Root);  // %b would compute each element 4 times
  EXPECT_EQ(p.kind("b"), ValueKind::Fused); // into %w, itself fused into the reduction
  EXPECT_EQ(p.kind("w"), ValueKind::Fused);
  EXPECT_EQ(p.kind("r"), ValueKind::Root);
  EXPECT_EQ(p.kind("q"), ValueKind::Fused);
  ASSERT_TRUE(p.root("r") && p.root("z"));
  EXPECT_EQ(names(p.root("r")->leaves), (std::vector<std::string>{"y", "u"}));
  EXPECT_EQ(names(p.root("z")->leaves), (std::vector<std::string>{"y", "r"}));
  EXPECT_TRUE(p.root("v")->flat);
  EXPECT_FALSE(p.root("z")->flat); // a fused broadcast needs the loop nest
  expectNoLiveOverlap(p);
}

TEST(LoweringPlan, TransposeReadOnlyByEinsumsIsAnAlias) {
  auto p = planOf("func @main(%x: f32[4,6], %w: f32[4,5]) -> (f32[6,5], f32[6,4]) {\n"
                  "  %t = transpose(%x) {perm = [1, 0]} : f32[6,4]\n"
                  "  %e = einsum(%t, %w) {spec = \"ij,jk->ik\"} : f32[6,5]\n"
                  "  %u = transpose(%x) {perm = [1, 0]} : f32[6,4]\n"
                  "  %n = neg(%u) : f32[6,4]\n"
                  "  return %e, %n\n}\n");
  EXPECT_EQ(p.kind("t"), ValueKind::Alias);
  EXPECT_EQ(p.plan.storageOf(p.value("t")), p.value("x"));
  // Element (i, j) of %t is x[j][i]: strides permuted from x's row-major [6, 1].
  EXPECT_EQ(p.plan.stridesOf(p.value("t")), (std::vector<int64_t>{1, 6}));
  EXPECT_EQ(names(p.root("e")->leaves), (std::vector<std::string>{"x", "w"}));
  // A transpose read elementwise is fused instead.
  EXPECT_EQ(p.kind("u"), ValueKind::Fused);
  // The einsum reads A = %t as a column-major view of x in place: no packing scratch.
  int64_t scratch = -1;
  auto desc = einsumDescriptor(*p.root("e")->op, p.plan, &scratch);
  EXPECT_EQ(scratch, 0);
  EXPECT_EQ(desc[5], 0); // aMode: in place
}

TEST(LoweringPlan, DeadBuffersAreReusedAndElementwiseRootsWorkInPlace) {
  // %a dies at %b, so %c may take %a's bytes; %t overwrites %b (its operand, dying there).
  auto p = planOf("func @main(%x: f32[16,16], %w: f32[16,16]) -> (f32[16,16]) {\n"
                  "  %a = einsum(%x, %w) {spec = \"ij,jk->ik\"} : f32[16,16]\n"
                  "  %b = einsum(%a, %w) {spec = \"ij,jk->ik\"} : f32[16,16]\n"
                  "  %t = tanh(%b) : f32[16,16]\n"
                  "  %c = einsum(%t, %w) {spec = \"ij,jk->ik\"} : f32[16,16]\n"
                  "  %d = einsum(%c, %w) {spec = \"ij,jk->ik\"} : f32[16,16]\n"
                  "  return %d\n}\n");
  const int64_t bytes = 16 * 16 * 4;
  const LoweringPlan &plan = p.plan;
  EXPECT_EQ(p.root("t")->inPlace, p.value("b"));
  EXPECT_EQ(plan.offset.at(p.value("t")), plan.offset.at(p.value("b")));
  EXPECT_EQ(plan.offset.at(p.value("c")), plan.offset.at(p.value("a")));
  EXPECT_NE(plan.offset.at(p.value("a")), plan.offset.at(p.value("b")));
  EXPECT_EQ(plan.unplannedBytes, 3 * bytes); // %a, %b (shared with %t), %c
  EXPECT_EQ(plan.workspaceBytes, 2 * bytes);
  EXPECT_EQ(plan.liveBytes, 2 * bytes);
  expectNoLiveOverlap(p);
}

TEST(LoweringPlan, NoLiveBuffersShareBytes) {
  // Many values of different sizes and lifetimes, bf16 reductions and argmax (scratch),
  // in-place chains and long-lived values read at the end.
  std::string text = "func @main(%x: f32[24,16], %w: f32[16,16]) -> (f32[24,16], f32[24]) {\n";
  std::string prev = "%x", keep = "%x";
  for (int i = 0; i < 12; ++i) {
    std::string s = std::to_string(i);
    text += "  %e" + s + " = einsum(" + prev + ", %w) {spec = \"ij,jk->ik\"} : f32[24,16]\n";
    text += "  %h" + s + " = convert(%e" + s + ") : bf16[24,16]\n";
    text += "  %r" + s + " = reduce_sum(%h" + s + ") {dims = [1]} : bf16[24]\n";
    text += "  %a" + s + " = argmax(%e" + s + ") {dim = 1} : i32[24]\n";
    text += "  %f" + s + " = convert(%r" + s + ") : f32[24]\n";
    text += "  %g" + s + " = convert(%a" + s + ") : f32[24]\n";
    text += "  %s" + s + " = add(%f" + s + ", %g" + s + ") : f32[24]\n";
    text += "  %b" + s + " = broadcast_in_dim(%s" + s + ") {dims = [0]} : f32[24,16]\n";
    text += "  %t" + s + " = tanh(%e" + s + ") : f32[24,16]\n";
    text += "  %m" + s + " = add(%t" + s + ", %b" + s + ") : f32[24,16]\n";
    text += "  %n" + s + " = add(%m" + s + ", " + keep + ") : f32[24,16]\n";
    if (i % 4 == 0) keep = "%e" + s; // read again up to four steps later
    prev = "%n" + s;
  }
  text += "  %out = reduce_max(" + prev + ") {dims = [1]} : f32[24]\n";
  text += "  return " + prev + ", %out\n}\n";
  auto p = planOf(text);
  ASSERT_TRUE(p.module);
  EXPECT_GT(p.plan.roots.size(), 40u);
  EXPECT_LT(p.plan.workspaceBytes, p.plan.unplannedBytes); // something was reused
  EXPECT_GE(p.plan.workspaceBytes, p.plan.liveBytes);
  int scratch = 0;
  for (const RootPlan &r : p.plan.roots)
    scratch += r.scratchBytes > 0;
  EXPECT_GE(scratch, 24); // every bf16 reduction and argmax
  expectNoLiveOverlap(p);
}

TEST(LoweringPlan, LongChainsAreCutIntoBoundedFusionGroups) {
  const int n = 1000;
  std::string text = "func @main(%x: f32[4]) -> (f32[4]) {\n  %v0 = exp(%x) : f32[4]\n";
  for (int i = 1; i <= n; ++i)
    text += "  %v" + std::to_string(i) + " = " + (i % 2 ? "tanh" : "neg") + "(%v" +
            std::to_string(i - 1) + ") : f32[4]\n";
  text += "  return %v" + std::to_string(n) + "\n}\n";
  auto p = planOf(text);
  ASSERT_TRUE(p.module);
  // Every op is in exactly one group; each group is a chain below the cap.
  size_t ops = 0;
  for (const RootPlan &r : p.plan.roots) {
    size_t group = 1;
    for (const Value *v = r.op->operands[0]; p.plan.kindOf(v) == ValueKind::Fused;
         v = v->def->operands[0])
      ++group;
    EXPECT_LE(group, (size_t)kMaxFusionGroup);
    ASSERT_EQ(r.leaves.size(), 1u);
    ops += group;
  }
  EXPECT_EQ(ops, (size_t)n + 1);
  EXPECT_EQ(p.plan.roots.size(), (size_t)(n + 1 + kMaxFusionGroup - 1) / kMaxFusionGroup);
  // Each cut root overwrites the previous one in place: one buffer for the whole chain.
  EXPECT_EQ(p.plan.workspaceBytes, kBufferAlign);
  expectNoLiveOverlap(p);
}

TEST(LoweringPlan, ThreadSplitGrain) {
  auto p = planOf("func @main(%x: f32[512,256], %s: f32[64]) -> (f32[512,256], f32[512], "
                  "f32[64], f32[256]) {\n"
                  "  %e = exp(%x) : f32[512,256]\n"
                  "  %r = reduce_sum(%x) {dims = [1]} : f32[512]\n"
                  "  %t = tanh(%s) : f32[64]\n"
                  "  %c = reduce_sum(%x) {dims = [0]} : f32[256]\n"
                  "  return %e, %r, %t, %c\n}\n");
  // A flat chain splits its flat index; at least 2^14 elements per part.
  EXPECT_EQ(p.root("e")->parN, 512 * 256);
  EXPECT_EQ(p.root("e")->parGrain, 1 << 14);
  // A row reduction splits its kept rows: 256 elements per row, so 64 rows per part.
  EXPECT_EQ(p.root("r")->parN, 512);
  EXPECT_EQ(p.root("r")->parGrain, 64);
  // Small roots and reductions over the leading dimension stay serial.
  EXPECT_EQ(p.root("t")->parN, 0);
  EXPECT_EQ(p.root("c")->parN, 0);
}

TEST(LoweringPlan, CollectiveWithoutMeshIsALocatedError) {
  Diagnostics d;
  auto m = parseModule("func @main(%x: f32[4]) -> (f32[4]) {\n"
                       "  %y = all_reduce(%x) {axes = [\"a\"], reduction = \"sum\"} : f32[4]\n"
                       "  return %y\n}\n",
                       "coll.pir", d);
  ASSERT_TRUE(m);
  LoweringPlan plan;
  EXPECT_FALSE(planLowering(*m->main(), nullptr, &plan, d));
  std::ostringstream os;
  d.print(os);
  EXPECT_NE(os.str().find("coll.pir:2:"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("needs a mesh"), std::string::npos) << os.str();
}

// Plans a partitioned program on its mesh (the module's first mesh).
Planned planOnMesh(const std::string &text) {
  Planned p;
  Diagnostics d;
  p.module = parseModule(text, "test.pir", d);
  if (p.module && !verifyModule(*p.module, d)) p.module.reset();
  std::ostringstream os;
  d.print(os);
  EXPECT_TRUE(p.module) << os.str();
  if (!p.module) return p;
  Diagnostics pd;
  EXPECT_TRUE(planLowering(p.f(), &p.module->meshes[0], &p.plan, pd));
  return p;
}

TEST(LoweringPlan, CollectiveRootsCarryTheirPlan) {
  // Expected plans worked out by hand from the op semantics (docs/runtime.md, "Collective
  // plans"): x is f32[4,6], 96 bytes; mesh a=2 (axis 0), b=3 (axis 1).
  Planned p = planOnMesh("mesh @m = <[\"a\"=2, \"b\"=3]>\n"
                         "func @main(%x: f32[4,6]) -> (f32[4,18], f32[8,6], f32[4,6], f32[4,2]) "
                         "attributes {partitioned = @m} {\n"
                         "  %g = all_gather(%x) {axes = [\"b\"], dim = 1} : f32[4,18]\n"
                         "  %g0 = all_gather(%x) {axes = [\"a\"], dim = 0} : f32[8,6]\n"
                         "  %s = all_reduce(%x) {axes = [\"b\", \"a\"], reduction = \"max\"} : "
                         "f32[4,6]\n"
                         "  %r = reduce_scatter(%x) {axes = [\"b\"], dim = 1, reduction = \"sum\"} "
                         ": f32[4,2]\n"
                         "  return %g, %g0, %s, %r\n}\n");
  ASSERT_TRUE(p.module);
  for (const RootPlan &r : p.plan.roots) {
    ASSERT_TRUE(r.collective.has_value()) << r.op->result->name;
    EXPECT_EQ(r.scratchBytes, r.collective->scratchBytes) << r.op->result->name;
  }
  // Along dimension 1: 4 rows gathered as [3][4] blocks of 24 bytes, swapped into [4][3];
  // the 288 received bytes sit in scratch, padded to 320.
  const CollectivePlan &g = *p.root("g")->collective;
  EXPECT_EQ(g.kind, CollectiveKind::AllGather);
  EXPECT_EQ(g.axes, std::vector<int64_t>{1});
  EXPECT_EQ(g.groupSize, 3);
  EXPECT_EQ(g.bytes, 96);
  EXPECT_TRUE(g.pre.isCopy());
  EXPECT_EQ(g.post, (BlockSwap{3, 4, 24}));
  EXPECT_EQ(p.root("g")->scratchBytes, 320);
  // Along the leading dimension the exchange writes the result in place: no scratch.
  EXPECT_EQ(p.root("g0")->scratchBytes, 0);
  const CollectivePlan &s = *p.root("s")->collective;
  EXPECT_EQ(s.kind, CollectiveKind::AllReduce);
  EXPECT_EQ(s.reduction, Reduction::Max);
  EXPECT_EQ(s.axes, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(s.groupSize, 6);
  EXPECT_EQ(s.count, 24);
  EXPECT_EQ(p.root("s")->scratchBytes, 0);
  // reduce_scatter along dimension 1: the operand is packed [4][3] -> [3][4] blocks of two
  // floats into scratch (96 bytes, padded to 128) and each member receives 8 elements.
  const CollectivePlan &r = *p.root("r")->collective;
  EXPECT_EQ(r.kind, CollectiveKind::ReduceScatter);
  EXPECT_EQ(r.count, 8);
  EXPECT_EQ(r.pre, (BlockSwap{4, 3, 8}));
  EXPECT_TRUE(r.post.isCopy());
  EXPECT_EQ(p.root("r")->scratchBytes, 128);
}

TEST(LoweringPlan, CollectiveThePlanRejectsIsALocatedError) {
  // Parsed without the verifier, so the planner is the first to see the bad reduction.
  Diagnostics d;
  auto m = parseModule("mesh @m = <[\"a\"=2]>\n"
                       "func @main(%x: f32[4]) -> (f32[4]) attributes {partitioned = @m} {\n"
                       "  %y = all_reduce(%x) {axes = [\"a\"], reduction = \"prod\"} : f32[4]\n"
                       "  return %y\n}\n",
                       "coll.pir", d);
  ASSERT_TRUE(m);
  LoweringPlan plan;
  EXPECT_FALSE(planLowering(*m->main(), &m->meshes[0], &plan, d));
  std::ostringstream os;
  d.print(os);
  EXPECT_NE(os.str().find("coll.pir:3:"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("unknown reduction \"prod\""), std::string::npos) << os.str();
}

} // namespace

TEST(LoweringPlan, AsyncCollectiveBuffersLiveUntilTheAwait) {
  // %e is last read by the start of %g, but the exchange reads it until %gd: %t, %u and %v,
  // computed in between, must not take its bytes, nor those of %g's result or its scratch
  // (all_gather along dim 1 receives into scratch, then swaps into %g at the await).
  Planned p = planOnMesh("mesh @m = <[\"a\"=2]>\n"
                         "func @main(%x: f32[16,16]) -> (f32[16,16]) "
                         "attributes {partitioned = @m} {\n"
                         "  %e = exp(%x) : f32[16,16]\n"
                         "  %g = all_gather(%e) {async = true, axes = [\"a\"], dim = 1} : "
                         "f32[16,32]\n"
                         "  %t = tanh(%x) : f32[16,16]\n"
                         "  %u = einsum(%t, %t) {spec = \"ij,jk->ik\"} : f32[16,16]\n"
                         "  %v = einsum(%u, %u) {spec = \"ij,jk->ik\"} : f32[16,16]\n"
                         "  %gd = await(%g) : f32[16,32]\n"
                         "  %s = slice(%gd) {limit = [16, 32], start = [0, 16]} : f32[16,16]\n"
                         "  %r = add(%s, %v) : f32[16,16]\n"
                         "  return %r\n}\n");
  ASSERT_TRUE(p.module);
  const RootPlan *g = p.root("g");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->asyncSlot, 0);
  EXPECT_GT(g->scratchBytes, 0);
  EXPECT_EQ(p.kind("gd"), ValueKind::Alias);
  const RootPlan *w = p.root("gd");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->isWait);
  EXPECT_EQ(w->asyncSlot, 0);
  EXPECT_EQ(p.plan.storageOf(p.value("gd")), p.value("g"));
  expectNoLiveOverlap(p);
}

TEST(LoweringPlan, ReturnedAwaitReceivesIntoTheResult) {
  // %g's await is returned: the exchange writes the caller's result buffer, as a blocking
  // all_reduce would, instead of a workspace buffer copied out at the end.
  Planned p = planOnMesh("mesh @m = <[\"a\"=2]>\n"
                         "func @main(%x: f32[64]) -> (f32[64], f32[64]) "
                         "attributes {partitioned = @m} {\n"
                         "  %g = all_reduce(%x) {async = true, axes = [\"a\"], reduction = "
                         "\"sum\"} : f32[64]\n"
                         "  %t = tanh(%x) : f32[64]\n"
                         "  %gd = await(%g) : f32[64]\n"
                         "  return %t, %gd\n}\n");
  ASSERT_TRUE(p.module);
  EXPECT_EQ(p.plan.resultSlot.at(p.value("g")), 1);
  EXPECT_EQ(p.plan.resultSlot.at(p.value("t")), 0);
  EXPECT_EQ(p.plan.workspaceBytes, 0);
  expectNoLiveOverlap(p);
}
