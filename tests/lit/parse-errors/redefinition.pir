// A value defined twice; the error points at the second definition.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}redefinition.pir:6:3: error: redefinition of value '%y'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4]
  %y = exp(%x) : f32[4]
  return %y
}
