// Elementwise ops carry a sharding forward and backward; annotations never change.
// RUN: partita-opt %s --propagate-sharding | FileCheck %s
// RUN: partita-opt %s --propagate-sharding | partita-opt | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main
func @main(%x: f32[8,16] {sharding = <@mesh, [{"data"}, {}]>}, %y: f32[8,16])
    -> (f32[8,16] {sharding = <@mesh, [{}, {"model"}]>}) {
  // CHECK: %a = exp(%x) {sharding = <@mesh, [{"data"}, {"model"}]>}
  %a = exp(%x) : f32[8,16]
  // CHECK: %b = add(%a, %y) {sharding = <@mesh, [{"data"}, {"model"}]>}
  %b = add(%a, %y) : f32[8,16]
  // CHECK: return %b
  return %b
}
// SIM: check: {{.*}} PASS
