// Halo or all_gather is a cost decision (bytes on the wire). Annotated whole, a
// concatenation along a split dimension gathers its operands and concatenates locally: the
// halos would leave a split result that still had to be gathered. Left split, the same
// concatenation of other operands exchanges halos instead. A third one reuses the gathered
// operands of the first: resharding already done costs nothing, so it slices locally.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["x"=4]>

// CHECK-LABEL: func @main
func @main(%a: f32[16,2] {sharding = <@mesh, [{"x"}, {}]>}, %b: f32[16,2] {sharding = <@mesh, [{"x"}, {}]>},
           %c: f32[16,2] {sharding = <@mesh, [{"x"}, {}]>}, %d: f32[16,2] {sharding = <@mesh, [{"x"}, {}]>})
    -> (f32[32,2] {sharding = <@mesh, [{}, {}]>}, f32[32,2] {sharding = <@mesh, [{"x"}, {}]>}, f32[32,2] {sharding = <@mesh, [{"x"}, {}]>}) {
  // CHECK-NOT: collective_permute
  // CHECK: %[[A:.*]] = all_gather(%a) {axes = ["x"], dim = 0} : f32[16,2]
  // CHECK: %[[B:.*]] = all_gather(%b) {axes = ["x"], dim = 0} : f32[16,2]
  // CHECK: %whole = concatenate(%[[A]], %[[B]]) {dim = 0} : f32[32,2]
  %whole = concatenate(%a, %b) {dim = 0, sharding = <@mesh, [{}, {}]>} : f32[32,2]
  // CHECK-NOT: all_gather
  // CHECK: collective_permute(%c)
  // CHECK: collective_permute(%d)
  // CHECK: %split = select({{.*}}) : f32[8,2]
  %split = concatenate(%c, %d) {dim = 0} : f32[32,2]
  // CHECK-NOT: collective_permute
  // CHECK: dynamic_slice(%whole, {{.*}}) {sizes = [8, 2]} : f32[8,2]
  // CHECK-NOT: all_gather
  %again = concatenate(%a, %b) {dim = 0} : f32[32,2]
  return %whole, %split, %again
}
// SIM: check: {{.*}} PASS
