// Verifier: constant lists match the shape.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}constant-list-shape.pir:9:28: error: attribute 'value' of 'constant' has 3 entries at depth 0, expected 2 for i32[2]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i32[2]) {
  %r = constant() {value = [1, 2, 3]} : i32[2]
  return %r
}
