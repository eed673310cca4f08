// partita-glam --train options: the step returns f32 losses even with bf16 activations,
// --lr/--warmup-steps land in @main's attributes, and misuse is a one-line error.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --activations=bf16 --train --lr 0.003 --warmup-steps 7 | FileCheck %s
// RUN: not partita-glam --config 1.7B/64E --lr 0.1 2>&1 | FileCheck %s --check-prefix=LR
// RUN: not partita-glam --config 1.7B/64E --experts 4 --moe-layer --train 2>&1 | FileCheck %s --check-prefix=MOE
// RUN: not partita-glam --config 1.7B/64E --train --lr abc 2>&1 | FileCheck %s --check-prefix=BADLR
// RUN: not partita-glam --config 1.7B/64E --train --warmup-steps -3 2>&1 | FileCheck %s --check-prefix=BADW
// --remat=layer only records the request in @main's attributes (partitioning applies it);
// --remat=none writes no attribute.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --train --remat=layer | FileCheck %s --check-prefix=REMAT
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --train --remat=none | FileCheck %s --check-prefix=NOREMAT
// RUN: not partita-glam --config 1.7B/64E --remat=layer 2>&1 | FileCheck %s --check-prefix=REMATTRAIN
// RUN: not partita-glam --config 1.7B/64E --train --remat=all 2>&1 | FileCheck %s --check-prefix=BADREMAT
// The forward model without --train is unchanged: no train.* attributes, bf16 losses.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --activations=bf16 | FileCheck %s --check-prefix=FWD

// CHECK: func @main(%embed: f32[64,16] {train.init = "uniform:1", trainable = true}
// CHECK-SAME: -> (f32[], f32[], f32[64,16] {train.next = "embed"}
// CHECK-SAME: adafactor.lr = 0.003, adafactor.min_dim_to_factor = 1, adafactor.warmup_steps = 7}
// LR: partita-glam: error: --lr needs --train
// MOE: partita-glam: error: --train builds the whole model; drop --moe-layer
// BADLR: partita-glam: error: --lr needs a positive number, got 'abc'
// BADW: partita-glam: error: --warmup-steps needs a non-negative integer, got '-3'
// REMAT: adafactor.warmup_steps = 10000, remat = "layer"}
// NOREMAT-NOT: remat
// REMATTRAIN: partita-glam: error: --remat needs --train
// BADREMAT: partita-glam: error: --remat must be none or layer, got 'all'
// FWD: func @main(%ids
// FWD-NOT: train.
// FWD-SAME: -> (bf16[], bf16[])
