// A token other than the one the grammar needs: the error names both.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}expected-token.pir:5:15: error: expected ':' but found '='
func @main(%x: f32[4],
           %y = f32[4]) -> (f32[4]) {
  return %x
}
