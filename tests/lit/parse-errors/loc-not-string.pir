// A location is loc("file":line:col) with the file name as a string.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-not-string.pir:5:29: error: expected a location such as loc("model.cpp":12:7) or loc(unknown) but found '12'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc(12:7)
  return %y
}
