// Replicated to split over two axes: a local dynamic_slice at an offset computed from both
// axis indices (data major), no communication.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-opt %s --partition | partita-opt | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=3]>

// CHECK-LABEL: func @main
// CHECK-SAME: -> (f32[2,5] {global = f32[12,5], sharding = <@mesh, [{"data", "model"}, {}]>}) attributes {partitioned = @mesh}
func @main(%x: f32[12,5] {sharding = <@mesh, [{}, {}]>}) -> (f32[12,5] {sharding = <@mesh, [{"data", "model"}, {}]>}) {
  // CHECK: %[[D:.*]] = axis_index() {axis = "data"} : i32[]
  // CHECK: %[[M:.*]] = axis_index() {axis = "model"} : i32[]
  // CHECK: %[[C3:.*]] = constant() {value = 3} : i32[]
  // CHECK: %[[DM:.*]] = mul(%[[D]], %[[C3]]) : i32[]
  // CHECK: %[[G:.*]] = add(%[[DM]], %[[M]]) : i32[]
  // CHECK: %[[C2:.*]] = constant() {value = 2} : i32[]
  // CHECK: %[[OFF:.*]] = mul(%[[G]], %[[C2]]) : i32[]
  // CHECK: dynamic_slice(%x, %[[OFF]], %{{.*}}) {sizes = [2, 5]} : f32[2,5]
  // CHECK-NOT: all_
  %y = abs(%x) : f32[12,5]
  return %y
}
// SIM: check: {{.*}} PASS
