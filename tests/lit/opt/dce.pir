// dce removes ops whose results are unused, transitively, and keeps returned values and
// everything they need.
// RUN: partita-opt %s --pipeline=dce | FileCheck %s

mesh @m = <["a"=2]>

// CHECK-LABEL: func @main
// CHECK-NEXT: %a = exp(%x) : f32[4]
// CHECK-NEXT: %b = add(%a, %y) : f32[4]
// CHECK-NEXT: %k = all_reduce(%b)
// CHECK-NEXT: return %b, %k
// CHECK-NOT: tanh
// CHECK-NOT: neg
// CHECK-NOT: mul
func @main(%x: f32[4], %y: f32[4]) -> (f32[4], f32[4]) {
  %a = exp(%x) : f32[4]
  %t = tanh(%a) : f32[4]
  %n = neg(%t) : f32[4]
  %d = mul(%n, %n) : f32[4]
  %b = add(%a, %y) : f32[4]
  %g = all_gather(%b) {axes = ["a"], dim = 0} : f32[8]
  %k = all_reduce(%b) {axes = ["a"], reduction = "sum"} : f32[4]
  return %b, %k
}
