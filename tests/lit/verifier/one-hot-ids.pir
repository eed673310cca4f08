// Verifier: one_hot takes i32 ids.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}one-hot-ids.pir:9:3: error: 'one_hot' expects ids of type i32, found f32[4,8]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8,3]) {
  %r = one_hot(%x) {depth = 3} : f32[4,8,3]
  return %r
}
