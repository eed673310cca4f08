// A use of a value never defined (also a use before its definition), located at the use.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}undefined-value.pir:5:16: error: use of undefined value '%z'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = add(%x, %z) : f32[4]
  %z = neg(%x) : f32[4]
  return %y
}
