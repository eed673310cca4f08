// A stride near INT64_MAX picks one element per dimension; the result extent is computed
// without overflow (partita-fuzz-simulate found `limit - start + stride - 1` overflowing),
// and the partitioned program still equals the reference.
// RUN: partita-opt %s | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=2]>

// CHECK-LABEL: func @main
func @main(%a: f32[8,4] {sharding = <@mesh, [{"x"}, {}]>}) -> (f32[1,2], f32[0,4]) {
  // CHECK: stride = [9223372036854775807, 2]} : f32[1,2]
  %one = slice(%a) {start = [3, 0], limit = [8, 4], stride = [9223372036854775807, 2]} : f32[1,2]
  // CHECK: stride = [9223372036854775807, 1]} : f32[0,4]
  %none = slice(%a) {start = [5, 0], limit = [5, 4], stride = [9223372036854775807, 1]} : f32[0,4]
  return %one, %none
}
// SIM: check: {{.*}} PASS
