// Verifier: return gives one value per declared result.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}return-count.pir:9:3: error: 'return' has 1 value(s) but @main declares 2 result(s)
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[4,8], f32[4,8]) {
  return %x
}
