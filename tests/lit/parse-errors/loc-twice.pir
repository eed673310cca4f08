// An op has at most one location.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-twice.pir:5:42: error: expected a statement such as '%v = op(...)' or 'return' but found 'loc'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc("a.cpp":1:1) loc("b.cpp":2:2)
  return %y
}
