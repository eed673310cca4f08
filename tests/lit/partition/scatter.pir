// scatter_add with the base's rows split (vocabulary-parallel update): each device shifts
// the ids into its rows; with the index dimension split instead, every device scatters its
// part, only one adds the base, and the pending sum is finished by an all_reduce.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["d"=2]>

// CHECK-LABEL: func @main
func @main(%base: f32[9,4] {sharding = <@mesh, [{"d"}, {}]>},
           %ids: i32[5] {bound = 10, sharding = <@mesh, [{}]>},
           %upd: f32[5,4] {sharding = <@mesh, [{}, {}]>},
           %base2: f32[3,4] {sharding = <@mesh, [{}, {}]>},
           %ids2: i32[9] {bound = 4, sharding = <@mesh, [{"d"}]>},
           %upd2: f32[9,4] {sharding = <@mesh, [{"d"}, {}]>})
    -> (f32[9,4] {sharding = <@mesh, [{"d"}, {}]>}, f32[3,4] {sharding = <@mesh, [{}, {}]>}) {
  // CHECK: %s = scatter_add(%base, %{{.*}}, %upd) {axis = 0} : f32[5,4]
  %s = scatter_add(%base, %ids, %upd) {axis = 0} : f32[9,4]
  // CHECK-NOT: all_gather
  // CHECK: %t = scatter_add(%{{.*}}, %{{.*}}, %{{.*}}) {axis = 0} : f32[3,4]
  // CHECK: all_reduce(%t) {axes = ["d"], reduction = "sum"} : f32[3,4]
  %t = scatter_add(%base2, %ids2, %upd2) {axis = 0} : f32[3,4]
  return %s, %t
}
// SIM: check: {{.*}} PASS
