// Einsum factors are its letters: a batch split flows to the result, a contracting split
// flows between the operands, and an output annotation flows back to the weights.
// RUN: partita-opt %s --propagate-sharding | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main
// CHECK-SAME: %w: f32[16,32] {sharding = <@mesh, [{}, {"model"}]>}
// CHECK-SAME: %v: f32[32,16] {sharding = <@mesh, [{"model"}, {}]>}
func @main(%x: f32[8,16] {sharding = <@mesh, [{"data"}, {}]>}, %w: f32[16,32], %v: f32[32,16])
    -> (f32[8,16]) {
  // CHECK: %h = einsum(%x, %w) {sharding = <@mesh, [{"data"}, {"model"}]>
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[8,32]
  %hc = sharding_constraint(%h) {sharding = <@mesh, [{"data"}, {"model"}]>} : f32[8,32]
  // CHECK: %o = einsum(%hc, %v) {sharding = <@mesh, [{"data"}, {}]>
  %o = einsum(%hc, %v) {spec = "bh,hm->bm"} : f32[8,16]
  return %o
}
// SIM: check: {{.*}} PASS
