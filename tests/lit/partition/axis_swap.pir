// Swapping the axes of two dimensions, [{"a"},{"b"}] -> [{"b"},{"a"}], without full
// replication: each dimension waits for the other's axis, so the ladder gathers the
// smaller axis ("a", 2 devices) out of dimension 0, moves "b" from dimension 1 to 0 with one
// all_to_all, and slices dimension 1 by "a" locally. The largest intermediate is half the
// array, and there is no warning.
// RUN: partita-opt %s --partition 2>&1 | FileCheck %s
// RUN: partita-run %s --simulate --check 2>&1 | FileCheck %s --check-prefix=SIM
mesh @mesh = <["a"=2, "b"=3]>

// CHECK-NOT: warning
// CHECK-LABEL: func @main
func @main(%x: f32[6,6] {sharding = <@mesh, [{"a"}, {"b"}]>}, %z: f32[6,4,6] {sharding = <@mesh, [{"a"}, {}, {"b"}]>},
           %p: f32[6,4] {sharding = <@mesh, [{"a"}, {}]>}) -> (f32[6,6], f32[6,4,6], f32[6,4]) {
  // CHECK: %[[G:.*]] = all_gather(%x) {axes = ["a"], dim = 0} : f32[6,2]
  // CHECK-NEXT: %[[T:.*]] = all_to_all(%[[G]]) {axes = ["b"], concat_dim = 1, split_dim = 0} : f32[2,6]
  // CHECK: %[[I:.*]] = axis_index() {axis = "a"} : i32[]
  // CHECK: dynamic_slice(%[[T]], %{{.*}}, %{{.*}}) {sizes = [2, 3]} : f32[2,3]
  // CHECK-NOT: all_gather
  %y = sharding_constraint(%x) {sharding = <@mesh, [{"b"}, {"a"}]>} : f32[6,6]
  // A three-way rotation [{"a"},{},{"b"}] -> [{"b"},{"a"},{}]: "a" has a free place in
  // dimension 1 (one all_to_all), then "b" moves from dimension 2 to 0 (another).
  // CHECK: all_to_all(%z) {axes = ["a"], concat_dim = 0, split_dim = 1} : f32[6,2,2]
  // CHECK-NEXT: all_to_all({{.*}}) {axes = ["b"], concat_dim = 2, split_dim = 0} : f32[2,2,6]
  // CHECK-NOT: all_gather
  %w = sharding_constraint(%z) {sharding = <@mesh, [{"b"}, {"a"}, {}]>} : f32[6,4,6]
  // [{"a"},{}] -> [{"b"},{}]: gathering "a" would replicate the whole array, so "a" is
  // parked in dimension 1 (all_to_all), dimension 0 is sliced by "b", and "a" is gathered
  // from the smaller value.
  // CHECK: %[[P:.*]] = all_to_all(%p) {axes = ["a"], concat_dim = 0, split_dim = 1} : f32[6,2]
  // CHECK: %[[S:.*]] = dynamic_slice(%[[P]], {{.*}}) {sizes = [2, 2]} : f32[2,2]
  // CHECK-NEXT: all_gather(%[[S]]) {axes = ["a"], dim = 1} : f32[2,4]
  %q = sharding_constraint(%p) {sharding = <@mesh, [{"b"}, {}]>} : f32[6,4]
  return %y, %w, %q
}
// SIM: check: {{.*}} PASS
