// An integer that does not fit in 64 bits.
// RUN: not partita-opt %s 2>&1 | FileCheck %s
// CHECK: {{.*}}int-overflow.pir:4:20: error: integer literal out of range (it must fit in 64 bits)
func @main(%x: f32[9223372036854775808]) -> (f32[4]) {
  return %x
}
