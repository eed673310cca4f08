// An op given the wrong number of operands for its arity.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}operand-count.pir:5:8: error: op 'add' takes 2 operands but 1 was given
func @main(%x: f32[4]) -> (f32[4]) {
  %y = add(%x) : f32[4]
  return %y
}
