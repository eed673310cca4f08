// Nothing may follow `return` in a function body.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}after-return.pir:6:3: error: expected ',' or '}' but found '%y'
func @main(%x: f32[4]) -> (f32[4]) {
  return %x
  %y = neg(%x) : f32[4]
}
