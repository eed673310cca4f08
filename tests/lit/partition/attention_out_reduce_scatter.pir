// The attention output projection of a GLaM/Megatron layer, bsnk,nkm->bsm, with the heads
// n split over "model" in both the attention output %o and the weight %wo, and the result
// wanted split on m over "model". Like GSPMD, the partitioner contracts locally (both
// operands stay in place) and reduce_scatters the partial sums onto m. The alternative,
// all-gathering %o over heads and moving the weight from n to m with an all_to_all, moves
// more bytes on the wire (an all_gather receives n-1 times its operand) and would reshard
// a weight every step.
// RUN: partita-opt %s --partition | FileCheck %s
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2, "model"=2]>

// CHECK-LABEL: func @main
func @main(%o: f32[4,64,4,16] {sharding = <@mesh, [{"data"}, {}, {"model"}, {}]>},
           %wo: f32[4,16,64] {sharding = <@mesh, [{"model"}, {}, {}]>})
    -> (f32[4,64,64] {sharding = <@mesh, [{"data"}, {}, {"model"}]>}) {
  // CHECK-NOT: all_to_all
  // CHECK-NOT: all_gather
  // CHECK: %out = einsum(%o, %wo) {spec = "bsnk,nkm->bsm"} : f32[2,64,64]
  // CHECK-NEXT: reduce_scatter(%out) {axes = ["model"], dim = 2, reduction = "sum"} : f32[2,64,32]
  // CHECK-NOT: all_to_all
  // CHECK-NOT: all_gather
  %out = einsum(%o, %wo) {spec = "bsnk,nkm->bsm"} : f32[4,64,64]
  return %out
}
// SIM: check: {{.*}} PASS
