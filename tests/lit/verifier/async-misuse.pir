// Verifier: the pending result of an async collective is read by exactly one `await` and
// nothing else, and is never returned; `await` reads only pending results.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}async-misuse.pir:23:3: error: 'add' reads %s, the pending result of async 'all_reduce': only 'await' may read it
// CHECK-NEXT: {{.*}}async-misuse.pir:25:3: error: 'await' needs the pending result of an async collective, but %e (the result of 'exp') is not one
// CHECK-NEXT: {{.*}}async-misuse.pir:26:3: error: 'await' needs the pending result of an async collective, but %x (an argument) is not one
// CHECK-NEXT: {{.*}}async-misuse.pir:28:3: error: %g, the pending result of async 'all_gather', is awaited more than once
// CHECK-NEXT: {{.*}}async-misuse.pir:29:3: error: %g, the pending result of async 'all_gather', is awaited more than once
// CHECK-NEXT: {{.*}}async-misuse.pir:30:3: error: async 'all_reduce' %r is never awaited
// CHECK-NEXT: {{.*}}async-misuse.pir:31:3: error: async 'collective_permute' %q is never awaited
// CHECK-NEXT: {{.*}}async-misuse.pir:32:3: error: 'return' reads %q, the pending result of async 'collective_permute': await it first
// CHECK-NOT: error:

mesh @m = <["a"=2]>

func @main(%x: f32[4] {global = f32[4], sharding = <@m, [{}]>})
    -> (f32[4] {global = f32[4], sharding = <@m, [{}]>},
        f32[4] {global = f32[4], sharding = <@m, [{}]>})
    attributes {partitioned = @m} {
  %s = all_reduce(%x) {async = true, axes = ["a"], reduction = "sum"} : f32[4]
  %e = exp(%x) : f32[4]
  %s_done = await(%s) : f32[4]
  %bad = add(%s, %e) : f32[4]
  %g = all_gather(%x) {async = true, axes = ["a"], dim = 0} : f32[8]
  %w1 = await(%e) : f32[4]
  %w2 = await(%x) : f32[4]
  %g1 = await(%g) : f32[8]
  %g2 = await(%g) : f32[8]
  %g3 = await(%g) : f32[8]
  %r = all_reduce(%x) {async = true, axes = ["a"], reduction = "max"} : f32[4]
  %q = collective_permute(%x) {async = true, axes = ["a"], shift = 1} : f32[4]
  return %s_done, %q
}
