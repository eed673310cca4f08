// Slice, pad and concatenate pass the split of a dimension whose extent they change on to
// their result (the partitioner exchanges halos there), forward and backward; a changed
// dimension of size 1 in the result is never split.
// RUN: partita-opt %s --propagate-sharding | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=2, "y"=2]>

// CHECK-LABEL: func @main
// CHECK-SAME: %b: f32[4,6] {sharding = <@mesh, [{"x"}, {"y"}]>}
func @main(%a: f32[8,6] {sharding = <@mesh, [{"x"}, {"y"}]>}, %b: f32[4,6]) -> (f32[9,6], f32[12,6], f32[1,6], f32[10,6]) {
  // CHECK: %s = slice(%a) {limit = [7, 6], sharding = <@mesh, [{"x"}, {"y"}]>, start = [1, 0], stride = [2, 1]}
  %s = slice(%a) {start = [1, 0], limit = [7, 6], stride = [2, 1]} : f32[3,6]
  // CHECK: %p = pad(%s) {high = [4, 0], low = [2, 0], sharding = <@mesh, [{"x"}, {"y"}]>, value = 0.0}
  %p = pad(%s) {low = [2, 0], high = [4, 0], value = 0.0} : f32[9,6]
  // %b gets its split from the concatenation, backwards (checked on the signature).
  // CHECK: %c = concatenate(%a, %b) {dim = 0, sharding = <@mesh, [{"x"}, {"y"}]>}
  %c = concatenate(%a, %b) {dim = 0} : f32[12,6]
  // CHECK: %one = slice(%a) {limit = [1, 6], sharding = <@mesh, [{}, {"y"}]>, start = [0, 0]}
  %one = slice(%a) {start = [0, 0], limit = [1, 6]} : f32[1,6]
  // CHECK: %q = pad(%one) {high = [9, 0], low = [0, 0], sharding = <@mesh, [{}, {"y"}]>, value = 1.0}
  %q = pad(%one) {low = [0, 0], high = [9, 0], value = 1.0} : f32[10,6]
  return %p, %c, %one, %q
}
// SIM: check: {{.*}} PASS
