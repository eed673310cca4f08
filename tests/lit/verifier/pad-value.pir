// Verifier: pad's value is a number.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}pad-value.pir:9:54: error: attribute 'value' of 'pad' must be a number, found a string
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = pad(%x) {high = [0, 0], low = [0, 0], value = "zero"} : f32[4,8]
  return %r
}
