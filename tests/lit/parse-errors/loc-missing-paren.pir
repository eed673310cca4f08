// loc needs its parentheses.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-missing-paren.pir:5:29: error: expected '(' but found string "m.cpp"
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4] loc "m.cpp":1:2
  return %y
}
