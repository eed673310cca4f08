// --profile times every root of the compiled program (the broadcast is fused into the
// division, so 4 of the 5 ops are roots): per op kind with counts and the einsum's
// GFLOP/s, then the slowest ops by name and type; the results are printed as usual.
// RUN: partita-run %s --no-cache --profile 2>&1 | FileCheck %s
// CHECK-DAG: result0: f32[64,80] {{.*}} sum=64
// CHECK-DAG: profile: {{[0-9.]+}} ms in 4 ops (per run, 1 run)
// CHECK-DAG: profile: op kind count ms share GFLOP/s
// CHECK-DAG: profile: einsum 1 {{[0-9.]+ +[0-9.]+% +[0-9.]+$}}
// CHECK-DAG: profile: exp 1 {{[0-9.]+ +[0-9.]+%$}}
// CHECK-DAG: profile: reduce_sum 1 {{[0-9.]+ +[0-9.]+%$}}
// CHECK-DAG: profile: div 1 {{[0-9.]+ +[0-9.]+%$}}
// CHECK-DAG: profile: slowest ops:
// CHECK-DAG: profile: {{[0-9.]+}} ms {{[0-9.]+}}% einsum %y : f32[64,80] {{[0-9.]+}} GFLOP/s
// CHECK-DAG: profile: {{[0-9.]+}} ms {{[0-9.]+}}% reduce_sum %s : f32[64]
// CHECK-NOT: broadcast_in_dim
func @main(%a: f32[64,96], %b: f32[96,80]) -> (f32[64,80]) {
  %y = einsum(%a, %b) {spec = "ij,jk->ik"} : f32[64,80]
  %e = exp(%y) : f32[64,80]
  %s = reduce_sum(%e) {dims = [1]} : f32[64]
  %sb = broadcast_in_dim(%s) {dims = [0]} : f32[64,80]
  %p = div(%e, %sb) : f32[64,80]
  return %p
}
