// The file name of a location may not be empty.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-empty-file.pir:5:29: error: the file name of a location is empty
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc("":1:1)
  return %y
}
