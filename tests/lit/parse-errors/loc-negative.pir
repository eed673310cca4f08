// A negative line is out of range, not a syntax error.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-negative.pir:5:37: error: the line of a location must be between 1 and 2147483647
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc("m.cpp":-3:1)
  return %y
}
