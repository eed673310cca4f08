// partita-glam --train: the tiny GLaM's Adafactor step, partitioned against the reference
// on 2x2 and an uneven 4x2 mesh (simulated) and under mpirun -np 4, for two chained steps
// (the second with a real second-moment state). On 2x2 no device holds a whole expert's
// state: v_row keeps the experts' "data" split, v_col also the "model" split of H.
// RUN: partita-glam --config 1.7B/64E --layers 2 --d-model 16 --ffn 32 --heads 4 --head-dim 4 --experts 4 --vocab 64 --batch 4 --seq 8 --mesh data=2,model=2 --train --lr 0.05 --warmup-steps 1 -o %t.22.pir
// RUN: FileCheck %s --check-prefix=STEP < %t.22.pir
// RUN: partita-opt %t.22.pir --partition | FileCheck %s --check-prefix=LOCAL
// RUN: rm -rf %t.d && python3 %S/Inputs/feed.py step %t.d/in 0
// RUN: partita-run %t.22.pir --simulate --check --inputs %t.d/in --outputs %t.d/out1 --save-inputs | FileCheck %s --check-prefix=PASS
// RUN: python3 %S/Inputs/feed.py next %t.22.pir %t.d/out1 %t.d/in | FileCheck %s --check-prefix=FED
// RUN: partita-run %t.22.pir --simulate --check --inputs %t.d/in | FileCheck %s --check-prefix=PASS
// RUN: env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 4 partita-run %t.22.pir --check --inputs %t.d/in --timeout 300 | FileCheck %s --check-prefix=PASS
// RUN: partita-glam --config 1.7B/64E --layers 3 --d-model 12 --ffn 20 --heads 3 --head-dim 4 --experts 3 --vocab 37 --batch 3 --seq 6 --groups 3 --capacity-factor 1.0 --mesh data=4,model=2 --train -o %t.42.pir
// RUN: rm -rf %t.e && python3 %S/Inputs/feed.py step %t.e/in 0
// RUN: partita-run %t.42.pir --simulate --check --inputs %t.e/in --outputs %t.e/out1 --save-inputs | FileCheck %s --check-prefix=PASS
// RUN: python3 %S/Inputs/feed.py next %t.42.pir %t.e/out1 %t.e/in
// RUN: partita-run %t.42.pir --simulate --check --inputs %t.e/in | FileCheck %s --check-prefix=PASS

// STEP-LABEL: func @main(%embed: f32[64,16] {sharding = <@mesh, [{"model"}, {}]>, train.init = "uniform:1", trainable = true},
// STEP-SAME: %layer0.attn_norm.scale: f32[16] {sharding = <@mesh, [{"model"}]>, train.init = "ones", trainable = true},
// STEP-SAME: %layer0.attn.wq: f32[16,4,4] {sharding = <@mesh, [{}, {"model"}, {}]>, train.init = "uniform:0.25", trainable = true},
// STEP-SAME: %layer0.attn.rel_bias: f32[4,32] {sharding = <@mesh, [{"model"}, {}]>, train.init = "zeros", trainable = true},
// STEP-SAME: %final_norm.scale: f32[16] {sharding = <@mesh, [{"model"}]>, train.init = "ones", trainable = true},
// STEP-SAME: %embed.v_row: f32[16] {sharding = <@mesh, [{}]>, train.init = "zeros", train.state = "embed"},
// STEP-SAME: %embed.v_col: f32[64] {sharding = <@mesh, [{"model"}]>, train.init = "zeros", train.state = "embed"},
// STEP-SAME: %layer0.attn_norm.scale.v: f32[16] {sharding = <@mesh, [{"model"}]>, train.init = "zeros", train.state = "layer0.attn_norm.scale"},
// STEP-SAME: %final_norm.scale.v: f32[16] {sharding = <@mesh, [{"model"}]>, train.init = "zeros", train.state = "final_norm.scale"},
// STEP-SAME: %step: i32[] {sharding = <@mesh, []>, train.step = true},
// STEP-SAME: %ids: i32[4,8] {bound = 64, sharding = <@mesh, [{"data"}, {}]>, train.batch = "ids"},
// STEP-SAME: %labels: i32[4,8] {bound = 64, sharding = <@mesh, [{"data"}, {}]>, train.batch = "labels"},
// STEP-SAME: %segments: i32[4,8] {bound = 9, sharding = <@mesh, [{"data"}, {}]>, train.batch = "segments"},
// STEP-SAME: %positions: i32[4,8] {bound = 8, sharding = <@mesh, [{"data"}, {}]>, train.batch = "positions"})
// STEP-SAME: -> (f32[], f32[], f32[64,16] {sharding = <@mesh, [{"model"}, {}]>, train.next = "embed"},
// STEP-SAME: f32[16] {sharding = <@mesh, [{"model"}]>, train.next = "final_norm.scale.v"})
// STEP-SAME: adafactor.lr = 0.05, adafactor.min_dim_to_factor = 1, adafactor.warmup_steps = 1}

// LOCAL: %layer1.moe.wi: f32[2,16,16] {global = f32[4,16,32], sharding = <@mesh, [{"data"}, {}, {"model"}]>
// LOCAL-SAME: %layer1.moe.wi.v_row: f32[2,16] {global = f32[4,16], sharding = <@mesh, [{"data"}, {}]>
// LOCAL-SAME: %layer1.moe.wi.v_col: f32[2,16] {global = f32[4,32], sharding = <@mesh, [{"data"}, {"model"}]>
// LOCAL-SAME: %layer1.moe.wo.v_row: f32[2,16] {global = f32[4,16], sharding = <@mesh, [{"data"}, {}]>
// LOCAL-SAME: %layer1.moe.wo.v_col: f32[2,16] {global = f32[4,32], sharding = <@mesh, [{"data"}, {"model"}]>

// PASS: check: {{.*}} PASS
// FED: fed {{[0-9]+}} results into {{[0-9]+}} arguments
