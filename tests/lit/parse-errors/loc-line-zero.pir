// Lines and columns count from 1.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-line-zero.pir:5:37: error: the line of a location must be between 1 and 2147483647
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc("m.cpp":0:7)
  return %y
}
