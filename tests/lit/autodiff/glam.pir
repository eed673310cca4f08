// GLaM's gradients: partita-glam marks every parameter trainable, the autodiff pass
// differentiates the loss, and the partitioned backward program matches the unpartitioned
// reference on every mesh, even and uneven, simulated and under mpirun. The backward of
// the MoE dispatch and combine all_to_alls over "data" are all_to_alls over "data".
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 | partita-opt - --pipeline=autodiff -o %t.22.pir
// RUN: partita-run %t.22.pir --simulate --check | FileCheck %s --check-prefix=PASS
// RUN: partita-opt %t.22.pir --partition | FileCheck %s --check-prefix=PART
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 4 partita-run %t.22.pir --check --timeout 300 | FileCheck %s --check-prefix=PASS
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 | partita-opt - --pipeline=autodiff | partita-run - --check | FileCheck %s --check-prefix=PASS
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2 | partita-opt - --pipeline=autodiff -o %t.d2.pir
// RUN: partita-run %t.d2.pir --simulate --check | FileCheck %s --check-prefix=PASS
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 2 partita-run %t.d2.pir --check --timeout 300 | FileCheck %s --check-prefix=PASS
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=1,model=2 | partita-opt - --pipeline=autodiff -o %t.m2.pir
// RUN: partita-run %t.m2.pir --simulate --check | FileCheck %s --check-prefix=PASS
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 2 partita-run %t.m2.pir --check --timeout 300 | FileCheck %s --check-prefix=PASS
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --mesh data=4,model=2 | partita-opt - --pipeline=autodiff -o %t.42.pir
// RUN: partita-run %t.42.pir --simulate --check | FileCheck %s --check-prefix=PASS
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 8 partita-run %t.42.pir --check --timeout 300 | FileCheck %s --check-prefix=PASS

// bf16 activations: the f32 gradients are computed through bf16 values, so --check uses
// bf16's tolerance for them (ir/Accuracy.h).
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 8 --seq 16 --activations=bf16 --mesh data=2,model=2 | partita-opt - --differentiate -o %t.bf22.pir
// RUN: partita-run %t.bf22.pir --simulate --check | FileCheck %s --check-prefix=PASS
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 4 partita-run %t.bf22.pir --check --timeout 300 | FileCheck %s --check-prefix=PASS
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --activations=bf16 --mesh data=4,model=2 | partita-opt - --differentiate -o %t.bf42.pir
// RUN: partita-opt %t.bf42.pir --partition --stats-json=- -o /dev/null | FileCheck %s --check-prefix=STATS
// RUN: partita-run %t.bf42.pir --simulate --check | FileCheck %s --check-prefix=PASS
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 8 partita-run %t.bf42.pir --check --timeout 300 | FileCheck %s --check-prefix=PASS

// PASS: check: {{.*}} PASS
// STATS: "devices": 8

// PART: attributes {partitioned = @mesh}
// PART-COUNT-4: all_to_all({{.*}}) {axes = ["data"]
// PART-NOT: all_to_all({{.*}}) {axes = ["data"]
