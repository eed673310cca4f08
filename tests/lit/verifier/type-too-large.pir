// Verifier: types fit in memory.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}type-too-large.pir:9:3: error: type f32[4294967296,4294967296] is too large (its byte size overflows 64 bits)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4]) -> (f32[4]) {
  %r = constant() {value = 0.0} : f32[4294967296,4294967296]
  return %x
}
