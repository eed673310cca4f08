// partita-train splits the step over the mesh @main's shardings name, not the module's
// largest: beside a 4-device @other, a step sharded over data=2 trains on 2 devices
// (simulated and under `mpirun -np 2`) with the losses of the unpartitioned step. A step
// with no sharding in a module of several meshes is a located error.
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf 'the quick brown fox jumps over the lazy dog\n\nanother document\n' > %t/d.txt
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 257 --batch 4 --seq 8 --train --mesh data=2 -o %t/two.pir
// RUN: sed '0,/^mesh/s//mesh @other = <["x"=4]>\nmesh/' %t/two.pir > %t/other.pir
// RUN: partita-train %t/other.pir --data %t/d.txt --steps 2 --simulate --check --no-progress --log %t/sim.log | FileCheck %s
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 2 partita-train %t/other.pir --data %t/d.txt --steps 2 --no-progress --log %t/mpi.log | FileCheck %s
// RUN: sed 's/, "tokens_per_s.*//' %t/sim.log > %t/sim.losses
// RUN: sed 's/, "tokens_per_s.*//' %t/mpi.log > %t/mpi.losses
// RUN: cmp %t/sim.losses %t/mpi.losses
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 257 --batch 4 --seq 8 --train -o %t/one.pir
// RUN: sed '0,/^func/s//mesh @a = <["x"=2]>\nmesh @b = <["y"=4]>\nfunc/' %t/one.pir > %t/none.pir
// RUN: not partita-train %t/none.pir --data %t/d.txt --steps 1 --simulate 2>&1 | FileCheck %s --check-prefix=NONE

// CHECK: step 2/2 loss
// NONE: none.pir:3:1: error: function @main has no sharding to choose among the meshes @a, @b; annotate a value with a sharding over the mesh to run on
// NONE-NOT: error
