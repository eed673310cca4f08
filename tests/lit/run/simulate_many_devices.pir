// --simulate on very large meshes: 100000 devices run (both engines, checked against the
// unpartitioned reference); beyond what one process can hold the run is refused up front
// with a located error, and --timeout ends a slow simulation. Never a signal.
// RUN: partita-run %s --simulate --check --no-cache --timeout 300 | FileCheck %s
// RUN: partita-run %s --simulate --engine=interp --check --timeout 300 | FileCheck %s
// CHECK: check: {{.*}} PASS
// RUN: not partita-run %S/Inputs/simulate_2m.pir.in --simulate --timeout 5 2>&1 | FileCheck %s --check-prefix=LIMIT
// RUN: not partita-run %S/Inputs/simulate_2m.pir.in --simulate --engine=interp 2>&1 | FileCheck %s --check-prefix=LIMIT
// LIMIT: simulate_2m.pir.in:2:1: error: --simulate runs at most 1048576 devices in one process; mesh @mesh has 2000000 (run it under mpirun, one rank per device)
// RUN: not partita-run %S/Inputs/simulate_huge.pir.in --simulate 2>&1 | FileCheck %s --check-prefix=MEM
// RUN: not partita-run %S/Inputs/simulate_huge.pir.in --simulate --engine=interp 2>&1 | FileCheck %s --check-prefix=MEM
// MEM: simulate_huge.pir.in:2:1: error: simulating the 1000 devices of mesh @mesh needs about {{[0-9.]+}} GiB ({{[0-9]+}} bytes per device), more than the {{[0-9.]+}} GiB available (run it under mpirun)
// RUN: not partita-run %S/Inputs/allreduce_100k.pir.in --simulate --no-cache 2>&1 | FileCheck %s --check-prefix=THREADS
// THREADS: error: the JIT engine simulates a program with collectives as one thread per device, at most 4096; mesh @mesh has 100000 devices (use --engine=interp, or mpirun)
// RUN: not partita-run %S/Inputs/allreduce_100k.pir.in --simulate --engine=interp --timeout 1 2>&1 | FileCheck %s --check-prefix=TIMEOUT
// TIMEOUT: partita-run: error: the simulation did not finish within 1 s (--timeout)
mesh @mesh = <["data"=100000]>
func @main(%x: f32[4] {sharding = <@mesh, [{"data"}]>}) -> (f32[4]) {
  %y = exp(%x) : f32[4]
  return %y
}
