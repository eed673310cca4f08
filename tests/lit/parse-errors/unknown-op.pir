// An op name that is not in the opcode table, located at the name.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}unknown-op.pir:5:8: error: unknown op 'softmax'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = softmax(%x) : f32[4]
  return %y
}
