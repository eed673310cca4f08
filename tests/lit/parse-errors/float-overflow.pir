// A float literal beyond the range of a double.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}float-overflow.pir:5:28: error: float literal out of range
func @main(%x: f32[4]) -> (f32[4]) {
  %y = constant() {value = 1.0e999} : f32[4]
  return %y
}
