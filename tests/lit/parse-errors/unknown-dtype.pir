// An element type outside f32, bf16, i32 and i1.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}unknown-dtype.pir:4:16: error: unknown element type 'f64'
func @main(%x: f64[4]) -> (f32[4]) {
  return %x
}
