// Verifier: transpose's result type is inferred.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}transpose-result.pir:9:3: error: declared result type f32[4,8] of 'transpose' does not match the inferred type f32[8,4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = transpose(%x) {perm = [1, 0]} : f32[4,8]
  return %r
}
