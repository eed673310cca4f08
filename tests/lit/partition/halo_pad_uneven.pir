// Padding an unevenly split dimension: 10 rows over 4 devices (3 each, the last holds one
// row and two of padding) padded by 3 at the start become 13 rows (4 each). Device i needs
// global rows 4i-3 .. 4i: two rows from its left neighbour (collective_permute, shift 1),
// the rest from its own shard, cut out at an axis_index-derived offset. Rows outside
// [0, 10), including the operand's padding, take the pad value.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=4]>

// CHECK-LABEL: func @main
// CHECK-SAME: -> (f32[4,3] {global = f32[13,3], sharding = <@mesh, [{"x"}, {}]>})
func @main(%a: f32[10,3] {sharding = <@mesh, [{"x"}, {}]>}) -> (f32[13,3] {sharding = <@mesh, [{"x"}, {}]>}) {
  // CHECK-NOT: all_gather
  // CHECK: %[[EDGE:.*]] = slice(%a) {limit = [3, 3], start = [1, 0]} : f32[2,3]
  // CHECK-NEXT: %[[HALO:.*]] = collective_permute(%[[EDGE]]) {axes = ["x"], shift = 1} : f32[2,3]
  // CHECK-NEXT: %[[EXT:.*]] = concatenate(%[[HALO]], %a) {dim = 0} : f32[5,3]
  // CHECK-NEXT: %[[BUF:.*]] = pad(%[[EXT]]) {high = [1, 0], low = [1, 0], value = 0.0} : f32[7,3]
  // CHECK-NEXT: %[[I:.*]] = axis_index() {axis = "x"} : i32[]
  // CHECK: dynamic_slice(%[[BUF]], %[[I]], %{{.*}}) {sizes = [4, 3]} : f32[4,3]
  // CHECK: compare({{.*}}) {direction = "ge"}
  // CHECK: %[[HI:.*]] = constant() {value = 10} : i32[4,3]
  // CHECK-NEXT: compare(%{{.*}}, %[[HI]]) {direction = "lt"}
  // CHECK: %[[FILL:.*]] = constant() {value = 1.5} : f32[4,3]
  // CHECK-NEXT: select(%{{.*}}, %{{.*}}, %[[FILL]]) : f32[4,3]
  // CHECK-NOT: all_gather
  %c = pad(%a) {low = [3, 0], high = [0, 0], value = 1.5} : f32[13,3]
  return %c
}
// SIM: check: {{.*}} PASS
