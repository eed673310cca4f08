// A variadic op takes at least one operand.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}operand-count-variadic.pir:5:8: error: op 'concatenate' takes at least one operand
func @main(%x: f32[4]) -> (f32[4]) {
  %y = concatenate() {dim = 0} : f32[4]
  return %y
}
