// Verifier: unknown attribute names.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}unknown-attribute.pir:9:24: error: unknown attribute 'dims' on 'exp' (it takes none)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8]) {
  %r = exp(%x) {dims = [0]} : f32[4,8]
  return %r
}
