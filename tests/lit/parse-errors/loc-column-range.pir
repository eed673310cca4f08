// A column must fit in 31 bits.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-column-range.pir:5:39: error: the column of a location must be between 1 and 2147483647
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc("m.cpp":3:2147483648)
  return %y
}
