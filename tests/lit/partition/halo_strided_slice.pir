// A strided slice whose result stays split the same way needs no communication when every
// device's window lies in its own shard: rows 1, 3, 5, ... of 16 over 4 devices are rows
// 1 and 3 of each device's 4. A shifted window (start 2) reaches one row into the right
// neighbour: one collective_permute of a single row.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=4]>

// CHECK-LABEL: func @main
func @main(%a: f32[16,3] {sharding = <@mesh, [{"x"}, {}]>}) -> (f32[8,3] {sharding = <@mesh, [{"x"}, {}]>}, f32[7,3] {sharding = <@mesh, [{"x"}, {}]>}) {
  // CHECK: %[[W:.*]] = slice(%a) {limit = [4, 3], start = [1, 0]} : f32[3,3]
  // CHECK-NEXT: %odd = slice(%[[W]]) {limit = [3, 3], start = [0, 0], stride = [2, 1]} : f32[2,3]
  %odd = slice(%a) {start = [1, 0], limit = [16, 3], stride = [2, 1]} : f32[8,3]
  // CHECK: %[[E:.*]] = slice(%a) {limit = [1, 3], start = [0, 0]} : f32[1,3]
  // CHECK-NEXT: collective_permute(%[[E]]) {axes = ["x"], shift = -1} : f32[1,3]
  // CHECK: %shifted = slice({{.*}}) {limit = [3, 3], start = [0, 0], stride = [2, 1]} : f32[2,3]
  // CHECK-NOT: all_gather
  %shifted = slice(%a) {start = [2, 0], limit = [16, 3], stride = [2, 1]} : f32[7,3]
  return %odd, %shifted
}
// SIM: check: {{.*}} PASS
