// Tiny GLaMs (f32) partitioned on meshes of 1, 2, 4 and 8 devices match the unpartitioned
// reference interpreter under --simulate. EVEN divides every mesh axis; UNEVEN has odd
// sizes everywhere (3 heads, 3 experts, 3 groups cutting sequences, vocabulary 37, batch 3)
// and a capacity factor of 1, so tokens are dropped.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=1,model=1 -o %t.even1.pir
// RUN: partita-run %t.even1.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2 -o %t.even2.pir
// RUN: partita-run %t.even2.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh model=2 -o %t.evenm2.pir
// RUN: partita-run %t.evenm2.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 -o %t.even22.pir
// RUN: partita-run %t.even22.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=4,model=2 -o %t.even42.pir
// RUN: partita-run %t.even42.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --mesh data=1,model=1 -o %t.uneven1.pir
// RUN: partita-run %t.uneven1.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --mesh data=2 -o %t.uneven2.pir
// RUN: partita-run %t.uneven2.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --mesh model=2 -o %t.unevenm2.pir
// RUN: partita-run %t.unevenm2.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --mesh data=2,model=2 -o %t.uneven22.pir
// RUN: partita-run %t.uneven22.pir --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --mesh data=4,model=2 -o %t.uneven42.pir
// RUN: partita-run %t.uneven42.pir --simulate --check | FileCheck %s
// The data-parallel preset on the uneven model.
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --mesh data=2 --sharding=data -o %t.unevendata.pir
// RUN: partita-run %t.unevendata.pir --simulate --check | FileCheck %s

// CHECK: result0: f32[]
// CHECK: result1: f32[]
// CHECK: check: {{.*}} PASS

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
