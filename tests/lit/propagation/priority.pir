// Elementwise-like ops propagate before einsums: the expert split that the constraint asks
// for reaches the dispatch einsum's result, although the einsum's operands are split by
// groups on the same axis. The partitioner then computes the einsum group-local and moves
// its result with one all_to_all.
// RUN: partita-opt %s --propagate-sharding | FileCheck %s
// RUN: partita-opt %s --partition | FileCheck %s --check-prefix=PART
// RUN: partita-run %s --simulate --check | FileCheck %s --check-prefix=SIM
mesh @mesh = <["data"=2]>

func @main(%dispatch: f32[4,4,2,2] {sharding = <@mesh, [{"data"}, {}, {}, {}]>},
           %x: f32[4,4,8] {sharding = <@mesh, [{"data"}, {}, {}]>}) -> (f32[2,4,2,8]) {
  // CHECK: %e = einsum(%dispatch, %x) {sharding = <@mesh, [{"data"}, {}, {}, {}]>, spec = "gsec,gsm->egcm"}
  %e = einsum(%dispatch, %x) {spec = "gsec,gsm->egcm"} : f32[2,4,2,8]
  %g = gelu(%e) : f32[2,4,2,8]
  %r = sharding_constraint(%g) {sharding = <@mesh, [{"data"}, {}, {}, {}]>} : f32[2,4,2,8]
  return %r
}
// PART: %e = einsum(%dispatch, %x) {spec = "gsec,gsm->egcm"} : f32[2,2,2,8]
// PART-NEXT: all_to_all(%e) {axes = ["data"], concat_dim = 1, split_dim = 0} : f32[1,4,2,8]
// PART-NOT: all_gather
// SIM: check: {{.*}} PASS
