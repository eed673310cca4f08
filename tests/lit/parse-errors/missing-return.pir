// A function body must end with `return`; the error points at the closing brace.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}missing-return.pir:6:1: error: function @main ends without a 'return'
func @main(%x: f32[4]) -> (f32[4]) {
  %y = neg(%x) : f32[4]
}
