// Verifier: all_gather multiplies dim by the group size.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}all-gather-result.pir:9:3: error: declared result type f32[8,8] of 'all_gather' does not match the inferred type f32[16,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[8,8]) attributes {partitioned = @m} {
  %r = all_gather(%x) {axes = ["a", "b"], dim = 0} : f32[8,8]
  return %r
}
