// Verifier: slice needs limit.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}slice-missing-limit.pir:9:3: error: 'slice' requires attribute 'limit'
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = slice(%x) {start = [0, 0]} : f32[4,8]
  return %r
}
