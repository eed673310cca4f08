// partita-train --async-collectives: the step's collectives start early and are awaited late
// (pass async-collectives), which moves no arithmetic: the losses are bitwise those of the
// blocking step, simulated and on 2 MPI ranks, and --check still passes.
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf 'the quick brown fox jumps over the lazy dog\n\nanother document\n' > %t/d.txt
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 257 --batch 4 --seq 8 --train --mesh data=2 -o %t/step.pir
// RUN: partita-train %t/step.pir --data %t/d.txt --steps 3 --simulate --no-progress --log %t/blocking.log
// RUN: partita-train %t/step.pir --data %t/d.txt --steps 3 --simulate --no-progress --log %t/async.log --async-collectives --check | FileCheck %s
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 2 partita-train %t/step.pir --data %t/d.txt --steps 3 --no-progress --log %t/mpi.log --async-collectives --max-in-flight 1
// RUN: sed 's/, "tokens_per_s.*//' %t/blocking.log > %t/blocking.losses
// RUN: sed 's/, "tokens_per_s.*//' %t/async.log > %t/async.losses
// RUN: sed 's/, "tokens_per_s.*//' %t/mpi.log > %t/mpi.losses
// RUN: cmp %t/blocking.losses %t/async.losses
// RUN: cmp %t/blocking.losses %t/mpi.losses
// RUN: not partita-train %t/step.pir --data %t/d.txt --steps 1 --simulate --async-collectives --max-in-flight 0 2>&1 | FileCheck %s --check-prefix=ZERO

// CHECK: check: {{.*}}PASS
// CHECK: step 3/3 loss
// ZERO: partita-train: error: --max-in-flight needs an integer >= 1, got '0'
