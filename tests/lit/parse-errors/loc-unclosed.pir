// A location runs to its ')'.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-unclosed.pir:6:3: error: expected ')' but found 'return'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc("m.cpp":1:2
  return %y
}
