// A return of a value that does not exist.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}undefined-return.pir:5:10: error: use of undefined value '%q'
func @main(%x: f32[4]) -> (f32[4]) {
  return %q
}
