// A file name with a newline would break one-line diagnostics.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-control-char.pir:5:29: error: the file name of a location contains a control character
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc("a\nb.cpp":1:1)
  return %y
}
