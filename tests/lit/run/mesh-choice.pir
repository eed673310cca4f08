// partita-run uses the mesh @main's shardings name, not the module's largest: this program is
// sharded over the 2-device @mesh beside a 4-device @other, so it runs on 2 simulated devices
// (and its result equals the reference's), and under `mpirun -np 2`.
// RUN: partita-run --simulate --check %s | FileCheck %s
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 2 partita-run %s --check --timeout 120 | FileCheck %s
// CHECK: check: {{.*}}PASS
mesh @mesh = <["data"=2]>
mesh @other = <["x"=4]>
func @main(%x: f32[4,8] {sharding = <@mesh, [{"data"}, {}]>}, %w: f32[8,16]) -> (f32[4,16]) {
  %h = einsum(%x, %w) {spec = "bm,mh->bh"} : f32[4,16]
  return %h
}
