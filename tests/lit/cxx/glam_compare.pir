// examples/cxx/glam_block.cpp against partita-glam on the same weights: partita-glam's
// 2-layer model (a dense and an MoE layer) generates its tokens and weights from a seed,
// the C++ model reads them under its parameter names ('.' spelled '_'), and both losses
// must agree, with the C++ model partitioned on 4 simulated devices and on 4 MPI ranks.
// Two seeds; a capacity factor of 1.0 drops tokens at the experts' buffers.
// RUN: rm -rf %t.d && mkdir -p %t.d
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 2 --head-dim 8 --experts 4 --vocab 32 --batch 4 --seq 8 --capacity-factor 1.0 -o %t.d/glam.pir
// RUN: partita-import-cxx %S/../../../examples/cxx/glam_block.cpp -o %t.d/cxx.pir
//
// RUN: partita-run %t.d/glam.pir --seed 7 --outputs %t.d/glam7 --save-inputs
// RUN: python3 %S/Inputs/npy_tools.py rename %t.d/glam7 %t.d/w7 | FileCheck %s --check-prefix=RENAME
// RUN: partita-run %t.d/cxx.pir --simulate --check --inputs %t.d/w7 --outputs %t.d/cxx7 | FileCheck %s --check-prefix=CHECK
// RUN: python3 %S/Inputs/npy_tools.py compare %t.d/glam7/result0.npy %t.d/cxx7/result0.npy | FileCheck %s --check-prefix=SAME
// RUN: python3 %S/Inputs/npy_tools.py compare %t.d/glam7/result1.npy %t.d/cxx7/result1.npy | FileCheck %s --check-prefix=SAME
//
// RUN: partita-run %t.d/glam.pir --seed 1 --outputs %t.d/glam1 --save-inputs
// RUN: python3 %S/Inputs/npy_tools.py rename %t.d/glam1 %t.d/w1 | FileCheck %s --check-prefix=RENAME
// RUN: partita-run %t.d/cxx.pir --simulate --check --inputs %t.d/w1 --outputs %t.d/cxx1 | FileCheck %s --check-prefix=CHECK
// RUN: python3 %S/Inputs/npy_tools.py compare %t.d/glam1/result0.npy %t.d/cxx1/result0.npy | FileCheck %s --check-prefix=SAME
// RUN: python3 %S/Inputs/npy_tools.py compare %t.d/glam1/result1.npy %t.d/cxx1/result1.npy | FileCheck %s --check-prefix=SAME
//
// The per-device program that `partita-import-cxx | partita-opt --partition` prints, on 4
// MPI ranks (rank 0 writes the results); and the imported module itself under mpirun with
// --check against the reference interpreter.
// RUN: partita-import-cxx %S/../../../examples/cxx/glam_block.cpp | partita-opt --partition -o %t.d/part.pir
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 4 partita-run %t.d/part.pir --inputs %t.d/w7 --outputs %t.d/mpi7 --timeout 300
// RUN: python3 %S/Inputs/npy_tools.py compare %t.d/glam7/result0.npy %t.d/mpi7/result0.npy | FileCheck %s --check-prefix=SAME
// RUN: python3 %S/Inputs/npy_tools.py compare %t.d/glam7/result1.npy %t.d/mpi7/result1.npy | FileCheck %s --check-prefix=SAME
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 4 partita-run %t.d/cxx.pir --check --inputs %t.d/w1 --timeout 300 | FileCheck %s --check-prefix=CHECK

// RENAME: rename: 24 arrays
// CHECK: check: {{.*}} PASS
// SAME: compare: max_abs_err={{.*}} PASS
