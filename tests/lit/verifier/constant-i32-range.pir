// Verifier: i32 constants fit in 32 bits.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}constant-i32-range.pir:9:28: error: attribute 'value' of 'constant' holds 4294967296, which does not fit in i32
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (i32[2]) {
  %r = constant() {value = 4294967296} : i32[2]
  return %r
}
