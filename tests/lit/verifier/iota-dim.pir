// Verifier: iota's dim is in range.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}iota-dim.pir:9:22: error: attribute 'dim' of 'iota' is 2, out of range for i32[4,8] (expected 0 <= dim < 2)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i32[4,8]) {
  %r = iota() {dim = 2} : i32[4,8]
  return %r
}
