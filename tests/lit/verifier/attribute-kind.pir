// Verifier: attribute of the wrong kind.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}attribute-kind.pir:9:26: error: attribute 'dim' of 'cumsum' must be an integer, found a string
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = cumsum(%x) {dim = "0"} : f32[4,8]
  return %r
}
