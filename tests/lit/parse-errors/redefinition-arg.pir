// Two arguments with the same name.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}redefinition-arg.pir:4:24: error: redefinition of value '%x'
func @main(%x: f32[4], %x: f32[4]) -> (f32[4]) {
  return %x
}
