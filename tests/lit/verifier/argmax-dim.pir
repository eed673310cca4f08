// Verifier: argmax's dim is in range.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}argmax-dim.pir:9:26: error: attribute 'dim' of 'argmax' is -1, out of range for f32[4,8] (expected 0 <= dim < 2)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i32[4]) {
  %r = argmax(%x) {dim = -1} : i32[4]
  return %r
}
