// Verifier: returned values have the declared result types.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}return-type.pir:10:3: error: return value 0 (%a) has type f32[4,8] but @main declares result type f32[8,4]
// CHECK-NOT: error:

mesh @m = <["a"=2, "b"=2]>

func @main(%x: f32[4,8]) -> (f32[8,4]) {
  %a = exp(%x) : f32[4,8]
  return %a
}
