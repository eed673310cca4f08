// A location has both a line and a column.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-missing-column.pir:5:39: error: expected ':' but found ')'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc("m.cpp":12)
  return %y
}
