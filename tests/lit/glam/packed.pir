// partita-glam --packed: the batch arguments and their attributes, and tiny packed GLaMs
// (several documents per row, padding, a row of padding alone; batches written by
// Inputs/packed_batch.py) partitioned on 2x2 and 4x2 meshes, even and uneven, f32 and
// bf16, matching the unpartitioned reference under --simulate; and its gradients.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 --packed -o %t.even22.pir
// RUN: FileCheck %s --check-prefix=ARGS < %t.even22.pir
// RUN: rm -rf %t.in48 && python3 %S/Inputs/packed_batch.py %t.in48 4 8 64 1
// RUN: partita-run %t.even22.pir --inputs %t.in48 --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=4,model=2 --packed -o %t.even42.pir
// RUN: partita-run %t.even42.pir --inputs %t.in48 --simulate --check | FileCheck %s
// Uneven: 3 heads, 3 experts, groups of 6 tokens cutting rows of 9, capacity factor 1.
// RUN: rm -rf %t.in39 && python3 %S/Inputs/packed_batch.py %t.in39 3 9 37 2
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 9 --groups 3 --capacity-factor 1.0 --mesh data=2,model=2 --packed -o %t.uneven22.pir
// RUN: partita-run %t.uneven22.pir --inputs %t.in39 --simulate --check | FileCheck %s
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 9 --groups 3 --capacity-factor 1.0 --mesh data=4,model=2 --packed -o %t.uneven42.pir
// RUN: partita-run %t.uneven42.pir --inputs %t.in39 --simulate --check | FileCheck %s
// bf16 with 128 tokens (see docs/glam.md on near-tied routing under bf16).
// RUN: rm -rf %t.in816 && python3 %S/Inputs/packed_batch.py %t.in816 8 16 64 3
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 8 --seq 16 --activations=bf16 --mesh data=2,model=2 --packed -o %t.bf22.pir
// RUN: partita-run %t.bf22.pir --inputs %t.in816 --simulate --check | FileCheck %s --check-prefix=BF16
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 8 --seq 16 --activations=bf16 --mesh data=4,model=2 --packed -o %t.bf42.pir
// RUN: partita-run %t.bf42.pir --inputs %t.in816 --simulate --check | FileCheck %s --check-prefix=BF16
// The gradients of the packed model (through the masks and the per-row bias) partition too.
// RUN: partita-opt %t.even22.pir --differentiate -o %t.grad22.pir
// RUN: partita-run %t.grad22.pir --inputs %t.in48 --simulate --check | FileCheck %s
// Generated (unstructured) segments and positions are valid inputs too.
// RUN: partita-run %t.even22.pir --simulate --check | FileCheck %s
// RUN: %not partita-glam --config 1.7B/64E --moe-layer --packed 2>&1 | FileCheck %s --check-prefix=ERR

// ARGS: func @main(%ids: i32[4,8] {bound = 64, sharding = <@mesh, [{"data"}, {}]>, train.batch = "ids"}, %labels: i32[4,8] {bound = 64, sharding = <@mesh, [{"data"}, {}]>, train.batch = "labels"}, %segments: i32[4,8] {bound = 9, sharding = <@mesh, [{"data"}, {}]>, train.batch = "segments"}, %positions: i32[4,8] {bound = 8, sharding = <@mesh, [{"data"}, {}]>, train.batch = "positions"}, %embed: f32[64,16]
// ARGS: %attend = and(
// ARGS: %real_tokens1 = max(
// CHECK: result0: f32[]
// CHECK: result1: f32[]
// CHECK: check: {{.*}} PASS
// BF16: result0: bf16[]
// BF16: result1: bf16[]
// BF16: check: {{.*}} PASS
// ERR: partita-glam: error: --packed builds the whole model; not with --moe-layer

func @main(%x: f32[2]) -> (f32[2]) {
  return %x
}
