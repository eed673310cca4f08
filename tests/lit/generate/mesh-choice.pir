// partita-generate splits @prefill and @decode_step over the mesh their shardings name, not
// the module's largest: beside a 4-device @other, a model=2 serving module runs under
// `mpirun -np 2` with the tokens of the simulated run. The two functions on different
// meshes (even of the same shape) is a located error.
// RUN: rm -rf %t && mkdir -p %t
// RUN: partita-glam --config 1.7B/64E --layers 1 --d-model 16 --ffn 32 --heads 2 --head-dim 8 --experts 0 --vocab 257 --seq 8 --batch 1 --decode --mesh model=2 -o %t/s.pir
// RUN: sed '0,/^mesh/s//mesh @other = <["x"=4]>\nmesh/' %t/s.pir > %t/other.pir
// RUN: partita-run %t/other.pir --simulate --outputs %t/w --save-inputs > /dev/null
// RUN: partita-generate %t/other.pir --weights %t/w --prompt "abc" --max-new-tokens 3 --simulate > %t/sim.txt 2> %t/sim.err
// RUN: FileCheck %s < %t/sim.err
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 2 partita-generate %t/other.pir --weights %t/w --prompt "abc" --max-new-tokens 3 > %t/mpi.txt 2> %t/mpi.err
// RUN: FileCheck %s < %t/mpi.err
// The tokens (stdout) must agree; the summary lines (stderr) differ in their timings.
// RUN: cmp %t/sim.txt %t/mpi.txt
// A wrong process count is an error located at the mesh the program runs on (line 2):
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 not mpirun --oversubscribe -np 3 partita-generate %t/other.pir --weights %t/w --prompt "abc" --max-new-tokens 3 2>&1 | FileCheck %s --check-prefix=NP
// RUN: awk '/^func @decode_step/ { f = 1 } f { gsub(/<@mesh,/, "<@twin,") } /^}/ { f = 0 } { print } END { print "mesh @twin = <[\"model\"=2]>" }' %t/s.pir > %t/split.pir
// RUN: not partita-generate %t/split.pir --weights %t/w --prompt "abc" --max-new-tokens 3 --simulate 2>&1 | FileCheck %s --check-prefix=SPLIT

// CHECK: generate: 3 tokens, prompt 4 tokens, {{.*}} (2 devices)
// NP: other.pir:2:1: error: this program runs on 2 device(s) but mpirun started 3 process(es): use `mpirun -np 2`
// SPLIT: split.pir:{{[0-9]+}}:1: error: @decode_step and @prefill must be sharded over the same mesh
