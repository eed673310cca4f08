// Shift by one along a split dimension (slice off the first row, pad one at the end), as
// convolutions and relative positions do: the dimension stays split and each device gets
// one row from its right-hand neighbour with a collective_permute (a ring shift of -1
// along "x"); the padded row is masked to the pad value. Nothing is all-gathered.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-opt %s --partition | partita-opt | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=4]>

// CHECK-LABEL: func @main
// CHECK-SAME: (%a: f32[4,8] {global = f32[16,8], sharding = <@mesh, [{"x"}, {}]>})
func @main(%a: f32[16,8] {sharding = <@mesh, [{"x"}, {}]>}) -> (f32[16,8] {sharding = <@mesh, [{"x"}, {}]>}) {
  // CHECK-NOT: all_gather
  // CHECK: %[[EDGE:.*]] = slice(%a) {limit = [1, 8], start = [0, 0]} : f32[1,8]
  // CHECK-NEXT: %[[HALO:.*]] = collective_permute(%[[EDGE]]) {axes = ["x"], shift = -1} : f32[1,8]
  // CHECK-NEXT: %[[EXT:.*]] = concatenate(%a, %[[HALO]]) {dim = 0} : f32[5,8]
  // CHECK-NEXT: %[[WIN:.*]] = slice(%[[EXT]]) {limit = [5, 8], start = [1, 0]} : f32[4,8]
  %s = slice(%a) {start = [1, 0], limit = [16, 8]} : f32[15,8]
  // The last row (global position 15) is padding: positions >= 15 take the pad value.
  // CHECK: %[[C15:.*]] = constant() {value = 15} : i32[4,8]
  // CHECK-NEXT: %[[OK:.*]] = compare(%{{.*}}, %[[C15]]) {direction = "lt"} : i1[4,8]
  // CHECK: select(%[[OK]], %[[WIN]], %{{.*}}) : f32[4,8]
  %p = pad(%s) {low = [0, 0], high = [1, 0], value = 0.0} : f32[16,8]
  // CHECK-NOT: all_gather
  %y = sub(%p, %a) : f32[16,8]
  return %y
}
// SIM: check: {{.*}} PASS
