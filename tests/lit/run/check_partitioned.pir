// An unpartitioned module with a 2x2 mesh: partitioned first, run on all four simulated
// devices and checked against the reference interpreter. Inputs are generated from the
// seed; `bound` limits the ids. Without --simulate (and outside mpirun) it is an error.
// RUN: partita-run %s --simulate --check --seed 3 | FileCheck %s
// CHECK: result0: f32[8,6]
// CHECK-NEXT: result1: f32[8,4]
// CHECK-NEXT: check: {{.*}} PASS
// RUN: not partita-run %s --check 2>&1 | FileCheck %s --check-prefix=NOSIM
// NOSIM: check_partitioned.pir:{{[0-9]+}}:{{[0-9]+}}: error: this program needs 4 devices: run it under `mpirun -np 4` or with --simulate
mesh @mesh = <["data"=2, "model"=2]>

func @main(%x: f32[8,5] {sharding = <@mesh, [{"data"}, {}]>},
           %w: f32[5,6] {sharding = <@mesh, [{}, {"model"}]>},
           %table: f32[10,4] {sharding = <@mesh, [{"model"}, {}]>},
           %ids: i32[8] {bound = 10, sharding = <@mesh, [{"data"}]>})
    -> (f32[8,6] {sharding = <@mesh, [{"data"}, {"model"}]>}, f32[8,4]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[8,6]
  %y = gelu(%h) : f32[8,6]
  %e = take(%table, %ids) {axis = 0} : f32[8,4]
  return %y, %e
}
