// Two functions with one name.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}duplicate-func.pir:7:6: error: redefinition of function @main
func @main(%x: f32[4]) -> (f32[4]) {
  return %x
}
func @main(%x: f32[4]) -> (f32[4]) {
  return %x
}
