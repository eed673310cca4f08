// Verifier: scatter_add updates are shaped like take's result.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}scatter-add-updates.pir:9:3: error: updates of 'scatter_add' must have type f32[4,8] (base f32[10,8] with dimension 0 replaced by the ids' shape [4]), found f32[4,9]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%t: f32[10,8], %i: i32[4], %u: f32[4,9]) -> (f32[10,8]) {
  %r = scatter_add(%t, %i, %u) {axis = 0} : f32[10,8]
  return %r
}
