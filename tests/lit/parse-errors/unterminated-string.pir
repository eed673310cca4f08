// A string that runs to the end of its line; the error points at the opening quote.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}unterminated-string.pir:6:31: error: unterminated string
mesh @mesh = <["data"=2]>
func @main(%x: f32[4]) -> (f32[4]) {
  %y = einsum(%x, %x) {spec = "i,i->i} : f32[4]
  return %y
}
