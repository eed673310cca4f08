// Three operands of uneven sizes (5 + 2 + 6 = 13 over 3 devices, 5 rows each, the last one
// with two rows of padding) concatenated along their split dimension: each device builds its
// rows from halos of each operand and masks pick the operand at each position.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=3]>

// CHECK-LABEL: func @main
// CHECK-SAME: -> (f32[5,2] {global = f32[13,2], sharding = <@mesh, [{"x"}, {}]>})
func @main(%a: f32[5,2] {sharding = <@mesh, [{"x"}, {}]>}, %b: f32[2,2], %c: f32[6,2] {sharding = <@mesh, [{"x"}, {}]>})
    -> (f32[13,2] {sharding = <@mesh, [{"x"}, {}]>}) {
  // CHECK-NOT: all_gather
  // CHECK: collective_permute
  // CHECK-NOT: all_gather
  %r = concatenate(%a, %b, %c) {dim = 0} : f32[13,2]
  %e = exp(%r) : f32[13,2]
  // A reduction over the concatenated dimension must not see the padding rows.
  %s = reduce_sum(%e) {dims = [0]} : f32[2]
  %sb = broadcast_in_dim(%s) {dims = [1]} : f32[13,2]
  %y = div(%e, %sb) : f32[13,2]
  return %y
}
// SIM: check: {{.*}} PASS
