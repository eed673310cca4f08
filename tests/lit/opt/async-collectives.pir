// The async-collectives pass: each collective becomes a start (`async = true`) and an
// `await`; starts move up to just after their operand (%s's operand is an argument, so it
// starts first), awaits down to just before the first reader, compute keeps its order.
// With {max-outstanding=1} a start waits for the previous collective's await.
// RUN: partita-opt %s --pipeline=async-collectives | FileCheck %s
// Idempotent, and its output parses back to itself:
// RUN: partita-opt %s --pipeline=async-collectives,async-collectives | FileCheck %s
// RUN: partita-opt %s --pipeline=async-collectives | partita-opt - | FileCheck %s
// RUN: partita-opt %s --pipeline="async-collectives{max-outstanding=1}" | FileCheck %s --check-prefix=ONE
// The same results as the blocking program, on both simulated engines:
// RUN: partita-run %s --simulate --seed 3 > %t.sync
// RUN: partita-opt %s --pipeline=async-collectives | partita-run - --simulate --seed 3 > %t.async
// RUN: diff %t.sync %t.async
// RUN: partita-opt %s --pipeline=async-collectives | partita-run - --simulate --engine=interp --seed 3 > %t.interp
// RUN: diff %t.sync %t.interp
// RUN: partita-run %s --simulate --seed 3 --async-collectives --max-in-flight 1 > %t.flag
// RUN: diff %t.sync %t.flag
// Bad options:
// RUN: not partita-opt %s --pipeline="async-collectives{max-outstanding=0}" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: partita-opt: error: pass 'async-collectives' takes {max-outstanding=N} with N >= 1, got {max-outstanding=0}
// RUN: not partita-opt %s --pipeline="dce{x=1}" 2>&1 | FileCheck %s --check-prefix=NOOPT
// NOOPT: partita-opt: error: pass 'dce' takes no options, got {x=1}
// RUN: not partita-run %s --simulate --async-collectives --max-in-flight 0 2>&1 | FileCheck %s --check-prefix=FLAG
// FLAG: partita-run: error: --max-in-flight needs an integer from 1 to 1048576, got '0'

// CHECK:      %s = all_reduce(%x) {async = true, axes = ["a"], reduction = "sum"} : f32[4]
// CHECK-NEXT: %e = exp(%x) : f32[4]
// CHECK-NEXT: %g = all_gather(%e) {async = true, axes = ["a"], dim = 0} : f32[8]
// CHECK-NEXT: %t = tanh(%e) : f32[4]
// CHECK-NEXT: %n = neg(%t) : f32[4]
// CHECK-NEXT: %m1 = mul(%n, %n) : f32[4]
// CHECK-NEXT: %s_done = await(%s) : f32[4]
// CHECK-NEXT: %u = add(%s_done, %m1) : f32[4]
// CHECK-NEXT: %p = collective_permute(%u) {async = true, axes = ["a"], shift = 1} : f32[4]
// CHECK-NEXT: %g_done = await(%g) : f32[8]
// CHECK-NEXT: %k = slice(%g_done) {limit = [8], start = [4]} : f32[4]
// CHECK-NEXT: %p_done = await(%p) : f32[4]
// CHECK-NEXT: %q = sub(%k, %p_done) : f32[4]
// CHECK-NEXT: return %u, %g_done, %q

// ONE:      %s = all_reduce(%x) {async = true, axes = ["a"], reduction = "sum"} : f32[4]
// ONE-NEXT: %e = exp(%x) : f32[4]
// ONE-NEXT: %t = tanh(%e) : f32[4]
// ONE-NEXT: %n = neg(%t) : f32[4]
// ONE-NEXT: %m1 = mul(%n, %n) : f32[4]
// ONE-NEXT: %s_done = await(%s) : f32[4]
// ONE-NEXT: %u = add(%s_done, %m1) : f32[4]
// ONE-NEXT: %g = all_gather(%e) {async = true, axes = ["a"], dim = 0} : f32[8]
// ONE-NEXT: %g_done = await(%g) : f32[8]
// ONE-NEXT: %k = slice(%g_done) {limit = [8], start = [4]} : f32[4]
// ONE-NEXT: %p = collective_permute(%u) {async = true, axes = ["a"], shift = 1} : f32[4]
// ONE-NEXT: %p_done = await(%p) : f32[4]
// ONE-NEXT: %q = sub(%k, %p_done) : f32[4]
mesh @m = <["a"=2]>

func @main(%x: f32[4] {global = f32[4], sharding = <@m, [{}]>})
    -> (f32[4] {global = f32[4], sharding = <@m, [{}]>},
        f32[8] {global = f32[8], sharding = <@m, [{}]>},
        f32[4] {global = f32[4], sharding = <@m, [{}]>})
    attributes {partitioned = @m} {
  %e = exp(%x) : f32[4]
  %t = tanh(%e) : f32[4]
  %s = all_reduce(%x) {axes = ["a"], reduction = "sum"} : f32[4]
  %n = neg(%t) : f32[4]
  %g = all_gather(%e) {axes = ["a"], dim = 0} : f32[8]
  %m1 = mul(%n, %n) : f32[4]
  %u = add(%s, %m1) : f32[4]
  %p = collective_permute(%u) {axes = ["a"], shift = 1} : f32[4]
  %k = slice(%g) {limit = [8], start = [4]} : f32[4]
  %q = sub(%k, %p) : f32[4]
  return %u, %g, %q
}
