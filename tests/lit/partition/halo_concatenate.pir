// Concatenating along a split dimension keeps it split: with 2 devices along "x", device
// 0's half of the result is all of %a and device 1's is all of %b, so each operand's shard
// moves to the neighbour that needs it (collective_permute both ways; the ring form sends
// each device's shard once per shift) and a position mask picks the operand. The "y"
// split of the other dimension is untouched.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=2, "y"=2]>

// CHECK-LABEL: func @main
func @main(%a: f32[8,6] {sharding = <@mesh, [{"x"}, {"y"}]>}, %b: f32[8,6] {sharding = <@mesh, [{"x"}, {"y"}]>})
    -> (f32[16,6] {sharding = <@mesh, [{"x"}, {"y"}]>}) {
  // CHECK-NOT: all_gather
  // CHECK: collective_permute(%a) {axes = ["x"], shift = -1} : f32[4,3]
  // CHECK: dynamic_slice({{.*}}) {sizes = [8, 3]} : f32[8,3]
  // CHECK: collective_permute(%b) {axes = ["x"], shift = 1} : f32[4,3]
  // CHECK: dynamic_slice({{.*}}) {sizes = [8, 3]} : f32[8,3]
  // CHECK: %c = select({{.*}}) : f32[8,3]
  // CHECK-NOT: all_gather
  %c = concatenate(%a, %b) {dim = 0} : f32[16,6]
  return %c
}
// SIM: check: {{.*}} PASS
