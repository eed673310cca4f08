// An argument's location follows its attributes.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}loc-argument.pir:4:40: error: expected ',' or ')' but found '{'
func @main(%x: f32[4] loc("m.cpp":1:2) {bound = 3}) -> (f32[4]) {
  return %x
}
