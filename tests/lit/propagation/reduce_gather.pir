// Reductions keep the splits of kept dims; take maps the ids' splits into the result;
// one_hot's ids splits reach its result; cumsum and argmax keep their non-scanned dims.
// RUN: partita-opt %s --propagate-sharding | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[8,6,4] {sharding = <@mesh, [{"data"}, {}, {"model"}]>},
           %table: f32[10,4] {sharding = <@mesh, [{"model"}, {}]>},
           %ids: i32[8,3] {bound = 10, sharding = <@mesh, [{"data"}, {}]>}) -> (f32[8,4], f32[8,3,4], f32[8,6,4], i32[8,4], f32[8,4,6]) {
  // CHECK: %s = reduce_sum(%x) {dims = [1], sharding = <@mesh, [{"data"}, {"model"}]>}
  %s = reduce_sum(%x) {dims = [1]} : f32[8,4]
  // CHECK: %e = take(%table, %ids) {axis = 0, sharding = <@mesh, [{"data"}, {}, {}]>}
  %e = take(%table, %ids) {axis = 0} : f32[8,3,4]
  // CHECK: %c = cumsum(%x) {dim = 1, sharding = <@mesh, [{"data"}, {}, {"model"}]>}
  %c = cumsum(%x) {dim = 1} : f32[8,6,4]
  // CHECK: %i = argmax(%x) {dim = 1, sharding = <@mesh, [{"data"}, {"model"}]>}
  %i = argmax(%x) {dim = 1} : i32[8,4]
  // CHECK: %o = one_hot(%i) {axis = 2, depth = 6, sharding = <@mesh, [{"data"}, {"model"}, {}]>}
  %o = one_hot(%i) {axis = 2, depth = 6} : f32[8,4,6]
  return %s, %e, %c, %i, %o
}
// SIM: check: {{.*}} PASS
